// libFuzzer target for the dns dissector (the driver is shared by all dissectors).
#include "dissectors/dns/dns.hpp"
#include "tests/fuzz/dissector_fuzz_driver.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return flowprobe::dissect::fuzz_dissector<flowprobe::dissect::DnsState>(flowprobe::dissect::kDnsDissector, data, size);
}
