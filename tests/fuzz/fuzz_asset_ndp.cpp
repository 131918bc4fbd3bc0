// libFuzzer target for the ndp asset dissector (dissectors/ndp/ndp.cpp; the driver is shared).
#include "dissectors/ndp/ndp.hpp"
#include "tests/fuzz/asset_fuzz_driver.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return flowprobe::dissect::fuzz_asset(flowprobe::dissect::kNdpAsset, data, size);
}
