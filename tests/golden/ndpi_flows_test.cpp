// Golden test against nDPI: for every Ethernet capture in ../shared/corpus/ndpi, the set
// of flows flowprobe reports and each flow's packet count per direction must equal what
// ndpiReader printed in result/<pcap>.out. nDPI keys flows by 5-tuple plus VLAN, so our
// records are summed per such key (a flow split by a timeout or a FIN is still one nDPI
// flow). Captures that cannot agree yet are listed in ndpi_exclusions.txt with the reason.
#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <simdjson.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <iostream>
#include <sstream>

#include "golden/ndpi_results.hpp"
#include "support/run_program.hpp"

namespace fs = std::filesystem;
using namespace flowprobe::test;

namespace {

struct FlowId {
  int proto;
  std::string ip_a;
  int port_a;
  std::string ip_b;
  int port_b;
  int vlan;
  auto operator<=>(const FlowId&) const = default;
};
struct Counts {
  uint64_t pkts_a_to_b = 0;
  uint64_t pkts_b_to_a = 0;
  // Ours only (SRC/DST_FRAGMENTS): packets that were IP fragments. ndpiReader drops
  // non-first fragments; we count them in their datagram's flow.
  uint64_t frags_a_to_b = 0;
  uint64_t frags_b_to_a = 0;
};

// Our packets less nDPI's on one side: only non-first fragments may make the
// difference, so it lies in [0, fragments - 1] (each fragmented datagram has one first
// fragment, which nDPI counts too). -1 when it cannot be explained.
long long fragment_surplus(uint64_t ours, uint64_t theirs, uint64_t frags) {
  if (ours == theirs) return 0;
  if (ours < theirs || ours - theirs >= frags) return -1;
  return static_cast<long long>(ours - theirs);
}
using FlowMap = std::map<FlowId, Counts>;

// Orients (src, dst) canonically and adds the packet counts to the right sides.
void add_flow(FlowMap& m, int proto, const std::string& src, int sport, const std::string& dst, int dport, int vlan,
              uint64_t pkts_src_to_dst, uint64_t pkts_dst_to_src, uint64_t frags_src_to_dst = 0,
              uint64_t frags_dst_to_src = 0) {
  const bool src_first = std::tie(src, sport) <= std::tie(dst, dport);
  FlowId id = src_first ? FlowId{proto, src, sport, dst, dport, vlan} : FlowId{proto, dst, dport, src, sport, vlan};
  Counts& c = m[id];
  c.pkts_a_to_b += src_first ? pkts_src_to_dst : pkts_dst_to_src;
  c.pkts_b_to_a += src_first ? pkts_dst_to_src : pkts_src_to_dst;
  c.frags_a_to_b += src_first ? frags_src_to_dst : frags_dst_to_src;
  c.frags_b_to_a += src_first ? frags_dst_to_src : frags_src_to_dst;
}

int proto_number(const std::string& name) {
  static const std::map<std::string, int> names = {{"TCP", 6},  {"UDP", 17},  {"ICMP", 1},   {"ICMPV6", 58},
                                                    {"IGMP", 2}, {"VRRP", 112}, {"ESP", 50},   {"AH", 51},
                                                    {"SCTP", 132}, {"PIM", 103}, {"PGM", 113}, {"OSPF", 89},
                                                    {"GRE", 47}};
  if (auto it = names.find(name); it != names.end()) return it->second;
  return std::all_of(name.begin(), name.end(), ::isdigit) && !name.empty() ? std::stoi(name) : -1;
}

// nDPI prints IPv6 with its own compression rules (it also shortens a single zero
// group); both sides go through inet_pton/inet_ntop so that only the address counts.
std::string normalise_ip(const std::string& text) {
  const std::string s = text.size() > 2 && text.front() == '[' ? text.substr(1, text.size() - 2) : text;
  in6_addr a6;
  char buf[INET6_ADDRSTRLEN];
  if (s.find(':') != std::string::npos && inet_pton(AF_INET6, s.c_str(), &a6) == 1 &&
      inet_ntop(AF_INET6, &a6, buf, sizeof(buf)) != nullptr)
    return buf;
  return s;
}

FlowMap parse_ndpi(const fs::path& result) {
  static const std::regex line(
      R"(^\s+\d+\s+(\S+) (\[[^\]]+\]|[0-9.]+):(\d+) (?:<->|->) (\[[^\]]+\]|[0-9.]+):(\d+) (?:\[VLAN: (\d+)\])?.*?\[(\d+) pkts/\d+ bytes (?:<->|->) (\d+) pkts/\d+ bytes\])");
  FlowMap m;
  std::ifstream in(result);
  std::smatch g;
  for (std::string l; std::getline(in, l);) {
    if (!std::regex_search(l, g, line)) continue;
    add_flow(m, proto_number(g[1]), normalise_ip(g[2]), std::stoi(g[3]), normalise_ip(g[4]), std::stoi(g[5]),
             g[6].matched ? std::stoi(g[6]) : 0, std::stoull(g[7]), std::stoull(g[8]));
  }
  return m;
}

constexpr const char* kTemplate =
    "%IP_PROTOCOL_VERSION %PROTOCOL %IPV4_SRC_ADDR %IPV4_DST_ADDR %IPV6_SRC_ADDR %IPV6_DST_ADDR "
    "%L4_SRC_PORT %L4_DST_PORT %SRC_VLAN %IN_PKTS %OUT_PKTS %SRC_FRAGMENTS %DST_FRAGMENTS "
    "%L7_PROTO_NAME %TLS_SERVER_NAME %JA3C_HASH %JA3S_HASH %TLS_VERSION %TLS_ALPN %HTTP_HOST %DNS_QUERY %BITTORRENT_HASH "
    "%HASSH_CLIENT %HASSH_SERVER %SSH_CLIENT_SIGNATURE %SSH_SERVER_SIGNATURE";

namespace nr = flowprobe::test::ndpi_results;
using L7Map = std::map<nr::Key, nr::OurL7>;

// A flow split into several records (timeouts) keeps its first record's L7 values,
// filled in from later records where the first had none.
void add_l7(L7Map& m, simdjson::dom::element d, int proto, const std::string& src, int sport, const std::string& dst,
            int dport) {
  nr::OurL7& o = m[nr::key_of(proto, src, sport, dst, dport)];
  o.l4_proto = proto;
  const auto fill = [&](std::string& field, const char* key) {
    if (field.empty()) field = std::string(std::string_view(d[key]));
  };
  fill(o.proto_name, "L7_PROTO_NAME");
  fill(o.sni, "TLS_SERVER_NAME");
  fill(o.ja3c, "JA3C_HASH");
  fill(o.ja3s, "JA3S_HASH");
  fill(o.alpn, "TLS_ALPN");
  fill(o.http_host, "HTTP_HOST");
  fill(o.dns_query, "DNS_QUERY");
  fill(o.bt_hash, "BITTORRENT_HASH");
  fill(o.hassh_c, "HASSH_CLIENT");
  fill(o.hassh_s, "HASSH_SERVER");
  fill(o.ssh_client, "SSH_CLIENT_SIGNATURE");
  fill(o.ssh_server, "SSH_SERVER_SIGNATURE");
  if (o.tls_version == 0) o.tls_version = static_cast<uint16_t>(uint64_t(d["TLS_VERSION"]));
}

bool parse_ours(const std::string& jsonl, FlowMap& m, L7Map& l7, std::string& error) {
  simdjson::dom::parser parser;
  std::istringstream in(jsonl);
  for (std::string l; std::getline(in, l);) {
    simdjson::dom::element d;
    if (parser.parse(l).get(d)) {
      error = "unparsable JSON line: " + l;
      return false;
    }
    const bool v4 = uint64_t(d["IP_PROTOCOL_VERSION"]) == 4;
    const std::string src{std::string_view(d[v4 ? "IPV4_SRC_ADDR" : "IPV6_SRC_ADDR"])};
    const std::string dst{std::string_view(d[v4 ? "IPV4_DST_ADDR" : "IPV6_DST_ADDR"])};
    const int proto = static_cast<int>(uint64_t(d["PROTOCOL"]));
    const int sport = static_cast<int>(uint64_t(d["L4_SRC_PORT"])), dport = static_cast<int>(uint64_t(d["L4_DST_PORT"]));
    add_flow(m, proto, normalise_ip(src), sport, normalise_ip(dst), dport, static_cast<int>(uint64_t(d["SRC_VLAN"])),
             uint64_t(d["IN_PKTS"]), uint64_t(d["OUT_PKTS"]), uint64_t(d["SRC_FRAGMENTS"]),
             uint64_t(d["DST_FRAGMENTS"]));
    if (proto == 6 || proto == 17) add_l7(l7, d, proto, normalise_ip(src), sport, normalise_ip(dst), dport);
  }
  return true;
}

std::map<std::string, std::string> exclusions() {
  std::map<std::string, std::string> ex;
  std::ifstream in(source_root() / "tests" / "golden" / "ndpi_exclusions.txt");
  for (std::string l; std::getline(in, l);) {
    if (l.empty() || l[0] == '#') continue;
    std::istringstream words(l);
    std::string name, reason;
    words >> name;
    std::getline(words, reason);
    ex[name] = reason.substr(reason.find_first_not_of(" \t") == std::string::npos ? 0 : reason.find_first_not_of(" \t"));
  }
  return ex;
}

bool is_ethernet(const fs::path& p) {
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* h = pcap_open_offline(p.c_str(), err);
  if (!h) return false;
  const bool eth = pcap_datalink(h) == DLT_EN10MB;
  pcap_close(h);
  return eth;
}

std::vector<std::string> ethernet_captures() {
  std::vector<std::string> v;
  const fs::path dir = shared_dir().empty() ? fs::path() : shared_dir() / "corpus" / "ndpi" / "pcap";
  std::error_code ec;
  if (dir.empty() || !fs::is_directory(dir, ec)) return v;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file() && is_ethernet(e.path())) v.push_back(e.path().filename().string());
  std::sort(v.begin(), v.end());
  return v;
}

std::string describe(const FlowId& id) {
  std::ostringstream o;
  o << "proto " << id.proto << " " << id.ip_a << ":" << id.port_a << " <-> " << id.ip_b << ":" << id.port_b
    << " vlan " << id.vlan;
  return o.str();
}

class NdpiFlows : public ::testing::TestWithParam<std::string> {
 public:
  static std::map<std::string, nr::Field>& l7_fields() {
    static std::map<std::string, nr::Field> f;
    return f;
  }
  // After every capture: the L7 agreement of the whole pipeline, held to the figures
  // measured when this was written (tests/golden/L7_AGREEMENT.md explains the rest).
  static void TearDownTestSuite() {
    auto& fields = l7_fields();
    if (fields.empty()) return;
    std::cout << "L7 through the pipeline (flowprobe binary) vs ndpiReader:\n";
    for (const auto& [name, f] : fields) {
      std::cout << "  " << name << ": " << f.agree << "/" << f.total << " agree\n";
      for (std::size_t i = 0; i < f.samples.size() && i < 8; ++i) std::cout << "      " << f.samples[i] << "\n";
    }
    const std::map<std::string, int> floors = {{"ALPN (advertised)", kFloorAlpn}, {"DNS query", kFloorDns},
                                               {"HTTP Host", kFloorHttpHost},     {"JA3C", kFloorJa3c},
                                               {"JA3S", kFloorJa3s},              {"TLS SNI", kFloorSni},
                                               {"TLS version (negotiated)", kFloorTlsVersion},
                                               {"QUIC SNI", kFloorQuicSni},       {"QUIC JA3C", kFloorQuicJa3c},
                                               {"QUIC ALPN (advertised)", kFloorQuicAlpn},
                                               {"BitTorrent hash", kFloorBtHash},
                                               {"HASSH client", kFloorHassh},     {"HASSH server", kFloorHassh}};
    for (const auto& [name, floor] : floors)
      EXPECT_GE(fields[name].agree, floor) << name << " agreement through the pipeline fell";
  }
  // Measured 2026-11-23 on the 497 Ethernet captures (the in-process L7 test covers all 529).
  static constexpr int kFloorAlpn = 550, kFloorDns = 361, kFloorHttpHost = 1049, kFloorJa3c = 746, kFloorJa3s = 687,
                       kFloorSni = 646, kFloorTlsVersion = 630, kFloorQuicSni = 135, kFloorQuicJa3c = 141,
                       kFloorQuicAlpn = 139, kFloorBtHash = 24;
  // 2026-12-06: every HASSH nDPI printed (ssh.pcap's two flows, custom_categories' one).
  static constexpr int kFloorHassh = 3;
};

TEST_P(NdpiFlows, SameFlowsAndPacketsPerDirection) {
  const std::string name = GetParam();
  const auto ex = exclusions();
  if (auto it = ex.find(name); it != ex.end()) GTEST_SKIP() << "excluded: " << it->second;
  const fs::path corpus = shared_dir() / "corpus" / "ndpi";
  const fs::path result = corpus / "result" / (name + ".out");
  ASSERT_TRUE(fs::exists(result)) << result;

  const ProgramResult r = run_program({flowprobe_binary().string(), "-i", (corpus / "pcap" / name).string(),
                                       "--json-labels", "-T", kTemplate});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(summary_value(r.err, "packets.received"), summary_value(r.err, "input.readable_packets"));

  FlowMap ours;
  L7Map ours_l7;
  std::string error;
  ASSERT_TRUE(parse_ours(r.out, ours, ours_l7, error)) << error;
  const FlowMap theirs = parse_ndpi(result);
  for (const auto& [k, n] : nr::parse_result(result)) {
    auto it = ours_l7.find(k);
    if (it == ours_l7.end()) continue;
    const std::string where = name + " " + std::get<1>(k) + ":" + std::to_string(std::get<2>(k)) + "<->" +
                              std::get<3>(k) + ":" + std::to_string(std::get<4>(k)) + " [" + n.proto_name + "]";
    nr::compare_flow(l7_fields(), it->second, n, where);
  }

  std::vector<std::string> problems;
  long long surplus = 0;  // non-first fragments in our flows, which nDPI leaves out
  for (const auto& [id, c] : theirs) {
    auto it = ours.find(id);
    if (it == ours.end()) {
      problems.push_back("missing: " + describe(id));
      continue;
    }
    const Counts& o = it->second;
    const long long ab = fragment_surplus(o.pkts_a_to_b, c.pkts_a_to_b, o.frags_a_to_b);
    const long long ba = fragment_surplus(o.pkts_b_to_a, c.pkts_b_to_a, o.frags_b_to_a);
    if (ab >= 0 && ba >= 0)
      surplus += ab + ba;
    else
      problems.push_back("packets differ: " + describe(id) + " nDPI " + std::to_string(c.pkts_a_to_b) + "/" +
                         std::to_string(c.pkts_b_to_a) + " ours " + std::to_string(it->second.pkts_a_to_b) + "/" +
                         std::to_string(it->second.pkts_b_to_a));
  }
  for (const auto& [id, c] : ours)
    if (!theirs.count(id)) problems.push_back("extra: " + describe(id));
  std::string report;
  for (size_t i = 0; i < problems.size() && i < 10; ++i) report += "\n  " + problems[i];
  EXPECT_TRUE(problems.empty()) << problems.size() << " differences over " << theirs.size() << " nDPI flows:" << report;
  // Every packet we have beyond nDPI's is a non-first fragment the probe attributed.
  EXPECT_EQ(surplus, std::max(0ll, summary_value(r.err, "fragments.attributed")));
}

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string s = info.param;
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return s;
}

INSTANTIATE_TEST_SUITE_P(Corpus, NdpiFlows, ::testing::ValuesIn(ethernet_captures()), test_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(NdpiFlows);

TEST(NdpiCorpus, Present) {
  FLOWPROBE_REQUIRE_SHARED("corpus/ndpi");
  EXPECT_GT(ethernet_captures().size(), 400u);
}

}  // namespace
