#include "export/eve.hpp"

#include <cstdio>

#include "dissectors/protocols.hpp"
#include "dpi/inspect_output.hpp"
#include "signatures/signature_engine.hpp"

namespace flowprobe {

namespace eve {

std::string_view mac_lower(const std::array<uint8_t, 6>& m, std::array<char, 17>& buf) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 6; ++i) {
    buf[i * 3] = kHex[m[i] >> 4];
    buf[i * 3 + 1] = kHex[m[i] & 15];
    if (i < 5) buf[i * 3 + 2] = ':';
  }
  return {buf.data(), 17};
}

std::string hex_bytes(const uint8_t* p, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    if (i) s.push_back(':');
    s.push_back(kHex[p[i] >> 4]);
    s.push_back(kHex[p[i] & 15]);
  }
  return s;
}

std::string quoted(std::string_view v) {
  std::string s = "\"";
  for (char ch : v) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      s.push_back('\\');
      s.push_back(ch);
    } else if (c < 0x20 || c >= 0x7f) {
      char b[8];
      std::snprintf(b, sizeof b, "\\u%04x", c);
      s.append(b);
    } else {
      s.push_back(ch);
    }
  }
  s.push_back('"');
  return s;
}

std::string_view addr(const std::array<uint8_t, 16>& a, uint8_t version, std::array<char, 46>& buf) {
  return version == 6 ? format_ipv6(a.data(), buf) : format_ipv4(a.data(), buf);
}

std::string_view ipv4(const std::array<uint8_t, 4>& a, std::array<char, 46>& buf) { return format_ipv4(a.data(), buf); }

std::string_view proto_name(uint8_t p, std::array<char, 8>& buf) {
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

void vlan(uint16_t id, JsonWriter& w) {
  if (id == 0) return;
  std::array<char, 8> buf;
  const int n = std::snprintf(buf.data(), buf.size(), "[%u]", id);
  w.key("vlan");
  w.value_json({buf.data(), static_cast<std::size_t>(n)});
}

void sighting_head(const AssetEvent& e, JsonWriter& w) {
  std::array<char, 46> ip;
  std::array<char, 17> mac;
  vlan(e.vlan, w);
  w.key("src_ip");
  w.value_raw_string(addr(e.src_ip, e.ip_version, ip));
  w.key("src_port");
  w.value_uint(e.src_port);
  w.key("dest_ip");
  w.value_raw_string(addr(e.dst_ip, e.ip_version, ip));
  w.key("dest_port");
  w.value_uint(e.dst_port);
  w.key("proto");
  w.value_raw_string(e.l4_proto == 17 ? "UDP" : e.l4_proto == 6 ? "TCP" : "other");
  w.key("ether");
  w.begin_object();
  w.key("src_mac");
  w.value_raw_string(mac_lower(e.src_mac, mac));
  w.key("dest_mac");
  w.value_raw_string(mac_lower(e.dst_mac, mac));
  w.end_object();
}

void sender(const AssetEvent& e, JsonWriter& w) {
  std::array<char, 46> ip;
  std::array<char, 17> mac;
  w.key("src_mac");
  w.value_raw_string(mac_lower(e.src_mac, mac));
  w.key("src_ip");
  w.value_raw_string(addr(e.src_ip, e.ip_version, ip));
}

}  // namespace eve

void write_event_json(const AssetEvent& e, JsonWriter& w) {
  std::array<char, 64> ts;
  const dissect::Protocol* p = dissect::protocol_of(e.kind);
  w.begin_object();
  w.key("timestamp");
  w.value_raw_string(format_eve_timestamp(e.ts_ns, ts));
  w.key("event_type");
  w.value_raw_string(p != nullptr ? p->name : std::string_view("unknown"));
  if (p != nullptr && p->write_event != nullptr) p->write_event(e, w);
  w.end_object();
}

namespace {

// The envelope every eve record of a flow starts with, as Suricata writes it: timestamp,
// flow_id, vlan, event_type, the endpoints in the record's direction, proto and the
// flow's community_id (direction-free). The caller writes its own object after it.
struct Envelope {
  uint64_t ts_ns = 0;
  uint64_t flow_id = 0;
  uint16_t vlan = 0;
  std::string_view event_type;
  const std::array<uint8_t, 16>* src_ip = nullptr;
  const std::array<uint8_t, 16>* dst_ip = nullptr;
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  uint8_t ip_version = 4;
  uint8_t proto = 0;
};

void write_envelope(const Envelope& e, JsonWriter& w, const AlertJsonOptions& options) {
  std::array<char, 46> buf;
  std::array<char, 8> pbuf;
  std::array<char, 64> ts;
  w.key("timestamp");
  w.value_raw_string(format_eve_timestamp(e.ts_ns, ts));
  w.key("flow_id");
  w.value_uint(e.flow_id);
  eve::vlan(e.vlan, w);
  w.key("event_type");
  w.value_raw_string(e.event_type);
  const bool ports = e.proto == 6 || e.proto == 17 || e.proto == 132;
  w.key("src_ip");
  w.value_raw_string(eve::addr(*e.src_ip, e.ip_version, buf));
  if (ports) {
    w.key("src_port");
    w.value_uint(e.src_port);
  }
  w.key("dest_ip");
  w.value_raw_string(eve::addr(*e.dst_ip, e.ip_version, buf));
  if (ports) {
    w.key("dest_port");
    w.value_uint(e.dst_port);
  }
  if (e.proto == 1 || e.proto == 58) {
    w.key("icmp_type");
    w.value_uint(e.src_port);
    w.key("icmp_code");
    w.value_uint(e.dst_port);
  }
  w.key("proto");
  w.value_raw_string(eve::proto_name(e.proto, pbuf));
  if (options.community_id) {
    w.key("community_id");
    w.value_string(sig::community_id_v1(e.src_ip->data(), e.dst_ip->data(), e.ip_version, e.proto, e.src_port,
                                        e.dst_port, options.community_id_seed));
  }
}

}  // namespace

void write_alert_json(const sig::Alert& a, const sig::SignatureEngine& engine, JsonWriter& w,
                      const AlertJsonOptions& options) {
  w.begin_object();
  write_envelope({.ts_ns = a.ts_ns,
                  .flow_id = a.flow_id,
                  .event_type = "alert",
                  .src_ip = &a.src_ip,
                  .dst_ip = &a.dst_ip,
                  .src_port = a.src_port,
                  .dst_port = a.dst_port,
                  .ip_version = a.ip_version,
                  .proto = a.proto},
                 w, options);
  if (a.app_proto != sig::AppProto::unknown) {
    w.key("app_proto");
    w.value_raw_string(sig::app_proto_name(a.app_proto));
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

namespace {
dissect::EveParts parts_of(const dpi::TxRecord& tx, const dissect::Protocol* p) {
  if (p == nullptr || p->write_eve == nullptr) return {0, {false, false}};
  return p->eve_parts != nullptr ? p->eve_parts(tx.app) : dissect::EveParts{};
}
}  // namespace

unsigned transaction_eve_parts(const dpi::TxRecord& tx) { return parts_of(tx, dissect::protocol_of(tx.app.kind)).n; }

void write_transaction_json(const dpi::TxRecord& tx, unsigned part, JsonWriter& w, const AlertJsonOptions& options) {
  const dissect::Protocol* p = dissect::protocol_of(tx.app.kind);
  const dissect::EveParts parts = parts_of(tx, p);
  // The record's direction: a response is written from the server's side.
  const bool from_server = part < 2 && parts.from_server[part];
  w.begin_object();
  write_envelope({.ts_ns = tx.ts_ns,
                  .flow_id = tx.flow_id,
                  .vlan = tx.vlan,
                  .event_type = p != nullptr && !p->eve_type.empty() ? p->eve_type : std::string_view("unknown"),
                  .src_ip = from_server ? &tx.dst_ip : &tx.src_ip,
                  .dst_ip = from_server ? &tx.src_ip : &tx.dst_ip,
                  .src_port = from_server ? tx.dst_port : tx.src_port,
                  .dst_port = from_server ? tx.src_port : tx.dst_port,
                  .ip_version = tx.ip_version,
                  .proto = tx.protocol},
                 w, options);
  w.key("tx_id");
  w.value_uint(tx.depth ? tx.depth - 1 : 0);
  if (p != nullptr && p->write_eve != nullptr) p->write_eve(tx.app, tx.depth ? tx.depth - 1 : 0, static_cast<uint8_t>(part), w);
  w.end_object();
}

}  // namespace flowprobe
