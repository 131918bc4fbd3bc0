#pragma once
// RAII around nDPI 4.2: one detection module per RX core, per-flow nDPI state from a
// per-core pool taken at a flow's first packet and given back as soon as nDPI has
// decided (and wants no extra packets) or has been given up on, so long flows cost
// nothing here. The result is plain data for FlowRecord.
#include <cstdint>
#include <memory>
#include <span>

struct ndpi_detection_module_struct;
struct ndpi_flow_struct;

namespace flowprobe::dpi {

// L7_PROTO, L7_PROTO_NAME, L7_PROTO_CATEGORY, L7_PROTO_RISK, L7_CONFIDENCE. The strings
// are filled when detection ends (unless NdpiConfig::fill_names is off).
struct DpiResult {
  char proto_id[16]{};     // nDPI's "master.app" ids (ndpi_protocol2id), e.g. "5.126" or "91"
  char proto_name[40]{};   // e.g. "DNS.Google", "TLS"
  char category[24]{};     // e.g. "Web"
  uint64_t risk = 0;       // ndpi_risk bitmap
  uint16_t master = 0;     // nDPI protocol ids
  uint16_t app = 0;
  uint16_t category_id = 0;  // ndpi_protocol_category_t
  uint8_t confidence = 0;  // ndpi_confidence_t
  bool decided = false;    // detection finished (by DPI or by giving up)
  bool guessed = false;    // decided by giving up (ports/IP guess)
  bool has_bt_hash = false;  // bt_hash holds a BitTorrent info hash nDPI read
  uint8_t reserved[2]{};
  uint8_t bt_hash[20]{};
};

// Lives in the flow entry.
struct FlowDpi {
  static constexpr uint32_t kNoSlot = UINT32_MAX;
  uint32_t slot = kNoSlot;
  uint16_t packets = 0;  // packets given to nDPI
  bool finished = false;
  uint8_t reserved = 0;
};
static_assert(sizeof(FlowDpi) == 8);

struct NdpiConfig {
  uint32_t max_flows = 4096;           // concurrent flows in detection per core
  uint16_t max_tcp_packets = 80;       // ndpiReader's limits before giving up
  uint16_t max_udp_packets = 24;
  // Once nDPI knows the protocol, stop instead of letting it dissect on (nDPI goes on for
  // TLS certificates, DNS answers, HTTP responses...): the probe's own dissectors read
  // that metadata, so the extra nDPI passes only cost time. Risks nDPI would have found
  // in those later packets are then not flagged.
  bool stop_when_known = false;
  // Write the name strings of DpiResult when detection ends. The probe exports ids and
  // names them on the exporter (protocol_names.hpp), so its RX cores turn this off.
  bool fill_names = true;
};

class NdpiModule {
 public:
  // nDPI's init is not thread-safe: build every core's module before starting the lcores.
  explicit NdpiModule(const NdpiConfig& cfg = {});
  ~NdpiModule();
  NdpiModule(const NdpiModule&) = delete;
  NdpiModule& operator=(const NdpiModule&) = delete;

  // `l3` starts at the IP header. Returns true once the flow's detection is finished.
  bool on_packet(FlowDpi& f, DpiResult& r, std::span<const uint8_t> l3, uint8_t l4_proto, uint64_t ts_ns) noexcept;
  // At flow end: gives up on a flow still in detection (filling `r` with nDPI's guess) and frees its state.
  void on_flow_end(FlowDpi& f, DpiResult& r) noexcept;

  uint32_t in_use() const { return cfg_.max_flows - free_top_; }
  uint64_t pool_exhausted() const { return pool_exhausted_; }
  std::size_t flow_state_bytes() const { return stride_; }
  ndpi_detection_module_struct* raw() { return mod_; }

 private:
  void fill(DpiResult& r, ndpi_flow_struct* flow, uint16_t master, uint16_t app, uint16_t category) noexcept;
  void fill_names(DpiResult& r) noexcept;
  void release(FlowDpi& f) noexcept;
  ndpi_flow_struct* flow_at(uint32_t slot) noexcept;

  NdpiConfig cfg_;
  bool fill_names_ = true;
  ndpi_detection_module_struct* mod_ = nullptr;
  std::unique_ptr<std::byte[]> mem_;
  std::unique_ptr<uint32_t[]> free_;
  std::size_t stride_ = 0;
  uint32_t free_top_ = 0;
  uint64_t pool_exhausted_ = 0;
};

}  // namespace flowprobe::dpi
