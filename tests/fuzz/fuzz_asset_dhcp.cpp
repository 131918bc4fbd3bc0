// libFuzzer target for the dhcp asset dissector (dissectors/dhcp/dhcp.cpp; the driver is shared).
#include "dissectors/dhcp/dhcp.hpp"
#include "tests/fuzz/asset_fuzz_driver.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return flowprobe::dissect::fuzz_asset(flowprobe::dissect::kDhcpAsset, data, size);
}
