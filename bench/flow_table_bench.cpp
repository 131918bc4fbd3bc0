// Flow table: lookup/update with N flows resident (one packet at a time, and in bursts of
// 32 the way the RX loop does it), insert with eviction, and expiry cost per flow.
// Packets are made on the fly from the flow number (a few stores into a template), so
// 10 M flows need no 10 M precomputed packets; BM_MakePacket measures that overhead.
#include <benchmark/benchmark.h>

#include <vector>

#include "flow/flow_table.hpp"
#include "flow_maker.hpp"

using namespace flowprobe;
using flowprobe::bench::PacketMaker;
using flowprobe::bench::scattered;

namespace {
// The table as the RX loop drives it: finished flows are taken (and here dropped) after
// every call.
struct DrainingTable : FlowTable {
  using FlowTable::FlowTable;
  FlowHit on_packet(const DecodedPacket& pkt, uint64_t ts_ns, uint16_t port) noexcept {
    const FlowHit h = FlowTable::on_packet(pkt, ts_ns, port);
    clear_finished();
    return h;
  }
  FlowHit on_packet(const DecodedPacket& pkt, const Keyed& keyed, uint64_t ts_ns, uint16_t port) noexcept {
    const FlowHit h = FlowTable::on_packet(pkt, keyed, ts_ns, port);
    clear_finished();
    return h;
  }
  void expire(uint64_t now_ns) noexcept {
    while (FlowTable::expire(now_ns)) clear_finished();
    clear_finished();
  }
};


FlowTableConfig table_config(uint32_t flows) {
  FlowTableConfig cfg;
  cfg.max_flows = flows;
  cfg.idle_timeout_ns = 3600 * kNsPerSec;  // nothing expires while measuring lookups
  cfg.active_timeout_ns = 3600 * kNsPerSec;
  return cfg;
}
}  // namespace

static void BM_MakePacket(benchmark::State& state) {
  PacketMaker make;
  uint64_t k = 0;
  for (auto _ : state) benchmark::DoNotOptimize(make(scattered(k++, 1'000'000)).src_ip);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MakePacket);

// Packets of already-tracked flows, one at a time.
static void BM_FlowLookup(benchmark::State& state) {
  const auto flows = static_cast<uint32_t>(state.range(0));
  DrainingTable table(table_config(flows));
  PacketMaker make;
  for (uint32_t i = 0; i < flows; ++i) table.on_packet(make(i), 1, 0);
  uint64_t t = 2, k = 0;
  for (auto _ : state) table.on_packet(make(scattered(k++, flows)), t++, 0);
  state.SetItemsProcessed(state.iterations());
  state.counters["bytes_per_flow"] = static_cast<double>(table.bytes_per_flow());
}
BENCHMARK(BM_FlowLookup)->Arg(1000)->Arg(1'000'000)->Arg(10'000'000);

// The same in bursts of 32 as lib/io/rx_worker.cpp handles them: hash and prefetch the
// index slots of the burst, then the entries, then update in order.
static void BM_FlowLookupBurst(benchmark::State& state) {
  const auto flows = static_cast<uint32_t>(state.range(0));
  DrainingTable table(table_config(flows));
  PacketMaker make;
  for (uint32_t i = 0; i < flows; ++i) table.on_packet(make(i), 1, 0);
  constexpr int kBurst = 32;
  DecodedPacket burst[kBurst];
  FlowTable::Keyed keys[kBurst];
  uint64_t t = 2, k = 0;
  for (auto _ : state) {
    for (int i = 0; i < kBurst; ++i) {
      burst[i] = make(scattered(k++, flows));
      keys[i] = table.prefetch_index(burst[i]);
    }
    for (int i = 0; i < kBurst; ++i) table.prefetch_entry(keys[i].hash);
    for (int i = 0; i < kBurst; ++i) table.on_packet(burst[i], keys[i], t++, 0);
  }
  state.SetItemsProcessed(state.iterations() * kBurst);
}
BENCHMARK(BM_FlowLookupBurst)->Arg(1000)->Arg(1'000'000)->Arg(10'000'000);

// Every packet opens a new flow; the table is full, so each insert also exports one.
static void BM_FlowInsertEvict(benchmark::State& state) {
  FlowTableConfig cfg = table_config(static_cast<uint32_t>(state.range(0)));
  DrainingTable table(cfg);
  PacketMaker make;
  uint32_t i = 0;
  uint64_t t = 1;
  for (auto _ : state) table.on_packet(make(i++), t++, 0);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FlowInsertEvict)->Arg(1000)->Arg(1'000'000)->Arg(10'000'000);

// Expiry: N flows go quiet; one expire() past the idle timeout exports them all. Reported
// per expired flow (emit + index removal); an expire() with nothing due is two compares.
static void BM_FlowExpire(benchmark::State& state) {
  const auto flows = static_cast<uint32_t>(state.range(0));
  FlowTableConfig cfg = table_config(flows);
  cfg.idle_timeout_ns = 30 * kNsPerSec;
  DrainingTable table(cfg);
  PacketMaker make;
  uint64_t t = 1;
  for (auto _ : state) {
    state.PauseTiming();
    for (uint32_t i = 0; i < flows; ++i) table.on_packet(make(scattered(i, flows)), t, 0);
    state.ResumeTiming();
    t += 31 * kNsPerSec;
    table.expire(t);
    benchmark::DoNotOptimize(table.active());
  }
  state.SetItemsProcessed(state.iterations() * flows);
}
BENCHMARK(BM_FlowExpire)->Arg(1000)->Arg(1'000'000)->Iterations(5);

static void BM_FlowExpireNothingDue(benchmark::State& state) {
  DrainingTable table(table_config(1'000'000));
  PacketMaker make;
  for (uint32_t i = 0; i < 1'000'000; ++i) table.on_packet(make(i), 1, 0);
  uint64_t t = 2;
  for (auto _ : state) table.expire(t++);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FlowExpireNothingDue);
