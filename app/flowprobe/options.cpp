#include "options.hpp"

#include "export/geo.hpp"

#include <CLI/CLI.hpp>

#include "core/redact.hpp"

#include <cstdio>
#include <sstream>

namespace flowprobe {

namespace {
std::vector<std::string> split_words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}
const char* command_name(Command c) {
  switch (c) {
    case Command::run: return "flowprobe";
    case Command::check: return "flowprobe check";
    case Command::support_bundle: return "flowprobe support-bundle";
  }
  return "flowprobe";
}

const char* command_description(Command c) {
  switch (c) {
    case Command::run:
      return "flowprobe: a DPDK flow probe that turns packets into nProbe-style JSON flow records.\n"
             "Replay a capture:   flowprobe -i capture.pcap\n"
             "Capture a NIC:      flowprobe -i 0000:03:00.0 -- -l 0-3 --socket-mem 1024\n"
             "From a file:        flowprobe --config /etc/flowprobe/flowprobe.conf\n"
             "Records go to stdout as JSON lines (-o to change); a summary of every counter goes to stderr at exit.";
    case Command::check:
      return "flowprobe check: with the options of a run (or its --config), test each part without capturing and "
             "print one verdict line per item: input, rules, template, Kafka brokers and topic, syslog receivers, "
             "output directories. Exits 1 if any fails.\n"
             "  flowprobe check --config /etc/flowprobe/flowprobe.conf\n"
             "  flowprobe check --rules /etc/flowprobe/rules";
    case Command::support_bundle:
      return "flowprobe support-bundle: write a .tar.gz for whoever supports this probe: version and build options, "
             "the effective configuration (secrets masked), the last statistics, recent log lines and the DPDK "
             "device list, and what sosreport would say of the machine: system, packages, interface counters, "
             "disks, the host's log. --upload URL sends it as the closed log sets are sent.\n"
             "  flowprobe support-bundle /tmp/probe.tar.gz --config /etc/flowprobe/flowprobe.conf";
  }
  return "";
}

}  // namespace

int parse_options(int argc, char** argv, Options& out, Command command) {
  // Everything after a bare "--" belongs to DPDK's EAL.
  int own_argc = argc;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--") {
      own_argc = i;
      for (int j = i + 1; j < argc; ++j) out.eal_args.emplace_back(argv[j]);
      break;
    }
  }
  const std::string me = command_name(command);

  CLI::App app{command_description(command), me};
  app.set_help_flag("-h,--help", "print this help and exit");
  app.get_formatter()->column_width(34);

  std::string eal_joined;
  app.add_option("-i,--interface", out.input,
                 "what to read: a pcap/pcapng file (replayed through DPDK's net_pcap, no hugepages or NIC needed), "
                 "a PCI address (0000:03:00.0), a DPDK vdev spec (net_pcap0,rx_pcap=f.pcap; net_af_packet0,iface=eth1) "
                 "or a Linux interface name (read through the af_packet vdev)")
      ->type_name("CAPTURE|PCI|VDEV|IFACE");
  app.add_option("-T,--template", out.template_spec,
                 "flow template: %FIELD tokens separated by spaces, e.g. \"%IPV4_SRC_ADDR %L4_DST_PORT %IN_BYTES\"; "
                 "--list-fields shows every field. Default: the full foundation set")
      ->type_name("TEMPLATE");
  app.add_flag("--json-labels", out.json_labels, "use field labels (\"IPV4_SRC_ADDR\") as JSON keys instead of numeric ids (\"8\")");
  app.add_option("-t,--lifetime-timeout", out.lifetime_timeout_s,
                 "seconds after which a long flow is exported and goes on as a new record")
      ->check(CLI::Range(1u, 31'536'000u))
      ->capture_default_str();
  app.add_option("-d,--idle-timeout", out.idle_timeout_s, "seconds without packets after which a flow is exported")
      ->check(CLI::Range(1u, 31'536'000u))
      ->capture_default_str();
  app.add_option("--idle-timeout-for", out.idle_timeout_for,
                 "an idle timeout of its own for some flows, chosen when a flow starts: SELECTOR=SECONDS with "
                 "SELECTOR tcp, udp, icmp (and ICMPv6), icmpv6, other (every IP protocol but those four) or a "
                 "protocol number, and for tcp/udp optionally /PORT[,PORT...] (either side's port); the most "
                 "specific rule wins, -d covers what none names. Repeatable, e.g. tcp/21,22=60 other=300")
      ->type_name("SELECTOR=SECONDS");
  app.add_option("--lifetime-timeout-for", out.lifetime_timeout_for,
                 "the same for the lifetime timeout (-t), e.g. other=1800")
      ->type_name("SELECTOR=SECONDS");
  app.add_option("-w,--max-flows", out.max_flows,
                 "flows tracked per RX core; when full, the least recently active flow is exported early")
      ->check(CLI::Range(1u, 1'000'000'000u))
      ->capture_default_str();
  app.add_option("-o,--output", out.output, "where JSON lines go: a file path, or - for stdout")->capture_default_str();
  app.add_option("--community-id-seed", out.community_id_seed,
                 "seed of %COMMUNITY_ID (0-65535); use the seed your Zeek/Suricata sensors use")
      ->capture_default_str();
  app.add_option("--tunnel-mode", out.tunnel_mode,
                 "inner: report the flow inside IP-in-IP, GRE/ERSPAN/PPTP, VXLAN, Geneve and GTP-U tunnels, with the "
                 "outer tunnel id in %UPSTREAM_TUNNEL_ID; outer: report the carrier flow; both: the inner flows "
                 "and, as a flow of its own (flow fields only, no DPI), the outermost carrier (--log-profile osect's "
                 "default: YAF logged GRE and IP-in-IP carriers, Zeek the UDP flows of VXLAN, Geneve and GTP-U)")
      ->check(CLI::IsMember({"inner", "outer", "both"}))
      ->capture_default_str();
  app.add_flag("--key-tunnel-id", out.key_tunnel_id,
               "keep flows of different tunnel ids apart (for overlapping inner address spaces)");
  app.add_flag("--replay-loop", out.replay_loop,
               "benchmark mode: preload the capture given to -i in memory and replay it without end "
               "(stop with --max-packets); prints packets, Mpps and drops per RX core");
  app.add_option("--max-packets", out.max_packets,
                 "stop after this many packets per RX queue (0 = no limit); with software dispatch, packets read "
                 "from the port")
      ->capture_default_str();
  app.add_option("--rx-cores", out.rx_cores,
                 "RX lcores, each with its own flow table (-w flows each) and ring to the exporter, which runs on "
                 "the main lcore. A port with RSS gets one queue per core and a symmetric RSS key; a port without "
                 "(a pcap, af_packet) is read by the first RX core, which hands each packet to the core owning its "
                 "flow (a file waits for room, a live port counts drops). With more lcores than CPUs they share CPUs")
      ->check(CLI::Range(1u, 64u))
      ->capture_default_str();
  app.add_flag("--no-dpi", out.no_dpi,
               "flow fields only: no nDPI and no protocol dissectors (L7 fields say Unknown/empty)");
  app.add_option("--dpi-flows", out.dpi_flows,
                 "flows per RX core that can hold L7 results (nDPI verdict, DNS/HTTP/TLS/DHCP metadata, ~1.3 KB "
                 "each, touched only when used); 0 = as many as -w, at most 262144; flows beyond it are counted "
                 "in l7.slots_exhausted")
      ->capture_default_str();
  app.add_option("--ndpi-flows", out.ndpi_flows,
                 "flows per RX core in nDPI detection at once (their nDPI state is freed when nDPI decides)")
      ->check(CLI::Range(1u, 4'000'000u))
      ->capture_default_str();
  app.add_flag("--ndpi-stop-when-known", out.ndpi_stop_when_known,
               "stop giving a flow's packets to nDPI once it names the protocol (our dissectors still read "
               "DNS/HTTP/TLS/QUIC/DHCP metadata): faster, but risks nDPI finds in later packets (certificates, "
               "answers) are not flagged");
  app.add_option("--alerts-output", out.alerts_output,
                 "where eve-style alert JSON lines go with --rules: a file path, or - for stdout");
  app.add_option("--midstream", out.midstream,
                 "true: a TCP flow picked up without its handshake counts as established for flow:established "
                 "rules (a tap often starts mid-connection); false: as Suricata's stream.midstream default")
      ->capture_default_str();
  app.add_flag("--rules-inspect-encrypted", out.rules_inspect_encrypted,
               "keep matching content rules on the payload of flows that turned encrypted (TLS application "
               "data, QUIC short-header packets); by default only header-only rules and the handshake "
               "buffers see them, as Suricata's tls encryption-handling default");
  app.add_option("--events-output", out.events_output,
                 "asset events (ARP, NDP, DHCP, DHCPv6, NetBIOS-NS, CIFS browser, SSDP, TCP fingerprint, CC-Link sightings) "
                 "as JSON lines in Suricata's "
                 "eve shapes: a file path, or - for stdout (also --events-kafka-topic)");
  app.add_option("--transactions-output", out.transactions_output,
                 "every transaction (HTTP request and response, DNS query and response, TLS/QUIC/SSH handshake, "
                 "DHCP message) as JSON lines in Suricata's eve shapes, joined to its flow by flow_id and "
                 "community_id: a file path, or - for stdout (also --transactions-kafka-topic)");
  app.add_option("--asset-dedup-seconds", out.asset_dedup_s,
                 "an identical sighting within this many seconds is counted, not sent again (0: send every one)")
      ->capture_default_str();
  app.add_option("--pid-file", out.pid_file,
                 "write the probe's process id to FILE while it runs, for 'flowprobe reload --pid-file FILE'")
      ->type_name("FILE");
  app.add_option("--user", out.user,
                 command == Command::run
                     ? "started as root: read and write everything as this user and its groups, open the port as "
                       "root (a pcap file or af_packet; not a PCI NIC), then drop root for good: no capability is kept"
                     : "check files and directories as this user, as a run with --user reads and writes them")
      ->type_name("NAME");
  app.add_option("--city-list", out.city_list,
                 "MaxMind City or Country database (.mmdb, e.g. GeoLite2-City) for %SRC_IP_COUNTRY %DST_IP_COUNTRY "
                 "%SRC_IP_CITY %DST_IP_CITY; looked up on the exporter core");
  app.add_option("--as-list", out.as_list,
                 "MaxMind ASN database (.mmdb, e.g. GeoLite2-ASN) for %SRC_AS %DST_AS %SRC_AS_MAP %DST_AS_MAP");
  app.add_flag("--no-geo", out.no_geo,
               "do not use the country and AS databases ./scripts/setup installs (data/geo) when neither "
               "--city-list nor --as-list is given");
  app.add_option("--zeek-logs", out.zeek_logs,
                 "also write Zeek-style TSV logs into DIR (created if missing): conn.log for every flow, dns.log, "
                 "http.log, ssl.log, dhcp.log and ssh.log for flows our dissectors read; Zeek's header lines and default "
                 "columns, '-' where we do not know a value; and the OsecT sensor's asset logs (arp.log, ns.log, "
                 "p0f-k.log, dhcp2.log, netbios-ns.log, mswin-browser.log, dhcpv6.log, ssdp.log, cclink-ief-basic.log, "
                 "cclink-ie.log), a row per distinct sighting per 60 s of packet time")
      ->type_name("DIR");
  app.add_option("--p0f-fp", out.p0f_fp,
                 "p0f's fingerprint database for the OS guess of TCP SYNs and SYN/ACKs (p0f-k.log's os, the "
                 "tcp_fingerprint event's os); the default is the p0f package's, when it is installed")
      ->type_name("FILE");
  app.add_option("--zeek-logs-rotate", out.zeek_logs_rotate_s,
                 "rotate the --zeek-logs files every SECONDS of packet time, at multiples of it, as Zeek names "
                 "them: conn.2026-11-23-17-00-00.log (the time the file was opened, UTC); 0 = never")
      ->type_name("SECONDS")
      ->check(CLI::Range(0u, 31'536'000u))
      ->capture_default_str();
  app.add_option("--log-profile", out.log_profile,
                 "whose log set --zeek-logs writes: zeek (Zeek's files, header lines and default columns) or osect "
                 "(the OsecT sensor's files and columns, headers reduced as the sensor delivers them; flows of other "
                 "IP protocols in yaf_flow.log; -t defaults to 60 for its per-minute conn.log rows, --rules "
                 "alerts go to DIR/eve.json unless --alerts-output says otherwise, --zeek-logs-rotate implies "
                 "--log-set-dir, and --retention 365 days and --retention-max-bytes 150G unless given)")
      ->check(CLI::IsMember({"zeek", "osect"}))
      ->type_name("zeek|osect")
      ->capture_default_str();
  app.add_flag("--list-fields", out.list_fields, "list every template field with its JSON key and type, then exit");
  app.add_flag("-v,--verbose", out.verbosity, "more log output on stderr (repeat for debug)");
  app.add_option("--log-file", out.log_file,
                 "append every log line (and the --stats-interval line) to FILE too, time-stamped; "
                 "flowprobe support-bundle collects its last lines")
      ->type_name("FILE");
  app.add_option("--eal", eal_joined,
                 "extra DPDK EAL arguments as one string, e.g. \"-l 0-3 -a 0000:03:00.0\" (also accepted after --)")
      ->type_name("ARGS");
  add_export_options(app, out.exports);
  app.add_option("--capture", out.capture,
                 "packet-reception check: write the first N packets received on each port to FILE (pcap) while the "
                 "probe runs normally; N up to 100000")
      ->expected(2)
      ->type_name("N FILE");
  const std::string stats = "Statistics";
  app.add_option("--stats-interval", out.stats_interval_s,
                 "every N seconds print one line on stderr: packets/s, bits/s, active flows, flows exported/s and "
                 "drops by reason (NIC imissed, no mbuf, ring full, table full, sink failed)")
      ->type_name("SECONDS")
      ->check(CLI::Range(1u, 86400u))
      ->group(stats);
  app.add_option("--stats-listen", out.stats_listen,
                 "serve the counters per RX core, port and sink in Prometheus text format on "
                 "http://ADDR:PORT/metrics; a bare PORT binds 127.0.0.1 only")
      ->type_name("[ADDR:]PORT")
      ->group(stats);
  app.add_option("--stats-file", out.stats_file,
                 "write the same counters as JSON to FILE every --stats-interval (default 1 s) and at exit")
      ->type_name("FILE")
      ->group(stats);
  // Declared for every command so that one config file serves the run and its check.
  app.add_option("--rules", out.rules,
                 command == Command::run
                     ? "Suricata rules: a file or a directory of *.rules (repeatable); matched on every flow, alerts "
                       "go to --alerts-output and each record carries %ALERTS and %ALERT_SIDS; SIGHUP reloads them"
                     : "a Suricata rule file or a directory of *.rules files to compile (repeatable)")
      ->type_name("PATH");
  // Declared for a run too (hidden there, and without effect), so that the configuration a
  // check or a support bundle was given, `timeout` included, still starts the probe.
  CLI::Option* timeout = app.add_option("--timeout", out.check_timeout_s,
                                        "seconds each network check (Kafka, syslog) may take")
                             ->check(CLI::Range(0.1, 120.0))
                             ->capture_default_str();
  if (command == Command::run) timeout->group("");
  if (command == Command::support_bundle)
    app.add_option("bundle", out.bundle_path, "the .tar.gz file to write")
        ->required()
        ->type_name("FILE.tar.gz")
        ->configurable(false);  // where to write the bundle is no part of the probe's configuration
  if (command == Command::support_bundle)
    app.add_option("--upload", out.bundle_upload,
                   "then POST the bundle to this URL as the closed log sets are sent (multipart/form-data, part "
                   "file_uploaded, field label_id), with --log-upload-cert, --log-upload-key and --log-upload-ca")
        ->type_name("https://HOST/PATH")
        ->configurable(false);
  // Every option above can come from the file, under its long name without the dashes
  // ("interface = \"eth1\"", "kafka-conf = [\"linger.ms=20\"]"); what the command line
  // gives wins. An unknown key is an error, not silence: a typo must not be ignored.
  app.set_config("--config", "",
                 "read options from FILE (TOML or INI: one 'long-option-name = value' a line, lists as "
                 "[\"a\", \"b\"], flags as true/false); options on the command line override the file")
      ->type_name("FILE");
  app.allow_config_extras(CLI::config_extras_mode::error);
  app.footer(
      "Exit status: 0 on success; 1 when records were lost (the summary's last line says how many) or on a runtime "
      "failure; 2 on a bad option, configuration or unreadable input.\n"
      "Times in the records are packet times (the pcap's on replay), so a replay gives the same output every time.");

  const std::string help_hint = "Run '" + me + " --help' for the accepted options.";
  try {
    app.parse(own_argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  } catch (const CLI::FileError& e) {
    std::fprintf(stderr, "%s: --config: %s\n%s\n", me.c_str(), e.what(), help_hint.c_str());
    return 2;
  } catch (const CLI::ConfigError& e) {
    std::string what = e.what();
    const std::string prefix = "INI was not able to parse ";
    if (what.rfind(prefix, 0) == 0)
      what = "unknown option '" + what.substr(prefix.size()) +
             "'; keys are the long option names without dashes (interface, idle-timeout, kafka, ...)";
    std::fprintf(stderr, "%s: --config: %s\n%s\n", me.c_str(), what.c_str(), help_hint.c_str());
    return 2;
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "%s: %s\n%s\n", me.c_str(), e.what(), help_hint.c_str());
    return 2;
  }
  for (const std::string& w : split_words(eal_joined)) out.eal_args.push_back(w);
  // Secrets are known from here on, so that nothing logged, checked or bundled shows them.
  for (const std::string& kv : out.exports.kafka_conf) remember_secret_setting(kv);
  if (!out.exports.syslog_tls_key.empty()) remember_secret(out.exports.syslog_tls_key);
  if (!out.exports.log_upload_key.empty()) remember_secret(out.exports.log_upload_key);
  if (!out.no_geo && out.city_list.empty() && out.as_list.empty()) {
    const DefaultGeo g = default_geo_databases();
    out.city_list = g.country;
    out.as_list = g.asn;
  }
  if (out.log_profile == "osect") {
    if (out.zeek_logs.empty()) {
      std::fprintf(stderr, "%s: --log-profile osect needs --zeek-logs DIR\n%s\n", me.c_str(), help_hint.c_str());
      return 2;
    }
    // The sensor's timeouts (spec §2.1, §2.2): its YAF's for the flows yaf_flow.log holds,
    // its Zeek's 1-minute inactivity for FTP, SSH, telnet, rlogin and CC-Link IEF Basic;
    // without -d, Zeek's own defaults for the rest (TCP 5 min, UDP and ICMP 1 min). Given
    // after these, --idle-timeout-for/--lifetime-timeout-for win.
    std::vector<std::string> idle = {"other=300", "tcp/21,22,23,513=60", "udp/61450=60"};
    if (app.get_option("--idle-timeout")->count() == 0) idle.insert(idle.end(), {"tcp=300", "udp=60", "icmp=60"});
    std::string err;
    for (const std::string& r : idle) parse_flow_timeout_rule(r, false, out.timeout_rules, err);
    parse_flow_timeout_rule("other=1800", true, out.timeout_rules, err);
    // The sensor's YAF saw tunnels undecoded and logged their carriers; its Zeek logged the
    // inner flows (and a UDP tunnel's own flow).
    if (app.get_option("--tunnel-mode")->count() == 0) out.tunnel_mode = "both";
    // The sensor's long connections write a conn.log row a minute (zeek-long-connections):
    // a record per minute, each with the counts of its own minute, under the flow's uid.
    if (app.get_option("--lifetime-timeout")->count() == 0) out.lifetime_timeout_s = 60;
    // With a cycle (--zeek-logs-rotate 60), each closed set goes into a realtime-…
    // directory as the sensor lays it out; what it writes is deleted after 365 days or
    // beyond 150 GB (spec §1.2, §3.2) unless --retention* say otherwise.
    if (out.zeek_logs_rotate_s > 0) out.exports.log_set_dir = true;
    apply_osect_retention_defaults(out.exports);
    if (!out.rules.empty() && out.alerts_output.empty() && out.exports.alerts_kafka_topic.empty())
      out.alerts_output = out.zeek_logs + "/eve.json";
  }
  for (int lifetime = 0; lifetime < 2; ++lifetime)
    for (const std::string& r : lifetime ? out.lifetime_timeout_for : out.idle_timeout_for) {
      std::string err;
      if (!parse_flow_timeout_rule(r, lifetime != 0, out.timeout_rules, err)) {
        std::fprintf(stderr, "%s: %s: %s\n%s\n", me.c_str(), lifetime ? "--lifetime-timeout-for" : "--idle-timeout-for",
                     err.c_str(), help_hint.c_str());
        return 2;
      }
    }
  if (const FlowTimeoutClasses c(uint64_t{out.idle_timeout_s} * 1'000'000'000, uint64_t{out.lifetime_timeout_s} *
                                 1'000'000'000, out.timeout_rules);
      !c.error().empty()) {
    std::fprintf(stderr, "%s: --idle-timeout-for/--lifetime-timeout-for: %s\n%s\n", me.c_str(), c.error().c_str(),
                 help_hint.c_str());
    return 2;
  }
  if (const CLI::Option* c = app.get_config_ptr(); c != nullptr && c->count() > 0) out.config_file = c->as<std::string>();
  out.effective_config = app.config_to_str(false, false);
  if (command == Command::run && !out.list_fields && out.input.empty()) {
    std::fprintf(stderr,
                 "flowprobe: -i is required: give a pcap file, a PCI address, a vdev spec or an interface\n"
                 "Run 'flowprobe --help' for the accepted options.\n");
    return 2;
  }
  return -1;
}

}  // namespace flowprobe
