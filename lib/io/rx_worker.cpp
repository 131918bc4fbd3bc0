#include "io/rx_worker.hpp"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_pause.h>
#include <rte_prefetch.h>
#include <rte_ring.h>
#include <sched.h>
#include <time.h>

#include <algorithm>

#include "dissectors/cclink_ie/cclink_ie.hpp"
#include "core/log.hpp"
#include "core/tsc.hpp"
#include "io/dispatcher.hpp"
#include "io/probe.hpp"
#include "ops/stats.hpp"

namespace flowprobe {

namespace {
constexpr uint16_t kBurst = 32;
// Below this many active flows the table stays in cache and the prefetch pass would only
// add a second key hash per packet (BM_FlowLookupBurst/1000 vs BM_FlowLookup/1000).
constexpr uint32_t kPrefetchAboveFlows = 16384;

uint64_t wall_ns() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * kNsPerSec + static_cast<uint64_t>(ts.tv_nsec);
}
}  // namespace

RxWorker::RxWorker(const RxWorkerConfig& config, rte_ring* ring, std::atomic<int>& running, rte_ring* alert_ring,
                   rte_ring* event_ring, rte_ring* tx_ring)
    : config_(config),
      ring_(ring),
      alert_ring_(alert_ring),
      event_ring_(event_ring),
      assets_(event_ring ? std::make_unique<AssetTracker>(config.assets) : nullptr),
      running_(running),
      table_(config.flow, config.core_index),
      l7_(config.l7.enabled ? std::make_unique<dpi::L7Engine>(
                                  [&] {
                                    // Rules run only when their alerts have somewhere to go.
                                    dpi::L7Config c = config.l7;
                                    if (alert_ring == nullptr) c.rules = nullptr;
                                    // Transaction records only when a ring carries them.
                                    c.transactions = tx_ring != nullptr;
                                    return c;
                                  }(),
                                  config.core_index)
                            : nullptr),
      wait_on_full_(config.offline),
      scratch_(std::make_unique<std::array<uint8_t, 262144>>()) {
  // Every stage's table, in a fixed order; stages this core does not run have none.
  sources_.push_back(counter_source(kRxCounterDefs, counters_));
  sources_.push_back(counter_source(kDecodeCounterDefs, decode_));
  sources_.push_back(counter_source(kFlowCounterDefs, table_.counters()));
  if (l7_) l7_->counter_sources(sources_);
  if (alert_ring_ != nullptr) sources_.push_back(counter_source(kAlertRingCounterDefs, alert_ring_counters_));
  tx_ring_ = l7_ ? tx_ring : nullptr;
  if (tx_ring_ != nullptr) sources_.push_back(counter_source(kTxRingCounterDefs, tx_ring_counters_));
  if (assets_) {
    sources_.push_back(asset_counter_source(assets_->counters()));
    sources_.push_back(counter_source(kEventRingCounterDefs, event_ring_counters_));
  }
  schema_ = schema_of(sources_);
  live_scratch_.resize(schema_.defs.size());
  if (config_.pcap_timestamps) {
    ts_offset_ = rte_mbuf_dynfield_lookup(RTE_MBUF_DYNFIELD_TIMESTAMP_NAME, nullptr);
    const int bit = rte_mbuf_dynflag_lookup(RTE_MBUF_DYNFLAG_RX_TIMESTAMP_NAME, nullptr);
    if (ts_offset_ >= 0 && bit >= 0) ts_flag_ = 1ull << bit;
    else ts_offset_ = -1;
  }
}


void RxWorker::send_event() noexcept {
  // As for records: offline input waits, a live port counts the loss.
  while (rte_ring_sp_enqueue_elem(event_ring_, &event_, sizeof(AssetEvent)) != 0) {
    if (!wait_on_full_) {
      ++event_ring_counters_.ring_full;
      return;
    }
    rte_pause();
  }
  ++event_ring_counters_.enqueued;
}

void RxWorker::enqueue_record(const ExportItem& item) noexcept {
  const unsigned words = words_of(item.flow);
  // A file cannot overflow, so offline replay waits for the exporter and loses nothing;
  // a live port must never stall on an exporter, so there the loss is counted.
  while (rte_ring_sp_enqueue_bulk_elem(ring_, &item, 8, words, nullptr) == 0) {
    if (!wait_on_full_) {
      ++counters_.records_ring_full;
      return;
    }
    rte_pause();
  }
  ++counters_.records_enqueued;
}

void RxWorker::take_finished() noexcept {
  const std::span<FinishedFlow> done = table_.finished();
  if (done.empty()) return;
  if (l7_) {
    l7_->finish_flows(done);
  } else {
    for (const FinishedFlow& f : done) {
      item_.flow = f.record;
      enqueue_record(item_);
    }
  }
  table_.clear_finished();
  if (l7_ && l7_->output().half_full()) deliver();
}

void RxWorker::account_carrier(const PacketView& pv) noexcept {
  // The packet decoded again without decapsulation: its outermost IP header is the
  // carrier's flow (flow fields only; DPI and rules see the inner flow). Only tunnelled
  // packets come here, so others pay one test.
  DecodedPacket outer;
  DecodeOptions no_decap;
  no_decap.decapsulate = false;
  if (!is_tracked(decode(pv, outer, no_decap))) return;  // cannot be: the inner packet came from it
  table_.on_packet(outer, pv.ts_ns, config_.port);
  take_finished();
  ++counters_.carrier_packets;
}

void RxWorker::expire(uint64_t now_ns) noexcept {
  while (table_.expire(now_ns)) take_finished();
  take_finished();
}

void RxWorker::flush() noexcept {
  while (table_.flush(FlowEndCause::end_of_capture)) take_finished();
  take_finished();
  deliver();
}

void RxWorker::deliver() noexcept {
  if (!l7_) return;
  dpi::InspectOutput& out = l7_->output();
  for (const ExportItem& item : out.flows()) enqueue_record(item);
  for (const sig::Alert& a : out.alerts().alerts()) enqueue_alert(a);
  for (const dpi::TxRecord& t : out.txs()) enqueue_tx(t);
  out.clear();
}

void RxWorker::enqueue_tx(const dpi::TxRecord& tx) noexcept {
  // Its header and its protocol's part only, as one bulk of words; as for records,
  // offline input waits and a live port counts the loss.
  while (rte_ring_sp_enqueue_bulk_elem(tx_ring_, &tx, 8, tx.words, nullptr) == 0) {
    if (!wait_on_full_) {
      ++tx_ring_counters_.ring_full;
      return;
    }
    rte_pause();
  }
  ++tx_ring_counters_.enqueued;
}

void RxWorker::swap_scanner_if_offered() noexcept {
  sig::PerCoreScanner* next = next_scanner_.load(std::memory_order_acquire);
  if (next == nullptr || !l7_) return;
  std::unique_ptr<sig::PerCoreScanner> old = l7_->swap_scanner(std::unique_ptr<sig::PerCoreScanner>(next));
  generation_ = offered_generation_;
  alerts_at_swap_ = alert_ring_counters_.enqueued;
  retired_scanner_.store(old.release(), std::memory_order_release);
  next_scanner_.store(nullptr, std::memory_order_release);
}

void RxWorker::enqueue_alert(const sig::Alert& alert) noexcept {
  sig::Alert a = alert;
  a.generation = generation_;
  // Same rule as flow records: offline input waits, a live port counts the loss.
  while (rte_ring_sp_enqueue_elem(alert_ring_, &a, sizeof(sig::Alert)) != 0) {
    if (!wait_on_full_) {
      ++alert_ring_counters_.ring_full;
      return;
    }
    rte_pause();
  }
  ++alert_ring_counters_.enqueued;
}

bool RxWorker::input_exhausted() {
  if (!config_.offline || config_.expected_packets == 0) return false;
  rte_eth_stats st;
  if (rte_eth_stats_get(config_.port, &st) != 0) return false;
  // net_pcap counts a record it could not turn into an mbuf in rx_nombuf or ierrors.
  return counters_.rx_packets + st.rx_nombuf + st.ierrors >= config_.expected_packets;
}

void RxWorker::process_burst(rte_mbuf** bufs, uint16_t n, uint64_t burst_ns, uint64_t& now_ns) noexcept {
  PacketView pvs[kBurst];
  // decode() clears each one it fills: value-initialising 32 of them first cost as much
  // again (an empty-constructor union leaves them as they are).
  union Decoded {
    DecodedPacket at[kBurst];
    Decoded() {}
  } decoded;
  DecodedPacket* const dps = decoded.at;
  DecodeOutcome outcomes[kBurst];
  // Flow keys made once in pass 1 and used again by on_packet; left uninitialised (a
  // union with an empty constructor), as zeroing 32 keys would cost more than they save.
  union Keys {
    FlowTable::Keyed at[kBurst];
    Keys() {}
  } keys;
  // Pass 1: decode the burst and start the loads its flows will need (index slot, then
  // entry), so that 32 packets' cache misses overlap instead of following one another.
  // A packet in chained mbufs is decoded in pass 2: its bytes live in the one scratch.
  const bool prefetch = table_.active() > kPrefetchAboveFlows;
  for (uint16_t i = 0; i < n; ++i) {
    if (i + 1 < n) rte_prefetch0(rte_pktmbuf_mtod(bufs[i + 1], void*));
    rte_mbuf* m = bufs[i];
    PacketView& pv = pvs[i];
    pv.link = config_.link;
    pv.port = config_.port;
    pv.queue = config_.queue;
    pv.rss_hash = (m->ol_flags & RTE_MBUF_F_RX_RSS_HASH) ? m->hash.rss : 0;
    if (ts_offset_ >= 0 && (m->ol_flags & ts_flag_))
      pv.ts_ns = *RTE_MBUF_DYNFIELD(m, ts_offset_, rte_mbuf_timestamp_t*) * 1000ull;
    else
      pv.ts_ns = burst_ns;
    if (m->nb_segs != 1) continue;
    pv.bytes = {rte_pktmbuf_mtod(m, const uint8_t*), m->data_len};
    outcomes[i] = decode(pv, dps[i], config_.decode);
    if (is_tracked(outcomes[i])) keys.at[i] = prefetch ? table_.prefetch_index(dps[i]) : table_.key_of(dps[i]);
  }
  if (prefetch)
    for (uint16_t i = 0; i < n; ++i)
      if (bufs[i]->nb_segs == 1 && is_tracked(outcomes[i])) table_.prefetch_entry(keys.at[i].hash);

  // Pass 2, packet by packet in arrival order: the flow clock, the counters, the flow.
  for (uint16_t i = 0; i < n; ++i) {
    rte_mbuf* m = bufs[i];
    PacketView& pv = pvs[i];
    DecodedPacket& dp = dps[i];
    if (m->nb_segs != 1) {
      // Chained mbufs: copy into scratch, bounded by what the segments really hold.
      uint32_t len = 0;
      for (const rte_mbuf* s = m; s != nullptr; s = s->next) len += s->data_len;
      len = std::min<uint32_t>({len, m->pkt_len, static_cast<uint32_t>(scratch_->size())});
      const void* p = rte_pktmbuf_read(m, 0, len, scratch_->data());
      pv.bytes = {static_cast<const uint8_t*>(p), p ? len : 0};
      ++counters_.multiseg_packets;
      outcomes[i] = decode(pv, dp, config_.decode);
      if (is_tracked(outcomes[i])) keys.at[i] = table_.key_of(dp);
    }
    if (config_.capture != nullptr && config_.capture->wants()) config_.capture->add(pv.ts_ns, pv.bytes, m->pkt_len);
    // Expire before accounting: a flow quiet past its timeout must end before this
    // packet, wherever the burst boundaries fall (two compares when nothing is due).
    if (pv.ts_ns > now_ns) {
      now_ns = pv.ts_ns;
      expire(now_ns);
    }

    const DecodeOutcome o = outcomes[i];
    ++decode_.by_outcome[static_cast<std::size_t>(o)];
    counters_.tunnelled_packets += dp.tunnel_depth != 0;
    counters_.decap_failed += dp.decap_failed;
    if (is_tracked(o)) {
      if (dp.fragment) [[unlikely]]
        fragments_.remember(dp, pv.ts_ns);
      const FlowHit hit = table_.on_packet(dp, keys.at[i], pv.ts_ns, config_.port);
      take_finished();  // a flow its 5-tuple reuses, or one evicted for room
      if (l7_) {
        l7_->on_packet(hit, dp, pv.ts_ns);
        if (l7_->output().half_full()) deliver();
      }
      if (assets_ && assets_->on_packet(dp, false, pv.ts_ns, config_.port, event_)) send_event();
      if (dp.tunnel_depth != 0 && config_.decode.account_carrier) [[unlikely]]
        account_carrier(pv);
      if (!dp.tunnelled_arp.empty() && assets_) [[unlikely]] {
        DecodedPacket arp = dp;
        arp.payload = dp.tunnelled_arp;
        if (assets_->on_packet(arp, true, pv.ts_ns, config_.port, event_)) send_event();
      }
    } else if (o == DecodeOutcome::ipv4_fragment || o == DecodeOutcome::ipv6_fragment) {
      // Still counted under its decode outcome; this says whether its flow got it too.
      const bool found = fragments_.recall(dp, pv.ts_ns) && table_.on_fragment(dp, pv.ts_ns);
      ++(found ? counters_.fragments_attributed : counters_.fragments_unattributed);
    } else if (o == DecodeOutcome::arp && assets_ && assets_->on_packet(dp, true, pv.ts_ns, config_.port, event_)) {
      send_event();
    } else if (o == DecodeOutcome::cclink_ie && assets_ &&
               assets_->on_packet(dp, false, pv.ts_ns, config_.port, event_, dissect::kCclinkIeEtherType)) {
      send_event();
    }
  }
}

int RxWorker::run() {
  rte_mbuf* bufs[kBurst];
  const uint64_t hz = rte_get_tsc_hz();
  const uint64_t tsc0 = rte_rdtsc();
  const uint64_t wall0 = wall_ns();
  uint64_t now_ns = 0;              // the flow clock: packet time, never going back
  uint64_t idle_since = 0;          // TSC of the first empty poll in a row

  uint64_t first_tsc = 0, last_tsc = 0;
  // Live statistics: copy the counters out every 10 ms of TSC (see ops::LiveCounters).
  uint64_t publish_at = 0;
  const uint64_t publish_every = hz / 100;
  const bool fed = config_.feed != nullptr;
  if (!fed && config_.offline && config_.expected_packets == 0 && config_.max_packets == 0) input_complete_ = true;
  while (!input_complete_) {
    swap_scanner_if_offered();  // one relaxed load per burst when no reload is pending
    if (config_.live != nullptr && rte_rdtsc() >= publish_at) {
      publish_live();
      publish_at = rte_rdtsc() + publish_every;
    }
    uint16_t n = 0;
    if (fed) {
      // Fed by the dispatcher: stop once it is done and the ring is drained (a signal
      // stops the dispatcher first, so what it handed over is still accounted).
      const bool feed_done = config_.feed_done->load(std::memory_order_acquire);
      n = static_cast<uint16_t>(rte_ring_sc_dequeue_burst(config_.feed, reinterpret_cast<void**>(bufs), kBurst, nullptr));
      if (n == 0) {
        if (feed_done) {
          input_complete_ = true;
          break;
        }
        if (!config_.offline) {
          now_ns = std::max(now_ns, wall0 + tsc_ticks_to_ns(rte_rdtsc() - tsc0, hz));
          expire(now_ns);
          deliver();
        }
        // The dispatching core may share this CPU (more lcores than CPUs): let it run.
        sched_yield();
        continue;
      }
    } else {
      if (stop_requested().load(std::memory_order_relaxed)) break;
      if (config_.max_packets != 0 && counters_.rx_packets >= config_.max_packets) {
        input_complete_ = true;
        break;
      }
      n = rte_eth_rx_burst(config_.port, config_.queue, bufs, kBurst);
      if (n == 0) {
        if (config_.offline && config_.max_packets == 0) {
          if (input_exhausted()) {
            input_complete_ = true;
            break;
          }
          const uint64_t t = rte_rdtsc();
          if (idle_since == 0) idle_since = t;
          else if (t - idle_since > 5 * hz) {
            log(LogLevel::warning, "input %u went quiet after %lu of %lu packets; ending the replay",
                config_.port, static_cast<unsigned long>(counters_.rx_packets),
                static_cast<unsigned long>(config_.expected_packets));
            break;
          }
        } else {
          // Live input: let time run on with the wall clock so idle flows still expire.
          now_ns = std::max(now_ns, wall0 + tsc_ticks_to_ns(rte_rdtsc() - tsc0, hz));
          expire(now_ns);
          deliver();
        }
        rte_pause();
        continue;
      }
      idle_since = 0;
      counters_.rx_packets += n;
      for (uint16_t i = 0; i < n; ++i) counters_.rx_bytes += bufs[i]->pkt_len;
    }
    last_tsc = rte_rdtsc();
    if (first_tsc == 0) first_tsc = last_tsc;
    // Packets without a pcap timestamp (live ports, the preloaded replay loop) take the
    // TSC's time once per burst.
    const uint64_t burst_ns = wall0 + tsc_ticks_to_ns(last_tsc - tsc0, hz);
    // With software dispatch, this core keeps only its own flows' packets.
    if (config_.dispatcher != nullptr) n = config_.dispatcher->split(bufs, n);
    process_burst(bufs, n, burst_ns, now_ns);
    deliver();  // what inspecting the burst produced goes on the rings
    rte_pktmbuf_free_bulk(bufs, n);
  }
  // The cores fed by this one drain their rings and stop.
  if (config_.dispatcher != nullptr) config_.dispatcher->finish();

  if (last_tsc > first_tsc) active_seconds_ = static_cast<double>(rte_rdtsc() - first_tsc) / static_cast<double>(hz);
  // End of input or shutdown: every active flow leaves as a record, and none may be
  // lost to a full ring now that no packets are waiting.
  wait_on_full_ = true;
  flush();
  if (config_.live != nullptr) publish_live();
  if (config_.capture != nullptr) config_.capture->close();
  finished_.store(true, std::memory_order_release);
  running_.fetch_sub(1, std::memory_order_release);
  return 0;
}

void RxWorker::publish_live() noexcept {
  read_counters(sources_, live_scratch_.data());
  config_.live->publish(config_.core_index, live_scratch_);
}

}  // namespace flowprobe
