// A live interface, end to end: a veth pair inside a network namespace of the test's own,
// a corpus capture replayed into one end by tcpreplay, flowprobe reading the other end
// through DPDK's af_packet vdev (-i IFACE). The flows must be those of an offline replay
// of the same capture. Skips where namespaces are not permitted (not root, no
// CAP_SYS_ADMIN, a sandbox without them).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>

#include "export_support.hpp"
#include "support/netns.hpp"
#include "support/run_program.hpp"

namespace fs = std::filesystem;
using namespace flowprobe::test;
using namespace std::chrono_literals;

namespace {

// Only the fields that a live capture and an offline replay must agree on: no times.
constexpr const char* kTemplate =
    "%IPV4_SRC_ADDR %IPV4_DST_ADDR %L4_SRC_PORT %L4_DST_PORT %PROTOCOL %IN_PKTS %OUT_PKTS %IN_BYTES %OUT_BYTES";

ProgramResult sh(const std::string& command) { return Namespace::sh(command); }

std::vector<std::string> sorted_lines(const fs::path& f) {
  std::vector<std::string> v = read_lines(f);
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

TEST(LiveCapture, VethReplayGivesTheFlowsOfTheCapture) {
  FLOWPROBE_REQUIRE_SHARED("corpus/ndpi/pcap");
  const fs::path pcap = shared_dir() / "corpus" / "ndpi" / "pcap" / "zabbix.pcap";
  if (!fs::exists(pcap)) GTEST_SKIP() << pcap << " is absent from ../shared";
  if (sh("command -v tcpreplay && command -v ip").exit_code != 0)
    GTEST_SKIP() << "tcpreplay or iproute2 is not installed (scripts/setup installs them)";
  Namespace ns("flowprobe-live-" + std::to_string(::getpid()));
  if (!ns.ok()) GTEST_SKIP() << "network namespaces are not permitted here: " << ns.why().substr(0, ns.why().find('\n'));

  const fs::path d = scratch_dir("live_capture");
  const ProgramResult offline =
      run_program({flowprobe_binary().string(), "-i", pcap.string(), "--json-labels", "-T", kTemplate, "-o",
                   (d / "offline.json").string()});
  ASSERT_EQ(offline.exit_code, 0) << offline.err;
  const auto expected = sorted_lines(d / "offline.json");
  ASSERT_EQ(expected.size(), 24u);

  Background probe(ns.exec({flowprobe_binary().string(), "-i", "fp-rx", "--json-labels", "-T", kTemplate, "-o",
                            (d / "live.json").string(), "--stats-file", (d / "stats.json").string()}),
                   d / "probe.out", d / "probe.err");
  // The port is up once the exporter publishes it (every 250 ms, then to the file each second).
  ASSERT_TRUE(wait_until([&] { return read_file(d / "stats.json").find("net_af_packet") != std::string::npos; }, 60s))
      << read_file(d / "probe.err");

  const ProgramResult replay =
      run_program(ns.exec({"tcpreplay", "-q", "-i", "fp-tx", "--pps", "2000", pcap.string()}));
  ASSERT_EQ(replay.exit_code, 0) << replay.out << replay.err;
  // Every packet has reached the RX core before the stop (the stats file counts them).
  const auto rx_packets = [&] {
    const std::string s = read_file(d / "stats.json");
    const auto p = s.find("\"rx_packets\":");
    return p == std::string::npos ? -1LL : std::atoll(s.c_str() + p + 13);
  };
  EXPECT_TRUE(wait_until([&] { return rx_packets() >= 236; }, 20s)) << read_file(d / "stats.json");

  ASSERT_EQ(probe.stop(SIGTERM, 60s), 0) << read_file(d / "probe.err");
  const std::string err = read_file(d / "probe.err");
  EXPECT_EQ(summary_value(err, "packets.received"), 236) << err;
  EXPECT_NE(err.find("net_af_packet"), std::string::npos) << err;
  EXPECT_EQ(sorted_lines(d / "live.json"), expected) << err;
}
