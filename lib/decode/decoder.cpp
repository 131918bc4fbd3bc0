#include "decode/decoder.hpp"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <type_traits>

#include "decode/byte_order.hpp"

// Every read below is preceded by a length check against the bytes that remain, written
// as `remaining < need` on size_t values that cannot underflow (an offset never passes
// the end it is compared with). Lengths a header states are only trusted after they
// are checked against what was captured; the L3 span is clipped to the IP length so
// Ethernet padding never becomes payload.

namespace flowprobe {
namespace {

using O = DecodeOutcome;

namespace ethertype {
constexpr uint16_t min_type = 0x0600;  // below: an IEEE 802.3 length field
constexpr uint16_t ipv4 = 0x0800, arp = 0x0806, vlan = 0x8100, ipv6 = 0x86dd, mpls_uc = 0x8847,
                   mpls_mc = 0x8848, pppoe_disc = 0x8863, pppoe_sess = 0x8864, qinq = 0x88a8,
                   lldp = 0x88cc, qinq_old = 0x9100, cclink_ie = 0x890f;
}  // namespace ethertype

constexpr size_t kEthHeader = 14;
constexpr size_t kVlanTag = 4;
constexpr size_t kSllHeader = 16;
constexpr size_t kSll2Header = 20;
constexpr size_t kIpv4MinHeader = 20;
constexpr size_t kIpv6Header = 40;
constexpr size_t kTcpMinHeader = 20;
constexpr size_t kUdpHeader = 8;
constexpr size_t kIcmpHeader = 4;  // type, code, checksum: the part common to all messages
constexpr int kMaxIpv6ExtHeaders = 16;
constexpr uint16_t kArphrdEther = 1;

// `stated` is the L4 length the IP header claims; `cap` the captured part of it,
// already clipped to `stated`, so cap <= stated.
inline O decode_l4(uint8_t proto, const uint8_t* l4, size_t cap, size_t stated,
                   DecodedPacket& out, O tracked) noexcept {
  switch (proto) {
    case ipproto::tcp: {
      if (cap < kTcpMinHeader)
        // A segment the IP length says cannot hold a TCP header is malformed; one whose
        // IP length covers the header was cut by the snaplen.
        return stated < kTcpMinHeader ? O::bad_tcp_header : O::truncated_tcp;
      out.src_port = load_be16(l4);
      out.dst_port = load_be16(l4 + 2);
      out.tcp_seq = load_be32(l4 + 4);
      out.tcp_ack = load_be32(l4 + 8);
      out.tcp_flags = l4[13];
      out.tcp_window = load_be16(l4 + 14);
      const size_t hlen = (size_t{l4[12]} >> 4) * 4;
      if (hlen < kTcpMinHeader || hlen > stated) return O::bad_tcp_header;
      if (hlen > cap) return O::truncated_tcp;  // snaplen cut inside the options
      out.payload = {l4 + hlen, cap - hlen};
      out.tcp_options = {l4 + kTcpMinHeader, hlen - kTcpMinHeader};
      return tracked;
    }
    case ipproto::udp: {
      if (cap < kUdpHeader) return O::truncated_udp;
      out.src_port = load_be16(l4);
      out.dst_port = load_be16(l4 + 2);
      // The UDP length clips further when it is sane; 0 (jumbograms) or a length past
      // the IP payload is ignored.
      const size_t ulen = load_be16(l4 + 4);
      size_t end = cap;
      if (ulen >= kUdpHeader && ulen <= stated && ulen < end) end = ulen;
      out.payload = {l4 + kUdpHeader, end - kUdpHeader};
      return tracked;
    }
    case ipproto::icmp:
    case ipproto::icmpv6:
      if (cap < kIcmpHeader) return O::truncated_icmp;
      out.icmp_type = l4[0];
      out.icmp_code = l4[1];
      out.payload = {l4 + kIcmpHeader, cap - kIcmpHeader};
      return tracked;
    default:
      // ESP, GRE, SCTP, "no next header" …: a flow on addresses and protocol alone.
      out.payload = {l4, cap};
      return tracked;
  }
}

inline O decode_ipv4(const uint8_t* ip, size_t len, DecodedPacket& out) noexcept {
  out.l3 = {ip, len};
  if (len < kIpv4MinHeader) return O::truncated_ipv4;
  const size_t hlen = (size_t{ip[0]} & 0x0f) * 4;
  size_t total = load_be16(ip + 2);
  if (hlen < kIpv4MinHeader || (total != 0 && total < hlen)) return O::bad_ipv4_header;
  if (hlen > len) return O::truncated_ipv4;
  // NICs doing TSO/LRO hand the capture point super-frames with total length 0.
  if (total == 0) total = len;

  out.ip_version = 4;
  out.tos = ip[1];
  out.ttl = ip[8];
  out.l4_proto = ip[9];
  std::memcpy(out.src_ip.data(), ip + 12, 4);
  std::memcpy(out.dst_ip.data(), ip + 16, 4);
  out.ip_bytes = static_cast<uint32_t>(std::min<size_t>(total, UINT32_MAX));

  const uint16_t frag = load_be16(ip + 6);
  const uint16_t frag_offset = frag & 0x1fff;
  out.fragment = (frag & 0x2000) != 0 || frag_offset != 0;  // MF, or not the first
  out.frag_id = load_be16(ip + 4);
  if (frag_offset != 0) return O::ipv4_fragment;

  const size_t end = std::min(len, total);
  return decode_l4(out.l4_proto, ip + hlen, end - hlen, total - hlen, out, O::ipv4);
}

// RFC 2675 jumbo payload length from a hop-by-hop header, 0 when absent or unreadable.
// Only asked for when the fixed header's payload length is 0, which is rare.
[[gnu::cold]] uint32_t find_jumbo_length(const uint8_t* hbh, size_t avail) noexcept {
  if (avail < 2) return 0;
  const size_t hlen = (size_t{hbh[1]} + 1) * 8;
  if (hlen > avail) return 0;
  size_t i = 2;
  while (i < hlen) {
    const uint8_t type = hbh[i];
    if (type == 0) {  // Pad1 has no length byte
      ++i;
      continue;
    }
    if (hlen - i < 2) return 0;
    const size_t olen = hbh[i + 1];
    if (hlen - i - 2 < olen) return 0;
    if (type == 0xc2 && olen == 4) return load_be32(hbh + i + 2);
    i += 2 + olen;
  }
  return 0;
}

inline O decode_ipv6(const uint8_t* ip, size_t len, DecodedPacket& out) noexcept {
  out.l3 = {ip, len};
  if (len < kIpv6Header) return O::truncated_ipv6;
  out.ip_version = 6;
  out.tos = static_cast<uint8_t>(load_be16(ip) >> 4);
  out.ttl = ip[7];
  std::memcpy(out.src_ip.data(), ip + 8, 16);
  std::memcpy(out.dst_ip.data(), ip + 24, 16);
  uint8_t next = ip[6];
  out.l4_proto = next;

  const size_t payload_len = load_be16(ip + 4);
  size_t stated = kIpv6Header + payload_len;
  if (payload_len == 0) {
    const uint32_t jumbo = next == 0 ? find_jumbo_length(ip + kIpv6Header, len - kIpv6Header) : 0;
    // Without a jumbo option, length 0 comes from TSO/LRO: trust the capture.
    stated = jumbo != 0 ? kIpv6Header + jumbo : len;
  }
  out.ip_bytes = static_cast<uint32_t>(std::min<size_t>(stated, UINT32_MAX));
  const size_t end = std::min(len, stated);

  size_t off = kIpv6Header;
  for (int count = 0;; ++count) {
    size_t hlen;
    switch (next) {
      case 0:    // hop-by-hop options
      case 43:   // routing
      case 60:   // destination options
      case 135:  // mobility
      case 139:  // HIP
      case 140:  // shim6
      case 253:  // experimental
      case 254:
        if (end - off < 2) return O::bad_ipv6_ext;
        hlen = (size_t{ip[off + 1]} + 1) * 8;
        break;
      case 51:  // AH counts 4-byte words, less 2
        if (end - off < 2) return O::bad_ipv6_ext;
        hlen = (size_t{ip[off + 1]} + 2) * 4;
        break;
      case 44: {  // fragment
        hlen = 8;
        if (count == kMaxIpv6ExtHeaders || end - off < hlen) return O::bad_ipv6_ext;
        const uint16_t offset_flags = load_be16(ip + off + 2);
        const uint16_t frag_offset = offset_flags >> 3;
        // An atomic fragment (offset 0, M clear, RFC 6946) is a whole datagram.
        out.fragment = out.fragment || frag_offset != 0 || (offset_flags & 1) != 0;
        out.frag_id = load_be32(ip + off + 4);
        if (frag_offset != 0) {
          out.l4_proto = ip[off];
          return O::ipv6_fragment;
        }
        break;
      }
      default:
        out.l4_proto = next;
        return decode_l4(next, ip + off, end - off, stated - off, out, O::ipv6);
    }
    if (count == kMaxIpv6ExtHeaders || end - off < hlen) return O::bad_ipv6_ext;
    next = ip[off];
    off += hlen;
  }
}

// `expect` is the version the link layer announced (4 or 6), 0 when the version nibble
// alone decides (raw IP).
inline O decode_ip(const uint8_t* ip, size_t len, unsigned expect, DecodedPacket& out) noexcept {
  if (len == 0) return expect == 6 ? O::truncated_ipv6 : O::truncated_ipv4;
  const unsigned version = ip[0] >> 4;
  if (expect != 0 && version != expect) return O::bad_ip_version;
  if (version == 4) return decode_ipv4(ip, len, out);
  if (version == 6) return decode_ipv6(ip, len, out);
  return O::bad_ip_version;
}

// MPLS: skip the label stack to its bottom entry; IP follows when the first nibble
// says so (pseudowires with a control word or Ethernet inside are counted, not decoded).
inline O decode_mpls(const uint8_t* p, size_t n, DecodedPacket& out) noexcept {
  constexpr size_t kLabel = 4;
  constexpr int kMaxLabels = 8;
  size_t off = 0;
  for (int i = 0;; ++i) {
    if (i == kMaxLabels) return O::mpls;
    if (n - off < kLabel) return O::truncated_mpls;
    const bool bottom = p[off + 2] & 0x01;
    off += kLabel;
    if (bottom) break;
  }
  if (n - off == 0) return O::truncated_mpls;
  const unsigned version = p[off] >> 4;
  if (version == 4 || version == 6) return decode_ip(p + off, n - off, version, out);
  return O::mpls;
}

// PPPoE session stage: 6-byte PPPoE header, then the 2-byte PPP protocol.
inline O decode_pppoe_session(const uint8_t* p, size_t n, DecodedPacket& out) noexcept {
  constexpr size_t kHeader = 8;
  if (n < kHeader) return O::truncated_pppoe;
  const uint16_t ppp = load_be16(p + 6);
  if (ppp == 0x0021) return decode_ip(p + kHeader, n - kHeader, 4, out);
  if (ppp == 0x0057) return decode_ip(p + kHeader, n - kHeader, 6, out);
  return O::pppoe;  // LCP, IPCP, authentication ...
}

// Follows VLAN tags from `off` (where `type` was read just before), then dispatches on
// the inner EtherType. Shared by Ethernet and the Linux cooked headers, which carry the
// tag in the packet when libpcap re-inserts it.
inline O decode_ethertype(const uint8_t* p, size_t n, size_t off, uint16_t type,
                          DecodedPacket& out) noexcept {
  while (type == ethertype::vlan || type == ethertype::qinq || type == ethertype::qinq_old) {
    if (out.vlan_count == kMaxVlanTags) return O::too_many_vlans;
    if (n - off < kVlanTag) return O::truncated_vlan;
    const uint16_t vid = load_be16(p + off) & 0x0fff;
    if (out.vlan_count == 0)
      out.vlan_outer = vid;
    else
      out.vlan_inner = vid;
    ++out.vlan_count;
    type = load_be16(p + off + 2);
    off += kVlanTag;
  }
  if (type < ethertype::min_type) return O::llc;
  switch (type) {
    case ethertype::ipv4:
      return decode_ip(p + off, n - off, 4, out);
    case ethertype::ipv6:
      return decode_ip(p + off, n - off, 6, out);
    case ethertype::arp:
      out.payload = {p + off, n - off};  // for asset sightings (assets/asset_tracker.hpp)
      return O::arp;
    case ethertype::lldp:
      return O::lldp;
    case ethertype::cclink_ie:
      out.payload = {p + off, n - off};  // for asset sightings (dissectors/cclink_ie)
      return O::cclink_ie;
    case ethertype::mpls_uc:
    case ethertype::mpls_mc:
      return decode_mpls(p + off, n - off, out);
    case ethertype::pppoe_sess:
      return decode_pppoe_session(p + off, n - off, out);
    case ethertype::pppoe_disc:
      return O::pppoe;
    default:
      return O::other_ethertype;
  }
}

inline O decode_null(const uint8_t* p, size_t n, DecodedPacket& out) noexcept {
  if (n < 4) return O::truncated_l2;
  // DLT_NULL writes the family in the capturing host's order, DLT_LOOP in network
  // order; no valid value in one order is a valid value in the other.
  const uint32_t le = load_le32(p);
  const uint32_t be = load_be32(p);
  const auto is = [&](uint32_t af) { return le == af || be == af; };
  if (is(2)) return decode_ip(p + 4, n - 4, 4, out);
  // AF_INET6 is 24 on NetBSD/OpenBSD, 28 on FreeBSD/DragonFly, 30 on Darwin.
  if (is(24) || is(28) || is(30)) return decode_ip(p + 4, n - 4, 6, out);
  return O::other_link;
}

// The cooked headers carry the sender's link address; keep it when it is a MAC.
inline void take_sll_mac(const uint8_t* addr, uint16_t hatype, unsigned halen,
                         DecodedPacket& out) noexcept {
  if (hatype == kArphrdEther && halen == 6) std::memcpy(out.src_mac.data(), addr, 6);
}

}  // namespace

namespace {

// Every field's default is all-zero bytes. GCC clears the struct with `rep stos`, whose
// start-up cost was a third of decoding a packet on the CPUs we measure; libc's memset
// (reached through a size the compiler cannot see) uses vector stores instead.
static_assert(std::is_trivially_copyable_v<DecodedPacket>);
volatile std::size_t decoded_packet_bytes = sizeof(DecodedPacket);
inline void clear(DecodedPacket& p) noexcept { std::memset(static_cast<void*>(&p), 0, decoded_packet_bytes); }

O decode_link(const PacketView& pkt, DecodedPacket& out) noexcept {
  clear(out);
  const uint8_t* p = pkt.bytes.data();
  const size_t n = pkt.bytes.size();

  switch (pkt.link) {
    case LinkType::ethernet:
      if (n < kEthHeader) return O::truncated_l2;
      std::memcpy(out.dst_mac.data(), p, 6);
      std::memcpy(out.src_mac.data(), p + 6, 6);
      return decode_ethertype(p, n, kEthHeader, load_be16(p + 12), out);
    case LinkType::raw_ip:
      if (n == 0) return O::truncated_l2;  // not even a version nibble to go on
      return decode_ip(p, n, 0, out);
    case LinkType::null_loopback:
      return decode_null(p, n, out);
    case LinkType::linux_sll:
      // packet type, ARPHRD type, address length, address[8], protocol
      if (n < kSllHeader) return O::truncated_l2;
      take_sll_mac(p + 6, load_be16(p + 2), load_be16(p + 4), out);
      return decode_ethertype(p, n, kSllHeader, load_be16(p + 14), out);
    case LinkType::linux_sll2:
      // protocol, reserved, interface index, ARPHRD type, packet type, address length,
      // address[8]
      if (n < kSll2Header) return O::truncated_l2;
      take_sll_mac(p + 12, load_be16(p + 8), p[11], out);
      return decode_ethertype(p, n, kSll2Header, load_be16(p), out);
  }
  return O::other_link;
}

// ---------------------------------------------------------------- tunnels

constexpr int kMaxTunnelDepth = 3;

inline uint32_t load_be24(const uint8_t* p) { return uint32_t{p[0]} << 16 | uint32_t{p[1]} << 8 | p[2]; }

// Decodes an inner Ethernet frame (VXLAN, Geneve, GRE bridging, ERSPAN). The inner MACs
// replace the outer ones; its VLAN tags, when present, replace the outer tags.
O decode_inner_ethernet(const uint8_t* p, size_t n, DecodedPacket& out) noexcept {
  if (n < kEthHeader) return O::truncated_l2;
  std::memcpy(out.dst_mac.data(), p, 6);
  std::memcpy(out.src_mac.data(), p + 6, 6);
  out.vlan_count = 0;
  return decode_ethertype(p, n, kEthHeader, load_be16(p + 12), out);
}

// What follows a tunnel header, by EtherType (GRE and Geneve carry one).
O decode_by_ethertype(uint16_t type, const uint8_t* p, size_t n, DecodedPacket& out) noexcept {
  switch (type) {
    case ethertype::ipv4: return decode_ip(p, n, 4, out);
    case ethertype::ipv6: return decode_ip(p, n, 6, out);
    case 0x6558: return decode_inner_ethernet(p, n, out);  // transparent Ethernet bridging
    case ethertype::arp:  // ARP straight in GRE: an asset sighting, not a flow
      out.payload = {p, n};
      return O::arp;
    default: return O::other_ethertype;
  }
}

// GRE (RFC 2784/2890), PPTP's enhanced GRE (RFC 2637) and ERSPAN I/II/III.
O decode_gre(const uint8_t* p, size_t n, DecodedPacket& out, uint32_t& id) noexcept {
  if (n < 4) return O::truncated_l2;
  const uint16_t flags = load_be16(p);
  const uint16_t proto = load_be16(p + 2);
  const unsigned version = flags & 7;
  size_t off = 4;
  if (version == 0) {
    if (flags & 0x8000) off += 4;  // checksum + reserved
    if (flags & 0x2000) {           // key
      if (n < off + 4) return O::truncated_l2;
      id = load_be32(p + off);
      off += 4;
    }
    if (flags & 0x1000) off += 4;  // sequence number
  } else if (version == 1) {
    if (n < off + 4) return O::truncated_l2;
    id = load_be16(p + off + 2);    // PPTP call id
    off += 4;
    if (flags & 0x1000) off += 4;
    if (flags & 0x0080) off += 4;  // acknowledgment
  } else {
    return O::other_ethertype;
  }
  if (n < off) return O::truncated_l2;
  p += off;
  n -= off;
  switch (proto) {
    case 0x880b: {  // PPP inside PPTP
      size_t o = 0;
      if (n >= 2 && p[0] == 0xff && p[1] == 0x03) o = 2;  // address/control
      if (n < o + 1) return O::truncated_l2;
      uint16_t ppp = p[o];
      if (!(ppp & 1)) {  // two-byte protocol field
        if (n < o + 2) return O::truncated_l2;
        ppp = load_be16(p + o);
        o += 2;
      } else {
        o += 1;
      }
      if (ppp == 0x0021) return decode_ip(p + o, n - o, 4, out);
      if (ppp == 0x0057) return decode_ip(p + o, n - o, 6, out);
      return O::pppoe;
    }
    case 0x88be:  // ERSPAN type II (sequence bit set), or type I (no ERSPAN header)
      if (flags & 0x1000) {
        if (n < 8) return O::truncated_l2;
        id = load_be16(p) & 0x03ff;  // session id
        return decode_inner_ethernet(p + 8, n - 8, out);
      }
      return decode_inner_ethernet(p, n, out);
    case 0x22eb: {  // ERSPAN type III, with an optional 8-byte platform subheader
      if (n < 12) return O::truncated_l2;
      id = load_be16(p) & 0x03ff;
      const size_t hl = (p[11] & 0x01) ? 20 : 12;
      if (n < hl) return O::truncated_l2;
      return decode_inner_ethernet(p + hl, n - hl, out);
    }
    default:
      return decode_by_ethertype(proto, p, n, out);
  }
}

// GTP-U G-PDU (3GPP TS 29.281): the TEID is the tunnel id, IP follows.
O decode_gtpu(const uint8_t* p, size_t n, DecodedPacket& out, uint32_t& id) noexcept {
  if (n < 8) return O::truncated_l2;
  const uint8_t flags = p[0];
  if ((flags >> 5) != 1 || !(flags & 0x10) || p[1] != 0xff) return O::other_ethertype;  // not a G-PDU
  id = load_be32(p + 4);
  size_t off = 8;
  if (flags & 0x07) {
    if (n < 12) return O::truncated_l2;
    uint8_t next = p[11];
    off = 12;
    for (int i = 0; next != 0 && i < 8; ++i) {  // extension headers: length in 4-byte units
      if (n < off + 1 || p[off] == 0) return O::truncated_l2;
      const size_t len = size_t{p[off]} * 4;
      if (n < off + len) return O::truncated_l2;
      next = p[off + len - 1];
      off += len;
    }
    if (next != 0) return O::other_ethertype;
  }
  if (n <= off) return O::truncated_l2;
  return decode_ip(p + off, n - off, 0, out);
}

// Which tunnel, if any, `out` (a tracked outer packet) carries; decodes the inner packet
// into `inner` and sets `id`. Returns false when the packet is no tunnel.
// What decode_tunnel may open: IP-in-IP, GRE, and UDP to the VXLAN, Geneve or GTP-U ports.
// Checked first so that the usual packet does not build (zero) an inner DecodedPacket.
constexpr uint16_t kVxlanPort = 4789, kVxlanLinuxPort = 8472, kGenevePort = 6081, kGtpuPort = 2152;
bool may_be_tunnel(const DecodedPacket& p) noexcept {
  switch (p.l4_proto) {
    case 4:
    case 41:
    case 47: return true;
    case ipproto::udp:
      return p.dst_port == kVxlanPort || p.dst_port == kVxlanLinuxPort || p.dst_port == kGenevePort ||
             p.src_port == kGtpuPort || p.dst_port == kGtpuPort;
    default: return false;
  }
}

bool decode_tunnel(const DecodedPacket& outer, DecodedPacket& inner, O& result, uint32_t& id) noexcept {
  const uint8_t* p = outer.payload.data();
  const size_t n = outer.payload.size();
  auto begin = [&] {
    // L2 identity carries over; everything from L3 on is the inner packet's.
    clear(inner);
    inner.src_mac = outer.src_mac;
    inner.dst_mac = outer.dst_mac;
    inner.vlan_outer = outer.vlan_outer;
    inner.vlan_inner = outer.vlan_inner;
    inner.vlan_count = outer.vlan_count;
  };
  switch (outer.l4_proto) {
    case 4:   // IPv4 in IP
    case 41:  // IPv6 in IP (6in4, 6in6)
      begin();
      result = decode_ip(p, n, outer.l4_proto == 4 ? 4 : 6, inner);
      return true;
    case 47:
      begin();
      result = decode_gre(p, n, inner, id);
      return true;
    case ipproto::udp: {
      const auto port = [&](uint16_t x) { return outer.src_port == x || outer.dst_port == x; };
      if (outer.dst_port == kVxlanPort || outer.dst_port == kVxlanLinuxPort) {  // VXLAN (IANA, Linux legacy)
        if (n < 8 || !(p[0] & 0x08)) return false;
        begin();
        id = load_be24(p + 4);
        result = decode_inner_ethernet(p + 8, n - 8, inner);
        return true;
      }
      if (outer.dst_port == kGenevePort) {  // Geneve
        if (n < 8 || (p[0] >> 6) != 0) return false;
        const size_t hl = 8 + static_cast<size_t>(p[0] & 0x3f) * 4;
        if (n < hl) return false;
        begin();
        id = load_be24(p + 4);
        result = decode_by_ethertype(load_be16(p + 2), p + hl, n - hl, inner);
        return true;
      }
      if (port(kGtpuPort)) {  // GTP-U
        begin();
        result = decode_gtpu(p, n, inner, id);
        return true;
      }
      return false;
    }
    default:
      return false;
  }
}

}  // namespace

DecodeOutcome decode(const PacketView& pkt, DecodedPacket& out, const DecodeOptions& options) noexcept {
  O o = decode_link(pkt, out);
  if (!options.decapsulate) return o;
  // Follow tunnels while the inner packet decodes to a flow; a carrier whose inner
  // packet is not one (malformed, ARP, a GTP control message) stays the outer flow, so
  // no packet is ever lost to decapsulation; a carried ARP frame is handed on as well.
  for (int depth = 0; is_tracked(o) && depth < kMaxTunnelDepth && may_be_tunnel(out); ++depth) {
    DecodedPacket inner;
    O inner_o;
    uint32_t id = out.tunnel_id;
    if (!decode_tunnel(out, inner, inner_o, id)) break;
    if (inner_o == O::arp) {
      out.tunnelled_arp = inner.payload;
      break;
    }
    if (!is_tracked(inner_o)) {
      out.decap_failed = true;
      break;
    }
    inner.tunnel_id = id;
    inner.tunnel_depth = static_cast<uint8_t>(depth + 1);
    out = inner;
    o = inner_o;
  }
  return o;
}

}  // namespace flowprobe
