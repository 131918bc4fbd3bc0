#pragma once
// TCP SYN and SYN/ACK fingerprints (p0f's raw signatures) sightings: the per-packet parser (tcp_fingerprint.cpp) and the descriptor (protocol.cpp).
#include "dissectors/asset_dissector.hpp"

namespace flowprobe::dissect {

extern const AssetDissector kTcpFingerprintAsset;

}  // namespace flowprobe::dissect
