#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>

#include "export/zeek_logs.hpp"

using namespace flowprobe;

// Records per second one exporter core can write as Zeek TSV (conn.log, plus dns.log with
// range(0) = 1), page cache included: the cost --zeek-logs adds beside the JSON.
static void BM_ZeekLogs(benchmark::State& state) {
  char tmpl[] = "/tmp/flowprobe-zeek-bench-XXXXXX";
  const char* dir = mkdtemp(tmpl);
  std::string error;
  auto w = dir ? ZeekLogWriter::open(dir, error) : nullptr;
  if (!w) {
    state.SkipWithError(("cannot open a directory: " + error).c_str());
    return;
  }
  FlowRecord r;
  r.ip_version = 4;
  r.src_ip = {192, 168, 1, 20};
  r.dst_ip = {93, 184, 216, 34};
  r.src_port = 51234;
  r.dst_port = 53;
  r.protocol = 17;
  r.in_bytes = 74;
  r.in_pkts = 1;
  r.out_bytes = 90;
  r.out_pkts = 1;
  r.history = {'D', 'd'};
  r.conn_state = 3;
  r.first_ns = 1'700'000'000'000'000'000ull;
  r.last_ns = r.first_ns + 5'000'000ull;
  dissect::AppMetadata app;
  app.set_kind(dissect::AppKind::dns);
  app.u.dns.query.assign("www.example.com");
  app.u.dns.answers.assign("93.184.216.34");
  app.u.dns.query_type = 1;
  app.u.dns.num_answers = 1;
  app.u.dns.has_query = app.u.dns.has_response = true;
  const dissect::AppMetadata* meta = state.range(0) ? &app : nullptr;
  for (auto _ : state) {
    ++r.first_ns;  // a new uid each time, as for real flows
    w->write(r, meta);
  }
  w->finish();
  std::filesystem::remove_all(dir);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ZeekLogs)->Arg(0)->Arg(1);
