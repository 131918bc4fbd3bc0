#pragma once
// The asset logs of the OsecT sensor (arp.log, ns.log, p0f-k.log, dhcp2.log,
// netbios-ns.log, mswin-browser.log, dhcpv6.log, ssdp.log, cclink-ief-basic.log,
// cclink-ie.log: ../shared/spec/osect-logs.md §2.3–2.14), written from asset sightings
// into the --zeek-logs directory. Each protocol's descriptor names its log and writes its
// columns (Protocol::asset_log, dissectors/<name>/); this keeps the spec's row model
// (§2.0.1): a table per log keyed by every column but ts (and the counts); the first
// sighting of a key opens an entry that ends 60 s later in packet time, and then writes
// one row with ts = the first sighting (and, where the log has them, the count and the
// last time). Whatever is still open is written at the end of input. The rows go through
// ZeekLogWriter, so these files have the other logs' header lines and rotation.
//
// Runs on the exporter core. Memory grows with the distinct keys of one window (bounded:
// past kMaxOpen an entry is written early, and counted).
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "assets/asset_event.hpp"

namespace flowprobe {

namespace dissect {
struct AssetLog;
}
class ZeekLogWriter;

class AssetLogWriter {
 public:
  static constexpr uint64_t kWindowNs = 60'000'000'000ull;
  static constexpr std::size_t kMaxOpen = 1u << 20;  // open entries per log
  struct Counters {
    uint64_t sightings = 0;    // events the logs took in (repeats included)
    uint64_t filtered = 0;     // of those, not recorded by their log (replies, other opcodes)
    uint64_t rows = 0;         // rows written
    uint64_t written_early = 0;  // rows written before their window ended, for room
  };

  explicit AssetLogWriter(ZeekLogWriter& out, uint64_t window_ns = kWindowNs);
  // One sighting (sent or a repeat); advances the packet clock.
  void add(const AssetEvent& e);
  // Packet time moved on (any record): entries whose window ended are written.
  void advance(uint64_t now_ns);
  // End of input: every open entry becomes its row. Call before ZeekLogWriter::finish().
  void finish();
  const Counters& counters() const { return counters_; }

 private:
  struct Entry {
    std::string key;  // the columns after ts, before the tail
    uint64_t first_ns = 0, last_ns = 0, count = 0;
  };
  struct Log {
    const dissect::AssetLog* def = nullptr;
    std::size_t out = 0;  // its index in zeek_logs()
    std::deque<Entry> open;  // in first-sighting order, so in order of expiry
    std::unordered_map<std::string_view, std::size_t> index;  // key -> seq (its place: seq - base)
    std::size_t base = 0;  // seq of open.front()
  };
  void write(Log& l, const Entry& e, uint64_t at_ns);
  void expire(Log& l, uint64_t now_ns);

  ZeekLogWriter& out_;
  uint64_t window_ns_;
  uint64_t clock_ns_ = 0;
  std::vector<Log> logs_;                 // one per protocol with an asset log
  std::vector<int> log_of_kind_;          // AssetKind -> index in logs_ (-1: none)
  std::string key_, row_;
  Counters counters_;
};

}  // namespace flowprobe
