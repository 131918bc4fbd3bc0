#pragma once
// Sightings that are not flows: who answered an ARP, which neighbour a host solicited,
// what a DHCP client called itself. Plain data, fixed size, so an event travels through
// the per-core rings like a FlowRecord; the exporter writes it as JSON in the shape
// Suricata's eve uses for the same protocol ("event_type":"arp" with an "arp" object).
// The protocols' asset parsers (Protocol::asset, dissectors/<name>/) fill it, one packet
// at a time.
#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "dissectors/app_metadata.hpp"
#include "dissectors/dhcp/meta.hpp"  // DhcpFields

namespace flowprobe {

// A sighting's kind is its protocol (the protocol table's AppKind): arp, ndp, dhcp,
// dhcpv6, netbios_ns, cifs_browser, cclink_ief_basic, tcp_fingerprint, ssdp.
using AssetKind = dissect::AppKind;
using dissect::DhcpFields;  // DHCP's own (dissectors/dhcp/meta.hpp): a transaction carries it too

// The per-kind parts of the kinds added after the first six, which did with the common
// fields below. Plain bytes, so the de-duplication hash sees every field.

struct Dhcpv6Fields {
  uint32_t transaction_id = 0;  // 24 bits
  uint32_t enterprise = 0;      // option 16's enterprise number
  uint8_t msg_type = 0;
  uint8_t duid_len = 0;         // option 1 (client identifier), first 32 bytes
  uint8_t n_oro = 0;            // option 6
  uint8_t fqdn_flags = 0;       // option 39's flags byte
  uint8_t has_fqdn = 0, has_vendor_class = 0, has_lladdr = 0, hop_count = 0;
  std::array<uint8_t, 6> lladdr{};  // the DUID's link-layer address (DUID-LLT/-LL over Ethernet)
  uint8_t reserved[2] = {};
  uint8_t duid[32] = {};
  uint16_t oro[24] = {};
};

struct CifsBrowserFields {
  uint32_t server_type = 0;     // SV_TYPE_* bits
  uint32_t periodicity_ms = 0;
  uint8_t command = 0;          // 1 host, 12 domain, 15 local master announcement
  uint8_t os_major = 0, os_minor = 0;
  uint8_t browser_major = 0, browser_minor = 0;
  uint8_t update_count = 0;
  uint16_t signature = 0;
};

struct CclinkFields {
  uint16_t command = 0, sub_command = 0;  // requests only (0x0E70 cyclic)
  uint16_t protocol_version = 0;
  uint16_t frame_sequence_no = 0;         // the master's cyclic counter, echoed by the slave
  uint16_t end_code = 0;                  // responses
  uint16_t cyclic_state = 0;              // requests: one bit per slave station
  uint16_t occupied_stations = 0;         // requests
  uint16_t parameter_no = 0;              // requests
  uint16_t unit_info = 0;                 // master's or slave's local unit info (running/stopped)
  uint16_t vendor_code = 0;               // responses
  uint16_t equipment_version = 0;         // responses
  uint8_t response = 0;
  uint8_t group_no = 0;
  uint32_t model_code = 0;                // responses
  std::array<uint8_t, 4> node_id{};       // master id (requests) or slave id (responses): an IPv4 address
};

// NDP: the frame's destination, which an advertisement's row names as the host that asked
// (ns.log's orig_mac/orig_ip).
struct NdpFields {
  std::array<uint8_t, 16> dst_ip{};
  std::array<uint8_t, 6> dst_mac{};
  uint8_t reserved[2] = {};
};

// TCP fingerprint: the p0f.fp label the signature matched (dissectors/tcp_fingerprint/p0f_db.hpp).
struct TcpFingerprintFields {
  uint16_t label = 0;  // 1 + its index in the loaded database; 0: no match ("???")
  uint8_t fuzzy = 0, generic = 0;
};

// NetBIOS-NS: the NB flags of a registration's additional record (its group bit).
struct NetbiosFields {
  uint16_t nb_flags = 0;
  uint8_t has_nb_flags = 0, reserved = 0;
};

// CC-Link IE Field/Control (EtherType 0x890F): the frame header's fields.
struct CclinkIeFields {
  uint16_t node_id = 0;
  uint8_t frame_type = 0, data_type = 0, protocol_ver = 0, node_type = 0, connection = 0;
  uint8_t known_type = 0, control_only = 0, has_node_id = 0, has_node_type = 0, has_connection = 0;
  std::array<uint8_t, 2> src_node{};  // the sender's node number, as on the wire
};

struct AssetEvent {
  uint64_t ts_ns = 0;
  AssetKind kind = AssetKind::arp;
  uint8_t op = 0;               // ARP opcode; ICMPv6 type (133..136); DHCP(v6) message type;
                                // NetBIOS-NS opcode (+16 for a response)
  uint16_t vlan = 0;
  uint16_t input_port = 0;
  uint8_t ip_version = 4;
  uint8_t l4_proto = 0;
  // ARP: sender and target (hardware, protocol address). NDP: the packet's source MAC/IP,
  // the target address and the link-layer address option (zero when absent). Others: the
  // frame's MACs and the packet's addresses.
  std::array<uint8_t, 6> src_mac{};
  std::array<uint8_t, 6> dst_mac{};
  std::array<uint8_t, 16> src_ip{};
  std::array<uint8_t, 16> dst_ip{};
  uint16_t msg_types = 0;       // NetBIOS: the name's service type
  uint16_t reserved1 = 0;
  uint32_t ttl = 0;             // NetBIOS-NS: TTL of a registration or answer; TCP: the IP TTL
  // Ports of every UDP/TCP kind. TCP fingerprint: window, MSS (0: none), window scale
  // (0xFF: none), IP options length.
  uint16_t src_port = 0, dst_port = 0, tcp_window = 0, tcp_mss = 0;
  uint8_t tcp_wscale = 0xFF, ip_olen = 0;
  uint16_t tot_hdr = 0;         // IP + TCP header bytes (p0f's window-as-MTU test)
  uint8_t ts1_nonzero = 0;      // the timestamp option's own value is set
  // Set after the de-duplication (so never part of its hash): a sighting the window had
  // seen, sent only for the asset logs (lib/export/asset_logs), not written as JSON.
  uint8_t repeat = 0;
  uint8_t reserved2[2] = {};
  // NUL-terminated texts. DHCP: option 12 (see DhcpFields::host_name_len), option 60.
  // NetBIOS-NS: the name in host_name. SSDP: SERVER, method, USER-AGENT. TCP fingerprint:
  // class_id the option layout, param_list the quirks (p0f's names). DHCPv6: host_name
  // the client FQDN, class_id the vendor class data. CIFS browser: host_name the server
  // (or domain) name, class_id the comment, param_list the datagram's source NetBIOS name.
  char host_name[64] = {};
  char class_id[128] = {};      // (TCP option layouts of up to 24 options: 120 chars)
  char param_list[64] = {};
  union Fields {
    DhcpFields dhcp;
    Dhcpv6Fields dhcpv6;
    CifsBrowserFields cifs;
    CclinkFields cclink;
    NdpFields ndp;
    NetbiosFields netbios;
    CclinkIeFields cclink_ie;
    TcpFingerprintFields tcp;
    Fields() : dhcp{} {}
  } u;
};
static_assert(std::is_trivially_copyable_v<AssetEvent>);
static_assert(sizeof(AssetEvent) % 8 == 0);

}  // namespace flowprobe
