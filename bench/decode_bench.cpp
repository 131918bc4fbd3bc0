#include <benchmark/benchmark.h>

#include "decode/decoder.hpp"
#include "packets.hpp"

using namespace flowprobe;

static void BM_DecodeIpv4Tcp(benchmark::State& state) {
  const auto frame = bench::ipv4_frame(0x0a000001, 40000, 0x0a000002, 443, true, 64);
  PacketView pv;
  pv.bytes = frame;
  DecodedPacket dp;
  for (auto _ : state) {
    benchmark::DoNotOptimize(decode(pv, dp));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeIpv4Tcp);

static void BM_DecodeVlanIpv4Udp(benchmark::State& state) {
  const auto frame = bench::ipv4_frame(0x0a000001, 5353, 0x0a000002, 53, false, 128, 100);
  PacketView pv;
  pv.bytes = frame;
  DecodedPacket dp;
  for (auto _ : state) {
    benchmark::DoNotOptimize(decode(pv, dp));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeVlanIpv4Udp);
