#pragma once
// One RX lcore: rte_eth_rx_burst (or the dispatcher's ring) -> decode -> flow table ->
// inspect (L7, rules) -> this core's single-producer rings. Data goes one way: each stage
// returns what it produced (the table its finished flows, inspection its output per
// burst) and this loop puts it on the rings; no stage calls back into io. Owns everything
// it touches.
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <array>
#include <atomic>
#include <memory>
#include <span>
#include <vector>

#include "io/rx_counters.hpp"
#include "assets/asset_tracker.hpp"
#include "decode/decoder.hpp"
#include "dpi/l7_engine.hpp"
#include "flow/flow_table.hpp"
#include "flow/fragment_map.hpp"
#include "io/record_ring.hpp"
#include "ops/packet_capture.hpp"

namespace flowprobe {

class Dispatcher;
namespace ops {
class LiveCounters;
}

struct RxWorkerConfig {
  uint16_t port = 0;
  uint16_t queue = 0;
  uint16_t core_index = 0;
  LinkType link = LinkType::ethernet;
  bool pcap_timestamps = false;    // mbufs carry the pcap's µs timestamp (net_pcap)
  bool offline = false;            // file input: wait for ring space instead of dropping
  uint64_t expected_packets = 0;   // offline: stop once this many were consumed
  uint64_t max_packets = 0;        // stop after this many packets (0 = no limit; replay loop)
  // Software dispatch (ports without RSS): core 0 reads the port and gives the other
  // cores their flows' packets through `dispatcher`; every other core reads `feed`.
  Dispatcher* dispatcher = nullptr;  // set on the core that reads the port and dispatches
  rte_ring* feed = nullptr;          // set on a core fed by the dispatcher (never reads the port)
  const std::atomic<bool>* feed_done = nullptr;  // the dispatcher's "no more packets"
  FlowTableConfig flow;
  DecodeOptions decode;
  dpi::L7Config l7;                // nDPI + dissectors (l7.enabled = false: flow fields only)
  AssetConfig assets;              // asset sightings (with an event ring)
  ops::LiveCounters* live = nullptr;  // where this core publishes its counters for --stats-* (null: nowhere)
  ops::CaptureBuffer* capture = nullptr;  // --capture: this core's first packets are copied here
};

class RxWorker final {
 public:
  // `alert_ring` (may be null without --rules) carries sig::Alert records to the exporter.
  // `event_ring` (null: no asset events) carries AssetEvent records the same way.
  // `tx_ring` (null: transactions are only counted) carries dpi::TxRecord words.
  RxWorker(const RxWorkerConfig& config, rte_ring* ring, std::atomic<int>& running, rte_ring* alert_ring = nullptr,
           rte_ring* event_ring = nullptr, rte_ring* tx_ring = nullptr);
  // The lcore body; returns when the input ends or stop_requested() is set.
  int run();

  // Every stage's counter tables on this core, in a fixed order (the same on every core):
  // the readers' view (core/counters.hpp).
  std::span<const CounterSource> counter_sources() const { return sources_; }
  const CounterSchema& counter_schema() const { return schema_; }
  // What this core lost: records to a full exporter ring.
  uint64_t records_ring_full() const { return counters_.records_ring_full; }
  // Alerts this core put on its ring so far (a rule reload waits for the exporter to drain them).
  uint64_t alerts_enqueued() const { return alert_ring_counters_.enqueued; }
  // nullptr when L7 is off.
  const dpi::L7Engine* l7() const { return l7_.get(); }

  // Rule reload, from the main lcore: offer a scanner built for the new rule set; the RX
  // core swaps it in at its next burst boundary and hands the old one back.
  void offer_scanner(sig::PerCoreScanner* next, uint32_t generation) noexcept {
    offered_generation_ = generation;
    next_scanner_.store(next, std::memory_order_release);
  }
  bool scanner_taken() const noexcept { return next_scanner_.load(std::memory_order_acquire) == nullptr; }
  // The scanner the RX core stopped using (null until it swapped); ownership moves to the caller.
  sig::PerCoreScanner* take_retired_scanner() noexcept { return retired_scanner_.exchange(nullptr, std::memory_order_acq_rel); }
  // After the core stopped: the offer it never took.
  sig::PerCoreScanner* withdraw_offer() noexcept { return next_scanner_.exchange(nullptr, std::memory_order_acq_rel); }
  // Alerts this core had queued when it last swapped scanners, every one of them naming an
  // older rule set; valid once take_retired_scanner() returned the scanner it replaced.
  uint64_t alerts_queued_before_swap() const noexcept { return alerts_at_swap_; }
  bool input_complete() const { return input_complete_; }
  // False once run() has returned.
  bool running() const { return !finished_.load(std::memory_order_acquire); }
  // Seconds from the first packet to the last (the core's busy time for rates).
  double active_seconds() const { return active_seconds_; }

 private:
  bool input_exhausted();
  void publish_live() noexcept;
  // Decode, flow update and per-packet accounting of one burst, in arrival order.
  void process_burst(rte_mbuf** bufs, uint16_t n, uint64_t burst_ns, uint64_t& now_ns) noexcept;
  // The flows the table finished go to inspection (or, without it, straight out).
  void take_finished() noexcept;
  void account_carrier(const PacketView& pv) noexcept;
  // Expiry and the final flush, in batches of the table's finished capacity.
  void expire(uint64_t now_ns) noexcept;
  void flush() noexcept;
  // Puts what inspection produced on the rings and clears it.
  void deliver() noexcept;
  void enqueue_record(const ExportItem& item) noexcept;
  void enqueue_alert(const sig::Alert& alert) noexcept;
  void enqueue_tx(const dpi::TxRecord& tx) noexcept;

  RxWorkerConfig config_;
  rte_ring* ring_;
  rte_ring* alert_ring_;
  rte_ring* event_ring_;
  std::unique_ptr<AssetTracker> assets_;
  AssetEvent event_;
  void send_event() noexcept;
  std::atomic<int>& running_;
  RxCounters counters_;
  DecodeCounters decode_;
  RingCounters alert_ring_counters_, event_ring_counters_, tx_ring_counters_;
  rte_ring* tx_ring_ = nullptr;  // transaction records (null: only counted)
  std::vector<CounterSource> sources_;
  CounterSchema schema_;
  std::vector<uint64_t> live_scratch_;  // publish_live's copy, allocated at start
  FlowTable table_;
  FragmentMap fragments_;              // first fragments' ports, for the fragments after them
  std::unique_ptr<dpi::L7Engine> l7_;  // built here, on the main lcore: nDPI's init is not thread-safe
  ExportItem item_;                    // a record without inspection, laid out for the ring
  std::atomic<bool> finished_{false};
  std::atomic<sig::PerCoreScanner*> next_scanner_{nullptr};
  std::atomic<sig::PerCoreScanner*> retired_scanner_{nullptr};
  uint32_t offered_generation_ = 0;    // written before next_scanner_ is released
  uint32_t generation_ = 0;            // rule set this core's scanner runs
  uint64_t alerts_at_swap_ = 0;        // written before retired_scanner_ is released
  void swap_scanner_if_offered() noexcept;
  int ts_offset_ = -1;
  uint64_t ts_flag_ = 0;
  bool input_complete_ = false;
  bool wait_on_full_ = false;
  double active_seconds_ = 0;
  // Room to linearise a packet that spans chained mbufs (jumbo frames from net_pcap).
  std::unique_ptr<std::array<uint8_t, 262144>> scratch_;
};

}  // namespace flowprobe
