#pragma once
// ARP sightings: the per-packet parser (arp.cpp) and the descriptor (protocol.cpp).
#include "dissectors/asset_dissector.hpp"

namespace flowprobe::dissect {

extern const AssetDissector kArpAsset;

}  // namespace flowprobe::dissect
