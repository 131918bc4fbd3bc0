// libFuzzer target for the dhcpv6 asset dissector (dissectors/dhcpv6/dhcpv6.cpp; the driver is shared).
#include "dissectors/dhcpv6/dhcpv6.hpp"
#include "tests/fuzz/asset_fuzz_driver.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return flowprobe::dissect::fuzz_asset(flowprobe::dissect::kDhcpv6Asset, data, size);
}
