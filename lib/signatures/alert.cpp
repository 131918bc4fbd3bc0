#include "signatures/alert.hpp"

#include <cstdio>
#include <cstring>
#include <ctime>

#include "export/json_writer.hpp"
#include "flow/community_id.hpp"
#include "flow/flow_record.hpp"
#include "signatures/signature_engine.hpp"

namespace flowprobe::sig {

namespace {

std::string_view proto_name(uint8_t p, std::array<char, 46>& buf) {
  switch (p) {
    case 6: return "TCP";
    case 17: return "UDP";
    case 1: return "ICMP";
    case 58: return "IPv6-ICMP";
    case 47: return "GRE";
    case 132: return "SCTP";
  }
  const int n = std::snprintf(buf.data(), buf.size(), "%u", p);
  return {buf.data(), static_cast<std::size_t>(n)};
}

}  // namespace

std::string community_id_v1(const uint8_t* src_ip, const uint8_t* dst_ip, uint8_t ip_version, uint8_t proto,
                            uint16_t src_port, uint16_t dst_port, uint16_t seed) {
  // lib/flow owns the hash; an alert is described to it as a one-packet flow.
  FlowRecord r;
  std::memcpy(r.src_ip.data(), src_ip, 16);
  std::memcpy(r.dst_ip.data(), dst_ip, 16);
  r.ip_version = ip_version;
  r.protocol = proto;
  r.src_port = src_port;
  r.dst_port = dst_port;
  if (proto == 1 || proto == 58) r.icmp_type = static_cast<uint16_t>(src_port << 8 | (dst_port & 0xff));
  CommunityIdText buf;
  return std::string(community_id(r, buf, seed));
}

void write_alert_json(const Alert& a, const SignatureEngine& engine, JsonWriter& w, const AlertJsonOptions& options) {
  std::array<char, 46> buf;
  w.begin_object();
  {
    std::array<char, 64> ts;
    w.key("timestamp");
    w.value_raw_string(format_eve_timestamp(a.ts_ns, ts));
  }
  w.key("flow_id");
  w.value_uint(a.flow_id);
  w.key("event_type");
  w.value_raw_string("alert");
  const bool ports = a.proto == 6 || a.proto == 17 || a.proto == 132;
  w.key("src_ip");
  w.value_raw_string(a.ip_version == 6 ? format_ipv6(a.src_ip.data(), buf) : format_ipv4(a.src_ip.data(), buf));
  if (ports) {
    w.key("src_port");
    w.value_uint(a.src_port);
  }
  w.key("dest_ip");
  w.value_raw_string(a.ip_version == 6 ? format_ipv6(a.dst_ip.data(), buf) : format_ipv4(a.dst_ip.data(), buf));
  if (ports) {
    w.key("dest_port");
    w.value_uint(a.dst_port);
  }
  if (a.proto == 1 || a.proto == 58) {
    w.key("icmp_type");
    w.value_uint(a.src_port);
    w.key("icmp_code");
    w.value_uint(a.dst_port);
  }
  w.key("proto");
  w.value_raw_string(proto_name(a.proto, buf));
  if (options.community_id) {
    w.key("community_id");
    w.value_string(community_id_v1(a.src_ip.data(), a.dst_ip.data(), a.ip_version, a.proto, a.src_port, a.dst_port,
                                   options.community_id_seed));
  }
  if (a.app_proto != AppProto::unknown) {
    w.key("app_proto");
    w.value_raw_string(app_proto_name(a.app_proto));
  }
  w.key("direction");
  w.value_raw_string(a.to_server ? "to_server" : "to_client");
  w.key("alert");
  w.begin_object();
  w.key("action");
  w.value_raw_string("allowed");  // a passive probe blocks nothing, whatever the rule says
  w.key("gid");
  w.value_uint(a.gid);
  w.key("signature_id");
  w.value_uint(a.sid);
  w.key("rev");
  w.value_uint(a.rev);
  w.key("signature");
  w.value_string(a.rule_index < engine.rule_count() ? std::string_view(engine.rule(a.rule_index).msg) : std::string_view());
  w.key("category");
  w.value_string(a.class_index >= 0 && static_cast<std::size_t>(a.class_index) < engine.classifications().size()
                     ? std::string_view(engine.classifications()[static_cast<std::size_t>(a.class_index)].description)
                     : std::string_view());
  w.key("severity");
  w.value_uint(a.severity);
  w.end_object();
  w.end_object();
}

}  // namespace flowprobe::sig
