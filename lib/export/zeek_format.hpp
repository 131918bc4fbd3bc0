#pragma once
// Zeek's ASCII log formats, for the rows of conn.log (zeek_logs.cpp) and of the protocols'
// logs (dissectors/<name>/zeek.cpp): each helper appends one value to a row, never
// allocating beyond the row buffer's growth.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "dissectors/app_metadata.hpp"
#include "flow/flow_record.hpp"

namespace flowprobe {

// Which sensor's log set --zeek-logs writes: Zeek's own (its header lines and default
// columns), or the OsecT sensor's (--log-profile osect, ../shared/spec/osect-logs.md: its
// 15 files, its columns in its order, its header layout, §2.0.1).
enum class LogProfile : uint8_t { zeek, osect };

// What a protocol's log row is written from: a transaction record's part (or, for a log
// whose rows are per flow, the flow record's metadata), the connection it belongs to as
// Zeek's id.* columns show it, and the uid the flow has in every log.
struct ZeekRowSource {
  const dissect::AppMetadata& app;
  std::string_view uid;
  uint64_t ts_ns = 0;                // the row's ts: the transaction's start, or the flow's first packet
  uint8_t ip_version = 0;
  uint8_t protocol = 0;              // IP protocol number
  std::array<uint8_t, 16> orig_h{};  // the client
  std::array<uint8_t, 16> resp_h{};
  uint16_t orig_p = 0, resp_p = 0;
  uint32_t depth = 0;                // a transaction's place in its flow, from 1 (trans_depth)
  const FlowRecord* flow = nullptr;  // per-flow rows: the record (its times, addresses, ports)
  LogProfile profile = LogProfile::zeek;  // the columns to write (osect: the spec's)
  std::array<uint8_t, 6> orig_l2{}, resp_l2{};  // the client's and server's MAC (all zero: none seen)
};

// Appends `s` as Zeek's ASCII writer would write a string value: "(empty)" when empty,
// "\x2d" for a value that is exactly "-", backslash doubled, the separator, control
// bytes and bytes that are not valid UTF-8 as \xNN; `in_set` also escapes ','.
void zeek_escape(std::string_view s, std::string& out, bool in_set = false);

namespace zeek {

inline void put(std::string& o, std::string_view s) { o.append(s); }
inline void tab(std::string& o) { o.push_back('\t'); }
inline void unset(std::string& o) { o.push_back('-'); }
void put_count(std::string& o, uint64_t v);
// The flow's packets and bytes each way, as conn.log's orig_pkts orig_ip_bytes resp_pkts
// resp_ip_bytes and yaf_flow.log's pkt oct rpkt roct write them (tab separated).
void put_directional_counts(std::string& o, const FlowRecord& r);
// time and interval: seconds with 6 decimals, as Zeek writes them.
void put_secs(std::string& o, uint64_t ns);
inline void put_bool(std::string& o, bool b) { o.push_back(b ? 'T' : 'F'); }
void put_addr(std::string& o, int version, const std::array<uint8_t, 16>& ip);
// A MAC address, lower case with colons (Zeek's mac_addr logs as string).
void put_mac(std::string& o, const std::array<uint8_t, 6>& mac);
// `s` with its control bytes (0x00-0x1f, 0x7f: a name's NUL padding) removed, as the
// OsecT sensor's scripts write names; "-" when nothing is left.
void put_printable(std::string& o, std::string_view s);
// A MAC as Zeek's mac-logging policy writes it (lower case, ':'), "-" when all zero
// (no Ethernet header: a raw-IP or loopback capture).
void put_mac_or_unset(std::string& o, const std::array<uint8_t, 6>& mac);
// A string, or "-" when it is empty.
void put_str_or_unset(std::string& o, std::string_view s);
// "tcp", "udp", "icmp" as Zeek's transport_proto enum.
std::string_view proto_name(uint8_t ip_protocol);
// ts uid id.orig_h id.orig_p id.resp_h id.resp_p, the start of most logs' rows (ICMP
// flows map type and code to ports as Zeek does).
void put_conn_id(std::string& o, const FlowRecord& r, std::string_view uid);
void put_conn_id(std::string& o, const ZeekRowSource& s);

}  // namespace zeek
}  // namespace flowprobe
