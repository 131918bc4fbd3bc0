// libFuzzer target for the smtp dissector (the driver is shared by all dissectors).
#include "dissectors/smtp/smtp.hpp"
#include "tests/fuzz/dissector_fuzz_driver.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return flowprobe::dissect::fuzz_dissector<flowprobe::dissect::SmtpState>(flowprobe::dissect::kSmtpDissector, data, size);
}
