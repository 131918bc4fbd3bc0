// flowprobe: packets in (DPDK), nProbe-style JSON flow records out.
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <cstdio>
#include <optional>
#include <filesystem>
#include <string_view>
#include <vector>

#include "core/log.hpp"
#include "core/redact.hpp"
#include "dpi/protocol_names.hpp"
#include "export/field_registry.hpp"
#include "export/flow_template.hpp"
#include "export/file_sink.hpp"
#include "export/geo.hpp"
#include "export/json_encoder.hpp"
#include "export/log_delivery.hpp"
#include "export/log_set_member.hpp"
#include "export/rotating_file_sink.hpp"
#include "export/tee_sink.hpp"
#include "export/retention.hpp"
#include "dissectors/tcp_fingerprint/p0f_db.hpp"
#include "export/asset_logs.hpp"
#include "export/zeek_logs.hpp"
#include "io/input.hpp"
#include "io/probe.hpp"
#include "io/rule_reload.hpp"
#include "ops/packet_capture.hpp"
#include "ops/privileges.hpp"
#include "ops/reachability.hpp"
#include "ops/stats_server.hpp"
#include "report/report_command.hpp"
#include "signatures/signature_engine.hpp"
#include "export_options.hpp"
#include "check_command.hpp"
#include "options.hpp"
#include "summary.hpp"
#include "support_bundle.hpp"

using namespace flowprobe;

namespace {

void on_signal(int) { stop_requested().store(true); }
// SIGHUP: the template is read again and the rules recompiled off the packet path.
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
  std::fprintf(stderr, "flowprobe: %s\n", redact(message).c_str());
  return code;
}

// Drivers whose port lives on after root is gone: a pcap file (net_pcap's open files)
// and af_packet (its socket and mapped ring). A bound NIC may allocate hugepage memory
// and touch its device later, which needs root.
bool can_drop_root_after_start(const InputSpec& in) {
  switch (in.kind) {
    case InputSpec::Kind::pcap_file:
    case InputSpec::Kind::interface: return true;
    case InputSpec::Kind::vdev: return in.text.starts_with("net_pcap") || in.text.starts_with("net_af_packet");
    case InputSpec::Kind::pci: return false;
  }
  return false;
}

// --user NAME: who to become, or nullopt (no --user, or already running as NAME).
// Exit status in `rc` when the option cannot be honoured.
std::optional<ops::UserIdentity> switch_user(const Options& opt, int& rc) {
  rc = -1;
  if (opt.user.empty()) return std::nullopt;
  ops::UserIdentity who;
  std::string error;
  if (!ops::lookup_user(opt.user, who, error)) {
    rc = fail(2, error);
    return std::nullopt;
  }
  if (::geteuid() == who.uid) return std::nullopt;  // started as NAME already (systemd User=)
  if (::geteuid() != 0) {
    rc = fail(2, "--user " + opt.user + ": only root can switch users; flowprobe runs as uid " + std::to_string(::geteuid()));
    return std::nullopt;
  }
  return who;
}

int check_main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr,
                 "flowprobe check: nothing to check: give the options of a run (--config FILE, -i, -T, --kafka, "
                 "--syslog, -o, --spool-dir) and/or --rules PATH\nRun 'flowprobe check --help' for the accepted options.\n");
    return 2;
  }
  Options opt;
  if (const int rc = parse_options(argc, argv, opt, Command::check); rc >= 0) return rc;
  set_log_level(opt.verbosity >= 2 ? LogLevel::debug : opt.verbosity == 1 ? LogLevel::info : LogLevel::error);
  int rc = -1;
  const std::optional<ops::UserIdentity> user = switch_user(opt, rc);
  if (rc >= 0) return rc;
  // What a run writes as NAME is checked as NAME.
  std::optional<ops::ActingAs> acting;
  if (user) acting.emplace(*user);
  if (acting && !acting->ok()) return fail(2, acting->error());
  return run_check(opt, stdout);
}

int support_bundle_main(int argc, char** argv) {
  Options opt;
  if (const int rc = parse_options(argc, argv, opt, Command::support_bundle); rc >= 0) return rc;
  set_log_level(LogLevel::error);
  return write_support_bundle(opt);
}

// flowprobe reload: SIGHUP to a running probe, found by its --pid-file or its pid.
int reload_main(int argc, char** argv) {
  CLI::App app{"flowprobe reload: ask a running probe to read its template and recompile its rules again, "
               "without stopping capture (the same as SIGHUP or 'systemctl reload flowprobe'). The probe's log "
               "says whether the new rules loaded; if not, the old ones keep running.\n"
               "  flowprobe reload --pid-file /run/flowprobe.pid",
               "flowprobe reload"};
  std::string pid_file;
  long pid = 0;
  app.add_option("--pid-file", pid_file, "the file a probe started with --pid-file writes")->type_name("FILE");
  app.add_option("pid", pid, "the probe's process id (instead of --pid-file)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (!pid_file.empty()) {
    std::FILE* f = std::fopen(pid_file.c_str(), "r");
    if (f == nullptr || std::fscanf(f, "%ld", &pid) != 1) {
      if (f) std::fclose(f);
      return fail(2, "reload: cannot read a process id from '" + pid_file + "' (is the probe running with --pid-file?)");
    }
    std::fclose(f);
  }
  if (pid <= 0) return fail(2, "reload: give --pid-file FILE or the probe's process id");
  if (::kill(static_cast<pid_t>(pid), SIGHUP) != 0)
    return fail(1, "reload: cannot signal process " + std::to_string(pid) + ": " + std::strerror(errno));
  std::printf("reload: asked process %ld to reload its template and rules\n", pid);
  return 0;
}

// Removes the --pid-file when the run ends, however it ends.
struct PidFile {
  std::string path;
  ~PidFile() {
    if (!path.empty()) std::remove(path.c_str());
  }
};

// --alerts-output inside --zeek-logs DIR with --zeek-logs-rotate: the alerts are a file of
// each closed set (eve.json beside conn.log), closed with the logs, not on their own.
bool alerts_in_log_sets(const Options& opt) {
  if (opt.alerts_output.empty() || opt.alerts_output == "-" || opt.zeek_logs.empty() || opt.zeek_logs_rotate_s == 0)
    return false;
  const std::filesystem::path file = std::filesystem::absolute(opt.alerts_output).lexically_normal();
  return std::filesystem::absolute(opt.zeek_logs).lexically_normal() / "" == file.parent_path() / "";
}

std::unique_ptr<Sink> make_set_alert_sink(const Options& opt, ZeekLogWriter& zeek_logs, Retention* retention,
                                          std::string& error) {
  auto file = RotatingFileSink::open(opt.alerts_output, RotationConfig{}, retention, error, "--alerts-output");
  if (!file) return nullptr;
  std::vector<std::unique_ptr<Sink>> sinks;
  sinks.push_back(std::make_unique<LogSetMemberSink>(std::move(file), zeek_logs));
  if (!opt.exports.alerts_kafka_topic.empty()) {
    auto topic = make_alert_sink(opt.exports, "", retention, error);
    if (!topic) return nullptr;
    sinks.push_back(std::move(topic));
  }
  if (sinks.size() == 1) return std::move(sinks.front());
  return std::make_unique<TeeSink>(std::move(sinks));
}

// --log-set-dir, --log-upload, --log-postprocess: what a closed set of --zeek-logs
// becomes. False with `error` on a bad combination or an upload that cannot start.
bool start_log_delivery(Options& opt, ZeekLogWriter* zeek_logs, Retention* retention,
                        std::unique_ptr<LogDelivery>& delivery, std::string& error) {
  ExportOptions& x = opt.exports;
  const bool upload = !x.log_upload.empty();
  if (!upload) {
    for (const auto& [value, name] : {std::pair{&x.log_upload_cert, "--log-upload-cert"},
                                      {&x.log_upload_key, "--log-upload-key"}, {&x.log_upload_ca, "--log-upload-ca"},
                                      {&x.log_upload_label, "--log-upload-label"},
                                      {&x.log_upload_queue, "--log-upload-queue"}})
      if (!value->empty()) {
        error = std::string(name) + " needs --log-upload URL";
        return false;
      }
  }
  if (!upload && x.log_postprocess.empty() && !x.log_set_dir) return true;
  const char* what = upload ? "--log-upload" : !x.log_postprocess.empty() ? "--log-postprocess" : "--log-set-dir";
  if (zeek_logs == nullptr || opt.zeek_logs_rotate_s == 0) {
    error = std::string(what) + " needs --zeek-logs DIR and --zeek-logs-rotate SECONDS: it works on the sets of logs "
            "each rotation closes";
    return false;
  }
  if (!upload && x.log_postprocess.empty()) return true;
  if (!settle_log_upload_queue(x, opt.zeek_logs, error)) return false;
  LogDeliveryConfig dc;
  dc.upload.url = x.log_upload;
  dc.upload.label = x.log_upload_label;
  dc.upload.cert_file = x.log_upload_cert;
  dc.upload.key_file = x.log_upload_key;
  dc.upload.ca_file = x.log_upload_ca;
  dc.upload.timeout = std::chrono::seconds(x.log_upload_timeout_s);
  dc.queue_dir = x.log_upload_queue;
  dc.postprocess = x.log_postprocess;
  dc.drain = std::chrono::milliseconds(static_cast<int64_t>(x.drain_timeout_s * 1000));
  if (x.log_set_dir) dc.sets_dir = zeek_logs->dir();
  delivery = LogDelivery::start(dc, error);
  if (!delivery) return false;
  delivery->set_retention(retention);
  zeek_logs->on_set_closed([d = delivery.get()](ClosedLogSet&& set) { d->submit(std::move(set)); });
  if (upload) {
    // Said at start, as the spool is: where archives wait, and what an earlier run left.
    log(x.log_upload_queue_default ? LogLevel::warning : LogLevel::info,
        "--log-upload: each closed set is packed into %s and sent to %s; an archive the server does not take (HTTP "
        "200) waits there and is tried again%s",
        x.log_upload_queue.c_str(), x.log_upload.c_str(),
        x.log_upload_queue_default ? " (the default queue; --log-upload-queue DIR to choose one)" : "");
    if (const uint64_t n = delivery->counters().carried_in)
      log(LogLevel::warning, "--log-upload: %llu archives an earlier run could not deliver wait in %s: sent first",
          static_cast<unsigned long long>(n), x.log_upload_queue.c_str());
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string_view(argv[1]) == "check") return check_main(argc - 1, argv + 1);
  if (argc > 1 && std::string_view(argv[1]) == "support-bundle") return support_bundle_main(argc - 1, argv + 1);
  if (argc > 1 && std::string_view(argv[1]) == "report") return report::report_main(argc - 1, argv + 1, FLOWPROBE_VERSION);
  if (argc > 1 && std::string_view(argv[1]) == "reload") return reload_main(argc - 1, argv + 1);
  if (argc > 1 && std::string_view(argv[1]) == "--version") {
    std::fputs(version_text().c_str(), stdout);
    return 0;
  }
  Options opt;
  if (const int rc = parse_options(argc, argv, opt); rc >= 0) return rc;
  // SIGHUP parses the command line again: keep it, then hide its secrets from ps and
  // /proc/PID/cmdline (--kafka-conf sasl.password=... is better kept in --config).
  std::vector<std::string> args(argv, argv + argc);
  for (int i = 1; i < argc; ++i) redact_in_place(argv[i]);
  set_log_level(opt.verbosity >= 2 ? LogLevel::debug : opt.verbosity == 1 ? LogLevel::info : LogLevel::warning);
  int user_rc = -1;
  const std::optional<ops::UserIdentity> user = switch_user(opt, user_rc);
  if (user_rc >= 0) return user_rc;
  // With --user everything is read and written as that user (files it creates are its
  // own); only the port is opened as root, then root is dropped (on_port_started below).
  std::optional<ops::ActingAs> acting;
  if (user) {
    if (std::string why; !ops::forbid_new_privileges(why)) return fail(2, why);
    acting.emplace(*user);
    if (!acting->ok()) return fail(2, acting->error());
  }
  if (std::string log_error; !opt.log_file.empty() && !set_log_file(opt.log_file, log_error)) return fail(2, log_error);
  if (opt.list_fields) {
    list_fields();
    return 0;
  }

  std::string error;
  // Where records wait while a receiver is down: said once, before anything is sent.
  if (!settle_spool_dir(opt.exports, opt.output, error)) return fail(2, error);
  // One retention for every file the probe writes; each writer registers its own.
  std::unique_ptr<Retention> retention = make_retention(opt.exports, error);
  if (!retention && !error.empty()) return fail(2, error);
  // Rules first: a rule set that cannot load stops the run before any capture starts.
  sig::RuleSets rule_sets;  // generation 0 now; SIGHUP reloads add the next and retire the old
  std::unique_ptr<Sink> alert_sink;
  if (!opt.rules.empty()) {
    if (opt.alerts_output.empty() && opt.exports.alerts_kafka_topic.empty())
      return fail(2, "--rules: say where alerts go with --alerts-output FILE (or - for stdout) or --alerts-kafka-topic TOPIC");
    sig::LoadReport report;
    auto rules = sig::SignatureEngine::load(opt.rules, sig::default_rule_vars(), error, &report);
    if (!rules) return fail(2, "--rules: " + error);
    rule_sets.add(std::move(rules));
    // Rejected rules are said at start, with the most frequent reasons and a rule of each
    // (every reason with -v), not left for `check` to find.
    std::string summary = report.summary(opt.verbosity > 0 ? 3 : 1, opt.verbosity > 0 ? -1 : 5);
    for (std::size_t pos = 0; pos < summary.size();) {
      const std::size_t end = std::min(summary.find('\n', pos), summary.size());
      log(LogLevel::warning, "%s", summary.substr(pos, end - pos).c_str());
      pos = end + 1;
    }
    if (report.accepted == 0) return fail(2, "--rules: no rule was accepted; nothing to match");
    if (opt.no_dpi) {
      const sig::SignatureEngine& e = rule_sets.front();
      std::size_t need_ndpi = 0;
      std::string names;  // the protocols they name, each once
      for (uint32_t i = 0; i < e.rule_count(); ++i) {
        if (!dpi::app_proto_needs_ndpi(e.rule(i).app)) continue;
        ++need_ndpi;
        const std::string name(sig::app_proto_name(e.rule(i).app));
        if (("," + names + ",").find("," + name + ",") == std::string::npos) names += (names.empty() ? "" : ",") + name;
      }
      if (need_ndpi > 0)
        log(LogLevel::warning, "--no-dpi: %zu rules for %s cannot match (only nDPI names those protocols)", need_ndpi,
            names.c_str());
    }
    // An alerts file among the rotated Zeek logs is one of their sets: made with them, below.
    if (!alerts_in_log_sets(opt)) {
      // The OsecT profile's eve.json lies in the --zeek-logs directory, which the Zeek log
      // writer only creates further down (and checks then).
      if (opt.log_profile == "osect" && !opt.zeek_logs.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(opt.zeek_logs, ec);
      }
      alert_sink = make_alert_sink(opt.exports, opt.alerts_output, retention.get(), error);
      if (!alert_sink) return fail(2, error);
    }
  } else if (!opt.alerts_output.empty() || !opt.exports.alerts_kafka_topic.empty()) {
    return fail(2, !opt.alerts_output.empty() ? "--alerts-output needs --rules" : "--alerts-kafka-topic needs --rules");
  }
  // Asset events: on when they have somewhere to go.
  std::unique_ptr<Sink> event_sink = make_event_sink(opt.exports, opt.events_output, retention.get(), error);
  if (!event_sink && !error.empty()) return fail(2, error);
  // Transactions: recorded when they have somewhere to go (or Zeek logs want their rows).
  std::unique_ptr<Sink> tx_sink = make_transaction_sink(opt.exports, opt.transactions_output, retention.get(), error);
  if (!tx_sink && !error.empty()) return fail(2, error);
  if (tx_sink && opt.no_dpi && opt.rules.empty())
    return fail(2, "--transactions-output/--transactions-kafka-topic: --no-dpi without --rules turns the "
                   "dissectors off; there are no transactions");
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
  if (!tmpl.discarded.empty()) log(LogLevel::warning, "%s", discarded_warning(tmpl).c_str());
  const JsonEncoder encoder(tmpl, opt.json_labels ? KeyStyle::labels : KeyStyle::numeric);

  ProbeConfig config;
  if (!resolve_input(opt.input, config.input, error, opt.replay_loop)) return fail(2, error);
  if (user && !can_drop_root_after_start(config.input))
    return fail(2, "--user: a NIC bound to vfio-pci (and any DPDK driver but net_pcap and net_af_packet) may need "
                   "root after its port starts (hugepage memory, the device); run it as root or as a user given "
                   "that access from the start (README, \"Running as a service\")");
  if (opt.replay_loop && opt.max_packets == 0)
    return fail(2, "--replay-loop needs --max-packets N: the preloaded capture replays without end");
  config.max_packets = opt.max_packets;
  config.rx_cores = opt.rx_cores;
  if (config.input.truncated)
    log(LogLevel::warning, "'%s' is damaged after %lu packets (%s); replaying what is readable",
        config.input.capture.c_str(), static_cast<unsigned long>(config.input.expected_packets),
        config.input.truncation.c_str());
  if (config.input.reader == InputSpec::Reader::pcapng)
    log(LogLevel::info, "'%s': libpcap refuses it (%s); flowprobe's pcapng reader feeds net_pcap instead",
        config.input.capture.c_str(), config.input.libpcap_refusal.c_str());
  for (const InputSpec::NotReplayed& n : config.input.not_replayed)
    log(LogLevel::warning, "'%s': %lu packets on %s interfaces are counted, not replayed (one link type a run: %s)",
        config.input.capture.c_str(), static_cast<unsigned long>(n.packets), n.link_name.c_str(),
        link_type_name(config.input.link));
  auto sink = make_sink(opt.exports, opt.output, retention.get(), error);
  if (!sink) return fail(2, error);
  if (opt.exports.spool_dir_default)
    log(LogLevel::warning,
        "spool: records a Kafka broker or syslog receiver cannot take now wait in %s (the default; --spool-dir DIR "
        "to choose one, --spool-dir none for no spool)",
        opt.exports.spool_dir.c_str());
  else if (opt.exports.spool_dir == "none" && opt.exports.remote_can_be_down())
    log(LogLevel::warning, "--spool-dir none: records a receiver cannot take while it is down are lost (and counted)");
  // p0f's database, read once before the RX cores start; they only read it.
  std::unique_ptr<dissect::P0fDb> p0f;
  {
    constexpr const char* kDefaultP0f = "/etc/p0f/p0f.fp";
    const std::string path = opt.p0f_fp.empty() ? kDefaultP0f : opt.p0f_fp;
    if (!opt.p0f_fp.empty() || ::access(kDefaultP0f, R_OK) == 0) {
      p0f = dissect::P0fDb::load(path, error);
      if (!p0f) return fail(2, "--p0f-fp: " + error);
      dissect::set_p0f_db(p0f.get());
    }
  }
  // Declared before the log writers, destroyed after them: the Zeek writer's destructor may
  // still hand it the last set.
  std::unique_ptr<LogDelivery> delivery;
  std::unique_ptr<ZeekLogWriter> zeek_logs;
  std::unique_ptr<AssetLogWriter> asset_logs;  // arp.log, ns.log, …: with the Zeek logs
  if (opt.zeek_logs_rotate_s && opt.zeek_logs.empty()) return fail(2, "--zeek-logs-rotate needs --zeek-logs DIR");
  if (!opt.zeek_logs.empty()) {
    zeek_logs = ZeekLogWriter::open(opt.zeek_logs, error, opt.zeek_logs_rotate_s,
                                    opt.log_profile == "osect" ? LogProfile::osect : LogProfile::zeek);
    if (!zeek_logs) return fail(2, "--zeek-logs: " + error);
    config.zeek_logs = zeek_logs.get();
    zeek_logs->set_retention(retention.get());
    zeek_logs->set_cycle_dirs(opt.exports.log_set_dir);
    std::string kept_set;
    if (const std::size_t n = zeek_logs->keep_unfinished_logs(kept_set))
      log(LogLevel::warning, "--zeek-logs: %zu logs an earlier run left open (it was killed) are kept as %s, not "
          "overwritten", n, kept_set.c_str());
    zeek_logs->set_wall_clock(config.input.capture.empty());  // live: an interval closes on time without records
    asset_logs = std::make_unique<AssetLogWriter>(*zeek_logs);
    config.asset_logs = asset_logs.get();
    config.assets.send_repeats = true;  // the asset logs count every sighting
  }
  if (!rule_sets.empty() && alerts_in_log_sets(opt)) {
    alert_sink = make_set_alert_sink(opt, *zeek_logs, retention.get(), error);
    if (!alert_sink) return fail(2, error);
  }
  // Closed log sets: postprocessed and/or uploaded off the packet path, on threads of their own.
  if (!start_log_delivery(opt, zeek_logs.get(), retention.get(), delivery, error)) return fail(2, error);

  config.eal_extra = opt.eal_args;
  config.decode.decapsulate = opt.tunnel_mode != "outer";
  config.decode.account_carrier = opt.tunnel_mode == "both";
  config.flow.key_tunnel_id = opt.key_tunnel_id;
  config.export_context.community_id_seed = opt.community_id_seed;
  config.export_context.geo = geo.get();
  config.verbose = opt.verbosity > 0;
  config.flow.max_flows = opt.max_flows;
  config.l7.enabled = !opt.no_dpi || !rule_sets.empty();
  config.l7.use_ndpi = !opt.no_dpi;
  config.l7.rules = rule_sets.empty() ? nullptr : &rule_sets.front();
  config.rule_sets = rule_sets.empty() ? nullptr : &rule_sets;
  config.rule_paths = opt.rules;
  config.l7.scanner.midstream = opt.midstream;
  config.l7.scanner.inspect_encrypted = opt.rules_inspect_encrypted;
  config.alert_sink = alert_sink.get();
  config.event_sink = event_sink.get();
  config.tx_sink = tx_sink.get();
  config.l7.transactions = config.l7.enabled && (tx_sink != nullptr || zeek_logs != nullptr);
  config.assets.dedup_window_ns = uint64_t{opt.asset_dedup_s} * kNsPerSec;
  config.l7.max_flows = opt.dpi_flows ? std::min(opt.dpi_flows, opt.max_flows) : std::min<uint32_t>(opt.max_flows, 262'144);
  config.l7.ndpi.max_flows = std::min(opt.ndpi_flows, config.l7.max_flows);
  config.l7.ndpi_stop_when_known = opt.ndpi_stop_when_known;
  // nDPI's name tables are read by the exporter; build them before any lcore starts.
  if (config.l7.enabled) (void)dpi::protocol_names();
  config.flow.idle_timeout_ns = uint64_t{opt.idle_timeout_s} * kNsPerSec;
  config.flow.active_timeout_ns = uint64_t{opt.lifetime_timeout_s} * kNsPerSec;
  config.flow.timeout_rules = opt.timeout_rules;

  std::unique_ptr<ops::PacketCapture> capture;
  if (!opt.capture.empty()) {
    uint64_t n = 0;
    const std::string& count = opt.capture[0];
    if (count.empty() || count.find_first_not_of("0123456789") != std::string::npos || count.size() > 6 ||
        (n = std::stoull(count)) < 1 || n > 100000)
      return fail(2, "--capture '" + count + "': expected a packet count from 1 to 100000, then a file (--capture 1000 /tmp/rx.pcap)");
    const ops::Verdict writable = ops::check_writable_file(opt.capture[1]);
    if (!writable.ok) return fail(2, "--capture: " + writable.detail);
    capture = std::make_unique<ops::PacketCapture>(n, opt.capture[1], pcap_linktype(config.input.link));
    config.capture = capture.get();
    if (retention) {
      const std::filesystem::path file(opt.capture[1]);
      retention->watch("--capture", file.has_parent_path() ? file.parent_path() : ".",
                       [name = file.filename().string()](std::string_view n) {
                         return n == name ? FileRole::closed : FileRole::other;
                       });
    }
  }

  // Live statistics run on their own thread, started before the EAL so that the endpoint
  // answers while ports come up.
  ops::StatsHub stats_hub;
  if (delivery)  // an upload queue that stops draining is what an operator alerts on
    stats_hub.add_table({kLogDeliveryCounterDefs, [d = delivery.get()](uint64_t* out) {
                           const LogDeliveryCounters c = d->counters();
                           std::memcpy(out, &c, sizeof c);
                         }});
  std::unique_ptr<ops::StatsServer> stats_server;
  if (opt.stats_interval_s || !opt.stats_listen.empty() || !opt.stats_file.empty()) {
    ops::StatsServerConfig sc;
    sc.interval_s = opt.stats_interval_s;
    sc.listen = opt.stats_listen;
    sc.file = opt.stats_file;
    stats_server = ops::StatsServer::start(stats_hub, sc, error);
    if (!stats_server) return fail(2, error);
    config.stats = &stats_hub;
  }

  // SIGHUP (systemctl reload): the command line and --config are read again and the
  // template is swapped between two records on the exporter; reception never pauses. A
  // file that no longer parses leaves the running template in place.
  std::vector<std::unique_ptr<JsonEncoder>> reloaded;
  config.reload = [&reloaded, &args]() -> const JsonEncoder* {
    std::vector<char*> again;
    for (std::string& a : args) again.push_back(a.data());
    again.push_back(nullptr);
    Options fresh;
    if (parse_options(static_cast<int>(args.size()), again.data(), fresh) >= 0) {
      log(LogLevel::error, "SIGHUP: the options no longer parse (see above); keeping the running template");
      return nullptr;
    }
    FlowTemplate t;
    std::string why;
    if (!parse_template(fresh.template_spec.empty() ? default_template_spec() : fresh.template_spec, t, why)) {
      log(LogLevel::error, "SIGHUP: keeping the running template: %s", why.c_str());
      return nullptr;
    }
    if (!t.discarded.empty()) log(LogLevel::warning, "SIGHUP: %s", discarded_warning(t).c_str());
    reloaded.push_back(std::make_unique<JsonEncoder>(t, fresh.json_labels ? KeyStyle::labels : KeyStyle::numeric));
    // The exporter takes the new one at once, between two records: the one before is unused.
    if (reloaded.size() > 1) reloaded.erase(reloaded.begin());
    log(LogLevel::info, "SIGHUP: template reloaded, %zu fields", t.fields.size());
    return reloaded.back().get();
  };
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGHUP, on_hangup);
  PidFile pid_file;
  if (!opt.pid_file.empty()) {
    std::FILE* f = std::fopen(opt.pid_file.c_str(), "w");
    if (f == nullptr) return fail(2, "--pid-file '" + opt.pid_file + "': " + std::strerror(errno));
    std::fprintf(f, "%ld\n", static_cast<long>(::getpid()));
    std::fclose(f);
    pid_file.path = opt.pid_file;
  }

  if (user) {
    acting.reset();  // root again, for the EAL and the port only
    config.on_port_started = [&user](std::string& why) {
      if (!ops::drop_privileges(*user, why)) return false;
      log(LogLevel::info, "--user %s: port open, root dropped: %s", user->name.c_str(), ops::describe_credentials().c_str());
      return true;
    };
  }
  if (retention) retention->apply();  // what earlier runs left, before this one adds to it

  RunReport report;
  if (const int rc = run_probe(config, encoder, *sink, report, error); rc != 0) return fail(rc, error);
  sink->finish();
  if (alert_sink) alert_sink->finish();
  if (event_sink) event_sink->finish();
  if (tx_sink) tx_sink->finish();
  bool zeek_ok = true;
  if (zeek_logs) {
    asset_logs->finish();  // rows still in their window, before the files close
    zeek_ok = zeek_logs->finish();
    const auto& zc = zeek_logs->counters();
    std::string rows;
    for (const ZeekLogInfo& l : flowprobe::zeek_logs())
      if (const uint64_t n = zeek_logs->rows(l.name); n != 0 || l.name == "conn")
        rows += (rows.empty() ? "" : ", ") + std::string(l.name) + " " + std::to_string(n);
    log(LogLevel::info, "zeek logs in %s: %s rows; %llu rotations", zeek_logs->dir().c_str(), rows.c_str(),
        static_cast<unsigned long long>(zc.rotations));
    if (!zeek_ok)
      log(LogLevel::error, "--zeek-logs: %llu rows could not be written: %s",
          static_cast<unsigned long long>(zc.write_errors), zeek_logs->last_error().c_str());
  }
  bool delivery_ok = true;
  if (delivery) {
    delivery_ok = delivery->finish();  // every closed set postprocessed, packed, and tried within --drain-timeout
    if (!delivery_ok) log(LogLevel::error, "closed log sets not all delivered: %s", delivery->last_error().c_str());
  }
  bool capture_ok = true;
  if (capture && !capture->finish(error)) {
    log(LogLevel::error, "%s", error.c_str());
    capture_ok = false;
  }
  if (retention) retention->apply();  // every file closed: the run leaves the disk within the bounds
  if (stats_server) {
    stats_hub.publish_sinks(ops::sink_stats(*sink));
    stats_server.reset();  // writes the --stats-file a last time, with the drained sinks
  }
  // Said before the summary, whose last line is what was lost: the exit status follows it.
  for (const Sink* s : {sink.get(), alert_sink.get(), event_sink.get(), tx_sink.get()})
    if (s != nullptr && s->counters().failed > 0)
      log(LogLevel::error, "some records could not be delivered: %s", s->last_error().c_str());
  const SummaryVerdict verdict = print_summary(stderr, config.input, report, *sink, alert_sink.get(), event_sink.get(),
                                               retention.get(), zeek_logs ? zeek_logs->counters().write_errors : 0,
                                               tx_sink.get(), delivery.get());
  if (!(verdict.balanced && verdict.lost == 0 && capture_ok && zeek_ok && delivery_ok)) return 1;
  // Everything readable was replayed and accounted, but the file is damaged past it.
  return input_verdict(config.input, report).state == InputVerdict::State::damaged ? 3 : 0;
}
