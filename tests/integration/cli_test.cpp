// The command line as a user meets it: help, bad options and bad input give one clear
// message and exit 2 (capture files: integration/input_test.cpp).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "support/run_program.hpp"

namespace fs = std::filesystem;
using namespace flowprobe::test;

namespace {

ProgramResult flowprobe(std::vector<std::string> args) {
  args.insert(args.begin(), flowprobe_binary().string());
  return run_program(args);
}

size_t count_lines(const std::string& s) { return static_cast<size_t>(std::count(s.begin(), s.end(), '\n')); }

fs::path demo_capture() {
  static const fs::path p = [] {
    const fs::path d = scratch_dir("cli");
    const fs::path f = d / "demo.pcap";
    const ProgramResult r = run_program({pcapgen_binary().string(), "--scenario", "demo", "-o", f.string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return f;
  }();
  return p;
}

TEST(Cli, HelpDocumentsEveryOption) {
  const ProgramResult r = flowprobe({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* opt : {"-i", "-T", "--json-labels", "-t", "-d", "-o", "-w", "--list-fields", "--eal", "-v", "--zeek-logs",
                          "--idle-timeout-for", "--lifetime-timeout-for"})
    EXPECT_NE(r.out.find(opt), std::string::npos) << opt;
}

TEST(Cli, ZeekLogsDirectoryThatCannotBeMadeExits2NamingTheOption) {
  const ProgramResult r = flowprobe({"-i", demo_capture().string(), "--zeek-logs", "/dev/null/zeek"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(count_lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("--zeek-logs"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("/dev/null"), std::string::npos) << r.err;
  const ProgramResult alone = flowprobe({"-i", demo_capture().string(), "--zeek-logs-rotate", "3600"});
  EXPECT_EQ(alone.exit_code, 2);
  EXPECT_NE(alone.err.find("--zeek-logs-rotate needs --zeek-logs"), std::string::npos) << alone.err;
  const ProgramResult check = flowprobe({"check", "--zeek-logs", "/dev/null/zeek"});
  EXPECT_EQ(check.exit_code, 1) << check.out;
  EXPECT_NE(check.out.find("zeek-logs: FAIL"), std::string::npos) << check.out;
  const ProgramResult good = flowprobe({"check", "--zeek-logs", (scratch_dir("cli_zeek") / "checked").string()});
  EXPECT_NE(good.out.find("zeek-logs: ok"), std::string::npos) << good.out;
}

TEST(Cli, LogProfileNeedsZeekLogsAndAKnownName) {
  const ProgramResult alone = flowprobe({"-i", demo_capture().string(), "--log-profile", "osect"});
  EXPECT_EQ(alone.exit_code, 2);
  EXPECT_NE(alone.err.find("--log-profile osect needs --zeek-logs DIR"), std::string::npos) << alone.err;
  const ProgramResult bad = flowprobe({"-i", demo_capture().string(), "--zeek-logs", "/tmp", "--log-profile", "yaf"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--log-profile"), std::string::npos) << bad.err;
}

namespace {
std::vector<std::string> file_lines(const fs::path& p, bool rows_only) {
  std::ifstream in(p);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);)
    if (!rows_only || (!l.empty() && l[0] != '#')) out.push_back(l);
  return out;
}
}  // namespace

// With the JSON output, not instead of it; the same files on every replay, and the same
// rows (uids included) whatever the number of RX cores.
TEST(Cli, ZeekLogsBesideJsonAreStableAcrossReplaysAndCores) {
  const fs::path d = scratch_dir("cli_zeek");
  for (const char* sub : {"a", "b", "c"}) fs::remove_all(d / sub);
  const auto run = [&](const std::string& name, const char* cores) {
    const ProgramResult r = flowprobe({"-i", demo_capture().string(), "-o", (d / (name + ".json")).string(),
                                       "--zeek-logs", (d / name).string(), "--rx-cores", cores});
    EXPECT_EQ(r.exit_code, 0) << r.err;
  };
  run("a", "1");
  run("b", "1");
  run("c", "2");
  const auto json = file_lines(d / "a.json", false);
  const auto conn = file_lines(d / "a" / "conn.log", true);
  EXPECT_GT(conn.size(), 10u);
  EXPECT_EQ(conn.size(), json.size());  // one conn.log row per record
  for (const char* log : {"conn.log", "dns.log", "http.log", "ssl.log"}) {  // the demo has no DHCP
    const auto a = file_lines(d / "a" / log, false);
    EXPECT_FALSE(a.empty()) << log << ": the demo capture has this protocol";
    EXPECT_EQ(a, file_lines(d / "b" / log, false)) << log;
    auto rows_a = file_lines(d / "a" / log, true), rows_c = file_lines(d / "c" / log, true);
    std::sort(rows_a.begin(), rows_a.end());
    std::sort(rows_c.begin(), rows_c.end());
    EXPECT_EQ(rows_a, rows_c) << log;
  }
  // A protocol log's uid is its flow's conn.log uid.
  std::set<std::string> uids;
  for (const auto& row : conn) uids.insert(row.substr(row.find('\t') + 1, row.find('\t', row.find('\t') + 1) - row.find('\t') - 1));
  for (const auto& row : file_lines(d / "a" / "dns.log", true)) {
    const auto a = row.find('\t') + 1;
    EXPECT_TRUE(uids.count(row.substr(a, row.find('\t', a) - a))) << row;
  }
}

TEST(Cli, UnknownOptionExits2NamingIt) {
  const ProgramResult r = flowprobe({"-i", demo_capture().string(), "--no-such-option"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--no-such-option"), std::string::npos) << r.err;
  EXPECT_LE(count_lines(r.err), 2u) << r.err;
  EXPECT_TRUE(r.out.empty());
}

TEST(Cli, BadValuesExit2NamingTheOption) {
  struct Case {
    std::vector<std::string> args;
    std::string must_mention;
  };
  const std::string cap = demo_capture().string();
  const std::vector<Case> cases = {
      {{"-i", cap, "-t", "abc"}, "lifetime-timeout"},
      {{"-i", cap, "-t", "0"}, "lifetime-timeout"},
      {{"-i", cap, "-d", "-5"}, "idle-timeout"},
      {{"-i", cap, "-w", "0"}, "max-flows"},
      {{"-i", cap, "-T", "%IPV4_SRC_ADDR %BOGUS"}, "%BOGUS"},
      {{"-i", cap, "-T", "IPV4_SRC_ADDR"}, "-T"},
      {{"-i", cap, "-o", "/nonexistent-dir/x.json"}, "-o"},
      {{}, "-i"},
      {{"-i", cap, "--idle-timeout-for", "sctp=5"}, "--idle-timeout-for"},
      {{"-i", cap, "--idle-timeout-for", "icmp/8=5"}, "tcp and udp only"},
      {{"-i", cap, "--lifetime-timeout-for", "other=0"}, "--lifetime-timeout-for"},
      {{"-i", cap, "--tunnel-mode", "sideways"}, "--tunnel-mode"},
  };
  // More distinct idle/lifetime pairs than the flow table's 16 timeout classes.
  Case many{{"-i", cap}, "16 distinct"};
  for (int p = 100; p < 117; ++p) many.args.insert(many.args.end(), {"--idle-timeout-for", std::to_string(p) + "=" +
                                                                     std::to_string(p)});
  std::vector<Case> all = cases;
  all.push_back(many);
  for (const Case& c : all) {
    const ProgramResult r = flowprobe(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.must_mention << ": " << r.err;
    EXPECT_NE(r.err.find(c.must_mention), std::string::npos) << r.err;
    EXPECT_LE(count_lines(r.err), 2u) << r.err;
  }
}

// Issue 14, defect 7: an nProbe element flowprobe lacks is dropped with a warning, as
// @NTOPNG@ drops it and as nProbe does; a typo exits 2 naming the closest fields only.
TEST(Cli, TemplateDropsNprobeElementsWeLackAndNamesTheClosestForATypo) {
  const fs::path d = scratch_dir("cli-template");
  const ProgramResult r = flowprobe({"-i", demo_capture().string(), "-T", "%IN_BYTES %EXPORTER_IPV4_ADDRESS", "-o",
                                     (d / "flows.json").string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("nProbe element %EXPORTER_IPV4_ADDRESS is not provided by flowprobe: discarded"), std::string::npos)
      << r.err;
  std::ifstream in(d / "flows.json");
  std::size_t records = 0;
  for (std::string line; std::getline(in, line); ++records) EXPECT_EQ(line.rfind("{\"1\":", 0), 0u) << line;
  EXPECT_GT(records, 0u);

  const ProgramResult typo = flowprobe({"-i", demo_capture().string(), "-T", "%IPV4_SRC_ADR %IN_BYTES"});
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.err.find("unknown field '%IPV4_SRC_ADR'; did you mean %IPV4_SRC_ADDR"), std::string::npos) << typo.err;
  EXPECT_EQ(typo.err.find("%TOTAL_FLOWS_EXP"), std::string::npos) << "the whole registry, not the closest: " << typo.err;
  EXPECT_LT(typo.err.size(), 400u) << typo.err;
}

TEST(Cli, MissingDirectoryAndNonPcapInputsExit2WithOneLine) {
  const fs::path d = scratch_dir("cli-bad-input");
  const fs::path text = d / "notes.txt";
  std::ofstream(text) << "this is not a capture\n";
  const fs::path empty = d / "empty.pcap";
  std::ofstream(empty).flush();
  for (const std::string& in : {(d / "missing.pcap").string(), d.string(), text.string(), empty.string()}) {
    const ProgramResult r = flowprobe({"-i", in});
    EXPECT_EQ(r.exit_code, 2) << in << ": " << r.err;
    EXPECT_EQ(count_lines(r.err), 1u) << r.err;
    EXPECT_NE(r.err.find("-i"), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty());
  }
}

TEST(Cli, UnreadableFileExits2) {
  if (geteuid() == 0) GTEST_SKIP() << "running as root: every file is readable";
  const fs::path d = scratch_dir("cli-unreadable");
  const fs::path f = d / "secret.pcap";
  fs::copy_file(demo_capture(), f);
  fs::permissions(f, fs::perms::none);
  const ProgramResult r = flowprobe({"-i", f.string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(count_lines(r.err), 1u) << r.err;
}

TEST(Cli, ListFields) {
  const ProgramResult r = flowprobe({"--list-fields"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("%IPV4_SRC_ADDR"), std::string::npos);
  EXPECT_NE(r.out.find("35632.57550"), std::string::npos);
}

}  // namespace

namespace {

TEST(Cli, CheckRulesSummarisesAcceptedAndRejected) {
  const fs::path d = scratch_dir("cli-check");
  std::ofstream(d / "local.rules")
      << "alert tcp any any -> any 80 (msg:\"good\"; content:\"GET\"; sid:1000001; rev:1;)\n"
      << "alert tcp any any -> any 80 (msg:\"unterminated; content:\"x\"; sid:1000002; rev:1;)\n";
  const ProgramResult r = flowprobe({"check", "--rules", (d / "local.rules").string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("rules: ok - 1 accepted, 1 rejected;", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("local.rules:2"), std::string::npos) << r.out;
}

// Issue #14 defect 8: a run (not only `check`) says at start how many rules it rejected
// and why, with a rule of each reason to find.
TEST(Cli, RunWithRulesSaysRejectedCountAndReasonsAtStart) {
  const fs::path d = scratch_dir("cli-run-rejected");
  std::ofstream(d / "local.rules")
      << "alert tcp any any -> any 80 (msg:\"good\"; content:\"GET\"; sid:1000001; rev:1;)\n"
      << "alert tcp any any -> any 80 (msg:\"unterminated; content:\"x\"; sid:1000002; rev:1;)\n"
      << "alert tcp any any -> any 80 (msg:\"bad hex\"; content:\"|zz|\"; sid:1000003; rev:1;)\n";
  const ProgramResult r = flowprobe({"-i", demo_capture().string(), "--rules", (d / "local.rules").string(),
                                     "--alerts-output", "/dev/null", "-o", "/dev/null"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("rules: 1 accepted, 2 rejected"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("1  unterminated quote"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("1  malformed content"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("local.rules:3 sid 1000003"), std::string::npos) << r.err;
}

TEST(Cli, CheckWithoutRulesIsAUsageError) {
  const ProgramResult r = flowprobe({"check"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--rules"), std::string::npos) << r.err;
  const ProgramResult missing = flowprobe({"check", "--rules", "/nonexistent/rules"});
  EXPECT_EQ(missing.exit_code, 1) << missing.out;
}

// Without nDPI nothing names an SMB flow: rules for it are loaded but said not to match,
// with the run going on (SMTP and SSH flows our own dissectors name).
TEST(Cli, NoDpiWarnsOfRulesOnlyNdpiCanServe) {
  const fs::path d = scratch_dir("cli-no-dpi-rules");
  std::ofstream(d / "app.rules") << "alert smtp any any -> any any (msg:\"smtp\"; content:\"EHLO\"; sid:1;)\n"
                                 << "alert smb any any -> any any (msg:\"smb\"; content:\"SMB\"; sid:2;)\n"
                                 << "alert ssh any any -> any any (msg:\"ssh\"; content:\"SSH-\"; sid:4;)\n"
                                 << "alert http any any -> any any (msg:\"http\"; content:\"GET\"; http_method; sid:3;)\n";
  const std::vector<std::string> args = {"-i", demo_capture().string(), "--rules", (d / "app.rules").string(),
                                         "--alerts-output", "/dev/null", "-o", "/dev/null"};
  std::vector<std::string> no_dpi = args;
  no_dpi.push_back("--no-dpi");
  const ProgramResult without = flowprobe(no_dpi);
  EXPECT_EQ(without.exit_code, 0) << without.err;
  EXPECT_NE(without.err.find("--no-dpi: 1 rules for smb cannot match"), std::string::npos)
      << without.err;
  const ProgramResult with = flowprobe(args);
  EXPECT_EQ(with.exit_code, 0) << with.err;
  EXPECT_EQ(with.err.find("--no-dpi:"), std::string::npos) << with.err;
}

// The L7 switches keep every record and the accounting: --no-dpi leaves the L7 fields
// Unknown, --ndpi-stop-when-known keeps nDPI's verdict and our dissectors' metadata.
TEST(Cli, DpiSwitchesKeepRecordsAndVerdicts) {
  const std::string tmpl = "%L4_DST_PORT %L7_PROTO_NAME %DNS_QUERY %TLS_SERVER_NAME";
  const ProgramResult full = flowprobe({"-i", demo_capture().string(), "--json-labels", "-T", tmpl});
  const ProgramResult fast =
      flowprobe({"-i", demo_capture().string(), "--json-labels", "-T", tmpl, "--ndpi-stop-when-known"});
  const ProgramResult none = flowprobe({"-i", demo_capture().string(), "--json-labels", "-T", tmpl, "--no-dpi"});
  for (const ProgramResult* r : {&full, &fast, &none}) {
    ASSERT_EQ(r->exit_code, 0) << r->err;
    EXPECT_NE(r->err.find("accounting                           ok"), std::string::npos) << r->err;
  }
  EXPECT_EQ(count_lines(full.out), count_lines(fast.out));
  EXPECT_EQ(count_lines(full.out), count_lines(none.out));
  EXPECT_EQ(fast.out, full.out) << "the demo's protocols are all named on their first packets";
  EXPECT_NE(full.out.find("\"L7_PROTO_NAME\":\"TLS\""), std::string::npos) << full.out;
  EXPECT_NE(full.out.find("\"TLS_SERVER_NAME\":\"www.example.com\""), std::string::npos) << full.out;
  EXPECT_EQ(none.out.find("\"L7_PROTO_NAME\":\"TLS\""), std::string::npos) << none.out;
  EXPECT_NE(none.out.find("\"L7_PROTO_NAME\":\"Unknown\""), std::string::npos) << none.out;
}

}  // namespace
