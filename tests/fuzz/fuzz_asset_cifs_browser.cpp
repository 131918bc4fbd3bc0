// libFuzzer target for the cifs_browser asset dissector (dissectors/cifs_browser/cifs_browser.cpp; the driver is shared).
#include "dissectors/cifs_browser/cifs_browser.hpp"
#include "tests/fuzz/asset_fuzz_driver.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return flowprobe::dissect::fuzz_asset(flowprobe::dissect::kCifsBrowserAsset, data, size);
}
