#pragma once
// Per-RX-core driver of the dissectors. The flow entry holds a FlowDissect (8 bytes) and
// an AppMetadata; per-flow parser state lives in per-dissector pools sized at start and
// is returned as soon as the dissector is done, gives up, or the flow ends.
//
// Per packet of a tracked flow:   engine.on_packet(flow.dissect, flow.app, decoded, from_client, ts_ns)
// When the flow ends (any cause): engine.on_flow_end(flow.dissect, flow.app)  -> then copy flow.app
#include <array>
#include <cstdint>
#include <memory>
#include <span>

#include "core/counters.hpp"
#include "decode/decoder.hpp"
#include "dissectors/app_metadata.hpp"
#include "dissectors/dissector.hpp"
#include "dissectors/protocols.hpp"

namespace flowprobe::dissect {

struct FlowDissect {
  static constexpr uint32_t kNoSlot = UINT32_MAX;
  static constexpr uint8_t kNone = 0xFF;
  enum class Status : uint8_t { probing, parsing, finished };
  uint32_t slot = kNoSlot;
  uint8_t dissector = kNone;  // index into kProtocols
  Status status = Status::probing;
  uint8_t probes = 0;         // payload packets probed so far
  uint8_t reserved = 0;
};
static_assert(sizeof(FlowDissect) == 8);

// Fixed-size slots of one dissector's state: one anonymous mapping at start (pages are
// touched only as slots are first used, and the free stack hands out low slots first), a
// free stack of indices after that. Not thread-safe: one per RX core.
class StatePool {
 public:
  StatePool() = default;
  // The first prefault_slots slots are touched now (see the constructor).
  StatePool(std::size_t slot_size, std::size_t align, uint32_t capacity, uint32_t prefault_slots = 0);
  StatePool(StatePool&& o) noexcept { *this = std::move(o); }
  StatePool& operator=(StatePool&& o) noexcept;
  ~StatePool();

  uint32_t acquire() noexcept;  // FlowDissect::kNoSlot when exhausted
  void release(uint32_t slot) noexcept;
  void* at(uint32_t slot) noexcept { return base_ + std::size_t{slot} * stride_; }
  uint32_t capacity() const { return capacity_; }
  uint32_t in_use() const { return capacity_ - free_top_; }
  std::size_t bytes() const { return std::size_t{capacity_} * stride_; }

 private:
  std::unique_ptr<uint32_t[]> free_;
  std::byte* base_ = nullptr;  // mapped, capacity_ * stride_ bytes
  std::size_t stride_ = 0;
  uint32_t capacity_ = 0;
  uint32_t free_top_ = 0;
};

struct EngineConfig {
  // Concurrent flows each dissector can follow per core (by protocol index; their
  // handshakes, not their lifetimes).
  std::array<uint32_t, kProtocolCount> slots{};  // 0 = default_slots
  uint32_t default_slots = 1024;
  // Payload packets to look at before giving up on a flow: enough to see TLS begin after
  // a STARTTLS (SMTP, FTP, XMPP) or RDP negotiation. Probes that say no cost a few compares.
  uint8_t max_probe_packets = 16;
  // Fault in each protocol's Dissector::prefault_slots when the engine is made (on the
  // main lcore), so that the RX core takes no page faults as flows begin. The probe sets
  // it; the tests, which make engines by the hundred, do not.
  bool prefault = false;
  // Where dissectors report completed transaction parts (the rules' buffers); null: nobody
  // asks, and HTTP parsing ends with the headers, no header line, body or JA3 string copied.
  TxSink* tx = nullptr;
  // Connections the dissectors announced (FTP's data channels), shared by every RX core;
  // null: the engine keeps its own (one core, the tests).
  ExpectedFlows* expected = nullptr;
};

// The dissectors' counters, per protocol of the table (engine_counter_source names them
// "dissectors.<name>.identified" …).
struct EngineCounters {
  std::array<uint64_t, kProtocolCount> identified{};
  std::array<uint64_t, kProtocolCount> done{};
  std::array<uint64_t, kProtocolCount> skipped{};
  std::array<uint64_t, kProtocolCount> pool_exhausted{};
  uint64_t unidentified = 0;
  ExpectedFlowCounters expected;  // "dissectors.expected.*"
};
CounterSource engine_counter_source(const EngineCounters& c);

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
  // Call at a flow's first packet, before on_packet: a connection a dissector announced
  // (ExpectedFlows) goes to the protocol it named, which its probes then never question.
  void on_flow_start(FlowDissect& f, AppMetadata& meta, const DecodedPacket& pkt, uint64_t ts_ns) noexcept;
  // Releases whatever state the flow still holds (its dissector reports what it held
  // first); the metadata stays as it is.
  void on_flow_end(FlowDissect& f, AppMetadata& meta) noexcept;

  const EngineCounters& counters() const { return counters_; }
  const StatePool& pool(std::size_t dissector) const { return pools_[dissector]; }
  std::size_t pool_bytes() const;

 private:
  // Releases the flow's state, after the dissector's finish hook reported what it held.
  void finish(FlowDissect& f, AppMetadata& meta) noexcept;
  std::array<StatePool, kProtocolCount> pools_;
  std::array<void*, kProtocolCount> shared_{};  // Dissector::create_shared, per protocol
  EngineCounters counters_;
  std::unique_ptr<ExpectedFlows> own_expected_;  // when EngineConfig::expected is null
  Expecter expect_;
  TxSink* tx_;
  uint8_t max_probe_packets_;
};

}  // namespace flowprobe::dissect
