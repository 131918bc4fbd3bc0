#include "dpi/l7_engine.hpp"

#include <sys/mman.h>

#include <new>
#include <stdexcept>

#include "dpi/l3_locate.hpp"

namespace flowprobe::dpi {

struct L7Engine::Slot {
  dissect::FlowDissect dissect;
  FlowDpi dpi;
  DpiResult result;
  dissect::AppMetadata app;
};

std::size_t L7Engine::slot_bytes() { return sizeof(Slot); }

namespace {
// Anonymous mmap: untouched slots cost address space, not memory.
std::byte* map_slots(std::size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) throw std::runtime_error("L7: cannot reserve " + std::to_string(bytes >> 20) + " MiB for flow slots");
  return static_cast<std::byte*>(p);
}
}  // namespace

L7Engine::L7Engine(const L7Config& cfg)
    : capacity_(cfg.max_flows == 0 ? 1 : cfg.max_flows),
      mem_(map_slots(std::size_t{capacity_} * sizeof(Slot))),
      free_(std::make_unique<uint32_t[]>(capacity_)),
      dissectors_(cfg.dissectors),
      ndpi_(cfg.ndpi) {
  for (uint32_t i = 0; i < capacity_; ++i) free_[i] = capacity_ - 1 - i;
  free_top_ = capacity_;
}

L7Engine::~L7Engine() {
  // Flows still holding parser or nDPI state give it back before the pools go away.
  std::unique_ptr<bool[]> is_free = std::make_unique<bool[]>(capacity_);
  for (uint32_t i = 0; i < free_top_; ++i) is_free[free_[i]] = true;
  for (uint32_t i = 0; i < capacity_; ++i) {
    if (is_free[i]) continue;
    Slot* s = slot(i);
    dissectors_.on_flow_end(s->dissect);
    ndpi_.on_flow_end(s->dpi, s->result);
  }
  munmap(mem_, std::size_t{capacity_} * sizeof(Slot));
}

L7Engine::Slot* L7Engine::slot(uint32_t i) noexcept {
  return reinterpret_cast<Slot*>(mem_ + std::size_t{i} * sizeof(Slot));
}

void L7Engine::on_packet(const FlowHit& hit, const DecodedPacket& pkt, std::span<const uint8_t> frame,
                         uint64_t ts_ns) noexcept {
  uint32_t& ext = *hit.ext;
  if (ext == kNoFlowExt) {
    if (!hit.created) return;  // the flow found no slot when it began
    if (free_top_ == 0) {
      ++counters_.slots_exhausted;
      return;
    }
    ext = free_[--free_top_];
    // Only the small headers are reset; the metadata's live part is zeroed when a
    // dissector picks it (AppMetadata::set_kind).
    Slot* s = slot(ext);
    s->dissect = dissect::FlowDissect{};
    s->dpi = FlowDpi{};
    s->result = DpiResult{};
    s->app.kind = dissect::AppKind::none;
  }
  Slot* s = slot(ext);
  dissectors_.on_packet(s->dissect, s->app, pkt, hit.from_client, ts_ns);
  if (!s->dpi.finished) ndpi_.on_packet(s->dpi, s->result, locate_l3(frame, pkt), pkt.l4_proto, ts_ns);
}

const dissect::AppMetadata* L7Engine::on_flow_end(FlowRecord& r, uint32_t ext) noexcept {
  if (ext == kNoFlowExt || ext >= capacity_) return nullptr;
  Slot* s = slot(ext);
  const bool goes_on = r.end_cause == FlowEndCause::active_timeout;
  if (!goes_on) {
    dissectors_.on_flow_end(s->dissect);
    ndpi_.on_flow_end(s->dpi, s->result);
  }
  const DpiResult& d = s->result;
  r.l7_master = d.master;
  r.l7_app = d.app;
  r.l7_category = d.category_id;
  r.l7_confidence = d.confidence;
  r.l7_risk = d.risk;
  r.l7_flags = static_cast<uint8_t>(kL7Present | (d.guessed ? kL7Guessed : 0));
  const bool has_app = s->app.kind != dissect::AppKind::none;
  if (has_app) r.l7_flags |= kL7HasApp;
  if (!goes_on) {
    ++((d.master | d.app) != 0 ? counters_.flows_classified : counters_.flows_unknown);
    counters_.flows_with_metadata += has_app;
    free_[free_top_++] = ext;  // the slot stays readable until the next acquire
  }
  return has_app ? &s->app : nullptr;
}

L7Counters L7Engine::counters() const {
  L7Counters c = counters_;
  c.ndpi_pool_exhausted = ndpi_.pool_exhausted();
  return c;
}

}  // namespace flowprobe::dpi
