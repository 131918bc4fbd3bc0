// Benchmarks that need DPDK (EAL without hugepages or NICs): our flow index against
// DPDK's rte_hash on the same keys and hashes, and the FlowRecord hand-off from an RX
// core to the exporter through rte_ring, as lib/io does it.
//
// The project rule is to use the library unless a benchmark shows ours is better; the
// flow table (lib/flow) keeps its own index, and these figures are the evidence.
#include <benchmark/benchmark.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>
#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "flow/flow_key.hpp"
#include "flow/flow_record.hpp"
#include "flow/flow_table.hpp"

using namespace flowprobe;

namespace {

// Same flows as bench/flow_table_bench.cpp: flow i, made on the fly.
struct PacketMaker {
  DecodedPacket tmpl;
  PacketMaker() {
    tmpl.ip_version = 4;
    tmpl.dst_ip = {192, 168, 0, 1};
    tmpl.src_ip = {10, 0, 0, 0};
    tmpl.dst_port = 80;
    tmpl.ip_bytes = 46;
  }
  const DecodedPacket& operator()(uint32_t i) {
    tmpl.l4_proto = (i & 1) ? 6 : 17;
    tmpl.src_ip[1] = static_cast<uint8_t>(i >> 16);
    tmpl.src_ip[2] = static_cast<uint8_t>(i >> 8);
    tmpl.src_ip[3] = static_cast<uint8_t>(i);
    tmpl.src_port = static_cast<uint16_t>(1024 + (i % 50000));
    tmpl.tcp_flags = (i & 1) ? 0x10 : 0;
    return tmpl;
  }
  FlowKey key(uint32_t i) {
    KeySide side;
    return make_flow_key((*this)(i), side);
  }
};
inline uint32_t scattered(uint64_t k, uint32_t n) { return static_cast<uint32_t>((k * 2654435761u) % n); }

// What a flow table built on rte_hash would update per packet at the position rte_hash
// returns: an entry the size of ours (counters, times; no TCP state, no LRU list).
struct PoolEntry {
  uint64_t first_ns, last_ns, bytes[2];
  uint32_t pkts[2];
  uint8_t rest[176 - 40];
};
static_assert(sizeof(PoolEntry) == 176);

// The pool on transparent huge pages, as lib/flow/flow_table.cpp maps its own.
struct Pool {
  PoolEntry* p = nullptr;
  std::size_t bytes = 0;
  explicit Pool(std::size_t n) : bytes((n * sizeof(PoolEntry) + (2u << 20)) & ~std::size_t{(2u << 20) - 1}) {
    p = static_cast<PoolEntry*>(std::aligned_alloc(2u << 20, bytes));
    ::madvise(p, bytes, MADV_HUGEPAGE);
    std::memset(static_cast<void*>(p), 0, bytes);
  }
  ~Pool() { std::free(p); }
  PoolEntry& operator[](std::size_t i) { return p[i]; }
};

// The update touches what ours touches: the counters at the front and, for TCP, the
// end of the entry where our TCP state lives.
inline void update(PoolEntry& e, uint64_t ts, bool tcp) {
  e.last_ns = ts;
  e.pkts[0] += 1;
  e.bytes[0] += 46;
  if (tcp) e.rest[sizeof(e.rest) - 1] += 1;
}

struct RteHash {
  rte_hash* h = nullptr;
  explicit RteHash(uint32_t flows, const char* name) {
    rte_hash_parameters p{};
    p.name = name;
    // rte_hash is bucketed (8 keys a bucket, cuckoo displacement): room for every flow
    // with 25% to spare, where our index keeps 2 slots per flow.
    p.entries = flows + flows / 4;
    p.key_len = sizeof(FlowKey);
    p.hash_func = rte_jhash;  // unused: every call passes our hash
    p.socket_id = 0;
    h = rte_hash_create(&p);
  }
  ~RteHash() { rte_hash_free(h); }
};

void fill(RteHash& t, uint32_t flows, PacketMaker& make) {
  for (uint32_t i = 0; i < flows; ++i) {
    const FlowKey k = make.key(i);
    if (rte_hash_add_key_with_hash(t.h, &k, static_cast<hash_sig_t>(hash_flow_key(k))) < 0) std::abort();
  }
}

}  // namespace

// rte_hash lookups of resident flows, one at a time, plus the entry update.
static void BM_RteHashLookup(benchmark::State& state) {
  const auto flows = static_cast<uint32_t>(state.range(0));
  RteHash t(flows, "bm_lookup");
  if (t.h == nullptr) {
    state.SkipWithError(("rte_hash_create: " + std::string(rte_strerror(rte_errno))).c_str());
    return;
  }
  PacketMaker make;
  fill(t, flows, make);
  Pool pool(flows + flows / 4 + 64);
  uint64_t k = 0, ts = 1;
  for (auto _ : state) {
    const FlowKey key = make.key(scattered(k++, flows));
    const int32_t pos = rte_hash_lookup_with_hash(t.h, &key, static_cast<hash_sig_t>(hash_flow_key(key)));
    update(pool[pos], ts++, key.proto == 6);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RteHashLookup)->Arg(1000)->Arg(1'000'000)->Arg(10'000'000);

// rte_hash's own batched path (it prefetches internally), 32 at a time, plus the update:
// to compare with BM_FlowLookupBurst.
static void BM_RteHashLookupBurst(benchmark::State& state) {
  const auto flows = static_cast<uint32_t>(state.range(0));
  RteHash t(flows, "bm_burst");
  if (t.h == nullptr) {
    state.SkipWithError("rte_hash_create failed");
    return;
  }
  PacketMaker make;
  fill(t, flows, make);
  Pool pool(flows + flows / 4 + 64);
  constexpr unsigned kBurst = 32;
  FlowKey keys[kBurst];
  const void* key_ptrs[kBurst];
  hash_sig_t sigs[kBurst];
  int32_t pos[kBurst];
  for (unsigned i = 0; i < kBurst; ++i) key_ptrs[i] = &keys[i];
  uint64_t k = 0, ts = 1;
  for (auto _ : state) {
    for (unsigned i = 0; i < kBurst; ++i) {
      keys[i] = make.key(scattered(k++, flows));
      sigs[i] = static_cast<hash_sig_t>(hash_flow_key(keys[i]));
    }
    rte_hash_lookup_with_hash_bulk(t.h, key_ptrs, sigs, kBurst, pos);
    for (unsigned i = 0; i < kBurst; ++i) update(pool[pos[i]], ts++, keys[i].proto == 6);
  }
  state.SetItemsProcessed(state.iterations() * kBurst);
}
BENCHMARK(BM_RteHashLookupBurst)->Arg(1000)->Arg(1'000'000)->Arg(10'000'000);

// Churn at capacity: each new flow takes the place of the oldest (delete + add), as
// BM_FlowInsertEvict does with its LRU eviction (which also builds and emits a record).
static void BM_RteHashInsertEvict(benchmark::State& state) {
  const auto flows = static_cast<uint32_t>(state.range(0));
  RteHash t(flows, "bm_churn");
  if (t.h == nullptr) {
    state.SkipWithError("rte_hash_create failed");
    return;
  }
  PacketMaker make;
  fill(t, flows, make);
  uint32_t next = flows;
  for (auto _ : state) {
    const FlowKey old = make.key(next - flows);
    rte_hash_del_key_with_hash(t.h, &old, static_cast<hash_sig_t>(hash_flow_key(old)));
    const FlowKey k = make.key(next++);
    benchmark::DoNotOptimize(rte_hash_add_key_with_hash(t.h, &k, static_cast<hash_sig_t>(hash_flow_key(k))));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RteHashInsertEvict)->Arg(1000)->Arg(1'000'000)->Arg(10'000'000);

// FlowRecord hand-off as lib/io does it: the RX core enqueues each finished flow on its
// own (RxWorker::emit), the exporter dequeues up to 256 at a time (Exporter::run).
// Single-threaded here (2 shared CPUs): the cost of the copies and ring updates, not of
// cache-line transfer between cores.
static void BM_RecordRingHandoff(benchmark::State& state) {
  rte_ring* ring = rte_ring_create_elem("bm_records", sizeof(FlowRecord), 65536, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
  if (ring == nullptr) {
    state.SkipWithError("rte_ring_create_elem failed");
    return;
  }
  constexpr unsigned kBatch = 256;
  FlowRecord in{};
  in.in_pkts = 1;
  std::vector<FlowRecord> out(kBatch);
  for (auto _ : state) {
    for (unsigned i = 0; i < kBatch; ++i) {
      in.first_ns = i;
      rte_ring_sp_enqueue_elem(ring, &in, sizeof(FlowRecord));
    }
    benchmark::DoNotOptimize(rte_ring_sc_dequeue_burst_elem(ring, out.data(), sizeof(FlowRecord), kBatch, nullptr));
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.SetBytesProcessed(state.iterations() * kBatch * sizeof(FlowRecord));
  state.counters["record_bytes"] = sizeof(FlowRecord);
  rte_ring_free(ring);
}
BENCHMARK(BM_RecordRingHandoff);

int main(int argc, char** argv) {
  std::string prefix = "--file-prefix=flowprobe-bench-" + std::to_string(::getpid());
  std::vector<std::string> eal = {"flowprobe-dpdk-bench", "--no-huge", "--no-pci", "--no-shconf", "-m", "4096",
                                  "--no-telemetry", "--log-level=error", "-l", "0", prefix};
  std::vector<char*> eal_argv;
  for (std::string& a : eal) eal_argv.push_back(a.data());
  if (rte_eal_init(static_cast<int>(eal_argv.size()), eal_argv.data()) < 0) {
    std::fprintf(stderr, "flowprobe-dpdk-bench: EAL initialisation failed: %s\n", rte_strerror(rte_errno));
    return 1;
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  rte_eal_cleanup();
  return 0;
}
