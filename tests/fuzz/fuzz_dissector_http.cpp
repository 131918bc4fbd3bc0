// libFuzzer target for the http dissector (the driver is shared by all dissectors), with
// its rule buffers (header lines, normalised URI, inflated bodies).
#include "dissectors/http/http.hpp"
#include "tests/fuzz/dissector_fuzz_driver.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace flowprobe::dissect;
  static void* const scratch = http_create_rule_scratch();
  return fuzz_dissector<HttpState>(kHttpDissector, data, size, {http_rule_buffers, scratch});
}
