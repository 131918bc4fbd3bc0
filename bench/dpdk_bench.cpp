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
#include <rte_prefetch.h>
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
#include "flow/tcp_state.hpp"
#include "flow_maker.hpp"

using namespace flowprobe;
using flowprobe::bench::PacketMaker;
using flowprobe::bench::scattered;

namespace {


// What a flow table built on rte_hash would update per packet at the position rte_hash
// returns: an entry the size of ours (counters, times; no TCP state, no LRU list).
struct PoolEntry {
  uint64_t first_ns, last_ns, bytes[2];
  uint32_t pkts[2];
  uint8_t rest[176 - 40 - sizeof(TcpTiming) - sizeof(TcpState)];
  TcpTiming timing;
  TcpState tcp;
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

// The per-packet work of our table's on_packet apart from its index: counters, times,
// and for TCP the same state machine on the same 176-byte entry layout, so that the
// two benchmarks differ only in how the entry is found.
inline void update(PoolEntry& e, const DecodedPacket& pkt, KeySide side, uint64_t ts) {
  const int s = static_cast<int>(side);
  e.last_ns = ts;
  e.pkts[s] += 1;
  e.bytes[s] += pkt.ip_bytes;
  if (pkt.l4_proto == 6) {
    const TcpSegment seg{pkt.tcp_flags, pkt.tcp_seq, pkt.tcp_ack, pkt.tcp_window, static_cast<uint32_t>(pkt.payload.size())};
    tcp_update(e.tcp, e.timing, s, s == 0, seg, static_cast<uint32_t>((ts - e.first_ns) / 1000));
  }
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

// Fills the table with flows 0..flows-1; false (the benchmark skipped, saying why) when
// rte_hash could not be created.
bool fill(RteHash& t, uint32_t flows, PacketMaker& make, benchmark::State& state) {
  if (t.h == nullptr) {
    state.SkipWithError(("rte_hash_create: " + std::string(rte_strerror(rte_errno))).c_str());
    return false;
  }
  for (uint32_t i = 0; i < flows; ++i) {
    const FlowKey k = make.key(i);
    if (rte_hash_add_key_with_hash(t.h, &k, static_cast<hash_sig_t>(hash_flow_key(k))) < 0) std::abort();
  }
  return true;
}

}  // namespace

// rte_hash lookups of resident flows, one at a time, plus the entry update.
static void BM_RteHashLookup(benchmark::State& state) {
  const auto flows = static_cast<uint32_t>(state.range(0));
  RteHash t(flows, "bm_lookup");
  PacketMaker make;
  if (!fill(t, flows, make, state)) return;
  Pool pool(flows + flows / 4 + 64);
  uint64_t k = 0, ts = 1;
  for (auto _ : state) {
    const DecodedPacket& pkt = make(scattered(k++, flows));
    KeySide side;
    const FlowKey key = make_flow_key(pkt, side);
    const int32_t pos = rte_hash_lookup_with_hash(t.h, &key, static_cast<hash_sig_t>(hash_flow_key(key)));
    update(pool[pos], pkt, side, ts++);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RteHashLookup)->Arg(1000)->Arg(1'000'000)->Arg(10'000'000);

// rte_hash's own batched path (it prefetches internally), 32 at a time, plus the update:
// to compare with BM_FlowLookupBurst.
static void BM_RteHashLookupBurst(benchmark::State& state) {
  const auto flows = static_cast<uint32_t>(state.range(0));
  RteHash t(flows, "bm_burst");
  PacketMaker make;
  if (!fill(t, flows, make, state)) return;
  Pool pool(flows + flows / 4 + 64);
  constexpr unsigned kBurst = 32;
  DecodedPacket burst[kBurst];
  KeySide sides[kBurst];
  FlowKey keys[kBurst];
  const void* key_ptrs[kBurst];
  hash_sig_t sigs[kBurst];
  int32_t pos[kBurst];
  for (unsigned i = 0; i < kBurst; ++i) key_ptrs[i] = &keys[i];
  uint64_t k = 0, ts = 1;
  for (auto _ : state) {
    for (unsigned i = 0; i < kBurst; ++i) {
      burst[i] = make(scattered(k++, flows));
      keys[i] = make_flow_key(burst[i], sides[i]);
      sigs[i] = static_cast<hash_sig_t>(hash_flow_key(keys[i]));
    }
    rte_hash_lookup_with_hash_bulk(t.h, key_ptrs, sigs, kBurst, pos);
    // The entries are prefetched as our RX loop prefetches its own.
    for (unsigned i = 0; i < kBurst; ++i) rte_prefetch0(&pool[pos[i]]);
    for (unsigned i = 0; i < kBurst; ++i) update(pool[pos[i]], burst[i], sides[i], ts++);
  }
  state.SetItemsProcessed(state.iterations() * kBurst);
}
BENCHMARK(BM_RteHashLookupBurst)->Arg(1000)->Arg(1'000'000)->Arg(10'000'000);

// Churn at capacity: each new flow takes the place of the oldest (delete + add), as
// BM_FlowInsertEvict does with its LRU eviction (which also builds and emits a record).
static void BM_RteHashInsertEvict(benchmark::State& state) {
  const auto flows = static_cast<uint32_t>(state.range(0));
  RteHash t(flows, "bm_churn");
  PacketMaker make;
  if (!fill(t, flows, make, state)) return;
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
