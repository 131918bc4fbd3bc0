#pragma once
// Every asset dissector, in the order lib/assets probes them; the first whose probe says
// "mine" parses the packet, so one packet makes at most one sighting. A second table
// next to table.hpp rather than more rows in it: these parse single packets into events
// and hold no flow state, the flow dissectors the reverse (asset_dissector.hpp says more).
// Port-specific probes come first, SSDP (any UDP port, by its request line) last.
#include <array>

#include "dissectors/asset_dissector.hpp"

namespace flowprobe::dissect {

extern const AssetDissector kArpAsset;             // arp.cpp
extern const AssetDissector kNdpAsset;             // ndp.cpp
extern const AssetDissector kDhcpAsset;            // dhcp.cpp
extern const AssetDissector kDhcpv6Asset;          // dhcpv6.cpp
extern const AssetDissector kNetbiosNsAsset;       // netbios_ns.cpp
extern const AssetDissector kCifsBrowserAsset;     // cifs_browser.cpp
extern const AssetDissector kCclinkIefBasicAsset;  // cclink_ief_basic.cpp
extern const AssetDissector kTcpFingerprintAsset;  // tcp_fingerprint.cpp
extern const AssetDissector kSsdpAsset;            // ssdp.cpp

inline constexpr std::array<const AssetDissector*, 9> kAssetDissectors{
    &kArpAsset,          &kNdpAsset,           &kDhcpAsset,          &kDhcpv6Asset, &kNetbiosNsAsset,
    &kCifsBrowserAsset,  &kCclinkIefBasicAsset, &kTcpFingerprintAsset, &kSsdpAsset};
static_assert(kAssetDissectors.size() == kAssetKindCount, "one asset dissector per AssetKind");

}  // namespace flowprobe::dissect
