#pragma once
// The asset dissector contract: a per-packet probe/parse pair whose output is one
// sighting (an AssetEvent), not flow metadata. Unlike the flow dissectors (dissector.hpp)
// they keep no per-flow state and see every packet, including ARP frames that belong to
// no flow, so they have their own small descriptor, which a protocol's descriptor points
// to (Protocol::asset); lib/assets walks the protocol table for them and keeps only the
// de-duplication.
//
// probe() is cheap (ports, an ICMPv6 type, a few bytes) and says "mine" or not; parse()
// reads the packet, bounds-checked on every read, into an event whose common fields
// (time, VLAN, MACs, addresses, ports) the caller has filled, and says whether the packet
// made an event, was malformed, or on a closer look is not a sighting this kind reports
// (a browser election on the browser's port). Neither allocates, logs or keeps pointers.
#include <array>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

#include "assets/asset_event.hpp"
#include "decode/decoder.hpp"

namespace flowprobe::dissect {

struct AssetPacket {
  const DecodedPacket& pkt;
  bool arp = false;  // an ARP frame: pkt.payload is the ARP header and body, no IP fields
  // Another non-IP frame the decoder hands over (CC-Link IE, 0x890F): its EtherType, and
  // pkt.payload is what follows it; 0 for IP and ARP.
  uint16_t ethertype = 0;
};

enum class AssetParse : uint8_t { event, malformed, not_mine };

// What a dissector can want, as data, so that the dispatcher skips it without a call.
namespace asset_on {
inline constexpr uint8_t arp = 1, udp = 2, tcp = 4, icmpv6 = 8, l2 = 16;
}

struct AssetDissector {
  std::string_view name;
  AssetKind kind;
  uint8_t on;                     // asset_on bits
  std::array<uint16_t, 2> ports;  // UDP/TCP: either end on one of these; all zero: any port
  bool (*probe)(const AssetPacket&) noexcept;
  AssetParse (*parse)(const AssetPacket&, AssetEvent&) noexcept;

  // The descriptor's data only: a cheap pre-filter; probe() has the last word.
  bool may_want(const AssetPacket& a) const {
    const DecodedPacket& p = a.pkt;
    const uint8_t what = a.arp ? asset_on::arp
                         : a.ethertype != 0 ? asset_on::l2
                         : p.l4_proto == 17 ? asset_on::udp
                         : p.l4_proto == 6  ? asset_on::tcp
                         : p.l4_proto == 58 ? asset_on::icmpv6
                                            : 0;
    if (!(on & what)) return false;
    if ((what != asset_on::udp && what != asset_on::tcp) || (ports[0] == 0 && ports[1] == 0)) return true;
    for (uint16_t port : ports)
      if (port != 0 && (p.src_port == port || p.dst_port == port)) return true;
    return false;
  }
};

// Helpers the asset parsers share.
inline uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
inline uint16_t le16(const uint8_t* p) { return static_cast<uint16_t>(p[1] << 8 | p[0]); }
inline uint32_t be32(const uint8_t* p) { return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3]; }
inline uint32_t le32(const uint8_t* p) { return uint32_t{p[3]} << 24 | uint32_t{p[2]} << 16 | uint32_t{p[1]} << 8 | p[0]; }

template <std::size_t N>
void copy_text(char (&dst)[N], std::string_view s) {
  const std::size_t n = s.size() < N - 1 ? s.size() : N - 1;
  if (n) std::memcpy(dst, s.data(), n);  // an absent header is an empty view with no data
  dst[n] = '\0';
}

inline bool udp_port(const DecodedPacket& p, uint16_t port) {
  return p.l4_proto == 17 && (p.src_port == port || p.dst_port == port);
}

}  // namespace flowprobe::dissect
