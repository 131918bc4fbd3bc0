#include "dissectors/engine.hpp"

#include <sys/mman.h>

#include <cstring>
#include <new>
#include <string>
#include <utility>

#include "core/prefault.hpp"

namespace flowprobe::dissect {

StatePool::StatePool(std::size_t slot_size, std::size_t align, uint32_t capacity, uint32_t prefault_slots)
    : capacity_(capacity), free_top_(capacity) {
  const std::size_t a = std::max<std::size_t>(align, 64);  // a slot never shares a cache line
  stride_ = (std::max<std::size_t>(slot_size, 1) + a - 1) / a * a;
  // Page-aligned, so any slot alignment up to a page holds.
  void* p = mmap(nullptr, stride_ * capacity, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  base_ = static_cast<std::byte*>(p);
  free_ = std::make_unique<uint32_t[]>(capacity);
  for (uint32_t i = 0; i < capacity; ++i) free_[i] = capacity - 1 - i;  // slot 0 handed out first
  // Slots are handed out from the bottom up (and reused last-freed first): the first
  // prefault_slots are faulted in now, on the main lcore, rather than a page fault or three
  // per new flow on the RX core. Beyond them memory stays lazy, as L7Engine's slots.
  prefault(base_, stride_ * std::min(capacity, prefault_slots));
}

StatePool& StatePool::operator=(StatePool&& o) noexcept {
  if (this != &o) {
    if (base_ != nullptr) munmap(base_, stride_ * capacity_);
    free_ = std::move(o.free_);
    base_ = std::exchange(o.base_, nullptr);
    stride_ = o.stride_;
    capacity_ = std::exchange(o.capacity_, 0);
    free_top_ = std::exchange(o.free_top_, 0);
  }
  return *this;
}

StatePool::~StatePool() {
  if (base_ != nullptr) munmap(base_, stride_ * capacity_);
  base_ = nullptr;
}

uint32_t StatePool::acquire() noexcept { return free_top_ ? free_[--free_top_] : FlowDissect::kNoSlot; }

void StatePool::release(uint32_t slot) noexcept {
  if (slot < capacity_ && free_top_ < capacity_) free_[free_top_++] = slot;
}

DissectorEngine::DissectorEngine(const EngineConfig& cfg)
    : own_expected_(cfg.expected ? nullptr : std::make_unique<ExpectedFlows>()),
      expect_{cfg.expected ? cfg.expected : own_expected_.get(), &counters_.expected},
      tx_(cfg.tx),
      max_probe_packets_(cfg.max_probe_packets) {
  for (std::size_t i = 0; i < kProtocolCount; ++i) {
    const Dissector* d = kProtocols[i]->flow;
    if (d == nullptr) continue;
    const uint32_t n = cfg.slots[i] ? cfg.slots[i] : d->default_slots ? d->default_slots : cfg.default_slots;
    pools_[i] = StatePool(d->state_size, d->state_align, n, cfg.prefault ? d->prefault_slots : 0);
    if (d->create_shared) shared_[i] = d->create_shared();
  }
}

DissectorEngine::~DissectorEngine() {
  for (std::size_t i = 0; i < kProtocolCount; ++i)
    if (shared_[i] && kProtocols[i]->flow->destroy_shared) kProtocols[i]->flow->destroy_shared(shared_[i]);
}

CounterSource engine_counter_source(const EngineCounters& c) {
  // Laid out as EngineCounters: four rows per protocol of the table (padding for those
  // without a flow dissector), then one.
  static const CounterDefList defs = [] {
    CounterDefList d;
    const char* const what[] = {"identified", "done", "skipped", "pool_exhausted"};
    const char* const help[] = {"flows its dissector took (probe said yes)", "flows whose dissector finished",
                                "flows its dissector gave up (gap, garbage)",
                                "flows it could not follow: no free state slot"};
    for (int w = 0; w < 4; ++w)
      for (const Protocol* p : kProtocols) {
        if (p->flow == nullptr) d.add("", "", CounterKind::counter, CounterShow::never);
        else
          d.add("dissectors." + std::string(p->name) + "." + what[w], std::string(p->name) + ": " + help[w],
                CounterKind::counter, w == 3 ? CounterShow::nonzero : CounterShow::never);
      }
    d.add("dissectors.unidentified", "flows no dissector recognised within the probe window", CounterKind::counter,
          CounterShow::never);
    d.add("dissectors.expected.added", "connections a dissector announced (FTP data channels)", CounterKind::counter,
          CounterShow::nonzero);
    d.add("dissectors.expected.matched", "flows that began as announced, given to the protocol named",
          CounterKind::counter, CounterShow::nonzero);
    d.add("dissectors.expected.expired", "announced connections whose time ran out (counted as their slot is reused)",
          CounterKind::counter, CounterShow::never);
    d.add("dissectors.expected.evicted",
          "announced connections lost to a full table (a live entry pushed out, or a new one whose slot another core "
          "was writing)",
          CounterKind::counter, CounterShow::nonzero);
    return d;
  }();
  static_assert(sizeof(EngineCounters) == (4 * kProtocolCount + 1 + 4) * sizeof(uint64_t));
  return counter_source(defs.defs(), c);
}

std::size_t DissectorEngine::pool_bytes() const {
  std::size_t n = 0;
  for (const auto& p : pools_) n += p.bytes();
  return n;
}

void DissectorEngine::finish(FlowDissect& f, AppMetadata& meta) noexcept {
  if (f.slot != FlowDissect::kNoSlot && f.dissector < kProtocolCount) {
    const Dissector& d = *kProtocols[f.dissector]->flow;
    if (d.finish != nullptr) {
      PacketContext c;
      c.shared = shared_[f.dissector];
      c.tx = tx_;
      c.expect = &expect_;
      c.flow_end = true;
      d.finish(pools_[f.dissector].at(f.slot), c, meta);
    }
    pools_[f.dissector].release(f.slot);
  }
  f.slot = FlowDissect::kNoSlot;
  f.status = FlowDissect::Status::finished;
}

void DissectorEngine::on_flow_end(FlowDissect& f, AppMetadata& meta) noexcept { finish(f, meta); }

void DissectorEngine::on_flow_start(FlowDissect& f, AppMetadata& meta, const DecodedPacket& pkt,
                                    uint64_t ts_ns) noexcept {
  if (f.status != FlowDissect::Status::probing || f.probes != 0 || expect_.table == nullptr) return;
  const AppKind kind = expect_.table->match(pkt.src_ip.data(), pkt.src_port, pkt.dst_ip.data(), pkt.dst_port,
                                            pkt.ip_version, pkt.l4_proto, ts_ns, counters_.expected);
  if (kind == AppKind::none) return;
  const std::size_t i = protocol_index(kind);
  meta.set_kind(kind);
  ++counters_.identified[i];
  const Dissector* d = kProtocols[i]->flow;
  f.dissector = static_cast<uint8_t>(i);
  f.slot = d != nullptr ? pools_[i].acquire() : FlowDissect::kNoSlot;
  if (f.slot == FlowDissect::kNoSlot) {
    if (d != nullptr) ++counters_.pool_exhausted[i];
    f.status = FlowDissect::Status::finished;  // the flow keeps its name, unparsed
    return;
  }
  d->init(pools_[i].at(f.slot));
  f.status = FlowDissect::Status::parsing;
}

void DissectorEngine::on_packet(FlowDissect& f, AppMetadata& meta, const DecodedPacket& pkt, bool from_client,
                                uint64_t ts_ns) noexcept {
  if (f.status == FlowDissect::Status::finished) return;
  if (pkt.payload.empty() && !(tx_ && (pkt.tcp_flags & 0x05))) return;  // see below
  on_packet(f, meta, make_context(pkt, from_client, ts_ns));
}

void DissectorEngine::on_packet(FlowDissect& f, AppMetadata& meta, const PacketContext& ctx) noexcept {
  if (f.status == FlowDissect::Status::finished) return;
  // Without payload only a FIN or RST matters, and only to HTTP (a body that runs until close).
  if (ctx.payload.empty() && !(tx_ && f.status == FlowDissect::Status::parsing && (ctx.tcp_flags & 0x05) &&
                               kProtocols[f.dissector]->kind == AppKind::http))
    return;
  if (f.status == FlowDissect::Status::probing) {
    constexpr std::size_t kNone = kProtocolCount;
    std::size_t chosen = kNone, unsure = kNone;
    for (std::size_t i = 0; i < kProtocolCount; ++i) {
      if (kProtocols[i]->flow == nullptr) continue;
      const Dissector& d = *kProtocols[i]->flow;
      if (!d.handles_l4(ctx.l4_proto)) continue;
      const Probe p = d.probe(ctx);
      if (p == Probe::certain) {
        chosen = i;
        break;
      }
      // Among guesses, one on its own port beats one that is not.
      if (p == Probe::unsure &&
          (unsure == kNone || (!kProtocols[unsure]->flow->on_port(ctx.server_port) && d.on_port(ctx.server_port))))
        unsure = i;
    }
    if (chosen == kNone) {
      // A possible match starts parsing now: on TCP the bytes of this segment (a first
      // segment of a few bytes) would otherwise be lost, and a wrong guess ends in skip.
      if (unsure == kNone) {
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
    kProtocols[chosen]->flow->init(pools_[chosen].at(f.slot));
    f.status = FlowDissect::Status::parsing;
  }
  const Dissector& d = *kProtocols[f.dissector]->flow;
  PacketContext c = ctx;
  c.shared = shared_[f.dissector];
  c.tx = tx_;
  c.expect = &expect_;
  const Parse r = d.parse(pools_[f.dissector].at(f.slot), c, meta);
  if (r == Parse::cont) return;
  ++(r == Parse::skip ? counters_.skipped : counters_.done)[f.dissector];
  finish(f, meta);
  if (r == Parse::upgrade) {
    f.status = FlowDissect::Status::probing;
    f.probes = 0;
  }
}

}  // namespace flowprobe::dissect
