#pragma once
// The exporter lcore: drains the RX cores' rings in batches, encodes JSON, hands it to
// the sink. Runs until every RX core has stopped and its ring is empty.
#include <rte_ring.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "export/export_counters.hpp"
#include "export/json_encoder.hpp"
#include "export/sink.hpp"
#include "signatures/rule_sets.hpp"

namespace flowprobe {

class ZeekLogWriter;
class AssetLogWriter;

class Exporter {
 public:
  Exporter(std::vector<rte_ring*> rings, const JsonEncoder& encoder, Sink& sink, std::atomic<int>& rx_running,
           const ExportContext& context);
  // Alerts (--rules): one ring per RX core, written as eve JSON to their own sink; an
  // alert names its rule set by generation in `rule_sets`.
  void set_alerts(std::vector<rte_ring*> rings, Sink* sink, const sig::RuleSets* rule_sets) {
    alert_rings_ = std::move(rings);
    alert_sink_ = sink;
    rule_sets_ = rule_sets;
    alerts_drained_.assign(alert_rings_.size(), 0);
  }
  // Alerts taken from RX core `ring`'s ring so far: a rule set is retired once every
  // core's count passes what that core had queued when it stopped using the set.
  uint64_t alerts_drained(std::size_t ring) const { return alerts_drained_[ring]; }
  // Asset events (ARP, NDP, DHCP, … sightings): one ring per RX core, JSON lines to `sink`
  // (null: none) but for repeats (AssetEvent::repeat), and every one to `logs` (the asset
  // logs under --zeek-logs; null: none).
  void set_events(std::vector<rte_ring*> rings, Sink* sink, AssetLogWriter* logs = nullptr) {
    event_rings_ = std::move(rings);
    event_sink_ = sink;
    asset_logs_ = logs;
  }
  // Transactions (each HTTP request, DNS query, handshake, …): one ring of 8-byte words per
  // RX core; eve JSON to `sink` (null: none) and rows of their Zeek logs (set_zeek_logs).
  void set_transactions(std::vector<rte_ring*> rings, Sink* sink) {
    tx_rings_ = std::move(rings);
    tx_sink_ = sink;
  }
  // --zeek-logs: every record also becomes Zeek TSV lines; flushed with the sinks. The
  // caller finishes it (#close) after run().
  void set_zeek_logs(ZeekLogWriter* zeek) { zeek_ = zeek; }
  // Rule reloads: `request` on SIGHUP, `poll` on every pass of the loop (must return quickly).
  void set_rule_reload(std::function<void()> request, std::function<void()> poll) {
    rules_request_ = std::move(request);
    rules_poll_ = std::move(poll);
  }
  void run();
  const ExportCounters& counters() const { return counters_; }
  // Called on this (the main) lcore every `every_tsc` cycles and once at the end, for
  // the live statistics: the sinks are read only from the thread that drives them.
  // SIGHUP: asked between two records on this lcore for a new encoder (null: keep the
  // current one). RX cores never stop, so no packet is lost to a reload.
  void set_reload(std::function<const JsonEncoder*()> reload) { reload_ = std::move(reload); }
  void set_tick(std::function<void(const ExportCounters&)> tick, uint64_t every_tsc) {
    tick_ = std::move(tick);
    tick_every_ = every_tsc;
  }

 private:
  std::vector<rte_ring*> rings_;
  const JsonEncoder* encoder_;
  std::function<const JsonEncoder*()> reload_;
  Sink& sink_;
  std::atomic<int>& rx_running_;
  ExportCounters counters_;
  ExportContext ctx_;
  std::string batch_;
  std::string keys_;  // one message key per record in batch_, when the sink wants them
  std::vector<rte_ring*> alert_rings_;
  Sink* alert_sink_ = nullptr;
  const sig::RuleSets* rule_sets_ = nullptr;
  std::vector<uint64_t> alerts_drained_;
  std::function<void()> rules_request_, rules_poll_;
  std::vector<rte_ring*> event_rings_;
  Sink* event_sink_ = nullptr;
  AssetLogWriter* asset_logs_ = nullptr;
  ZeekLogWriter* zeek_ = nullptr;
  std::vector<rte_ring*> tx_rings_;
  Sink* tx_sink_ = nullptr;
  unsigned drain_transactions();
  std::string alert_batch_;
  unsigned drain_side_rings();  // alerts and asset events
  std::function<void(const ExportCounters&)> tick_;
  uint64_t tick_every_ = 0;
};

}  // namespace flowprobe
