#pragma once
// Zeek-style TSV logs (--zeek-logs DIR) for tooling that reads Zeek's logs: one conn.log
// line per finished flow, and a dns.log / http.log / ssl.log / dhcp.log / ssh.log line when the
// flow's dissector metadata has that protocol. Zeek's header lines, default columns,
// escaping and unset/empty markers; values come from the FlowRecord and its metadata,
// and a column we cannot know is written unset ("-"), never guessed (zeek_logs.cpp
// says which, column by column).
//
// Runs on the exporter core: rows are formatted into one buffer per log (amortised
// growth, no allocation per record) and written out when a buffer fills, on the
// exporter's idle flush and at finish(). A log file is created with its first row, as
// Zeek does; #open and #close carry packet times, so a replay gives the same files, and
// so does rotation (open()'s rotate_s).
#include <array>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "dissectors/app_metadata.hpp"
#include "flow/flow_record.hpp"

namespace flowprobe {

class Retention;

enum class ZeekLogKind : uint8_t { conn = 0, dns, http, ssl, dhcp, ssh };
inline constexpr int kZeekLogCount = 6;

// The #fields and #types lines' columns of `log`, tab separated (as in Zeek's defaults).
std::string_view zeek_log_fields(ZeekLogKind log);
std::string_view zeek_log_types(ZeekLogKind log);
std::string_view zeek_log_name(ZeekLogKind log);  // "conn", "dns", ...

// Zeek-looking connection uid ("C" + base62 of 96 bits) hashed from the flow's key and
// first packet time: the same flow gets the same uid in every log and every replay.
using ZeekUid = std::array<char, 20>;
std::string_view zeek_uid(const FlowRecord& r, ZeekUid& out);

// Appends `s` as Zeek's ASCII writer would write a string value: "(empty)" when empty,
// "\x2d" for a value that is exactly "-", backslash doubled, the separator, control
// bytes and bytes that are not valid UTF-8 as \xNN; `in_set` also escapes ','.
void zeek_escape(std::string_view s, std::string& out, bool in_set = false);

class ZeekLogWriter {
 public:
  struct Counters {
    std::array<uint64_t, kZeekLogCount> rows{};  // lines written, per log
    uint64_t rotations = 0;                      // files closed under a rotated name
    uint64_t write_errors = 0;                   // rows lost to a failed write
  };

  // Creates `dir` if needed and checks that files can be created in it. nullptr with
  // `error` set (naming the directory and why) otherwise.
  // `rotate_s` > 0: every log is closed and renamed "<log>.<open time>.log" (Zeek's
  // naming, UTC) when a record ends past the next multiple of rotate_s seconds of
  // packet time; the next row opens a fresh file.
  static std::unique_ptr<ZeekLogWriter> open(const std::string& dir, std::string& error, uint32_t rotate_s = 0);
  ~ZeekLogWriter();
  ZeekLogWriter(const ZeekLogWriter&) = delete;
  ZeekLogWriter& operator=(const ZeekLogWriter&) = delete;

  // Hands the rotated logs in dir() (and the live ones, which count toward its size cap)
  // to `retention`, applied after each rotation and from flush().
  void set_retention(Retention* retention);

  // One finished flow; `app` is its dissector metadata or nullptr.
  void write(const FlowRecord& r, const dissect::AppMetadata* app);
  // Hands buffered rows to the files (the exporter's idle flush).
  void flush();
  // Writes #close and closes every log; later calls do nothing. False when a row or
  // line could not be written (last_error() says why).
  bool finish();

  const Counters& counters() const { return counters_; }
  const std::string& last_error() const { return last_error_; }
  const std::string& dir() const { return dir_; }

 private:
  ZeekLogWriter(std::string dir, uint32_t rotate_s);
  void close_log(int i, uint64_t close_ns, bool rotated);
  void rotate(uint64_t boundary_ns);
  struct Log {
    std::FILE* file = nullptr;
    std::string buf;
    uint64_t pending = 0;  // rows in buf
    uint64_t open_ns = 0;  // packet time of #open
    bool tried = false;  // the file was opened (or failed to open: its rows count as lost)
  };
  std::string& begin_row(ZeekLogKind log, uint64_t ts_ns);
  void end_row(ZeekLogKind log);
  void write_out(ZeekLogKind log);
  void write_conn(const FlowRecord& r, const dissect::AppMetadata* app, std::string_view uid);
  void write_dns(const FlowRecord& r, const dissect::DnsMeta& d, std::string_view uid);
  void write_http(const FlowRecord& r, const dissect::HttpMeta& h, std::string_view uid);
  void write_ssl(const FlowRecord& r, const dissect::TlsMeta& t, std::string_view uid);
  void write_dhcp(const FlowRecord& r, const dissect::DhcpMeta& d, std::string_view uid);
  void write_ssh(const FlowRecord& r, const dissect::SshMeta& s, std::string_view uid);

  std::string dir_;
  std::array<Log, kZeekLogCount> logs_;
  Counters counters_;
  std::string last_error_;
  uint64_t clock_ns_ = 0;  // latest packet time written: what #close says
  uint64_t rotate_ns_ = 0;      // 0: never rotate
  uint64_t next_rotation_ = 0;  // packet time of the next rotation (0: not yet known)
  bool finished_ = false;
  Retention* retention_ = nullptr;
};

}  // namespace flowprobe
