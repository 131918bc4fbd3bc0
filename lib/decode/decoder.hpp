#pragma once
// L2-L4 header views over a byte span. Reads nothing outside `PacketView::bytes`,
// allocates nothing, and reports exactly one DecodeOutcome per packet.
#include <array>
#include <cstdint>
#include <span>

#include "decode/decode_outcome.hpp"
#include "decode/packet_view.hpp"

namespace flowprobe {

inline constexpr int kMaxVlanTags = 2;  // 802.1ad outer + 802.1Q inner (QinQ)

namespace ipproto {
inline constexpr uint8_t icmp = 1, tcp = 6, udp = 17, icmpv6 = 58;
}

namespace tcpflag {
inline constexpr uint8_t fin = 0x01, syn = 0x02, rst = 0x04, psh = 0x08, ack = 0x10, urg = 0x20,
                         ece = 0x40, cwr = 0x80;
}

struct DecodedPacket {
  // L2 (zero for link types without MACs)
  std::array<uint8_t, 6> src_mac{};
  std::array<uint8_t, 6> dst_mac{};
  uint16_t vlan_outer = 0;  // 802.1ad S-tag in QinQ, else the only tag
  uint16_t vlan_inner = 0;  // C-tag in QinQ, 0 otherwise
  uint8_t vlan_count = 0;

  // L3. IPv4 addresses sit in the first 4 bytes, the rest zero.
  uint8_t ip_version = 0;  // 4 or 6
  uint8_t tos = 0;         // IPv4 TOS / IPv6 traffic class
  uint8_t ttl = 0;         // IPv4 TTL / IPv6 hop limit
  bool fragment = false;   // part of a fragmented datagram (first or not)
  uint32_t frag_id = 0;    // IPv4 identification / IPv6 fragment header id, when `fragment`
  std::array<uint8_t, 16> src_ip{};
  std::array<uint8_t, 16> dst_ip{};
  uint32_t ip_bytes = 0;   // IP header + payload as the IP header states it (IPFIX octet count)

  // L4
  uint8_t l4_proto = 0;    // final protocol after IPv6 extension headers
  uint16_t src_port = 0;   // TCP/UDP; 0 otherwise
  uint16_t dst_port = 0;
  uint8_t tcp_flags = 0;
  uint32_t tcp_seq = 0;
  uint32_t tcp_ack = 0;
  uint16_t tcp_window = 0;
  uint8_t icmp_type = 0;
  uint8_t icmp_code = 0;

  // The (innermost) IP header and what follows it in the captured bytes: what nDPI reads.
  std::span<const uint8_t> l3;
  // L4 payload within the captured bytes, clipped to what the IP header covers.
  std::span<const uint8_t> payload;
  std::span<const uint8_t> tcp_options;  // TCP only: the option bytes of the header

  // Tunnels: with decapsulation on, everything above describes the innermost packet.
  uint32_t tunnel_id = 0;     // VXLAN/Geneve VNI, GTP-U TEID, GRE key, ERSPAN session, PPTP call id
  uint8_t tunnel_depth = 0;   // tunnels removed (0 = not tunnelled)
  bool decap_failed = false;  // a tunnel whose inner packet did not decode: the outer flow is kept
  // An ARP frame a tunnel carried (GRE, VXLAN, Geneve…): the carrier stays the flow, the
  // ARP body goes to the asset sightings as a bare ARP frame's would.
  std::span<const uint8_t> tunnelled_arp;
};

struct DecodeOptions {
  // Report the innermost flow of IP-in-IP, GRE (incl. ERSPAN, PPTP), VXLAN, Geneve and
  // GTP-U; false keeps the outer (carrier) flow.
  bool decapsulate = true;
  // With decapsulate: each tunnelled packet also counts in the flow of its outermost
  // carrier (GRE, IP-in-IP, the VXLAN/Geneve/GTP-U UDP flow), as a sensor that does not
  // decapsulate sees it. Read by the RX loop and the dispatcher; decode() ignores it.
  bool account_carrier = false;
};

// Decodes `pkt`; on DecodeOutcome::ipv4/ipv6 every field above is valid.
// On ipv4_fragment/ipv6_fragment (no L4 header) the L2 and L3 fields, l4_proto, frag_id
// and the tunnel fields are valid: enough to find the flow of the datagram's first
// fragment (flow/fragment_map.hpp). Other outcomes leave `out` partially filled.
DecodeOutcome decode(const PacketView& pkt, DecodedPacket& out, const DecodeOptions& options = {}) noexcept;

}  // namespace flowprobe
