#include <benchmark/benchmark.h>

#include "dissectors/app_metadata.hpp"
#include "export/flow_template.hpp"
#include "export/json_encoder.hpp"

using namespace flowprobe;

namespace {
// A 5-second HTTPS flow, the shape most exported records have.
FlowRecord tls_flow() {
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
  return r;
}
}  // namespace

// Records per second one exporter core can encode with the default template.
static void BM_EncodeDefaultTemplate(benchmark::State& state) {
  FlowTemplate tmpl;
  std::string err;
  parse_template(default_template_spec(), tmpl, err);
  const JsonEncoder enc(tmpl, state.range(0) ? KeyStyle::labels : KeyStyle::numeric);
  const FlowRecord r = tls_flow();
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

// Records per second with nProbe 10.x's probe-mode list (-T @NTOPNG@, issue #6's
// target: >= 1 M/s on one exporter core), for a TLS flow whose dissector spoke (SNI,
// JA4) as most of today's flows are; numeric keys as nProbe sends them by default.
static void BM_EncodeNtopngTemplate(benchmark::State& state) {
  FlowTemplate tmpl;
  std::string err;
  if (!parse_template("@NTOPNG@", tmpl, err)) state.SkipWithError(err.c_str());
  const JsonEncoder enc(tmpl, state.range(0) ? KeyStyle::labels : KeyStyle::numeric);
  FlowRecord r = tls_flow();
  r.src_mac = {0x00, 0x25, 0x90, 0xd4, 0xcc, 0xf9};
  r.dst_mac = {0x0a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f};
  r.client_tcp_flags = 0x1b;
  r.server_tcp_flags = 0x1b;
  r.l7_app = 91;  // TLS
  r.l7_flags = kL7Present | kL7HasApp;
  r.l7_confidence = 6;
  r.client_nw_latency_us = 1234;
  r.server_nw_latency_us = 20345;
  r.appl_latency_us = 40000;
  r.tcp_win_max_in = 64240;
  r.tcp_win_max_out = 65535;
  dissect::AppMetadata app;
  app.set_kind(dissect::AppKind::tls);
  app.u.tls.server_name.append("www.example.com");
  app.u.tls.ja4c.append("t13d1516h2_8daaf6152771_02713d6af862");
  app.u.tls.version = 0x0304;
  std::string out;
  out.reserve(1 << 20);
  ExportContext ctx;
  ctx.app = &app;
  std::size_t bytes = 0;
  for (auto _ : state) {
    ++ctx.flow_sequence;
    const std::size_t before = out.size();
    enc.encode(r, ctx, out);
    bytes += out.size() - before;
    if (out.size() > (1 << 19)) out.clear();
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["keys"] = static_cast<double>(tmpl.fields.size());
  state.counters["bytes_per_record"] = static_cast<double>(bytes) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_EncodeNtopngTemplate)->Arg(0)->Arg(1);
