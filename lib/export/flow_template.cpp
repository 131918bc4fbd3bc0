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
         "%TCP_WIN_MAX_IN %TCP_WIN_MAX_OUT %SAMPLING_INTERVAL %TOTAL_FLOWS_EXP";
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
  std::size_t i = 0;
  while (i < spec.size()) {
    while (i < spec.size() && (spec[i] == ' ' || spec[i] == '\t' || spec[i] == '\n' || spec[i] == ',')) ++i;
    if (i >= spec.size()) break;
    std::size_t j = i;
    while (j < spec.size() && spec[j] != ' ' && spec[j] != '\t' && spec[j] != '\n' && spec[j] != ',') ++j;
    const std::string_view token = spec.substr(i, j - i);
    i = j;
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
