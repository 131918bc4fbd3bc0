#pragma once
// NetBIOS name service sightings: the per-packet parser (netbios_ns.cpp) and the descriptor (protocol.cpp).
#include "dissectors/asset_dissector.hpp"

namespace flowprobe::dissect {

extern const AssetDissector kNetbiosNsAsset;

}  // namespace flowprobe::dissect
