// Fault suite, table pressure (issue 14), quick case: a flood of random SYNs, ten times
// more flows than -w allows. Every packet is accounted, every flow leaves as a record,
// the evictions are counted, and the probe's peak RSS does not grow with the flood: a
// flood ten times longer ends no more than 16 MiB above the short one. The 10 M-SYN run
// with -w 100000 is tests/fault/input_syn_flood.sh.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include "support/run_program.hpp"

namespace fs = std::filesystem;
using namespace flowprobe::test;

namespace {

struct Flood {
  ProgramResult run;
  long peak_kib = 0;  // the largest peak RSS of any child waited for so far
};

Flood flood(uint64_t syns, const std::string& table) {
  const fs::path f = scratch_dir("fault-syn-flood") / ("flood-" + std::to_string(syns) + ".pcap");
  const ProgramResult g = run_program({pcapgen_binary().string(), "--scenario", "syn-flood", "--packets",
                                       std::to_string(syns), "-o", f.string()});
  EXPECT_EQ(g.exit_code, 0) << g.err;
  Flood r;
  r.run = run_program({flowprobe_binary().string(), "-i", f.string(), "-w", table, "-o", "/dev/null"});
  rusage u{};
  getrusage(RUSAGE_CHILDREN, &u);
  r.peak_kib = u.ru_maxrss;
  fs::remove(f);
  return r;
}

}  // namespace

TEST(FaultSynFlood, EvictionsCountedNothingUnaccountedRssBounded) {
  // The short flood first: RUSAGE_CHILDREN keeps the largest peak, so the long one's
  // figure is exact when it is larger, and within the bound when it is not.
  const Flood small = flood(20'000, "2000");
  ASSERT_EQ(small.run.exit_code, 0) << small.run.err;
  const Flood big = flood(200'000, "2000");
  ASSERT_EQ(big.run.exit_code, 0) << big.run.err;
  const std::string& s = big.run.err;
  EXPECT_EQ(summary_value(s, "packets.received"), 200'000);
  EXPECT_EQ(summary_value(s, "decode.ipv4"), 200'000);
  const long long created = summary_value(s, "flows.created");
  EXPECT_GT(created, 199'000);  // random tuples repeat a few times
  EXPECT_EQ(summary_value(s, "flows.records"), created);
  EXPECT_GE(summary_value(s, "flows.ended.table_full"), created - 2'000 - summary_value(s, "flows.ended.idle_timeout"));
  EXPECT_GT(summary_value(s, "flows.ended.table_full"), 100'000) << s;
  EXPECT_EQ(summary_value(s, "sink.delivered"), created);
  EXPECT_NE(s.find("accounting                           ok"), std::string::npos) << s;
  std::printf("peak RSS: %ld KiB after 20k SYNs, %ld KiB after 200k (-w 2000)\n", small.peak_kib, big.peak_kib);
  EXPECT_LE(big.peak_kib, small.peak_kib + 16 * 1024);
}
