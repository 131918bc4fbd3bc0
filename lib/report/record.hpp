#pragma once
// What `flowprobe report` reads back from the probe's output, one record at a time: a
// flow record (nProbe JSON, numeric keys or labels), an eve alert, or an eve HTTP
// transaction. Views point into the reader's buffers and live until the next record:
// an aggregate copies what it keeps.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace flowprobe::report {

// An address as the aggregates key it: 16 bytes (IPv4 in the first 4) and its version.
struct IpKey {
  std::array<uint8_t, 16> b{};
  uint8_t v = 0;  // 0: absent or unparsable
  auto operator<=>(const IpKey&) const = default;
  bool operator==(const IpKey&) const = default;
  bool valid() const { return v != 0; }
};
struct IpKeyHash {
  std::size_t operator()(const IpKey& k) const noexcept;
};
// Parses dotted-quad or IPv6 text; v = 0 when it is neither.
IpKey parse_ip(std::string_view text);
std::string ip_text(const IpKey& k);
// Not a global address (export/geo's is_global_address): the spec's LOCAL, which no
// country list penalises and which prints "-".
bool is_private(const IpKey& k);

// Flow fields the reports read. The enum is the reader's bit index: FlowRec::present
// says which keys the record had, so a report can name the fields its input lacks.
enum class Field : uint8_t {
  src_addr, dst_addr, src_port, dst_port, protocol, in_bytes, out_bytes, first_switched, last_switched,
  l7_proto, l7_proto_name, l7_category, l7_risk_name, src_country, dst_country, src_as, dst_as, src_as_map,
  dst_as_map, dns_query, dns_response, dns_ret_code, http_method, http_host, http_url, tls_server_name,
  tls_version, tls_cipher, tls_unsafe_cipher, client_tcp_flags, server_tcp_flags, conn_state, community_id,
  alerts, instance_name,
  count_
};
inline constexpr int kFieldCount = static_cast<int>(Field::count_);
// The template label a user adds with -T to get the field ("%TLS_VERSION").
std::string_view field_label(Field f);

struct FlowRec {
  uint64_t present = 0;  // bit per Field
  bool has(Field f) const { return present >> static_cast<int>(f) & 1; }
  IpKey src, dst;
  std::string_view src_text, dst_text;
  uint16_t src_port = 0, dst_port = 0;
  uint8_t protocol = 0;
  uint64_t in_bytes = 0, out_bytes = 0;
  int64_t first = 0, last = 0;  // epoch seconds
  std::string_view l7_proto, l7_name, l7_category, l7_risk_name;
  std::string_view src_country, dst_country, src_as_map, dst_as_map;
  uint32_t src_as = 0, dst_as = 0;
  std::string_view dns_query, dns_response;
  int dns_ret_code = -1;
  std::string_view http_method, http_host, http_url;
  std::string_view tls_sni;
  uint32_t tls_version = 0, tls_cipher = 0;
  bool tls_unsafe = false;
  uint32_t client_flags = 0, server_flags = 0;
  std::string_view conn_state, community_id, instance;
  uint32_t alerts = 0;
};

struct AlertRec {
  int64_t ts = 0;  // epoch seconds
  IpKey src, dst;
  std::string_view src_text, dst_text;
  uint16_t src_port = 0, dst_port = 0;
  std::string_view proto;  // "TCP", "UDP"...
  std::string_view community_id, action, signature, category, app_proto;
  uint32_t sid = 0;
  int severity = 3;
};

// An eve HTTP transaction (one request), when the input has them.
struct HttpTxRec {
  int64_t ts = 0;
  IpKey src, dst;
  std::string_view method, hostname, url;
  uint64_t length = 0;  // response body length as eve writes it
};

}  // namespace flowprobe::report
