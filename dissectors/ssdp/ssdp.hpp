#pragma once
// SSDP sightings: the per-packet parser (ssdp.cpp) and the descriptor (protocol.cpp).
#include "dissectors/asset_dissector.hpp"

namespace flowprobe::dissect {

extern const AssetDissector kSsdpAsset;

}  // namespace flowprobe::dissect
