// Operating the probe: options from a config file, `flowprobe check`, live statistics.
// Every test runs the real program; receivers are real (the mock Kafka broker, sockets).
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>

#include "export_support.hpp"
#include "support/run_program.hpp"

namespace fs = std::filesystem;
using namespace flowprobe::test;
using namespace std::chrono_literals;

namespace {

ProgramResult run_probe(std::vector<std::string> args) {
  args.insert(args.begin(), flowprobe_binary().string());
  return run_program(args);
}

// A small Ethernet capture from the nDPI corpus: 24 flows, TCP and UDP.
fs::path corpus_pcap() { return shared_dir() / "corpus" / "ndpi" / "pcap" / "zabbix.pcap"; }

#define REQUIRE_CORPUS_PCAP()                                                                  \
  do {                                                                                         \
    FLOWPROBE_REQUIRE_SHARED("corpus/ndpi/pcap");                                              \
    if (!fs::exists(corpus_pcap())) GTEST_SKIP() << corpus_pcap() << " is absent from ../shared"; \
  } while (0)

void write_file(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

size_t count_lines(const std::string& s) { return static_cast<size_t>(std::count(s.begin(), s.end(), '\n')); }

// The ```toml blocks of README.md, in order.
std::vector<std::string> readme_configs() {
  std::vector<std::string> out;
  std::ifstream in(source_root() / "README.md");
  std::string block;
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    if (!inside && line == "```toml") {
      inside = true;
      block.clear();
    } else if (inside && line == "```") {
      inside = false;
      out.push_back(block);
    } else if (inside) {
      block += line + "\n";
    }
  }
  return out;
}

// Replaces the value of `key = ...` lines in a config text.
std::string set_key(const std::string& config, const std::string& key, const std::string& value) {
  return std::regex_replace(config, std::regex("(^|\n)" + key + " = [^\n]*"), "$1" + key + " = " + value);
}

std::string quoted(const fs::path& p) { return "\"" + p.string() + "\""; }

}  // namespace

// ---------------------------------------------------------------- --config

TEST(Config, ReadmePcapExampleReplaysLikeTheCommandLine) {
  REQUIRE_CORPUS_PCAP();
  const fs::path d = scratch_dir("ops-config-readme");
  const auto configs = readme_configs();
  ASSERT_GE(configs.size(), 4u) << "README.md lost its config examples";
  std::string conf = configs[0];
  ASSERT_NE(conf.find("interface = "), std::string::npos) << conf;
  conf = set_key(conf, "interface", quoted(corpus_pcap()));
  conf = set_key(conf, "output", quoted(d / "from-config.json"));
  write_file(d / "flowprobe.conf", conf);
  const ProgramResult r = run_probe({"--config", (d / "flowprobe.conf").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;

  // The same run spelt on the command line.
  const std::regex tmpl("template = \"([^\"]*)\"");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(conf, m, tmpl)) << conf;
  const ProgramResult cli = run_probe({"-i", corpus_pcap().string(), "--json-labels", "-T", m[1].str(), "-o",
                                       (d / "from-cli.json").string()});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  const auto a = read_lines(d / "from-config.json");
  const auto b = read_lines(d / "from-cli.json");
  ASSERT_GT(a.size(), 0u);
  EXPECT_EQ(a, b);
  EXPECT_NE(a.front().find("\"IPV4_SRC_ADDR\""), std::string::npos) << a.front();
  EXPECT_EQ(a.front().find("\"TCP_FLAGS\""), std::string::npos) << "template from the file was not applied";
}

TEST(Config, CommandLineOverridesTheFile) {
  REQUIRE_CORPUS_PCAP();
  const fs::path d = scratch_dir("ops-config-override");
  write_file(d / "probe.conf", "interface = " + quoted(corpus_pcap()) + "\n" +
                                   "output = " + quoted(d / "file.json") + "\n"
                                   "json-labels = true\n"
                                   "template = \"%IPV4_SRC_ADDR %L4_DST_PORT\"\n");
  const ProgramResult r = run_probe({"--config", (d / "probe.conf").string(), "-T", "%IPV4_SRC_ADDR %IN_BYTES", "-o",
                                     (d / "cli.json").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(fs::exists(d / "file.json")) << "-o on the command line must replace the file's output";
  const auto lines = read_lines(d / "cli.json");
  ASSERT_GT(lines.size(), 0u);
  EXPECT_NE(lines.front().find("\"IN_BYTES\""), std::string::npos) << lines.front();
  EXPECT_EQ(lines.front().find("\"L4_DST_PORT\""), std::string::npos) << lines.front();
  // Values the command line did not give still come from the file.
  EXPECT_NE(lines.front().find("\"IPV4_SRC_ADDR\""), std::string::npos) << "json-labels from the file was lost";
}

TEST(Config, ListOptionsFromTheFile) {
  REQUIRE_CORPUS_PCAP();
  const fs::path d = scratch_dir("ops-config-lists");
  // Two syslog receivers listed in the file: both must be configured (a bad second URL
  // proves the list was read past its first element).
  write_file(d / "probe.conf", "interface = " + quoted(corpus_pcap()) + "\n" +
                                   "syslog = [\"udp://127.0.0.1:1\", \"ftp://nowhere\"]\n");
  const ProgramResult r = run_probe({"--config", (d / "probe.conf").string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("ftp://nowhere"), std::string::npos) << r.err;
}

TEST(Config, BadFilesExit2NamingTheProblem) {
  const fs::path d = scratch_dir("ops-config-bad");
  struct Case {
    std::string text;
    std::string must_mention;
  };
  const std::vector<Case> cases = {
      {"interface = \"x.pcap\"\nidel-timeout = 5\n", "idel-timeout"},
      {"interface = \"x.pcap\"\nidle-timeout = \"soon\"\n", "idle-timeout"},
      {"interface = \"x.pcap\"\ntunnel-mode = \"sideways\"\n", "tunnel-mode"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const fs::path f = d / ("bad" + std::to_string(i) + ".conf");
    write_file(f, cases[i].text);
    const ProgramResult r = run_probe({"--config", f.string()});
    EXPECT_EQ(r.exit_code, 2) << cases[i].text << r.err;
    EXPECT_NE(r.err.find(cases[i].must_mention), std::string::npos) << r.err;
    EXPECT_LE(count_lines(r.err), 2u) << r.err;
  }
  const ProgramResult missing = run_probe({"--config", (d / "missing.conf").string()});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("--config"), std::string::npos) << missing.err;
  EXPECT_NE(missing.err.find("missing.conf"), std::string::npos) << missing.err;
}
