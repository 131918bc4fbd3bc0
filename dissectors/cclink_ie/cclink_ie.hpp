#pragma once
// CC-Link IE Field and CC-Link IE Control sightings (layer-2 frames, EtherType 0x890F):
// the per-frame parser (cclink_ie.cpp) and the descriptor (protocol.cpp).
#include "dissectors/asset_dissector.hpp"

namespace flowprobe::dissect {

inline constexpr uint16_t kCclinkIeEtherType = 0x890F;
extern const AssetDissector kCclinkIeAsset;

}  // namespace flowprobe::dissect
