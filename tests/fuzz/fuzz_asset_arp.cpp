// libFuzzer target for the arp asset dissector (dissectors/arp/arp.cpp; the driver is shared).
#include "dissectors/arp/arp.hpp"
#include "tests/fuzz/asset_fuzz_driver.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return flowprobe::dissect::fuzz_asset(flowprobe::dissect::kArpAsset, data, size);
}
