// libFuzzer target for the netbios_ns asset dissector (dissectors/netbios_ns/netbios_ns.cpp; the driver is shared).
#include "dissectors/netbios_ns/netbios_ns.hpp"
#include "tests/fuzz/asset_fuzz_driver.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return flowprobe::dissect::fuzz_asset(flowprobe::dissect::kNetbiosNsAsset, data, size);
}
