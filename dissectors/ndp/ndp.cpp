// IPv6 neighbour discovery (RFC 4861): router and neighbour solicitations and
// advertisements, with the target address and the link-layer address option.
#include <cstring>

#include "dissectors/ndp/ndp.hpp"

namespace flowprobe::dissect {
namespace {

bool ndp_probe(const AssetPacket& a) noexcept {
  const DecodedPacket& p = a.pkt;
  return !a.arp && p.ip_version == 6 && p.l4_proto == 58 && p.icmp_type >= 133 && p.icmp_type <= 136;
}

AssetParse ndp_parse(const AssetPacket& in, AssetEvent& out) noexcept {
  const DecodedPacket& p = in.pkt;
  // The payload starts after the ICMPv6 type, code and checksum. Router solicitation:
  // 4 reserved bytes; advertisement: 12; neighbour solicitation/advertisement: 4 + target.
  const std::span<const uint8_t> m = p.payload;
  const std::size_t fixed = p.icmp_type == 133 ? 4 : p.icmp_type == 134 ? 12 : 20;
  if (m.size() < fixed) return AssetParse::malformed;
  out.op = p.icmp_type;
  // The frame's destination: an advertisement answers the host that asked (ns.log).
  out.u.ndp.dst_ip = p.dst_ip;
  out.u.ndp.dst_mac = p.dst_mac;
  out.dst_ip = {};
  if (p.icmp_type >= 135) std::memcpy(out.dst_ip.data(), m.data() + 4, 16);  // target address
  // Options: type 1 source / 2 target link-layer address, length in units of 8 bytes.
  for (std::size_t off = fixed; off + 2 <= m.size();) {
    const uint8_t type = m[off], len8 = m[off + 1];
    if (len8 == 0 || off + len8 * 8u > m.size()) break;
    if ((type == 1 || type == 2) && len8 == 1) std::memcpy(out.dst_mac.data(), m.data() + off + 2, 6);
    off += len8 * 8u;
  }
  return AssetParse::event;
}

}  // namespace

const AssetDissector kNdpAsset{"ndp", AssetKind::ndp, asset_on::icmpv6, {}, ndp_probe, ndp_parse};

}  // namespace flowprobe::dissect
