#pragma once
// Per-RX-core driver of the dissectors. The flow entry holds a FlowDissect (8 bytes) and
// an AppMetadata; per-flow parser state lives in per-dissector pools sized at start and
// is returned as soon as the dissector is done, gives up, or the flow ends.
//
// Per packet of a tracked flow:   engine.on_packet(flow.dissect, flow.app, decoded, from_client, ts_ns)
// When the flow ends (any cause): engine.on_flow_end(flow.dissect)  -> then copy flow.app
#include <array>
#include <cstdint>
#include <memory>
#include <span>

#include "decode/decoder.hpp"
#include "dissectors/app_metadata.hpp"
#include "dissectors/dissector.hpp"
#include "dissectors/table.hpp"

namespace flowprobe::dissect {

struct FlowDissect {
  static constexpr uint32_t kNoSlot = UINT32_MAX;
  static constexpr uint8_t kNone = 0xFF;
  enum class Status : uint8_t { probing, parsing, finished };
  uint32_t slot = kNoSlot;
  uint8_t dissector = kNone;  // index into kDissectors
  Status status = Status::probing;
  uint8_t probes = 0;         // payload packets probed so far
  uint8_t reserved = 0;
};
static_assert(sizeof(FlowDissect) == 8);

// Fixed-size slots of one dissector's state: one allocation at start, a free stack of
// indices after that. Not thread-safe: one per RX core.
class StatePool {
 public:
  StatePool() = default;
  StatePool(std::size_t slot_size, std::size_t align, uint32_t capacity);
  StatePool(StatePool&&) noexcept = default;
  StatePool& operator=(StatePool&&) noexcept = default;

  uint32_t acquire() noexcept;  // FlowDissect::kNoSlot when exhausted
  void release(uint32_t slot) noexcept;
  void* at(uint32_t slot) noexcept { return base_ + std::size_t{slot} * stride_; }
  uint32_t capacity() const { return capacity_; }
  uint32_t in_use() const { return capacity_ - free_top_; }
  std::size_t bytes() const { return std::size_t{capacity_} * stride_; }

 private:
  struct AlignedFree {
    std::size_t align;
    void operator()(std::byte* p) const { ::operator delete[](p, std::align_val_t{align}); }
  };
  std::unique_ptr<std::byte[], AlignedFree> mem_{nullptr, AlignedFree{64}};
  std::unique_ptr<uint32_t[]> free_;
  std::byte* base_ = nullptr;
  std::size_t stride_ = 0;
  uint32_t capacity_ = 0;
  uint32_t free_top_ = 0;
};

struct EngineConfig {
  // Concurrent flows each dissector can follow per core (their handshakes, not their lifetimes).
  std::array<uint32_t, kDissectorCount> slots{};  // 0 = default_slots
  uint32_t default_slots = 1024;
  // Payload packets to look at before giving up on a flow: enough to see TLS begin after
  // a STARTTLS (SMTP, FTP, XMPP) or RDP negotiation. Probes that say no cost a few compares.
  uint8_t max_probe_packets = 16;
  // Report completed transactions (TxView: HTTP header lines and bodies, JA3 strings) for
  // the rules' buffers. Off without rules: HTTP parsing then ends with the headers and no
  // header line, body or JA3 string is copied.
  bool report_transactions = false;
};

struct EngineCounters {
  std::array<uint64_t, kDissectorCount> identified{};
  std::array<uint64_t, kDissectorCount> done{};
  std::array<uint64_t, kDissectorCount> skipped{};
  std::array<uint64_t, kDissectorCount> pool_exhausted{};
  uint64_t unidentified = 0;
};

class DissectorEngine {
 public:
  explicit DissectorEngine(const EngineConfig& cfg = {});
  DissectorEngine(const DissectorEngine&) = delete;
  DissectorEngine& operator=(const DissectorEngine&) = delete;
  ~DissectorEngine();

  // Call for every packet of a tracked flow (payload-less packets return at once).
  void on_packet(FlowDissect& f, AppMetadata& meta, const DecodedPacket& pkt, bool from_client,
                 uint64_t ts_ns = 0) noexcept;
  void on_packet(FlowDissect& f, AppMetadata& meta, const PacketContext& ctx) noexcept;
  // Releases whatever state the flow still holds; the metadata stays as it is.
  void on_flow_end(FlowDissect& f) noexcept;

  // What the last on_packet completed (HTTP headers and bodies); see TxView.
  const TxView& last_tx() const { return tx_; }
  const EngineCounters& counters() const { return counters_; }
  const StatePool& pool(std::size_t dissector) const { return pools_[dissector]; }
  std::size_t pool_bytes() const;

 private:
  void finish(FlowDissect& f) noexcept;
  std::array<StatePool, kDissectorCount> pools_;
  std::array<void*, kDissectorCount> shared_{};  // Dissector::create_shared, per dissector
  EngineCounters counters_;
  TxView tx_;
  bool report_tx_;
  uint8_t max_probe_packets_;
};

}  // namespace flowprobe::dissect
