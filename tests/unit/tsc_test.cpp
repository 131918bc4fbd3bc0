#include "core/tsc.hpp"

#include <gtest/gtest.h>

namespace flowprobe {
namespace {

TEST(TscClock, ConvertsWithoutOverflowAfterSeconds) {
  constexpr uint64_t hz = 3'000'000'000;  // 3 GHz
  EXPECT_EQ(tsc_ticks_to_ns(hz, hz), 1'000'000'000u);
  // 10 s: ticks * 1e9 is 3e19, past 2^64; the naive product wrapped to about 11.55 s less.
  EXPECT_EQ(tsc_ticks_to_ns(10 * hz, hz), 10'000'000'000u);
  // A year of uptime.
  constexpr uint64_t year_s = 365ull * 24 * 3600;
  EXPECT_EQ(tsc_ticks_to_ns(year_s * hz, hz), year_s * 1'000'000'000u);
  EXPECT_EQ(tsc_ticks_to_ns(1, 1'000'000'000), 1u);
}

}  // namespace
}  // namespace flowprobe
