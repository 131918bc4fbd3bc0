#pragma once
// Bounded-memory counting for a single pass over any number of records: memory grows
// with distinct keys up to a cap, never with records.
//  - TopCounter: exact counts while the keys fit under the cap; past it, the
//    space-saving algorithm (Metwally et al.) over the same number of counters, whose
//    counts may overstate by at most their recorded error, and which cannot miss a key
//    whose true count exceeds the smallest counter. The report marks such figures.
//  - DistinctCounter: distinct 64-bit hashes counted exactly up to kExactLimit (a short
//    vector, then a hash set), then HyperLogLog (2^12 registers, about 1.6 % standard
//    error).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace flowprobe::report {

template <class K, class Hash = std::hash<K>, int N = 1>
class TopCounter {
 public:
  using Values = std::array<uint64_t, N>;
  struct Entry {
    K key;
    Values v{};
    uint64_t error = 0;  // space-saving's overestimate bound of v[0]
  };

  explicit TopCounter(std::size_t cap = 1'000'000) : cap_(std::max<std::size_t>(cap, 16)) {}

  // Adds `inc` to the key's values; v[0] is the ranked measure.
  void add(const K& key, const Values& inc) {
    auto it = index_.find(key);
    if (it != index_.end()) {
      Entry& e = entries_[it->second];
      for (int i = 0; i < N; ++i) e.v[i] += inc[i];
      if (sketch_) sift_down(pos_[it->second]);
      return;
    }
    if (entries_.size() < cap_) {
      index_.emplace(key, static_cast<uint32_t>(entries_.size()));
      entries_.push_back(Entry{key, inc, 0});
      return;
    }
    if (!sketch_) start_sketch();
    // Replace the smallest counter: the new key inherits its count as its error.
    const uint32_t slot = heap_[0];
    Entry& e = entries_[slot];
    index_.erase(e.key);
    e.key = key;
    e.error = e.v[0];
    for (int i = 0; i < N; ++i) e.v[i] += inc[i];
    index_.emplace(key, slot);
    ++replaced_;
    sift_down(0);
  }
  void add(const K& key, uint64_t v0) {
    Values inc{};
    inc[0] = v0;
    add(key, inc);
  }

  bool approximate() const { return sketch_; }
  uint64_t replaced() const { return replaced_; }
  std::size_t size() const { return entries_.size(); }
  std::size_t cap() const { return cap_; }
  const Entry* find(const K& key) const {
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : &entries_[it->second];
  }
  // The largest error any counter carries (0 while exact).
  uint64_t max_error() const {
    uint64_t m = 0;
    for (const Entry& e : entries_) m = std::max(m, e.error);
    return m;
  }
  // Every counter, unordered.
  const std::vector<Entry>& entries() const { return entries_; }

  // The n largest by v[by], ties by key ascending (a replay ranks the same way).
  std::vector<Entry> top(std::size_t n, int by = 0) const {
    std::vector<const Entry*> p;
    p.reserve(entries_.size());
    for (const Entry& e : entries_) p.push_back(&e);
    const auto cmp = [by](const Entry* a, const Entry* b) {
      if (a->v[by] != b->v[by]) return a->v[by] > b->v[by];
      return a->key < b->key;
    };
    n = std::min(n, p.size());
    std::partial_sort(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(n), p.end(), cmp);
    std::vector<Entry> out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) out.push_back(*p[i]);
    return out;
  }

  // Approximate heap bytes, for the memory statement.
  std::size_t memory_bytes() const {
    return entries_.capacity() * sizeof(Entry) + index_.size() * (sizeof(K) + 32) + index_.bucket_count() * 8 +
           (heap_.capacity() + pos_.capacity()) * 4;
  }

 private:
  void start_sketch() {
    sketch_ = true;
    heap_.resize(entries_.size());
    pos_.resize(entries_.size());
    for (uint32_t i = 0; i < heap_.size(); ++i) heap_[i] = i;
    std::make_heap(heap_.begin(), heap_.end(), [this](uint32_t a, uint32_t b) { return less(b, a); });
    for (uint32_t i = 0; i < heap_.size(); ++i) pos_[heap_[i]] = i;
  }
  bool less(uint32_t a, uint32_t b) const { return entries_[a].v[0] < entries_[b].v[0]; }
  void sift_down(uint32_t i) {
    const uint32_t n = static_cast<uint32_t>(heap_.size());
    for (;;) {
      uint32_t smallest = i;
      const uint32_t l = 2 * i + 1, r = l + 1;
      if (l < n && less(heap_[l], heap_[smallest])) smallest = l;
      if (r < n && less(heap_[r], heap_[smallest])) smallest = r;
      if (smallest == i) return;
      std::swap(heap_[i], heap_[smallest]);
      pos_[heap_[i]] = i;
      pos_[heap_[smallest]] = smallest;
      i = smallest;
    }
  }

  std::size_t cap_;
  bool sketch_ = false;
  uint64_t replaced_ = 0;
  std::vector<Entry> entries_;
  std::unordered_map<K, uint32_t, Hash> index_;
  std::vector<uint32_t> heap_;  // min-heap of entry indexes by v[0] (sketch mode only)
  std::vector<uint32_t> pos_;   // entry index → heap position
};

class DistinctCounter {
 public:
  static constexpr std::size_t kSmall = 32;         // a plain vector up to here
  static constexpr std::size_t kExactLimit = 2048;  // a hash set up to here, then HLL
  static constexpr int kPrecision = 12;

  void add(uint64_t hash) {
    if (hll_) return add_hll(hash);
    if (set_) {
      set_->insert(hash);
      if (set_->size() > kExactLimit) {
        hll_ = std::make_unique<std::array<uint8_t, 1u << kPrecision>>();
        hll_->fill(0);
        for (uint64_t h : *set_) add_hll(h);
        set_.reset();
      }
      return;
    }
    if (std::find(small_.begin(), small_.end(), hash) != small_.end()) return;
    if (small_.size() < kSmall) {
      small_.push_back(hash);
      return;
    }
    set_ = std::make_unique<std::unordered_set<uint64_t>>(small_.begin(), small_.end());
    small_.clear();
    small_.shrink_to_fit();
    set_->insert(hash);
  }
  bool estimated() const { return hll_ != nullptr; }
  uint64_t count() const {
    if (set_) return set_->size();
    if (!hll_) return small_.size();
    constexpr double m = 1u << kPrecision;
    double sum = 0;
    int zeros = 0;
    for (uint8_t r : *hll_) {
      sum += std::ldexp(1.0, -r);
      zeros += r == 0;
    }
    const double alpha = 0.7213 / (1 + 1.079 / m);
    double e = alpha * m * m / sum;
    if (e <= 2.5 * m && zeros > 0) e = m * std::log(m / zeros);  // linear counting for small sets
    return static_cast<uint64_t>(e + 0.5);
  }
  std::size_t memory_bytes() const {
    return small_.capacity() * 8 + (set_ ? set_->size() * 32 + set_->bucket_count() * 8 : 0) + (hll_ ? hll_->size() : 0);
  }

 private:
  void add_hll(uint64_t h) {
    const uint32_t idx = static_cast<uint32_t>(h >> (64 - kPrecision));
    const uint64_t rest = h << kPrecision | (uint64_t{1} << (kPrecision - 1));
    const uint8_t rank = static_cast<uint8_t>(__builtin_clzll(rest) + 1);
    uint8_t& reg = (*hll_)[idx];
    reg = std::max(reg, rank);
  }
  std::vector<uint64_t> small_;
  std::unique_ptr<std::unordered_set<uint64_t>> set_;
  std::unique_ptr<std::array<uint8_t, 1u << kPrecision>> hll_;
};

inline uint64_t mix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  x ^= x >> 33;
  return x;
}

}  // namespace flowprobe::report
