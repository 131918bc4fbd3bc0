#pragma once
// A finished flow: plain data, fixed size, no pointers. Copied by value through the
// rte_ring from an RX core to an exporter core, so exporters never touch live state.
#include <array>
#include <cstdint>
#include <string_view>
#include <type_traits>

namespace flowprobe {

// Why a record was emitted. Mapped to IPFIX flowEndReason (IE 136) on export.
enum class FlowEndCause : uint8_t {
  idle_timeout = 0,   // no packet for -d seconds
  active_timeout,     // lifetime -t reached; the flow goes on as a new record
  tcp_fin,            // FIN seen from both sides
  tcp_rst,            // RST seen
  end_of_capture,     // input ended (pcap EOF) or the probe shut down
  table_full,         // evicted early to make room for a new flow
};
inline constexpr int kFlowEndCauseCount = 6;

constexpr std::string_view flow_end_cause_name(FlowEndCause c) {
  switch (c) {
    case FlowEndCause::idle_timeout: return "idle_timeout";
    case FlowEndCause::active_timeout: return "active_timeout";
    case FlowEndCause::tcp_fin: return "tcp_fin";
    case FlowEndCause::tcp_rst: return "tcp_rst";
    case FlowEndCause::end_of_capture: return "end_of_capture";
    case FlowEndCause::table_full: return "table_full";
  }
  return "?";
}

// IPFIX flowEndReason: 1 idle, 2 active, 3 end of flow detected, 4 forced end, 5 lack of resources.
constexpr uint8_t ipfix_end_reason(FlowEndCause c) {
  switch (c) {
    case FlowEndCause::idle_timeout: return 1;
    case FlowEndCause::active_timeout: return 2;
    case FlowEndCause::tcp_fin:
    case FlowEndCause::tcp_rst: return 3;
    case FlowEndCause::end_of_capture: return 4;
    case FlowEndCause::table_full: return 5;
  }
  return 0;
}

// "src" is the client (initiator), "dst" the server; IN = client->server, OUT = server->client.
struct FlowRecord {
  std::array<uint8_t, 16> src_ip{};  // IPv4 in the first 4 bytes
  std::array<uint8_t, 16> dst_ip{};
  std::array<uint8_t, 6> src_mac{};  // client's MAC
  std::array<uint8_t, 6> dst_mac{};  // server's MAC (destination of client packets)
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  uint16_t vlan = 0;                 // SRC_VLAN: the inner tag in QinQ
  uint16_t vlan_outer = 0;           // DOT1Q_SRC_VLAN: the outer tag in QinQ
  uint8_t ip_version = 0;
  uint8_t protocol = 0;
  uint8_t src_tos = 0;               // TOS of the first client->server packet
  uint8_t dst_tos = 0;               // TOS of the first server->client packet
  uint8_t client_tcp_flags = 0;
  uint8_t server_tcp_flags = 0;
  uint16_t icmp_type = 0;            // type * 256 + code of the first ICMP packet
  uint8_t min_ttl = 0;
  uint8_t max_ttl = 0;
  FlowEndCause end_cause = FlowEndCause::idle_timeout;
  uint8_t reserved0 = 0;
  uint16_t min_ip_len = 0;
  uint16_t max_ip_len = 0;
  uint16_t input_port = 0;           // DPDK port id the flow was seen on
  uint16_t rx_core = 0;              // index of the RX core that owned the flow
  uint32_t tunnel_id = 0;            // UPSTREAM_TUNNEL_ID: VNI, TEID, GRE key of the outer tunnel
  uint8_t tunnel_depth = 0;          // tunnels removed to reach this flow
  uint8_t reserved1[3] = {};
  uint64_t in_bytes = 0;             // IP bytes (header + payload) client->server
  uint64_t in_pkts = 0;
  uint64_t out_bytes = 0;
  uint64_t out_pkts = 0;
  uint64_t first_ns = 0;             // packet timestamps, ns since the epoch
  uint64_t last_ns = 0;
  // TCP (and UDP) state in Zeek's conn.log vocabulary and nProbe's TCP metrics.
  std::array<char, 16> history{};    // Zeek history letters, NUL-padded
  uint32_t client_nw_latency_us = 0; // (ACK - SYN-ACK) / 2, as nProbe; 0: handshake not seen
  uint32_t server_nw_latency_us = 0; // (SYN-ACK - SYN) / 2
  uint32_t appl_latency_us = 0;      // first client payload -> first server payload after it
  uint32_t retransmitted_in_pkts = 0;
  uint32_t retransmitted_out_pkts = 0;
  uint32_t ooorder_in_pkts = 0;
  uint32_t ooorder_out_pkts = 0;
  uint16_t tcp_win_max_in = 0;       // largest window the client advertised (unscaled)
  uint16_t tcp_win_max_out = 0;
  uint8_t conn_state = 0;            // ConnState (flow/tcp_state.hpp)
  uint8_t l7_flags = 0;              // kL7* bits below
  uint8_t l7_confidence = 0;         // L7_CONFIDENCE: nDPI's ndpi_confidence_t
  uint8_t reserved2 = 0;
  // Application layer (nDPI ids; the exporter turns them into names).
  uint16_t l7_master = 0;            // nDPI master protocol id (e.g. 5 DNS in DNS.Google)
  uint16_t l7_app = 0;               // nDPI app protocol id
  uint16_t l7_category = 0;          // ndpi_protocol_category_t
  uint16_t reserved3 = 0;
  uint64_t l7_risk = 0;              // L7_PROTO_RISK: nDPI flow-risk bitmap
  // Signatures (--rules): alerts raised on this flow and the sids of the first ones.
  std::array<uint32_t, 4> first_sids{};  // 0 = none
  uint16_t alerts = 0;               // saturates at 65535
  // SRC/DST_FRAGMENTS: packets of the client (server) that were IP fragments, first or
  // not (non-first ones reach the flow through flow/fragment_map.hpp); saturate at 65535.
  uint16_t src_fragments = 0;
  uint16_t dst_fragments = 0;
  uint8_t reserved4[2] = {};
  // Non-TCP flows: the first server->client packet's offset from first_ns in µs, plus 1
  // (0: the server sent nothing in this record). YAF's rtt ("reverse delta time"); TCP
  // flows have their handshake in the latencies above and leave it 0.
  uint32_t reverse_delay_us = 0;
  uint32_t reserved5 = 0;
  uint64_t flow_id = 0;              // FLOW_ID: the same in every record, alert and transaction of the flow
};

inline constexpr uint8_t kL7Present = 0x01;  // the flow went through DPI (else L7 fields say Unknown)
inline constexpr uint8_t kL7Guessed = 0x02;  // nDPI gave up and guessed by port/address
inline constexpr uint8_t kL7HasApp = 0x04;   // dissector metadata follows the record in the ring
static_assert(std::is_trivially_copyable_v<FlowRecord>);
static_assert(sizeof(FlowRecord) % 8 == 0, "rte_ring element size must be a multiple of 4");
static_assert(sizeof(FlowRecord) <= 256);

}  // namespace flowprobe
