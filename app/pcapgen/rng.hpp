#pragma once
// SplitMix64: tiny, fast and identical on every platform (unlike the std::
// distributions), so a seed always gives the same capture.
#include <cstddef>
#include <cstdint>

#include "bytes.hpp"

namespace pcapgen {

// The SplitMix64 finalizer: a good 64-bit mixing function on its own.
constexpr uint64_t mix64(uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(mix64(seed)) {}

  uint64_t next() {
    state_ += 0x9E3779B97F4A7C15ull;
    uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  uint32_t u32() { return static_cast<uint32_t>(next() >> 32); }
  uint16_t u16() { return static_cast<uint16_t>(next() >> 48); }
  // Uniform enough in [0, n) for packet contents (the modulo bias is irrelevant here).
  uint64_t below(uint64_t n) { return n == 0 ? 0 : next() % n; }
  // Uniform in [lo, hi].
  uint64_t range(uint64_t lo, uint64_t hi) { return lo + below(hi - lo + 1); }
  // Linux's default ephemeral port range (net.ipv4.ip_local_port_range).
  uint16_t ephemeral_port() { return static_cast<uint16_t>(range(32768, 60999)); }

  void fill(uint8_t* p, std::size_t n) {
    while (n >= 8) {
      uint64_t v = next();
      for (int i = 0; i < 8; ++i) *p++ = static_cast<uint8_t>(v >> (8 * i));
      n -= 8;
    }
    if (n) {
      uint64_t v = next();
      for (std::size_t i = 0; i < n; ++i) *p++ = static_cast<uint8_t>(v >> (8 * i));
    }
  }
  Bytes bytes(std::size_t n) {
    Bytes b(n);
    fill(b.data(), n);
    return b;
  }

  // An independent stream: adding or changing one flow never shifts another's bytes.
  Rng fork(uint64_t stream) const { return Rng(state_ ^ mix64(stream * 0xD1B54A32D192ED03ull + 1)); }

 private:
  uint64_t state_;
};

}  // namespace pcapgen
