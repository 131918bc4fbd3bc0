// Several RX cores (--rx-cores) give the same flows as one: the software dispatcher (a
// pcap cannot spread traffic over queues) sends both directions of every flow, tunnelled
// ones included, to the one core that owns it, and every packet is accounted once.
// The RSS path (one queue per core, symmetric key) runs on DPDK's net_null, a real PMD
// that offers RSS without a NIC.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <map>
#include <sstream>
#include <tuple>

#include "support/run_program.hpp"

namespace fs = std::filesystem;
using namespace flowprobe::test;

namespace {

constexpr const char* kTemplate =
    "%PROTOCOL %IPV4_SRC_ADDR %IPV4_DST_ADDR %IPV6_SRC_ADDR %IPV6_DST_ADDR %L4_SRC_PORT %L4_DST_PORT %SRC_VLAN "
    "%UPSTREAM_TUNNEL_ID %IN_PKTS %OUT_PKTS %IN_BYTES %OUT_BYTES %SRC_FRAGMENTS %DST_FRAGMENTS";

// One record as the comparison sees it: 5-tuple (+VLAN, tunnel), packets and bytes.
// Export order and TOTAL_FLOWS_EXP differ between runs with several rings, so they are left out.
std::vector<std::string> flow_set(const std::string& jsonl) {
  std::vector<std::string> out;
  simdjson::dom::parser p;
  std::istringstream in(jsonl);
  for (std::string l; std::getline(in, l);) {
    simdjson::dom::element d = p.parse(l);
    std::ostringstream k;
    for (const char* f : {"PROTOCOL", "IPV4_SRC_ADDR", "IPV4_DST_ADDR", "IPV6_SRC_ADDR", "IPV6_DST_ADDR",
                          "L4_SRC_PORT", "L4_DST_PORT", "SRC_VLAN", "UPSTREAM_TUNNEL_ID", "IN_PKTS", "OUT_PKTS",
                          "IN_BYTES", "OUT_BYTES", "SRC_FRAGMENTS", "DST_FRAGMENTS"}) {
      simdjson::dom::element v;
      if (d[f].get(v) == simdjson::SUCCESS) k << f << '=' << simdjson::to_string(v) << ' ';
    }
    out.push_back(k.str());
  }
  std::sort(out.begin(), out.end());
  return out;
}

ProgramResult run_cores(const fs::path& pcap, int cores) {
  return run_program({flowprobe_binary().string(), "-i", pcap.string(), "--json-labels", "-T", kTemplate,
                      "--rx-cores", std::to_string(cores), "-d", "100000", "-t", "100000"});
}

long long core_packets(const std::string& err, int core) {
  const std::string tag = "rx_core " + std::to_string(core) + ": packets ";
  const auto at = err.find(tag);
  return at == std::string::npos ? -1 : std::stoll(err.substr(at + tag.size()));
}

// `spread`: the capture has enough flows that both cores must get some.
void expect_same_flows_on_two_cores(const fs::path& pcap, bool spread) {
  SCOPED_TRACE(pcap.filename().string());
  const ProgramResult one = run_cores(pcap, 1);
  const ProgramResult two = run_cores(pcap, 2);
  ASSERT_EQ(one.exit_code, 0) << one.err;
  ASSERT_EQ(two.exit_code, 0) << two.err;
  EXPECT_NE(two.err.find("software dispatch (2 RX cores)"), std::string::npos) << two.err;
  EXPECT_NE(two.err.find("accounting                           ok"), std::string::npos) << two.err;
  const long long received = summary_value(one.err, "packets.received");
  EXPECT_GT(received, 0);
  EXPECT_EQ(summary_value(two.err, "packets.received"), received);
  EXPECT_EQ(summary_value(two.err, "packets.dropped_dispatch_full"), 0) << "a file waits for room, never drops";
  // Together the cores decoded exactly what was read; with many flows, both took a share.
  const long long c0 = core_packets(two.err, 0), c1 = core_packets(two.err, 1);
  if (spread) {
    EXPECT_GT(c0, 0) << two.err;
    EXPECT_GT(c1, 0) << two.err;
  }
  EXPECT_EQ(c0 + c1, received);
  EXPECT_EQ(summary_value(two.err, "packets.dispatched"), c1);
  EXPECT_EQ(summary_value(two.err, "flows.records"), summary_value(one.err, "flows.records"));
  // A datagram's later fragments follow its first one to the core that owns its flow.
  EXPECT_EQ(summary_value(two.err, "fragments.attributed"), summary_value(one.err, "fragments.attributed"));
  const auto a = flow_set(one.out), b = flow_set(two.out);
  EXPECT_FALSE(a.empty());
  EXPECT_EQ(a, b) << "the same flow records, in any order";
}

fs::path demo_capture() {
  static const fs::path pcap = [] {
    const fs::path p = scratch_dir("multicore") / "demo.pcap";
    const ProgramResult r = run_program({pcapgen_binary().string(), "--scenario", "demo", "-o", p.string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return p;
  }();
  return pcap;
}

TEST(MultiCore, DemoCaptureGivesTheSameFlowsOnTwoCores) { expect_same_flows_on_two_cores(demo_capture(), true); }

TEST(MultiCore, CorpusCapturesGiveTheSameFlowsOnTwoCores) {
  FLOWPROBE_REQUIRE_SHARED("corpus/ndpi/pcap");
  // Many flows (1kxun, netflix) and tunnels whose flow is the inner one (GTP-U, VXLAN,
  // IP-in-IP, 6in4, GRE): the dispatcher must key them as the flow table does.
  const std::pair<const char*, bool> captures[] = {{"1kxun.pcap", true},        {"netflix.pcap", true},
                                                    {"ipv6_in_gtp.pcap", false}, {"vxlan.pcap", false},
                                                    {"4in4tunnel.pcap", false},  {"6in4tunnel.pcap", false},
                                                    {"gre.pcapng", false},
                                                    // 120 fragmented DNSCrypt datagrams over many flows
                                                    {"dnscrypt-v1-and-resolver-pings.pcap", true}};
  for (const auto& [name, spread] : captures) {
    const fs::path pcap = shared_dir() / "corpus/ndpi/pcap" / name;
    if (!fs::exists(pcap)) {
      ADD_FAILURE() << pcap << " is missing from the corpus";
      continue;
    }
    expect_same_flows_on_two_cores(pcap, spread);
  }
}

TEST(MultiCore, MoreRxCoresThanCpusStillAccountsForEveryPacket) {
  // Four RX lcores and the exporter on this machine's CPUs: EAL maps several lcores to
  // one CPU; the result must not change, only the speed.
  const ProgramResult one = run_cores(demo_capture(), 1);
  const ProgramResult four = run_cores(demo_capture(), 4);
  ASSERT_EQ(four.exit_code, 0) << four.err;
  EXPECT_NE(four.err.find("accounting                           ok"), std::string::npos) << four.err;
  long long sum = 0;
  for (int c = 0; c < 4; ++c) sum += std::max(0LL, core_packets(four.err, c));
  EXPECT_EQ(sum, summary_value(four.err, "packets.received"));
  EXPECT_EQ(flow_set(one.out), flow_set(four.out));
}

TEST(MultiCore, RssPortGetsOneQueuePerCoreWithTheSymmetricKey) {
  // net_null offers RSS and many queues: two queues, one per RX core, no dispatcher.
  const ProgramResult r = run_program({flowprobe_binary().string(), "-i", "net_null0", "--rx-cores", "2",
                                       "--max-packets", "4096", "-o", "/dev/null"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("rss (2 RX cores): 2 queues, symmetric key of 40 bytes"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("packets.dispatched"), std::string::npos) << "no software dispatch on an RSS port";
  EXPECT_GE(core_packets(r.err, 0), 4096);
  EXPECT_GE(core_packets(r.err, 1), 4096);
  EXPECT_NE(r.err.find("accounting                           ok"), std::string::npos) << r.err;
}

TEST(MultiCore, BadRxCoresIsOneLineAndExitTwo) {
  for (const char* bad : {"0", "65", "two"}) {
    const ProgramResult r = run_program({flowprobe_binary().string(), "-i", demo_capture().string(), "--rx-cores", bad});
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_NE(r.err.find("--rx-cores"), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty());
  }
}

}  // namespace

namespace {

TEST(MultiCore, HelpDocumentsRxCores) {
  const ProgramResult r = run_program({flowprobe_binary().string(), "--help"});
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--rx-cores"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("symmetric RSS key"), std::string::npos) << r.out;
}

}  // namespace
