// libFuzzer target for the tls dissector (the driver is shared by all dissectors), with
// its rule buffers (tls.certs walks each certificate of the chain).
#include "dissectors/tls/tls.hpp"
#include "tests/fuzz/dissector_fuzz_driver.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace flowprobe::dissect;
  static void* const scratch = tls_create_rule_scratch();
  return fuzz_dissector<TlsState>(kTlsDissector, data, size, {tls_rule_buffers, scratch});
}
