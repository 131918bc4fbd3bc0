#include "io/exporter.hpp"

#include <rte_cycles.h>
#include <rte_pause.h>

#include <algorithm>

#include "export/asset_logs.hpp"
#include "export/eve.hpp"
#include "export/json_writer.hpp"
#include "export/message_key.hpp"
#include "export/zeek_logs.hpp"
#include "flow/flow_record.hpp"
#include "io/probe.hpp"
#include "dpi/inspect_output.hpp"
#include "io/record_ring.hpp"

namespace flowprobe {

namespace {
constexpr unsigned kDequeue = 256;
constexpr std::size_t kBatchBytes = 256 * 1024;
}  // namespace

Exporter::Exporter(std::vector<rte_ring*> rings, const JsonEncoder& encoder, Sink& sink,
                   std::atomic<int>& rx_running, const ExportContext& context)
    : rings_(std::move(rings)), encoder_(&encoder), sink_(sink), rx_running_(rx_running), ctx_(context) {
  batch_.reserve(kBatchBytes + 64 * 1024);
}

namespace {
// Drains fixed-size events (alerts, asset events) from one ring per RX core into `sink`,
// one JSON line each for those `take` keeps, adding to `drained[ring]` when given. Returns
// how many were dequeued.
template <typename Event, typename Write, typename Take>
unsigned drain_events(const std::vector<rte_ring*>& rings, Sink* sink, std::string& batch, Write write, Take take,
                      uint64_t* drained = nullptr) {
  Event events[64];
  unsigned total = 0;
  for (std::size_t r = 0; r < rings.size(); ++r) {
    const unsigned got = rte_ring_sc_dequeue_burst_elem(rings[r], events, sizeof(Event), 64, nullptr);
    if (drained != nullptr) drained[r] += got;
    unsigned pending = 0;
    for (unsigned i = 0; i < got; ++i) {
      if (!take(events[i]) || sink == nullptr) continue;
      if (events[i].ts_ns >= sink->clock_deadline_ns()) {  // it opens the next file
        if (pending) sink->write(batch, pending);
        batch.clear();
        pending = 0;
        sink->advance_clock(events[i].ts_ns);
      }
      JsonWriter w(batch);
      write(events[i], w);
      batch.push_back('\n');
      ++pending;
    }
    if (pending) sink->write(batch, pending);
    batch.clear();
    total += got;
  }
  return total;
}
}  // namespace

unsigned Exporter::drain_side_rings() {
  unsigned n = 0;
  if (alert_sink_ != nullptr) {
    AlertJsonOptions opts;
    opts.community_id_seed = ctx_.community_id_seed;
    const auto& sets = *rule_sets_;
    n = drain_events<sig::Alert>(
        alert_rings_, alert_sink_, alert_batch_,
        [&](const sig::Alert& a, JsonWriter& w) {
          // Never null: a set is retired only after the alerts it raised were drained.
          const sig::SignatureEngine* e = sets.get(a.generation);
          write_alert_json(a, e != nullptr ? *e : sets.front(), w, opts);
        },
        [](const sig::Alert&) { return true; }, alerts_drained_.data());
    counters_.alerts_encoded += n;
  }
  if (!event_rings_.empty()) {
    // Every sighting feeds the asset logs; JSON has only those the de-duplication let through.
    const unsigned e = drain_events<AssetEvent>(event_rings_, event_sink_, alert_batch_, write_event_json,
                                                [&](const AssetEvent& ev) {
                                                  if (asset_logs_ != nullptr) asset_logs_->add(ev);
                                                  if (ev.repeat) ++counters_.events_repeats;
                                                  else if (event_sink_ != nullptr) ++counters_.events_encoded;
                                                  return !ev.repeat;
                                                });
    counters_.events_dequeued += e;
    n += e;
  }
  return n;
}

unsigned Exporter::drain_transactions() {
  AlertJsonOptions opts;
  opts.community_id_seed = ctx_.community_id_seed;
  dpi::TxRecord tx;
  unsigned total = 0;
  for (rte_ring* ring : tx_rings_) {
    uint32_t pending = 0;
    unsigned got = 0;
    // A transaction is one bulk of words: its header says how many follow.
    for (; got < kDequeue; ++got) {
      if (rte_ring_sc_dequeue_bulk_elem(ring, &tx, 8, dpi::kTxHeaderWords, nullptr) == 0) break;
      if (tx.words > dpi::kTxHeaderWords)
        rte_ring_sc_dequeue_bulk_elem(ring, reinterpret_cast<uint64_t*>(&tx) + dpi::kTxHeaderWords, 8,
                                      tx.words - dpi::kTxHeaderWords, nullptr);
      if (zeek_ != nullptr) zeek_->write(tx);
      if (tx_sink_ == nullptr) continue;
      if (tx.ts_ns >= tx_sink_->clock_deadline_ns()) {  // it opens the next file
        if (pending) tx_sink_->write(alert_batch_, pending);
        alert_batch_.clear();
        pending = 0;
        tx_sink_->advance_clock(tx.ts_ns);
      }
      const unsigned parts = transaction_eve_parts(tx);
      for (unsigned part = 0; part < parts; ++part) {
        JsonWriter w(alert_batch_);
        write_transaction_json(tx, part, w, opts);
        alert_batch_.push_back('\n');
        ++pending;
      }
      ++counters_.transactions_encoded;
      counters_.transactions_eve += parts;
    }
    if (pending) tx_sink_->write(alert_batch_, pending);
    alert_batch_.clear();
    counters_.transactions_dequeued += got;
    total += got;
  }
  return total;
}

void Exporter::run() {
  ExportItem item;
  uint32_t in_batch = 0;
  const uint64_t flush_every = rte_get_tsc_hz() / 10;  // idle sinks see data within 100 ms
  uint64_t last_flush = rte_rdtsc();
  uint64_t last_tick = 0;
  // Kafka partitions by a key computed here, where the FlowRecord still is.
  const MessageKey key_kind = sink_.message_key();
  uint64_t clock_deadline = sink_.clock_deadline_ns();  // packet time of the next rotation
  const auto emit = [&](uint32_t n) {
    if (key_kind != MessageKey::none) sink_.write_keyed(batch_, n, keys_);
    else sink_.write(batch_, n);
    batch_.clear();
    keys_.clear();
    clock_deadline = sink_.clock_deadline_ns();
  };
  for (;;) {
    // Read the flag before draining: if all RX cores were done by then, an empty pass
    // below proves the rings hold nothing more.
    const bool rx_done = rx_running_.load(std::memory_order_acquire) == 0;
    // SIGHUP: a new template now, between two records; new rules compile off this loop.
    if (reload_requested().exchange(false, std::memory_order_acq_rel)) {
      if (reload_)
        if (const JsonEncoder* e = reload_()) encoder_ = e;
      if (rules_request_) rules_request_();
    }
    if (rules_poll_) rules_poll_();
    if (tick_ && rte_rdtsc() - last_tick >= tick_every_) {
      tick_(counters_);
      last_tick = rte_rdtsc();
    }
    unsigned got_total = 0;
    for (rte_ring* ring : rings_) {
      unsigned got = 0;
      // A record is one bulk of words (record_ring.hpp): its metadata, when it has
      // some, is already in the ring behind it.
      for (; got < kDequeue; ++got) {
        if (rte_ring_sc_dequeue_bulk_elem(ring, &item.flow, 8, kFlowWords, nullptr) == 0) break;
        const bool has_app = item.flow.l7_flags & kL7HasApp;
        if (has_app)
          rte_ring_sc_dequeue_bulk_elem(ring, reinterpret_cast<uint64_t*>(&item) + kFlowWords, 8,
                                        kItemWords - kFlowWords, nullptr);
        if (item.flow.last_ns >= clock_deadline) {
          // This record belongs to the next file: what is batched goes to the current one.
          if (in_batch) emit(in_batch);
          in_batch = 0;
          sink_.advance_clock(item.flow.last_ns);
          clock_deadline = sink_.clock_deadline_ns();
        }
        ++ctx_.flow_sequence;
        ctx_.app = has_app ? &item.app : nullptr;
        encoder_->encode(item.flow, ctx_, batch_);
        if (key_kind != MessageKey::none) append_message_key(item.flow, key_kind, keys_);
        if (zeek_ != nullptr) zeek_->write(item.flow, ctx_.app);
        if (asset_logs_ != nullptr) asset_logs_->advance(item.flow.last_ns);
        ++in_batch;
      }
      ctx_.app = nullptr;
      got_total += got;
      counters_.records_dequeued += got;
      counters_.records_encoded += got;
      if (batch_.size() >= kBatchBytes) {
        emit(in_batch);
        in_batch = 0;
      }
    }
    got_total += drain_side_rings();
    got_total += drain_transactions();
    if (got_total == 0) {
      if (in_batch) {
        emit(in_batch);
        in_batch = 0;
      }
      const uint64_t now = rte_rdtsc();
      if (now - last_flush > flush_every) {
        sink_.flush();
        if (alert_sink_) alert_sink_->flush();
        if (event_sink_) event_sink_->flush();
        if (tx_sink_) tx_sink_->flush();
        if (zeek_) zeek_->flush();
        last_flush = now;
      }
      if (rx_done) break;
      // Nothing to do: yield the CPU, which an RX core may share on small machines.
      rte_delay_us_sleep(100);
    }
  }
  sink_.flush();
  if (alert_sink_) alert_sink_->flush();
  if (event_sink_) event_sink_->flush();
  if (tx_sink_) tx_sink_->flush();
  if (zeek_) zeek_->flush();
  if (tick_) tick_(counters_);
}

}  // namespace flowprobe
