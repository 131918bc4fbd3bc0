#pragma once
// The rule sets a run still needs, by generation: 0 is the one loaded at start, each
// reload adds the next. An alert names its rule by (generation, index), so a set stays
// until no RX core runs it and every alert it raised has been written; then the reload
// driver retires it (rule_reload.cpp). Touched by one thread only (the main lcore, which
// also drains the alert rings), so it needs no lock.
#include <cstdint>
#include <deque>
#include <memory>

#include "signatures/signature_engine.hpp"

namespace flowprobe::sig {

class RuleSets {
 public:
  // Returns the generation of the set added.
  uint32_t add(std::unique_ptr<SignatureEngine> engine) {
    sets_.push_back(std::move(engine));
    return first_ + static_cast<uint32_t>(sets_.size() - 1);
  }
  // The set of `generation`, or null when it was retired (or never loaded).
  const SignatureEngine* get(uint32_t generation) const noexcept {
    if (generation < first_ || generation - first_ >= sets_.size()) return nullptr;
    return sets_[generation - first_].get();
  }
  bool empty() const noexcept { return sets_.empty(); }
  const SignatureEngine& front() const noexcept { return *sets_.front(); }
  uint32_t newest_generation() const noexcept { return first_ + static_cast<uint32_t>(sets_.size()) - 1; }
  std::size_t live() const noexcept { return sets_.size(); }
  // Frees every set older than `generation` (the newest always stays).
  void retire_before(uint32_t generation) {
    while (first_ < generation && sets_.size() > 1) {
      sets_.pop_front();
      ++first_;
    }
  }

 private:
  std::deque<std::unique_ptr<SignatureEngine>> sets_;
  uint32_t first_ = 0;  // generation of sets_.front()
};

}  // namespace flowprobe::sig
