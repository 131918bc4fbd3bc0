// flowprobe report's reader against simdjson's own On-Demand throughput on the same file
// (scripts/bench runs it on a generated month of flow records):
//   BM_SimdjsonOnDemand: simdjson iterate_many over the file, visiting every key of every
//                        record (the least any On-Demand reader of these records does);
//   BM_SimdjsonOnDemandValues: the same, reading every value as its type;
//   BM_ReportReader:     the report's reader over the same bytes in the blocks of whole
//                        lines its file input hands over, each record parsed into a
//                        FlowRec (key table, typed values, addresses parsed);
//   BM_ReportReaderPerLine: the same reader one line (one document) at a time.
// Both report bytes per second of the process's CPU time; the ratio is the figure
// bench/RESULTS.md records. Process, not thread, CPU time: simdjson's iterate_many runs
// stage 1 of the next batch on a worker thread, whose time Google Benchmark's default
// (the main thread's CPU time) leaves out. The peers run it on their own thread
// (`threaded = false`), so each figure is the work of one core.
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "report/record_reader.hpp"

namespace {

const simdjson::padded_string& input() {
  static const simdjson::padded_string data = [] {
    const char* path = std::getenv("FLOWPROBE_REPORT_BENCH_FILE");
    if (path == nullptr || *path == 0) {
      std::fprintf(stderr, "set FLOWPROBE_REPORT_BENCH_FILE to a file of flow records (scripts/bench makes one)\n");
      std::exit(2);
    }
    simdjson::padded_string s;
    if (simdjson::padded_string::load(path).get(s)) {
      std::fprintf(stderr, "cannot read %s\n", path);
      std::exit(2);
    }
    return s;
  }();
  return data;
}

void BM_SimdjsonOnDemand(benchmark::State& state) {
  const auto& data = input();
  simdjson::ondemand::parser parser;
  parser.threaded = false;
  uint64_t keys = 0, docs_seen = 0, errors = 0;
  for (auto _ : state) {
    simdjson::ondemand::document_stream docs;
    if (parser.iterate_many(data, 1 << 20).get(docs)) state.SkipWithError("iterate_many failed");
    for (auto doc : docs) {
      ++docs_seen;
      simdjson::ondemand::object obj;
      if (doc.get_object().get(obj)) {
        ++errors;
        continue;
      }
      for (auto field : obj) {
        simdjson::ondemand::raw_json_string k;
        if (!field.key().get(k)) ++keys;
        else ++errors;
      }
    }
  }
  benchmark::DoNotOptimize(keys);
  state.counters["records"] = static_cast<double>(docs_seen) / static_cast<double>(state.iterations());
  state.counters["keys"] = static_cast<double>(keys) / static_cast<double>(state.iterations());
  state.counters["errors"] = static_cast<double>(errors) / static_cast<double>(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
}
BENCHMARK(BM_SimdjsonOnDemand)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();

// The same, also reading every value as its JSON type (strings unescaped, numbers
// parsed): what any reader that keeps the records' values must do at least.
void BM_SimdjsonOnDemandValues(benchmark::State& state) {
  const auto& data = input();
  simdjson::ondemand::parser parser;
  parser.threaded = false;
  uint64_t sum = 0;
  for (auto _ : state) {
    simdjson::ondemand::document_stream docs;
    if (parser.iterate_many(data, 1 << 20).get(docs)) state.SkipWithError("iterate_many failed");
    for (auto doc : docs) {
      simdjson::ondemand::object obj;
      if (doc.get_object().get(obj)) continue;
      for (auto field : obj) {
        simdjson::ondemand::raw_json_string k;
        if (field.key().get(k)) continue;
        simdjson::ondemand::value v;
        if (field.value().get(v)) continue;
        simdjson::ondemand::json_type t;
        if (v.type().get(t)) continue;
        std::string_view s;
        uint64_t n = 0;
        if (t == simdjson::ondemand::json_type::string && !v.get_string().get(s)) sum += s.size();
        else if (t == simdjson::ondemand::json_type::number && !v.get_uint64().get(n)) sum += n;
      }
    }
  }
  benchmark::DoNotOptimize(sum);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
}
BENCHMARK(BM_SimdjsonOnDemandValues)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();

struct Count final : flowprobe::report::RecordReader::Visitor {
  uint64_t flows = 0, bytes = 0;
  void on_record(flowprobe::report::LineKind k, const flowprobe::report::RecordReader& r) override {
    if (k == flowprobe::report::LineKind::flow) {
      ++flows;
      bytes += r.flow().in_bytes + r.flow().out_bytes + r.flow().src.b[3];
    }
  }
};

// Runs `pass(reader, counter, base, size, capacity)` once per iteration over the file.
template <typename Pass>
void run_reader(benchmark::State& state, Pass pass) {
  const auto& data = input();
  flowprobe::report::RecordReader reader;
  Count c;
  for (auto _ : state) pass(reader, c, data.data(), data.size(), data.size() + simdjson::SIMDJSON_PADDING);
  benchmark::DoNotOptimize(c.bytes);
  state.counters["records"] = static_cast<double>(c.flows) / static_cast<double>(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
}

void BM_ReportReader(benchmark::State& state) {
  // In blocks of whole lines as flowprobe report's file input hands them over (4 MiB).
  run_reader(state, [](auto& reader, Count& c, const char* base, std::size_t size, std::size_t cap) {
    constexpr std::size_t kBlock = 4u << 20;
    for (std::size_t start = 0; start < size;) {
      std::size_t end = size;
      if (size - start > kBlock) {
        const void* nl = memrchr(base + start, '\n', kBlock);
        end = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - base) + 1 : size;
      }
      reader.read_lines(std::string_view(base + start, end - start), cap - start, c);
      start = end;
    }
  });
}
BENCHMARK(BM_ReportReader)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();

// The same reader one line at a time (one simdjson document per line): the path of Kafka
// messages and of a window with damaged lines, and how files were read before read_lines.
void BM_ReportReaderPerLine(benchmark::State& state) {
  run_reader(state, [](auto& reader, Count& c, const char* base, std::size_t size, std::size_t cap) {
    for (std::size_t start = 0; start < size;) {
      const char* nl = static_cast<const char*>(std::memchr(base + start, '\n', size - start));
      const std::size_t end = nl ? static_cast<std::size_t>(nl - base) : size;
      reader.read(std::string_view(base + start, end - start), cap - start, c);
      start = end + 1;
    }
  });
}
BENCHMARK(BM_ReportReaderPerLine)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();

}  // namespace

BENCHMARK_MAIN();
