// The on-disk spool: order, bound, persistence across runs, damaged tails.
#include <gtest/gtest.h>

#include <fstream>
#include <vector>

#include "export/spool.hpp"
#include "support/run_program.hpp"

namespace fs = std::filesystem;
using flowprobe::Spool;

namespace {
// Built with += : GCC 12 warns falsely (-Wrestrict) on "literal" + std::string.
std::string text(const char* prefix, int i, const char* suffix = "") {
  std::string s = prefix;
  s += std::to_string(i);
  s += suffix;
  return s;
}

fs::path fresh(const std::string& name) {
  const fs::path d = flowprobe::test::scratch_dir("export_spool_" + name);
  fs::remove_all(d);
  return d;
}
}  // namespace

TEST(Spool, KeepsOrderAndGivesTheDiskBackWhenEmpty) {
  const fs::path dir = fresh("order");
  std::string error;
  auto s = Spool::open(dir, 1 << 20, error);
  ASSERT_TRUE(s) << error;
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(s->append(text("k", i), text("{\"n\":", i, "}")));
  EXPECT_EQ(s->pending_records(), 1000u);
  std::string k, v;
  uint32_t n = 0;
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(s->front(k, v, n));
    EXPECT_EQ(k, text("k", i));
    EXPECT_EQ(v, text("{\"n\":", i, "}"));
    EXPECT_EQ(n, 1u);
    if (i % 7 == 0) {
      ASSERT_TRUE(s->front(k, v, n));  // front twice without pop: same frame
    }
    EXPECT_EQ(k, text("k", i));
    s->ack(s->pop());
  }
  EXPECT_TRUE(s->empty());
  EXPECT_FALSE(s->front(k, v, n));
  EXPECT_EQ(s->counters().appended, 1000u);
  EXPECT_EQ(s->counters().replayed, 1000u);
  uint64_t bytes = 0;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".spool") bytes += fs::file_size(e.path());
  EXPECT_EQ(bytes, 0u);
}

TEST(Spool, RefusesPastItsBoundAndCountsIt) {
  const fs::path dir = fresh("bound");
  std::string error;
  auto s = Spool::open(dir, 4096, error);
  ASSERT_TRUE(s) << error;
  const std::string value(100, 'x');
  int accepted = 0;
  for (int i = 0; i < 100; ++i) accepted += s->append({}, value, 2) ? 1 : 0;
  EXPECT_EQ(accepted, 4096 / 112);
  EXPECT_EQ(s->counters().dropped, static_cast<uint64_t>(2 * (100 - accepted)));
  EXPECT_LE(s->pending_bytes(), 4096u);
  EXPECT_EQ(s->pending_records(), static_cast<uint64_t>(2 * accepted));
}

TEST(Spool, SurvivesARestartAndSkipsADamagedTail) {
  const fs::path dir = fresh("restart");
  std::string error;
  {
    auto s = Spool::open(dir, 1 << 20, error);
    ASSERT_TRUE(s) << error;
    for (int i = 0; i < 10; ++i) s->append({}, text("r", i));
    std::string k, v;
    uint32_t n;
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(s->front(k, v, n));
      s->ack(s->pop());
    }
  }
  // A crash in the middle of a write leaves half a frame.
  fs::path seg;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".spool") seg = e.path();
  ASSERT_FALSE(seg.empty());
  std::ofstream(seg, std::ios::app | std::ios::binary).write("\x05\x00\x00", 3);

  auto s = Spool::open(dir, 1 << 20, error);
  ASSERT_TRUE(s) << error;
  EXPECT_EQ(s->counters().carried_in, 7u);
  EXPECT_EQ(s->counters().corrupt_bytes, 3u);
  s->append({}, "new");
  std::string k, v;
  uint32_t n;
  for (int i = 3; i < 10; ++i) {
    ASSERT_TRUE(s->front(k, v, n));
    EXPECT_EQ(v, text("r", i));
    s->ack(s->pop());
  }
  ASSERT_TRUE(s->front(k, v, n));
  EXPECT_EQ(v, "new");
}

TEST(Spool, SpansSegments) {
  const fs::path dir = fresh("segments");
  std::string error;
  auto s = Spool::open(dir, 64 << 20, error);  // 8 MiB segments
  ASSERT_TRUE(s) << error;
  const std::string value(64 * 1024, 'v');
  for (int i = 0; i < 300; ++i) ASSERT_TRUE(s->append(std::to_string(i), value));
  size_t segments = 0;
  for (const auto& e : fs::directory_iterator(dir)) segments += e.path().extension() == ".spool";
  EXPECT_GE(segments, 2u);
  std::string k, v;
  uint32_t n;
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(s->front(k, v, n));
    ASSERT_EQ(k, std::to_string(i));
    s->ack(s->pop());
  }
  EXPECT_TRUE(s->empty());
}

// A frame handed to a receiver leaves the disk only when it is acknowledged: a process
// killed before that sends it again (at least once), however the acknowledgements are
// ordered, and nothing acknowledged is sent twice once the head has been saved.
TEST(Spool, UnacknowledgedFramesSurviveTheProcess) {
  const fs::path dir = fresh("ack");
  std::string error;
  {
    auto s = Spool::open(dir, 1 << 20, error);
    ASSERT_TRUE(s) << error;
    for (int i = 0; i < 6; ++i) s->append({}, text("r", i));
    std::string k, v;
    uint32_t n;
    std::vector<uint64_t> tickets;
    for (int i = 0; i < 4; ++i) {
      ASSERT_TRUE(s->front(k, v, n));
      EXPECT_EQ(s->next_ticket(), s->next_ticket());
      tickets.push_back(s->pop());
    }
    EXPECT_EQ(s->pending_records(), 2u);
    EXPECT_EQ(s->unacknowledged(), 4u);
    s->ack(tickets[1]);  // out of order: r0 still holds the head
    s->ack(tickets[0]);  // now r0 and r1 are done
    s->ack(tickets[3]);  // r2 is not: r3 waits behind it
    EXPECT_EQ(s->unacknowledged(), 2u);
  }  // the process ends here (a destructor or a kill alike leave the head where it was saved)
  auto s = Spool::open(dir, 1 << 20, error);
  ASSERT_TRUE(s) << error;
  EXPECT_EQ(s->counters().carried_in, 4u) << "r2 (never acknowledged), r3 (behind it), r4 and r5";
  std::string k, v;
  uint32_t n;
  for (const char* want : {"r2", "r3", "r4", "r5"}) {
    ASSERT_TRUE(s->front(k, v, n));
    EXPECT_EQ(v, want);
    s->ack(s->pop());
  }
  EXPECT_FALSE(s->front(k, v, n));
}

// Two probes on one spool directory would interleave their frames: the second is refused,
// saying why, until the first has let go.
TEST(Spool, OneProcessPerDirectory) {
  const fs::path dir = fresh("lock");
  std::string error;
  auto first = Spool::open(dir, 1 << 20, error);
  ASSERT_TRUE(first) << error;
  first->append({}, "kept");
  EXPECT_FALSE(Spool::open(dir, 1 << 20, error));
  EXPECT_NE(error.find("in use by another process"), std::string::npos) << error;
  first.reset();
  auto again = Spool::open(dir, 1 << 20, error);
  ASSERT_TRUE(again) << error;
  EXPECT_EQ(again->counters().carried_in, 1u) << "the refused open must not have touched the spool";
}

TEST(Spool, UnwritableDirectoryIsAnError) {
  const fs::path dir = fresh("unwritable");
  fs::create_directories(dir);
  std::ofstream(dir / "file") << "x";
  std::string error;
  EXPECT_FALSE(Spool::open(dir / "file" / "spool", 1 << 20, error));
  EXPECT_NE(error.find("cannot create spool directory"), std::string::npos) << error;
}

TEST(Spool, ParsesByteSizes) {
  uint64_t v = 0;
  EXPECT_TRUE(flowprobe::parse_byte_size("512M", v));
  EXPECT_EQ(v, 512ull << 20);
  EXPECT_TRUE(flowprobe::parse_byte_size("2G", v));
  EXPECT_EQ(v, 2ull << 30);
  EXPECT_TRUE(flowprobe::parse_byte_size("4096", v));
  EXPECT_EQ(v, 4096u);
  EXPECT_FALSE(flowprobe::parse_byte_size("", v));
  EXPECT_FALSE(flowprobe::parse_byte_size("lots", v));
  EXPECT_FALSE(flowprobe::parse_byte_size("1.5G", v));
}
