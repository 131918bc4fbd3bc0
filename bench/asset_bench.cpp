// The asset path's cost per packet (ns): what every tracked packet pays on an RX core.
// A TCP segment leaves after one compare; any other UDP datagram (DNS, QUIC) walks the
// asset table's probes; a DHCP message is parsed and de-duplicated.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "assets/asset_tracker.hpp"
#include "dissectors/tcp_fingerprint/p0f_db.hpp"

using namespace flowprobe;

namespace {

using Bytes = std::vector<uint8_t>;

DecodedPacket udp(uint16_t sport, uint16_t dport, const Bytes& payload) {
  DecodedPacket p;
  p.ip_version = 4;
  p.l4_proto = 17;
  p.src_port = sport;
  p.dst_port = dport;
  p.src_ip = {10, 0, 0, 1};
  p.dst_ip = {10, 0, 0, 2};
  p.payload = payload;
  return p;
}

void run(benchmark::State& state, const DecodedPacket& p) {
  AssetTracker t(AssetConfig{});
  AssetEvent e;
  uint64_t ts = 1;
  for (auto _ : state) benchmark::DoNotOptimize(t.on_packet(p, false, ts++, 0, e));
  state.SetItemsProcessed(state.iterations());
}

void BM_AssetTcpSegment(benchmark::State& state) {
  DecodedPacket p;
  p.ip_version = 4;
  p.l4_proto = 6;
  p.tcp_flags = 0x18;
  run(state, p);
}
BENCHMARK(BM_AssetTcpSegment);

// A SYN with Linux's options: a p0f fingerprint, then de-duplicated against the last.
DecodedPacket linux_syn() {
  static const uint8_t ip[20] = {0x45, 0, 0, 60, 0x12, 0x34, 0x40, 0, 64, 6};
  static const uint8_t opts[20] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7};
  DecodedPacket p;
  p.ip_version = 4;
  p.l4_proto = 6;
  p.tcp_flags = 0x02;
  p.tcp_window = 64240;
  p.tcp_seq = 1;
  p.ttl = 64;
  p.l3 = ip;
  p.tcp_options = opts;
  return p;
}

// p0f's own database (Debian's p0f package, /etc/p0f/p0f.fp), loaded as a run loads it.
const dissect::P0fDb* debian_p0f() {
  static const std::unique_ptr<dissect::P0fDb> db = [] {
    std::string error;
    auto d = dissect::P0fDb::load("/etc/p0f/p0f.fp", error);
    if (!d) std::fprintf(stderr, "p0f benchmarks: %s\n", error.c_str());
    return d;
  }();
  return db.get();
}

// The OS guess alone: one SYN's fingerprint against every [tcp:request] signature (the
// cost p0f-k.log adds to each first SYN of a host), a Linux SYN that p0f labels.
void BM_P0fMatchSyn(benchmark::State& state) {
  const dissect::P0fDb* db = debian_p0f();
  if (db == nullptr) return state.SkipWithError("/etc/p0f/p0f.fp not readable (Debian's p0f package)");
  AssetTracker t(AssetConfig{});
  AssetEvent e;
  if (!t.on_packet(linux_syn(), false, 1, 0, e)) return state.SkipWithError("the SYN made no sighting");
  for (auto _ : state) {
    db->match(e);
    benchmark::DoNotOptimize(e);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_P0fMatchSyn);

void BM_AssetTcpSynWithP0f(benchmark::State& state) {
  if (debian_p0f() == nullptr) return state.SkipWithError("/etc/p0f/p0f.fp not readable (Debian's p0f package)");
  dissect::set_p0f_db(debian_p0f());
  run(state, linux_syn());
  dissect::set_p0f_db(nullptr);
}
BENCHMARK(BM_AssetTcpSynWithP0f);

void BM_AssetTcpSyn(benchmark::State& state) { run(state, linux_syn()); }
BENCHMARK(BM_AssetTcpSyn);

void BM_AssetOtherUdp(benchmark::State& state) {
  const Bytes quic(1200, 0xc3);
  run(state, udp(50000, 443, quic));
}
BENCHMARK(BM_AssetOtherUdp);

// A DHCP request (the same message each time: parsed, then suppressed as a repeat).
void BM_AssetDhcpRequest(benchmark::State& state) {
  Bytes m(240, 0);
  m[0] = 1, m[1] = 1, m[2] = 6;
  m[236] = 99, m[237] = 130, m[238] = 83, m[239] = 99;
  m.insert(m.end(), {53, 1, 3, 61, 7, 1, 0, 0x11, 0x32, 0x17, 0x49, 0xf0, 12, 5, 'n', 'a', 's', '1', 0, 55, 4, 1, 3,
                     15, 6, 255});
  run(state, udp(68, 67, m));
}
BENCHMARK(BM_AssetDhcpRequest);

}  // namespace
