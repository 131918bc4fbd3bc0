// libFuzzer target for the ssdp asset dissector (dissectors/ssdp/ssdp.cpp; the driver is shared).
#include "dissectors/ssdp/ssdp.hpp"
#include "tests/fuzz/asset_fuzz_driver.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return flowprobe::dissect::fuzz_asset(flowprobe::dissect::kSsdpAsset, data, size);
}
