#include "io/exporter.hpp"

#include <rte_cycles.h>
#include <rte_pause.h>

#include "export/message_key.hpp"
#include "flow/flow_record.hpp"
#include "io/probe.hpp"

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

void Exporter::run() {
  FlowRecord recs[kDequeue];
  uint32_t in_batch = 0;
  const uint64_t flush_every = rte_get_tsc_hz() / 10;  // idle sinks see data within 100 ms
  uint64_t last_flush = rte_rdtsc();
  uint64_t last_tick = 0;
  // Kafka partitions by a key computed here, where the FlowRecord still is.
  const MessageKey key_kind = sink_.message_key();
  const auto emit = [&](uint32_t n) {
    if (key_kind != MessageKey::none) sink_.write_keyed(batch_, n, keys_);
    else sink_.write(batch_, n);
    batch_.clear();
    keys_.clear();
  };
  for (;;) {
    // Read the flag before draining: if all RX cores were done by then, an empty pass
    // below proves the rings hold nothing more.
    const bool rx_done = rx_running_.load(std::memory_order_acquire) == 0;
    if (reload_ && reload_requested().exchange(false, std::memory_order_acq_rel))
      if (const JsonEncoder* e = reload_()) encoder_ = e;
    if (tick_ && rte_rdtsc() - last_tick >= tick_every_) {
      tick_(counters_);
      last_tick = rte_rdtsc();
    }
    unsigned got_total = 0;
    for (rte_ring* ring : rings_) {
      const unsigned got = rte_ring_sc_dequeue_burst_elem(ring, recs, sizeof(FlowRecord), kDequeue, nullptr);
      got_total += got;
      counters_.records_dequeued += got;
      for (unsigned i = 0; i < got; ++i) {
        ++ctx_.flow_sequence;
        encoder_->encode(recs[i], ctx_, batch_);
        if (key_kind != MessageKey::none) append_message_key(recs[i], key_kind, keys_);
        ++in_batch;
      }
      counters_.records_encoded += got;
      if (batch_.size() >= kBatchBytes) {
        emit(in_batch);
        in_batch = 0;
      }
    }
    if (got_total == 0) {
      if (in_batch) {
        emit(in_batch);
        in_batch = 0;
      }
      const uint64_t now = rte_rdtsc();
      if (now - last_flush > flush_every) {
        sink_.flush();
        last_flush = now;
      }
      if (rx_done) break;
      // Nothing to do: yield the CPU, which an RX core may share on small machines.
      rte_delay_us_sleep(100);
    }
  }
  sink_.flush();
  if (tick_) tick_(counters_);
}

}  // namespace flowprobe
