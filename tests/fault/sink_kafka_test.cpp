// Kafka under faults: the broker (app/kafka-mock-broker, librdkafka's mock cluster as a
// process of its own) killed and restarted mid-run, and the probe itself killed with
// SIGKILL and started again on its spool. The mock keeps messages in memory only, so
// each broker process writes what it received to a dump file of its own (--dump) and
// the test reads the records back across restarts as the union of the dumps.
#include "sink_fault_support.hpp"

#include <cstdio>
#include <regex>

namespace fs = std::filesystem;
using namespace flowprobe::test;
using namespace std::chrono_literals;

namespace {

constexpr long long kFlows = 100000;

// A broker that acknowledges slowly (20 ms a round trip, one request in flight), so that
// delivering 100,000 records takes seconds and a kill lands while the probe is sending.
void start_slow_broker(Broker& b, const fs::path& dir, int n, int port) {
  start_broker(b, dir, std::to_string(n), port,
               {"--dump", (dir / ("dump-" + std::to_string(n) + ".txt")).string(), "--rtt-ms", "20"});
}

std::vector<std::string> dumps(const fs::path& dir, int brokers) {
  std::vector<std::string> all;
  for (int n = 1; n <= brokers; ++n) {
    const auto lines = read_lines(dir / ("dump-" + std::to_string(n) + ".txt"));
    all.insert(all.end(), lines.begin(), lines.end());
  }
  return all;
}

uint64_t spool_bytes(const fs::path& dir) {
  uint64_t n = 0;
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(dir, ec))
    if (e.path().extension() == ".spool") n += e.file_size(ec);
  return n;
}

}  // namespace

// Twice down and back while 100,000 records flow: every record arrives, and with the
// idempotent producer none twice.
TEST(FaultKafka, BrokerKilledAndRestartedTwiceDeliversEveryRecord) {
  const fs::path dir = scratch_dir("fault_kafka_restarts");
  fs::remove_all(dir);
  fs::create_directories(dir);
  const auto expected = reference_identities(flows_100k_pcap(), dir);
  ASSERT_EQ(static_cast<long long>(expected.size()), kFlows);

  Broker broker[3];
  start_slow_broker(broker[0], dir, 1, 0);
  const int port = broker[0].port;
  Background probe({flowprobe_binary().string(), "-i", flows_100k_pcap().string(), "--kafka",
                    broker[0].bootstrap + ";flows", "--kafka-conf", "enable.idempotence=true", "--kafka-conf",
                    "queue.buffering.max.messages=5000", "--kafka-conf", "batch.num.messages=500", "--kafka-conf",
                    "max.in.flight=1", "--kafka-conf", "reconnect.backoff.max.ms=500", "--spool-dir",
                    (dir / "spool").string(), "--drain-timeout", "180"},
                   dir / "probe.out", dir / "probe.err");
  size_t seen = 0;
  for (int n = 1; n <= 2; ++n) {
    const fs::path dump = dir / ("dump-" + std::to_string(n) + ".txt");
    ASSERT_TRUE(wait_until([&] { return read_lines(dump).size() >= 5000; }, 90s))
        << "broker " << n << " received nothing\n" << read_file(dir / "probe.err");
    EXPECT_EQ(broker[n - 1].proc.stop(SIGTERM, 60s), 0) << read_file(dir / ("broker-" + std::to_string(n) + ".err"));
    seen += read_lines(dump).size();
    EXPECT_LT(seen, static_cast<size_t>(kFlows)) << "the probe finished before kill " << n << ": nothing was tested";
    std::this_thread::sleep_for(1500ms);  // down long enough for the producer queue to fill and the spool to take over
    EXPECT_TRUE(probe.running()) << read_file(dir / "probe.err");
    start_slow_broker(broker[n], dir, n + 1, port);
  }
  EXPECT_EQ(probe.wait(240s), 0) << read_file(dir / "probe.err");
  EXPECT_EQ(broker[2].proc.stop(SIGTERM, 60s), 0);

  const std::string summary = read_file(dir / "probe.err");
  EXPECT_EQ(summary_value(summary, "records.encoded"), kFlows) << summary;
  EXPECT_EQ(summary_value(summary, "sink.delivered"), kFlows) << summary;
  EXPECT_EQ(summary_value(summary, "sink.failed"), 0);
  EXPECT_EQ(summary_value(summary, "sink.spool.kept"), 0);
  EXPECT_EQ(summary_value(summary, "lost"), 0) << summary;
  EXPECT_TRUE(accounting_ok(summary)) << summary;

  const auto got = record_identities(dumps(dir, 3));
  const std::set<std::string> unique(got.begin(), got.end());
  EXPECT_EQ(unique.size(), expected.size()) << "records lost across the restarts";
  EXPECT_TRUE(std::includes(unique.begin(), unique.end(), expected.begin(), expected.end()));
  const size_t dup = duplicates(got);
  RecordProperty("duplicates", static_cast<int>(dup));
  RecordProperty("spool_appended", static_cast<int>(summary_value(summary, "sink.spool.appended")));
  fault_row("Kafka broker killed (SIGTERM) and restarted, twice", "100,000 records, idempotent producer",
            "2 broker restarts, " + grouped(summary_value(summary, "sink.spool.appended")) + " records via the spool",
            static_cast<long long>(unique.size()), kFlows - static_cast<long long>(unique.size()), static_cast<long long>(dup));
  EXPECT_EQ(dup, 0u) << "the idempotent producer sends no record twice";
}

// SIGKILL, then a restart on the same spool: every record the spool held is sent. The
// second run is killed too, while it replays the spool, and a third finishes: frames
// are acknowledged to the spool only once the broker has them, so the kill loses none;
// what was sent but not yet acknowledged on disk is sent again, within the bound the
// README gives (4096 frames plus the producer queue).
TEST(FaultKafka, SigkillThenRestartSendsWhatTheSpoolHeld) {
  const fs::path dir = scratch_dir("fault_kafka_sigkill");
  fs::remove_all(dir);
  fs::create_directories(dir);
  const auto expected = reference_identities(flows_100k_pcap(), dir);
  const fs::path spool = dir / "spool";
  const int port = free_port();
  const std::string spec = "127.0.0.1:" + std::to_string(port) + ";flows";

  // 1: the broker is down; records go to the spool; killed while it writes them.
  {
    Background probe({flowprobe_binary().string(), "-i", flows_100k_pcap().string(), "--kafka", spec, "--kafka-conf",
                      "queue.buffering.max.messages=1000", "--spool-dir", spool.string(), "--drain-timeout", "600"},
                     dir / "probe-1.out", dir / "probe-1.err");
    ASSERT_TRUE(wait_until([&] { return spool_bytes(spool) > (12u << 20); }, 60s)) << read_file(dir / "probe-1.err");
    EXPECT_EQ(probe.stop(SIGKILL), -1);
  }

  // 2: the broker is back (slow); this run is killed while it replays the spool.
  Broker first;
  start_slow_broker(first, dir, 1, port);
  long long carried = 0;
  {
    Background probe({flowprobe_binary().string(), "-i", demo_pcap().string(), "--kafka", spec, "--kafka-conf",
                      "queue.buffering.max.messages=1000", "--kafka-conf", "batch.num.messages=200", "--kafka-conf",
                      "max.in.flight=1", "--spool-dir", spool.string(), "--drain-timeout", "600", "-v"},
                     dir / "probe-2.out", dir / "probe-2.err");
    ASSERT_TRUE(wait_until([&] { return read_lines(dir / "dump-1.txt").size() >= 10000; }, 90s))
        << read_file(dir / "probe-2.err");
    EXPECT_EQ(probe.stop(SIGKILL), -1);
    const std::string log = read_file(dir / "probe-2.err");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(log, m, std::regex(R"(kafka: (\d+) records left in the spool by an earlier run)")))
        << log;
    carried = std::stoll(m[1]);
    ASSERT_GT(carried, 10000) << log;
  }

  // 3: runs to its end and sends the rest.
  const ProgramResult last = run_flowprobe({"-i", demo_pcap().string(), "--kafka", spec, "--spool-dir", spool.string()});
  EXPECT_EQ(last.exit_code, 0) << last.err;
  EXPECT_EQ(summary_value(last.err, "sink.spool.kept"), 0) << last.err;
  EXPECT_EQ(summary_value(last.err, "lost"), 0) << last.err;
  EXPECT_TRUE(accounting_ok(last.err)) << last.err;
  EXPECT_EQ(first.proc.stop(SIGTERM, 60s), 0);

  // Every record the first run's spool held arrived; the demo's records twice (runs 2, 3).
  const auto got = record_identities(read_lines(dir / "dump-1.txt"));
  std::set<std::string> from_spool;
  size_t spool_arrivals = 0;
  for (const std::string& id : got)
    if (expected.count(id)) from_spool.insert(id), ++spool_arrivals;
  EXPECT_EQ(static_cast<long long>(from_spool.size()), carried) << "a record the spool held was lost";
  const size_t resent = spool_arrivals - from_spool.size();
  RecordProperty("carried", static_cast<int>(carried));
  RecordProperty("resent_after_sigkill", static_cast<int>(resent));
  fault_row("probe SIGKILLed twice (while spooling, while replaying the spool), restarted on its spool",
            grouped(carried) + " records in the spool", "2 SIGKILLs of the probe",
            static_cast<long long>(from_spool.size()), carried - static_cast<long long>(from_spool.size()),
            static_cast<long long>(resent));
  EXPECT_LE(resent, 4096u + 1000u) << "more sent twice than the at-least-once bound";
}
