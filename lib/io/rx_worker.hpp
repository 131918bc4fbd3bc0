#pragma once
// One RX lcore: rte_eth_rx_burst (or the dispatcher's ring) -> decode -> flow table;
// finished flows go into this core's single-producer ring. Owns everything it touches.
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <array>
#include <atomic>
#include <memory>

#include "core/counters.hpp"
#include "decode/decoder.hpp"
#include "flow/flow_table.hpp"

namespace flowprobe {

class Dispatcher;

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
};

class RxWorker final : public RecordSink {
 public:
  RxWorker(const RxWorkerConfig& config, rte_ring* ring, std::atomic<int>& running);
  // The lcore body; returns when the input ends or stop_requested() is set.
  int run();
  void emit(const FlowRecord& record) noexcept override;

  const RxCounters& counters() const { return counters_; }
  bool input_complete() const { return input_complete_; }
  // Seconds from the first packet to the last (the core's busy time for rates).
  double active_seconds() const { return active_seconds_; }

 private:
  bool input_exhausted();
  // Decode, flow update and per-packet accounting of one burst, in arrival order.
  void process_burst(rte_mbuf** bufs, uint16_t n, uint64_t burst_ns, uint64_t& now_ns) noexcept;

  RxWorkerConfig config_;
  rte_ring* ring_;
  std::atomic<int>& running_;
  RxCounters counters_;
  FlowTable table_;
  int ts_offset_ = -1;
  uint64_t ts_flag_ = 0;
  bool input_complete_ = false;
  bool wait_on_full_ = false;
  double active_seconds_ = 0;
  // Room to linearise a packet that spans chained mbufs (jumbo frames from net_pcap).
  std::unique_ptr<std::array<uint8_t, 262144>> scratch_;
};

}  // namespace flowprobe
