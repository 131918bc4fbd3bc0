#include "export/flow_template.hpp"

#include <algorithm>

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
std::string known_labels() {
  std::string s;
  for (const FieldDef& f : field_registry()) {
    if (!s.empty()) s += ' ';
    s += '%';
    s += f.label;
  }
  return s;
}
}  // namespace

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
      error = "-T: '" + std::string(token) +
              "' is not a field: fields start with %, e.g. \"%IPV4_SRC_ADDR %IN_BYTES\"; known fields: " +
              known_labels();
      return false;
    }
    const FieldDef* f = find_field(token.substr(1));
    if (f == nullptr) {
      error = "-T: unknown field '" + std::string(token) + "'; known fields: " + known_labels();
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
