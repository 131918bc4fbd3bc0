// The spool's disk full: a small tmpfs mounted by the test (tests run as root; skipped
// where mounting is not permitted). Records beyond what the disk takes are counted, the
// probe does not crash, and sending and spooling resume when room returns.
#include "sink_fault_support.hpp"

#include <sys/mount.h>

#include "export/spool.hpp"

namespace fs = std::filesystem;
using namespace flowprobe::test;
using namespace std::chrono_literals;

namespace {

// A tmpfs of `bytes` at `dir` for the test's life.
class SmallDisk {
 public:
  SmallDisk(const fs::path& dir, uint64_t bytes) : dir_(dir) {
    fs::create_directories(dir);
    const std::string opts = "size=" + std::to_string(bytes) + ",mode=0755";
    mounted_ = ::mount("flowprobe-fault", dir.c_str(), "tmpfs", 0, opts.c_str()) == 0;
    if (!mounted_) why_ = std::strerror(errno);
  }
  ~SmallDisk() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& why() const { return why_; }

 private:
  fs::path dir_;
  bool mounted_ = false;
  std::string why_;
};

}  // namespace

TEST(FaultSpool, AFullDiskRefusesAndCountsThenTakesRecordsWhenRoomReturns) {
  const fs::path dir = scratch_dir("fault_spool_unit");
  SmallDisk disk(dir / "disk", 256 << 10);
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here: " << disk.why();
  std::string error;
  auto spool = flowprobe::Spool::open(dir / "disk" / "spool", 1ull << 30, error);  // the disk is the bound
  ASSERT_TRUE(spool) << error;
  const std::string record(1000, 'r');
  uint64_t kept = 0, refused = 0;
  for (int i = 0; i < 400; ++i) (spool->append({}, record + std::to_string(i)) ? kept : refused) += 1;
  EXPECT_GT(kept, 100u);
  EXPECT_GT(refused, 100u);
  EXPECT_EQ(spool->counters().dropped, refused);
  EXPECT_EQ(spool->pending_records(), kept);
  // What it kept reads back whole and in order: a refused write left no half frame.
  std::string k, v;
  uint32_t n = 0;
  for (uint64_t i = 0; i < kept; ++i) {
    ASSERT_TRUE(spool->front(k, v, n)) << i;
    EXPECT_EQ(v, record + std::to_string(i));
    spool->ack(spool->pop());
  }
  EXPECT_FALSE(spool->front(k, v, n));
  // Room again: it takes records as before.
  for (int i = 0; i < 50; ++i) EXPECT_TRUE(spool->append({}, record)) << i;
  EXPECT_EQ(spool->counters().dropped, refused);
}

// The probe with the broker down and a spool disk of 4 MB while 100,000 records (about
// 40 MB) come: what the disk cannot take is counted (sink.failed, spool.dropped, the
// summary's last line, exit status 1), and when the broker returns the spool and the
// producer's queue are delivered, every one once.
TEST(FaultSpool, ProbeCountsWhatAFullSpoolDiskDropsAndSendsTheRest) {
  const fs::path dir = scratch_dir("fault_spool_probe");
  fs::remove_all(dir);
  SmallDisk disk(dir / "disk", 4 << 20);
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here: " << disk.why();
  const auto expected = reference_identities(flows_100k_pcap(), dir);
  const int port = free_port();
  Background probe({flowprobe_binary().string(), "-i", flows_100k_pcap().string(), "--kafka",
                    "127.0.0.1:" + std::to_string(port) + ";flows", "--kafka-conf", "queue.buffering.max.messages=1000",
                    "--spool-dir", (dir / "disk" / "spool").string(), "--drain-timeout", "120", "--stats-file",
                    (dir / "stats.json").string()},
                   dir / "probe.out", dir / "probe.err");
  // Every record encoded: the disk has long been full.
  ASSERT_TRUE(wait_until([&] { return read_file(dir / "stats.json").find("\"records_encoded\":100000") != std::string::npos; },
                         120s))
      << read_file(dir / "probe.err");
  EXPECT_TRUE(probe.running()) << read_file(dir / "probe.err");
  EXPECT_NE(read_file(dir / "probe.err").find("No space left on device"), std::string::npos) << read_file(dir / "probe.err");

  Broker broker;
  start_broker(broker, dir, "1", port, {"--dump", (dir / "dump.txt").string()});
  EXPECT_EQ(probe.wait(180s), 1) << "records were lost: the exit status says so\n" << read_file(dir / "probe.err");
  EXPECT_EQ(broker.proc.stop(SIGTERM, 60s), 0);

  const std::string summary = read_file(dir / "probe.err");
  const long long failed = summary_value(summary, "sink.failed");
  EXPECT_GT(failed, 0) << summary;
  EXPECT_EQ(summary_value(summary, "sink.spool.dropped"), failed) << summary;
  EXPECT_EQ(summary_value(summary, "sink.delivered") + failed, 100000) << summary;
  EXPECT_EQ(summary_value(summary, "sink.spool.kept"), 0) << summary;
  EXPECT_GT(summary_value(summary, "sink.spool.replayed"), 0) << "the spool was sent when the broker returned";
  EXPECT_EQ(summary_value(summary, "lost"), failed) << summary;
  EXPECT_NE(last_line(summary).find("flows: " + std::to_string(failed) + " not delivered"), std::string::npos) << summary;
  EXPECT_TRUE(accounting_ok(summary)) << summary;

  const auto got = record_identities(read_lines(dir / "dump.txt"));
  EXPECT_EQ(static_cast<long long>(got.size()), summary_value(summary, "sink.delivered"));
  EXPECT_EQ(duplicates(got), 0u);
  for (const std::string& id : got) EXPECT_EQ(expected.count(id), 1u) << "not a record of the capture: " << id;
  fault_row("spool disk full (4 MB tmpfs), Kafka broker down, then back", "100,000 records (about 40 MB)",
            "ENOSPC on the spool", summary_value(summary, "sink.delivered"), failed, static_cast<long long>(duplicates(got)),
            "all counted (`spool.dropped`, `lost`, exit 1): what the disk could not hold");
  // What a full disk drops is counted, not hidden: here it is the expected loss.
}
