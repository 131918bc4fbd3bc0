// libFuzzer target for the cclink_ie asset dissector (dissectors/cclink_ie/cclink_ie.cpp; the driver is shared).
#include "dissectors/cclink_ie/cclink_ie.hpp"
#include "tests/fuzz/asset_fuzz_driver.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return flowprobe::dissect::fuzz_asset(flowprobe::dissect::kCclinkIeAsset, data, size);
}
