// flowprobe: packets in (DPDK), nProbe-style JSON flow records out.
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <string_view>

#include "core/log.hpp"
#include "dpi/protocol_names.hpp"
#include "export/field_registry.hpp"
#include "export/flow_template.hpp"
#include "export/file_sink.hpp"
#include "export/geo.hpp"
#include "export/json_encoder.hpp"
#include "io/input.hpp"
#include "io/probe.hpp"
#include "io/rule_reload.hpp"
#include "signatures/signature_engine.hpp"
#include "export_options.hpp"
#include "check_command.hpp"
#include "options.hpp"
#include "summary.hpp"

using namespace flowprobe;

namespace {

void on_signal(int) { stop_requested().store(true); }
// SIGHUP: recompile the rules off the packet path and swap them in (io/rule_reload.hpp).
void on_hangup(int) { reload_requested().store(true); }

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
  // Rules first: a rule set that cannot load stops the run before any capture starts.
  std::vector<std::unique_ptr<sig::SignatureEngine>> rule_sets;  // [0] now; SIGHUP reloads append
  std::unique_ptr<FileSink> alert_sink;
  if (!opt.rules.empty()) {
    if (opt.alerts_output.empty())
      return fail(2, "--rules: say where alerts go with --alerts-output FILE (or - for stdout)");
    sig::LoadReport report;
    auto rules = sig::SignatureEngine::load(opt.rules, sig::default_rule_vars(), error, &report);
    if (!rules) return fail(2, "--rules: " + error);
    rule_sets.push_back(std::move(rules));
    const std::string summary = report.summary(opt.verbosity > 0 ? 3 : 0);
    log(LogLevel::warning, "%s", summary.substr(0, summary.find('\n')).c_str());
    if (opt.verbosity > 0) log(LogLevel::info, "%s", summary.c_str());
    if (report.accepted == 0) return fail(2, "--rules: no rule was accepted; nothing to match");
    alert_sink = FileSink::open(opt.alerts_output, error);
    if (!alert_sink) return fail(2, "--alerts-output: " + error);
  } else if (!opt.alerts_output.empty()) {
    return fail(2, "--alerts-output needs --rules");
  }
  // Geo/AS databases: opened now so that a wrong path stops the run before capture.
  std::unique_ptr<GeoDatabases> geo_db;
  std::unique_ptr<GeoLookup> geo;
  if (!opt.city_list.empty() || !opt.as_list.empty()) {
    geo_db = GeoDatabases::open(opt.city_list, opt.as_list, error);
    if (!geo_db) return fail(2, error);
    geo = std::make_unique<GeoLookup>(*geo_db);
    log(LogLevel::info, "geo enrichment: %s", geo_db->describe().c_str());
  }
  FlowTemplate tmpl;
  std::string spec = opt.template_spec.empty() ? std::string(default_template_spec()) : opt.template_spec;
  if (opt.template_spec.empty() && !rule_sets.empty()) spec += " %ALERTS %ALERT_SIDS";
  if (!parse_template(spec, tmpl, error)) return fail(2, error);
  for (const std::string& f : tmpl.discarded)
    log(LogLevel::warning, "-T: %%%s is not available in flowprobe; discarded (as nProbe discards unknown elements)",
        f.c_str());
  const JsonEncoder encoder(tmpl, opt.json_labels ? KeyStyle::labels : KeyStyle::numeric);

  ProbeConfig config;
  if (!resolve_input(opt.input, config.input, error, opt.replay_loop)) return fail(2, error);
  if (opt.replay_loop && opt.max_packets == 0)
    return fail(2, "--replay-loop needs --max-packets N: the preloaded capture replays without end");
  config.max_packets = opt.max_packets;
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
  config.export_context.geo = geo.get();
  config.verbose = opt.verbosity > 0;
  config.flow.max_flows = opt.max_flows;
  config.l7.enabled = !opt.no_dpi || !rule_sets.empty();
  config.l7.use_ndpi = !opt.no_dpi;
  config.l7.rules = rule_sets.empty() ? nullptr : rule_sets.front().get();
  config.rule_sets = rule_sets.empty() ? nullptr : &rule_sets;
  config.rule_paths = opt.rules;
  config.l7.scanner.midstream = opt.midstream;
  config.alert_sink = alert_sink.get();
  config.l7.max_flows = opt.dpi_flows ? std::min(opt.dpi_flows, opt.max_flows) : std::min<uint32_t>(opt.max_flows, 262'144);
  config.l7.ndpi.max_flows = std::min(opt.ndpi_flows, config.l7.max_flows);
  // nDPI's name tables are read by the exporter; build them before any lcore starts.
  if (config.l7.enabled) (void)dpi::protocol_names();
  config.flow.idle_timeout_ns = uint64_t{opt.idle_timeout_s} * kNsPerSec;
  config.flow.active_timeout_ns = uint64_t{opt.lifetime_timeout_s} * kNsPerSec;

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGHUP, on_hangup);

  RunReport report;
  if (const int rc = run_probe(config, encoder, *sink, report, error); rc != 0) return fail(rc, error);
  sink->finish();
  const bool balanced = print_summary(stderr, config.input, report, *sink, alert_sink.get());
  if (sink->counters().failed > 0) return fail(1, "some records could not be written: " + sink->last_error());
  return balanced ? 0 : 1;
}
