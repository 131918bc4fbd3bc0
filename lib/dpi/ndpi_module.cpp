#include "dpi/ndpi_module.hpp"

#include <cstdio>
#include <cstring>
#include <new>
#include <stdexcept>

extern "C" {
#include <ndpi/ndpi_api.h>
}

namespace flowprobe::dpi {

NdpiModule::NdpiModule(const NdpiConfig& cfg) : cfg_(cfg), fill_names_(cfg.fill_names) {
  mod_ = ndpi_init_detection_module(ndpi_no_prefs);
  if (!mod_) throw std::runtime_error("nDPI: ndpi_init_detection_module failed");
  NDPI_PROTOCOL_BITMASK all;
  NDPI_BITMASK_SET_ALL(all);
  ndpi_set_protocol_detection_bitmask2(mod_, &all);
  ndpi_finalize_initialization(mod_);
  stride_ = (ndpi_detection_get_sizeof_ndpi_flow_struct() + 63) / 64 * 64;
  mem_.reset(new (std::align_val_t{64}) std::byte[stride_ * cfg_.max_flows]);
  free_ = std::make_unique<uint32_t[]>(cfg_.max_flows);
  for (uint32_t i = 0; i < cfg_.max_flows; ++i) free_[i] = cfg_.max_flows - 1 - i;
  free_top_ = cfg_.max_flows;
}

NdpiModule::~NdpiModule() {
  // Flows still in detection hold nDPI-internal allocations; give them back first.
  std::unique_ptr<bool[]> is_free = std::make_unique<bool[]>(cfg_.max_flows);
  for (uint32_t i = 0; i < free_top_; ++i) is_free[free_[i]] = true;
  for (uint32_t i = 0; i < cfg_.max_flows; ++i)
    if (!is_free[i]) ndpi_free_flow_data(flow_at(i));
  if (mod_) ndpi_exit_detection_module(mod_);
  ::operator delete[](mem_.release(), std::align_val_t{64});
}

ndpi_flow_struct* NdpiModule::flow_at(uint32_t slot) noexcept {
  return reinterpret_cast<ndpi_flow_struct*>(mem_.get() + std::size_t{slot} * stride_);
}

void NdpiModule::fill(DpiResult& r, ndpi_flow_struct* flow, uint16_t master, uint16_t app, uint16_t category) noexcept {
  // Ids only: this runs on every packet of a flow nDPI keeps dissecting; the names are
  // written once, when detection ends (fill_names).
  r.master = master;
  r.app = app;
  r.category_id = category;
  r.risk = flow->risk;
  r.confidence = static_cast<uint8_t>(flow->confidence);
  // The info hash shares nDPI's protocol union with TLS's state: read it only where
  // ndpiReader does (BitTorrent not over TLS), and only once it is set.
  if (app == NDPI_PROTOCOL_BITTORRENT && master != NDPI_PROTOCOL_TLS) [[unlikely]] {
    const u_char* h = flow->protos.bittorrent.hash;
    bool set = false;
    for (int i = 0; i < 20; ++i) set |= h[i] != 0;
    if (set) {
      std::memcpy(r.bt_hash, h, sizeof r.bt_hash);
      r.has_bt_hash = true;
    }
  }
}

void NdpiModule::fill_names(DpiResult& r) noexcept {
  ndpi_protocol p{};
  p.master_protocol = r.master;
  p.app_protocol = r.app;
  p.category = static_cast<ndpi_protocol_category_t>(r.category_id);
  ndpi_protocol2id(mod_, p, r.proto_id, sizeof r.proto_id);
  ndpi_protocol2name(mod_, p, r.proto_name, sizeof r.proto_name);
  const char* cat = ndpi_category_get_name(mod_, p.category);
  std::snprintf(r.category, sizeof r.category, "%s", cat ? cat : "");
}

void NdpiModule::release(FlowDpi& f) noexcept {
  if (f.slot != FlowDpi::kNoSlot) {
    ndpi_free_flow_data(flow_at(f.slot));
    free_[free_top_++] = f.slot;
    f.slot = FlowDpi::kNoSlot;
  }
  f.finished = true;
}

bool NdpiModule::on_packet(FlowDpi& f, DpiResult& r, std::span<const uint8_t> l3, uint8_t l4_proto,
                           uint64_t ts_ns) noexcept {
  if (f.finished) return true;
  if (l3.empty()) return false;
  if (f.slot == FlowDpi::kNoSlot) {
    if (free_top_ == 0) {
      ++pool_exhausted_;
      f.finished = true;  // counted; the flow leaves as Unknown
      return true;
    }
    f.slot = free_[--free_top_];
    std::memset(flow_at(f.slot), 0, stride_);
  }
  ndpi_flow_struct* flow = flow_at(f.slot);
  const auto len = static_cast<unsigned short>(std::min<std::size_t>(l3.size(), 65535));
  const ndpi_protocol p = ndpi_detection_process_packet(mod_, flow, l3.data(), len, ts_ns / 1000000);
  ++f.packets;
  const bool known = p.app_protocol != NDPI_PROTOCOL_UNKNOWN || p.master_protocol != NDPI_PROTOCOL_UNKNOWN;
  const uint16_t limit = l4_proto == 6 ? cfg_.max_tcp_packets : cfg_.max_udp_packets;
  if (known) fill(r, flow, p.master_protocol, p.app_protocol, static_cast<uint16_t>(p.category));
  if (known && (cfg_.stop_when_known || !ndpi_extra_dissection_possible(mod_, flow) || f.packets >= limit)) {
    r.decided = true;
    if (fill_names_) fill_names(r);
    release(f);
    return true;
  }
  if (!known && f.packets >= limit) {
    on_flow_end(f, r);
    return true;
  }
  return false;
}

void NdpiModule::on_flow_end(FlowDpi& f, DpiResult& r) noexcept {
  if (f.slot != FlowDpi::kNoSlot && !r.decided) {
    ndpi_flow_struct* flow = flow_at(f.slot);
    uint8_t guessed = 0;
    const ndpi_protocol p = ndpi_detection_giveup(mod_, flow, 1, &guessed);
    fill(r, flow, p.master_protocol, p.app_protocol, static_cast<uint16_t>(p.category));
    r.decided = true;
    r.guessed = guessed != 0;
    if (fill_names_) fill_names(r);
  }
  release(f);
}

}  // namespace flowprobe::dpi
