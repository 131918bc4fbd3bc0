// libFuzzer target for the http dissector (the driver is shared by all dissectors).
#include "dissectors/http/http.hpp"
#include "tests/fuzz/dissector_fuzz_driver.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return flowprobe::dissect::fuzz_dissector<flowprobe::dissect::HttpState>(flowprobe::dissect::kHttpDissector, data, size);
}
