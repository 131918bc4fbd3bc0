#pragma once
// IPv6 neighbour discovery sightings: the per-packet parser (ndp.cpp) and the descriptor (protocol.cpp).
#include "dissectors/asset_dissector.hpp"

namespace flowprobe::dissect {

extern const AssetDissector kNdpAsset;

}  // namespace flowprobe::dissect
