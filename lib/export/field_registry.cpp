#include "export/field_registry.hpp"

#include <arpa/inet.h>

extern "C" {
#include <ndpi/ndpi_api.h>
}

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include "dissectors/protocols.hpp"
#include "export/geo.hpp"
#include "export/json_writer.hpp"
#include "dpi/protocol_names.hpp"
#include "flow/community_id.hpp"
#include "flow/tcp_state.hpp"

namespace flowprobe {

std::string_view format_eve_timestamp(uint64_t ts_ns, std::array<char, 64>& buf) {
  const time_t secs = static_cast<time_t>(ts_ns / 1'000'000'000ull);
  tm t;
  gmtime_r(&secs, &t);
  const std::size_t n = std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%S", &t);
  const int m = std::snprintf(buf.data() + n, buf.size() - n, ".%06u+0000", static_cast<unsigned>(ts_ns / 1000 % 1'000'000));
  return {buf.data(), n + static_cast<std::size_t>(m)};
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


// Application-layer values: ids from the record, names from nDPI's table, metadata from
// the dissectors (ExportContext::app). A field with nothing to say prints "" or 0, as
// nProbe does for template fields a flow does not have.
std::string& scratch() {
  thread_local std::string s;
  s.clear();
  return s;
}
void l7_id(const R& r, W& w) {
  std::string& s = scratch();
  dpi::protocol_names().append_id(r.l7_master, r.l7_app, s);
  w.value_raw_string(s);
}
void l7_name(const R& r, W& w) {
  std::string& s = scratch();
  dpi::protocol_names().append_name(r.l7_master, r.l7_app, s);
  w.value_string(s);
}
void l7_risk_names(const R& r, W& w) {
  std::string& s = scratch();
  for (int bit = 1; bit < 64; ++bit) {
    if (!(r.l7_risk & (uint64_t{1} << bit))) continue;
    if (!s.empty()) s += ',';
    const char* n = ndpi_risk2str(static_cast<ndpi_risk_enum>(bit));
    s += n ? n : "?";
  }
  w.value_string(s);
}
uint64_t l7_risk_score(const R& r) {
  u_int16_t client = 0, server = 0;
  return r.l7_risk ? ndpi_risk2score(r.l7_risk, &client, &server) : 0;
}

const GeoInfo* geo_src(const R& r, const C& c) { return c.geo ? &c.geo->src(r, c.flow_sequence) : nullptr; }
const GeoInfo* geo_dst(const R& r, const C& c) { return c.geo ? &c.geo->dst(r, c.flow_sequence) : nullptr; }
void country(const GeoInfo* g, W& w) { w.value_raw_string(g ? std::string_view(g->country.data()) : std::string_view()); }

// Rows in IANA id order, then ntop ids. The lambdas are captureless, so they decay to
// the plain function pointers of FieldDef::write.
constexpr FieldDef kHeadFields[] = {
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
    {"SRC_AS", 0, 16, JsonType::number, {"bgpSourceAsNumber"}, "client's AS number (--as-list)",
     [](const R& r, const C& c, W& w) { w.value_uint(geo_src(r, c) ? geo_src(r, c)->asn : 0); }},
    {"DST_AS", 0, 17, JsonType::number, {"bgpDestinationAsNumber"}, "server's AS number (--as-list)",
     [](const R& r, const C& c, W& w) { w.value_uint(geo_dst(r, c) ? geo_dst(r, c)->asn : 0); }},
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
    {"FLOW_ID", 0, 148, JsonType::number, {"flowId"},
     "the flow's id, the same in its records, its transactions and its alerts (eve's flow_id)",
     [](const R& r, const C&, W& w) { w.value_uint(r.flow_id); }},
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
    {"SRC_FRAGMENTS", kNtopPen, 80, JsonType::number, {}, "client->server packets that were IP fragments (first or not)",
     [](const R& r, const C&, W& w) { w.value_uint(r.src_fragments); }},
    {"DST_FRAGMENTS", kNtopPen, 81, JsonType::number, {}, "server->client packets that were IP fragments (first or not)",
     [](const R& r, const C&, W& w) { w.value_uint(r.dst_fragments); }},

    // Enrichment on the exporter core from MaxMind databases (--city-list, --as-list).
    {"SRC_IP_COUNTRY", kNtopPen, 101, JsonType::string, {}, "client's country, ISO 3166 alpha-2 (--city-list)",
     [](const R& r, const C& c, W& w) { country(geo_src(r, c), w); }},
    {"SRC_IP_CITY", kNtopPen, 102, JsonType::string, {}, "client's city (--city-list with a City database)",
     [](const R& r, const C& c, W& w) { w.value_string(geo_src(r, c) ? std::string_view(geo_src(r, c)->city) : std::string_view()); }},
    {"DST_IP_COUNTRY", kNtopPen, 103, JsonType::string, {}, "server's country, ISO 3166 alpha-2 (--city-list)",
     [](const R& r, const C& c, W& w) { country(geo_dst(r, c), w); }},
    {"DST_IP_CITY", kNtopPen, 104, JsonType::string, {}, "server's city (--city-list with a City database)",
     [](const R& r, const C& c, W& w) { w.value_string(geo_dst(r, c) ? std::string_view(geo_dst(r, c)->city) : std::string_view()); }},
    {"SRC_AS_MAP", kNtopPen, 443, JsonType::string, {}, "organisation of the client's AS (--as-list)",
     [](const R& r, const C& c, W& w) { w.value_string(geo_src(r, c) ? std::string_view(geo_src(r, c)->as_org) : std::string_view()); }},
    {"DST_AS_MAP", kNtopPen, 444, JsonType::string, {}, "organisation of the server's AS (--as-list)",
     [](const R& r, const C& c, W& w) { w.value_string(geo_dst(r, c) ? std::string_view(geo_dst(r, c)->as_org) : std::string_view()); }},
    // Application layer: nDPI's verdict (ids in the record, names from nDPI's table).
    {"L7_PROTO", kNtopPen, 118, JsonType::string, {}, "nDPI protocol id, \"app\" or \"master.app\" (e.g. \"5.126\")",
     [](const R& r, const C&, W& w) { l7_id(r, w); }},
    {"L7_PROTO_NAME", kNtopPen, 119, JsonType::string, {"APPLICATION_NAME"}, "nDPI protocol name (e.g. \"DNS.Google\", \"TLS\")",
     [](const R& r, const C&, W& w) { l7_name(r, w); }},
    {"L7_PROTO_CATEGORY", kNtopPen, 501, JsonType::string, {}, "nDPI category of the protocol (e.g. \"Web\")",
     [](const R& r, const C&, W& w) { w.value_string(dpi::protocol_names().category(r.l7_category)); }},
    {"L7_PROTO_RISK", kNtopPen, 509, JsonType::number, {}, "nDPI flow-risk bitmap",
     [](const R& r, const C&, W& w) { w.value_uint(r.l7_risk); }},
    {"L7_PROTO_RISK_NAME", kNtopPen, 510, JsonType::string, {}, "names of the nDPI risks set, comma separated",
     [](const R& r, const C&, W& w) { l7_risk_names(r, w); }},
    {"L7_RISK_SCORE", kNtopPen, 527, JsonType::number, {}, "nDPI risk score of the flow",
     [](const R& r, const C&, W& w) { w.value_uint(l7_risk_score(r)); }},
    {"L7_CONFIDENCE", kNtopPen, 560, JsonType::number, {}, "nDPI confidence (0 unknown, 1 port match, ... 6 DPI)",
     [](const R& r, const C&, W& w) { w.value_uint(r.l7_confidence); }},
  };
// Rows after the protocols' own (dissectors/<name>/fields.cpp), which come between.
constexpr FieldDef kTailFields[] = {
    // Signatures (--rules): nProbe has none, so the label is the key.
    {"ALERTS", 0, 0, JsonType::number, {"alert_count"}, "signature alerts raised on this flow (with --rules)",
     [](const R& r, const C&, W& w) { w.value_uint(r.alerts); }},
    {"ALERT_SIDS", 0, 0, JsonType::string, {}, "sids of the flow's first alerts (up to 4), comma separated",
     [](const R& r, const C&, W& w) {
       std::string& s = scratch();
       for (uint32_t sid : r.first_sids) {
         if (sid == 0) break;
         if (!s.empty()) s += ',';
         s += std::to_string(sid);
       }
       w.value_raw_string(s);
     }},
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

// The core rows, then each protocol's in table order, then the tail: built once.
const std::vector<FieldDef>& all_fields() {
  static const std::vector<FieldDef> fields = [] {
    std::vector<FieldDef> v(std::begin(kHeadFields), std::end(kHeadFields));
    for (const dissect::Protocol* p : dissect::kProtocols) v.insert(v.end(), p->fields.begin(), p->fields.end());
    v.insert(v.end(), std::begin(kTailFields), std::end(kTailFields));
    return v;
  }();
  return fields;
}

}  // namespace

std::span<const FieldDef> field_registry() { return all_fields(); }

const FieldDef* find_field(std::string_view label) {
  for (const FieldDef& f : all_fields()) {
    if (f.label == label) return &f;
    for (std::string_view a : f.aliases)
      if (!a.empty() && a == label) return &f;
  }
  for (const FieldDef& f : all_fields()) {
    if (iequals(f.label, label)) return &f;
    for (std::string_view a : f.aliases)
      if (!a.empty() && iequals(a, label)) return &f;
  }
  return nullptr;
}

std::string_view numeric_key(const FieldDef& f) {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> k;
    for (const FieldDef& d : all_fields())
      k.push_back(d.pen == 0 && d.id == 0 ? std::string(d.label)
                  : d.pen == 0            ? std::to_string(d.id)
                                          : std::to_string(d.pen) + "." + std::to_string(kNtopBaseId + d.id));
    return k;
  }();
  return keys[static_cast<std::size_t>(&f - all_fields().data())];
}

}  // namespace flowprobe
