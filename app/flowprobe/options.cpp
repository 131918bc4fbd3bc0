#include "options.hpp"

#include <CLI/CLI.hpp>

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
}  // namespace

int parse_options(int argc, char** argv, Options& out) {
  // Everything after a bare "--" belongs to DPDK's EAL.
  int own_argc = argc;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--") {
      own_argc = i;
      for (int j = i + 1; j < argc; ++j) out.eal_args.emplace_back(argv[j]);
      break;
    }
  }

  CLI::App app{
      "flowprobe: a DPDK flow probe that turns packets into nProbe-style JSON flow records.\n"
      "Replay a capture:   flowprobe -i capture.pcap\n"
      "Capture a NIC:      flowprobe -i 0000:03:00.0 -- -l 0-3 --socket-mem 1024\n"
      "Records go to stdout as JSON lines (-o to change); a summary of every counter goes to stderr at exit.",
      "flowprobe"};
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
                 "outer tunnel id in %UPSTREAM_TUNNEL_ID; outer: report the carrier flow")
      ->check(CLI::IsMember({"inner", "outer"}))
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
  app.add_flag("--list-fields", out.list_fields, "list every template field with its JSON key and type, then exit");
  app.add_flag("-v,--verbose", out.verbosity, "more log output on stderr (repeat for debug)");
  app.add_option("--eal", eal_joined,
                 "extra DPDK EAL arguments as one string, e.g. \"-l 0-3 -a 0000:03:00.0\" (also accepted after --)")
      ->type_name("ARGS");
  add_export_options(app, out.exports);
  app.footer(
      "Exit status: 0 on success, 2 on a bad option or unreadable input, 1 on a runtime failure.\n"
      "Times in the records are packet times (the pcap's on replay), so a replay gives the same output every time.");

  try {
    app.parse(own_argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "flowprobe: %s\nRun 'flowprobe --help' for the accepted options.\n", e.what());
    return 2;
  }
  for (const std::string& w : split_words(eal_joined)) out.eal_args.push_back(w);
  if (!out.list_fields && out.input.empty()) {
    std::fprintf(stderr,
                 "flowprobe: -i is required: give a pcap file, a PCI address, a vdev spec or an interface\n"
                 "Run 'flowprobe --help' for the accepted options.\n");
    return 2;
  }
  return -1;
}

}  // namespace flowprobe
