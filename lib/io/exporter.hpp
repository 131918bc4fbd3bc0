#pragma once
// The exporter lcore: drains the RX cores' rings in batches, encodes JSON, hands it to
// the sink. Runs until every RX core has stopped and its ring is empty.
#include <rte_ring.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/counters.hpp"
#include "export/json_encoder.hpp"
#include "export/sink.hpp"
#include "signatures/signature_engine.hpp"

namespace flowprobe {

class Exporter {
 public:
  Exporter(std::vector<rte_ring*> rings, const JsonEncoder& encoder, Sink& sink, std::atomic<int>& rx_running,
           const ExportContext& context);
  // Alerts (--rules): one ring per RX core, written as eve JSON to their own sink; an
  // alert names its rule set by generation (an index into `rule_sets`, which reloads grow).
  void set_alerts(std::vector<rte_ring*> rings, Sink* sink,
                  const std::vector<std::unique_ptr<sig::SignatureEngine>>* rule_sets) {
    alert_rings_ = std::move(rings);
    alert_sink_ = sink;
    rule_sets_ = rule_sets;
  }
  // Called on every pass of the loop (rule reloads); must return quickly.
  void set_tick(std::function<void()> tick) { tick_ = std::move(tick); }
  void run();
  const ExportCounters& counters() const { return counters_; }

 private:
  std::vector<rte_ring*> rings_;
  const JsonEncoder& encoder_;
  Sink& sink_;
  std::atomic<int>& rx_running_;
  ExportCounters counters_;
  ExportContext ctx_;
  std::string batch_;
  std::string keys_;  // one message key per record in batch_, when the sink wants them
  std::vector<rte_ring*> alert_rings_;
  Sink* alert_sink_ = nullptr;
  const std::vector<std::unique_ptr<sig::SignatureEngine>>* rule_sets_ = nullptr;
  std::function<void()> tick_;
  std::string alert_batch_;
  unsigned drain_alerts();
};

}  // namespace flowprobe
