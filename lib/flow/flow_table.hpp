#pragma once
// Per-core flow table, built for a burst of packets at a time (as DPDK's rte_hash bulk
// lookup, VPP's bihash and l3fwd are): an index of 64-byte buckets, each holding ten
// 16-bit key signatures and pool references, over a preallocated pool of entries split
// into a hot part (128 bytes, two cache lines: key, times, counters, TCP state) that
// every packet touches and a cold part (MACs, tunnel, latencies, list links) touched at
// creation, at export and by closing flows. One RX core owns a table: no locks, and no
// allocation after construction.
//
// Expiry without work per packet: open flows sit in a timer wheel of slots G wide (a
// power of two of nanoseconds, at most the smallest idle timeout / 16 and at most 2^30
// ns = 1.07 s),
// placed by the deadline they had when placed. A packet only moves its flow's last
// time; when the wheel's hand reaches a slot, a flow found there past its deadline ends,
// one active since is moved to the slot of its new deadline (at most once per idle
// timeout of activity, never on the packet path). Within the hand's current slot flows
// are taken in the order they were placed, so idle expiry may come up to G late (never
// early; the record is the same, as a packet after the timeout always starts a new
// flow), and an end-of-capture flush still reports a flow past its idle timeout as
// idle. TCP flows that have closed linger briefly, in exact order, on their own list to
// collect their final ACK/RST.
//
// Timeout classes (flow/flow_timeouts.hpp): a flow's idle and lifetime timeouts are its
// class's, chosen when the flow is created from its protocol and ports; the class sits
// in the entry's spare key byte beside the client side, so a packet reads its timeouts
// from tables of 32 words indexed by that byte, as it read the single pair before.
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/counters.hpp"
#include "decode/decoder.hpp"
#include "flow/flow_key.hpp"
#include "flow/flow_record.hpp"
#include "flow/flow_timeouts.hpp"

namespace flowprobe {

inline constexpr uint64_t kNsPerSec = 1'000'000'000ull;

struct FlowTableConfig {
  uint32_t max_flows = 262'144;                 // per core (nProbe -w)
  uint64_t idle_timeout_ns = 30 * kNsPerSec;    // nProbe -d
  uint64_t active_timeout_ns = 120 * kNsPerSec; // nProbe -t (lifetime)
  // Protocols and ports with timeouts of their own (--idle-timeout-for, --lifetime-timeout-for);
  // the two above are those of every other flow.
  std::vector<FlowTimeoutRule> timeout_rules;
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
  // The burst pipeline (optional): stage 1 hashes the packet's key and prefetches its
  // index bucket; stage 2, called once that bucket had time to arrive, compares the
  // key's 16-bit signature with the bucket's ten and starts the loads of the matching
  // entry's hot lines; then on_packet, in arrival order. The misses of a burst's packets
  // overlap instead of following one another.
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
  // Bytes of memory the table holds per flow it can track (pool, index and wheel).
  std::size_t bytes_per_flow() const noexcept { return bytes_per_flow_for(config_); }
  // The same for a table of this configuration, without building it.
  static std::size_t bytes_per_flow_for(const FlowTableConfig& config) noexcept;

 private:
  struct Hot;
  struct Cold;
  struct Bucket;
  struct Links {
    uint32_t prev;
    uint32_t next;
  };

  uint32_t find(const FlowKey& key, uint64_t hash) const noexcept;
  void index_insert(uint64_t hash, uint32_t idx) noexcept;
  void index_erase(uint64_t hash, uint32_t idx) noexcept;
  uint64_t home_bucket(uint64_t hash) const noexcept;
  uint64_t next_bucket(uint64_t b) const noexcept { return b + 1 == nbuckets_ ? 0 : b + 1; }
  uint32_t create(const FlowKey& key, uint64_t hash, KeySide sender, const DecodedPacket& pkt,
                  uint64_t ts_ns, uint16_t port) noexcept;
  void remove(uint32_t idx) noexcept;
  void end_flow(uint32_t idx, FlowEndCause cause) noexcept;  // emit + remove
  uint32_t eviction_victim() noexcept;
  void emit_record(uint32_t idx, FlowEndCause cause) noexcept;
  // What every packet of a flow updates: times, counters, TOS, TTL, length.
  void account(uint32_t idx, int side, const DecodedPacket& pkt, uint64_t ts_ns) noexcept;

  // Circular doubly linked lists through the cold parts, one sentinel node per list
  // (node ids at and above max_flows): the wheel's slots and the closing list.
  Links& links(uint32_t node) noexcept;
  void list_push_tail(uint32_t sentinel, uint32_t idx) noexcept;
  void list_unlink(uint32_t idx) noexcept;
  uint32_t list_first(uint32_t sentinel) noexcept;
  uint32_t slot_sentinel(uint64_t slot) const noexcept {
    return config_.max_flows + static_cast<uint32_t>(slot & wheel_mask_);
  }
  uint32_t closing_sentinel() const noexcept { return config_.max_flows + static_cast<uint32_t>(wheel_mask_ + 1); }
  // Places an open flow in the wheel slot of its deadline (within the wheel's span).
  void wheel_place(uint32_t idx, uint64_t last_ns) noexcept;
  // The idle timeout of the flow at `idx` (its class's).
  uint64_t idle_of(uint32_t idx) const noexcept;
  // Moves flows active since they were placed to their deadline's slot (flush's order).
  void wheel_settle() noexcept;

  FlowTableConfig config_;
  FlowTimeoutClasses classes_;
  // Each class's timeouts twice, indexed by the entry's client byte (client side | class << 1);
  // two arrays of 8-byte words, so the byte indexes them without a shift.
  uint64_t idle_ns_[2 * FlowTimeoutClasses::kMaxClasses];
  uint64_t active_ns_[2 * FlowTimeoutClasses::kMaxClasses];
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
  Mapping hot_map_;
  Mapping cold_map_;
  Mapping bucket_map_;
  Hot* hot_ = nullptr;
  Cold* cold_ = nullptr;
  Bucket* buckets_ = nullptr;
  uint64_t nbuckets_ = 0;
  std::unique_ptr<Links[]> sentinels_;  // wheel slots, then the closing list
  uint64_t wheel_mask_ = 0;             // wheel slots - 1 (a power of two)
  uint64_t hand_ = 0;                   // the wheel's earliest slot that may hold a flow (absolute)
  uint64_t busy_from_ = UINT64_MAX;     // no flow in the slots from the hand to this one (absolute)
  uint32_t wheel_n_ = 0;                // open flows in the wheel
  uint32_t free_head_;
  uint32_t active_ = 0;
  unsigned slot_shift_ = 30;  // log2 of G, the wheel's slot width
  bool flushing_ = false;     // a flush is under way (the wheel is settled)
  uint64_t clock_ns_ = 0;     // latest packet or expiry time seen
  FlowTableCounters counters_;
};

}  // namespace flowprobe
