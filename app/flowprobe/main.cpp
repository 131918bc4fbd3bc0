// flowprobe: packets in (DPDK), nProbe-style JSON flow records out.
#include <csignal>
#include <cstdio>
#include <string_view>

#include "core/log.hpp"
#include "export/field_registry.hpp"
#include "export/flow_template.hpp"
#include "export/json_encoder.hpp"
#include "io/input.hpp"
#include "io/probe.hpp"
#include "export_options.hpp"
#include "check_command.hpp"
#include "options.hpp"
#include "summary.hpp"

using namespace flowprobe;

namespace {

void on_signal(int) { stop_requested().store(true); }

void list_fields() {
  std::printf("%-28s %-14s %-8s %s\n", "FIELD", "JSON KEY", "TYPE", "MEANING");
  for (const FieldDef& f : field_registry()) {
    const char* type = f.type == JsonType::number ? "number" : f.type == JsonType::decimal ? "decimal" : "string";
    std::printf("%%%-27.*s %-14.*s %-8s %.*s\n", static_cast<int>(f.label.size()), f.label.data(),
                static_cast<int>(numeric_key(f).size()), numeric_key(f).data(), type,
                static_cast<int>(f.help.size()), f.help.data());
  }
}

int fail(int code, const std::string& message) {
  std::fprintf(stderr, "flowprobe: %s\n", message.c_str());
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string_view(argv[1]) == "check") return run_check_command(argc, argv);
  Options opt;
  if (const int rc = parse_options(argc, argv, opt); rc >= 0) return rc;
  set_log_level(opt.verbosity >= 2 ? LogLevel::debug : opt.verbosity == 1 ? LogLevel::info : LogLevel::warning);
  if (opt.list_fields) {
    list_fields();
    return 0;
  }

  std::string error;
  FlowTemplate tmpl;
  if (!parse_template(opt.template_spec.empty() ? default_template_spec() : opt.template_spec, tmpl, error))
    return fail(2, error);
  const JsonEncoder encoder(tmpl, opt.json_labels ? KeyStyle::labels : KeyStyle::numeric);

  ProbeConfig config;
  if (!resolve_input(opt.input, config.input, error, opt.replay_loop)) return fail(2, error);
  if (opt.replay_loop && opt.max_packets == 0)
    return fail(2, "--replay-loop needs --max-packets N: the preloaded capture replays without end");
  config.max_packets = opt.max_packets;
  config.rx_cores = opt.rx_cores;
  if (config.input.truncated)
    log(LogLevel::warning, "'%s' is damaged after %lu packets (%s); replaying what is readable",
        opt.input.c_str(), static_cast<unsigned long>(config.input.expected_packets),
        config.input.truncation.c_str());
  auto sink = make_sink(opt.exports, opt.output, error);
  if (!sink) return fail(2, error);

  config.eal_extra = opt.eal_args;
  config.decode.decapsulate = opt.tunnel_mode == "inner";
  config.flow.key_tunnel_id = opt.key_tunnel_id;
  config.export_context.community_id_seed = opt.community_id_seed;
  config.verbose = opt.verbosity > 0;
  config.flow.max_flows = opt.max_flows;
  config.flow.idle_timeout_ns = uint64_t{opt.idle_timeout_s} * kNsPerSec;
  config.flow.active_timeout_ns = uint64_t{opt.lifetime_timeout_s} * kNsPerSec;

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);

  RunReport report;
  if (const int rc = run_probe(config, encoder, *sink, report, error); rc != 0) return fail(rc, error);
  sink->finish();
  const bool balanced = print_summary(stderr, config.input, report, *sink);
  if (sink->counters().failed > 0) return fail(1, "some records could not be written: " + sink->last_error());
  return balanced ? 0 : 1;
}
