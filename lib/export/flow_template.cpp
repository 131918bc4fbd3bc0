#include "export/flow_template.hpp"

#include <algorithm>
#include <utility>
#include <vector>

namespace flowprobe {

std::string_view default_template_spec() {
  return "%IN_SRC_MAC %OUT_DST_MAC %SRC_VLAN %IPV4_SRC_ADDR %IPV4_DST_ADDR %L4_SRC_PORT %L4_DST_PORT "
         "%IPV6_SRC_ADDR %IPV6_DST_ADDR %IP_PROTOCOL_VERSION %PROTOCOL %SRC_TOS %DST_TOS "
         "%IN_BYTES %IN_PKTS %OUT_BYTES %OUT_PKTS %FIRST_SWITCHED %LAST_SWITCHED "
         "%FLOW_START_MILLISECONDS %FLOW_END_MILLISECONDS %TCP_FLAGS %CLIENT_TCP_FLAGS %SERVER_TCP_FLAGS "
         "%ICMP_TYPE %FLOW_END_REASON %COMMUNITY_ID %CONN_STATE %HISTORY "
         "%CLIENT_NW_LATENCY_MS %SERVER_NW_LATENCY_MS %APPL_LATENCY_MS "
         "%RETRANSMITTED_IN_PKTS %RETRANSMITTED_OUT_PKTS %OOORDER_IN_PKTS %OOORDER_OUT_PKTS "
         "%TCP_WIN_MAX_IN %TCP_WIN_MAX_OUT "
         "%L7_PROTO %L7_PROTO_NAME %L7_PROTO_CATEGORY %L7_CONFIDENCE %L7_PROTO_RISK "
         "%DNS_QUERY %DNS_QUERY_TYPE %DNS_RET_CODE %HTTP_METHOD %HTTP_HOST %HTTP_URL %HTTP_RET_CODE "
         "%TLS_SERVER_NAME %TLS_VERSION %JA3C_HASH %JA3S_HASH "
         "%SAMPLING_INTERVAL %TOTAL_FLOWS_EXP";
}

std::string_view template_macro(std::string_view name) {
  static constexpr std::string_view kNtopng10 =
      "%IN_SRC_MAC %OUT_DST_MAC %INPUT_SNMP %OUTPUT_SNMP %SRC_VLAN %IPV4_SRC_ADDR %IPV4_DST_ADDR %L4_SRC_PORT %L4_DST_PORT "
      "%IPV6_SRC_ADDR %IPV6_DST_ADDR %SRC_TOS %DST_TOS %IP_PROTOCOL_VERSION %PROTOCOL %L7_PROTO %L7_CONFIDENCE %IN_BYTES %IN_PKTS "
      "%OUT_BYTES %OUT_PKTS %FIRST_SWITCHED %LAST_SWITCHED %CLIENT_TCP_FLAGS %SERVER_TCP_FLAGS %L7_PROTO_RISK %L7_RISK_SCORE "
      "%EXPORTER_IPV4_ADDRESS %DIRECTION %SAMPLING_INTERVAL %TOTAL_FLOWS_EXP %NPROBE_IPV4_ADDRESS %NPROBE_INSTANCE_NAME %FLOW_SOURCE "
      "%JA4C_HASH %UNIQUE_SOURCE_ID %CLIENT_NW_LATENCY_MS %SERVER_NW_LATENCY_MS %APPL_LATENCY_MS %TCP_WIN_MAX_IN %TCP_WIN_MAX_OUT "
      "%OOORDER_IN_PKTS %OOORDER_OUT_PKTS %RETRANSMITTED_IN_PKTS %RETRANSMITTED_OUT_PKTS %SRC_FRAGMENTS %DST_FRAGMENTS %L7_INFO "
      "%DNS_QUERY %DNS_QUERY_TYPE %DNS_RET_CODE %HTTP_URL %HTTP_SITE %HTTP_METHOD %HTTP_RET_CODE %TLS_SERVER_NAME %BITTORRENT_HASH "
      "%SRC_TOS %DST_TOS %HTTP_USER_AGENT %L7_RISK_INFO";
  static constexpr std::string_view kNtopng9 =
      "%IN_SRC_MAC %OUT_DST_MAC %INPUT_SNMP %OUTPUT_SNMP %SRC_VLAN %IPV4_SRC_ADDR %IPV4_DST_ADDR %L4_SRC_PORT %L4_DST_PORT "
      "%IPV6_SRC_ADDR %IPV6_DST_ADDR %IP_PROTOCOL_VERSION %PROTOCOL %L7_PROTO %IN_BYTES %IN_PKTS %OUT_BYTES %OUT_PKTS "
      "%FIRST_SWITCHED %LAST_SWITCHED %CLIENT_TCP_FLAGS %SERVER_TCP_FLAGS %L7_PROTO_RISK %CLIENT_NW_LATENCY_MS "
      "%SERVER_NW_LATENCY_MS %APPL_LATENCY_MS %TCP_WIN_MAX_IN %TCP_WIN_MAX_OUT %OOORDER_IN_PKTS %OOORDER_OUT_PKTS "
      "%RETRANSMITTED_IN_PKTS %RETRANSMITTED_OUT_PKTS %SRC_FRAGMENTS %DST_FRAGMENTS %DNS_QUERY %DNS_QUERY_TYPE %DNS_RET_CODE "
      "%HTTP_URL %HTTP_SITE %HTTP_METHOD %HTTP_RET_CODE %TLS_SERVER_NAME %BITTORRENT_HASH %SRC_TOS %DST_TOS "
      "%SAMPLING_INTERVAL %TOTAL_FLOWS_EXP";
  if (name == "@NTOPNG@" || name == "@NTOPNG_10@") return kNtopng10;
  if (name == "@NTOPNG_9@") return kNtopng9;
  return {};
}

namespace {

// nProbe's elements that the registry lacks: those of ../shared/spec/nprobe-json.md (its
// element tables and @NTOPNG@ lists, with the ranges it abbreviates spelled out:
// MPLS_LABEL_1..10, NUM_PKTS_TTL_*, *_IAT_*, UNTUNNELED_*). tests/unit/template_test.cpp
// reads the spec and fails on any element that is neither here nor in the registry.
constexpr std::string_view kNprobeNotProvided[] = {
    "AAA_NAT_KEY", "ACCOUNT_ID", "APPLICATION_ID", "BGP_IPV4_NEXT_HOP", "BGP_NEXT_ADJACENT_ASN",
    "BGP_PREV_ADJACENT_ASN", "BIFLOW_DIRECTION", "CUMULATIVE_ICMP_TYPE", "DIRECTION", "DOT1Q_DST_VLAN",
    "DOWNSTREAM_TUNNEL_ID", "DST_HOST_LABEL", "DST_HOST_NAME", "DST_IP_LAT", "DST_IP_LONG",
    "DST_TO_SRC_AVG_THROUGHPUT", "DST_TO_SRC_IAT_AVG", "DST_TO_SRC_IAT_MAX", "DST_TO_SRC_IAT_MIN",
    "DST_TO_SRC_IAT_STDDEV", "DST_TO_SRC_MAX_EST_THROUGHPUT", "DST_TO_SRC_MAX_THROUGHPUT",
    "DST_TO_SRC_MIN_THROUGHPUT", "DST_TO_SRC_SECOND_BYTES", "DST_VLAN", "DURATION_IN", "DURATION_OUT",
    "EGRESS_VRFID", "ENGINE_ID", "ENGINE_TYPE", "ENTROPY_CLIENT_BYTES", "ENTROPY_SERVER_BYTES",
    "EXPORTER_IPV4_ADDRESS", "EXPORTER_IPV6_ADDRESS", "FIREWALL_EVENT", "FLOW_ACTIVE_TIMEOUT",
    "FLOW_CONTENT_TYPE", "FLOW_DURATION_MICROSECONDS", "FLOW_ENCRYPTED", "FLOW_END_SEC", "FLOW_EXPORT_TIME",
    "FLOW_ID", "FLOW_INACTIVE_TIMEOUT", "FLOW_PROTO_PORT", "FLOW_SERVER_NAME", "FLOW_SOURCE", "FLOW_START_SEC",
    "FLOW_USER_NAME", "FLOW_VERDICT", "FORWARDING_STATUS", "HTTP_VIA", "HTTP_X_FORWARDED_FOR", "ICMP_IPV4_CODE",
    "ICMP_IPV4_TYPE", "IMAP_LOGIN",
    "INGRESS_VRFID", "INTERFACE_NAME", "IN_DST_MAC", "IPV4_BGP_NEXT_HOP", "IPV4_DST_MASK", "IPV4_NEXT_HOP",
    "IPV4_SRC_MASK", "IPV6_DST_MASK", "IPV6_NEXT_HOP", "IPV6_SRC_MASK", "L4_DST_PORT_MAP", "L4_SRC_PORT_MAP",
    "L4_SRV_PORT", "L4_SRV_PORT_MAP", "L7_DOMAIN_INFO", "L7_ERROR_CODE", "L7_INFO", "L7_RISK_INFO",
    "LONGEST_FLOW_PKT", "MPLS_LABEL_1", "MPLS_LABEL_10", "MPLS_LABEL_2", "MPLS_LABEL_3", "MPLS_LABEL_4",
    "MPLS_LABEL_5", "MPLS_LABEL_6", "MPLS_LABEL_7", "MPLS_LABEL_8", "MPLS_LABEL_9", "NAT_EVENT",
    "NAT_ORIGINATING_ADDRESS_REALM", "NPROBE_INSTANCE_NAME", "NPROBE_IPV4_ADDRESS", "NPROBE_UUID",
    "NUM_PKTS_1024_TO_1514_BYTES", "NUM_PKTS_128_TO_256_BYTES", "NUM_PKTS_256_TO_512_BYTES",
    "NUM_PKTS_512_TO_1024_BYTES", "NUM_PKTS_OVER_1514_BYTES", "NUM_PKTS_TTL_128_160", "NUM_PKTS_TTL_160_192",
    "NUM_PKTS_TTL_192_224", "NUM_PKTS_TTL_224_255", "NUM_PKTS_TTL_2_5", "NUM_PKTS_TTL_32_64",
    "NUM_PKTS_TTL_5_32", "NUM_PKTS_TTL_64_96", "NUM_PKTS_TTL_96_128", "NUM_PKTS_TTL_EQ_1",
    "NUM_PKTS_UP_TO_128_BYTES", "OBSERVATION_POINT_ID", "OBSERVATION_POINT_TYPE", "OCTET_TOTAL", "OUT_SRC_MAC",
    "PACKET_TOTAL", "PAYLOAD_HASH", "PKT_VECTOR", "PLUGIN_NAME", "POP_USER", "PORT_RANGE_END",
    "PORT_RANGE_START", "POST_NAPT_DST_TRANSPORT_PORT", "POST_NAPT_SRC_TRANSPORT_PORT",
    "POST_NAT_DST_IPV4_ADDR", "POST_NAT_SRC_IPV4_ADDR", "PROTOCOL_MAP", "RETRANSMITTED_IN_BYTES",
    "RETRANSMITTED_OUT_BYTES", "SAMPLING_ALGORITHM", "SEQ_PLEN", "SEQ_PLEN_HASH", "SEQ_TDIFF",
    "SEQ_TDIFF_HASH", "SHORTEST_FLOW_PKT", "SRC_HOST_LABEL", "SRC_HOST_NAME",
    "SRC_IP_LAT", "SRC_IP_LONG", "SRC_TO_DST_AVG_THROUGHPUT", "SRC_TO_DST_IAT_AVG", "SRC_TO_DST_IAT_MAX",
    "SRC_TO_DST_IAT_MIN", "SRC_TO_DST_IAT_STDDEV", "SRC_TO_DST_MAX_EST_THROUGHPUT",
    "SRC_TO_DST_MAX_THROUGHPUT", "SRC_TO_DST_MIN_THROUGHPUT", "SRC_TO_DST_SECOND_BYTES", "TCP_WIN_MIN_IN",
    "TCP_WIN_MIN_OUT", "TCP_WIN_MSS_IN", "TCP_WIN_MSS_OUT", "TCP_WIN_SCALE_IN", "TCP_WIN_SCALE_OUT",
    "TOTAL_BYTES_EXP", "TOTAL_PKTS_EXP", "UNIQUE_SOURCE_ID", "UNTUNNELED_IPV4_DST_ADDR",
    "UNTUNNELED_IPV4_SRC_ADDR", "UNTUNNELED_IPV6_DST_ADDR", "UNTUNNELED_IPV6_SRC_ADDR",
    "UNTUNNELED_L4_DST_PORT", "UNTUNNELED_L4_SRC_PORT", "UNTUNNELED_PROTOCOL",
};

char upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; }

// Levenshtein distance, case-insensitive: labels are upper case, users type either.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (upper(a[i - 1]) == upper(b[j - 1]) ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// The registry fields nearest to `name` (labels and aliases; an alias suggests its
// label), at most three, each within a third of the name's length.
std::string closest_fields(std::string_view name) {
  std::vector<std::pair<std::size_t, std::string_view>> near;
  const std::size_t limit = std::max<std::size_t>(2, name.size() / 3);
  for (const FieldDef& f : field_registry()) {
    std::size_t best = edit_distance(name, f.label);
    for (std::string_view a : f.aliases)
      if (!a.empty()) best = std::min(best, edit_distance(name, a));
    if (best <= limit) near.emplace_back(best, f.label);
  }
  std::stable_sort(near.begin(), near.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  if (near.empty()) return "no field is close; flowprobe --list-fields lists all " + std::to_string(field_registry().size());
  std::string s = "did you mean";
  for (std::size_t i = 0; i < near.size() && i < 3; ++i) s += (i ? " or %" : " %") + std::string(near[i].second);
  return s + "? (flowprobe --list-fields lists them all)";
}

}  // namespace

bool is_nprobe_element_not_provided(std::string_view label) {
  return std::any_of(std::begin(kNprobeNotProvided), std::end(kNprobeNotProvided), [&](std::string_view n) {
    return n.size() == label.size() && std::equal(n.begin(), n.end(), label.begin(), [](char a, char b) { return a == upper(b); });
  });
}

std::string discarded_warning(const FlowTemplate& t) {
  if (t.discarded.empty()) return "";
  std::string s = "-T: nProbe element";
  s += t.discarded.size() > 1 ? "s" : "";
  for (const std::string& d : t.discarded) s += " %" + d;
  s += t.discarded.size() > 1 ? " are" : " is";
  return s + " not provided by flowprobe: discarded, as nProbe discards elements it cannot export";
}

bool parse_template(std::string_view spec, FlowTemplate& out, std::string& error) {
  out.fields.clear();
  out.discarded.clear();
  std::size_t i = 0;
  while (i < spec.size()) {
    while (i < spec.size() && (spec[i] == ' ' || spec[i] == '\t' || spec[i] == '\n' || spec[i] == ',')) ++i;
    if (i >= spec.size()) break;
    std::size_t j = i;
    while (j < spec.size() && spec[j] != ' ' && spec[j] != '\t' && spec[j] != '\n' && spec[j] != ',') ++j;
    const std::string_view token = spec.substr(i, j - i);
    i = j;
    if (token.front() == '@') {
      const std::string_view expansion = template_macro(token);
      if (expansion.empty()) {
        error = "-T: unknown macro '" + std::string(token) + "'; known macros: @NTOPNG@ @NTOPNG_10@ @NTOPNG_9@";
        return false;
      }
      // A macro lists what nProbe exports; what flowprobe lacks is dropped, as nProbe
      // drops elements it cannot provide.
      for (std::size_t k = 0; k < expansion.size();) {
        const std::size_t e = std::min(expansion.find(' ', k), expansion.size());
        const std::string_view label = expansion.substr(k + 1, e - k - 1);
        k = e + 1;
        const FieldDef* f = find_field(label);
        if (f == nullptr) {
          if (std::find(out.discarded.begin(), out.discarded.end(), label) == out.discarded.end())
            out.discarded.emplace_back(label);
        } else if (std::find(out.fields.begin(), out.fields.end(), f) == out.fields.end()) {
          out.fields.push_back(f);
        }
      }
      continue;
    }
    if (token.front() != '%') {
      error = "-T: '" + std::string(token) + "' is not a field: fields start with %, e.g. \"%IPV4_SRC_ADDR %IN_BYTES\"";
      if (find_field(token) != nullptr) error += "; did you mean %" + std::string(token) + "?";
      return false;
    }
    const std::string_view label = token.substr(1);
    const FieldDef* f = find_field(label);
    if (f == nullptr && is_nprobe_element_not_provided(label)) {
      std::string name(label);
      for (char& c : name) c = upper(c);
      if (std::find(out.discarded.begin(), out.discarded.end(), name) == out.discarded.end()) out.discarded.push_back(name);
      continue;
    }
    if (f == nullptr) {
      error = "-T: unknown field '" + std::string(token) + "'; " + closest_fields(label);
      return false;
    }
    if (std::find(out.fields.begin(), out.fields.end(), f) == out.fields.end()) out.fields.push_back(f);
  }
  if (out.fields.empty()) {
    error = "-T: the template is empty; give at least one %FIELD, e.g. \"%IPV4_SRC_ADDR %IN_BYTES\"";
    return false;
  }
  return true;
}

}  // namespace flowprobe
