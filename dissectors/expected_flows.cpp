#include "dissectors/expected_flows.hpp"

#include <bit>
#include <cstring>

namespace flowprobe::dissect {
namespace {
constexpr uint64_t kSameFlowMask = 0xFFFFFFFF;  // port, IP version and L4 protocol of word 4: the kind is not the key
constexpr int kReadTries = 4;
}  // namespace

ExpectedFlows::ExpectedFlows(uint32_t capacity) {
  const uint32_t n = std::bit_ceil(std::max<uint32_t>(capacity, kWays));
  entries_ = std::make_unique<Entry[]>(n);
  mask_ = n - 1;
}

ExpectedFlows::Key ExpectedFlows::key_of(const uint8_t* orig, const uint8_t* resp, uint16_t resp_port,
                                         uint8_t ip_version, uint8_t l4_proto, AppKind kind) noexcept {
  Key k{};
  const std::size_t n = ip_version == 6 ? 16 : 4;  // an IPv4 address's other bytes are not ours to read
  std::memcpy(&k.w[0], orig, n);
  std::memcpy(&k.w[2], resp, n);
  k.w[4] = uint64_t{resp_port} | uint64_t{ip_version} << 16 | uint64_t{l4_proto} << 24 |
           uint64_t{static_cast<uint8_t>(kind)} << 32;
  return k;
}

uint32_t ExpectedFlows::bucket(const Key& k) const noexcept {
  // The responder's address and port choose the bucket (multiply-xorshift).
  uint64_t h = (k.w[2] ^ (k.w[3] * 0x9E3779B97F4A7C15ull) ^ ((k.w[4] & kSameFlowMask) << 40)) * 0xBF58476D1CE4E5B9ull;
  h ^= h >> 31;
  return static_cast<uint32_t>(h) & mask_ & ~(kWays - 1);
}

bool ExpectedFlows::read(const Entry& e, uint64_t (&out)[6]) noexcept {
  for (int t = 0; t < kReadTries; ++t) {
    const uint32_t s1 = e.seq.load(std::memory_order_acquire);
    if (s1 & 1) continue;
    for (int i = 0; i < 6; ++i) out[i] = e.w[i].load(std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (e.seq.load(std::memory_order_relaxed) == s1) return true;
  }
  return false;
}

void ExpectedFlows::add(const ExpectedFlow& f, uint64_t now_ns, ExpectedFlowCounters& c,
                        uint64_t lifetime_ns) noexcept {
  const Key k = key_of(f.orig.data(), f.resp.data(), f.resp_port, f.ip_version, f.l4_proto, f.kind);
  const uint32_t b = bucket(k);
  const auto same = [&](const uint64_t (&w)[6]) {
    return w[5] != 0 && w[0] == k.w[0] && w[1] == k.w[1] && w[2] == k.w[2] && w[3] == k.w[3] &&
           (w[4] & kSameFlowMask) == (k.w[4] & kSameFlowMask);
  };
  // The slot: this connection's own, else a free or expired one, else the live one that
  // expires first. A slot a writer holds right now is passed over.
  uint32_t pick = b;
  int rank = -1;  // 3 same, 2 free, 1 expired, 0 live
  uint64_t soonest = UINT64_MAX;
  for (uint32_t i = b; i < b + kWays; ++i) {
    uint64_t w[6];
    if (!read(entries_[i], w)) continue;
    const int r = same(w) ? 3 : w[5] == 0 ? 2 : w[5] <= now_ns ? 1 : 0;
    if (r > rank || (r == 0 && rank == 0 && w[5] < soonest)) {
      pick = i;
      rank = r;
      soonest = w[5];
    }
    if (r == 3) break;
  }
  Entry& e = entries_[pick];
  uint32_t s = e.seq.load(std::memory_order_relaxed);
  // Another core writes this very slot now (the same announcement seen twice at once, or a
  // full bucket on two cores): its entry stands, this one is counted lost to it.
  if ((s & 1) || !e.seq.compare_exchange_strong(s, s + 1, std::memory_order_acquire, std::memory_order_relaxed)) {
    ++c.evicted;
    return;
  }
  std::atomic_thread_fence(std::memory_order_release);
  // What the slot held, now that it is ours: it may have changed since it was chosen.
  uint64_t old[6];
  for (int i = 0; i < 6; ++i) old[i] = e.w[i].load(std::memory_order_relaxed);
  if (!same(old) && old[5] != 0) ++(old[5] <= now_ns ? c.expired : c.evicted);
  for (int i = 0; i < 5; ++i) e.w[i].store(k.w[i], std::memory_order_relaxed);
  const uint64_t deadline = now_ns + (lifetime_ns ? lifetime_ns : 1);
  e.w[5].store(deadline, std::memory_order_relaxed);
  e.seq.store(s + 2, std::memory_order_release);
  ++c.added;
  uint64_t latest = latest_.load(std::memory_order_relaxed);
  while (latest < deadline && !latest_.compare_exchange_weak(latest, deadline, std::memory_order_relaxed)) {
  }
}

AppKind ExpectedFlows::lookup(const uint8_t* orig, const uint8_t* resp, uint16_t resp_port, uint8_t ip_version,
                              uint8_t l4_proto, uint64_t now_ns) const noexcept {
  const Key k = key_of(orig, resp, resp_port, ip_version, l4_proto, AppKind::none);
  const uint32_t b = bucket(k);
  for (uint32_t i = b; i < b + kWays; ++i) {
    uint64_t w[6];
    if (!read(entries_[i], w)) continue;
    if (w[5] > now_ns && w[0] == k.w[0] && w[1] == k.w[1] && w[2] == k.w[2] && w[3] == k.w[3] &&
        (w[4] & kSameFlowMask) == (k.w[4] & kSameFlowMask))
      return static_cast<AppKind>(w[4] >> 32 & 0xFF);
  }
  return AppKind::none;
}

AppKind ExpectedFlows::match(const uint8_t* src, uint16_t sport, const uint8_t* dst, uint16_t dport,
                             uint8_t ip_version, uint8_t l4_proto, uint64_t now_ns,
                             ExpectedFlowCounters& c) const noexcept {
  if (now_ns >= latest_.load(std::memory_order_relaxed)) return AppKind::none;
  AppKind k = lookup(src, dst, dport, ip_version, l4_proto, now_ns);
  if (k == AppKind::none) k = lookup(dst, src, sport, ip_version, l4_proto, now_ns);
  c.matched += k != AppKind::none;
  return k;
}

}  // namespace flowprobe::dissect
