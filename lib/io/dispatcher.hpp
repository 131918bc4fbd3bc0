#pragma once
// Software RSS for ports that cannot spread traffic over queues (net_pcap, a single-queue
// af_packet): the first RX lcore reads the port and hands each packet to the RX core that
// owns its flow, over one single-producer/single-consumer ring of mbufs per core.
//
// The owner comes from the same symmetric FlowKey hash the flow table uses, computed on
// the decoded packet, so both directions of a flow (and a tunnelled flow, whose key is the
// inner 5-tuple) always reach the same core and its table.
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "decode/decoder.hpp"
#include "flow/fragment_map.hpp"

namespace flowprobe {

struct DispatcherConfig {
  unsigned cores = 1;            // RX cores the flows are spread over (the caller is core 0)
  LinkType link = LinkType::ethernet;
  DecodeOptions decode;
  bool key_tunnel_id = false;    // as the flow tables key flows
  bool wait_on_full = false;     // offline input: wait for room instead of dropping
};

class Dispatcher {
 public:
  // rings[c] feeds RX core c (c >= 1); rings[0] is unused: core 0 keeps its own packets.
  Dispatcher(const DispatcherConfig& config, std::vector<rte_ring*> rings);

  // The RX core that owns this packet's flow. Packets that carry no flow (not IP,
  // malformed) stay with core 0, which counts their decode outcome.
  unsigned owner(const rte_mbuf* m) noexcept;

  // Hands the packets of other cores' flows in bufs[0..n) to their rings and compacts the
  // ones core 0 keeps to the front, in arrival order; returns how many it kept.
  uint16_t split(rte_mbuf** bufs, uint16_t n) noexcept;

  // No packet will follow: RX cores fed by the rings drain them and stop.
  void finish() noexcept { done_.store(true, std::memory_order_release); }
  const std::atomic<bool>& done() const noexcept { return done_; }

  uint64_t dispatched() const noexcept { return dispatched_; }
  // Packets for core c dropped because its ring was full (live input only).
  uint64_t dropped(unsigned core) const noexcept { return core < dropped_.size() ? dropped_[core] : 0; }
  uint64_t dropped_total() const noexcept;

 private:
  static constexpr uint16_t kMaxBurst = 64;
  DispatcherConfig config_;
  std::vector<rte_ring*> rings_;
  std::atomic<bool> done_{false};
  uint64_t dispatched_ = 0;
  std::vector<uint64_t> dropped_;
  // Per target core, the packets of the burst being split.
  std::vector<std::array<rte_mbuf*, kMaxBurst>> out_;
  std::vector<uint16_t> out_n_;
  DecodedPacket dp_;
  // Sends a datagram's non-first fragments to the core its first fragment went to. No
  // clock here: entries age out only by being replaced (a stale hit only means the
  // owning core counts the fragment as unattributed).
  FragmentMap fragments_;
  std::unique_ptr<std::array<uint8_t, 262144>> scratch_;  // linearised chained mbufs
};

}  // namespace flowprobe
