#pragma once
// Per-core flow table: an open-addressing index over a preallocated pool of entries,
// with two intrusive lists ordered by last activity (open flows, and TCP flows that
// have closed and linger briefly to collect their final ACK/RST). Expiry walks the
// list heads, so its cost is O(expired), never O(table). One RX core owns a table:
// no locks, and no allocation after construction.
//
// The open list is kept in order of activity to a granularity G (a power of two of
// nanoseconds, at most idle timeout / 16 and at most 2^30 ns = 1.07 s): a packet moves
// its flow to the tail only when it is the flow's first in a new G-period. Moving on
// every packet cost two cache misses (the list neighbours) per packet at a million
// flows. The price: idle expiry may come up to G late (never early; the record is the
// same, as a packet after the timeout always starts a new flow), and an end-of-capture
// flush still reports a flow past its idle timeout as idle.
#include <cstdint>
#include <memory>
#include <span>

#include "core/counters.hpp"
#include "decode/decoder.hpp"
#include "flow/flow_key.hpp"
#include "flow/flow_record.hpp"

namespace flowprobe {

inline constexpr uint64_t kNsPerSec = 1'000'000'000ull;

struct FlowTableConfig {
  uint32_t max_flows = 262'144;                 // per core (nProbe -w)
  uint64_t idle_timeout_ns = 30 * kNsPerSec;    // nProbe -d
  uint64_t active_timeout_ns = 120 * kNsPerSec; // nProbe -t (lifetime)
  // After FIN from both sides or an RST, a flow stays this long to absorb the last
  // ACK or repeated RSTs instead of opening a one-packet flow for them.
  uint64_t tcp_close_linger_ns = 1 * kNsPerSec;
  // Keep flows of different tunnels apart (overlapping inner address spaces).
  bool key_tunnel_id = false;
};

inline constexpr uint32_t kNoFlowExt = UINT32_MAX;

// A flow that ended (or, with end_cause active_timeout, a record cut from a flow that goes
// on), with the flow's extension handle (see FlowHit): the owner of per-flow state kept
// outside the table (DPI, dissectors) adds its part to the record and releases that state
// unless the flow goes on.
struct FinishedFlow {
  FlowRecord record;
  uint32_t ext = kNoFlowExt;
};

// What on_packet tells the caller about the packet's flow. `ext` points into the flow
// entry (valid until the next table call): one 32-bit handle the caller may set to
// index its own per-flow state; it starts as kNoFlowExt.
struct FlowHit {
  uint32_t* ext = nullptr;
  uint64_t flow_id = 0;   // set when `created`: the flow's id in every record (flow_id_of)
  bool from_client = false;
  bool created = false;   // this packet opened the flow (or a new record of its 5-tuple)
};

// The flow stage's counters, in the order of kFlowCounterDefs.
struct FlowTableCounters {
  uint64_t created = 0;                          // entries opened
  uint64_t emitted = 0;                          // records emitted, all causes
  uint64_t ended[kFlowEndCauseCount] = {};       // records emitted, by cause
  uint64_t active = 0;                           // flows in the table now
  uint64_t not_taken = 0;                        // records lost: the caller did not take finished()
  uint64_t records() const noexcept { return emitted; }
};
inline constexpr CounterDef kFlowCounterDefs[] = {
    {"flows.created", "flows opened"},
    {"flows.records", "flow records emitted (all end causes)", CounterKind::counter, CounterShow::always, "flows_records"},
    {"flows.ended.idle_timeout", "records of flows idle past -d"},
    {"flows.ended.active_timeout", "records cut at the lifetime timeout -t (the flow goes on)"},
    {"flows.ended.tcp_fin", "records of TCP flows closed by FIN from both sides"},
    {"flows.ended.tcp_rst", "records of TCP flows closed by RST"},
    {"flows.ended.end_of_capture", "records of flows active when the input ended or the probe stopped"},
    {"flows.ended.table_full", "flows ended early because the table was full", CounterKind::counter,
     CounterShow::always, "flows_table_full"},
    {"flows.active", "flows in the table now", CounterKind::gauge, CounterShow::never, "flows_active"},
    {"flows.records_not_taken", "records lost because the owner did not take the table's finished flows",
     CounterKind::counter, CounterShow::nonzero},
};
static_assert(sizeof(FlowTableCounters) == sizeof(kFlowCounterDefs) / sizeof(CounterDef) * sizeof(uint64_t));
static_assert(kFlowEndCauseCount == 6, "one definition per end cause, in FlowEndCause's order");

// The id a flow has in every record, alert and transaction of it (nProbe's FLOW_ID,
// eve's flow_id): a hash of its key and the time of its first packet, below 2^53 so that
// JSON readers that use doubles keep it exact. The same capture gives the same ids.
uint64_t flow_id_of(const FlowKey& key, uint64_t first_ns) noexcept;

class FlowTable {
 public:
  FlowTable(const FlowTableConfig& config, uint16_t rx_core = 0);
  ~FlowTable();
  FlowTable(const FlowTable&) = delete;
  FlowTable& operator=(const FlowTable&) = delete;

  // A packet's flow key, which side of it sent the packet, and the key's hash.
  struct Keyed {
    FlowKey key;
    uint64_t hash;
    KeySide sender;
  };
  Keyed key_of(const DecodedPacket& pkt) const noexcept {
    Keyed k;
    k.key = make_flow_key(pkt, k.sender, config_.key_tunnel_id);
    k.hash = hash_flow_key(k.key);
    return k;
  }

  // Accounts one tracked packet (decode outcome ipv4/ipv6). `ts_ns` is the packet's time.
  FlowHit on_packet(const DecodedPacket& pkt, uint64_t ts_ns, uint16_t port) noexcept {
    return on_packet(pkt, key_of(pkt), ts_ns, port);
  }
  // The same with the key already made (by prefetch_index, earlier in the burst).
  FlowHit on_packet(const DecodedPacket& pkt, const Keyed& keyed, uint64_t ts_ns, uint16_t port) noexcept;
  // Accounts a non-first IP fragment (no L4 header) whose ports its first fragment gave
  // (FragmentMap::recall) to that flow: packets, bytes and SRC/DST_FRAGMENTS, no TCP
  // state. False when the flow is not in the table (it ended, or never began here).
  bool on_fragment(const DecodedPacket& pkt, uint64_t ts_ns) noexcept;
  // Optional, for a burst of packets: start the loads on_packet will need, so that the
  // cache misses of many packets overlap instead of following one another. Stage 1
  // hashes the packet's key and prefetches its index slot; stage 2, called once that
  // slot had time to arrive, prefetches the entry the slot points to.
  // Stage 1 returns the key it made, for on_packet to reuse.
  Keyed prefetch_index(const DecodedPacket& pkt) const noexcept;
  void prefetch_entry(uint64_t hash) const noexcept;
  // Ends flows idle or lingering past their deadline at `now_ns` (packet clock). Returns
  // true when it stopped because finished() is full: take them and call again.
  bool expire(uint64_t now_ns) noexcept;
  // Ends every flow with `cause` and empties the table (end of capture, shutdown); true
  // when it stopped because finished() is full: take them and call again.
  bool flush(FlowEndCause cause) noexcept;

  // The flows that ended in the calls since the last clear_finished(), in order. The
  // caller takes them after every call: on_packet ends at most two (a lingering or idle
  // flow its 5-tuple reuses, and one evicted for room), expire and flush up to the room.
  static constexpr uint32_t kFinishedCapacity = 256;
  std::span<FinishedFlow> finished() noexcept { return {finished_.get(), finished_n_}; }
  void clear_finished() noexcept { finished_n_ = 0; }

  uint32_t active() const noexcept { return active_; }
  uint32_t capacity() const noexcept { return config_.max_flows; }
  const FlowTableCounters& counters() const noexcept { return counters_; }
  // Bytes of memory the table holds per flow it can track (pool + index).
  std::size_t bytes_per_flow() const noexcept;

 private:
  struct Entry;
  struct Slot {
    uint32_t sig;   // low 32 bits of the key hash; also gives the home slot
    uint32_t ref;   // pool index + 1; 0 = empty
  };
  struct List {
    uint32_t head;
    uint32_t tail;
  };

  uint32_t find(const FlowKey& key, uint64_t hash) const noexcept;
  uint32_t create(const FlowKey& key, uint64_t hash, KeySide sender, const DecodedPacket& pkt,
                  uint64_t ts_ns, uint16_t port) noexcept;
  void remove(uint32_t idx) noexcept;
  void end_flow(uint32_t idx, FlowEndCause cause) noexcept;  // emit + remove
  uint32_t eviction_victim() const noexcept;
  void emit_record(const Entry& e, FlowEndCause cause) noexcept;
  // What every packet of a flow updates: activity order, times, counters, TOS, TTL, length.
  void account(Entry& e, uint32_t idx, int side, const DecodedPacket& pkt, uint64_t ts_ns) noexcept;
  void list_push_tail(List& l, uint32_t idx) noexcept;
  void list_unlink(List& l, uint32_t idx) noexcept;
  List& list_of(const Entry& e) noexcept;

  FlowTableConfig config_;
  uint16_t rx_core_;
  std::unique_ptr<FinishedFlow[]> finished_;
  uint32_t finished_n_ = 0;
  // Anonymous mappings with transparent huge pages (see flow_table.cpp).
  struct Mapping {
    void* base = nullptr;
    std::size_t length = 0;
    Mapping() = default;
    Mapping(const Mapping&) = delete;
    Mapping& operator=(const Mapping&) = delete;
    ~Mapping();
    void* map(std::size_t bytes);
  };
  Mapping pool_map_;
  Mapping slots_map_;
  Entry* pool_ = nullptr;
  Slot* slots_ = nullptr;
  uint64_t slot_mask_ = 0;
  uint32_t free_head_;
  uint32_t active_ = 0;
  List open_{};
  List closing_{};
  unsigned lru_shift_ = 30;  // log2 of G, the open list's granularity
  uint64_t clock_ns_ = 0;    // latest packet or expiry time seen
  FlowTableCounters counters_;
};

}  // namespace flowprobe
