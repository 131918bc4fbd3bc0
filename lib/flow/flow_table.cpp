#include "flow/flow_table.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <memory>
#include <type_traits>
#include <new>
#include <stdexcept>

#include <sys/mman.h>

#include "flow/tcp_state.hpp"

namespace flowprobe {

namespace {
constexpr uint32_t kNil = UINT32_MAX;

constexpr uint8_t kSynSeen = 0x01;
constexpr uint8_t kFinLo = 0x02;
constexpr uint8_t kFinHi = 0x04;
constexpr uint8_t kRstSeen = 0x08;
constexpr uint8_t kClosing = 0x10;   // on the closing list
constexpr uint8_t kTosLo = 0x20;     // first TOS of that side recorded
constexpr uint8_t kTosHi = 0x40;
}  // namespace

// Live state of one flow. Counters are indexed by KeySide (0 = lo, 1 = hi) and mapped
// to client/server only when the record is emitted, so a late SYN can still pick the
// client without moving counters.
namespace {
constexpr uint64_t kFragmentOne = 1ull << 48;
constexpr uint64_t kByteMask = kFragmentOne - 1;
constexpr uint16_t fragments_of(uint64_t packed) { return static_cast<uint16_t>(packed >> 48); }
}  // namespace

struct FlowTable::Entry {
  FlowKey key;
  uint64_t first_ns;
  uint64_t last_ns;
  // IP bytes in the low 48 bits (256 TiB, beyond any record's lifetime at any line
  // rate), the fragmented packets of that side in the high 16 (saturating): this keeps
  // SRC/DST_FRAGMENTS in the 176-byte entry.
  uint64_t bytes[2];
  uint32_t pkts[2];  // 32 bits keep the entry within budget; a full counter cuts a record
  uint32_t prev;
  uint32_t next;
  std::array<uint8_t, 6> mac[2];
  uint8_t tcp_flags[2];
  uint8_t tos[2];
  uint8_t client;   // KeySide of the initiator
  uint8_t state;
  uint16_t icmp_type;
  uint8_t min_ttl;
  uint8_t max_ttl;
  uint16_t min_len;
  uint16_t max_len;
  uint8_t port;       // DPDK port id (RTE_MAX_ETHPORTS is far below 256)
  uint8_t tunnel_depth;
  uint32_t ext;       // the owner's handle to per-flow state outside the table (FlowHit)
  uint32_t tunnel_id;
  TcpTiming timing;   // handshake and response latencies (here, 4-aligned, to fill the gap)
  TcpState tcp;       // Zeek endpoint states and history, nProbe TCP counters
};

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

FlowTable::FlowTable(const FlowTableConfig& config, uint16_t rx_core)
    : config_(config), rx_core_(rx_core), finished_(std::make_unique<FinishedFlow[]>(kFinishedCapacity + 2)) {
  static_assert(sizeof(FlowKey) == sizeof(uint64_t) * 6);
  // TCP state (TcpState + TcpTiming, 44 bytes) grew the entry from 144 to 184 bytes:
  // with a power-of-two capacity the index adds 16 bytes, so a flow costs 200 bytes.
  static_assert(sizeof(Entry) <= 176, "entry + 16 bytes of index slots: <= 192 bytes per flow (issue #3)");
  if (config_.max_flows == 0 || config_.max_flows >= kNil / 2)
    throw std::invalid_argument("flow table capacity must be between 1 and 2^31");
  static_assert(std::is_trivially_destructible_v<Entry> && std::is_trivially_copyable_v<Slot>);
  pool_ = static_cast<Entry*>(pool_map_.map(sizeof(Entry) * config_.max_flows));
  // Value-initialising touches every page now, at start, instead of on the packet path.
  std::uninitialized_value_construct_n(pool_, config_.max_flows);
  // Load factor at most 1/2 keeps linear probing short.
  const uint64_t nslots = std::bit_ceil(uint64_t{config_.max_flows} * 2);
  slots_ = static_cast<Slot*>(slots_map_.map(nslots * sizeof(Slot)));
  std::memset(slots_, 0, nslots * sizeof(Slot));
  slot_mask_ = nslots - 1;
  for (uint32_t i = 0; i < config_.max_flows; ++i) pool_[i].next = i + 1 < config_.max_flows ? i + 1 : kNil;
  free_head_ = 0;
  open_ = {kNil, kNil};
  closing_ = {kNil, kNil};
  // G: the largest power of two <= idle timeout / 16, within [1 ns, 2^30 ns].
  const uint64_t g = std::max<uint64_t>(config_.idle_timeout_ns / 16, 1);
  lru_shift_ = std::min(30u, static_cast<unsigned>(std::bit_width(g) - 1));
}

FlowTable::~FlowTable() = default;

std::size_t FlowTable::bytes_per_flow() const noexcept {
  return sizeof(Entry) + (slot_mask_ + 1) * sizeof(Slot) / config_.max_flows;
}

uint32_t FlowTable::find(const FlowKey& key, uint64_t hash) const noexcept {
  const uint32_t sig = static_cast<uint32_t>(hash);
  for (uint64_t i = sig & slot_mask_;; i = (i + 1) & slot_mask_) {
    const Slot s = slots_[i];
    if (s.ref == 0) return kNil;
    if (s.sig == sig && pool_[s.ref - 1].key == key) return s.ref - 1;
  }
}

FlowTable::Keyed FlowTable::prefetch_index(const DecodedPacket& pkt) const noexcept {
  const Keyed k = key_of(pkt);
  __builtin_prefetch(&slots_[k.hash & slot_mask_]);
  return k;
}

void FlowTable::prefetch_entry(uint64_t hash) const noexcept {
  // Only the home slot is read: with load <= 1/2 most flows sit there, and a prefetch
  // of the wrong entry costs nothing but bandwidth.
  const Slot s = slots_[hash & slot_mask_];
  if (s.ref != 0 && s.sig == static_cast<uint32_t>(hash)) {
    const char* e = reinterpret_cast<const char*>(&pool_[s.ref - 1]);
    // The two ends of the entry (key and counters in front, TCP state at the back) are
    // read, not only prefetched: on the development VM prefetches alone left on_packet
    // waiting (they seem to be dropped on TLB misses), and a burst of real loads whose
    // values nothing waits for ran 10-15% faster at 1 M flows (BM_FlowLookupBurst).
    uint64_t front, back;
    std::memcpy(&front, e, sizeof(front));
    std::memcpy(&back, e + sizeof(Entry) - sizeof(back), sizeof(back));
    asm volatile("" : : "r"(front), "r"(back));
    __builtin_prefetch(e + 64);
    __builtin_prefetch(e + 128);
  }
}

FlowTable::List& FlowTable::list_of(const Entry& e) noexcept {
  return (e.state & kClosing) ? closing_ : open_;
}

void FlowTable::list_push_tail(List& l, uint32_t idx) noexcept {
  Entry& e = pool_[idx];
  e.prev = l.tail;
  e.next = kNil;
  if (l.tail != kNil) pool_[l.tail].next = idx; else l.head = idx;
  l.tail = idx;
}

void FlowTable::list_unlink(List& l, uint32_t idx) noexcept {
  Entry& e = pool_[idx];
  if (e.prev != kNil) pool_[e.prev].next = e.next; else l.head = e.next;
  if (e.next != kNil) pool_[e.next].prev = e.prev; else l.tail = e.prev;
}

uint32_t FlowTable::create(const FlowKey& key, uint64_t hash, KeySide sender, const DecodedPacket& pkt,
                           uint64_t ts_ns, uint16_t port) noexcept {
  if (free_head_ == kNil) {
    // Table pressure: export the least recently active flow early, never drop silently.
    end_flow(eviction_victim(), FlowEndCause::table_full);
  }
  const uint32_t idx = free_head_;
  Entry& e = pool_[idx];
  free_head_ = e.next;

  e.key = key;
  e.first_ns = e.last_ns = ts_ns;
  e.bytes[0] = e.bytes[1] = 0;
  e.pkts[0] = e.pkts[1] = 0;
  const int s = static_cast<int>(sender);
  e.mac[s] = pkt.src_mac;
  e.mac[1 - s] = pkt.dst_mac;
  e.tcp_flags[0] = e.tcp_flags[1] = 0;
  e.tos[0] = e.tos[1] = 0;
  // The initiator is the first packet's sender, except that a SYN-ACK seen first
  // (the SYN was missed) points at its receiver.
  const bool synack = pkt.l4_proto == ipproto::tcp &&
                      (pkt.tcp_flags & (tcpflag::syn | tcpflag::ack)) == (tcpflag::syn | tcpflag::ack);
  e.client = static_cast<uint8_t>(synack ? 1 - s : s);
  e.tcp = TcpState{};
  e.timing = TcpTiming{};
  if (synack) tcp_note_flip(e.tcp);
  e.state = 0;
  e.icmp_type = (pkt.l4_proto == ipproto::icmp || pkt.l4_proto == ipproto::icmpv6)
                    ? static_cast<uint16_t>(pkt.icmp_type << 8 | pkt.icmp_code) : 0;
  e.min_ttl = 255;
  e.max_ttl = 0;
  e.min_len = UINT16_MAX;
  e.max_len = 0;
  e.port = static_cast<uint8_t>(port);
  e.ext = kNoFlowExt;
  e.tunnel_id = pkt.tunnel_id;
  e.tunnel_depth = pkt.tunnel_depth;

  for (uint64_t i = hash & slot_mask_;; i = (i + 1) & slot_mask_) {
    if (slots_[i].ref == 0) {
      slots_[i] = Slot{static_cast<uint32_t>(hash), idx + 1};
      break;
    }
  }
  list_push_tail(open_, idx);
  ++active_;
  counters_.active = active_;
  ++counters_.created;
  return idx;
}

void FlowTable::remove(uint32_t idx) noexcept {
  Entry& e = pool_[idx];
  list_unlink(list_of(e), idx);
  // Backward-shift deletion keeps every probe chain unbroken without tombstones.
  const uint64_t hash = hash_flow_key(e.key);
  uint64_t i = hash & slot_mask_;
  while (slots_[i].ref != idx + 1) i = (i + 1) & slot_mask_;
  for (uint64_t j = (i + 1) & slot_mask_;; j = (j + 1) & slot_mask_) {
    const Slot s = slots_[j];
    if (s.ref == 0) break;
    const uint64_t home = s.sig & slot_mask_;
    // Move s back into the hole at i unless its home lies cyclically in (i, j].
    const bool home_in_range = (i <= j) ? (home > i && home <= j) : (home > i || home <= j);
    if (!home_in_range) {
      slots_[i] = s;
      i = j;
    }
  }
  slots_[i] = Slot{0, 0};
  e.next = free_head_;
  free_head_ = idx;
  --active_;
  counters_.active = active_;
}

void FlowTable::emit_record(const Entry& e, FlowEndCause cause) noexcept {
  ++counters_.emitted;
  ++counters_.ended[static_cast<int>(cause)];
  // Room is kept for what one call can end (see finished()); a caller that never takes
  // the finished flows loses them here, counted.
  if (finished_n_ == kFinishedCapacity + 2) {
    ++counters_.not_taken;
    return;
  }
  FinishedFlow& out = finished_[finished_n_++];
  out.ext = e.ext;
  FlowRecord& r = out.record;
  r = FlowRecord{};
  r.flow_id = flow_id_of(e.key, e.first_ns);
  const int c = e.client;
  const int sv = 1 - c;
  const bool client_lo = c == 0;
  r.src_ip = client_lo ? e.key.ip_lo : e.key.ip_hi;
  r.dst_ip = client_lo ? e.key.ip_hi : e.key.ip_lo;
  r.src_port = client_lo ? e.key.port_lo : e.key.port_hi;
  r.dst_port = client_lo ? e.key.port_hi : e.key.port_lo;
  r.src_mac = e.mac[c];
  r.dst_mac = e.mac[sv];
  // SRC_VLAN is the inner (customer) tag in QinQ, the only tag otherwise.
  r.vlan = e.key.vlan_inner ? e.key.vlan_inner : e.key.vlan_outer;
  r.vlan_outer = e.key.vlan_inner ? e.key.vlan_outer : 0;
  r.ip_version = e.key.ip_version;
  r.protocol = e.key.proto;
  r.src_tos = e.tos[c];
  r.dst_tos = e.tos[sv];
  r.client_tcp_flags = e.tcp_flags[c];
  r.server_tcp_flags = e.tcp_flags[sv];
  r.icmp_type = e.icmp_type;
  r.min_ttl = e.min_ttl;
  r.max_ttl = e.max_ttl;
  r.min_ip_len = e.min_len;
  r.max_ip_len = e.max_len;
  r.end_cause = cause;
  r.input_port = e.port;
  r.rx_core = rx_core_;
  r.tunnel_id = e.tunnel_id;
  r.tunnel_depth = e.tunnel_depth;
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
    if (t.flags & kTcpClientLat) r.client_nw_latency_us = e.timing.client_us / 2;
    if (t.flags & kTcpServerLat) r.server_nw_latency_us = e.timing.server_us / 2;
    if (t.flags & kTcpApplDone) r.appl_latency_us = e.timing.appl_us;
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
  if (e.key.proto != ipproto::tcp) r.reverse_delay_us = e.timing.server_us;
}

uint32_t FlowTable::eviction_victim() const noexcept {
  if (closing_.head != kNil) return closing_.head;
  // The open list is ordered only to G: among its first few entries, the one quiet
  // longest. A bounded look, as eviction happens on the packet path.
  uint32_t victim = open_.head;
  uint32_t i = pool_[victim].next;
  for (int n = 0; n < 8 && i != kNil; ++n, i = pool_[i].next)
    if (pool_[i].last_ns < pool_[victim].last_ns) victim = i;
  return victim;
}

void FlowTable::end_flow(uint32_t idx, FlowEndCause cause) noexcept {
  emit_record(pool_[idx], cause);
  remove(idx);
}

[[gnu::always_inline]] inline void FlowTable::account(Entry& e, uint32_t idx, int s, const DecodedPacket& pkt, uint64_t ts_ns) noexcept {
  List& list = list_of(e);
  const uint64_t last = std::max(e.last_ns, ts_ns);
  // Open flows move only on their first packet in a new G-period (see the header);
  // closing flows are few and keep an exact order for their short linger.
  if (list.tail != idx && ((e.state & kClosing) || (last >> lru_shift_) != (e.last_ns >> lru_shift_))) {
    list_unlink(list, idx);
    list_push_tail(list, idx);
  }
  clock_ns_ = std::max(clock_ns_, ts_ns);
  e.last_ns = last;
  e.first_ns = std::min(e.first_ns, ts_ns);
  e.pkts[s] += 1;
  e.bytes[s] += pkt.ip_bytes;
  if (pkt.fragment && fragments_of(e.bytes[s]) != UINT16_MAX) [[unlikely]]
    e.bytes[s] += kFragmentOne;
  const uint8_t tos_bit = s == 0 ? kTosLo : kTosHi;
  if (!(e.state & tos_bit)) {
    e.tos[s] = pkt.tos;
    e.state |= tos_bit;
  }
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
  Entry& e = pool_[idx];
  const int s = static_cast<int>(k.sender);
  // A full packet counter cuts the record on the next full packet (on_packet); a
  // fragment must not wrap it meanwhile.
  if (e.pkts[s] == UINT32_MAX) return false;
  account(e, idx, s, pkt, ts_ns);
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
    Entry& e = pool_[idx];
    if ((e.state & kClosing) && (pure_syn || ts_ns >= e.last_ns + config_.tcp_close_linger_ns)) {
      // The 5-tuple is reused by a new connection while the old one lingers, or the
      // linger is over and expire() has not run yet.
      end_flow(idx, (e.state & kRstSeen) ? FlowEndCause::tcp_rst : FlowEndCause::tcp_fin);
      idx = kNil;
    } else if (!(e.state & kClosing) && ts_ns > e.last_ns + config_.idle_timeout_ns) {
      // Quiet past the idle timeout: whatever the order of expiry, this packet starts a new flow.
      end_flow(idx, FlowEndCause::idle_timeout);
      idx = kNil;
    } else if (ts_ns >= e.first_ns + config_.active_timeout_ns || e.pkts[0] == UINT32_MAX ||
               e.pkts[1] == UINT32_MAX) {
      // Lifetime reached (or a packet counter is full, 2^32 packets, ~5 min at 14.88 Mpps):
      // export what we have and go on as a new record.
      emit_record(e, FlowEndCause::active_timeout);
      e.first_ns = ts_ns;
      e.bytes[0] = e.bytes[1] = e.pkts[0] = e.pkts[1] = 0;
      e.tcp_flags[0] = e.tcp_flags[1] = 0;
      e.state &= static_cast<uint8_t>(~(kTosLo | kTosHi));
      e.min_ttl = 255;
      e.max_ttl = 0;
      e.min_len = UINT16_MAX;
      e.max_len = 0;
      tcp_restart_counters(e.tcp);
      if (!is_tcp) e.timing.server_us = 0;  // the next record measures its own first reply
    }
  }
  const bool created = idx == kNil;
  if (created) idx = create(key, hash, sender, pkt, ts_ns, port);

  Entry& e = pool_[idx];
  const int s = static_cast<int>(sender);
  account(e, idx, s, pkt, ts_ns);
  const uint64_t id = created ? flow_id_of(key, ts_ns) : 0;

  if (!is_tcp) {
    // The server's first packet of this record: its offset is YAF's rtt. TCP's timing
    // words are free in a non-TCP flow, so the entry keeps its size.
    if (s != e.client && e.pkts[s] == 1 && e.timing.server_us == 0) {
      const uint64_t since_us = ts_ns > e.first_ns ? (ts_ns - e.first_ns) / 1000 : 0;
      e.timing.server_us = static_cast<uint32_t>(std::min<uint64_t>(since_us + 1, UINT32_MAX));
    }
    return FlowHit{&e.ext, id, s == e.client, created};
  }
  e.tcp_flags[s] |= pkt.tcp_flags;
  if (pure_syn && !(e.state & kSynSeen)) {
    e.state |= kSynSeen;
    e.client = static_cast<uint8_t>(s);
  }
  const TcpSegment seg{pkt.tcp_flags, pkt.tcp_seq, pkt.tcp_ack, pkt.tcp_window,
                       static_cast<uint32_t>(pkt.payload.size())};
  // Offsets in µs after the first packet; 32 bits cover 71 minutes, far past any handshake.
  const uint64_t since_us = ts_ns > e.first_ns ? (ts_ns - e.first_ns) / 1000 : 0;
  tcp_update(e.tcp, e.timing, s, s == e.client, seg,
             static_cast<uint32_t>(std::min<uint64_t>(since_us, UINT32_MAX)));
  if (pkt.tcp_flags & tcpflag::fin) e.state |= (s == 0 ? kFinLo : kFinHi);
  if (pkt.tcp_flags & tcpflag::rst) e.state |= kRstSeen;
  const bool closed = (e.state & kRstSeen) || (e.state & (kFinLo | kFinHi)) == (kFinLo | kFinHi);
  if (closed && !(e.state & kClosing)) {
    list_unlink(open_, idx);
    e.state |= kClosing;
    list_push_tail(closing_, idx);
  }
  return FlowHit{&e.ext, id, s == e.client, created};
}

bool FlowTable::expire(uint64_t now_ns) noexcept {
  clock_ns_ = std::max(clock_ns_, now_ns);
  while (closing_.head != kNil) {
    const Entry& e = pool_[closing_.head];
    if (now_ns < e.last_ns + config_.tcp_close_linger_ns) break;
    if (finished_n_ >= kFinishedCapacity) return true;
    end_flow(closing_.head, (e.state & kRstSeen) ? FlowEndCause::tcp_rst : FlowEndCause::tcp_fin);
  }
  while (open_.head != kNil) {
    const Entry& e = pool_[open_.head];
    if (now_ns <= e.last_ns + config_.idle_timeout_ns) break;
    if (finished_n_ >= kFinishedCapacity) return true;
    end_flow(open_.head, FlowEndCause::idle_timeout);
  }
  return false;
}

bool FlowTable::flush(FlowEndCause cause) noexcept {
  // Flows whose TCP exchange already completed keep that as their cause.
  while (closing_.head != kNil) {
    if (finished_n_ >= kFinishedCapacity) return true;
    const Entry& e = pool_[closing_.head];
    end_flow(closing_.head, (e.state & kRstSeen) ? FlowEndCause::tcp_rst : FlowEndCause::tcp_fin);
  }
  // A flow already past its idle timeout (expiry runs up to G late) ends as idle.
  while (open_.head != kNil) {
    if (finished_n_ >= kFinishedCapacity) return true;
    const Entry& e = pool_[open_.head];
    end_flow(open_.head, clock_ns_ > e.last_ns + config_.idle_timeout_ns ? FlowEndCause::idle_timeout : cause);
  }
  return false;
}

}  // namespace flowprobe
