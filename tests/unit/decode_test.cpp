// Decoder tests over packets built byte by byte. Every decode runs on an exact-size heap
// copy of the bytes so that AddressSanitizer flags any read past the captured span.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <ostream>
#include <random>
#include <string_view>
#include <vector>

#include "decode/decoder.hpp"

namespace flowprobe {
// Outcome names instead of numbers in failure messages.
void PrintTo(DecodeOutcome o, std::ostream* os) {
  *os << kDecodeOutcomeInfo[static_cast<std::size_t>(o)].name;
}
}  // namespace flowprobe

namespace {

using flowprobe::decode;
using flowprobe::DecodedPacket;
using flowprobe::DecodeOptions;
using flowprobe::LinkType;
using flowprobe::PacketView;
using O = flowprobe::DecodeOutcome;
namespace ipproto = flowprobe::ipproto;
namespace tcpflag = flowprobe::tcpflag;

using Bytes = std::vector<uint8_t>;

// ---------------------------------------------------------------- packet builder

void put16(Bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
void put32(Bytes& b, uint32_t v) {
  put16(b, static_cast<uint16_t>(v >> 16));
  put16(b, static_cast<uint16_t>(v));
}
void append(Bytes& b, const Bytes& more) { b.insert(b.end(), more.begin(), more.end()); }

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) append(out, p);
  return out;
}

Bytes text(std::string_view s) { return Bytes(s.begin(), s.end()); }
Bytes zeros(std::size_t n) { return Bytes(n, 0); }

constexpr std::array<uint8_t, 6> kDstMac{0x02, 0x00, 0x5e, 0x10, 0x00, 0x01};
constexpr std::array<uint8_t, 6> kSrcMac{0x02, 0x00, 0x5e, 0x10, 0x00, 0x02};

Bytes eth(uint16_t type) {
  Bytes b(kDstMac.begin(), kDstMac.end());
  b.insert(b.end(), kSrcMac.begin(), kSrcMac.end());
  put16(b, type);
  return b;
}

Bytes vlan(uint16_t tci, uint16_t type) {
  Bytes b;
  put16(b, tci);
  put16(b, type);
  return b;
}

struct Ipv4 {
  uint8_t version = 4;
  uint8_t ihl = 5;
  uint8_t tos = 0;
  int total = -1;  // -1: header + l4_len
  uint16_t frag = 0;
  uint8_t ttl = 64;
  uint8_t proto = ipproto::tcp;
  std::array<uint8_t, 4> src{192, 0, 2, 1};
  std::array<uint8_t, 4> dst{198, 51, 100, 2};
};

// The header alone; options are NOPs. At least 20 bytes even when `ihl` says less.
Bytes ipv4(const Ipv4& h, std::size_t l4_len) {
  const std::size_t hlen = std::max<std::size_t>(20, h.ihl * 4u);
  Bytes b;
  b.push_back(static_cast<uint8_t>(h.version << 4 | h.ihl));
  b.push_back(h.tos);
  put16(b, static_cast<uint16_t>(h.total >= 0 ? h.total : static_cast<int>(hlen + l4_len)));
  put16(b, 0x1234);  // id
  put16(b, h.frag);
  b.push_back(h.ttl);
  b.push_back(h.proto);
  put16(b, 0);  // checksum: not checked
  b.insert(b.end(), h.src.begin(), h.src.end());
  b.insert(b.end(), h.dst.begin(), h.dst.end());
  b.resize(hlen, 0x01);
  return b;
}

struct Ipv6 {
  uint8_t version = 6;
  uint8_t tc = 0;
  uint32_t flow = 0x12345;
  int plen = -1;  // -1: the payload length given to ipv6()
  uint8_t next = ipproto::tcp;
  uint8_t hlim = 64;
  std::array<uint8_t, 16> src{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
  std::array<uint8_t, 16> dst{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02};
};

Bytes ipv6(const Ipv6& h, std::size_t payload_len) {
  Bytes b;
  put32(b, uint32_t{h.version} << 28 | uint32_t{h.tc} << 20 | (h.flow & 0xfffff));
  put16(b, static_cast<uint16_t>(h.plen >= 0 ? h.plen : static_cast<int>(payload_len)));
  b.push_back(h.next);
  b.push_back(h.hlim);
  b.insert(b.end(), h.src.begin(), h.src.end());
  b.insert(b.end(), h.dst.begin(), h.dst.end());
  return b;
}

// Hop-by-hop, destination options, routing …: (len + 1) * 8 bytes, padded with Pad1.
Bytes ext6(uint8_t next, uint8_t len) {
  Bytes b{next, len};
  b.resize((len + 1u) * 8, 0);
  return b;
}

Bytes frag6(uint8_t next, uint16_t offset_units, bool more) {
  Bytes b{next, 0};
  put16(b, static_cast<uint16_t>(offset_units << 3 | (more ? 1 : 0)));
  put32(b, 0xdeadbeef);  // identification
  return b;
}

Bytes ah6(uint8_t next, uint8_t len) {  // (len + 2) * 4 bytes
  Bytes b{next, len, 0, 0};
  put32(b, 0x1000);  // SPI
  b.resize((len + 2u) * 4, 0xab);
  return b;
}

struct Tcp {
  uint16_t sport = 40000;
  uint16_t dport = 443;
  uint32_t seq = 0x01020304;
  uint32_t ack = 0x0a0b0c0d;
  uint8_t doff = 5;
  uint8_t flags = tcpflag::syn | tcpflag::ack;
  uint16_t window = 0xfaf0;
};

Bytes tcp(const Tcp& h) {
  Bytes b;
  put16(b, h.sport);
  put16(b, h.dport);
  put32(b, h.seq);
  put32(b, h.ack);
  b.push_back(static_cast<uint8_t>(h.doff << 4));
  b.push_back(h.flags);
  put16(b, h.window);
  put16(b, 0);  // checksum
  put16(b, 0);  // urgent pointer
  b.resize(std::max<std::size_t>(20, h.doff * 4u), 0x01);
  return b;
}

// `len` -1: 8 + payload_len.
Bytes udp(uint16_t sport, uint16_t dport, std::size_t payload_len, int len = -1) {
  Bytes b;
  put16(b, sport);
  put16(b, dport);
  put16(b, static_cast<uint16_t>(len >= 0 ? len : static_cast<int>(8 + payload_len)));
  put16(b, 0);
  return b;
}

Bytes icmp(uint8_t type, uint8_t code) { return Bytes{type, code, 0x12, 0x34, 0x00, 0x01, 0x00, 0x07}; }

// Common shapes.
Bytes ipv4_udp(const Bytes& payload, Ipv4 h = {}) {
  h.proto = ipproto::udp;
  return cat({ipv4(h, 8 + payload.size()), udp(5353, 53, payload.size()), payload});
}
Bytes ipv6_udp(const Bytes& payload, Ipv6 h = {}) {
  h.next = ipproto::udp;
  return cat({ipv6(h, 8 + payload.size()), udp(5353, 53, payload.size()), payload});
}

// ---------------------------------------------------------------- decoding helper

struct Result {
  std::unique_ptr<uint8_t[]> buf;  // owns the bytes `d.payload` points into
  std::size_t size = 0;
  O outcome{};
  DecodedPacket d;

  Bytes payload() const { return Bytes(d.payload.begin(), d.payload.end()); }
  bool payload_inside() const {
    if (d.payload.empty()) return true;
    return d.payload.data() >= buf.get() && d.payload.data() + d.payload.size() <= buf.get() + size;
  }
};

// Values that a decoder which forgets to reset would leave behind.
void dirty(DecodedPacket& d) {
  d.src_mac.fill(0xee);
  d.dst_mac.fill(0xee);
  d.vlan_outer = d.vlan_inner = 0xeee;
  d.vlan_count = 9;
  d.ip_version = 9;
  d.tos = d.ttl = 0xee;
  d.fragment = true;
  d.src_ip.fill(0xee);
  d.dst_ip.fill(0xee);
  d.ip_bytes = 0xeeee;
  d.l4_proto = 0xee;
  d.src_port = d.dst_port = 0xeeee;
  d.tcp_flags = 0xee;
  d.tcp_seq = d.tcp_ack = 0xeeeeeeee;
  d.tcp_window = 0xeeee;
  d.icmp_type = d.icmp_code = 0xee;
  static const uint8_t junk[3] = {1, 2, 3};
  d.payload = junk;
  d.tunnel_id = 0xeeeeeeee;
  d.tunnel_depth = 9;
  d.decap_failed = true;
}

Result run(const Bytes& b, LinkType link = LinkType::ethernet, DecodeOptions options = {}) {
  Result r;
  r.size = b.size();
  r.buf.reset(new uint8_t[b.size()]);
  if (!b.empty()) std::memcpy(r.buf.get(), b.data(), b.size());
  PacketView pv;
  pv.bytes = {r.buf.get(), b.size()};
  pv.link = link;
  dirty(r.d);
  r.outcome = decode(pv, r.d, options);
  return r;
}

Bytes prefix(const Bytes& b, std::size_t n) { return Bytes(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n)); }

std::array<uint8_t, 16> v4addr(std::array<uint8_t, 4> a) {
  std::array<uint8_t, 16> out{};
  std::copy(a.begin(), a.end(), out.begin());
  return out;
}

// ---------------------------------------------------------------- Ethernet / IPv4

TEST(Decode, EthernetIpv4TcpFields) {
  const Bytes pkt = cat({eth(0x0800), ipv4({.tos = 0xb8, .ttl = 57}, 20 + 5),
                         tcp({.flags = tcpflag::psh | tcpflag::ack}), text("hello")});
  const Result r = run(pkt);
  ASSERT_EQ(r.outcome, O::ipv4);
  const DecodedPacket& d = r.d;
  EXPECT_EQ(d.dst_mac, kDstMac);
  EXPECT_EQ(d.src_mac, kSrcMac);
  EXPECT_EQ(d.vlan_count, 0);
  EXPECT_EQ(d.vlan_outer, 0);
  EXPECT_EQ(d.vlan_inner, 0);
  EXPECT_EQ(d.ip_version, 4);
  EXPECT_EQ(d.tos, 0xb8);
  EXPECT_EQ(d.ttl, 57);
  EXPECT_FALSE(d.fragment);
  EXPECT_EQ(d.src_ip, v4addr({192, 0, 2, 1}));  // and the other 12 bytes reset to zero
  EXPECT_EQ(d.dst_ip, v4addr({198, 51, 100, 2}));
  EXPECT_EQ(d.ip_bytes, 45u);
  EXPECT_EQ(d.l4_proto, ipproto::tcp);
  EXPECT_EQ(d.src_port, 40000);
  EXPECT_EQ(d.dst_port, 443);
  EXPECT_EQ(d.tcp_flags, tcpflag::psh | tcpflag::ack);
  EXPECT_EQ(d.tcp_seq, 0x01020304u);
  EXPECT_EQ(d.tcp_ack, 0x0a0b0c0du);
  EXPECT_EQ(d.tcp_window, 0xfaf0);
  EXPECT_EQ(d.icmp_type, 0);
  EXPECT_EQ(d.icmp_code, 0);
  EXPECT_EQ(r.payload(), text("hello"));
  EXPECT_TRUE(r.payload_inside());
}

TEST(Decode, TcpOptionsAndIpOptionsAreSkipped) {
  const Bytes pkt = cat({eth(0x0800), ipv4({.ihl = 7}, 40 + 3), tcp({.doff = 10}), text("abc")});
  const Result r = run(pkt);
  ASSERT_EQ(r.outcome, O::ipv4);
  EXPECT_EQ(r.d.ip_bytes, 28u + 40 + 3);
  EXPECT_EQ(r.d.dst_port, 443);
  EXPECT_EQ(r.payload(), text("abc"));
}

TEST(Decode, EthernetPaddingIsNotPayload) {
  Bytes pkt = cat({eth(0x0800), ipv4({}, 20), tcp({.flags = tcpflag::ack})});
  ASSERT_EQ(pkt.size(), 54u);
  pkt.resize(60, 0x5a);  // minimum frame, padding not zero on purpose
  const Result r = run(pkt);
  ASSERT_EQ(r.outcome, O::ipv4);
  EXPECT_EQ(r.d.ip_bytes, 40u);
  EXPECT_TRUE(r.d.payload.empty());

  Bytes u = cat({eth(0x0800), ipv4_udp(text("ab"))});
  u.resize(60, 0x5a);
  const Result ru = run(u);
  ASSERT_EQ(ru.outcome, O::ipv4);
  EXPECT_EQ(ru.d.ip_bytes, 30u);
  EXPECT_EQ(ru.payload(), text("ab"));
}

TEST(Decode, Udp) {
  const Result r = run(cat({eth(0x0800), ipv4_udp(text("query"), {.ttl = 1})}));
  ASSERT_EQ(r.outcome, O::ipv4);
  EXPECT_EQ(r.d.l4_proto, ipproto::udp);
  EXPECT_EQ(r.d.src_port, 5353);
  EXPECT_EQ(r.d.dst_port, 53);
  EXPECT_EQ(r.d.ttl, 1);
  EXPECT_EQ(r.d.ip_bytes, 33u);
  EXPECT_EQ(r.d.tcp_flags, 0);
  EXPECT_EQ(r.payload(), text("query"));
}

TEST(Decode, UdpLengthClipsPayloadOnlyWhenSane) {
  const Bytes body = text("abcdef");
  const auto with_udp_len = [&](int udp_len) {
    return cat({eth(0x0800), ipv4({.proto = ipproto::udp}, 8 + body.size()),
                udp(1, 2, body.size(), udp_len), body});
  };
  EXPECT_EQ(run(with_udp_len(8 + 2)).payload(), text("ab"));      // shorter: clips
  EXPECT_EQ(run(with_udp_len(8)).payload(), Bytes{});             // header only
  EXPECT_EQ(run(with_udp_len(8 + 100)).payload(), body);          // past the IP payload
  EXPECT_EQ(run(with_udp_len(0)).payload(), body);                // jumbogram style
  EXPECT_EQ(run(with_udp_len(7)).payload(), body);                // below the header
  EXPECT_EQ(run(with_udp_len(7)).outcome, O::ipv4);
}

TEST(Decode, Icmp) {
  const Result r = run(cat({eth(0x0800), ipv4({.proto = ipproto::icmp}, 8), icmp(8, 0)}));
  ASSERT_EQ(r.outcome, O::ipv4);
  EXPECT_EQ(r.d.l4_proto, ipproto::icmp);
  EXPECT_EQ(r.d.icmp_type, 8);
  EXPECT_EQ(r.d.icmp_code, 0);
  EXPECT_EQ(r.d.src_port, 0);
  EXPECT_EQ(r.d.dst_port, 0);

  const Result unreach = run(cat({eth(0x0800), ipv4({.proto = ipproto::icmp}, 8), icmp(3, 13)}));
  ASSERT_EQ(unreach.outcome, O::ipv4);
  EXPECT_EQ(unreach.d.icmp_type, 3);
  EXPECT_EQ(unreach.d.icmp_code, 13);

  // Three bytes of ICMP inside a complete IP packet.
  EXPECT_EQ(run(cat({eth(0x0800), ipv4({.proto = ipproto::icmp}, 3), Bytes{8, 0, 0}})).outcome,
            O::truncated_icmp);
}

TEST(Decode, Icmpv6) {
  const Result r = run(cat({eth(0x86dd), ipv6({.next = ipproto::icmpv6}, 8), icmp(128, 0)}));
  ASSERT_EQ(r.outcome, O::ipv6);
  EXPECT_EQ(r.d.l4_proto, ipproto::icmpv6);
  EXPECT_EQ(r.d.icmp_type, 128);
  EXPECT_EQ(r.d.icmp_code, 0);
  EXPECT_EQ(r.d.src_port, 0);
}

TEST(Decode, OtherIpProtocolIsTrackedWithoutPorts) {
  const Bytes gre{0x00, 0x00, 0x08, 0x00};
  const Result r = run(cat({eth(0x0800), ipv4({.proto = 47}, gre.size()), gre}));
  ASSERT_EQ(r.outcome, O::ipv4);
  EXPECT_EQ(r.d.l4_proto, 47);
  EXPECT_EQ(r.d.src_port, 0);
  EXPECT_EQ(r.d.dst_port, 0);
  EXPECT_EQ(r.payload(), gre);
}

TEST(Decode, Ipv4Fragments) {
  // Non-first: addresses and protocol, no L4.
  const Bytes data = text("0123456789abcdef");
  const Result later = run(cat({eth(0x0800), ipv4({.frag = 0x0010, .proto = ipproto::udp}, data.size()), data}));
  ASSERT_EQ(later.outcome, O::ipv4_fragment);
  EXPECT_TRUE(later.d.fragment);
  EXPECT_EQ(later.d.l4_proto, ipproto::udp);
  EXPECT_EQ(later.d.src_ip, v4addr({192, 0, 2, 1}));
  EXPECT_EQ(later.d.dst_ip, v4addr({198, 51, 100, 2}));
  EXPECT_EQ(later.d.ip_bytes, 36u);
  EXPECT_EQ(later.d.src_port, 0);
  EXPECT_EQ(later.d.dst_port, 0);
  EXPECT_EQ(later.d.frag_id, 0x1234u);  // the datagram's id: what finds its first fragment

  // Last fragment: offset set, MF clear.
  EXPECT_EQ(run(cat({eth(0x0800), ipv4({.frag = 0x0003}, data.size()), data})).outcome,
            O::ipv4_fragment);

  // First fragment (MF, offset 0): L4 decoded, marked as a fragment.
  const Result first = run(cat({eth(0x0800), ipv4_udp(text("xy"), {.frag = 0x2000})}));
  ASSERT_EQ(first.outcome, O::ipv4);
  EXPECT_TRUE(first.d.fragment);
  EXPECT_EQ(first.d.dst_port, 53);
  EXPECT_EQ(first.d.frag_id, 0x1234u);

  // DF alone is not a fragment.
  const Result df = run(cat({eth(0x0800), ipv4_udp(text("xy"), {.frag = 0x4000})}));
  ASSERT_EQ(df.outcome, O::ipv4);
  EXPECT_FALSE(df.d.fragment);
}

TEST(Decode, Ipv4TotalLengthZeroMeansCapturedLength) {
  // TSO/LRO super-frames carry total length 0.
  const Bytes pkt = cat({eth(0x0800), ipv4({.total = 0}, 0), tcp({}), text("0123456789")});
  const Result r = run(pkt);
  ASSERT_EQ(r.outcome, O::ipv4);
  EXPECT_EQ(r.d.ip_bytes, 50u);
  EXPECT_EQ(r.payload(), text("0123456789"));
}

TEST(Decode, SnaplenCutKeepsStatedIpLength) {
  const Bytes full = cat({eth(0x0800), ipv4({}, 20 + 1000), tcp({}), Bytes(1000, 0x42)});
  const Result r = run(prefix(full, 128));
  ASSERT_EQ(r.outcome, O::ipv4);
  EXPECT_EQ(r.d.ip_bytes, 1040u);
  EXPECT_EQ(r.d.payload.size(), 128u - 54);
}

// ---------------------------------------------------------------- IPv6

TEST(Decode, Ipv6ExtensionChainWithFirstFragment) {
  const Bytes l4 = cat({tcp({.sport = 1234, .dport = 80, .flags = tcpflag::syn}), text("abc")});
  const Bytes exts = cat({ext6(60, 0), ext6(44, 1), frag6(ipproto::tcp, 0, true)});
  const Bytes pkt =
      cat({eth(0x86dd), ipv6({.tc = 0x2e, .next = 0, .hlim = 33}, exts.size() + l4.size()), exts, l4});
  const Result r = run(pkt);
  ASSERT_EQ(r.outcome, O::ipv6);
  const DecodedPacket& d = r.d;
  EXPECT_EQ(d.ip_version, 6);
  EXPECT_EQ(d.tos, 0x2e);
  EXPECT_EQ(d.ttl, 33);
  EXPECT_TRUE(d.fragment);
  EXPECT_EQ(d.l4_proto, ipproto::tcp);
  EXPECT_EQ(d.src_ip, Ipv6{}.src);
  EXPECT_EQ(d.dst_ip, Ipv6{}.dst);
  EXPECT_EQ(d.ip_bytes, 40u + 8 + 16 + 8 + 20 + 3);
  EXPECT_EQ(d.src_port, 1234);
  EXPECT_EQ(d.dst_port, 80);
  EXPECT_EQ(d.tcp_flags, tcpflag::syn);
  EXPECT_EQ(r.payload(), text("abc"));
}

TEST(Decode, Ipv6NonFirstFragment) {
  const Bytes data(64, 0x77);
  const Bytes pkt = cat({eth(0x86dd), ipv6({.next = 44}, 8 + data.size()), frag6(ipproto::udp, 185, false), data});
  const Result r = run(pkt);
  ASSERT_EQ(r.outcome, O::ipv6_fragment);
  EXPECT_TRUE(r.d.fragment);
  EXPECT_EQ(r.d.l4_proto, ipproto::udp);
  EXPECT_EQ(r.d.src_ip, Ipv6{}.src);
  EXPECT_EQ(r.d.dst_ip, Ipv6{}.dst);
  EXPECT_EQ(r.d.ip_bytes, 40u + 8 + 64);
  EXPECT_EQ(r.d.src_port, 0);
  EXPECT_EQ(r.d.frag_id, 0xdeadbeefu);
}

TEST(Decode, Ipv6AtomicFragmentIsWholeDatagram) {
  const Bytes pkt = cat({eth(0x86dd), ipv6({.next = 44}, 8 + 8 + 2), frag6(ipproto::udp, 0, false),
                         udp(7, 9, 2), text("hi")});
  const Result r = run(pkt);
  ASSERT_EQ(r.outcome, O::ipv6);
  EXPECT_FALSE(r.d.fragment);
  EXPECT_EQ(r.d.dst_port, 9);
  EXPECT_EQ(r.payload(), text("hi"));
}

TEST(Decode, Ipv6RoutingAndAuthenticationHeaders) {
  const Bytes exts = cat({ext6(51, 2), ah6(ipproto::tcp, 4)});  // routing 24 bytes, AH 24 bytes
  const Bytes pkt = cat({eth(0x86dd), ipv6({.next = 43}, exts.size() + 20), exts, tcp({})});
  const Result r = run(pkt);
  ASSERT_EQ(r.outcome, O::ipv6);
  EXPECT_EQ(r.d.l4_proto, ipproto::tcp);
  EXPECT_EQ(r.d.dst_port, 443);
  EXPECT_FALSE(r.d.fragment);
}

TEST(Decode, EspOverIpv6IsTrackedFlow) {
  Bytes esp;
  put32(esp, 0x00001001);  // SPI
  put32(esp, 7);           // sequence
  esp.resize(40, 0xc3);
  const Result r = run(cat({eth(0x86dd), ipv6({.next = 50}, esp.size()), esp}));
  ASSERT_EQ(r.outcome, O::ipv6);
  EXPECT_EQ(r.d.l4_proto, 50);
  EXPECT_EQ(r.d.src_port, 0);
  EXPECT_EQ(r.d.dst_port, 0);
  EXPECT_EQ(r.payload(), esp);
}

TEST(Decode, Ipv6NoNextHeader) {
  const Result r = run(cat({eth(0x86dd), ipv6({.next = 0}, 8), ext6(59, 0)}));
  ASSERT_EQ(r.outcome, O::ipv6);
  EXPECT_EQ(r.d.l4_proto, 59);
  EXPECT_TRUE(r.d.payload.empty());
}

TEST(Decode, Ipv6PayloadLengthZero) {
  // No jumbo option (TSO/LRO): the captured length is the datagram.
  const Result tso = run(cat({eth(0x86dd), ipv6({.plen = 0, .next = ipproto::tcp}, 0), tcp({}), text("12345")}));
  ASSERT_EQ(tso.outcome, O::ipv6);
  EXPECT_EQ(tso.d.ip_bytes, 65u);
  EXPECT_EQ(tso.payload(), text("12345"));

  // RFC 2675 jumbogram, captured with a snaplen: ip_bytes from the jumbo option.
  Bytes hbh{ipproto::udp, 0, 0xc2, 4};
  put32(hbh, 100000);
  const Bytes pkt = cat({eth(0x86dd), ipv6({.plen = 0, .next = 0}, 0), hbh, udp(1, 2, 0, 0), text("jumbo")});
  const Result j = run(pkt);
  ASSERT_EQ(j.outcome, O::ipv6);
  EXPECT_EQ(j.d.ip_bytes, 40u + 100000);
  EXPECT_EQ(j.d.l4_proto, ipproto::udp);
  EXPECT_EQ(j.payload(), text("jumbo"));
}

TEST(Decode, Ipv6ExtensionChainLimit) {
  const auto chain = [](int n) {
    Bytes exts;
    for (int i = 0; i < n; ++i) append(exts, ext6(i + 1 < n ? 60 : ipproto::udp, 0));
    return cat({eth(0x86dd), ipv6({.next = 60}, exts.size() + 8), exts, udp(1, 2, 0)});
  };
  EXPECT_EQ(run(chain(16)).outcome, O::ipv6);
  EXPECT_EQ(run(chain(17)).outcome, O::bad_ipv6_ext);
}

// ---------------------------------------------------------------- VLAN and other EtherTypes

TEST(Decode, SingleVlan) {
  const Result r = run(cat({eth(0x8100), vlan(0xe064, 0x0800), ipv4_udp(text("v"))}));  // PCP 7, VID 100
  ASSERT_EQ(r.outcome, O::ipv4);
  EXPECT_EQ(r.d.vlan_count, 1);
  EXPECT_EQ(r.d.vlan_outer, 100);
  EXPECT_EQ(r.d.vlan_inner, 0);
  EXPECT_EQ(r.d.dst_port, 53);
  EXPECT_EQ(r.payload(), text("v"));
}

TEST(Decode, QinQ) {
  const Result r = run(cat({eth(0x88a8), vlan(200, 0x8100), vlan(0x2000 | 300, 0x86dd), ipv6_udp(text("q"))}));
  ASSERT_EQ(r.outcome, O::ipv6);
  EXPECT_EQ(r.d.vlan_count, 2);
  EXPECT_EQ(r.d.vlan_outer, 200);
  EXPECT_EQ(r.d.vlan_inner, 300);

  const Result old = run(cat({eth(0x9100), vlan(4094, 0x8100), vlan(1, 0x0800), ipv4_udp(text("q"))}));
  ASSERT_EQ(old.outcome, O::ipv4);
  EXPECT_EQ(old.d.vlan_outer, 4094);
  EXPECT_EQ(old.d.vlan_inner, 1);
}

TEST(Decode, ThreeTagsAreTooMany) {
  const Bytes pkt = cat({eth(0x88a8), vlan(1, 0x8100), vlan(2, 0x8100), vlan(3, 0x0800), ipv4_udp({})});
  EXPECT_EQ(run(pkt).outcome, O::too_many_vlans);
}

TEST(Decode, NonIpEtherTypes) {
  EXPECT_EQ(run(cat({eth(0x0806), zeros(28)})).outcome, O::arp);
  EXPECT_EQ(run(cat({eth(0x88cc), zeros(40)})).outcome, O::lldp);
  EXPECT_EQ(run(cat({eth(0x0026), Bytes{0x42, 0x42, 0x03}, zeros(35)})).outcome, O::llc);  // STP
  EXPECT_EQ(run(cat({eth(0x05dc), zeros(46)})).outcome, O::llc);
  // MPLS: two labels, the second the bottom of the stack, then IPv4.
  EXPECT_EQ(run(cat({eth(0x8847), Bytes{0x00, 0x01, 0x00, 0x40, 0x00, 0x02, 0x01, 0x40}, ipv4_udp({})})).outcome,
            O::ipv4);
  EXPECT_EQ(run(cat({eth(0x8848), Bytes{0x00, 0x01, 0x01, 0x40}})).outcome, O::truncated_mpls);
  EXPECT_EQ(run(cat({eth(0x8847), Bytes{0x00, 0x01, 0x00, 0x40, 0x00, 0x01}})).outcome, O::truncated_mpls);
  EXPECT_EQ(run(cat({eth(0x8847), Bytes{0x00, 0x01, 0x01, 0x40, 0x00, 0x00, 0x00, 0x00}, zeros(20)})).outcome,
            O::mpls);  // control word: a pseudowire, not IP
  EXPECT_EQ(run(cat({eth(0x8863), zeros(20)})).outcome, O::pppoe);
  // PPPoE session with IPv4 inside, with a PPP control frame, and cut short.
  EXPECT_EQ(run(cat({eth(0x8864), Bytes{0x11, 0x00, 0x00, 0x01, 0x00, 0x40, 0x00, 0x21}, ipv4_udp({})})).outcome,
            O::ipv4);
  EXPECT_EQ(run(cat({eth(0x8864), Bytes{0x11, 0x00, 0x00, 0x01, 0x00, 0x02, 0xc0, 0x21}, zeros(10)})).outcome,
            O::pppoe);
  EXPECT_EQ(run(cat({eth(0x8864), Bytes{0x11, 0x00, 0x00, 0x01}})).outcome, O::truncated_pppoe);
  EXPECT_EQ(run(cat({eth(0x8864), Bytes{0x11, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x21}})).outcome,
            O::truncated_ipv4);
  EXPECT_EQ(run(cat({eth(0x88b5), zeros(46)})).outcome, O::other_ethertype);
  EXPECT_EQ(run(cat({eth(0x0600), zeros(46)})).outcome, O::other_ethertype);
  EXPECT_EQ(run(eth(0x0806)).outcome, O::arp);  // the EtherType alone decides

  const Result tagged_arp = run(cat({eth(0x8100), vlan(12, 0x0806), zeros(28)}));
  EXPECT_EQ(tagged_arp.outcome, O::arp);
  EXPECT_EQ(tagged_arp.d.vlan_outer, 12);
  EXPECT_EQ(tagged_arp.d.src_mac, kSrcMac);
}

// ---------------------------------------------------------------- other link types

TEST(Decode, RawIp) {
  const Result v4 = run(ipv4_udp(text("r4")), LinkType::raw_ip);
  ASSERT_EQ(v4.outcome, O::ipv4);
  EXPECT_EQ(v4.d.src_mac, (std::array<uint8_t, 6>{}));
  EXPECT_EQ(v4.d.dst_port, 53);
  EXPECT_EQ(v4.payload(), text("r4"));

  const Result v6 = run(ipv6_udp(text("r6")), LinkType::raw_ip);
  ASSERT_EQ(v6.outcome, O::ipv6);
  EXPECT_EQ(v6.payload(), text("r6"));

  EXPECT_EQ(run(ipv4_udp({}, {.version = 5}), LinkType::raw_ip).outcome, O::bad_ip_version);
  EXPECT_EQ(run({}, LinkType::raw_ip).outcome, O::truncated_l2);
  EXPECT_EQ(run({0x45}, LinkType::raw_ip).outcome, O::truncated_ipv4);
  EXPECT_EQ(run({0x60}, LinkType::raw_ip).outcome, O::truncated_ipv6);
}

TEST(Decode, NullLoopbackBothByteOrders) {
  const auto af = [](uint32_t v, bool network_order) {
    Bytes b;
    if (network_order) {
      put32(b, v);
    } else {
      for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
    }
    return b;
  };
  for (const bool net : {false, true}) {
    SCOPED_TRACE(net ? "network order" : "little-endian host order");
    const Result v4 = run(cat({af(2, net), ipv4_udp(text("lo"))}), LinkType::null_loopback);
    ASSERT_EQ(v4.outcome, O::ipv4);
    EXPECT_EQ(v4.payload(), text("lo"));
    for (const uint32_t inet6 : {24u, 28u, 30u}) {
      const Result v6 = run(cat({af(inet6, net), ipv6_udp(text("lo6"))}), LinkType::null_loopback);
      ASSERT_EQ(v6.outcome, O::ipv6) << "AF " << inet6;
      EXPECT_EQ(v6.payload(), text("lo6"));
    }
    EXPECT_EQ(run(cat({af(7, net), ipv4_udp({})}), LinkType::null_loopback).outcome, O::other_link);
    EXPECT_EQ(run(cat({af(2, net), ipv6_udp({})}), LinkType::null_loopback).outcome, O::bad_ip_version);
    EXPECT_EQ(run(af(2, net), LinkType::null_loopback).outcome, O::truncated_ipv4);
    EXPECT_EQ(run(af(30, net), LinkType::null_loopback).outcome, O::truncated_ipv6);
  }
  EXPECT_EQ(run({2, 0, 0}, LinkType::null_loopback).outcome, O::truncated_l2);
}

Bytes sll_header(uint16_t proto) {
  Bytes b;
  put16(b, 0);  // packet type: to us
  put16(b, 1);  // ARPHRD_ETHER
  put16(b, 6);  // address length
  b.insert(b.end(), kSrcMac.begin(), kSrcMac.end());
  put16(b, 0);  // address padding
  put16(b, proto);
  return b;
}

Bytes sll2_header(uint16_t proto) {
  Bytes b;
  put16(b, proto);
  put16(b, 0);   // reserved
  put32(b, 3);   // interface index
  put16(b, 1);   // ARPHRD_ETHER
  b.push_back(4);  // packet type: outgoing
  b.push_back(6);  // address length
  b.insert(b.end(), kSrcMac.begin(), kSrcMac.end());
  put16(b, 0);
  return b;
}

TEST(Decode, LinuxSll) {
  ASSERT_EQ(sll_header(0).size(), 16u);
  const Result r = run(cat({sll_header(0x0800), ipv4_udp(text("sll"))}), LinkType::linux_sll);
  ASSERT_EQ(r.outcome, O::ipv4);
  EXPECT_EQ(r.d.src_mac, kSrcMac);
  EXPECT_EQ(r.d.dst_mac, (std::array<uint8_t, 6>{}));
  EXPECT_EQ(r.payload(), text("sll"));

  const Result tagged = run(cat({sll_header(0x8100), vlan(77, 0x86dd), ipv6_udp({})}), LinkType::linux_sll);
  ASSERT_EQ(tagged.outcome, O::ipv6);
  EXPECT_EQ(tagged.d.vlan_outer, 77);

  EXPECT_EQ(run(cat({sll_header(0x0806), zeros(28)}), LinkType::linux_sll).outcome, O::arp);
  EXPECT_EQ(run(cat({sll_header(0x0004), zeros(20)}), LinkType::linux_sll).outcome, O::llc);
  EXPECT_EQ(run(prefix(sll_header(0x0800), 15), LinkType::linux_sll).outcome, O::truncated_l2);
  EXPECT_EQ(run(sll_header(0x0800), LinkType::linux_sll).outcome, O::truncated_ipv4);
}

TEST(Decode, LinuxSll2) {
  ASSERT_EQ(sll2_header(0).size(), 20u);
  const Result r = run(cat({sll2_header(0x86dd), ipv6_udp(text("sll2"))}), LinkType::linux_sll2);
  ASSERT_EQ(r.outcome, O::ipv6);
  EXPECT_EQ(r.d.src_mac, kSrcMac);
  EXPECT_EQ(r.d.dst_port, 53);
  EXPECT_EQ(r.payload(), text("sll2"));

  EXPECT_EQ(run(cat({sll2_header(0x0800), ipv4_udp({})}), LinkType::linux_sll2).outcome, O::ipv4);
  EXPECT_EQ(run(prefix(sll2_header(0x0800), 19), LinkType::linux_sll2).outcome, O::truncated_l2);
}

TEST(Decode, UnknownLinkType) {
  EXPECT_EQ(run(ipv4_udp({}), static_cast<LinkType>(200)).outcome, O::other_link);
}

// ---------------------------------------------------------------- malformed

TEST(Decode, MalformedIpv4) {
  EXPECT_EQ(run(cat({eth(0x0800), ipv4({.ihl = 4}, 20), tcp({})})).outcome, O::bad_ipv4_header);
  EXPECT_EQ(run(cat({eth(0x0800), ipv4({.total = 19}, 20), tcp({})})).outcome, O::bad_ipv4_header);
  EXPECT_EQ(run(cat({eth(0x0800), ipv4({.ihl = 6, .total = 22}, 20), tcp({})})).outcome, O::bad_ipv4_header);
  // IHL 15 claims 60 bytes of header; only 40 bytes are there.
  Bytes ihl15 = cat({eth(0x0800), ipv4({.total = 80}, 0), tcp({})});
  ihl15[14] = 0x4f;
  EXPECT_EQ(run(ihl15).outcome, O::truncated_ipv4);
}

TEST(Decode, MalformedTcp) {
  EXPECT_EQ(run(cat({eth(0x0800), ipv4({}, 20), tcp({.doff = 4})})).outcome, O::bad_tcp_header);
  EXPECT_EQ(run(cat({eth(0x0800), ipv4({}, 20), tcp({.doff = 0})})).outcome, O::bad_tcp_header);
  // Data offset past the IP payload: bad, even though bytes follow (here, padding).
  Bytes past = cat({eth(0x0800), ipv4({}, 20), tcp({.doff = 6})});
  past.resize(14 + 20 + 20);  // IP says 20 L4 bytes, doff says 24
  past.resize(80, 0);
  EXPECT_EQ(run(past).outcome, O::bad_tcp_header);
  // IP payload too short for any TCP header, padding after it.
  Bytes tiny = cat({eth(0x0800), ipv4({}, 10), tcp({})});
  EXPECT_EQ(run(tiny).outcome, O::bad_tcp_header);
}

TEST(Decode, BadIpVersion) {
  EXPECT_EQ(run(cat({eth(0x0800), ipv4_udp({}, {.version = 5})})).outcome, O::bad_ip_version);
  EXPECT_EQ(run(cat({eth(0x0800), ipv6_udp({})})).outcome, O::bad_ip_version);
  EXPECT_EQ(run(cat({eth(0x86dd), ipv4_udp({})})).outcome, O::bad_ip_version);
  EXPECT_EQ(run(cat({eth(0x86dd), ipv6_udp({}, {.version = 4})})).outcome, O::bad_ip_version);
}

TEST(Decode, BadIpv6ExtensionLength) {
  // Hop-by-hop header claims (255 + 1) * 8 bytes.
  Bytes hbh = ext6(ipproto::udp, 0);
  hbh[1] = 255;
  EXPECT_EQ(run(cat({eth(0x86dd), ipv6({.next = 0}, 16), hbh, udp(1, 2, 0)})).outcome, O::bad_ipv6_ext);
  // The header fits in the capture but not in the stated payload length.
  EXPECT_EQ(run(cat({eth(0x86dd), ipv6({.plen = 8, .next = 0}, 0), ext6(ipproto::udp, 1), udp(1, 2, 0)})).outcome,
            O::bad_ipv6_ext);
  // AH longer than what is left.
  EXPECT_EQ(run(cat({eth(0x86dd), ipv6({.next = 51}, 12), prefix(ah6(ipproto::tcp, 4), 12)})).outcome,
            O::bad_ipv6_ext);
}

// ---------------------------------------------------------------- truncation at every layer

TEST(Decode, EveryPrefixOfVlanIpv4Tcp) {
  // Ethernet 14 | VLAN 4 | IPv4 24 (one option word) | TCP 32 (options) | payload 5
  const Bytes full = cat({eth(0x8100), vlan(42, 0x0800), ipv4({.ihl = 6}, 32 + 5), tcp({.doff = 8}), text("hello")});
  ASSERT_EQ(full.size(), 79u);
  const auto expected = [](std::size_t n) {
    if (n < 14) return O::truncated_l2;
    if (n < 18) return O::truncated_vlan;
    if (n < 42) return O::truncated_ipv4;
    if (n < 74) return O::truncated_tcp;
    return O::ipv4;
  };
  for (std::size_t n = 0; n <= full.size(); ++n) {
    const Result r = run(prefix(full, n));
    ASSERT_EQ(r.outcome, expected(n)) << "cut at " << n;
    ASSERT_TRUE(r.payload_inside()) << "cut at " << n;
    if (r.outcome == O::ipv4) {
      EXPECT_EQ(r.d.ip_bytes, 61u);
      EXPECT_EQ(r.d.vlan_outer, 42);
      EXPECT_EQ(r.d.payload.size(), n - 74) << "cut at " << n;
    }
  }
}

TEST(Decode, EveryPrefixOfIpv6ExtUdp) {
  // Ethernet 14 | IPv6 40 | hop-by-hop 8 | fragment 8 | dest opts 16 | UDP 8 | payload 4
  const Bytes exts = cat({ext6(44, 0), frag6(60, 0, true), ext6(ipproto::udp, 1)});
  const Bytes full = cat({eth(0x86dd), ipv6({.next = 0}, exts.size() + 8 + 4), exts, udp(5353, 53, 4), text("data")});
  ASSERT_EQ(full.size(), 98u);
  const auto expected = [](std::size_t n) {
    if (n < 14) return O::truncated_l2;
    if (n < 54) return O::truncated_ipv6;
    if (n < 86) return O::bad_ipv6_ext;
    if (n < 94) return O::truncated_udp;
    return O::ipv6;
  };
  for (std::size_t n = 0; n <= full.size(); ++n) {
    const Result r = run(prefix(full, n));
    ASSERT_EQ(r.outcome, expected(n)) << "cut at " << n;
    ASSERT_TRUE(r.payload_inside()) << "cut at " << n;
    if (r.outcome == O::ipv6) {
      EXPECT_EQ(r.d.ip_bytes, 84u);
      EXPECT_TRUE(r.d.fragment);
      EXPECT_EQ(r.d.dst_port, 53);
      EXPECT_EQ(r.d.payload.size(), n - 94) << "cut at " << n;
    }
  }
}

TEST(Decode, EveryPrefixOfOtherShapes) {
  // No expectations beyond "one outcome, nothing read or pointed at outside the span".
  const std::vector<std::pair<Bytes, LinkType>> samples = {
      {cat({eth(0x0800), ipv4({.proto = ipproto::icmp}, 8), icmp(8, 0)}), LinkType::ethernet},
      {cat({eth(0x88a8), vlan(1, 0x8100), vlan(2, 0x86dd), ipv6_udp(text("x"))}), LinkType::ethernet},
      {cat({sll_header(0x8100), vlan(3, 0x0800), ipv4_udp(text("x"))}), LinkType::linux_sll},
      {cat({sll2_header(0x86dd), ipv6({.next = 51}, 24 + 20), ah6(6, 4), tcp({})}), LinkType::linux_sll2},
      {cat({Bytes{0, 0, 0, 30}, ipv6({.plen = 0, .next = 0}, 0), Bytes{17, 0, 0xc2, 4, 0, 1, 0, 0}, udp(1, 2, 0)}),
       LinkType::null_loopback},
      {ipv4_udp(text("raw")), LinkType::raw_ip},
  };
  for (const auto& [full, link] : samples) {
    for (std::size_t n = 0; n <= full.size(); ++n) {
      const Result r = run(prefix(full, n), link);
      ASSERT_LT(static_cast<std::size_t>(r.outcome), flowprobe::kDecodeOutcomeCount);
      ASSERT_TRUE(r.payload_inside());
    }
    EXPECT_TRUE(flowprobe::is_tracked(run(full, link).outcome));
  }
}

TEST(Decode, RandomMutationsStayInBounds) {
  const std::vector<Bytes> seeds = {
      cat({eth(0x8100), vlan(42, 0x0800), ipv4({.ihl = 6}, 32 + 5), tcp({.doff = 8}), text("hello")}),
      cat({eth(0x86dd), ipv6({.next = 0}, 8 + 8 + 16 + 12), ext6(44, 0), frag6(60, 0, true), ext6(17, 1),
           udp(1, 2, 4), text("data")}),
      cat({eth(0x88a8), vlan(1, 0x8100), vlan(2, 0x0800), ipv4_udp(text("x"))}),
  };
  std::mt19937 rng(12345);
  const LinkType links[] = {LinkType::ethernet, LinkType::raw_ip, LinkType::null_loopback, LinkType::linux_sll,
                            LinkType::linux_sll2};
  for (int iter = 0; iter < 20000; ++iter) {
    Bytes b = seeds[rng() % seeds.size()];
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < flips; ++i) b[rng() % b.size()] = static_cast<uint8_t>(rng());
    b.resize(rng() % (b.size() + 1));
    for (const LinkType link : links) {
      const Result r = run(b, link);
      ASSERT_TRUE(r.payload_inside());
      if (flowprobe::is_tracked(r.outcome)) {
        ASSERT_TRUE(r.d.ip_version == 4 || r.d.ip_version == 6);
        if (r.d.ip_version == 4) {
          ASSERT_TRUE(std::all_of(r.d.src_ip.begin() + 4, r.d.src_ip.end(), [](uint8_t x) { return x == 0; }));
        }
      }
    }
  }
}

}  // namespace

// ---------------------------------------------------------------- tunnels

namespace {

// The inner packet every tunnel test carries: 10.1.1.1:40000 -> 10.2.2.2:80, TCP SYN.
Bytes inner_ipv4_tcp() {
  Ipv4 h;
  h.src = {10, 1, 1, 1};
  h.dst = {10, 2, 2, 2};
  Tcp t;
  t.sport = 40000;
  t.dport = 80;
  t.flags = tcpflag::syn;
  return cat({ipv4(h, 20), tcp(t)});
}

Bytes outer_ipv4(uint8_t proto, const Bytes& l4) {
  Ipv4 h;
  h.proto = proto;
  return cat({eth(0x0800), ipv4(h, l4.size()), l4});
}

Bytes outer_udp(uint16_t dport, const Bytes& payload) {
  return outer_ipv4(ipproto::udp, cat({udp(55555, dport, payload.size()), payload}));
}

void expect_inner(const Result& r, uint32_t tunnel_id) {
  ASSERT_EQ(r.outcome, O::ipv4);
  EXPECT_EQ(r.d.src_ip, v4addr({10, 1, 1, 1}));
  EXPECT_EQ(r.d.dst_ip, v4addr({10, 2, 2, 2}));
  EXPECT_EQ(r.d.l4_proto, ipproto::tcp);
  EXPECT_EQ(r.d.src_port, 40000);
  EXPECT_EQ(r.d.dst_port, 80);
  EXPECT_EQ(r.d.ip_bytes, 40u) << "the inner packet's IP bytes";
  EXPECT_EQ(r.d.tunnel_id, tunnel_id);
  EXPECT_EQ(r.d.tunnel_depth, 1);
  EXPECT_FALSE(r.d.decap_failed);
  EXPECT_TRUE(r.payload_inside());
}

Bytes inner_eth(const Bytes& ip) {
  return cat({Bytes{0x02, 0, 0, 0, 0, 0xb2, 0x02, 0, 0, 0, 0, 0xb1, 0x08, 0x00}, ip});
}

}  // namespace

TEST(Tunnel, IpInIp) { expect_inner(run(outer_ipv4(4, inner_ipv4_tcp())), 0); }

TEST(Tunnel, SixInFour) {
  Ipv6 h;
  h.next = ipproto::udp;
  const Result r = run(outer_ipv4(41, cat({ipv6(h, 8), udp(1, 2, 0)})));
  ASSERT_EQ(r.outcome, O::ipv6);
  EXPECT_EQ(r.d.l4_proto, ipproto::udp);
  EXPECT_EQ(r.d.tunnel_depth, 1);
}

TEST(Tunnel, GreWithKey) {
  const Bytes gre = cat({Bytes{0x20, 0x00, 0x08, 0x00}, Bytes{0x00, 0x00, 0x01, 0x2c}});
  expect_inner(run(outer_ipv4(47, cat({gre, inner_ipv4_tcp()}))), 300);
}

TEST(Tunnel, GreTransparentEthernetTakesInnerMacs) {
  const Result r = run(outer_ipv4(47, cat({Bytes{0x00, 0x00, 0x65, 0x58}, inner_eth(inner_ipv4_tcp())})));
  expect_inner(r, 0);
  EXPECT_EQ(r.d.src_mac[5], 0xb1);
  EXPECT_EQ(r.d.dst_mac[5], 0xb2);
}

TEST(Tunnel, ErspanTypeTwo) {
  const Bytes gre = Bytes{0x10, 0x00, 0x88, 0xbe, 0, 0, 0, 1};            // S bit, sequence
  const Bytes erspan = Bytes{0x10, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};  // version 1, session 7
  expect_inner(run(outer_ipv4(47, cat({gre, erspan, inner_eth(inner_ipv4_tcp())}))), 7);
}

TEST(Tunnel, PptpEnhancedGre) {
  const Bytes gre = Bytes{0x30, 0x01, 0x88, 0x0b, 0x00, 0x2c, 0x00, 0x09, 0, 0, 0, 1};  // K+S, v1, call 9
  expect_inner(run(outer_ipv4(47, cat({gre, Bytes{0xff, 0x03, 0x00, 0x21}, inner_ipv4_tcp()}))), 9);
}

TEST(Tunnel, Vxlan) {
  const Bytes vx = Bytes{0x08, 0, 0, 0, 0x00, 0x30, 0x39, 0x00};  // VNI 12345
  expect_inner(run(outer_udp(4789, cat({vx, inner_eth(inner_ipv4_tcp())}))), 12345);
}

TEST(Tunnel, Geneve) {
  const Bytes gv = Bytes{0x01, 0x00, 0x65, 0x58, 0x00, 0x00, 0x2a, 0x00, 1, 2, 3, 4};  // 4 bytes of options, VNI 42
  expect_inner(run(outer_udp(6081, cat({gv, inner_eth(inner_ipv4_tcp())}))), 42);
}

TEST(Tunnel, GtpU) {
  const Bytes inner = inner_ipv4_tcp();
  Bytes gtp = {0x30, 0xff};
  put16(gtp, static_cast<uint16_t>(inner.size()));
  put32(gtp, 0xdeadbeef);
  expect_inner(run(outer_udp(2152, cat({gtp, inner}))), 0xdeadbeef);
  // With a sequence number and one extension header (PDU session container).
  Bytes ext = {0x34, 0xff};
  put16(ext, static_cast<uint16_t>(inner.size() + 8));
  put32(ext, 7);
  ext.insert(ext.end(), {0x00, 0x01, 0x00, 0x85, 0x01, 0x10, 0x09, 0x00});
  expect_inner(run(outer_udp(2152, cat({ext, inner}))), 7);
}

TEST(Tunnel, OuterFlowKeptWhenTheInnerPacketIsNotAFlow) {
  // A GTP echo request (not a G-PDU), and a VXLAN frame carrying ARP.
  const Result echo = run(outer_udp(2152, Bytes{0x32, 0x01, 0x00, 0x04, 0, 0, 0, 0, 0, 1, 0, 0}));
  EXPECT_EQ(echo.outcome, O::ipv4);
  EXPECT_EQ(echo.d.dst_port, 2152);
  EXPECT_EQ(echo.d.tunnel_depth, 0);
  const Result arp = run(outer_udp(4789, cat({Bytes{0x08, 0, 0, 0, 0, 0, 1, 0},
                                              Bytes{0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0x08, 0x06}, zeros(28)})));
  EXPECT_EQ(arp.outcome, O::ipv4);
  EXPECT_EQ(arp.d.dst_port, 4789);
  // The ARP body is handed on for asset sightings; the carrier is no failed decapsulation.
  EXPECT_FALSE(arp.d.decap_failed);
  EXPECT_EQ(arp.d.tunnelled_arp.size(), 28u);
  EXPECT_TRUE(echo.d.tunnelled_arp.empty());
}

TEST(Tunnel, ArpStraightInGreIsHandedOnAndTheCarrierStays) {
  // suricata-verify decode-arp-3's shape: GRE protocol 0x0806, the ARP body right after.
  Bytes body = {0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01};
  body.resize(28, 0xaa);
  const Result r = run(outer_ipv4(47, cat({Bytes{0x00, 0x00, 0x08, 0x06}, body})));
  EXPECT_EQ(r.outcome, O::ipv4);
  EXPECT_EQ(r.d.l4_proto, 47);
  EXPECT_EQ(r.d.tunnel_depth, 0);
  ASSERT_EQ(r.d.tunnelled_arp.size(), body.size());
  EXPECT_TRUE(std::equal(body.begin(), body.end(), r.d.tunnelled_arp.begin()));
  // Cut short, it is still bounded by the captured bytes.
  const Result cut = run(prefix(outer_ipv4(47, cat({Bytes{0x00, 0x00, 0x08, 0x06}, body})), 14 + 20 + 4 + 10));
  EXPECT_LE(cut.d.tunnelled_arp.size(), 10u);
}

TEST(Tunnel, TruncatedInnerPacketsNeverReadPastTheSpan) {
  const Bytes vx = cat({Bytes{0x08, 0, 0, 0, 0x00, 0x30, 0x39, 0x00}, inner_eth(inner_ipv4_tcp())});
  const Bytes full = outer_udp(4789, vx);
  for (std::size_t n = 0; n <= full.size(); ++n) {
    const Result r = run(prefix(full, n));
    EXPECT_TRUE(r.payload_inside()) << n;
  }
}

TEST(Tunnel, DecapsulationCanBeTurnedOff) {
  const Result r = run(outer_ipv4(4, inner_ipv4_tcp()), LinkType::ethernet, DecodeOptions{.decapsulate = false});
  ASSERT_EQ(r.outcome, O::ipv4);
  EXPECT_EQ(r.d.l4_proto, 4);
  EXPECT_EQ(r.d.tunnel_depth, 0);
}
