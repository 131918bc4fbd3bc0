// libFuzzer target for the dhcp dissector (the driver is shared by all dissectors).
#include "dissectors/dhcp/dhcp.hpp"
#include "tests/fuzz/dissector_fuzz_driver.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return flowprobe::dissect::fuzz_dissector<flowprobe::dissect::DhcpState>(flowprobe::dissect::kDhcpDissector, data, size);
}
