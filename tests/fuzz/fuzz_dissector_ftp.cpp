// libFuzzer target for the ftp dissector (the driver is shared by all dissectors).
#include "dissectors/ftp/ftp.hpp"
#include "tests/fuzz/dissector_fuzz_driver.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return flowprobe::dissect::fuzz_dissector<flowprobe::dissect::FtpState>(flowprobe::dissect::kFtpDissector, data, size);
}
