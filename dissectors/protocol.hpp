#pragma once
// The descriptor of one protocol: constant data and plain functions, defined in the
// protocol's own folder (dissectors/<name>/protocol.cpp) and listed once in
// dissectors/table.hpp. Everything the stages need of a protocol goes through it:
//   inspect (lib/dpi):      flow (probe/parse and state), rule_proto, rule_buffers, encrypted
//   assets (lib/assets):    asset (the per-packet sighting parser)
//   export (lib/export):    fields (-T rows), zeek_log and zeek_service, eve_type/write_eve
//                           (transactions), write_event and asset_log (sightings), server_name
// A protocol leaves what it does not have null or empty.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "dissectors/app_metadata.hpp"
#include "dissectors/asset_dissector.hpp"
#include "dissectors/dissector.hpp"
#include "export/field_registry.hpp"
#include "signatures/rule.hpp"

namespace flowprobe {
class JsonWriter;
struct ZeekRowSource;
namespace sig {
class AppBuffers;
}
}  // namespace flowprobe

namespace flowprobe::dissect {

// A protocol's Zeek log (dns.log, http.log, …): Zeek's default columns in Zeek's order.
// The writer (lib/export/zeek_logs) keeps the file, its header lines and rotation; the
// protocol writes the values of one row (lib/export/zeek_format.hpp has Zeek's formats).
struct ZeekLog {
  std::string_view name;    // "http": the file is http.log
  std::string_view fields;  // the #fields columns, tab separated
  std::string_view types;   // the #types columns
  void (*write_row)(const ZeekRowSource& src, std::string& out);
  // Rows come from flow records (DHCP: one per flow, its messages summed up) rather than
  // one per transaction record.
  bool per_flow = false;
  // Its columns in the OsecT sensor's file (--log-profile osect), which write_row writes
  // when src.profile says so; empty: the log is not in that set.
  std::string_view osect_fields = {};
  // Whether a transaction makes a row (null: each does). FTP: Zeek logs only the commands
  // of FTP::logged_commands; the others are still transactions (eve, Kafka).
  bool (*logged)(const AppMetadata& tx) = nullptr;
};

// A protocol's asset log (arp.log, ns.log, …: the OsecT sensor's logs, spec §2.3–2.14),
// written from its sightings into the --zeek-logs directory by lib/export/asset_logs, which
// keeps the files' header lines and rotation (through ZeekLogWriter) and the aggregation:
// sightings whose columns other than ts (and the counts) are the same within 60 s of
// packet time make one row, written when the window ends, ts = the first.
struct AssetLog {
  enum class Tail : uint8_t {
    none,          // the key columns end the row
    number_ts_end  // then the count of sightings and the last one's time (CC-Link)
  };
  std::string_view name;    // "arp": the file is arp.log
  std::string_view fields;  // the columns, tab separated, ts first
  std::string_view types;
  // Appends the columns after ts (up to the tail), tab separated: the aggregation key.
  // False (and nothing appended that counts) when the log does not record this sighting
  // (a reply where the log keeps requests).
  bool (*write_key)(const AssetEvent& e, std::string& out);
  Tail tail = Tail::none;
  bool aggregate = true;  // false: a row per sighting (p0f-k.log)
};

// How many eve records one of its transactions makes, and from which side each is written
// (DNS: the query from the client's, the response from the server's; others: one, from
// the client's).
struct EveParts {
  uint8_t n = 1;
  bool from_server[2] = {false, false};
};

struct Protocol {
  std::string_view name;
  AppKind kind = AppKind::none;
  const Dissector* flow = nullptr;        // probe/parse of a flow's payloads
  const AssetDissector* asset = nullptr;  // per-packet sightings (ARP, NDP, …)
  uint32_t meta_size = 0;                 // sizeof its Meta: what a record carries of AppMetadata
  std::span<const FieldDef> fields;       // its -T template rows (flow records)
  std::string_view zeek_service;          // conn.log's service when it spoke ("ssl" for TLS)
  const ZeekLog* zeek_log = nullptr;      // rows from flow records' metadata
  // The rule language's name for it (alert http …), and the buffers of a transaction part
  // (TxSink::part) for its sticky buffers. `scratch` is what create_rule_scratch made for
  // this core when rules were loaded (null if it has none).
  sig::AppProto rule_proto = sig::AppProto::unknown;
  void (*rule_buffers)(const TxPartView& v, void* scratch, sig::AppBuffers& out) noexcept = nullptr;
  void* (*create_rule_scratch)() noexcept = nullptr;
  void (*destroy_rule_scratch)(void* scratch) noexcept = nullptr;
  // Whether a payload of an identified flow is encrypted traffic (TLS application data, a
  // QUIC short-header packet): content rules then stop, as Suricata's do by default.
  bool (*encrypted)(std::span<const uint8_t> payload) noexcept = nullptr;
  // The name of the server the flow talked to (HTTP Host, TLS SNI): HTTP_SITE.
  std::string_view (*server_name)(const AppMetadata& app) noexcept = nullptr;
  // The eve body of one of its asset sightings ("arp":{…}), after the envelope.
  void (*write_event)(const AssetEvent& e, JsonWriter& w) = nullptr;
  // Its transactions in eve: the event_type, and each record's object ("http":{…}), after
  // the envelope the encoder writes (lib/export/eve.cpp). eve_parts null: one record.
  std::string_view eve_type;
  EveParts (*eve_parts)(const AppMetadata& tx) = nullptr;
  void (*write_eve)(const AppMetadata& tx, uint32_t tx_id, uint8_t part, JsonWriter& w) = nullptr;
  // Its sightings' asset log (null: none).
  const AssetLog* asset_log = nullptr;
};

}  // namespace flowprobe::dissect
