#pragma once
// Sightings that are not flows: who answered an ARP, which neighbour a host solicited,
// what a DHCP client called itself. Plain data, fixed size, so an event travels through
// the per-core rings like a FlowRecord; the exporter writes it as JSON in the shape
// Suricata's eve uses for the same protocol ("event_type":"arp" with an "arp" object).
#include <array>
#include <cstdint>
#include <type_traits>

namespace flowprobe {

enum class AssetKind : uint8_t {
  arp,   // one ARP request or reply
  ndp,   // IPv6 neighbour/router solicitation or advertisement
  dhcp,  // a DHCP client's messages (one event per DHCP flow)
  netbios_ns,  // a NetBIOS name service query, registration, release or answer
  ssdp,        // an SSDP announcement, search or answer
  tcp_fingerprint,  // a SYN or SYN/ACK in p0f's raw-signature terms
};

struct AssetEvent {
  uint64_t ts_ns = 0;
  AssetKind kind = AssetKind::arp;
  uint8_t op = 0;               // ARP opcode; ICMPv6 type (133..136); DHCP first message type;
                                // NetBIOS-NS opcode (+16 for a response)
  uint16_t vlan = 0;
  uint16_t input_port = 0;
  uint8_t ip_version = 4;
  uint8_t reserved0 = 0;
  // ARP: sender and target (hardware, protocol address). NDP: the packet's source MAC/IP,
  // the target address and the link-layer address option (zero when absent). DHCP: the
  // client's MAC and the addresses below.
  std::array<uint8_t, 6> src_mac{};
  std::array<uint8_t, 6> dst_mac{};
  std::array<uint8_t, 16> src_ip{};
  std::array<uint8_t, 16> dst_ip{};
  // DHCP only.
  std::array<uint8_t, 4> requested_ip{};
  std::array<uint8_t, 4> assigned_ip{};
  uint16_t msg_types = 0;       // DHCP: bit n = message type n seen; NetBIOS: the name's service type
  uint16_t reserved1 = 0;
  uint32_t ttl = 0;             // NetBIOS-NS: TTL of a registration or answer; TCP: the IP TTL
  // TCP fingerprint: ports, window, MSS (0: none), window scale (0xFF: none), IP options length.
  uint16_t src_port = 0, dst_port = 0, tcp_window = 0, tcp_mss = 0;
  uint8_t tcp_wscale = 0xFF, ip_olen = 0;
  uint16_t tot_hdr = 0;         // IP + TCP header bytes (p0f's window-as-MTU test)
  uint8_t ts1_nonzero = 0;      // the timestamp option's own value is set
  uint8_t reserved2[3] = {};
  // NUL-terminated texts. DHCP: option 12, option 60, option 55 (',' joined decimal).
  // NetBIOS-NS: the name in host_name. SSDP: SERVER, method, USER-AGENT. TCP fingerprint:
  // class_id the option layout, param_list the quirks (p0f's names).
  char host_name[64] = {};
  char class_id[128] = {};      // (TCP option layouts of up to 24 options: 120 chars)
  char param_list[64] = {};
};
static_assert(std::is_trivially_copyable_v<AssetEvent>);
static_assert(sizeof(AssetEvent) % 8 == 0);

}  // namespace flowprobe
