// flowprobe-pcapgen: writes deterministic pcap captures with known flows (ground truth
// on stdout and optionally as CSV). Standard C++ only; no libpcap.
#include <charconv>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <string_view>

#include "options.hpp"

namespace pcapgen {
namespace {

constexpr const char* kVersion = "0.1.0";
constexpr uint64_t kMaxFlows = 100000000;      // keeps every 5-tuple distinct (see scenario_bench.cpp)
constexpr uint64_t kMaxPackets = 10000000000;  // 800 GB of pcap; a sanity bound, not a design limit

constexpr const char* kHelp = R"(Usage: flowprobe-pcapgen --scenario NAME -o FILE [options]

Writes a classic pcap file (linktype Ethernet, microsecond timestamps starting at
2024-01-01T00:00:00Z) with known flows, and prints the ground truth of those flows.
The same options and seed always give byte-identical output.

Scenarios:
  demo       178 s of LAN traffic, all protocol-correct: DNS (A, AAAA, CNAME, NXDOMAIN,
             and over IPv6), HTTP/1.1, TLS 1.3 with SNI/ALPN closed by RST, SSH left
             open, NTP, ICMP echo, HTTP over IPv6, syslog on VLAN 100, ARP, an MQTT
             session spanning 173 s (a packet every 10 s) and a PostgreSQL session
             idle for 52 s in the middle (two records with a 30 s idle timeout).
  bench-64b  --packets 64-byte frames (Ethernet + IPv4 + TCP or UDP, FCS not included)
             spread over --flows distinct 5-tuples, both directions, 1 us apart.
  syn-flood  --packets TCP SYNs from random addresses and ports (198.18.0.0/15) to 16
             servers on ports 80/443, 1 us apart: a new flow nearly every packet.

Options:
  -s, --scenario NAME  demo, bench-64b or syn-flood (required)
  -o, --output FILE    pcap file to write, "-" for stdout (required)
      --seed N         seed for ports, sequence numbers, IDs and payload bytes (default 1)
      --flows N        bench-64b: distinct 5-tuples, 1..100000000 (default 1000)
      --packets N      bench-64b, syn-flood: packets to write, 1..10000000000 (default 100000)
      --truth FILE     also write the per-flow truth as CSV with a header line ("-" = stdout)
      --nanosecond     write the nanosecond-resolution pcap magic (same times)
  -q, --quiet          print only the totals, not one line per flow
  -h, --help           show this text
      --version        show the version
  Numbers accept a k, M or G suffix (x1000, x1000000, x1000000000): --packets 10M.

Standard output (standard error when the pcap or the CSV goes to stdout):
  demo: one line per flow in order of its first packet,
          PROTO SRC:PORT -> DST:PORT PKTS_C2S PKTS_S2C IP_BYTES_C2S IP_BYTES_S2C
        src is the client (the sender of the flow's first packet); IPv6 addresses are
        in brackets; ICMP has port 0; bytes count IP header + payload.
  both: "flows N", "total_packets N" (every frame in the file) and "non_ip_packets N"
        (frames that are in no flow, e.g. ARP). bench-64b prints no per-flow lines.
  CSV columns: proto,ip_version,vlan,src_ip,src_port,dst_ip,dst_port,pkts_c2s,pkts_s2c,
        ip_bytes_c2s,ip_bytes_s2c,tcp_flags_c2s,tcp_flags_s2c,first_ns,last_ns,max_gap_ns,
        close,label   (close: fin = FIN from both sides, rst, none)

Exit status: 0 success, 1 I/O error, 2 bad usage.
)";

struct UsageError {
  std::string message;
};

uint64_t parse_count(std::string_view opt, std::string_view v, uint64_t lo, uint64_t hi) {
  uint64_t mult = 1;
  std::string_view digits = v;
  if (!digits.empty()) {
    switch (digits.back()) {
      case 'k': case 'K': mult = 1000; break;
      case 'M': case 'm': mult = 1000000; break;
      case 'G': case 'g': mult = 1000000000; break;
    }
    if (mult != 1) digits.remove_suffix(1);
  }
  uint64_t n = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  const bool ok = !digits.empty() && ec == std::errc() && end == digits.data() + digits.size() &&
                  (n == 0 || n <= UINT64_MAX / mult);
  if (!ok) throw UsageError{std::string(opt) + ": '" + std::string(v) + "' is not a number"};
  n *= mult;
  if (n < lo || n > hi)
    throw UsageError{std::string(opt) + ": " + std::to_string(n) + " is out of range " + std::to_string(lo) + ".." +
                     std::to_string(hi)};
  return n;
}

Options parse(int argc, char** argv, bool& help, bool& version) {
  Options o;
  bool flows_set = false, packets_set = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string_view name = arg, value;
    bool has_value = false;
    if (arg.starts_with("--")) {
      if (auto eq = arg.find('='); eq != std::string_view::npos) {
        name = arg.substr(0, eq);
        value = arg.substr(eq + 1);
        has_value = true;
      }
    } else if (arg.size() > 2 && arg[0] == '-' && (arg[1] == 'o' || arg[1] == 's')) {
      name = arg.substr(0, 2);  // -oFILE
      value = arg.substr(2);
      has_value = true;
    }
    auto take = [&]() -> std::string_view {
      if (has_value) return value;
      if (i + 1 >= argc) throw UsageError{std::string(name) + ": missing value"};
      return argv[++i];
    };
    auto flag = [&] {
      if (has_value) throw UsageError{std::string(name) + ": takes no value"};
    };

    if (name == "-h" || name == "--help") {
      flag();
      help = true;
    } else if (name == "--version") {
      flag();
      version = true;
    } else if (name == "-s" || name == "--scenario") {
      o.scenario = take();
      if (o.scenario != "demo" && o.scenario != "bench-64b" && o.scenario != "syn-flood")
        throw UsageError{std::string(name) + ": unknown scenario '" + o.scenario +
                         "' (expected demo, bench-64b or syn-flood)"};
    } else if (name == "-o" || name == "--output") {
      o.output = take();
      if (o.output.empty()) throw UsageError{std::string(name) + ": empty file name"};
    } else if (name == "--truth") {
      o.truth = take();
      if (o.truth.empty()) throw UsageError{"--truth: empty file name"};
    } else if (name == "--seed") {
      o.seed = parse_count(name, take(), 0, UINT64_MAX);
    } else if (name == "--flows") {
      o.flows = parse_count(name, take(), 1, kMaxFlows);
      flows_set = true;
    } else if (name == "--packets") {
      o.packets = parse_count(name, take(), 1, kMaxPackets);
      packets_set = true;
    } else if (name == "--nanosecond") {
      flag();
      o.nanosecond = true;
    } else if (name == "-q" || name == "--quiet") {
      flag();
      o.quiet = true;
    } else if (arg.starts_with("-") && arg != "-") {
      throw UsageError{"unknown option '" + std::string(name) + "'"};
    } else {
      throw UsageError{"unexpected argument '" + std::string(arg) + "'"};
    }
  }
  if (help || version) return o;
  if (o.scenario.empty()) throw UsageError{"--scenario: required (demo, bench-64b or syn-flood)"};
  if (o.output.empty()) throw UsageError{"-o/--output: required"};
  if (o.scenario != "bench-64b") {
    if (flows_set) throw UsageError{"--flows: only applies to --scenario bench-64b"};
    if (packets_set && o.scenario != "syn-flood")
      throw UsageError{"--packets: only applies to --scenario bench-64b or syn-flood"};
  }
  if (o.truth == o.output) throw UsageError{"--truth: must differ from the pcap output"};
  return o;
}

}  // namespace
}  // namespace pcapgen

int main(int argc, char** argv) {
  using namespace pcapgen;
  bool help = false, version = false;
  Options o;
  try {
    o = parse(argc, argv, help, version);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "%s: %s\nTry '%s --help'.\n", kProgram, e.message.c_str(), kProgram);
    return 2;
  }
  if (help) {
    std::fputs(kHelp, stdout);
    return 0;
  }
  if (version) {
    std::printf("%s %s\n", kProgram, kVersion);
    return 0;
  }
  try {
    return o.scenario == "demo" ? run_demo(o) : o.scenario == "syn-flood" ? run_syn_flood(o) : run_bench_64b(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", kProgram, e.what());
    return 1;
  }
}
