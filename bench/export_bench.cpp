// Export beyond encoding (bench/json_encode_bench.cpp covers that): flows per second
// from encoded batches to an acknowledged Kafka delivery on a local broker (librdkafka's
// mock cluster in this process, over loopback TCP), and through the on-disk spool.
#include <benchmark/benchmark.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <array>
#include <filesystem>
#include <memory>

#include "export/flow_template.hpp"
#include "export/json_encoder.hpp"
#include "export/kafka_sink.hpp"
#include "export/spool.hpp"

using namespace flowprobe;

namespace {

// Encoded records in exporter-sized batches (256 KB, as lib/io/exporter.cpp makes them).
struct Batches {
  std::vector<std::string> text;
  std::vector<uint32_t> counts;
  uint64_t records = 0;
};

Batches encode(uint64_t n) {
  FlowTemplate tmpl;
  std::string err;
  parse_template(default_template_spec(), tmpl, err);
  const JsonEncoder enc(tmpl, KeyStyle::numeric);
  Batches b;
  ExportContext ctx;
  std::string cur;
  uint32_t in = 0;
  for (uint64_t i = 0; i < n; ++i) {
    FlowRecord r;
    r.ip_version = 4;
    r.src_ip = {10, static_cast<uint8_t>(i >> 16), static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i)};
    r.dst_ip = {93, 184, 216, 34};
    r.src_port = static_cast<uint16_t>(1024 + i % 60000);
    r.dst_port = 443;
    r.protocol = 6;
    r.in_bytes = 1000 + i;
    r.in_pkts = 10;
    r.first_ns = 1'700'000'000'000'000'000ull + i * 1000;
    r.last_ns = r.first_ns + 1'000'000'000ull;
    ++ctx.flow_sequence;
    enc.encode(r, ctx, cur);
    ++in;
    if (cur.size() >= 256 * 1024) {
      b.text.push_back(std::move(cur));
      b.counts.push_back(in);
      cur.clear();
      in = 0;
    }
  }
  if (in) {
    b.text.push_back(std::move(cur));
    b.counts.push_back(in);
  }
  b.records = n;
  return b;
}

struct MockCluster {
  struct KafkaDeleter {
    void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
  };
  struct MockDeleter {
    void operator()(rd_kafka_mock_cluster_t* m) const { rd_kafka_mock_cluster_destroy(m); }
  };
  std::unique_ptr<rd_kafka_t, KafkaDeleter> host;
  std::unique_ptr<rd_kafka_mock_cluster_t, MockDeleter> cluster;
  std::string bootstraps;
  MockCluster() {
    std::array<char, 256> err{};
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    host.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf, err.data(), err.size()));
    cluster.reset(rd_kafka_mock_cluster_new(host.get(), 1));
    rd_kafka_mock_topic_create(cluster.get(), "flows", 16, 1);
    bootstraps = rd_kafka_mock_cluster_bootstraps(cluster.get());
  }
};

}  // namespace

// End to end: batches in, every record acknowledged by the broker. One iteration sends
// range(0) records; items/s is acknowledged flows per second.
static void BM_KafkaToLocalBroker(benchmark::State& state) {
  const Batches batches = encode(static_cast<uint64_t>(state.range(0)));
  MockCluster mock;
  uint64_t delivered = 0, failed = 0;
  for (auto _ : state) {
    KafkaSinkConfig kc;
    kc.spec = KafkaSpec{mock.bootstraps, std::string("flows"), {}, std::string("1"), {}};
    kc.conf = {"linger.ms=5", "queue.buffering.max.messages=1000000", "batch.num.messages=10000"};
    kc.finish_timeout = std::chrono::seconds(60);
    kc.queue_full_wait = std::chrono::seconds(10);
    std::string error;
    auto sink = KafkaSink::create(kc, nullptr, error);
    if (!sink) {
      state.SkipWithError(error.c_str());
      return;
    }
    for (std::size_t i = 0; i < batches.text.size(); ++i) sink->write(batches.text[i], batches.counts[i]);
    sink->finish();
    delivered += sink->counters().delivered;
    failed += sink->counters().failed;
  }
  state.SetItemsProcessed(static_cast<int64_t>(delivered));
  state.counters["lost"] = static_cast<double>(state.iterations() * batches.records - delivered);
  state.counters["failed"] = static_cast<double>(failed);
}
BENCHMARK(BM_KafkaToLocalBroker)->Arg(500000)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

// The spool at full speed: append range(0) 400-byte records, then replay them all.
static void BM_SpoolAppendReplay(benchmark::State& state) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "flowprobe-bench-spool";
  std::filesystem::remove_all(dir);
  std::string error;
  auto spool = Spool::open(dir, 4ull << 30, error);
  if (!spool) {
    state.SkipWithError(error.c_str());
    return;
  }
  const std::string value(400, 'x');
  std::string k, v;
  uint32_t n = 0;
  for (auto _ : state) {
    for (int64_t i = 0; i < state.range(0); ++i) spool->append({}, value);
    while (spool->front(k, v, n)) spool->pop();
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  spool.reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_SpoolAppendReplay)->Arg(200000)->Unit(benchmark::kMillisecond)->UseRealTime();
