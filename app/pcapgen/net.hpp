#pragma once
// Addresses, Internet checksums and Ethernet/IPv4/IPv6/TCP/UDP/ICMP/ARP frame builders.
// Every builder returns a complete Ethernet frame (padded to the 60-byte minimum,
// FCS not included) with correct lengths and checksums.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "bytes.hpp"

namespace pcapgen {

namespace ipproto {
inline constexpr uint8_t icmp = 1, tcp = 6, udp = 17, icmpv6 = 58;
}
namespace tcpflag {
inline constexpr uint8_t fin = 0x01, syn = 0x02, rst = 0x04, psh = 0x08, ack = 0x10;
}

struct Mac {
  std::array<uint8_t, 6> b{};
  // "aa:bb:cc:dd:ee:ff"; throws std::invalid_argument on anything else.
  static Mac parse(std::string_view text);
  static Mac broadcast() { return Mac{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}; }
};

struct IpAddr {
  uint8_t version = 4;
  std::array<uint8_t, 16> b{};  // IPv4 in the first 4 bytes

  static IpAddr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d);
  static IpAddr v4(uint32_t host_order);
  static IpAddr v6(const std::array<uint16_t, 8>& groups);
  std::size_t size() const { return version == 4 ? 4 : 16; }
  std::span<const uint8_t> span() const { return {b.data(), size()}; }
  // Dotted quad, or RFC 5952 text for IPv6 (lower case, longest zero run as "::").
  std::string str() const;
  bool operator==(const IpAddr&) const = default;
};

// --- Internet checksum (RFC 1071) -------------------------------------------------
// Adds big-endian 16-bit words to a running sum; an odd trailing byte is padded with zero,
// so only the last chunk of a checksummed area may have odd length.
inline uint64_t csum_add(uint64_t sum, const uint8_t* p, std::size_t n) {
  for (; n >= 2; p += 2, n -= 2) sum += static_cast<uint32_t>(p[0] << 8 | p[1]);
  if (n) sum += static_cast<uint32_t>(p[0] << 8);
  return sum;
}
inline uint16_t csum_fold(uint64_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum & 0xffff);
}
// Sum of the TCP/UDP/ICMPv6 pseudo-header (IPv4 or IPv6 form).
uint64_t pseudo_header_sum(const IpAddr& src, const IpAddr& dst, uint8_t proto, uint32_t l4_len);

// --- Frames ----------------------------------------------------------------------
// Link and network fields of one packet.
struct L3Spec {
  Mac src_mac, dst_mac;
  uint16_t vlan = 0;       // 802.1Q VLAN id; 0 = untagged
  uint8_t vlan_pcp = 0;
  IpAddr src, dst;
  uint8_t ttl = 64;        // IPv4 TTL / IPv6 hop limit
  uint8_t tos = 0;         // IPv4 TOS / IPv6 traffic class
  uint16_t ip_id = 0;      // IPv4 only
  bool dont_fragment = true;
  uint32_t flow_label = 0; // IPv6 only
};

struct Frame {
  Bytes bytes;             // Ethernet frame without FCS
  uint16_t ip_len = 0;     // IPv4 total length / 40 + IPv6 payload length; 0 for non-IP
  uint8_t tcp_flags = 0;
};

struct TcpHeader {
  uint16_t sport = 0, dport = 0;
  uint32_t seq = 0, ack = 0;
  uint8_t flags = 0;
  uint16_t window = 0;
  Bytes options;           // padded to a multiple of 4 by the builder
};

Frame build_tcp(const L3Spec& l3, const TcpHeader& h, std::span<const uint8_t> payload);
Frame build_udp(const L3Spec& l3, uint16_t sport, uint16_t dport, std::span<const uint8_t> payload);
// ICMP for IPv4 destinations, ICMPv6 for IPv6 ones. `rest` is the 4 bytes after the checksum
// (identifier and sequence number for echo).
Frame build_icmp(const L3Spec& l3, uint8_t type, uint8_t code, uint32_t rest, std::span<const uint8_t> payload);
// ARP for IPv4 over Ethernet. op: 1 request, 2 reply.
Frame build_arp(const Mac& eth_src, const Mac& eth_dst, uint16_t op, const Mac& sha, const IpAddr& spa,
                const Mac& tha, const IpAddr& tpa, uint16_t vlan = 0);

inline constexpr std::size_t kMinFrame = 60;  // Ethernet minimum without FCS

}  // namespace pcapgen
