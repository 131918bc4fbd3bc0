// libFuzzer target for the tcp_fingerprint asset dissector (dissectors/tcp_fingerprint/tcp_fingerprint.cpp; the driver is shared).
#include "dissectors/tcp_fingerprint/tcp_fingerprint.hpp"
#include "tests/fuzz/asset_fuzz_driver.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return flowprobe::dissect::fuzz_asset(flowprobe::dissect::kTcpFingerprintAsset, data, size);
}
