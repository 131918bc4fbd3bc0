#pragma once
// Live statistics: where the RX cores and the exporter publish their counters while the
// probe runs, and the three ways they are shown (one line every N seconds, Prometheus
// text, a JSON file). No DPDK here: io/ publishes, ops/ reads.
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/counters.hpp"
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

// What the main-lcore side publishes (every ~250 ms, under a mutex: never on an RX core).
struct MainLive {
  uint64_t records_encoded = 0;
  std::vector<PortLive> ports;
  std::vector<SinkLive> sinks;
};

struct StatsSnapshot {
  double uptime_s = 0;
  std::vector<RxLiveValues> cores;
  MainLive main;
  RxLiveValues rx_total() const;
  SinkLive sink_total() const;
  PortLive port_total() const;
};

class StatsHub {
 public:
  static constexpr unsigned kMaxRxCores = 128;
  StatsHub();
  // Before the RX cores start: how many slots are in use. Each core gets its own slot.
  void set_rx_cores(unsigned n);
  RxLive* rx_slot(unsigned core) { return core < kMaxRxCores ? &rx_[core] : nullptr; }
  void publish_main(MainLive live);
  // After the run, when the sinks have drained (their final counts).
  void publish_sinks(std::vector<SinkLive> sinks);
  StatsSnapshot snapshot() const;

 private:
  std::unique_ptr<RxLive[]> rx_;
  std::atomic<unsigned> rx_cores_{0};
  mutable std::mutex mutex_;
  MainLive main_;
  std::chrono::steady_clock::time_point start_;
};

// Each part of `sink` with its counters; call on the thread that drives the sink.
std::vector<SinkLive> sink_stats(const Sink& sink);

// The one line printed every --stats-interval seconds: rates since `previous`.
std::string stats_line(const StatsSnapshot& now, const StatsSnapshot& previous);
// Prometheus text exposition format 0.0.4: per core, per port, per sink.
std::string prometheus_text(const StatsSnapshot& s);
// The same counters as one JSON object (the --stats-file).
std::string stats_json(const StatsSnapshot& s, const StatsSnapshot& previous);

}  // namespace flowprobe::ops
