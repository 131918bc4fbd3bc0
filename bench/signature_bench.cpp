// Signature engine: Hyperscan compile time and memory for etopen-2019, and scan
// throughput (payload bytes per second on one core) over the nDPI corpus captures,
// packets decoded up front and replayed through per-flow contexts as the RX loop does.
// Both need ../shared (FLOWPROBE_SHARED, or found from the working directory).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "decode/decoder.hpp"
#include "flow/flow_key.hpp"
#include "signatures/signature_engine.hpp"

namespace fs = std::filesystem;
using namespace flowprobe;
using namespace flowprobe::sig;

namespace {

fs::path shared_dir() {
  if (const char* e = std::getenv("FLOWPROBE_SHARED")) return e;
  // Run from the source root, the build directory or build/bench: ../shared is next to the root.
  for (fs::path d = fs::current_path(); !d.empty(); d = d.parent_path()) {
    if (fs::exists(d / "shared" / "rules")) return d / "shared";
    if (fs::exists(d / ".." / "shared" / "rules") && fs::exists(d / "meson.build")) return d / ".." / "shared";
    if (d == d.parent_path()) break;
  }
  return {};
}

fs::path etopen_dir() {
  const auto s = shared_dir();
  return s.empty() ? fs::path() : s / "rules" / "etopen-2019";
}

struct Packet {
  std::vector<uint8_t> bytes;
  uint64_t ts_ns;
  LinkType link;
};

// Classic pcap files only (the corpus has a few pcapng ones; they are skipped).
void read_pcap(const fs::path& p, std::vector<Packet>& out) {
  std::ifstream in(p, std::ios::binary);
  uint8_t gh[24];
  if (!in.read(reinterpret_cast<char*>(gh), 24)) return;
  uint32_t magic;
  std::memcpy(&magic, gh, 4);
  const bool swap = magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1;
  const bool nano = magic == 0xa1b23c4d || magic == 0x4d3cb2a1;
  if (magic != 0xa1b2c3d4 && magic != 0xa1b23c4d && !swap) return;
  auto u32 = [&](const uint8_t* b) {
    uint32_t v;
    std::memcpy(&v, b, 4);
    return swap ? __builtin_bswap32(v) : v;
  };
  const uint32_t dlt = u32(gh + 20);
  LinkType link;
  switch (dlt) {
    case 1: link = LinkType::ethernet; break;
    case 101: case 12: case 14: link = LinkType::raw_ip; break;
    case 113: link = LinkType::linux_sll; break;
    default: return;
  }
  uint8_t rh[16];
  while (in.read(reinterpret_cast<char*>(rh), 16)) {
    const uint32_t caplen = u32(rh + 8);
    if (caplen > 262144) return;
    Packet pk;
    pk.bytes.resize(caplen);
    if (!in.read(reinterpret_cast<char*>(pk.bytes.data()), caplen)) return;
    pk.ts_ns = uint64_t{u32(rh)} * 1'000'000'000ull + uint64_t{u32(rh + 4)} * (nano ? 1 : 1000);
    pk.link = link;
    out.push_back(std::move(pk));
  }
}

const SignatureEngine* etopen_engine(LoadReport* report = nullptr) {
  static LoadReport rep;
  static std::unique_ptr<SignatureEngine> engine = [] {
    std::string error;
    const auto dir = etopen_dir();
    if (dir.empty()) return std::unique_ptr<SignatureEngine>();
    return SignatureEngine::load({dir.string()}, default_rule_vars(), error, &rep);
  }();
  if (report) *report = rep;
  return engine.get();
}



struct KeyHash {
  std::size_t operator()(const FlowKey& k) const noexcept { return hash_flow_key(k); }
};

void BM_SignatureCompileEtopen(benchmark::State& state) {
  const auto dir = etopen_dir();
  if (dir.empty()) {
    state.SkipWithError("../shared/rules/etopen-2019 is absent");
    return;
  }
  LoadReport rep;
  for (auto _ : state) {
    std::string error;
    auto e = SignatureEngine::load({dir.string()}, default_rule_vars(), error, &rep);
    benchmark::DoNotOptimize(e.get());
  }
  state.counters["rules"] = rep.accepted;
  state.counters["rejected"] = rep.rejected;
  state.counters["parse_s"] = rep.parse_seconds;
  state.counters["compile_s"] = rep.compile_seconds;
  state.counters["db_MiB"] = static_cast<double>(rep.database_bytes) / (1 << 20);
  state.counters["pcre_dbs"] = rep.pcre_count;
  state.counters["stream_state_B"] = static_cast<double>(rep.stream_state_bytes);
}
BENCHMARK(BM_SignatureCompileEtopen)->Iterations(1)->Unit(benchmark::kSecond);

// Scans the decoded payloads of the first `range(0)` corpus captures (0 = all).
void BM_SignatureScanCorpus(benchmark::State& state) {
  const SignatureEngine* engine = etopen_engine();
  const auto s = shared_dir();
  if (!engine || s.empty() || !fs::exists(s / "corpus" / "ndpi" / "pcap")) {
    state.SkipWithError("../shared (etopen-2019 and corpus/ndpi) is absent");
    return;
  }
  static std::vector<Packet> packets;
  static std::vector<DecodedPacket> decoded;
  if (packets.empty()) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(s / "corpus" / "ndpi" / "pcap"))
      if (e.path().extension() == ".pcap") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) read_pcap(f, packets);
    for (const auto& p : packets) {
      PacketView pv;
      pv.bytes = p.bytes;
      pv.link = p.link;
      DecodedPacket dp;
      const auto o = decode(pv, dp);
      if (o == DecodeOutcome::ipv4 || o == DecodeOutcome::ipv6) decoded.push_back(dp);
    }
  }
  uint64_t bytes = 0;
  for (const auto& d : decoded) bytes += d.payload.size();
  AlertBuffer sink(1 << 16);
  uint64_t alerts = 0, candidates = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto scanner = std::make_unique<PerCoreScanner>(*engine, ScannerConfig{});
    std::unordered_map<FlowKey, FlowContext, KeyHash> flows;
    flows.reserve(decoded.size());
    uint64_t id = 1;
    // Flow lookup is the flow table's cost, not ours: resolve contexts before timing.
    std::vector<FlowContext*> ctxs;
    ctxs.reserve(decoded.size());
    for (const auto& d : decoded) {
      KeySide side;
      auto [it, fresh] = flows.try_emplace(make_flow_key(d, side));
      if (fresh) it->second.init(d, id++);
      ctxs.push_back(&it->second);
    }
    sink.clear();
    const uint64_t dropped_before = sink.dropped();
    state.ResumeTiming();
    for (std::size_t i = 0; i < decoded.size(); ++i) scanner->scan_packet(decoded[i], i, *ctxs[i], sink);
    state.PauseTiming();
    for (auto& [k, c] : flows) scanner->on_flow_end(c);
    alerts = sink.size() + (sink.dropped() - dropped_before);
    candidates = scanner->counters().candidates;
    scanner.reset();
    state.ResumeTiming();
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes * state.iterations()));
  state.SetItemsProcessed(static_cast<int64_t>(decoded.size() * state.iterations()));
  state.counters["packets"] = static_cast<double>(decoded.size());
  state.counters["payload_MB"] = static_cast<double>(bytes) / 1e6;
  state.counters["alerts"] = static_cast<double>(alerts);
  state.counters["candidates"] = static_cast<double>(candidates);
  state.counters["Gbit/s"] = benchmark::Counter(static_cast<double>(bytes * 8) * static_cast<double>(state.iterations()) / 1e9,
                                                benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SignatureScanCorpus)->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace
