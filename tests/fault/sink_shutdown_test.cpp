// SIGTERM (systemctl stop): reception stops, every flow still in the tables leaves as a
// record, and the sinks deliver them within --drain-timeout. The replay loop plays a
// capture of 100,000 flows without end on wall-clock time, as a live port would, so all
// of them are active when the signal comes.
#include "sink_fault_support.hpp"

namespace fs = std::filesystem;
using namespace flowprobe::test;
using namespace std::chrono_literals;

TEST(FaultShutdown, SigtermExportsEveryActiveFlowWithinTheDrainTimeout) {
  const fs::path dir = scratch_dir("fault_sigterm");
  fs::remove_all(dir);
  fs::create_directories(dir);
  Broker broker;
  start_broker(broker, dir, "1", 0, {"--dump", (dir / "dump.txt").string()});
  Background probe({flowprobe_binary().string(), "-i", flows_100k_pcap().string(), "--replay-loop", "--max-packets",
                    "4000000000", "-d", "3600", "-t", "3600", "--json-labels", "-T",
                    "%IPV4_SRC_ADDR %IPV4_DST_ADDR %L4_SRC_PORT %L4_DST_PORT %PROTOCOL %IN_PKTS %FLOW_END_REASON",
                    "--kafka", broker.bootstrap + ";flows", "--spool-dir", (dir / "spool").string(), "--drain-timeout",
                    "30", "--stats-file", (dir / "stats.json").string()},
                   dir / "probe.out", dir / "probe.err");
  // Every flow of the capture seen (and none ended: the timeouts are an hour).
  ASSERT_TRUE(wait_until([&] { return read_file(dir / "stats.json").find("\"flows_active\":100000") != std::string::npos; },
                         90s))
      << read_file(dir / "stats.json") << read_file(dir / "probe.err");
  const auto t0 = std::chrono::steady_clock::now();
  const int code = probe.stop(SIGTERM, 60s);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(broker.proc.stop(SIGTERM, 60s), 0);

  const std::string summary = read_file(dir / "probe.err");
  EXPECT_EQ(code, 0) << summary;
  EXPECT_LT(took, 30.0) << "delivered within --drain-timeout";
  EXPECT_NE(summary.find("stopped_by_signal"), std::string::npos) << summary;
  const long long flushed = summary_value(summary, "flows.ended.end_of_capture");
  EXPECT_GE(flushed, 100000) << "every active flow leaves at shutdown\n" << summary;
  EXPECT_EQ(summary_value(summary, "sink.delivered"), summary_value(summary, "records.encoded")) << summary;
  EXPECT_EQ(summary_value(summary, "records.encoded"), summary_value(summary, "flows.records")) << summary;
  EXPECT_EQ(summary_value(summary, "sink.spool.kept"), 0) << summary;
  EXPECT_EQ(summary_value(summary, "lost"), 0) << summary;
  EXPECT_TRUE(accounting_ok(summary)) << summary;

  const auto lines = read_lines(dir / "dump.txt");
  EXPECT_EQ(static_cast<long long>(lines.size()), summary_value(summary, "sink.delivered"));
  long long at_shutdown = 0;
  for (const std::string& l : lines) at_shutdown += l.find("\"FLOW_END_REASON\":4") != std::string::npos;
  EXPECT_EQ(at_shutdown, flushed);
  EXPECT_EQ(duplicates(record_identities(lines)), 0u);
  char faults[96];
  std::snprintf(faults, sizeof faults, "SIGTERM, drained in %.1f s (--drain-timeout 30)", took);
  fault_row("SIGTERM with every flow active", grouped(flushed) + " active flows", faults,
            static_cast<long long>(lines.size()), flushed - at_shutdown, static_cast<long long>(duplicates(record_identities(lines))));
}
