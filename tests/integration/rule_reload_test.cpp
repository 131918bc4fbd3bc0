// SIGHUP (or `flowprobe reload`) reloads the rules of a running probe: a rule set that fails to load leaves the
// old one running and says why; a good one is compiled off the packet path and swapped
// in on the RX core, after which its rules raise alerts. The probe replays a capture in
// a loop meanwhile and must account for every packet, record and alert at the end.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <fstream>

#include "integration/export_support.hpp"
#include "support/run_program.hpp"

namespace fs = std::filesystem;
using namespace flowprobe::test;

namespace {

void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

TEST(RuleReload, SighupSwapsRulesWithoutStoppingAndKeepsThemOnAFailedLoad) {
  const fs::path dir = scratch_dir("rule_reload");
  const fs::path pcap = dir / "demo.pcap", rules = dir / "live.rules", alerts = dir / "alerts.json";
  const fs::path out = dir / "out.txt", err = dir / "err.txt", pid_file = dir / "probe.pid";
  ASSERT_EQ(run_program({pcapgen_binary().string(), "--scenario", "demo", "-o", pcap.string()}).exit_code, 0);
  write(rules, "alert tcp any any -> any any (msg:\"never\"; content:\"zzqqzzqqzz\"; sid:100;)\n");

  Background probe({flowprobe_binary().string(), "-i", pcap.string(), "--replay-loop", "--max-packets", "4000000000",
                    "--rules", rules.string(), "--alerts-output", alerts.string(), "-o", "/dev/null",
                    "--pid-file", pid_file.string()},
                   out, err);
  ASSERT_TRUE(wait_until([&] { return read_file(err).find("rules: 1 accepted") != std::string::npos; },
                         std::chrono::seconds(30)))
      << read_file(err);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));

  // A broken file: the reload fails, the running rules stay.
  write(rules, "alert tcp any any -> any any (msg:\"broken\"; content:\"x\"\n");
  ::kill(probe.pid(), SIGHUP);
  ASSERT_TRUE(wait_until([&] { return read_file(err).find("rule reload failed") != std::string::npos; },
                         std::chrono::seconds(30)))
      << read_file(err);
  ASSERT_TRUE(probe.running()) << read_file(err);

  // A good one, asked for with the reload command: swapped in, and it matches the demo's
  // HTTP requests from then on.
  write(rules, "alert http any any -> any any (msg:\"example host\"; http.host; content:\"example.com\"; sid:200; rev:2;)\n");
  const ProgramResult reload = run_program({flowprobe_binary().string(), "reload", "--pid-file", pid_file.string()});
  ASSERT_EQ(reload.exit_code, 0) << reload.err;
  ASSERT_TRUE(wait_until([&] { return read_file(err).find("rules reloaded on") != std::string::npos; },
                         std::chrono::seconds(60)))
      << read_file(err);
  ASSERT_TRUE(wait_until([&] { return !read_lines(alerts).empty(); }, std::chrono::seconds(20)))
      << "no alert after the reload\n" << read_file(err);

  EXPECT_EQ(probe.stop(SIGINT, std::chrono::seconds(60)), 0);
  EXPECT_FALSE(fs::exists(pid_file)) << "the pid file outlived the probe";
  EXPECT_EQ(run_program({flowprobe_binary().string(), "reload", "--pid-file", pid_file.string()}).exit_code, 2);
  const std::string summary = read_file(err);
  EXPECT_EQ(summary_value(summary, "rules.reloads"), 1) << summary;
  EXPECT_EQ(summary_value(summary, "rules.reload_failed"), 1) << summary;
  EXPECT_NE(summary.find("accounting                           ok"), std::string::npos) << summary;
  const auto lines = read_lines(alerts);
  EXPECT_EQ(summary_value(summary, "alerts.delivered"), static_cast<long long>(lines.size()));
  simdjson::dom::parser parser;
  for (const std::string& l : lines) {
    simdjson::dom::element d;
    ASSERT_EQ(parser.parse(l).get(d), simdjson::SUCCESS) << l;
    EXPECT_EQ(uint64_t(d["alert"]["signature_id"]), 200u) << l;
    EXPECT_EQ(std::string_view(d["alert"]["signature"]), "example host") << l;
    EXPECT_EQ(uint64_t(d["alert"]["rev"]), 2u) << l;
  }
}

}  // namespace
