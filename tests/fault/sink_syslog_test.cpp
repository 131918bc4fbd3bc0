// Remote syslog under faults: the receiver (a real rsyslogd, over TCP and over TLS,
// set up to write what it has taken before it exits) stopped and started again twice
// in a steady stream of records. A record counts as delivered once the receiver's TCP
// has acknowledged it; what was in flight, or may sit unread in the receiver, when it
// went away is sent again on the next connection, and what could not go waits in the
// spool. What the receiver itself had taken but not written when it stopped, no syslog
// sender can know; the test measures it.
#include "sink_fault_support.hpp"

namespace fs = std::filesystem;
using namespace flowprobe::test;
using namespace std::chrono_literals;

namespace {

void restart_twice_mid_run(const fs::path& dir, bool tls) {
  if (!fs::exists(kRsyslogd)) GTEST_SKIP() << "rsyslogd is not installed (scripts/setup installs rsyslog)";
  if (tls && !fs::exists("/usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_ossl.so") && !fs::exists("/usr/lib/rsyslog/lmnsd_ossl.so"))
    GTEST_SKIP() << "rsyslog's OpenSSL driver is not installed (scripts/setup installs rsyslog-openssl)";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path cert = tls ? make_certificate(dir, "receiver") : fs::path();

  Rsyslog rs[3];
  rs[0].start(dir / "rsyslog-1", 0, 0, cert);
  const int port = rs[0].tcp_port;
  const std::string url = std::string(tls ? "tls" : "tcp") + "://127.0.0.1:" + std::to_string(port);
  // A steady stream, as from a live port: the capture's 100,000 flows replayed on the wall
  // clock, each leaving a record every 3 s (-t). The same records go to a file, the
  // reference of what the receivers must have got.
  std::vector<std::string> argv{flowprobe_binary().string(), "-i", flows_100k_pcap().string(), "--replay-loop",
                                "--max-packets", "4000000000", "-t", "3", "-T",
                                "%IPV4_SRC_ADDR %IPV4_DST_ADDR %L4_SRC_PORT %L4_DST_PORT %PROTOCOL %IN_PKTS "
                                "%FLOW_START_MILLISECONDS %FLOW_END_MILLISECONDS",
                                "-o", (dir / "sent.json").string(), "--syslog", url, "--spool-dir",
                                (dir / "spool").string(), "--drain-timeout", "60"};
  if (tls) argv.insert(argv.end(), {"--syslog-tls-ca", cert.string()});
  Background probe(argv, dir / "probe.out", dir / "probe.err");
  for (int n = 1; n <= 2; ++n) {
    const fs::path received = rs[n - 1].received;
    ASSERT_TRUE(wait_until([&] { return read_lines(received).size() >= 20000; }, 60s))
        << "receiver " << n << " got nothing\n" << read_file(dir / "probe.err");
    // systemctl restart rsyslog: SIGTERM, rsyslog writes what it has read and exits.
    EXPECT_EQ(rs[n - 1].proc.stop(SIGTERM, 30s), 0) << read_file(rs[n - 1].dir / "rsyslogd.err");
    std::this_thread::sleep_for(1s);
    ASSERT_TRUE(probe.running()) << read_file(dir / "probe.err");
    rs[n].start(dir / ("rsyslog-" + std::to_string(n + 1)), 0, port, cert);
  }
  ASSERT_TRUE(wait_until([&] { return read_lines(rs[2].received).size() >= 20000; }, 60s)) << read_file(dir / "probe.err");
  EXPECT_EQ(probe.stop(SIGTERM, 120s), 0) << read_file(dir / "probe.err");
  const std::string summary = read_file(dir / "probe.err");
  const long long sent = static_cast<long long>(read_lines(dir / "sent.json").size());
  EXPECT_EQ(summary_value(summary, "sink.sink1.delivered"), sent) << summary;
  EXPECT_EQ(summary_value(summary, "sink.failed"), 0) << summary;
  EXPECT_EQ(summary_value(summary, "sink.sink1.spool.kept"), 0) << summary;
  EXPECT_EQ(summary_value(summary, "lost"), 0) << summary;
  EXPECT_GE(summary_value(summary, "sink.sink1.syslog.disconnects"), 2) << summary;
  EXPECT_TRUE(accounting_ok(summary)) << summary;
  rs[2].messages(static_cast<size_t>(sent) - read_lines(rs[0].received).size() - read_lines(rs[1].received).size());
  EXPECT_EQ(rs[2].proc.stop(SIGTERM, 30s), 0);

  const auto expected = record_identities(read_lines(dir / "sent.json"));
  ASSERT_EQ(duplicates(expected), 0u) << "records must be told apart by their times";
  std::vector<std::string> all;
  for (const Rsyslog& r : rs) {
    const auto lines = read_lines(r.received);
    all.insert(all.end(), lines.begin(), lines.end());
  }
  const auto got = record_identities(all);
  const std::set<std::string> unique(got.begin(), got.end());
  size_t missing = 0;
  for (const std::string& id : expected) missing += unique.count(id) == 0;
  const size_t dup = duplicates(got);
  ::testing::Test::RecordProperty("missing", static_cast<int>(missing));
  ::testing::Test::RecordProperty("duplicates", static_cast<int>(dup));
  fault_row(std::string(tls ? "TLS" : "TCP") + " syslog receiver (rsyslogd) restarted twice",
            grouped(sent) + " records (a steady stream)", "2 receiver restarts (SIGTERM)",
            static_cast<long long>(expected.size() - missing), static_cast<long long>(missing),
            static_cast<long long>(dup), "by the receiver (read, not written, when it stopped)");
  // Syslog over TCP or TLS has no acknowledgement of its own: what the receiver had read
  // from its socket but not written when it stopped is lost to it, whatever the sender
  // does (rsyslog's RELP input would acknowledge each record). The probe resends all its
  // TCP did not acknowledge and what the receiver's window says it had not read; what is
  // still missing is the receiver's read-ahead, a small share (RELIABILITY.md).
  EXPECT_LE(missing * 100, expected.size()) << "more than 1 % never written by the receivers";
}

}  // namespace

TEST(FaultSyslog, TcpReceiverRestartedTwiceMidRun) {
  restart_twice_mid_run(scratch_dir("fault_syslog_tcp"), false);
}

TEST(FaultSyslog, TlsReceiverRestartedTwiceMidRun) {
  restart_twice_mid_run(scratch_dir("fault_syslog_tls"), true);
}
