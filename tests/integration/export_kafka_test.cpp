// Kafka export against a real Kafka-protocol broker on loopback (librdkafka's mock
// cluster, run as its own process by app/kafka-mock-broker), read back by a real
// consumer (kcat) or by the broker's own dump consumer, and parsed with simdjson.
#include <gtest/gtest.h>

#include <fstream>
#include <simdjson.h>

#include <algorithm>
#include <map>
#include <set>

#include "export_support.hpp"
#include "support/run_program.hpp"

namespace fs = std::filesystem;
using namespace flowprobe::test;
using namespace std::chrono_literals;

namespace {

bool have_kcat() { return run_program({"/bin/sh", "-c", "command -v kcat"}).exit_code == 0; }

fs::path capture(const std::string& name, const std::vector<std::string>& args) {
  const fs::path f = scratch_dir("export_kafka_captures") / name;
  if (!fs::exists(f)) {
    std::vector<std::string> argv{pcapgen_binary().string(), "-q", "-o", f.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    const ProgramResult r = run_program(argv);
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
  return f;
}
fs::path demo_capture() { return capture("demo.pcap", {"--scenario", "demo"}); }


// Parses each message: an object, or (legacy batching) an array of objects.
std::multiset<std::string> identities(const std::vector<std::string>& messages, size_t* arrays = nullptr) {
  simdjson::dom::parser parser;
  std::multiset<std::string> out;
  for (const std::string& m : messages) {
    simdjson::dom::element doc;
    const auto err = parser.parse(m).get(doc);
    EXPECT_FALSE(err) << "not JSON: " << m.substr(0, 200);
    if (err) continue;
    if (doc.is_array()) {
      if (arrays) ++*arrays;
      for (simdjson::dom::element e : doc.get_array()) out.insert(identity(e.get_object()));
    } else {
      out.insert(identity(doc.get_object()));
    }
  }
  return out;
}

std::vector<std::string> consume_all(const std::string& bootstrap, const std::string& topic = "flows") {
  const ProgramResult r =
      run_program({"/usr/bin/env", "kcat", "-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-q"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> lines;
  std::istringstream in(r.out);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) lines.push_back(l);
  return lines;
}

ProgramResult run_flowprobe(std::vector<std::string> args) {
  args.insert(args.begin(), flowprobe_binary().string());
  return run_program(args);
}

std::vector<std::string> reference_records(const fs::path& pcap, const fs::path& dir) {
  const fs::path ref = dir / "reference.json";
  const ProgramResult r = run_flowprobe({"-i", pcap.string(), "-o", ref.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return read_lines(ref);
}

}  // namespace

TEST(ExportKafka, EveryFlowOfACaptureArrivesExactlyOnce) {
  if (!have_kcat()) GTEST_SKIP() << "kcat is not installed (scripts/setup installs it)";
  const fs::path dir = scratch_dir("export_kafka_once");
  const auto expected = identities(reference_records(demo_capture(), dir));
  ASSERT_GT(expected.size(), 10u);

  Broker broker;
  start_broker(broker, dir, "1", 0);
  const ProgramResult r = run_flowprobe({"-i", demo_capture().string(), "--kafka", broker.bootstrap + ";flows",
                                     "--kafka-key", "flow", "--spool-dir", (dir / "spool").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(summary_value(r.err, "sink.delivered"), static_cast<long long>(expected.size()));
  EXPECT_EQ(summary_value(r.err, "sink.failed"), 0);
  EXPECT_NE(r.err.find("accounting                           ok"), std::string::npos) << r.err;

  const auto got = identities(consume_all(broker.bootstrap));
  EXPECT_EQ(got.size(), expected.size());
  EXPECT_TRUE(got == expected) << "records differ from the -o reference";
  std::set<std::string> unique(got.begin(), got.end());
  EXPECT_EQ(unique.size(), got.size()) << "a record arrived twice";
}

// Signature alerts on a topic of their own, beside the flows: every alert the probe
// counted arrives once, as an eve alert, and no alert lands among the flows.
TEST(ExportKafka, AlertsGoToTheirOwnTopic) {
  if (!have_kcat()) GTEST_SKIP() << "kcat is not installed";
  const fs::path dir = scratch_dir("export_kafka_alerts");
  std::ofstream(dir / "demo.rules") << "alert http any any -> any any (msg:\"demo host\"; http.host; content:\"example\"; sid:7001;)\n"
                                    << "alert dns any any -> any any (msg:\"demo query\"; dns.query; content:\"example\"; sid:7002;)\n";
  Broker broker;
  start_broker(broker, dir, "1", 0, {"--topic", "alerts:1"});
  const ProgramResult r = run_flowprobe({"-i", demo_capture().string(), "--kafka", broker.bootstrap + ";flows", "--rules",
                                         (dir / "demo.rules").string(), "--alerts-kafka-topic", "alerts"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("accounting                           ok"), std::string::npos) << r.err;
  const long long raised = summary_value(r.err, "alerts.raised");
  ASSERT_GT(raised, 0) << r.err;
  EXPECT_EQ(summary_value(r.err, "alerts.delivered"), raised) << r.err;

  const auto alerts = consume_all(broker.bootstrap, "alerts");
  EXPECT_EQ(static_cast<long long>(alerts.size()), raised);
  simdjson::dom::parser parser;
  std::set<uint64_t> sids;
  for (const std::string& m : alerts) {
    simdjson::dom::element d;
    ASSERT_EQ(parser.parse(m).get(d), simdjson::SUCCESS) << m;
    EXPECT_EQ(std::string_view(d["event_type"]), "alert") << m;
    sids.insert(uint64_t(d["alert"]["signature_id"]));
  }
  EXPECT_EQ(sids, (std::set<uint64_t>{7001, 7002}));
  for (const std::string& m : consume_all(broker.bootstrap, "flows"))
    EXPECT_EQ(m.find("\"event_type\""), std::string::npos) << "an alert among the flows: " << m;
}

// Transactions on a topic of their own: the eve records a run writes with
// --transactions-output arrive on the topic, each once, and none among the flows.
TEST(ExportKafka, TransactionsGoToTheirOwnTopic) {
  if (!have_kcat()) GTEST_SKIP() << "kcat is not installed";
  const fs::path dir = scratch_dir("export_kafka_transactions");
  const fs::path ref = dir / "tx.json";
  const ProgramResult rr = run_flowprobe({"-i", demo_capture().string(), "-o", (dir / "flows.json").string(),
                                          "--transactions-output", ref.string()});
  ASSERT_EQ(rr.exit_code, 0) << rr.err;
  const std::vector<std::string> expected_lines = read_lines(ref);
  ASSERT_GT(expected_lines.size(), 5u) << "the demo capture has HTTP and DNS transactions";

  Broker broker;
  start_broker(broker, dir, "1", 0, {"--topic", "tx:1"});
  const ProgramResult r = run_flowprobe({"-i", demo_capture().string(), "--kafka", broker.bootstrap + ";flows",
                                         "--transactions-kafka-topic", "tx", "--spool-dir", (dir / "spool").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("accounting                           ok"), std::string::npos) << r.err;
  EXPECT_EQ(summary_value(r.err, "transactions.delivered"), static_cast<long long>(expected_lines.size())) << r.err;

  const std::vector<std::string> got_lines = consume_all(broker.bootstrap, "tx");
  const std::multiset<std::string> expected(expected_lines.begin(), expected_lines.end());
  const std::multiset<std::string> got(got_lines.begin(), got_lines.end());
  EXPECT_EQ(got.size(), expected.size());
  EXPECT_TRUE(got == expected) << "the topic's transactions differ from --transactions-output's";
  std::set<std::string> types;
  simdjson::dom::parser parser;
  for (const std::string& m : got_lines) {
    simdjson::dom::element d;
    ASSERT_EQ(parser.parse(m).get(d), simdjson::SUCCESS) << m;
    types.insert(std::string(std::string_view(d["event_type"])));
  }
  EXPECT_TRUE(types.count("http") && types.count("dns")) << "event types seen: " << types.size();
  for (const std::string& m : consume_all(broker.bootstrap, "flows"))
    EXPECT_EQ(m.find("\"event_type\""), std::string::npos) << "a transaction among the flows: " << m;
}

TEST(ExportKafka, FlowKeyKeepsAFlowOnOnePartition) {
  if (!have_kcat()) GTEST_SKIP() << "kcat is not installed";
  const fs::path dir = scratch_dir("export_kafka_key");
  Broker broker;
  start_broker(broker, dir, "1", 0);
  const ProgramResult r = run_flowprobe({"-i", demo_capture().string(), "--kafka", broker.bootstrap + ";flows;none;1;lz4",
                                     "--kafka-key", "flow"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const ProgramResult c = run_program({"/usr/bin/env", "kcat", "-C", "-b", broker.bootstrap, "-t", "flows", "-o",
                                       "beginning", "-e", "-q", "-f", "%p %k\n"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  std::map<std::string, std::set<std::string>> partitions_of_key;
  std::istringstream in(c.out);
  size_t n = 0;
  for (std::string p, k; in >> p >> k; ++n) partitions_of_key[k].insert(p);
  EXPECT_EQ(static_cast<long long>(n), summary_value(r.err, "sink.delivered"));
  size_t split_flows = 0;
  for (const auto& [key, parts] : partitions_of_key) {
    EXPECT_EQ(parts.size(), 1u) << key;
    EXPECT_EQ(std::count(key.begin(), key.end(), '|'), 5) << key;  // proto|ip|port|ip|port|vlan
    split_flows += parts.size();
  }
  EXPECT_LT(partitions_of_key.size(), n) << "the demo has flows with several records (lifetime/idle splits)";
}

TEST(ExportKafka, LegacyArrayBatching) {
  if (!have_kcat()) GTEST_SKIP() << "kcat is not installed";
  const fs::path dir = scratch_dir("export_kafka_array");
  const auto expected = identities(reference_records(demo_capture(), dir));
  Broker broker;
  start_broker(broker, dir, "1", 0);
  const ProgramResult r =
      run_flowprobe({"-i", demo_capture().string(), "--kafka", broker.bootstrap + ";flows", "--kafka-batch", "5"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  size_t arrays = 0;
  const auto messages = consume_all(broker.bootstrap);
  const auto got = identities(messages, &arrays);
  EXPECT_EQ(arrays, messages.size());
  EXPECT_EQ(messages.size(), (expected.size() + 4) / 5);
  EXPECT_TRUE(got == expected);
}

TEST(ExportKafka, BrokerDownAtStartIsAWarningAndTheNextRunSendsTheSpool) {
  if (!have_kcat()) GTEST_SKIP() << "kcat is not installed";
  const fs::path dir = scratch_dir("export_kafka_down");
  const auto expected = identities(reference_records(demo_capture(), dir));
  const int port = free_port();
  const std::string spec = "127.0.0.1:" + std::to_string(port) + ";flows";
  const ProgramResult down = run_flowprobe({"-i", demo_capture().string(), "--kafka", spec, "--spool-dir",
                                        (dir / "spool").string(), "--drain-timeout", "1"});
  ASSERT_EQ(down.exit_code, 0) << down.err;
  EXPECT_NE(down.err.find("warning: kafka: all brokers down"), std::string::npos) << down.err;
  EXPECT_EQ(summary_value(down.err, "sink.delivered"), 0);
  EXPECT_EQ(summary_value(down.err, "sink.spool.kept"), static_cast<long long>(expected.size()));
  EXPECT_NE(down.err.find("accounting                           ok"), std::string::npos) << down.err;

  Broker broker;
  start_broker(broker, dir, "1", port);
  const ProgramResult up = run_flowprobe(
      {"-i", demo_capture().string(), "--kafka", spec, "--spool-dir", (dir / "spool").string()});
  ASSERT_EQ(up.exit_code, 0) << up.err;
  EXPECT_EQ(summary_value(up.err, "sink.spool.carried_in"), static_cast<long long>(expected.size()));
  EXPECT_EQ(summary_value(up.err, "sink.delivered"), static_cast<long long>(2 * expected.size()));
  EXPECT_EQ(summary_value(up.err, "sink.spool.kept"), 0);
  EXPECT_NE(up.err.find("accounting                           ok"), std::string::npos) << up.err;
  // Both runs' records, in order: the first run's (from the spool), then the second's.
  const auto got = identities(consume_all(broker.bootstrap));
  EXPECT_EQ(got.size(), 2 * expected.size());
  for (const std::string& id : expected) EXPECT_EQ(got.count(id), 2u);
}

TEST(ExportKafka, BrokerKilledMidRunAndRestartedLosesNothing) {
  const fs::path dir = scratch_dir("export_kafka_kill");
  constexpr long long kFlows = 100000;
  const fs::path pcap = capture("bench-100k.pcap", {"--scenario", "bench-64b", "--flows", "100k", "--packets", "200k"});

  // A slow broker (round trips of 20 ms, one request in flight) stretches delivery over
  // a few seconds, so the kill lands while the probe is sending.
  Broker first;
  start_broker(first, dir, "1", 0, {"--dump", (dir / "dump-1.txt").string(), "--rtt-ms", "20"});
  const fs::path out = dir / "flowprobe.out", err = dir / "flowprobe.err";
  Background probe({flowprobe_binary().string(), "-i", pcap.string(), "--kafka", first.bootstrap + ";flows",
                    "--kafka-conf", "queue.buffering.max.messages=5000", "--kafka-conf", "batch.num.messages=500",
                    "--kafka-conf", "max.in.flight=1", "--kafka-conf", "reconnect.backoff.max.ms=500",
                    "--spool-dir", (dir / "spool").string(), "--drain-timeout", "120"},
                   out, err);
  ASSERT_TRUE(wait_until([&] { return read_lines(dir / "dump-1.txt").size() >= 5000; }, 60s))
      << "the broker never received records\n" << read_file(err);
  EXPECT_EQ(first.proc.stop(SIGTERM, 30s), 0) << read_file(dir / "broker-1.err");
  const size_t before_kill = read_lines(dir / "dump-1.txt").size();
  EXPECT_LT(before_kill, static_cast<size_t>(kFlows)) << "the probe finished before the kill: nothing was tested";
  std::this_thread::sleep_for(1500ms);  // down long enough for the producer queue to fill
  EXPECT_TRUE(probe.running()) << read_file(err);

  Broker second;
  start_broker(second, dir, "2", first.port, {"--dump", (dir / "dump-2.txt").string(), "--rtt-ms", "20"});
  EXPECT_EQ(probe.wait(180s), 0) << read_file(err);
  EXPECT_EQ(second.proc.stop(SIGTERM, 30s), 0);

  const std::string summary = read_file(err);
  EXPECT_EQ(summary_value(summary, "records.encoded"), kFlows) << summary;
  EXPECT_EQ(summary_value(summary, "sink.delivered"), kFlows) << summary;
  EXPECT_EQ(summary_value(summary, "sink.failed"), 0);
  EXPECT_GT(summary_value(summary, "sink.spool.appended"), 0) << "the spool was not used";
  EXPECT_EQ(summary_value(summary, "sink.spool.replayed"), summary_value(summary, "sink.spool.appended"));
  EXPECT_EQ(summary_value(summary, "sink.spool.kept"), 0);
  EXPECT_EQ(summary_value(summary, "sink.spool.dropped"), 0);
  EXPECT_NE(summary.find("accounting                           ok"), std::string::npos) << summary;

  std::vector<std::string> all = read_lines(dir / "dump-1.txt");
  const std::vector<std::string> after = read_lines(dir / "dump-2.txt");
  all.insert(all.end(), after.begin(), after.end());
  const auto got = identities(all);
  const std::set<std::string> unique(got.begin(), got.end());
  EXPECT_EQ(unique.size(), static_cast<size_t>(kFlows)) << "flows lost across the broker restart";
  // At-least-once: a batch the broker appended but could not acknowledge before it went
  // away is sent again. Report it; it must stay small.
  const size_t duplicates = got.size() - unique.size();
  RecordProperty("duplicates", static_cast<int>(duplicates));
  EXPECT_LE(duplicates, 5000u);
}

TEST(ExportKafka, BadConfigurationExits2NamingTheOption) {
  struct Case {
    std::vector<std::string> args;
    std::string needle;
  };
  const fs::path dir = scratch_dir("export_kafka_bad");
  const fs::path file = dir / "a-file";
  std::ofstream(file) << "x";
  const std::vector<Case> cases = {
      {{"--kafka", "localhost:9092"}, "--kafka 'localhost:9092': no topic"},
      {{"--kafka", "localhost:99999;flows"}, "bad port"},
      {{"--kafka", "localhost;fl ows"}, "bad topic"},
      {{"--kafka", "localhost;flows;none;7"}, "bad ack"},
      {{"--kafka", "localhost;flows;none;1;brotli"}, "bad compression"},
      {{"--kafka", "localhost;flows", "--kafka-conf", "no.such.property=1"}, "--kafka-conf 'no.such.property=1'"},
      {{"--kafka", "localhost;flows", "--kafka-conf", "linger.ms=banana"}, "--kafka-conf 'linger.ms=banana'"},
      {{"--kafka", "localhost;flows", "--kafka-conf", "novalue"}, "expected <property>=<value>"},
      {{"--kafka-conf", "linger.ms=5"}, "--kafka-conf: given without --kafka"},
      {{"--kafka", "localhost;flows", "--spool-dir", (file / "sub").string()}, "--spool-dir"},
      {{"--kafka", "localhost;flows", "--spool-max-bytes", "lots"}, "--spool-max-bytes"},
      {{"--kafka-key", "banana", "--kafka", "localhost;flows"}, "--kafka-key"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args{"-i", demo_capture().string()};
    args.insert(args.end(), c.args.begin(), c.args.end());
    const ProgramResult r = run_flowprobe(args);
    EXPECT_EQ(r.exit_code, 2) << c.needle << "\n" << r.err;
    EXPECT_NE(r.err.find(c.needle), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), c.needle == "--kafka-key" ? 2 : 1) << r.err;
  }
}

// The default configuration loses nothing: with the broker down and no --spool-dir, the
// records wait in the state directory's spool (said at start) and the next run sends
// them. Where that directory cannot be written, the spool goes beside the output; with
// --spool-dir none the loss is counted, the summary's last line says how much, and the
// exit status is 1.
TEST(ExportKafka, BrokerDownWithoutSpoolDirLosesNothingByDefault) {
  if (!have_kcat()) GTEST_SKIP() << "kcat is not installed";
  const fs::path dir = scratch_dir("export_kafka_default_spool");
  fs::remove_all(dir);
  fs::create_directories(dir);
  const auto expected = identities(reference_records(demo_capture(), dir));
  const long long n = static_cast<long long>(expected.size());
  const int port = free_port();
  const std::string spec = "127.0.0.1:" + std::to_string(port) + ";flows";
  const std::string state = (dir / "state").string();
  const auto last_line = [](const std::string& text) {
    const auto end = text.find_last_not_of('\n');
    return text.substr(text.rfind('\n', end) + 1, end - text.rfind('\n', end));
  };

  ::setenv("STATE_DIRECTORY", state.c_str(), 1);
  const ProgramResult down = run_flowprobe({"-i", demo_capture().string(), "--kafka", spec, "--drain-timeout", "1"});
  EXPECT_EQ(down.exit_code, 0) << down.err;
  EXPECT_NE(down.err.find("spool: records a Kafka broker or syslog receiver cannot take now wait in " + state + "/spool"),
            std::string::npos) << down.err;
  EXPECT_EQ(summary_value(down.err, "sink.failed"), 0) << down.err;
  EXPECT_EQ(summary_value(down.err, "sink.spool.kept"), n) << down.err;
  EXPECT_EQ(last_line(down.err).find("  lost"), 0u) << down.err;
  EXPECT_EQ(summary_value(down.err, "lost"), 0) << down.err;

  // The state directory cannot be written (it is a file): the spool goes beside -o.
  ::setenv("STATE_DIRECTORY", (dir / "reference.json").c_str(), 1);
  const ProgramResult beside = run_flowprobe({"-i", demo_capture().string(), "--kafka", spec, "--drain-timeout", "1",
                                              "-o", (dir / "out" / "flows.json").string()});
  EXPECT_EQ(beside.exit_code, 0) << beside.err;
  EXPECT_NE(beside.err.find("wait in " + (dir / "out" / "flowprobe-spool").string()), std::string::npos) << beside.err;
  EXPECT_EQ(summary_value(beside.err, "sink.sink1.spool.kept"), n) << beside.err;  // sink0 is the -o file

  // No spool by request: the loss is counted, said last, and fails the run.
  const ProgramResult none = run_flowprobe({"-i", demo_capture().string(), "--kafka", spec, "--drain-timeout", "1",
                                            "--spool-dir", "none"});
  EXPECT_EQ(none.exit_code, 1) << none.err;
  EXPECT_EQ(summary_value(none.err, "sink.failed"), n) << none.err;
  EXPECT_EQ(summary_value(none.err, "lost"), n) << none.err;
  EXPECT_NE(last_line(none.err).find("flows: " + std::to_string(n) + " not delivered"), std::string::npos) << none.err;
  EXPECT_NE(none.err.find("accounting                           ok"), std::string::npos) << none.err;

  // The broker is back: the next run with the default sends what the first one kept.
  ::setenv("STATE_DIRECTORY", state.c_str(), 1);
  Broker broker;
  start_broker(broker, dir, "1", port);
  const ProgramResult up = run_flowprobe({"-i", demo_capture().string(), "--kafka", spec});
  ::setenv("STATE_DIRECTORY", (build_root() / "test-state").c_str(), 1);
  EXPECT_EQ(up.exit_code, 0) << up.err;
  EXPECT_EQ(summary_value(up.err, "sink.spool.carried_in"), n) << up.err;
  EXPECT_EQ(summary_value(up.err, "sink.delivered"), 2 * n) << up.err;
  const auto got = identities(consume_all(broker.bootstrap));
  EXPECT_EQ(static_cast<long long>(got.size()), 2 * n);
  for (const std::string& id : expected) EXPECT_EQ(got.count(id), 2u);
}
