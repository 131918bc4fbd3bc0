// No secret leaves the probe: every librdkafka property that carries one and the syslog
// TLS client key are given to a real run (with --log-file, --stats-listen, --stats-file
// and -vv, librdkafka's own configuration dump on), then to check and support-bundle;
// every byte the probe wrote or said (stdout, stderr, the log file, the stats file, the
// endpoint's /metrics and /stats.json, /proc/PID/cmdline, each file of the bundle) is
// searched for each secret value.
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>

#include "export_support.hpp"
#include "support/run_program.hpp"

namespace fs = std::filesystem;
using namespace flowprobe::test;
using namespace std::chrono_literals;

namespace {

fs::path corpus_pcap() { return shared_dir() / "corpus" / "ndpi" / "pcap" / "zabbix.pcap"; }

ProgramResult http_get(int port, const std::string& path) {
  return run_program({"/usr/bin/env", "curl", "-sS", "--max-time", "5", "http://127.0.0.1:" + std::to_string(port) + path});
}

// The probe's own description of its port (the --stats-listen 0 choice), from its log.
int listening_port(const std::string& log) {
  const auto p = log.find("statistics on http://127.0.0.1:");
  return p == std::string::npos ? -1 : std::atoi(log.c_str() + p + 31);
}

// One property per kind of secret librdkafka takes (CONFIGURATION.md), each value unique.
struct Secret {
  std::string property, value;
};
const std::vector<Secret>& kafka_secrets() {
  static const std::vector<Secret> s = {
      {"sasl.password", "SaslPass-4b7e2c"},
      {"sasl.oauthbearer.config", "principal=admin scope=OauthCfg-91ab"},
      {"sasl.kerberos.keytab", "/etc/security/Keytab-77aa.keytab"},
      {"ssl.key.location", "/etc/ssl/private/KeyLoc-5e6f.pem"},
      {"ssl.key.password", "KeyPass-55c1"},
      {"ssl.keystore.location", "/etc/ssl/private/Store-0c9f.p12"},
      {"ssl.keystore.password", "StorePass-8e21"},
  };
  return s;
}

}  // namespace

TEST(Secrets, NoSecretReachesALogTheStatsOrTheBundle) {
  FLOWPROBE_REQUIRE_SHARED("corpus/ndpi/pcap");
  if (run_program({"/bin/sh", "-c", "command -v openssl && command -v curl"}).exit_code != 0)
    GTEST_SKIP() << "openssl or curl is not installed (scripts/setup installs them)";
  const fs::path d = scratch_dir("secrets");
  // A client certificate and key for the TLS syslog sender, as an operator would make them.
  const ProgramResult gen = run_program({"/usr/bin/env", "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                                         "-keyout", (d / "client.key").string(), "-out", (d / "client.crt").string(),
                                         "-subj", "/CN=flowprobe-test", "-days", "2"});
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  std::vector<std::string> secrets;
  for (const Secret& s : kafka_secrets()) secrets.push_back(s.value);
  secrets.push_back((d / "client.key").string());  // the key's path...
  const std::vector<std::string> key_lines = read_lines(d / "client.key");
  ASSERT_GT(key_lines.size(), 4u);
  for (std::size_t i = 1; i + 1 < key_lines.size(); i += 5) secrets.push_back(key_lines[i]);  // ...and its contents

  // The options, given to the run on its command line and to check and support-bundle
  // in a config file. A flag's value is "true".
  const std::vector<std::pair<std::string, std::string>> opts = [&] {
    std::vector<std::pair<std::string, std::string>> o = {
        {"kafka", "127.0.0.1:" + std::to_string(free_port()) + ";flows"},
        {"kafka-conf", "security.protocol=sasl_plaintext"},
        {"kafka-conf", "sasl.mechanism=PLAIN"},
        {"kafka-conf", "sasl.username=probe"},
        {"kafka-conf", "debug=conf"}};
    for (const Secret& s : kafka_secrets()) o.emplace_back("kafka-conf", s.property + "=" + s.value);
    o.insert(o.end(), {{"syslog", "tls://127.0.0.1:" + std::to_string(free_port())},
                       {"syslog-tls-no-verify", "true"},
                       {"syslog-tls-cert", (d / "client.crt").string()},
                       {"syslog-tls-key", (d / "client.key").string()},
                       {"spool-dir", (d / "spool").string()},
                       {"log-file", (d / "probe.log").string()},
                       {"stats-file", (d / "stats.json").string()},
                       {"drain-timeout", "1"}});
    return o;
  }();

  std::vector<std::string> argv = {flowprobe_binary().string(), "-i", corpus_pcap().string(), "--replay-loop",
                                   "--max-packets", "2000000000", "-vv", "--stats-listen", "0"};
  for (const auto& [key, value] : opts) {
    argv.push_back("--" + key);
    if (value != "true") argv.push_back(value);
  }
  Background probe(argv, d / "probe.out", d / "probe.err");
  ASSERT_TRUE(wait_until([&] { return !probe.running() || (fs::exists(d / "stats.json") && listening_port(read_file(d / "probe.log")) > 0); }, 60s));
  ASSERT_TRUE(probe.running())
      << read_file(d / "probe.err");
  const std::string cmdline = read_file("/proc/" + std::to_string(probe.pid()) + "/cmdline");
  const int port = listening_port(read_file(d / "probe.log"));
  const ProgramResult metrics = http_get(port, "/metrics");
  const ProgramResult stats = http_get(port, "/stats.json");
  ASSERT_NE(metrics.out.find("flowprobe_uptime_seconds"), std::string::npos) << metrics.out << metrics.err;
  ASSERT_NE(stats.out.find("\"sinks\""), std::string::npos) << stats.out;
  probe.stop(SIGTERM, 60s);

  // check and support-bundle, from a config file that holds the same secrets.
  std::string conf = "interface = \"" + corpus_pcap().string() + "\"\nkafka-conf = [";
  for (const auto& [key, value] : opts)
    if (key == "kafka-conf") conf += "\"" + value + "\", ";
  conf += "]\n";
  for (const auto& [key, value] : opts)
    if (key != "kafka-conf") conf += key + " = " + (value == "true" ? value : "\"" + value + "\"") + "\n";
  std::ofstream(d / "probe.conf") << conf;
  const ProgramResult check =
      run_program({flowprobe_binary().string(), "check", "--config", (d / "probe.conf").string(), "--timeout", "0.5"});
  const ProgramResult bundle = run_program({flowprobe_binary().string(), "support-bundle", (d / "bundle.tar.gz").string(),
                                            "--config", (d / "probe.conf").string(), "--timeout", "0.5"});
  ASSERT_EQ(bundle.exit_code, 0) << bundle.err;
  const std::string bundled = run_program({"/usr/bin/env", "tar", "-xzOf", (d / "bundle.tar.gz").string()}).out;
  // The bundle names every secret setting (support needs to see they are set), masked.
  for (const Secret& s : kafka_secrets())
    EXPECT_NE(bundled.find(s.property + "=****"), std::string::npos) << s.property << " missing from the bundle";
  EXPECT_NE(bundled.find("syslog-tls-key=\"****\""), std::string::npos) << bundled.substr(0, 3000);
  // The run did use them: librdkafka dumped its configuration, the TLS sender loaded the key.
  const std::string log = read_file(d / "probe.log");
  EXPECT_NE(log.find("sasl.username"), std::string::npos) << "librdkafka's configuration dump (debug=conf) is missing";

  const std::array<std::pair<const char*, std::string>, 10> places = {{
      {"stdout", read_file(d / "probe.out")},
      {"stderr", read_file(d / "probe.err")},
      {"--log-file", log},
      {"--stats-file", read_file(d / "stats.json")},
      {"/metrics", metrics.out},
      {"/stats.json", stats.out},
      {"/proc/PID/cmdline", cmdline},
      {"check", check.out + check.err},
      {"support-bundle", bundle.out + bundle.err},
      {"the bundle", bundled},
  }};
  for (const auto& [where, text] : places) {
    // Records go to Kafka and syslog only: stdout may well be empty.
    if (std::string_view(where) != "stdout") EXPECT_FALSE(text.empty()) << where << " is empty: nothing was searched";
    for (const std::string& secret : secrets)
      EXPECT_EQ(text.find(secret), std::string::npos) << "'" << secret << "' leaked into " << where;
  }
}

// A key that does not match the certificate stops the start (exit 2) naming the option,
// and says nothing of the key.
TEST(Secrets, MismatchedTlsKeyIsRefusedWithoutShowingIt) {
  FLOWPROBE_REQUIRE_SHARED("corpus/ndpi/pcap");
  if (run_program({"/bin/sh", "-c", "command -v openssl"}).exit_code != 0) GTEST_SKIP() << "openssl is not installed";
  const fs::path d = scratch_dir("secrets-mismatch");
  for (const char* name : {"a", "b"})
    ASSERT_EQ(run_program({"/usr/bin/env", "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                           (d / (std::string(name) + ".key")).string(), "-out", (d / (std::string(name) + ".crt")).string(),
                           "-subj", "/CN=flowprobe-test", "-days", "2"})
                  .exit_code,
              0);
  const ProgramResult r = run_program({flowprobe_binary().string(), "-i", corpus_pcap().string(), "-o", "/dev/null",
                                       "--syslog", "tls://127.0.0.1:" + std::to_string(free_port()), "--syslog-tls-cert",
                                       (d / "a.crt").string(), "--syslog-tls-key", (d / "b.key").string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--syslog-tls-key: the private key does not match --syslog-tls-cert"), std::string::npos) << r.err;
  const std::vector<std::string> key = read_lines(d / "b.key");
  ASSERT_GT(key.size(), 2u);
  EXPECT_EQ(r.err.find(key[1]), std::string::npos);
  EXPECT_EQ(r.err.find((d / "b.key").string()), std::string::npos) << r.err;
  const ProgramResult alone = run_program({flowprobe_binary().string(), "-i", corpus_pcap().string(), "--syslog-tls-key",
                                           (d / "b.key").string()});
  EXPECT_EQ(alone.exit_code, 2);
  EXPECT_NE(alone.err.find("--syslog-tls-key needs a tls:// --syslog receiver"), std::string::npos) << alone.err;
}
