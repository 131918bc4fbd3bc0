#pragma once
// Runs the data path: EAL, port, N RX lcores (decode -> flow table -> ring), the exporter
// on the main lcore, never an RX lcore (ring -> JSON -> sink), until the input ends or a
// signal asks to stop; then every active flow is exported and the counters collected.
// With N > 1 each RX lcore owns the flows of one RX queue when the port can spread
// traffic with symmetric RSS, else the first RX lcore reads the port and dispatches
// packets by flow to the others (io/dispatcher.hpp).
#include <atomic>
#include <functional>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/counters.hpp"
#include "export/export_counters.hpp"
#include "export/json_encoder.hpp"
#include "export/sink.hpp"
#include "export/zeek_logs.hpp"
#include "export/asset_logs.hpp"
#include "flow/flow_table.hpp"
#include "io/input.hpp"
#include "assets/asset_tracker.hpp"
#include "dpi/l7_engine.hpp"
#include "ops/packet_capture.hpp"
#include "ops/stats.hpp"
#include "signatures/rule_sets.hpp"

namespace flowprobe {

struct ProbeConfig {
  InputSpec input;
  std::vector<std::string> eal_extra;  // user's pass-through EAL arguments
  FlowTableConfig flow;
  DecodeOptions decode;
  dpi::L7Config l7;                    // nDPI + dissectors per RX core
  unsigned rx_cores = 1;               // RX lcores, each with its own flow table and ring
  uint64_t max_packets = 0;            // stop after this many packets per RX queue (0 = until the input ends)
  uint32_t ring_size = 65536;          // records per RX->exporter ring
  ExportContext export_context;        // seeds for values computed at export (Community ID seed)
  bool verbose = false;
  Sink* alert_sink = nullptr;          // where eve alerts go (with l7.rules)
  Sink* event_sink = nullptr;          // where asset events go (null: no asset tracking)
  // Where transactions go as eve JSON (--transactions-output/-kafka-topic); with
  // l7.transactions and no sink, they feed only the Zeek logs.
  Sink* tx_sink = nullptr;
  AssetConfig assets;
  // The rule sets alerts may name, the first being l7.rules; SIGHUP reloads from rule_paths
  // add one and retire those nothing refers to any more.
  sig::RuleSets* rule_sets = nullptr;
  std::vector<std::string> rule_paths;
  ops::StatsHub* stats = nullptr;      // live statistics (--stats-*); null: none
  ops::PacketCapture* capture = nullptr;  // --capture; null: none
  ZeekLogWriter* zeek_logs = nullptr;     // --zeek-logs; null: none (finished by the caller)
  // The asset logs written with the Zeek logs (every sighting, repeats too: assets.send_repeats);
  // null: none (finished by the caller, before zeek_logs).
  AssetLogWriter* asset_logs = nullptr;
  std::function<const JsonEncoder*()> reload;  // SIGHUP: a new encoder, or null to keep the old
  // Called once the port is started, before any RX core runs (--user drops root here);
  // false (with the error) stops the run.
  std::function<bool(std::string& error)> on_port_started;
};

struct PortReport {
  uint16_t port_id = 0;
  std::string name;
  std::string driver;
  uint64_t ipackets = 0, ibytes = 0, imissed = 0, ierrors = 0, rx_nombuf = 0;
};

enum class RxMode { single_queue, rss, software_dispatch };
const char* rx_mode_name(RxMode m);

struct RunReport {
  uint64_t rule_reloads = 0;        // SIGHUP reloads swapped in
  uint64_t rule_reload_failed = 0;  // reloads whose rules did not load (old ones kept)
  uint64_t rule_sets_retired = 0;   // old rule sets freed once nothing referred to them
  RxMode rx_mode = RxMode::single_queue;
  std::string rss_detail;          // rss: key size and hash types used
  CounterSchema rx_schema;         // the RX cores' counter tables (the same on every core)
  std::vector<uint64_t> rx;        // their values summed over the RX cores
  std::vector<std::vector<uint64_t>> per_core;
  // A counter summed over the RX cores, or on one core (0 when there is no such counter).
  uint64_t rx_value(std::string_view name) const { return counter_value(rx_schema, rx, name); }
  uint64_t core_value(std::size_t core, std::string_view name) const {
    return core < per_core.size() ? counter_value(rx_schema, per_core[core], name) : 0;
  }
  std::vector<uint64_t> core_drops;  // per RX core: records lost to a full ring + its packets lost at dispatch
  uint64_t dispatched = 0;         // packets the dispatching core handed to other RX cores
  uint64_t dispatch_dropped = 0;   // of those, lost to a full dispatch ring (live input only)
  std::vector<double> core_seconds;  // each RX core's time from its first packet to its stop
  ExportCounters exporter;
  std::vector<PortReport> ports;
  bool input_complete = false;     // every readable packet of an offline input was read
  bool stopped_by_signal = false;
  double wall_seconds = 0;
};

// Set from a signal handler: RX cores stop, flows are flushed, the exporter drains.
std::atomic<bool>& stop_requested();
// Set from SIGHUP's handler: the exporter asks ProbeConfig::reload for a new encoder.
std::atomic<bool>& reload_requested();

// Returns 0 on success; on a start-up failure returns non-zero with `error` set.
int run_probe(const ProbeConfig& config, const JsonEncoder& encoder, Sink& sink, RunReport& report,
              std::string& error);

}  // namespace flowprobe
