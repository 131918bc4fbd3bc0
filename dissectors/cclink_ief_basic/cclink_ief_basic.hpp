#pragma once
// CC-Link IE Field Basic sightings: the per-packet parser (cclink_ief_basic.cpp) and the descriptor (protocol.cpp).
#include "dissectors/asset_dissector.hpp"

namespace flowprobe::dissect {

extern const AssetDissector kCclinkIefBasicAsset;

}  // namespace flowprobe::dissect
