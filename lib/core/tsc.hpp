#pragma once
// TSC ticks to nanoseconds without overflow. `ticks * 1e9` overflows 64 bits after
// 2^64 / 1e9 ticks, about 6 s at 3 GHz: a live port's clock then wrapped and no timeout
// longer than that ever fired. 128-bit arithmetic holds for any run length.
#include <cstdint>

namespace flowprobe {

constexpr uint64_t tsc_ticks_to_ns(uint64_t ticks, uint64_t hz) {
  return static_cast<uint64_t>(static_cast<unsigned __int128>(ticks) * 1'000'000'000u / hz);
}

}  // namespace flowprobe
