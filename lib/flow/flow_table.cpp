#include "flow/flow_table.hpp"

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstring>
#include <memory>
#include <type_traits>
#include <new>
#include <stdexcept>

#include <sys/mman.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "flow/tcp_state.hpp"

namespace flowprobe {

namespace {
constexpr uint32_t kNil = UINT32_MAX;

constexpr uint8_t kSynSeen = 0x01;
constexpr uint8_t kFinLo = 0x02;
constexpr uint8_t kFinHi = 0x04;
constexpr uint8_t kRstSeen = 0x08;
constexpr uint8_t kClosing = 0x10;   // on the closing list
}  // namespace

// Live state of one flow, in two parts. Counters are indexed by KeySide (0 = lo, 1 = hi)
// and mapped to client/server only when the record is emitted, so a late SYN can still
// pick the client without moving counters.
namespace {
constexpr uint64_t kFragmentOne = 1ull << 48;
constexpr uint64_t kByteMask = kFragmentOne - 1;
constexpr uint16_t fragments_of(uint64_t packed) { return static_cast<uint16_t>(packed >> 48); }
// The stored key's two spare bytes (FlowKey::reserved, 0 in every key a packet makes)
// carry the flow's state bits and its client side, so that they share the key's line.
static_assert(std::endian::native == std::endian::little, "the spare bytes are the top of the key's last word");
static_assert(offsetof(FlowKey, reserved) == 46);
constexpr uint64_t kKeyLastWordMask = 0x0000FFFFFFFFFFFFull;
}  // namespace

// What every packet reads and writes: two cache lines, 64-byte aligned.
struct alignas(64) FlowTable::Hot {
  // Line 0: what the lookup compares, and the per-packet time and packet counters.
  FlowKey key;  // reserved: [0] state bits, [1] client KeySide | timeout class << 1
  uint64_t last_ns;
  uint32_t pkts[2];  // 32 bits keep the entry within budget; a full counter cuts a record
  // Line 1: bytes, lifetime, TCP state, per-packet extremes.
  // IP bytes in the low 48 bits (256 TiB, beyond any record's lifetime at any line
  // rate), the fragmented packets of that side in the high 16 (saturating).
  uint64_t bytes[2];
  uint64_t first_ns;
  TcpState tcp;  // Zeek endpoint states and history, nProbe TCP counters
  uint8_t tcp_flags[2];
  uint8_t min_ttl;
  uint8_t max_ttl;
  uint16_t min_len;
  uint16_t max_len;

  uint8_t& state() noexcept { return reinterpret_cast<uint8_t*>(&key.reserved)[0]; }
  uint8_t state() const noexcept { return reinterpret_cast<const uint8_t*>(&key.reserved)[0]; }
  uint8_t client() const noexcept { return reinterpret_cast<const uint8_t*>(&key.reserved)[1] & 1; }
  void set_client(int side) noexcept {
    uint8_t& b = reinterpret_cast<uint8_t*>(&key.reserved)[1];
    b = static_cast<uint8_t>((b & ~1) | side);
  }
  // The client side and the timeout class in one byte: the index of FlowTable::idle_ns_/active_ns_.
  uint8_t side_class() const noexcept { return reinterpret_cast<const uint8_t*>(&key.reserved)[1]; }
  void set_side_class(int side, uint8_t cls) noexcept {
    reinterpret_cast<uint8_t*>(&key.reserved)[1] = static_cast<uint8_t>(side | cls << 1);
  }
  // The key as packets make it (spare bytes cleared): what is hashed and identified.
  FlowKey clean_key() const noexcept {
    FlowKey k = key;
    k.reserved = 0;
    return k;
  }
  // Six 64-bit words compared without a branch, the spare bytes left out.
  bool matches(const FlowKey& probe) const noexcept {
    uint64_t a[6], b[6];
    std::memcpy(a, &key, sizeof(a));
    std::memcpy(b, &probe, sizeof(b));
    const uint64_t d = (a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]) | (a[4] ^ b[4]) |
                       ((a[5] ^ b[5]) & kKeyLastWordMask);
    return d == 0;
  }
};

// What a packet seldom touches: written at creation, read at export; closing flows and
// TCP handshakes touch it too.
struct FlowTable::Cold {
  Links links;       // wheel slot or closing list; `next` chains the free list
  uint32_t ext;      // the owner's handle to per-flow state outside the table (FlowHit)
  uint32_t tunnel_id;
  std::array<uint8_t, 6> mac[2];
  uint8_t tos[2];
  uint16_t icmp_type;
  uint8_t port;      // DPDK port id (RTE_MAX_ETHPORTS is far below 256)
  uint8_t tunnel_depth;
  TcpTiming timing;  // handshake and response latencies
};

// One cache line of the index: ten flows' 16-bit key signatures (0 = empty) and pool
// references. `passed` counts the flows whose home bucket lies before this one and that
// are stored after it, so a lookup stops at the first bucket nothing passed.
struct alignas(64) FlowTable::Bucket {
  static constexpr int kSlots = 10;
  uint16_t sig[kSlots];
  uint32_t passed;
  uint32_t ref[kSlots];  // pool index
};

namespace {
// Flows per bucket at capacity: half of its ten slots, so a full bucket is rare (1.4 %
// of buckets with Poisson(5) arrivals) and a lookup reads one line.
constexpr uint64_t kFlowsPerBucket = 5;

inline uint16_t sig_of(uint64_t hash) noexcept {
  const auto s = static_cast<uint16_t>(hash);
  return s ? s : 1;
}

// Bit 2*i set when sig[i] == s (two bits a lane, as SSE2's byte mask gives them).
inline uint32_t sig_matches(const uint16_t* sig, uint16_t s) noexcept {
#if defined(__SSE2__)
  const __m128i lanes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(sig));
  uint32_t m = static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi16(lanes, _mm_set1_epi16(static_cast<short>(s)))));
  m |= static_cast<uint32_t>(sig[8] == s) << 16 | static_cast<uint32_t>(sig[9] == s) << 18;
  return m & 0x55555u;
#else
  uint32_t m = 0;
  for (int i = 0; i < 10; ++i) m |= static_cast<uint32_t>(sig[i] == s) << (2 * i);
  return m;
#endif
}
}  // namespace

// At a million flows the pool and index span hundreds of MiB; with 4 KiB pages nearly
// every lookup missed the TLB as well as the cache (DPDK runs here without hugepages).
// A private anonymous mapping, 2 MiB aligned and marked for transparent huge pages,
// lets the kernel back it with 2 MiB pages where THP is enabled ("always" or "madvise");
// elsewhere the hint is ignored and nothing changes.
void* FlowTable::Mapping::map(std::size_t bytes) {
  constexpr std::size_t kHuge = 2u << 20;
  length = bytes + kHuge;
  base = ::mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) {
    base = nullptr;
    throw std::bad_alloc();
  }
  const auto addr = (reinterpret_cast<uintptr_t>(base) + kHuge - 1) & ~uintptr_t{kHuge - 1};
  ::madvise(reinterpret_cast<void*>(addr), bytes, MADV_HUGEPAGE);
  return reinterpret_cast<void*>(addr);
}

FlowTable::Mapping::~Mapping() {
  if (base) ::munmap(base, length);
}

uint64_t flow_id_of(const FlowKey& key, uint64_t first_ns) noexcept {
  const auto mix = [](uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
  };
  uint64_t words[6];
  std::memcpy(words, &key, sizeof words);
  uint64_t h = mix(first_ns);
  for (uint64_t w : words) h = mix(h ^ w);
  return (h & ((uint64_t{1} << 53) - 1)) | 1;  // never 0: 0 means "no id"
}

namespace {
uint64_t buckets_for(uint32_t max_flows) { return (uint64_t{max_flows} + kFlowsPerBucket - 1) / kFlowsPerBucket; }
// Slots in the wheel: its span must reach past the idle timeout; beyond 2^16 slots (an
// idle timeout of more than 19 hours at G = 2^30 ns) flows are placed at the far end
// and moved on when the hand gets there.
uint64_t wheel_slots_for(const FlowTimeoutClasses& c, unsigned shift) {
  return std::bit_ceil(std::min<uint64_t>((c.max_idle_ns() >> shift) + 2, 1u << 16));
}
unsigned slot_shift_for(const FlowTimeoutClasses& c) {
  // G: the largest power of two <= the smallest idle timeout / 16, within [1 ns, 2^30 ns].
  const uint64_t g = std::max<uint64_t>(c.min_idle_ns() / 16, 1);
  return std::min(30u, static_cast<unsigned>(std::bit_width(g) - 1));
}
}  // namespace

FlowTable::FlowTable(const FlowTableConfig& config, uint16_t rx_core)
    : config_(config),
      classes_(config.idle_timeout_ns, config.active_timeout_ns, config.timeout_rules),
      rx_core_(rx_core),
      finished_(std::make_unique<FinishedFlow[]>(kFinishedCapacity + 2)) {
  static_assert(sizeof(FlowKey) == sizeof(uint64_t) * 6);
  static_assert(sizeof(Hot) == 128 && offsetof(Hot, bytes) == 64,
                "the hot part is two cache lines: lookup and time in the first, the rest in the second");
  static_assert(sizeof(Cold) == 48 && sizeof(Bucket) == 64);
  if (config_.max_flows == 0 || config_.max_flows >= kNil / 2)
    throw std::invalid_argument("flow table capacity must be between 1 and 2^31");
  if (!classes_.error().empty()) throw std::invalid_argument("flow timeouts: " + classes_.error());
  for (int i = 0; i < 2 * FlowTimeoutClasses::kMaxClasses; ++i) {
    const FlowTimeoutClasses::Timeouts& t = classes_[i >> 1 < classes_.count() ? i >> 1 : 0];
    idle_ns_[i] = t.idle_ns;
    active_ns_[i] = t.active_ns;
  }
  static_assert(std::is_trivially_destructible_v<Hot> && std::is_trivially_destructible_v<Cold>);
  const uint32_t n = config_.max_flows;
  hot_ = static_cast<Hot*>(hot_map_.map(sizeof(Hot) * n));
  cold_ = static_cast<Cold*>(cold_map_.map(sizeof(Cold) * n));
  // Value-initialising touches every page now, at start, instead of on the packet path.
  std::uninitialized_value_construct_n(hot_, n);
  std::uninitialized_value_construct_n(cold_, n);
  nbuckets_ = buckets_for(n);
  buckets_ = static_cast<Bucket*>(bucket_map_.map(nbuckets_ * sizeof(Bucket)));
  std::memset(static_cast<void*>(buckets_), 0, nbuckets_ * sizeof(Bucket));
  for (uint32_t i = 0; i < n; ++i) cold_[i].links.next = i + 1 < n ? i + 1 : kNil;
  free_head_ = 0;
  slot_shift_ = slot_shift_for(classes_);
  const uint64_t slots = wheel_slots_for(classes_, slot_shift_);
  wheel_mask_ = slots - 1;
  sentinels_ = std::make_unique<Links[]>(slots + 1);
  for (uint64_t i = 0; i <= slots; ++i) {
    const uint32_t id = n + static_cast<uint32_t>(i);
    sentinels_[i] = Links{id, id};
  }
}

FlowTable::~FlowTable() = default;

std::size_t FlowTable::bytes_per_flow_for(const FlowTableConfig& config) noexcept {
  const uint64_t n = std::max<uint32_t>(config.max_flows, 1);
  const FlowTimeoutClasses classes(config.idle_timeout_ns, config.active_timeout_ns, config.timeout_rules);
  const uint64_t bytes = n * (sizeof(Hot) + sizeof(Cold)) + buckets_for(config.max_flows) * sizeof(Bucket) +
                         (wheel_slots_for(classes, slot_shift_for(classes)) + 1) * sizeof(Links);
  return static_cast<std::size_t>((bytes + n - 1) / n);
}

uint64_t FlowTable::home_bucket(uint64_t hash) const noexcept {
  // The high half of the hash scaled to the bucket count (no power of two needed, so
  // the index is sized to the capacity); the low 16 bits are the signature.
  return ((hash >> 32) * nbuckets_) >> 32;
}

uint32_t FlowTable::find(const FlowKey& key, uint64_t hash) const noexcept {
  const uint16_t sig = sig_of(hash);
  for (uint64_t b = home_bucket(hash);; b = next_bucket(b)) {
    const Bucket& bk = buckets_[b];
    for (uint32_t m = sig_matches(bk.sig, sig); m != 0; m &= m - 1) {
      const uint32_t idx = bk.ref[std::countr_zero(m) >> 1];
      if (hot_[idx].matches(key)) return idx;
    }
    if (bk.passed == 0) return kNil;
  }
}

void FlowTable::index_insert(uint64_t hash, uint32_t idx) noexcept {
  // There is always room: the buckets have twice as many slots as the pool has entries.
  for (uint64_t b = home_bucket(hash);; b = next_bucket(b)) {
    Bucket& bk = buckets_[b];
    const uint32_t empty = sig_matches(bk.sig, 0);
    if (empty != 0) {
      const int i = std::countr_zero(empty) >> 1;
      bk.sig[i] = sig_of(hash);
      bk.ref[i] = idx;
      return;
    }
    ++bk.passed;
  }
}

void FlowTable::index_erase(uint64_t hash, uint32_t idx) noexcept {
  const uint16_t sig = sig_of(hash);
  for (uint64_t b = home_bucket(hash);; b = next_bucket(b)) {
    Bucket& bk = buckets_[b];
    for (uint32_t m = sig_matches(bk.sig, sig); m != 0; m &= m - 1) {
      const int i = std::countr_zero(m) >> 1;
      if (bk.ref[i] == idx) {
        bk.sig[i] = 0;
        return;
      }
    }
    --bk.passed;
  }
}

FlowTable::Keyed FlowTable::prefetch_index(const DecodedPacket& pkt) const noexcept {
  const Keyed k = key_of(pkt);
  __builtin_prefetch(&buckets_[home_bucket(k.hash)]);
  return k;
}

void FlowTable::prefetch_entry(uint64_t hash) const noexcept {
  // Only the home bucket is read: at load 1/2 nearly every flow is there, and a
  // prefetch of the wrong entry costs nothing but bandwidth.
  const Bucket& bk = buckets_[home_bucket(hash)];
  const uint32_t m = sig_matches(bk.sig, sig_of(hash));
  if (m != 0) {
    const char* e = reinterpret_cast<const char*>(&hot_[bk.ref[std::countr_zero(m) >> 1]]);
    // The first word of each line is read, not only prefetched: on the development VM
    // prefetches alone left on_packet waiting (they seem to be dropped on TLB misses),
    // and a burst of real loads whose values nothing waits for ran 10-15% faster at 1 M
    // flows (BM_FlowLookupBurst).
    uint64_t line0, line1;
    std::memcpy(&line0, e, sizeof(line0));
    std::memcpy(&line1, e + 64, sizeof(line1));
    asm volatile("" : : "r"(line0), "r"(line1));
  }
}

FlowTable::Links& FlowTable::links(uint32_t node) noexcept {
  return node < config_.max_flows ? cold_[node].links : sentinels_[node - config_.max_flows];
}

void FlowTable::list_push_tail(uint32_t sentinel, uint32_t idx) noexcept {
  Links& s = links(sentinel);
  const uint32_t tail = s.prev;
  cold_[idx].links = Links{tail, sentinel};
  links(tail).next = idx;
  s.prev = idx;
}

void FlowTable::list_unlink(uint32_t idx) noexcept {
  const Links l = cold_[idx].links;
  links(l.prev).next = l.next;
  links(l.next).prev = l.prev;
}

uint32_t FlowTable::list_first(uint32_t sentinel) noexcept {
  const uint32_t first = links(sentinel).next;
  return first == sentinel ? kNil : first;
}

uint64_t FlowTable::idle_of(uint32_t idx) const noexcept { return idle_ns_[hot_[idx].side_class()]; }

void FlowTable::wheel_place(uint32_t idx, uint64_t last_ns) noexcept {
  const uint64_t due = (last_ns + idle_of(idx)) >> slot_shift_;
  const uint64_t slot = std::clamp(due, hand_, hand_ + wheel_mask_);
  busy_from_ = std::min(busy_from_, slot);
  list_push_tail(slot_sentinel(slot), idx);
}

uint32_t FlowTable::create(const FlowKey& key, uint64_t hash, KeySide sender, const DecodedPacket& pkt,
                           uint64_t ts_ns, uint16_t port) noexcept {
  if (free_head_ == kNil) {
    // Table pressure: export the least recently active flow early, never drop silently.
    end_flow(eviction_victim(), FlowEndCause::table_full);
  }
  const uint32_t idx = free_head_;
  Hot& h = hot_[idx];
  Cold& c = cold_[idx];
  free_head_ = c.links.next;

  h.key = key;
  h.first_ns = h.last_ns = ts_ns;
  h.bytes[0] = h.bytes[1] = 0;
  h.pkts[0] = h.pkts[1] = 0;
  const int s = static_cast<int>(sender);
  c.mac[s] = pkt.src_mac;
  c.mac[1 - s] = pkt.dst_mac;
  h.tcp_flags[0] = h.tcp_flags[1] = 0;
  c.tos[0] = c.tos[1] = 0;
  // The initiator is the first packet's sender, except that a SYN-ACK seen first
  // (the SYN was missed) points at its receiver.
  const bool synack = pkt.l4_proto == ipproto::tcp &&
                      (pkt.tcp_flags & (tcpflag::syn | tcpflag::ack)) == (tcpflag::syn | tcpflag::ack);
  // The timeout class, once per flow: by protocol, and for some protocols by port.
  h.set_side_class(synack ? 1 - s : s, classes_.class_of(key.proto, key.port_lo, key.port_hi));
  h.tcp = TcpState{};
  c.timing = TcpTiming{};
  if (synack) tcp_note_flip(h.tcp);
  h.state() = 0;
  c.icmp_type = (pkt.l4_proto == ipproto::icmp || pkt.l4_proto == ipproto::icmpv6)
                    ? static_cast<uint16_t>(pkt.icmp_type << 8 | pkt.icmp_code) : 0;
  h.min_ttl = 255;
  h.max_ttl = 0;
  h.min_len = UINT16_MAX;
  h.max_len = 0;
  c.port = static_cast<uint8_t>(port);
  c.ext = kNoFlowExt;
  c.tunnel_id = pkt.tunnel_id;
  c.tunnel_depth = pkt.tunnel_depth;

  index_insert(hash, idx);
  // An empty wheel's hand may lag far behind: start it at this packet's slot.
  if (wheel_n_ == 0) hand_ = std::max(hand_, ts_ns >> slot_shift_);
  wheel_place(idx, ts_ns);
  ++wheel_n_;
  ++active_;
  counters_.active = active_;
  ++counters_.created;
  return idx;
}

void FlowTable::remove(uint32_t idx) noexcept {
  Hot& h = hot_[idx];
  list_unlink(idx);
  if (!(h.state() & kClosing)) --wheel_n_;
  index_erase(hash_flow_key(h.clean_key()), idx);
  cold_[idx].links.next = free_head_;
  free_head_ = idx;
  --active_;
  counters_.active = active_;
}

void FlowTable::emit_record(uint32_t idx, FlowEndCause cause) noexcept {
  ++counters_.emitted;
  ++counters_.ended[static_cast<int>(cause)];
  // Room is kept for what one call can end (see finished()); a caller that never takes
  // the finished flows loses them here, counted.
  if (finished_n_ == kFinishedCapacity + 2) {
    ++counters_.not_taken;
    return;
  }
  const Hot& e = hot_[idx];
  const Cold& cold = cold_[idx];
  FinishedFlow& out = finished_[finished_n_++];
  out.ext = cold.ext;
  FlowRecord& r = out.record;
  r = FlowRecord{};
  r.flow_id = flow_id_of(e.clean_key(), e.first_ns);
  const int c = e.client();
  const int sv = 1 - c;
  const bool client_lo = c == 0;
  r.src_ip = client_lo ? e.key.ip_lo : e.key.ip_hi;
  r.dst_ip = client_lo ? e.key.ip_hi : e.key.ip_lo;
  r.src_port = client_lo ? e.key.port_lo : e.key.port_hi;
  r.dst_port = client_lo ? e.key.port_hi : e.key.port_lo;
  r.src_mac = cold.mac[c];
  r.dst_mac = cold.mac[sv];
  // SRC_VLAN is the inner (customer) tag in QinQ, the only tag otherwise.
  r.vlan = e.key.vlan_inner ? e.key.vlan_inner : e.key.vlan_outer;
  r.vlan_outer = e.key.vlan_inner ? e.key.vlan_outer : 0;
  r.ip_version = e.key.ip_version;
  r.protocol = e.key.proto;
  r.src_tos = cold.tos[c];
  r.dst_tos = cold.tos[sv];
  r.client_tcp_flags = e.tcp_flags[c];
  r.server_tcp_flags = e.tcp_flags[sv];
  r.icmp_type = cold.icmp_type;
  r.min_ttl = e.min_ttl;
  r.max_ttl = e.max_ttl;
  r.min_ip_len = e.min_len;
  r.max_ip_len = e.max_len;
  r.end_cause = cause;
  r.input_port = cold.port;
  r.rx_core = rx_core_;
  r.tunnel_id = cold.tunnel_id;
  r.tunnel_depth = cold.tunnel_depth;
  r.in_bytes = e.bytes[c] & kByteMask;
  r.in_pkts = e.pkts[c];
  r.out_bytes = e.bytes[sv] & kByteMask;
  r.out_pkts = e.pkts[sv];
  r.src_fragments = fragments_of(e.bytes[c]);
  r.dst_fragments = fragments_of(e.bytes[sv]);
  r.first_ns = e.first_ns;
  r.last_ns = e.last_ns;
  if (e.key.proto == ipproto::tcp) {
    const TcpState& t = e.tcp;
    r.conn_state = static_cast<uint8_t>(tcp_conn_state(t, c));
    t.history.copy_to(r.history.data(), static_cast<int>(r.history.size()));
    // nProbe reports half of each round trip (the one-way delay to the probe), see
    // ../shared/spec/nprobe-json.md: "RTT/2 client<->probe" and "RTT/2 probe<->server".
    if (t.flags & kTcpClientLat) r.client_nw_latency_us = cold.timing.client_us / 2;
    if (t.flags & kTcpServerLat) r.server_nw_latency_us = cold.timing.server_us / 2;
    if (t.flags & kTcpApplDone) r.appl_latency_us = cold.timing.appl_us;
    r.retransmitted_in_pkts = t.rxmit[c];
    r.retransmitted_out_pkts = t.rxmit[sv];
    r.ooorder_in_pkts = t.ooo[c];
    r.ooorder_out_pkts = t.ooo[sv];
    r.tcp_win_max_in = t.win_max[c];
    r.tcp_win_max_out = t.win_max[sv];
  } else if (e.key.proto == ipproto::udp) {
    // Zeek's UDP analyzer: 'D'/'d' on each side's first packet, in arrival order; the
    // client is the first sender, so its letter comes first.
    r.conn_state = static_cast<uint8_t>(udp_conn_state(e.pkts[c], e.pkts[sv]));
    int n = 0;
    if (e.pkts[c]) r.history[n++] = 'D';
    if (e.pkts[sv]) r.history[n++] = 'd';
  } else {
    r.conn_state = static_cast<uint8_t>(ConnState::OTH);
  }
  if (e.key.proto != ipproto::tcp) r.reverse_delay_us = cold.timing.server_us;
}

uint32_t FlowTable::eviction_victim() noexcept {
  const uint32_t closing = list_first(closing_sentinel());
  if (closing != kNil) return closing;
  // The wheel's earliest occupied slot holds the flows placed with the earliest
  // deadlines; some may have been active since. Among its first few, the one quiet
  // longest: a bounded look, as eviction happens on the packet path.
  // The slots from the hand to the first deadline are empty (an idle timeout's worth):
  // busy_from_ remembers where the last search found a flow.
  uint32_t victim = kNil;
  uint64_t s = std::max(hand_, busy_from_);
  for (; (victim = list_first(slot_sentinel(s))) == kNil; ++s) {
  }
  busy_from_ = s;
  const uint32_t sentinel = cold_[victim].links.prev;  // the head's prev is its slot's sentinel
  uint32_t i = cold_[victim].links.next;
  for (int n = 0; n < 8 && i != sentinel; ++n, i = cold_[i].links.next)
    if (hot_[i].last_ns < hot_[victim].last_ns) victim = i;
  return victim;
}

void FlowTable::end_flow(uint32_t idx, FlowEndCause cause) noexcept {
  emit_record(idx, cause);
  remove(idx);
}

[[gnu::always_inline]] inline void FlowTable::account(uint32_t idx, int s, const DecodedPacket& pkt,
                                                      uint64_t ts_ns) noexcept {
  Hot& e = hot_[idx];
  // Closing flows are few and keep an exact order for their short linger; open flows
  // stay where the wheel placed them (see the header).
  if ((e.state() & kClosing) && cold_[idx].links.next != closing_sentinel()) [[unlikely]] {
    list_unlink(idx);
    list_push_tail(closing_sentinel(), idx);
  }
  clock_ns_ = std::max(clock_ns_, ts_ns);
  e.last_ns = std::max(e.last_ns, ts_ns);
  e.first_ns = std::min(e.first_ns, ts_ns);
  e.pkts[s] += 1;
  e.bytes[s] += pkt.ip_bytes;
  if (pkt.fragment && fragments_of(e.bytes[s]) != UINT16_MAX) [[unlikely]]
    e.bytes[s] += kFragmentOne;
  // The side's first packet of this record gives its TOS (a full counter cuts the record
  // before it could wrap back to 1).
  if (e.pkts[s] == 1) [[unlikely]]
    cold_[idx].tos[s] = pkt.tos;
  e.min_ttl = std::min(e.min_ttl, pkt.ttl);
  e.max_ttl = std::max(e.max_ttl, pkt.ttl);
  const uint16_t len = static_cast<uint16_t>(std::min<uint32_t>(pkt.ip_bytes, UINT16_MAX));
  e.min_len = std::min(e.min_len, len);
  e.max_len = std::max(e.max_len, len);
}

bool FlowTable::on_fragment(const DecodedPacket& pkt, uint64_t ts_ns) noexcept {
  const Keyed k = key_of(pkt);
  const uint32_t idx = find(k.key, k.hash);
  if (idx == kNil) return false;
  const int s = static_cast<int>(k.sender);
  // A full packet counter cuts the record on the next full packet (on_packet); a
  // fragment must not wrap it meanwhile.
  if (hot_[idx].pkts[s] == UINT32_MAX) return false;
  account(idx, s, pkt, ts_ns);
  return true;
}

FlowHit FlowTable::on_packet(const DecodedPacket& pkt, const Keyed& keyed, uint64_t ts_ns, uint16_t port) noexcept {
  const KeySide sender = keyed.sender;
  const FlowKey& key = keyed.key;
  const uint64_t hash = keyed.hash;
  const bool is_tcp = pkt.l4_proto == ipproto::tcp;
  const bool pure_syn = is_tcp && (pkt.tcp_flags & (tcpflag::syn | tcpflag::ack)) == tcpflag::syn;

  uint32_t idx = find(key, hash);
  if (idx != kNil) {
    Hot& e = hot_[idx];
    const uint8_t st = e.state();
    if ((st & kClosing) && (pure_syn || ts_ns >= e.last_ns + config_.tcp_close_linger_ns)) {
      // The 5-tuple is reused by a new connection while the old one lingers, or the
      // linger is over and expire() has not run yet.
      end_flow(idx, (st & kRstSeen) ? FlowEndCause::tcp_rst : FlowEndCause::tcp_fin);
      idx = kNil;
    } else if (const uint8_t sc = e.side_class(); !(st & kClosing) && ts_ns > e.last_ns + idle_ns_[sc]) {
      // Quiet past the idle timeout: whatever the order of expiry, this packet starts a new flow.
      end_flow(idx, FlowEndCause::idle_timeout);
      idx = kNil;
    } else if (ts_ns >= e.first_ns + active_ns_[sc] || e.pkts[0] == UINT32_MAX ||
               e.pkts[1] == UINT32_MAX) [[unlikely]] {
      // Lifetime reached (or a packet counter is full, 2^32 packets, ~5 min at 14.88 Mpps):
      // export what we have and go on as a new record.
      emit_record(idx, FlowEndCause::active_timeout);
      e.first_ns = ts_ns;
      e.bytes[0] = e.bytes[1] = e.pkts[0] = e.pkts[1] = 0;
      e.tcp_flags[0] = e.tcp_flags[1] = 0;
      e.min_ttl = 255;
      e.max_ttl = 0;
      e.min_len = UINT16_MAX;
      e.max_len = 0;
      tcp_restart_counters(e.tcp);
      if (!is_tcp) cold_[idx].timing.server_us = 0;  // the next record measures its own first reply
    }
  }
  const bool created = idx == kNil;
  if (created) idx = create(key, hash, sender, pkt, ts_ns, port);

  Hot& e = hot_[idx];
  const int s = static_cast<int>(sender);
  account(idx, s, pkt, ts_ns);
  const uint64_t id = created ? flow_id_of(key, ts_ns) : 0;
  uint32_t* const ext = &cold_[idx].ext;  // an address only: the cold part is not read

  if (!is_tcp) {
    // The server's first packet of this record: its offset is YAF's rtt. TCP's timing
    // words (cold) are free in a non-TCP flow, so the entry keeps its size; they are
    // touched once a record.
    const bool from_client = s == e.client();
    if (!from_client && e.pkts[s] == 1) {
      TcpTiming& t = cold_[idx].timing;
      if (t.server_us == 0) {
        const uint64_t since_us = ts_ns > e.first_ns ? (ts_ns - e.first_ns) / 1000 : 0;
        t.server_us = static_cast<uint32_t>(std::min<uint64_t>(since_us + 1, UINT32_MAX));
      }
    }
    return FlowHit{ext, id, from_client, created};
  }
  e.tcp_flags[s] |= pkt.tcp_flags;
  if (pure_syn && !(e.state() & kSynSeen)) {
    e.state() |= kSynSeen;
    e.set_client(s);
  }
  const TcpSegment seg{pkt.tcp_flags, pkt.tcp_seq, pkt.tcp_ack, pkt.tcp_window,
                       static_cast<uint32_t>(pkt.payload.size())};
  // Offsets in µs after the first packet; 32 bits cover 71 minutes, far past any handshake.
  const uint64_t since_us = ts_ns > e.first_ns ? (ts_ns - e.first_ns) / 1000 : 0;
  const bool from_client = s == e.client();
  tcp_update(e.tcp, cold_[idx].timing, s, from_client, seg,
             static_cast<uint32_t>(std::min<uint64_t>(since_us, UINT32_MAX)));
  if (pkt.tcp_flags & tcpflag::fin) e.state() |= (s == 0 ? kFinLo : kFinHi);
  if (pkt.tcp_flags & tcpflag::rst) e.state() |= kRstSeen;
  const uint8_t st = e.state();
  const bool closed = (st & kRstSeen) || (st & (kFinLo | kFinHi)) == (kFinLo | kFinHi);
  if (closed && !(st & kClosing)) {
    list_unlink(idx);
    --wheel_n_;
    e.state() |= kClosing;
    list_push_tail(closing_sentinel(), idx);
  }
  return FlowHit{ext, id, from_client, created};
}

bool FlowTable::expire(uint64_t now_ns) noexcept {
  clock_ns_ = std::max(clock_ns_, now_ns);
  for (uint32_t idx; (idx = list_first(closing_sentinel())) != kNil;) {
    const Hot& e = hot_[idx];
    if (now_ns < e.last_ns + config_.tcp_close_linger_ns) break;
    if (finished_n_ >= kFinishedCapacity) return true;
    end_flow(idx, (e.state() & kRstSeen) ? FlowEndCause::tcp_rst : FlowEndCause::tcp_fin);
  }
  const uint64_t now_slot = now_ns >> slot_shift_;
  if (wheel_n_ == 0) {
    hand_ = std::max(hand_, now_slot);
    return false;
  }
  // After a jump in time past the wheel's span, the slots it skipped are read as the
  // last span before now: each flow is then seen no later than its deadline's slot.
  if (now_slot > hand_ + wheel_mask_) {
    hand_ = now_slot - wheel_mask_;
    busy_from_ = hand_;
  }
  for (;;) {
    const uint32_t sentinel = slot_sentinel(hand_);
    for (uint32_t idx; (idx = list_first(sentinel)) != kNil;) {
      const Hot& e = hot_[idx];
      const uint64_t deadline = e.last_ns + idle_of(idx);
      if (now_ns > deadline) {
        if (finished_n_ >= kFinishedCapacity) return true;
        end_flow(idx, FlowEndCause::idle_timeout);
        continue;
      }
      if ((deadline >> slot_shift_) > hand_) {  // active since it was placed: move it on
        list_unlink(idx);
        wheel_place(idx, e.last_ns);
        continue;
      }
      return false;  // the slot's head is not due: the hand stays (flows behind it wait, < G)
    }
    if (hand_ >= now_slot) return false;
    ++hand_;
  }
}

void FlowTable::wheel_settle() noexcept {
  // Moves only forward, to slots not yet walked, so one pass leaves every flow in its
  // deadline's slot (or the wheel's last).
  for (uint64_t s = hand_; s <= hand_ + wheel_mask_; ++s) {
    const uint32_t sentinel = slot_sentinel(s);
    for (uint32_t idx = list_first(sentinel); idx != kNil;) {
      const uint32_t next = cold_[idx].links.next;
      const uint64_t due = (hot_[idx].last_ns + idle_of(idx)) >> slot_shift_;
      if (std::min(due, hand_ + wheel_mask_) > s) {
        list_unlink(idx);
        wheel_place(idx, hot_[idx].last_ns);
      }
      idx = next == sentinel ? kNil : next;
    }
  }
}

bool FlowTable::flush(FlowEndCause cause) noexcept {
  // Flows whose TCP exchange already completed keep that as their cause.
  for (uint32_t idx; (idx = list_first(closing_sentinel())) != kNil;) {
    if (finished_n_ >= kFinishedCapacity) return true;
    const Hot& e = hot_[idx];
    end_flow(idx, (e.state() & kRstSeen) ? FlowEndCause::tcp_rst : FlowEndCause::tcp_fin);
  }
  // Open flows in order of their last activity (to G), as the wheel holds them once settled.
  if (!flushing_) {
    wheel_settle();
    flushing_ = true;
  }
  for (uint64_t s = hand_; wheel_n_ != 0; ++s) {
    for (uint32_t idx; (idx = list_first(slot_sentinel(s))) != kNil;) {
      if (finished_n_ >= kFinishedCapacity) {
        hand_ = s;
        return true;
      }
      // A flow already past its idle timeout (expiry runs up to G late) ends as idle.
      const Hot& e = hot_[idx];
      end_flow(idx, clock_ns_ > e.last_ns + idle_of(idx) ? FlowEndCause::idle_timeout : cause);
    }
  }
  flushing_ = false;
  return false;
}

}  // namespace flowprobe
