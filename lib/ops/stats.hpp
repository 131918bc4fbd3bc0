#pragma once
// Live statistics: where the RX cores and the exporter publish their counters while the
// probe runs, and the three ways they are shown (one line every N seconds, Prometheus
// text, a JSON file). No DPDK here: io/ publishes, ops/ reads.
#include <atomic>
#include <chrono>
#include <functional>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/counters.hpp"
#include "export/export_counters.hpp"
#include "export/sink.hpp"

namespace flowprobe::ops {

struct PortLive {
  uint16_t id = 0;
  std::string name;
  uint64_t ipackets = 0, ibytes = 0, imissed = 0, ierrors = 0, rx_nombuf = 0;
};

struct SinkLive {
  std::string name;
  uint64_t delivered = 0, failed = 0, bytes = 0;
};

// The RX cores' counters as other threads (the statistics thread) see them while the
// cores run. Each core copies all its counter tables' values (core/counters.hpp) to its
// own block every few ms of TSC with relaxed stores: no lock, no allocation, and no cache
// line shared with another core. Each value is an aligned 64-bit word, so a reader never
// sees a torn value; values of one core may be a few ms apart from each other.
class LiveCounters {
 public:
  // Before the cores start: their tables (the same on every core) and how many cores.
  void init(const CounterSchema& schema, unsigned cores);
  // Called by the owning RX core only; `values` as the schema lays them out.
  void publish(unsigned core, std::span<const uint64_t> values) noexcept;
  std::vector<uint64_t> load(unsigned core) const;
  const CounterSchema& schema() const { return schema_; }
  unsigned cores() const { return cores_.load(std::memory_order_acquire); }

 private:
  CounterSchema schema_;
  std::size_t stride_ = 0;  // values per core, rounded up to whole cache lines
  std::unique_ptr<std::atomic<uint64_t>[]> values_;
  std::atomic<unsigned> cores_{0};
};

// What the main-lcore side publishes (every ~250 ms, under a mutex: never on an RX core).
struct MainLive {
  ExportCounters exporter;
  std::vector<PortLive> ports;
  std::vector<SinkLive> sinks;
};

// A counter table kept by another thread (the log-set delivery's): read when a snapshot
// is taken, by a function that is safe to call from the statistics thread.
struct ExtraTable {
  std::span<const CounterDef> defs;
  std::function<void(uint64_t* out)> read;  // defs.size() values, in order
};
struct ExtraValues {
  std::span<const CounterDef> defs;
  std::vector<uint64_t> values;
};

struct StatsSnapshot {
  double uptime_s = 0;
  std::vector<ExtraValues> extra;  // each ExtraTable's values
  const CounterSchema* schema = nullptr;  // lays out each core's values
  std::vector<std::vector<uint64_t>> cores;
  MainLive main;
  // A counter summed over the RX cores (0 when there is no such counter).
  uint64_t rx(std::string_view name) const;
  SinkLive sink_total() const;
  PortLive port_total() const;
};

class StatsHub {
 public:
  StatsHub();
  LiveCounters& live() { return live_; }
  void publish_main(MainLive live);
  // After the run, when the sinks have drained (their final counts).
  void publish_sinks(std::vector<SinkLive> sinks);
  // Before the statistics thread starts: a table read at each snapshot.
  void add_table(ExtraTable table) { extra_.push_back(std::move(table)); }
  StatsSnapshot snapshot() const;

 private:
  LiveCounters live_;
  std::vector<ExtraTable> extra_;
  mutable std::mutex mutex_;
  MainLive main_;
  std::chrono::steady_clock::time_point start_;
};

// Each part of `sink` with its counters; call on the thread that drives the sink.
std::vector<SinkLive> sink_stats(const Sink& sink);

// The one line printed every --stats-interval seconds: rates since `previous`.
std::string stats_line(const StatsSnapshot& now, const StatsSnapshot& previous);
// Prometheus text exposition format 0.0.4: every counter table per core, the exporter's,
// per port, per sink. A counter is flowprobe_<metric> (CounterDef::metric, or its name with
// '_' for '.'), "_total" for counters.
std::string prometheus_text(const StatsSnapshot& s);
// The same counters as one JSON object (the --stats-file); a counter's key is its
// Prometheus name without "flowprobe_" and "_total".
std::string stats_json(const StatsSnapshot& s, const StatsSnapshot& previous);

}  // namespace flowprobe::ops
