#include "export/field_registry.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <string>
#include <vector>

#include "export/json_writer.hpp"
#include "flow/community_id.hpp"
#include "flow/tcp_state.hpp"

namespace flowprobe {

std::string_view format_ipv4(const uint8_t* a, std::array<char, 46>& buf) {
  char* p = buf.data();
  for (int i = 0; i < 4; ++i) {
    auto r = std::to_chars(p, buf.data() + buf.size(), a[i]);
    p = r.ptr;
    if (i < 3) *p++ = '.';
  }
  return {buf.data(), static_cast<std::size_t>(p - buf.data())};
}

std::string_view format_ipv6(const uint8_t* a, std::array<char, 46>& buf) {
  if (inet_ntop(AF_INET6, a, buf.data(), static_cast<socklen_t>(buf.size())) == nullptr) return "::";
  return {buf.data()};
}

namespace {

using W = JsonWriter;
using R = FlowRecord;
using C = ExportContext;

constexpr uint64_t ns_to_s(uint64_t ns) { return ns / 1'000'000'000ull; }
constexpr uint64_t ns_to_ms(uint64_t ns) { return ns / 1'000'000ull; }
constexpr uint64_t ns_to_us(uint64_t ns) { return ns / 1'000ull; }

void ipv4_or_zero(const R& r, const std::array<uint8_t, 16>& ip, W& w) {
  std::array<char, 46> buf;
  w.value_raw_string(r.ip_version == 4 ? format_ipv4(ip.data(), buf) : std::string_view("0.0.0.0"));
}
void ipv6_or_unset(const R& r, const std::array<uint8_t, 16>& ip, W& w) {
  std::array<char, 46> buf;
  w.value_raw_string(r.ip_version == 6 ? format_ipv6(ip.data(), buf) : std::string_view("::"));
}
void mac(const std::array<uint8_t, 6>& m, W& w) {
  std::array<char, 17> buf;
  w.value_raw_string(format_mac(m, buf));
}

// Rows in IANA id order, then ntop ids. The lambdas are captureless, so they decay to
// the plain function pointers of FieldDef::write.
constexpr FieldDef kFields[] = {
    {"IN_BYTES", 0, 1, JsonType::number, {"SRC_TO_DST_BYTES", "octetDeltaCount"}, "IP bytes client->server",
     [](const R& r, const C&, W& w) { w.value_uint(r.in_bytes); }},
    {"IN_PKTS", 0, 2, JsonType::number, {"SRC_TO_DST_PKTS", "packetDeltaCount"}, "packets client->server",
     [](const R& r, const C&, W& w) { w.value_uint(r.in_pkts); }},
    {"PROTOCOL", 0, 4, JsonType::number, {"protocolIdentifier"}, "IP protocol number",
     [](const R& r, const C&, W& w) { w.value_uint(r.protocol); }},
    {"SRC_TOS", 0, 5, JsonType::number, {"ipClassOfService"}, "TOS byte of the first client->server packet",
     [](const R& r, const C&, W& w) { w.value_uint(r.src_tos); }},
    {"TCP_FLAGS", 0, 6, JsonType::number, {"tcpControlBits"}, "OR of the TCP flags of both directions",
     [](const R& r, const C&, W& w) { w.value_uint(r.client_tcp_flags | r.server_tcp_flags); }},
    {"L4_SRC_PORT", 0, 7, JsonType::number, {"sourceTransportPort"}, "client port",
     [](const R& r, const C&, W& w) { w.value_uint(r.src_port); }},
    {"IPV4_SRC_ADDR", 0, 8, JsonType::string, {"sourceIPv4Address"}, "client IPv4 address (0.0.0.0 for IPv6)",
     [](const R& r, const C&, W& w) { ipv4_or_zero(r, r.src_ip, w); }},
    {"INPUT_SNMP", 0, 10, JsonType::number, {"ingressInterface"}, "input interface (DPDK port id)",
     [](const R& r, const C&, W& w) { w.value_uint(r.input_port); }},
    {"L4_DST_PORT", 0, 11, JsonType::number, {"destinationTransportPort"}, "server port",
     [](const R& r, const C&, W& w) { w.value_uint(r.dst_port); }},
    {"IPV4_DST_ADDR", 0, 12, JsonType::string, {"destinationIPv4Address"}, "server IPv4 address (0.0.0.0 for IPv6)",
     [](const R& r, const C&, W& w) { ipv4_or_zero(r, r.dst_ip, w); }},
    {"OUTPUT_SNMP", 0, 14, JsonType::number, {"egressInterface"}, "output interface (0: a probe does not forward)",
     [](const R&, const C&, W& w) { w.value_uint(0); }},
    {"LAST_SWITCHED", 0, 21, JsonType::number, {}, "epoch seconds of the last packet",
     [](const R& r, const C&, W& w) { w.value_uint(ns_to_s(r.last_ns)); }},
    {"FIRST_SWITCHED", 0, 22, JsonType::number, {}, "epoch seconds of the first packet",
     [](const R& r, const C&, W& w) { w.value_uint(ns_to_s(r.first_ns)); }},
    {"OUT_BYTES", 0, 23, JsonType::number, {"DST_TO_SRC_BYTES"}, "IP bytes server->client",
     [](const R& r, const C&, W& w) { w.value_uint(r.out_bytes); }},
    {"OUT_PKTS", 0, 24, JsonType::number, {"DST_TO_SRC_PKTS"}, "packets server->client",
     [](const R& r, const C&, W& w) { w.value_uint(r.out_pkts); }},
    {"MIN_IP_PKT_LEN", 0, 25, JsonType::number, {"minimumIpTotalLength"}, "smallest IP packet",
     [](const R& r, const C&, W& w) { w.value_uint(r.min_ip_len); }},
    {"MAX_IP_PKT_LEN", 0, 26, JsonType::number, {"maximumIpTotalLength"}, "largest IP packet",
     [](const R& r, const C&, W& w) { w.value_uint(r.max_ip_len); }},
    {"IPV6_SRC_ADDR", 0, 27, JsonType::string, {"sourceIPv6Address"}, "client IPv6 address (:: for IPv4)",
     [](const R& r, const C&, W& w) { ipv6_or_unset(r, r.src_ip, w); }},
    {"IPV6_DST_ADDR", 0, 28, JsonType::string, {"destinationIPv6Address"}, "server IPv6 address (:: for IPv4)",
     [](const R& r, const C&, W& w) { ipv6_or_unset(r, r.dst_ip, w); }},
    {"ICMP_TYPE", 0, 32, JsonType::number, {"icmpTypeCodeIPv4"}, "ICMP type * 256 + code of the first packet",
     [](const R& r, const C&, W& w) { w.value_uint(r.icmp_type); }},
    {"SAMPLING_INTERVAL", 0, 34, JsonType::number, {}, "packet sampling rate (1 = every packet)",
     [](const R&, const C& c, W& w) { w.value_uint(c.sampling_interval); }},
    {"TOTAL_FLOWS_EXP", 0, 42, JsonType::number, {"exportedFlowRecordTotalCount"},
     "running count of flows exported by this probe",
     [](const R&, const C& c, W& w) { w.value_uint(c.flow_sequence); }},
    {"MIN_TTL", 0, 52, JsonType::number, {"minimumTTL"}, "smallest TTL/hop limit",
     [](const R& r, const C&, W& w) { w.value_uint(r.min_ttl); }},
    {"MAX_TTL", 0, 53, JsonType::number, {"maximumTTL"}, "largest TTL/hop limit",
     [](const R& r, const C&, W& w) { w.value_uint(r.max_ttl); }},
    {"DST_TOS", 0, 55, JsonType::number, {"postIpClassOfService"}, "TOS byte of the first server->client packet",
     [](const R& r, const C&, W& w) { w.value_uint(r.dst_tos); }},
    {"IN_SRC_MAC", 0, 56, JsonType::string, {"sourceMacAddress"}, "client MAC address",
     [](const R& r, const C&, W& w) { mac(r.src_mac, w); }},
    {"OUT_DST_MAC", 0, 57, JsonType::string, {"postDestinationMacAddress"}, "server MAC address",
     [](const R& r, const C&, W& w) { mac(r.dst_mac, w); }},
    {"SRC_VLAN", 0, 58, JsonType::number, {"vlanId"}, "VLAN id (the inner one in QinQ)",
     [](const R& r, const C&, W& w) { w.value_uint(r.vlan); }},
    {"IP_PROTOCOL_VERSION", 0, 60, JsonType::number, {"ipVersion"}, "4 or 6",
     [](const R& r, const C&, W& w) { w.value_uint(r.ip_version); }},
    {"FLOW_END_REASON", 0, 136, JsonType::number, {"flowEndReason"},
     "1 idle, 2 active timeout, 3 FIN/RST, 4 end of capture/shutdown, 5 table full",
     [](const R& r, const C&, W& w) { w.value_uint(ipfix_end_reason(r.end_cause)); }},
    {"FLOW_START_MILLISECONDS", 0, 152, JsonType::number, {"flowStartMilliseconds"}, "epoch ms of the first packet",
     [](const R& r, const C&, W& w) { w.value_uint(ns_to_ms(r.first_ns)); }},
    {"FLOW_END_MILLISECONDS", 0, 153, JsonType::number, {"flowEndMilliseconds"}, "epoch ms of the last packet",
     [](const R& r, const C&, W& w) { w.value_uint(ns_to_ms(r.last_ns)); }},
    {"FLOW_START_MICROSECONDS", 0, 154, JsonType::number, {"flowStartMicroseconds"}, "epoch us of the first packet",
     [](const R& r, const C&, W& w) { w.value_uint(ns_to_us(r.first_ns)); }},
    {"FLOW_END_MICROSECONDS", 0, 155, JsonType::number, {"flowEndMicroseconds"}, "epoch us of the last packet",
     [](const R& r, const C&, W& w) { w.value_uint(ns_to_us(r.last_ns)); }},
    {"FLOW_DURATION_MILLISECONDS", 0, 161, JsonType::number, {"flowDurationMilliseconds"}, "last - first packet, ms",
     [](const R& r, const C&, W& w) { w.value_uint(ns_to_ms(r.last_ns - r.first_ns)); }},
    {"DOT1Q_SRC_VLAN", 0, 243, JsonType::number, {"dot1qVlanId"}, "outer VLAN id in QinQ (0 otherwise)",
     [](const R& r, const C&, W& w) { w.value_uint(r.vlan_outer); }},
    // Extension fields nProbe has no id for: their label is the key in both modes.
    {"COMMUNITY_ID", 0, 0, JsonType::string, {"community_id"}, "Community ID flow hash v1 (as Zeek and Suricata emit it)",
     [](const R& r, const C& c, W& w) {
       CommunityIdText buf;
       w.value_raw_string(community_id(r, buf, c.community_id_seed));
     }},
    {"UPSTREAM_TUNNEL_ID", kNtopPen, 106, JsonType::number, {}, "outer tunnel id: VXLAN/Geneve VNI, GTP-U TEID, GRE key",
     [](const R& r, const C&, W& w) { w.value_uint(r.tunnel_id); }},
    {"CLIENT_TCP_FLAGS", kNtopPen, 78, JsonType::number, {}, "OR of the client's TCP flags",
     [](const R& r, const C&, W& w) { w.value_uint(r.client_tcp_flags); }},
    {"SERVER_TCP_FLAGS", kNtopPen, 79, JsonType::number, {}, "OR of the server's TCP flags",
     [](const R& r, const C&, W& w) { w.value_uint(r.server_tcp_flags); }},
    {"RETRANSMITTED_IN_PKTS", kNtopPen, 109, JsonType::number, {}, "TCP retransmissions client->server",
     [](const R& r, const C&, W& w) { w.value_uint(r.retransmitted_in_pkts); }},
    {"RETRANSMITTED_OUT_PKTS", kNtopPen, 110, JsonType::number, {}, "TCP retransmissions server->client",
     [](const R& r, const C&, W& w) { w.value_uint(r.retransmitted_out_pkts); }},
    {"OOORDER_IN_PKTS", kNtopPen, 111, JsonType::number, {}, "TCP segments client->server that arrived ahead of a missing one",
     [](const R& r, const C&, W& w) { w.value_uint(r.ooorder_in_pkts); }},
    {"OOORDER_OUT_PKTS", kNtopPen, 112, JsonType::number, {}, "TCP segments server->client that arrived ahead of a missing one",
     [](const R& r, const C&, W& w) { w.value_uint(r.ooorder_out_pkts); }},
    {"CLIENT_NW_LATENCY_MS", kNtopPen, 123, JsonType::decimal, {}, "TCP handshake (ACK - SYN-ACK) / 2: one-way client<->probe delay, ms (0: not seen)",
     [](const R& r, const C&, W& w) { w.value_decimal3(r.client_nw_latency_us); }},
    {"SERVER_NW_LATENCY_MS", kNtopPen, 124, JsonType::decimal, {}, "TCP handshake (SYN-ACK - SYN) / 2: one-way probe<->server delay, ms (0: not seen)",
     [](const R& r, const C&, W& w) { w.value_decimal3(r.server_nw_latency_us); }},
    {"APPL_LATENCY_MS", kNtopPen, 125, JsonType::decimal, {}, "first client payload to first server payload, ms",
     [](const R& r, const C&, W& w) { w.value_decimal3(r.appl_latency_us); }},
    {"TCP_WIN_MAX_IN", kNtopPen, 416, JsonType::number, {}, "largest TCP window client->server (unscaled)",
     [](const R& r, const C&, W& w) { w.value_uint(r.tcp_win_max_in); }},
    {"TCP_WIN_MAX_OUT", kNtopPen, 420, JsonType::number, {}, "largest TCP window server->client (unscaled)",
     [](const R& r, const C&, W& w) { w.value_uint(r.tcp_win_max_out); }},
    // Zeek's conn.log vocabulary; nProbe has no ids for these, so the label is the key.
    {"CONN_STATE", 0, 0, JsonType::string, {"conn_state"}, "Zeek conn_state: S0 S1 SF REJ S2 S3 RSTO RSTR RSTOS0 RSTRH SH SHR OTH",
     [](const R& r, const C&, W& w) { w.value_raw_string(conn_state_name(static_cast<ConnState>(r.conn_state))); }},
    {"HISTORY", 0, 0, JsonType::string, {"history"}, "Zeek connection history letters (upper case: originator)",
     [](const R& r, const C&, W& w) {
       const auto n = std::find(r.history.begin(), r.history.end(), '\0') - r.history.begin();
       w.value_string(std::string_view(r.history.data(), static_cast<std::size_t>(n)));
     }},
};

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x | 0x20) == (y | 0x20);
         });
}

}  // namespace

std::span<const FieldDef> field_registry() { return kFields; }

const FieldDef* find_field(std::string_view label) {
  for (const FieldDef& f : kFields) {
    if (f.label == label) return &f;
    for (std::string_view a : f.aliases)
      if (!a.empty() && a == label) return &f;
  }
  for (const FieldDef& f : kFields) {
    if (iequals(f.label, label)) return &f;
    for (std::string_view a : f.aliases)
      if (!a.empty() && iequals(a, label)) return &f;
  }
  return nullptr;
}

std::string_view numeric_key(const FieldDef& f) {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> k;
    for (const FieldDef& d : kFields)
      k.push_back(d.pen == 0 && d.id == 0 ? std::string(d.label)
                  : d.pen == 0            ? std::to_string(d.id)
                                          : std::to_string(d.pen) + "." + std::to_string(kNtopBaseId + d.id));
    return k;
  }();
  return keys[static_cast<std::size_t>(&f - kFields)];
}

}  // namespace flowprobe
