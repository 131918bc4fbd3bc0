#include <benchmark/benchmark.h>

#include "export/flow_template.hpp"
#include "export/json_encoder.hpp"

using namespace flowprobe;

// Records per second one exporter core can encode with the default template.
static void BM_EncodeDefaultTemplate(benchmark::State& state) {
  FlowTemplate tmpl;
  std::string err;
  parse_template(default_template_spec(), tmpl, err);
  const JsonEncoder enc(tmpl, state.range(0) ? KeyStyle::labels : KeyStyle::numeric);
  FlowRecord r;
  r.ip_version = 4;
  r.src_ip = {192, 168, 1, 20};
  r.dst_ip = {93, 184, 216, 34};
  r.src_port = 51234;
  r.dst_port = 443;
  r.protocol = 6;
  r.in_bytes = 12345;
  r.in_pkts = 20;
  r.out_bytes = 234567;
  r.out_pkts = 180;
  r.first_ns = 1'700'000'000'000'000'000ull;
  r.last_ns = r.first_ns + 5'000'000'000ull;
  std::string out;
  out.reserve(1 << 20);
  ExportContext ctx;
  for (auto _ : state) {
    ++ctx.flow_sequence;
    enc.encode(r, ctx, out);
    if (out.size() > (1 << 19)) out.clear();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodeDefaultTemplate)->Arg(0)->Arg(1);
