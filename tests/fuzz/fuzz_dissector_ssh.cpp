// libFuzzer target for the ssh dissector (the driver is shared by all dissectors).
#include "dissectors/ssh/ssh.hpp"
#include "tests/fuzz/dissector_fuzz_driver.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return flowprobe::dissect::fuzz_dissector<flowprobe::dissect::SshState>(flowprobe::dissect::kSshDissector, data, size);
}
