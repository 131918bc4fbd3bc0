#include "dissectors/engine.hpp"

#include <cstring>
#include <new>

namespace flowprobe::dissect {

StatePool::StatePool(std::size_t slot_size, std::size_t align, uint32_t capacity)
    : mem_(nullptr, AlignedFree{std::max<std::size_t>(align, 64)}), capacity_(capacity), free_top_(capacity) {
  const std::size_t a = std::max<std::size_t>(align, 64);  // a slot never shares a cache line
  stride_ = (std::max<std::size_t>(slot_size, 1) + a - 1) / a * a;
  mem_.reset(static_cast<std::byte*>(::operator new[](stride_ * capacity, std::align_val_t{a})));
  base_ = mem_.get();
  free_ = std::make_unique<uint32_t[]>(capacity);
  for (uint32_t i = 0; i < capacity; ++i) free_[i] = capacity - 1 - i;  // slot 0 handed out first
}

uint32_t StatePool::acquire() noexcept { return free_top_ ? free_[--free_top_] : FlowDissect::kNoSlot; }

void StatePool::release(uint32_t slot) noexcept {
  if (slot < capacity_ && free_top_ < capacity_) free_[free_top_++] = slot;
}

DissectorEngine::DissectorEngine(const EngineConfig& cfg)
    : report_tx_(cfg.report_transactions), max_probe_packets_(cfg.max_probe_packets) {
  for (std::size_t i = 0; i < kDissectorCount; ++i) {
    const uint32_t n = cfg.slots[i] ? cfg.slots[i] : cfg.default_slots;
    pools_[i] = StatePool(kDissectors[i]->state_size, kDissectors[i]->state_align, n);
    if (kDissectors[i]->create_shared) shared_[i] = kDissectors[i]->create_shared();
  }
}

DissectorEngine::~DissectorEngine() {
  for (std::size_t i = 0; i < kDissectorCount; ++i)
    if (shared_[i] && kDissectors[i]->destroy_shared) kDissectors[i]->destroy_shared(shared_[i]);
}

std::size_t DissectorEngine::pool_bytes() const {
  std::size_t n = 0;
  for (const auto& p : pools_) n += p.bytes();
  return n;
}

void DissectorEngine::finish(FlowDissect& f) noexcept {
  if (f.slot != FlowDissect::kNoSlot && f.dissector < kDissectorCount) pools_[f.dissector].release(f.slot);
  f.slot = FlowDissect::kNoSlot;
  f.status = FlowDissect::Status::finished;
}

void DissectorEngine::on_flow_end(FlowDissect& f) noexcept { finish(f); }

void DissectorEngine::on_packet(FlowDissect& f, AppMetadata& meta, const DecodedPacket& pkt, bool from_client,
                                uint64_t ts_ns) noexcept {
  tx_.clear();
  if (f.status == FlowDissect::Status::finished) return;
  if (pkt.payload.empty() && !(report_tx_ && (pkt.tcp_flags & 0x05))) return;  // see below
  on_packet(f, meta, make_context(pkt, from_client, ts_ns));
}

void DissectorEngine::on_packet(FlowDissect& f, AppMetadata& meta, const PacketContext& ctx) noexcept {
  tx_.clear();
  if (f.status == FlowDissect::Status::finished) return;
  // Without payload only a FIN or RST matters, and only to HTTP (a body that runs until close).
  if (ctx.payload.empty() && !(report_tx_ && f.status == FlowDissect::Status::parsing && (ctx.tcp_flags & 0x05) &&
                               kDissectors[f.dissector]->kind == AppKind::http))
    return;
  if (f.status == FlowDissect::Status::probing) {
    std::size_t chosen = kDissectorCount, unsure = kDissectorCount;
    for (std::size_t i = 0; i < kDissectorCount; ++i) {
      const Dissector& d = *kDissectors[i];
      if (!d.handles_l4(ctx.l4_proto)) continue;
      const Probe p = d.probe(ctx);
      if (p == Probe::certain) {
        chosen = i;
        break;
      }
      // Among guesses, one on its own port beats one that is not.
      if (p == Probe::unsure &&
          (unsure == kDissectorCount || (!kDissectors[unsure]->on_port(ctx.server_port) && d.on_port(ctx.server_port))))
        unsure = i;
    }
    if (chosen == kDissectorCount) {
      // A possible match starts parsing now: on TCP the bytes of this segment (a first
      // segment of a few bytes) would otherwise be lost, and a wrong guess ends in skip.
      if (unsure == kDissectorCount) {
        if (++f.probes >= max_probe_packets_) {
          ++counters_.unidentified;
          f.status = FlowDissect::Status::finished;
        }
        return;  // nobody recognises it: look at the next payload
      }
      chosen = unsure;
    }
    f.dissector = static_cast<uint8_t>(chosen);
    ++counters_.identified[chosen];
    f.slot = pools_[chosen].acquire();
    if (f.slot == FlowDissect::kNoSlot) {
      ++counters_.pool_exhausted[chosen];
      f.status = FlowDissect::Status::finished;
      return;
    }
    kDissectors[chosen]->init(pools_[chosen].at(f.slot));
    f.status = FlowDissect::Status::parsing;
  }
  const Dissector& d = *kDissectors[f.dissector];
  Parse r;
  PacketContext c = ctx;
  c.shared = shared_[f.dissector];
  c.tx = report_tx_ ? &tx_ : nullptr;
  r = d.parse(pools_[f.dissector].at(f.slot), c, meta);
  if (r == Parse::cont) return;
  ++(r == Parse::done ? counters_.done : counters_.skipped)[f.dissector];
  finish(f);
}

}  // namespace flowprobe::dissect
