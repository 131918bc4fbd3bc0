#include "check_command.hpp"
#include "export/geo.hpp"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <regex>

#include "core/redact.hpp"
#include "export/flow_template.hpp"
#include "export/geo.hpp"
#include "export/kafka_sink.hpp"
#include "export/log_upload.hpp"
#include "export/syslog_sink.hpp"
#include "io/input.hpp"
#include "ops/reachability.hpp"
#include "ops/stats_server.hpp"
#include "signatures/signature_engine.hpp"

namespace flowprobe {

namespace {

namespace fs = std::filesystem;

class Report {
 public:
  explicit Report(std::FILE* out) : out_(out) {}
  void ok(const std::string& item, const std::string& why) { line(item, "ok", why); }
  void fail(const std::string& item, const std::string& why) {
    line(item, "FAIL", why);
    ++failed_;
  }
  // Something check cannot decide without capturing; not a failure.
  void note(const std::string& item, const std::string& why) { line(item, "note", why); }
  void verdict(const std::string& item, const ops::Verdict& v) { v.ok ? ok(item, v.detail) : fail(item, v.detail); }
  void indented(const std::string& text) { std::fprintf(out_, "    %s\n", redact(text).c_str()); }
  int failed() const { return failed_; }

 private:
  void line(const std::string& item, const char* verdict, const std::string& why) {
    std::fprintf(out_, "%s: %s - %s\n", item.c_str(), verdict, redact(why).c_str());
    std::fflush(out_);
  }
  std::FILE* out_;
  int failed_ = 0;
};

void check_interface(const std::string& iface, Report& r) { r.verdict("input", ops::check_interface_link(iface)); }

void check_pci(const std::string& addr, Report& r) {
  const std::string full = std::count(addr.begin(), addr.end(), ':') == 1 ? "0000:" + addr : addr;
  const fs::path dev = fs::path("/sys/bus/pci/devices") / full;
  std::error_code ec;
  if (!fs::exists(dev, ec)) {
    r.fail("input", "PCI device " + full + " does not exist (dpdk-devbind.py --status lists the NICs)");
    return;
  }
  const std::string driver = fs::read_symlink(dev / "driver", ec).filename().string();
  if (driver == "vfio-pci" || driver == "uio_pci_generic" || driver == "igb_uio")
    r.ok("input", "PCI device " + full + " bound to " + driver + " (link state is known only once DPDK starts it)");
  else if (driver.empty())
    r.fail("input", "PCI device " + full + " has no driver; bind it: dpdk-devbind.py -b vfio-pci " + full);
  else
    r.fail("input", "PCI device " + full + " is bound to the kernel's " + driver +
                        "; DPDK needs vfio-pci: dpdk-devbind.py -b vfio-pci " + full);
}

void check_input(const Options& o, Report& r) {
  if (o.input.empty()) return;
  InputSpec in;
  std::string error;
  if (!resolve_input(o.input, in, error, o.replay_loop)) {
    r.fail("input", error);
    return;
  }
  switch (in.kind) {
    case InputSpec::Kind::pcap_file:
      if (in.truncated)
        r.ok("input", "capture '" + o.input + "': " + std::to_string(in.expected_packets) +
                          " readable packets, then damaged (" + in.truncation + "); a run replays what is readable");
      else
        r.ok("input", "capture '" + o.input + "': " + std::to_string(in.expected_packets) + " packets, " +
                          link_type_name(in.link));
      if (o.replay_loop && o.max_packets == 0) r.fail("input", "--replay-loop needs --max-packets N");
      return;
    case InputSpec::Kind::interface: check_interface(o.input, r); return;
    case InputSpec::Kind::pci: check_pci(o.input, r); return;
    case InputSpec::Kind::vdev: {
      static const std::regex iface(R"(iface=([^,]+))"), pcap(R"(rx_pcap=([^,]+))");
      std::smatch m;
      if (std::regex_search(o.input, m, iface)) return check_interface(m[1].str(), r);
      if (std::regex_search(o.input, m, pcap)) {
        r.verdict("input", {::eaccess(m[1].str().c_str(), R_OK) == 0,
                            "rx_pcap file '" + m[1].str() + "'" +
                                (::eaccess(m[1].str().c_str(), R_OK) == 0 ? " is readable" : " cannot be read")});
        return;
      }
      r.note("input", "DPDK vdev '" + o.input + "' is handed to DPDK as is; only a run can probe it");
      return;
    }
  }
}

void check_rules(const Options& o, Report& r) {
  if (o.rules.empty()) return;
  std::string error;
  sig::LoadReport report;
  auto engine = sig::SignatureEngine::load(o.rules, sig::default_rule_vars(), error, &report);
  if (!engine) {
    r.fail("rules", error);
    return;
  }
  std::string summary = report.summary();
  const auto first_end = summary.find('\n');
  std::string first = summary.substr(0, first_end);
  if (first.rfind("rules: ", 0) == 0) first = first.substr(7);
  char compiled[160];
  std::snprintf(compiled, sizeof(compiled), "; %zu bytes of Hyperscan databases, compiled in %.2f s",
                report.database_bytes, report.compile_seconds);
  if (report.accepted == 0)
    r.fail("rules", first + ": no rule would be matched");
  else
    r.ok("rules", first + compiled);
  // The rejections, grouped by reason, under the verdict.
  std::size_t pos = first_end == std::string::npos ? summary.size() : first_end + 1;
  while (pos < summary.size()) {
    const auto end = summary.find('\n', pos);
    r.indented(summary.substr(pos, end - pos));
    if (end == std::string::npos) break;
    pos = end + 1;
  }
}

void check_template(const Options& o, Report& r) {
  FlowTemplate tmpl;
  std::string error;
  const bool given = !o.template_spec.empty();
  if (!parse_template(given ? o.template_spec : default_template_spec(), tmpl, error)) {
    r.fail("template", error);
    return;
  }
  r.ok("template", std::to_string(tmpl.fields.size()) + " fields" + (given ? " from -T" : " (the default template)"));
  if (!tmpl.discarded.empty()) r.indented(discarded_warning(tmpl));
}

void check_kafka(const Options& o, Report& r) {
  const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(o.check_timeout_s * 1000));
  for (const std::string& spec : o.exports.kafka) {
    KafkaSinkConfig kc;
    std::string error;
    if (!parse_kafka_spec(spec, kc.spec, error)) {
      r.fail("kafka", error);
      continue;
    }
    kc.conf = o.exports.kafka_conf;
    kc.finish_timeout = std::chrono::milliseconds(0);
    auto sink = KafkaSink::create(kc, nullptr, error);
    if (!sink) {
      r.fail("kafka", error);
      continue;
    }
    std::string detail;
    const bool ok = sink->check_metadata(timeout, detail);
    ok ? r.ok("kafka", detail) : r.fail("kafka", detail);
  }
}

void check_syslog(const Options& o, Report& r) {
  const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(o.check_timeout_s * 1000));
  if (o.exports.json_to_syslog) r.verdict("syslog", ops::check_local_syslog(o.exports.syslog_socket));
  for (const std::string& url : o.exports.syslog_urls) {
    SyslogTarget t;
    std::string error;
    if (!parse_syslog_url(url, t, error)) {
      r.fail("syslog", error);
      continue;
    }
    if (t.transport != SyslogTarget::Transport::udp)
      r.verdict("syslog", ops::check_tcp(t.host, t.port, timeout));
    else
      r.verdict("syslog", ops::check_udp(t.host, t.port, std::min(timeout, std::chrono::milliseconds(1000))));
  }
}

void check_outputs(const Options& o, Report& r) {
  const bool remote = !o.exports.kafka.empty() || o.exports.json_to_syslog || !o.exports.syslog_urls.empty();
  if (o.output != "-") r.verdict("output", ops::check_writable_file(o.output));
  else if (!remote || o.exports.output_given) r.ok("output", "stdout");
  ExportOptions exports = o.exports;  // the spool directory a run would use, the default included
  std::string spool_error;
  if (!settle_spool_dir(exports, o.output, spool_error)) r.fail("spool-dir", spool_error);
  else if (!exports.spool_dir.empty() && exports.spool_dir != "none")
    r.verdict("spool-dir", ops::check_writable_dir(exports.spool_dir, true));
  if (!o.stats_file.empty()) r.verdict("stats-file", ops::check_writable_file(o.stats_file));
  if (!o.zeek_logs.empty()) r.verdict("zeek-logs", ops::check_writable_dir(o.zeek_logs, true));
  // Only a run's configuration (it has an input) needs somewhere for alerts to go;
  // `check --rules` alone just compiles them.
  if (!o.input.empty() && !o.rules.empty() && o.alerts_output.empty() && o.exports.alerts_kafka_topic.empty())
    r.fail("alerts-output", "--rules needs --alerts-output FILE (or -) or --alerts-kafka-topic TOPIC");
  if (!o.alerts_output.empty() && o.alerts_output != "-") {
    // --log-profile osect's eve.json lies in the --zeek-logs directory, made at start.
    const bool in_log_dir = o.log_profile == "osect" && o.alerts_output == o.zeek_logs + "/eve.json";
    r.verdict("alerts-output", in_log_dir ? ops::check_writable_dir(o.zeek_logs, true)
                                          : ops::check_writable_file(o.alerts_output));
  }
  if (!o.exports.log_upload.empty()) {
    // What a run would use: the files, the queue, and a TLS handshake with our certificate.
    UploadConfig up;
    up.url = o.exports.log_upload;
    up.cert_file = o.exports.log_upload_cert;
    up.key_file = o.exports.log_upload_key;
    up.ca_file = o.exports.log_upload_ca;
    std::string error;
    if (!check_upload_config(up, "--log-upload", error)) {
      r.fail("log-upload", error);
    } else {
      const UploadResult hs = probe_upload_server(
          up, std::chrono::milliseconds(static_cast<int64_t>(o.check_timeout_s * 1000)));
      if (hs.ok) r.ok("log-upload", up.url + ": TLS handshake done (server certificate verified)");
      else r.fail("log-upload", up.url + ": " + hs.error);
    }
    ExportOptions queue = o.exports;
    if (!settle_log_upload_queue(queue, o.zeek_logs, error)) r.fail("log-upload-queue", error);
    else r.verdict("log-upload-queue", ops::check_writable_dir(queue.log_upload_queue, true));
  }
  if (!o.stats_listen.empty()) {
    // Binding it is the test: start() fails exactly as a run would (bad address, port in use).
    ops::StatsHub hub;
    ops::StatsServerConfig sc;
    sc.listen = o.stats_listen;
    std::string error;
    auto server = ops::StatsServer::start(hub, sc, error);
    if (server) r.ok("stats-listen", o.stats_listen + ": can be bound (port " + std::to_string(server->port()) + ")");
    else r.fail("stats-listen", error);
  }
}

// The geo databases open exactly as a run opens them.
void check_geo(const Options& o, Report& r) {
  if (o.city_list.empty() && o.as_list.empty()) return;
  std::string error;
  const auto db = GeoDatabases::open(o.city_list, o.as_list, error);
  if (db) r.ok("geo", db->describe());
  else r.fail("geo", error);
}

}  // namespace

int run_check(const Options& o, std::FILE* out) {
  Report r(out);
  check_input(o, r);
  check_rules(o, r);
  check_template(o, r);
  check_kafka(o, r);
  check_syslog(o, r);
  check_outputs(o, r);
  check_geo(o, r);
  return r.failed() == 0 ? 0 : 1;
}

}  // namespace flowprobe
