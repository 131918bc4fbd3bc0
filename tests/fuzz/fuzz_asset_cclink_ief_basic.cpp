// libFuzzer target for the cclink_ief_basic asset dissector (dissectors/cclink_ief_basic/cclink_ief_basic.cpp; the driver is shared).
#include "dissectors/cclink_ief_basic/cclink_ief_basic.hpp"
#include "tests/fuzz/asset_fuzz_driver.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return flowprobe::dissect::fuzz_asset(flowprobe::dissect::kCclinkIefBasicAsset, data, size);
}
