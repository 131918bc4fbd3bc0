#pragma once
// DHCPv6 sightings: the per-packet parser (dhcpv6.cpp) and the descriptor (protocol.cpp).
#include "dissectors/asset_dissector.hpp"

namespace flowprobe::dissect {

extern const AssetDissector kDhcpv6Asset;

}  // namespace flowprobe::dissect
