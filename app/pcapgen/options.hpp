#pragma once
// Command-line options shared by main and the scenarios.
#include <cstdint>
#include <string>

namespace pcapgen {

inline constexpr const char* kProgram = "flowprobe-pcapgen";

// 2024-01-01T00:00:00Z: every capture starts here, so output never depends on the clock.
inline constexpr uint64_t kBaseTimeNs = 1704067200ull * 1000000000ull;

struct Options {
  std::string scenario;        // "demo", "bench-64b" or "syn-flood"
  std::string output;          // pcap path, "-" = stdout
  std::string truth;           // CSV path, empty = none, "-" = stdout
  uint64_t seed = 1;
  uint64_t flows = 1000;       // bench-64b
  uint64_t packets = 100000;   // bench-64b, syn-flood
  bool nanosecond = false;     // nanosecond pcap magic instead of microsecond
  bool quiet = false;          // no per-flow lines on stdout
};

int run_demo(const Options& o);
int run_bench_64b(const Options& o);
int run_syn_flood(const Options& o);

}  // namespace pcapgen
