#pragma once
// Zeek-style TSV logs (--zeek-logs DIR) for tooling that reads Zeek's logs, or with
// --log-profile osect the OsecT sensor's files and layout (LogProfile): one conn.log
// line per finished flow, and a line in its protocol's log (dns.log, http.log, ssl.log, …:
// the protocol's descriptor names it and writes its values, dissectors/<name>/zeek.cpp)
// per transaction (a log whose rows are per flow, dhcp.log, per flow record). Zeek's header lines, default columns,
// escaping and unset/empty markers; a column we cannot know is written unset ("-"), never
// guessed (each writer says which, column by column).
//
// Runs on the exporter core: rows are formatted into one buffer per log (amortised
// growth, no allocation per record) and written out when a buffer fills, on the
// exporter's idle flush and at finish(). A log file is created with its first row, as
// Zeek does; #open and #close carry packet times, so a replay gives the same files, and
// so does rotation (open()'s rotate_s).
#include <array>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dissectors/app_metadata.hpp"
#include "dpi/inspect_output.hpp"
#include "export/zeek_format.hpp"
#include "flow/flow_record.hpp"

namespace flowprobe {

namespace dissect {
struct ZeekLog;
struct AssetLog;
}
class Retention;

// One log the writer keeps: conn.log, yaf_flow.log (OsecT profile only), then each
// protocol's (in table order).
struct ZeekLogInfo {
  std::string_view name;    // "conn", "dns", …: the file is <name>.log
  std::string_view fields;  // its #fields columns, tab separated (Zeek's defaults)
  std::string_view types;   // its #types columns
  const dissect::ZeekLog* protocol_log;  // null for conn.log, yaf_flow.log and the asset logs
  const dissect::AssetLog* asset_log = nullptr;  // the asset logs' (lib/export/asset_logs)
  std::string_view osect_fields;  // its columns in the OsecT profile (empty: not in its set)
};
std::span<const ZeekLogInfo> zeek_logs();
const ZeekLogInfo* zeek_log(std::string_view name);  // nullptr when none has that name

// "realtime-YYYY-MM-DD-HH:MM:SS": the OsecT sensor's name of the set directory of the
// interval that starts at `start_ns` (local time, TZ); 0 when `name` is not one.
std::string cycle_dir_name(uint64_t start_ns);
uint64_t cycle_dir_start_ns(std::string_view name);

// The logs one rotation closed: the unit that is delivered (export/log_delivery.hpp).
struct ClosedLogSet {
  // "realtime-YYYY-MM-DD-HH:MM:SS" (set directories: the OsecT sensor's names, local
  // time) or "logs.YYYY-MM-DD-HH-MM-SS" (Zeek's flat names, UTC): the interval's start.
  std::string name;
  std::filesystem::path dir;                 // the set's own directory, or --zeek-logs DIR
  std::vector<std::filesystem::path> files;  // what it holds, in log order
  bool own_dir = false;                      // `files` lie flat in a directory of their own
  uint64_t start_ns = 0, end_ns = 0;         // the interval it covers, packet time
};

// The one switch every log file's layout goes through (these logs and the asset logs):
// Zeek's profile writes Zeek's header lines (#separator … #types) and "#close\t<date>";
// the OsecT profile writes what the sensor delivers (spec §2.0.1): 8 lines "#" and a last
// "#close" (conn, arp, ns, dns, http, cclink-ief-basic, cclink-ie), one "#" line
// (dhcp2, netbios-ns, mswin-browser, dhcpv6, ssdp), yaf_flow.log's "#ts …" line, or
// nothing (p0f-k). `log` is the file's name without ".log".
//
// Whether the profile writes that log at all (OsecT: only the spec's 15 files; Zeek's:
// all but yaf_flow, whose flows stay in conn.log).
bool profile_writes(LogProfile profile, std::string_view log);
void put_log_header(std::string& o, LogProfile profile, std::string_view log, std::string_view fields,
                    std::string_view types, uint64_t open_ns);
void put_log_footer(std::string& o, LogProfile profile, std::string_view log, uint64_t close_ns);

// Zeek-looking connection uid ("C" + base62 of 96 bits) hashed from the flow's id: the
// same flow gets the same uid in every log (conn.log and its transactions' logs) and
// every replay. A record without an id gets one from its key and first packet time.
using ZeekUid = std::array<char, 20>;
std::string_view zeek_uid(uint64_t flow_id, ZeekUid& out);
std::string_view zeek_uid(const FlowRecord& r, ZeekUid& out);

class ZeekLogWriter {
 public:
  struct Counters {
    uint64_t rotations = 0;     // files closed under a rotated name
    uint64_t write_errors = 0;  // rows lost to a failed write
  };

  // Creates `dir` if needed and checks that files can be created in it. nullptr with
  // `error` set (naming the directory and why) otherwise.
  // `rotate_s` > 0: every log is closed and renamed "<log>.<open time>.log" (Zeek's
  // naming, UTC) when a record ends past the next multiple of rotate_s seconds of
  // packet time; the next row opens a fresh file.
  // `profile`: whose files (Zeek's, or the OsecT sensor's set, columns and layout).
  static std::unique_ptr<ZeekLogWriter> open(const std::string& dir, std::string& error, uint32_t rotate_s = 0,
                                             LogProfile profile = LogProfile::zeek);
  ~ZeekLogWriter();
  ZeekLogWriter(const ZeekLogWriter&) = delete;
  ZeekLogWriter& operator=(const ZeekLogWriter&) = delete;

  // With rotation: each closed set goes into a directory of its own,
  // dir()/realtime-YYYY-MM-DD-HH:MM:SS (the interval's start, local time), its files with
  // their live names (conn.log, …), as the OsecT sensor lays a cycle out; and the last set
  // is closed the same way at finish().
  void set_cycle_dirs(bool on) { cycle_dirs_ = on; }
  // With rotation: the live logs an earlier run left in dir() (it was killed before its
  // finish() closed them) would be overwritten by this run's first rows. Moves them as
  // they are (a partial last line cut off, the footer added) into a closed set of their
  // own, named by the interval of their earliest row: a set directory with cycle dirs,
  // else Zeek's closed names. Call once, after set_cycle_dirs and before the first row;
  // returns the files kept and names the set in `set_name`. Such a set is not handed to
  // on_set_closed: log delivery finds it among those it has not delivered.
  std::size_t keep_unfinished_logs(std::string& set_name);
  // Called (on the writer's thread) with each set a rotation closed, and with the last
  // one at finish(); a set that holds no file is not handed over.
  void on_set_closed(std::function<void(ClosedLogSet&&)> f) { on_set_closed_ = std::move(f); }
  // Live input: flush() also moves the log clock on with the wall clock, so an interval
  // without a record still closes on time.
  void set_wall_clock(bool on) { wall_clock_ = on; }
  // Another file of the set that the caller writes into dir() (the eve alerts): closed
  // with the logs. `close_to(target)` closes it, moves it to `target` and lets the next
  // write open a fresh one; false (with nothing moved) when it had nothing to close.
  void add_member(std::string file_name, std::function<bool(const std::filesystem::path& target)> close_to);

  // The packet time at which the next set closes (UINT64_MAX: none known yet), and the
  // clock moved on by another writer of the set (the alerts), so that what it writes
  // past a boundary goes to the next set.
  uint64_t next_rotation_ns() const { return rotate_ns_ != 0 && next_rotation_ != 0 ? next_rotation_ : UINT64_MAX; }
  void advance_clock(uint64_t ts_ns) {
    if (!finished_) advance(ts_ns);
  }

  // Hands the rotated logs in dir() (and the live ones, which count toward its size cap)
  // to `retention`, applied after each rotation and from flush().
  void set_retention(Retention* retention);

  // One finished flow (conn.log, and the logs whose rows are per flow); `app` is its
  // dissector metadata or nullptr.
  void write(const FlowRecord& r, const dissect::AppMetadata* app);
  // One transaction: a row of its protocol's log.
  void write(const dpi::TxRecord& tx);
  // One row of log `log` (an index in zeek_logs()), without its newline, written at
  // packet time `at_ns`: the asset logs' (lib/export/asset_logs), which keep their rows
  // until an aggregation window ends.
  void write_row(std::size_t log, uint64_t at_ns, std::string_view row);
  // Hands buffered rows to the files (the exporter's idle flush).
  void flush();
  // Writes #close and closes every log; later calls do nothing. False when a row or
  // line could not be written (last_error() says why).
  bool finish();

  const Counters& counters() const { return counters_; }
  uint64_t rows(std::string_view log) const;  // lines written to <log>.log
  const std::string& last_error() const { return last_error_; }
  const std::string& dir() const { return dir_; }

 private:
  ZeekLogWriter(std::string dir, uint32_t rotate_s, LogProfile profile);
  // Writes #close and closes log i; `set` (null: the file keeps its live name) receives it.
  void close_log(std::size_t i, uint64_t close_ns, ClosedLogSet* set);
  void rotate(uint64_t boundary_ns);
  void close_set(uint64_t start_ns, uint64_t close_ns);
  void advance(uint64_t ts_ns);  // the log clock (#close) and rotation, on packet time
  struct Log {
    std::FILE* file = nullptr;
    std::string buf;
    uint64_t pending = 0;  // rows in buf
    uint64_t open_ns = 0;  // packet time of #open
    bool tried = false;  // the file was opened (or failed to open: its rows count as lost)
    uint64_t rows = 0;   // lines written
  };
  std::string& begin_row(std::size_t log, uint64_t ts_ns);
  void end_row(std::size_t log);
  void write_out(std::size_t log);
  void write_conn(const FlowRecord& r, const dissect::AppMetadata* app, std::string_view uid);
  void write_yaf(const FlowRecord& r);

  std::string dir_;
  LogProfile profile_;
  std::vector<Log> logs_;  // as zeek_logs()
  std::array<std::size_t, dissect::kProtocolCount> log_of_{};  // protocol index -> its log
  Counters counters_;
  std::string last_error_;
  uint64_t clock_ns_ = 0;  // latest packet time written: what #close says
  uint64_t rotate_ns_ = 0;      // 0: never rotate
  uint64_t next_rotation_ = 0;  // packet time of the next rotation (0: not yet known)
  bool finished_ = false;
  bool cycle_dirs_ = false;
  bool wall_clock_ = false;
  std::function<void(ClosedLogSet&&)> on_set_closed_;
  struct Member {
    std::string file_name;
    std::function<bool(const std::filesystem::path&)> close_to;
  };
  std::vector<Member> members_;
  Retention* retention_ = nullptr;
};

}  // namespace flowprobe
