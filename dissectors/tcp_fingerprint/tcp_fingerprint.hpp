#pragma once
// TCP SYN and SYN/ACK fingerprints (p0f's raw signatures) sightings: the per-packet parser (tcp_fingerprint.cpp) and the descriptor (protocol.cpp).
#include "dissectors/asset_dissector.hpp"

namespace flowprobe::dissect {

extern const AssetDissector kTcpFingerprintAsset;

// p0f's detect_win_multi: the window as a multiple `n` of the MSS (less 12 with
// timestamps), of a 1500-byte MTU's MSS, or (`mtu`) of the MTU; n 0 when none divides
// it. (p0f also tries a SYN/ACK's peer MSS, which needs the SYN: not done here.)
struct WindowMultiple {
  unsigned n = 0;
  bool mtu = false;
};
WindowMultiple window_multiple(const AssetEvent& e) noexcept;

}  // namespace flowprobe::dissect
