// libFuzzer target for the tls dissector (the driver is shared by all dissectors).
#include "dissectors/tls/tls.hpp"
#include "tests/fuzz/dissector_fuzz_driver.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return flowprobe::dissect::fuzz_dissector<flowprobe::dissect::TlsState>(flowprobe::dissect::kTlsDissector, data, size);
}
