#include "net.hpp"

#include <cstdio>
#include <stdexcept>

namespace pcapgen {

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Ethernet header (+ optional 802.1Q tag); returns the writer positioned at L3.
void write_l2(ByteWriter& w, const Mac& src, const Mac& dst, uint16_t vlan, uint8_t pcp, uint16_t ethertype) {
  w.bytes(dst.b).bytes(src.b);
  if (vlan != 0) w.be16(0x8100).be16(static_cast<uint16_t>((pcp & 7) << 13 | (vlan & 0x0fff)));
  w.be16(ethertype);
}

void pad_frame(Bytes& b) {
  if (b.size() < kMinFrame) b.resize(kMinFrame, 0);
}

// Wraps an L4 segment (checksum field zero) in IP and Ethernet and fills the checksums.
// csum_off: offset of the L4 checksum inside `l4`, or -1 for none.
Frame build_ip(const L3Spec& s, uint8_t proto, Bytes l4, int csum_off, bool pseudo) {
  if (s.src.version != s.dst.version) throw std::logic_error("mixed IPv4/IPv6 addresses in one packet");
  if (csum_off >= 0) {
    uint64_t sum = pseudo ? pseudo_header_sum(s.src, s.dst, proto, static_cast<uint32_t>(l4.size())) : 0;
    uint16_t c = csum_fold(csum_add(sum, l4.data(), l4.size()));
    if (proto == ipproto::udp && c == 0) c = 0xffff;  // 0 means "no checksum" in UDP
    put_be16(&l4[static_cast<std::size_t>(csum_off)], c);
  }

  ByteWriter w;
  Frame f;
  if (s.src.version == 4) {
    write_l2(w, s.src_mac, s.dst_mac, s.vlan, s.vlan_pcp, 0x0800);
    const std::size_t ip = w.size();
    f.ip_len = static_cast<uint16_t>(20 + l4.size());
    w.u8(0x45).u8(s.tos).be16(f.ip_len).be16(s.ip_id).be16(s.dont_fragment ? 0x4000 : 0);
    w.u8(s.ttl).u8(proto).be16(0).bytes(s.src.span()).bytes(s.dst.span());
    Bytes b = w.take();
    put_be16(&b[ip + 10], csum_fold(csum_add(0, &b[ip], 20)));
    b.insert(b.end(), l4.begin(), l4.end());
    f.bytes = std::move(b);
  } else {
    write_l2(w, s.src_mac, s.dst_mac, s.vlan, s.vlan_pcp, 0x86dd);
    f.ip_len = static_cast<uint16_t>(40 + l4.size());
    w.be32(6u << 28 | static_cast<uint32_t>(s.tos) << 20 | (s.flow_label & 0xfffff));
    w.be16(static_cast<uint16_t>(l4.size())).u8(proto).u8(s.ttl).bytes(s.src.span()).bytes(s.dst.span());
    w.bytes(l4);
    f.bytes = w.take();
  }
  pad_frame(f.bytes);
  return f;
}

}  // namespace

Mac Mac::parse(std::string_view t) {
  Mac m;
  if (t.size() != 17) throw std::invalid_argument("bad MAC address");
  for (int i = 0; i < 6; ++i) {
    const int hi = hex_digit(t[3 * i]), lo = hex_digit(t[3 * i + 1]);
    if (hi < 0 || lo < 0 || (i < 5 && t[3 * i + 2] != ':')) throw std::invalid_argument("bad MAC address");
    m.b[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return m;
}

IpAddr IpAddr::v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  IpAddr ip;
  ip.version = 4;
  ip.b[0] = a, ip.b[1] = b, ip.b[2] = c, ip.b[3] = d;
  return ip;
}

IpAddr IpAddr::v4(uint32_t v) {
  return v4(static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 8),
            static_cast<uint8_t>(v));
}

IpAddr IpAddr::v6(const std::array<uint16_t, 8>& g) {
  IpAddr ip;
  ip.version = 6;
  for (int i = 0; i < 8; ++i) put_be16(&ip.b[2 * i], g[i]);
  return ip;
}

std::string IpAddr::str() const {
  char buf[48];
  if (version == 4) {
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
    return buf;
  }
  uint16_t g[8];
  for (int i = 0; i < 8; ++i) g[i] = get_be16(&b[2 * i]);
  // RFC 5952: compress the longest run (first on a tie) of two or more zero groups.
  int best = -1, best_len = 1;
  for (int i = 0; i < 8;) {
    if (g[i] != 0) { ++i; continue; }
    int j = i;
    while (j < 8 && g[j] == 0) ++j;
    if (j - i > best_len) best = i, best_len = j - i;
    i = j;
  }
  std::string out;
  for (int i = 0; i < 8; ++i) {
    if (i == best) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    std::snprintf(buf, sizeof buf, "%x", g[i]);
    out += buf;
  }
  return out;
}

uint64_t pseudo_header_sum(const IpAddr& src, const IpAddr& dst, uint8_t proto, uint32_t l4_len) {
  uint64_t sum = csum_add(0, src.b.data(), src.size());
  sum = csum_add(sum, dst.b.data(), dst.size());
  return sum + proto + (l4_len >> 16) + (l4_len & 0xffff);
}

Frame build_tcp(const L3Spec& l3, const TcpHeader& h, std::span<const uint8_t> payload) {
  Bytes opts = h.options;
  while (opts.size() % 4) opts.push_back(0);  // EOL padding
  ByteWriter w;
  w.be16(h.sport).be16(h.dport).be32(h.seq).be32(h.ack);
  w.u8(static_cast<uint8_t>((20 + opts.size()) / 4) << 4).u8(h.flags).be16(h.window);
  w.be16(0).be16(0).bytes(opts).bytes(payload);
  Frame f = build_ip(l3, ipproto::tcp, w.take(), 16, true);
  f.tcp_flags = h.flags;
  return f;
}

Frame build_udp(const L3Spec& l3, uint16_t sport, uint16_t dport, std::span<const uint8_t> payload) {
  ByteWriter w;
  w.be16(sport).be16(dport).be16(static_cast<uint16_t>(8 + payload.size())).be16(0).bytes(payload);
  return build_ip(l3, ipproto::udp, w.take(), 6, true);
}

Frame build_icmp(const L3Spec& l3, uint8_t type, uint8_t code, uint32_t rest, std::span<const uint8_t> payload) {
  ByteWriter w;
  w.u8(type).u8(code).be16(0).be32(rest).bytes(payload);
  const bool v6 = l3.src.version == 6;
  return build_ip(l3, v6 ? ipproto::icmpv6 : ipproto::icmp, w.take(), 2, v6);
}

Frame build_arp(const Mac& eth_src, const Mac& eth_dst, uint16_t op, const Mac& sha, const IpAddr& spa,
                const Mac& tha, const IpAddr& tpa, uint16_t vlan) {
  ByteWriter w;
  write_l2(w, eth_src, eth_dst, vlan, 0, 0x0806);
  w.be16(1).be16(0x0800).u8(6).u8(4).be16(op);
  w.bytes(sha.b).bytes(spa.span()).bytes(tha.b).bytes(tpa.span());
  Frame f;
  f.bytes = w.take();
  pad_frame(f.bytes);
  return f;
}

}  // namespace pcapgen
