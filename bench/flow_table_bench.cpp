// Flow lookup/update cost with N flows resident, and insert+expire churn.
#include <benchmark/benchmark.h>

#include <vector>

#include "flow/flow_table.hpp"

using namespace flowprobe;

namespace {
struct NullSink final : RecordSink {
  uint64_t n = 0;
  void emit(const FlowRecord&) noexcept override { ++n; }
};

DecodedPacket flow_packet(uint32_t i) {
  DecodedPacket p;
  p.ip_version = 4;
  p.l4_proto = (i & 1) ? 6 : 17;
  p.src_ip = {10, static_cast<uint8_t>(i >> 16), static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i)};
  p.dst_ip = {192, 168, 0, 1};
  p.src_port = static_cast<uint16_t>(1024 + (i % 50000));
  p.dst_port = 80;
  p.ip_bytes = 46;
  p.tcp_flags = (i & 1) ? 0x10 : 0;
  return p;
}
}  // namespace

// Packets of already-tracked flows, visited in a scattered order (as on a real link).
static void BM_FlowLookup(benchmark::State& state) {
  const auto flows = static_cast<uint32_t>(state.range(0));
  NullSink sink;
  FlowTableConfig cfg;
  cfg.max_flows = flows;
  FlowTable table(cfg, sink);
  std::vector<DecodedPacket> pkts;
  pkts.reserve(flows);
  for (uint32_t i = 0; i < flows; ++i) pkts.push_back(flow_packet(i));
  for (const auto& p : pkts) table.on_packet(p, 1, 0);
  std::vector<uint32_t> order(flows);
  for (uint32_t i = 0; i < flows; ++i) order[i] = static_cast<uint32_t>((uint64_t{i} * 2654435761u) % flows);
  uint64_t t = 2;
  size_t k = 0;
  for (auto _ : state) {
    table.on_packet(pkts[order[k]], t++, 0);
    if (++k == flows) k = 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["bytes_per_flow"] = static_cast<double>(table.bytes_per_flow());
}
BENCHMARK(BM_FlowLookup)->Arg(1000)->Arg(1'000'000);

// Every packet opens a new flow; the table is full, so each insert also exports one.
static void BM_FlowInsertEvict(benchmark::State& state) {
  NullSink sink;
  FlowTableConfig cfg;
  cfg.max_flows = static_cast<uint32_t>(state.range(0));
  FlowTable table(cfg, sink);
  uint32_t i = 0;
  uint64_t t = 1;
  for (auto _ : state) table.on_packet(flow_packet(i++), t++, 0);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FlowInsertEvict)->Arg(1000)->Arg(1'000'000);
