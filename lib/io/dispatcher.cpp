#include "io/dispatcher.hpp"

#include <rte_pause.h>
#include <rte_prefetch.h>
#include <sched.h>

#include <algorithm>

#include "flow/flow_key.hpp"

namespace flowprobe {

Dispatcher::Dispatcher(const DispatcherConfig& config, std::vector<rte_ring*> rings)
    : config_(config),
      rings_(std::move(rings)),
      dropped_(config.cores, 0),
      out_(config.cores),
      out_n_(config.cores, 0),
      scratch_(std::make_unique<std::array<uint8_t, 262144>>()) {}

uint64_t Dispatcher::dropped_total() const noexcept {
  uint64_t n = 0;
  for (uint64_t d : dropped_) n += d;
  return n;
}

unsigned Dispatcher::owner(const rte_mbuf* m) noexcept {
  PacketView pv;
  pv.link = config_.link;
  if (m->nb_segs == 1) {
    pv.bytes = {rte_pktmbuf_mtod(m, const uint8_t*), m->data_len};
  } else {
    uint32_t len = 0;
    for (const rte_mbuf* s = m; s != nullptr; s = s->next) len += s->data_len;
    len = std::min<uint32_t>({len, m->pkt_len, static_cast<uint32_t>(scratch_->size())});
    const void* p = rte_pktmbuf_read(m, 0, len, scratch_->data());
    pv.bytes = {static_cast<const uint8_t*>(p), p ? len : 0};
  }
  // Accounting carriers too, a tunnel's packets stay with the core of its carrier's flow
  // (the outer key), with every inner flow it carries.
  DecodeOptions opts = config_.decode;
  if (opts.account_carrier) opts.decapsulate = false;
  const DecodeOutcome o = decode(pv, dp_, opts);
  if (o == DecodeOutcome::ipv4_fragment || o == DecodeOutcome::ipv6_fragment) {
    if (!fragments_.recall(dp_, 0)) return 0;
  } else if (!is_tracked(o)) {
    return 0;
  } else if (dp_.fragment) {
    fragments_.remember(dp_, 0);
  }
  KeySide side;
  const uint64_t h = hash_flow_key(make_flow_key(dp_, side, config_.key_tunnel_id));
  // The table indexes by the low bits; the high ones pick the core, so each core's share
  // of keys still spreads evenly over its own index.
  return static_cast<unsigned>(((h >> 32) * config_.cores) >> 32);
}

uint16_t Dispatcher::split(rte_mbuf** bufs, uint16_t n) noexcept {
  uint16_t kept = 0;
  for (uint16_t i = 0; i < n; ++i) {
    if (i + 1 < n) rte_prefetch0(rte_pktmbuf_mtod(bufs[i + 1], void*));
    const unsigned c = owner(bufs[i]);
    if (c == 0) bufs[kept++] = bufs[i];
    else out_[c][out_n_[c]++] = bufs[i];
  }
  for (unsigned c = 1; c < config_.cores; ++c) {
    const uint16_t want = out_n_[c];
    if (want == 0) continue;
    out_n_[c] = 0;
    uint16_t done = 0;
    for (unsigned spins = 0;;) {
      done += static_cast<uint16_t>(
          rte_ring_sp_enqueue_burst(rings_[c], reinterpret_cast<void* const*>(&out_[c][done]), want - done, nullptr));
      if (done == want || !config_.wait_on_full) break;
      // Offline input loses nothing: wait for the core to make room. It may share this
      // CPU (more lcores than CPUs), so after a short spin give it the CPU.
      if (++spins < 64) rte_pause();
      else sched_yield();
    }
    dispatched_ += done;
    if (done < want) {
      // A live port cannot wait: the core is behind, and the loss is counted.
      dropped_[c] += want - done;
      rte_pktmbuf_free_bulk(&out_[c][done], want - done);
    }
  }
  return kept;
}

}  // namespace flowprobe
