// Remote syslog export against a real rsyslogd started by the test on loopback (imudp,
// imtcp, omfile), the messages parsed back with simdjson.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <set>

#include "export_support.hpp"
#include "support/run_program.hpp"

namespace fs = std::filesystem;
using namespace flowprobe::test;
using namespace std::chrono_literals;

namespace {

fs::path demo_capture() {
  static const fs::path p = [] {
    const fs::path f = scratch_dir("export_syslog_captures") / "demo.pcap";
    const ProgramResult r = run_program({pcapgen_binary().string(), "--scenario", "demo", "-q", "-o", f.string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return f;
  }();
  return p;
}

ProgramResult run_flowprobe(std::vector<std::string> args) {
  args.insert(args.begin(), flowprobe_binary().string());
  return run_program(args);
}

std::multiset<std::string> reference(const fs::path& dir) {
  const ProgramResult r = run_flowprobe({"-i", demo_capture().string(), "-o", (dir / "reference.json").string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return record_identities(read_lines(dir / "reference.json"));
}

}  // namespace

class ExportSyslog : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kRsyslogd)) GTEST_SKIP() << "rsyslogd is not installed (scripts/setup installs rsyslog)";
  }
};

TEST_F(ExportSyslog, UdpRfc5424DeliversEveryRecord) {
  const fs::path dir = scratch_dir("export_syslog_udp");
  fs::remove_all(dir);
  const auto expected = reference(scratch_dir("export_syslog_ref"));
  Rsyslog rs;
  rs.start(dir);
  const ProgramResult r = run_flowprobe({"-i", demo_capture().string(), "--syslog",
                                         "udp://127.0.0.1:" + std::to_string(rs.udp_port), "--syslog-format", "rfc5424"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(summary_value(r.err, "sink.delivered"), static_cast<long long>(expected.size()));
  EXPECT_EQ(summary_value(r.err, "sink.syslog.oversize"), 0);
  EXPECT_TRUE(record_identities(rs.messages(expected.size())) == expected);
}

// RFC 5425: octet-counted frames over TLS, the receiver's certificate checked against the
// CA given; a receiver whose certificate does not chain to it gets nothing.
TEST_F(ExportSyslog, TlsDeliversEveryRecordAndRefusesAnUntrustedReceiver) {
  if (!fs::exists("/usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_ossl.so") && !fs::exists("/usr/lib/rsyslog/lmnsd_ossl.so"))
    GTEST_SKIP() << "rsyslog's OpenSSL driver is not installed (scripts/setup installs rsyslog-openssl)";
  const fs::path dir = scratch_dir("export_syslog_tls");
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path cert = make_certificate(dir, "receiver"), other = make_certificate(dir, "stranger");
  const auto expected = reference(scratch_dir("export_syslog_ref"));
  Rsyslog rs;
  rs.start(dir / "rsyslog", 0, 0, cert);
  const std::string url = "tls://127.0.0.1:" + std::to_string(rs.tcp_port);
  const ProgramResult r = run_flowprobe({"-i", demo_capture().string(), "--syslog", url, "--syslog-tls-ca", cert.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(summary_value(r.err, "sink.delivered"), static_cast<long long>(expected.size())) << r.err;
  EXPECT_TRUE(record_identities(rs.messages(expected.size())) == expected);

  const ProgramResult bad = run_flowprobe({"-i", demo_capture().string(), "--syslog", url, "--syslog-tls-ca",
                                           other.string(), "--drain-timeout", "1"});
  EXPECT_EQ(summary_value(bad.err, "sink.delivered"), 0) << bad.err;
  EXPECT_NE(bad.err.find("certificate"), std::string::npos) << "the log must say why: " << bad.err;
  EXPECT_EQ(read_lines(rs.received).size(), expected.size()) << "nothing more reached the receiver";
}

TEST_F(ExportSyslog, TcpRfc3164OctetCountedDeliversEveryRecord) {
  const fs::path dir = scratch_dir("export_syslog_tcp");
  fs::remove_all(dir);
  const auto expected = reference(scratch_dir("export_syslog_ref"));
  Rsyslog rs;
  rs.start(dir);
  const ProgramResult r = run_flowprobe({"-i", demo_capture().string(), "--syslog",
                                         "tcp://127.0.0.1:" + std::to_string(rs.tcp_port), "--syslog-format", "rfc3164",
                                         "--syslog-ident", "nprobe"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(summary_value(r.err, "sink.delivered"), static_cast<long long>(expected.size()));
  EXPECT_NE(r.err.find("accounting                           ok"), std::string::npos) << r.err;
  EXPECT_TRUE(record_identities(rs.messages(expected.size())) == expected);
}

TEST_F(ExportSyslog, OversizeUdpMessagesAreCountedNotTruncated) {
  const fs::path dir = scratch_dir("export_syslog_oversize");
  fs::remove_all(dir);
  const auto expected = reference(scratch_dir("export_syslog_ref"));
  Rsyslog rs;
  rs.start(dir);
  // Every demo record is longer than 300 bytes.
  const ProgramResult r =
      run_flowprobe({"-i", demo_capture().string(), "--syslog", "udp://127.0.0.1:" + std::to_string(rs.udp_port),
                     "--syslog-max-udp", "300"});
  EXPECT_EQ(summary_value(r.err, "sink.syslog.oversize"), static_cast<long long>(expected.size())) << r.err;
  EXPECT_EQ(summary_value(r.err, "sink.delivered"), 0);
  EXPECT_EQ(summary_value(r.err, "sink.failed"), static_cast<long long>(expected.size()));
  EXPECT_NE(r.err.find("accounting                           ok"), std::string::npos) << r.err;
  EXPECT_EQ(r.exit_code, 1) << "records were not delivered: the run says so";
  EXPECT_NE(r.err.find("--syslog-max-udp"), std::string::npos) << r.err;
  // Nothing truncated reached the receiver: a datagram sent afterwards is the first line.
  const ProgramResult ok = run_flowprobe({"-i", demo_capture().string(), "--syslog",
                                          "udp://127.0.0.1:" + std::to_string(rs.udp_port), "-T", "%IPV4_SRC_ADDR"});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  const auto lines = rs.messages(expected.size());
  EXPECT_EQ(lines.size(), expected.size());
  for (const std::string& l : lines) EXPECT_NE(l.find("{\"8\":\""), std::string::npos) << l;
}

TEST_F(ExportSyslog, TcpReceiverDownAtStartIsReconnectedAndNothingIsLost) {
  const fs::path dir = scratch_dir("export_syslog_reconnect");
  fs::remove_all(dir);
  fs::create_directories(dir);
  const auto expected = reference(scratch_dir("export_syslog_ref"));
  const int tcp_port = free_port();
  Background probe({flowprobe_binary().string(), "-i", demo_capture().string(), "--syslog",
                    "tcp://127.0.0.1:" + std::to_string(tcp_port), "--spool-dir", (dir / "spool").string(),
                    "--drain-timeout", "60"},
                   dir / "flowprobe.out", dir / "flowprobe.err");
  // The probe has read the capture and waits for the receiver.
  ASSERT_TRUE(wait_until([&] { return read_file(dir / "flowprobe.err").find("not accepting") != std::string::npos; },
                         10s))
      << read_file(dir / "flowprobe.err");
  std::this_thread::sleep_for(1500ms);
  Rsyslog rs;
  rs.start(dir / "rsyslog", 0, tcp_port);
  EXPECT_EQ(probe.wait(90s), 0) << read_file(dir / "flowprobe.err");
  const std::string summary = read_file(dir / "flowprobe.err");
  EXPECT_EQ(summary_value(summary, "sink.delivered"), static_cast<long long>(expected.size())) << summary;
  EXPECT_EQ(summary_value(summary, "sink.failed"), 0);
  EXPECT_GT(summary_value(summary, "sink.spool.appended") + summary_value(summary, "sink.syslog.buffered"), -1);
  EXPECT_GE(summary_value(summary, "sink.syslog.connects"), 1);
  EXPECT_EQ(summary_value(summary, "sink.spool.kept"), 0);
  EXPECT_NE(summary.find("accounting                           ok"), std::string::npos) << summary;
  EXPECT_TRUE(record_identities(rs.messages(expected.size())) == expected);
}

TEST_F(ExportSyslog, BadUrlExits2NamingTheOption) {
  for (const auto& [url, needle] : std::vector<std::pair<std::string, std::string>>{
           {"syslog.example:514", "--syslog 'syslog.example:514': unknown scheme"},
           {"udp://no-such-host.invalid:514", "cannot resolve"},
           {"tls://127.0.0.1:0", "bad port"},
           {"tcp://127.0.0.1:0", "bad port"}}) {
    const ProgramResult r = run_flowprobe({"-i", demo_capture().string(), "--syslog", url});
    EXPECT_EQ(r.exit_code, 2) << url << "\n" << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
  }
  const ProgramResult ca = run_flowprobe({"-i", demo_capture().string(), "--syslog", "tls://127.0.0.1:6514",
                                          "--syslog-tls-ca", "/nonexistent/ca.pem"});
  EXPECT_EQ(ca.exit_code, 2) << ca.err;
  EXPECT_NE(ca.err.find("--syslog-tls-ca"), std::string::npos) << ca.err;
}

// --json-to-syslog speaks to the local daemon's socket: a daemon that is there gets
// every record (rsyslog's imuxsock, as on a host's /dev/log); one that is absent is said
// at start, every record is counted as failed, and the run's exit status says so.
TEST_F(ExportSyslog, LocalSyslogDeliversToTheDaemonAndCountsEveryRecordWhenItIsAbsent) {
  const fs::path dir = scratch_dir("export_syslog_local");
  fs::remove_all(dir);
  fs::create_directories(dir);
  const auto expected = reference(scratch_dir("export_syslog_ref"));
  Rsyslog rs;
  rs.unix_socket = dir / "log.sock";
  rs.start(dir / "rsyslog");
  const ProgramResult r = run_flowprobe({"-i", demo_capture().string(), "--json-to-syslog", "--syslog-facility", "local3",
                                         "--syslog-socket", rs.unix_socket.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(summary_value(r.err, "sink.delivered"), static_cast<long long>(expected.size())) << r.err;
  EXPECT_EQ(summary_value(r.err, "sink.failed"), 0);
  EXPECT_TRUE(record_identities(rs.messages(expected.size())) == expected);
  rs.proc.stop();

  // No daemon at the socket's path: nothing is delivered, and nothing is said to be.
  std::vector<std::vector<std::string>> absent = {{"--syslog-socket", (dir / "no-daemon.sock").string()}};
  if (!fs::exists("/dev/log")) absent.push_back({});  // this machine has none: the default path, as a user meets it
  for (const auto& where : absent) {
    std::vector<std::string> args{"-i", demo_capture().string(), "--json-to-syslog"};
    args.insert(args.end(), where.begin(), where.end());
    const ProgramResult down = run_flowprobe(args);
    EXPECT_EQ(down.exit_code, 1) << down.err;
    EXPECT_EQ(summary_value(down.err, "sink.delivered"), 0) << down.err;
    EXPECT_EQ(summary_value(down.err, "sink.failed"), static_cast<long long>(expected.size())) << down.err;
    EXPECT_EQ(summary_value(down.err, "lost"), static_cast<long long>(expected.size())) << down.err;
    EXPECT_NE(down.err.find("accounting                           ok"), std::string::npos) << down.err;
    // Said at start, before any record: the first lines of stderr.
    EXPECT_EQ(down.err.find("flowprobe: warning: --json-to-syslog: "), down.err.find("flowprobe: ")) << down.err;
    EXPECT_NE(down.err.find("No such file or directory"), std::string::npos) << down.err;
  }

  const ProgramResult bad = run_flowprobe({"-i", demo_capture().string(), "--json-to-syslog", "--syslog-facility", "local9"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--syslog-facility 'local9'"), std::string::npos) << bad.err;
}
