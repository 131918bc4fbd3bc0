#pragma once
// Per-RX-core application layer: nDPI plus our dissectors, behind the flow table's
// 32-bit per-flow handle (FlowHit::ext). A flow takes an L7 slot at its first packet;
// the slot holds the dissectors' and nDPI's handles (their per-flow parser state lives
// in their own pools and is freed as soon as they are done) and the results, which the
// flow's records carry when it ends. Slots come from one allocation whose pages are
// touched only as slots are first used (LIFO reuse keeps the touched set small).
//
// Per tracked packet:   l7.on_packet(table.on_packet(...), decoded, ts_ns)
// Flows the table ended: l7.finish_flows(table.finished())
// Then, per burst:      io puts l7.output() (records with their L7 part, alerts) on its
//                       rings and calls l7.output().clear(). Inspection never calls io.
#include <array>
#include <cstdint>
#include <memory>
#include <span>

#include "decode/decoder.hpp"
#include "dissectors/engine.hpp"
#include "dpi/inspect_output.hpp"
#include "dpi/ndpi_module.hpp"
#include "flow/flow_table.hpp"
#include "signatures/signature_engine.hpp"

namespace flowprobe::dpi {

// Rule protocols (alert smb …) that only nDPI's verdict gives a flow: no dissector of the
// table names them, so without nDPI (--no-dpi) their rules cannot match.
bool app_proto_needs_ndpi(sig::AppProto p) noexcept;

struct L7Config {
  bool enabled = true;            // the engine runs (nDPI and/or rules need it)
  bool use_ndpi = true;           // false: dissectors (and rules) only (--no-dpi with --rules)
  uint32_t max_flows = 262'144;   // flows with L7 results per core (slots); <= the flow table
  NdpiConfig ndpi;                // ndpi.max_flows: flows in nDPI detection at once
  bool ndpi_stop_when_known = false;  // see NdpiConfig::stop_when_known
  dissect::EngineConfig dissectors;
  // Signatures (--rules): compiled once, shared read-only by every core; nullptr = none.
  const sig::SignatureEngine* rules = nullptr;
  sig::ScannerConfig scanner;
  // Transaction records go into the output (someone reads them: --transactions-output,
  // --zeek-logs); without, they are only counted on their flow.
  bool transactions = false;
};

// The inspect stage's own counters, in the order of kL7CounterDefs (its dissectors' and
// its scanner's have tables of their own).
struct L7Counters {
  uint64_t flows_classified = 0;  // flows that ended with a known nDPI protocol
  uint64_t flows_unknown = 0;
  uint64_t flows_with_metadata = 0;  // flows whose record carried dissector metadata
  uint64_t slots_exhausted = 0;   // flows exported without L7 results: no free slot
  uint64_t ndpi_pool_exhausted = 0;
  uint64_t alerts_dropped = 0;    // alerts that found the burst's output full
  uint64_t transactions = 0;      // transactions the dissectors completed
  uint64_t tx_dropped = 0;        // transaction records that found the burst's output full
  uint64_t parts_truncated = 0;   // transaction parts the rules saw with something left out
};
inline constexpr CounterDef kL7CounterDefs[] = {
    {"l7.classified", "flows that ended with a protocol nDPI knows"},
    {"l7.unknown", "flows nDPI could not classify"},
    {"l7.with_metadata", "flows whose record carried dissector metadata"},
    {"l7.slots_exhausted", "flows exported without L7 results: no free L7 slot"},
    {"l7.ndpi_pool_exhausted", "flows not given to nDPI: its per-core pool was full"},
    {"alerts.dropped_output_full", "alerts lost: one packet raised more than the burst's output holds",
     CounterKind::counter, CounterShow::nonzero},
    {"transactions.completed", "transactions the dissectors completed (HTTP requests, DNS queries, handshakes, ...)"},
    {"transactions.dropped_output_full", "transaction records lost: one packet completed more than the output holds",
     CounterKind::counter, CounterShow::nonzero},
    {"rules.parts_truncated",
     "transaction parts the rules saw cut at a dissector's bound (HTTP header lines past 2 KB, TLS certificates past "
     "6 KB of chain or the 16th)",
     CounterKind::counter, CounterShow::nonzero},
};
static_assert(sizeof(L7Counters) == sizeof(kL7CounterDefs) / sizeof(CounterDef) * sizeof(uint64_t));

class L7Engine final : private dissect::TxSink {
 public:
  // With cfg.rules, this core's flows are matched and their alerts join output().
  explicit L7Engine(const L7Config& cfg, uint16_t core = 0);
  ~L7Engine();
  L7Engine(const L7Engine&) = delete;
  L7Engine& operator=(const L7Engine&) = delete;

  void on_packet(const FlowHit& hit, const DecodedPacket& pkt, uint64_t ts_ns) noexcept;
  // Flows the flow table ended: each record gets its L7 result and metadata and joins
  // output(). Slots are freed unless the flow goes on (end_cause active_timeout).
  // output() must have room (take it when half_full()).
  void finish_flows(std::span<const FinishedFlow> flows) noexcept;
  // What inspection produced since io last cleared it.
  InspectOutput& output() noexcept { return output_; }

  // Rule reload, on the RX core at a burst boundary: flows keep their state but give
  // their TCP stream slots back to the old scanner and forget flowbits (they index the
  // old rule set). Returns the old scanner for the main lcore to free.
  std::unique_ptr<sig::PerCoreScanner> swap_scanner(std::unique_ptr<sig::PerCoreScanner> next) noexcept;

  L7Counters counters() const;
  const dissect::EngineCounters& dissector_counters() const { return dissectors_.counters(); }
  const sig::ScannerCounters* scanner_counters() const { return scanner_ ? &scanner_->counters() : nullptr; }
  // The stage's counter tables (its own, its dissectors', its scanner's with rules), for
  // the readers (core/counters.hpp).
  void counter_sources(std::vector<CounterSource>& out) const;
  uint32_t slots_in_use() const { return capacity_ - free_top_; }
  static std::size_t slot_bytes();

 private:
  struct Slot;
  Slot* slot(uint32_t i) noexcept;
  // Marks the flow encrypted for the scanner (ScannerConfig::inspect_encrypted) once its
  // protocol says a payload is encrypted traffic (TLS application data, QUIC short headers).
  static void note_ciphertext(Slot& s, const DecodedPacket& pkt) noexcept;
  static void follow_switch(Slot& s) noexcept;
  // dissect::TxSink: a transaction part completed; its protocol's buffers go to the rules.
  void part(const dissect::TxPartView& v) noexcept override;
  // dissect::TxSink: a transaction completed: its flow counts it, and it joins the output
  // as a record when someone reads them.
  void emit(dissect::AppKind kind, const void* tx, std::size_t size, uint64_t ts_ns) noexcept override;

  uint32_t capacity_;
  std::byte* mem_;  // capacity_ slots, mmap'd
  std::unique_ptr<uint32_t[]> free_;
  uint32_t free_top_ = 0;
  uint32_t high_water_ = 0;  // slots [0, high_water_) have been used at least once
  dissect::DissectorEngine dissectors_;
  NdpiModule ndpi_;
  bool ndpi_on_;
  std::unique_ptr<sig::PerCoreScanner> scanner_;
  // Adds the flow's L7 result to `out.flow` and its metadata to `out.app`.
  void on_flow_end(L7Record& out, uint32_t ext) noexcept;

  InspectOutput output_;
  // Per protocol: the scratch its rule_buffers use, made once when rules are loaded.
  std::array<void*, dissect::kProtocolCount> rule_scratch_{};
  Slot* cur_ = nullptr;  // the flow whose packet (or end) the dissectors are handling
  uint64_t cur_ts_ = 0;
  bool tx_records_;      // L7Config::transactions
  uint16_t core_;
  L7Counters counters_;
  sig::ScannerCounters retired_scanners_{};  // the scanners a reload replaced, summed
};

}  // namespace flowprobe::dpi
