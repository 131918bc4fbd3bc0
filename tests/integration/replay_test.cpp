// The whole path on the project's own demo capture, whose ground truth the generator
// writes: every flow, its orientation, packets, IP bytes and TCP flags per direction,
// how it ended; the timeouts' effect; byte-identical output on a second replay.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <fstream>
#include <map>
#include <sstream>

#include "support/run_program.hpp"

namespace fs = std::filesystem;
using namespace flowprobe::test;

namespace {

struct Truth {
  int proto;
  std::string src, dst;
  int sport, dport, vlan;
  uint64_t pkts_c2s, pkts_s2c, bytes_c2s, bytes_s2c;
  unsigned flags_c2s, flags_s2c;
  uint64_t first_ns, last_ns, max_gap_ns;
  std::string close, label;
};

std::string norm(const std::string& ip) {
  in6_addr a;
  char buf[INET6_ADDRSTRLEN];
  if (ip.find(':') != std::string::npos && inet_pton(AF_INET6, ip.c_str(), &a) == 1)
    return inet_ntop(AF_INET6, &a, buf, sizeof(buf));
  return ip;
}

int proto_number(const std::string& n) {
  if (n == "tcp") return 6;
  if (n == "udp") return 17;
  if (n == "icmp") return 1;
  if (n == "icmp6") return 58;
  return std::stoi(n);
}

struct Demo {
  fs::path pcap;
  std::vector<Truth> flows;
  uint64_t total_packets = 0;
};

const Demo& demo() {
  static const Demo d = [] {
    Demo out;
    const fs::path dir = scratch_dir("replay");
    out.pcap = dir / "demo.pcap";
    const fs::path truth = dir / "truth.csv";
    const ProgramResult r = run_program({pcapgen_binary().string(), "--scenario", "demo", "-o", out.pcap.string(),
                                         "--truth", truth.string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::istringstream summary(r.out);
    for (std::string l; std::getline(summary, l);)
      if (l.rfind("total_packets ", 0) == 0) out.total_packets = std::stoull(l.substr(14));
    std::ifstream in(truth);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::vector<std::string> c;
      std::stringstream ss(line);
      for (std::string cell; std::getline(ss, cell, ',');) c.push_back(cell);
      if (c.size() < 18) continue;
      out.flows.push_back({proto_number(c[0]), norm(c[3]), norm(c[5]), std::stoi(c[4]), std::stoi(c[6]),
                           std::stoi(c[2]), std::stoull(c[7]), std::stoull(c[8]), std::stoull(c[9]),
                           std::stoull(c[10]), static_cast<unsigned>(std::stoul(c[11])),
                           static_cast<unsigned>(std::stoul(c[12])), std::stoull(c[13]), std::stoull(c[14]),
                           std::stoull(c[15]), c[16], c[17]});
    }
    return out;
  }();
  return d;
}

constexpr const char* kTemplate =
    "%IP_PROTOCOL_VERSION %PROTOCOL %IPV4_SRC_ADDR %IPV4_DST_ADDR %IPV6_SRC_ADDR %IPV6_DST_ADDR %L4_SRC_PORT "
    "%L4_DST_PORT %SRC_VLAN %IN_PKTS %OUT_PKTS %IN_BYTES %OUT_BYTES %CLIENT_TCP_FLAGS %SERVER_TCP_FLAGS "
    "%FLOW_START_MILLISECONDS %FLOW_END_MILLISECONDS %FLOW_END_REASON %TOTAL_FLOWS_EXP";

struct Record {
  int proto;
  std::string src, dst;
  int sport, dport, vlan;
  uint64_t in_pkts, out_pkts, in_bytes, out_bytes;
  unsigned cflags, sflags;
  uint64_t start_ms, end_ms;
  int reason;
  uint64_t seq;
};

std::vector<Record> parse(const std::string& jsonl) {
  std::vector<Record> v;
  simdjson::dom::parser p;
  std::istringstream in(jsonl);
  for (std::string l; std::getline(in, l);) {
    simdjson::dom::element d = p.parse(l);
    const bool v4 = uint64_t(d["IP_PROTOCOL_VERSION"]) == 4;
    v.push_back({static_cast<int>(uint64_t(d["PROTOCOL"])),
                 norm(std::string(std::string_view(d[v4 ? "IPV4_SRC_ADDR" : "IPV6_SRC_ADDR"]))),
                 norm(std::string(std::string_view(d[v4 ? "IPV4_DST_ADDR" : "IPV6_DST_ADDR"]))),
                 static_cast<int>(uint64_t(d["L4_SRC_PORT"])), static_cast<int>(uint64_t(d["L4_DST_PORT"])),
                 static_cast<int>(uint64_t(d["SRC_VLAN"])), uint64_t(d["IN_PKTS"]), uint64_t(d["OUT_PKTS"]),
                 uint64_t(d["IN_BYTES"]), uint64_t(d["OUT_BYTES"]),
                 static_cast<unsigned>(uint64_t(d["CLIENT_TCP_FLAGS"])),
                 static_cast<unsigned>(uint64_t(d["SERVER_TCP_FLAGS"])), uint64_t(d["FLOW_START_MILLISECONDS"]),
                 uint64_t(d["FLOW_END_MILLISECONDS"]), static_cast<int>(uint64_t(d["FLOW_END_REASON"])),
                 uint64_t(d["TOTAL_FLOWS_EXP"])});
  }
  return v;
}

ProgramResult probe(std::vector<std::string> extra) {
  std::vector<std::string> args = {flowprobe_binary().string(), "-i", demo().pcap.string(), "--json-labels", "-T",
                                   kTemplate};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_program(args);
}

std::vector<const Record*> records_of(const std::vector<Record>& recs, const Truth& t) {
  std::vector<const Record*> out;
  for (const Record& r : recs)
    if (r.proto == t.proto && r.src == t.src && r.dst == t.dst && r.sport == t.sport && r.dport == t.dport &&
        r.vlan == t.vlan)
      out.push_back(&r);
  return out;
}

TEST(Replay, EveryFlowMatchesTheGeneratorsTruth) {
  ASSERT_GE(demo().flows.size(), 10u);
  // Timeouts longer than the capture: each flow is exactly one record.
  const ProgramResult r = probe({"-d", "100000", "-t", "100000"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(summary_value(r.err, "packets.received"), static_cast<long long>(demo().total_packets));
  EXPECT_NE(r.err.find("accounting                           ok"), std::string::npos) << r.err;
  const std::vector<Record> recs = parse(r.out);
  EXPECT_EQ(recs.size(), demo().flows.size());
  for (const Truth& t : demo().flows) {
    SCOPED_TRACE(t.label + " " + t.src + ":" + std::to_string(t.sport) + " -> " + t.dst + ":" + std::to_string(t.dport));
    const auto found = records_of(recs, t);
    ASSERT_EQ(found.size(), 1u) << "exactly one record, oriented client -> server";
    const Record& x = *found[0];
    EXPECT_EQ(x.in_pkts, t.pkts_c2s);
    EXPECT_EQ(x.out_pkts, t.pkts_s2c);
    EXPECT_EQ(x.in_bytes, t.bytes_c2s);
    EXPECT_EQ(x.out_bytes, t.bytes_s2c);
    if (t.proto == 6) {
      EXPECT_EQ(x.cflags, t.flags_c2s);
      EXPECT_EQ(x.sflags, t.flags_s2c);
    }
    EXPECT_EQ(x.start_ms, t.first_ns / 1'000'000);
    EXPECT_EQ(x.end_ms, t.last_ns / 1'000'000);
    EXPECT_EQ(x.reason, t.close == "none" ? 4 : 3) << "close=" << t.close;
  }
  // TOTAL_FLOWS_EXP numbers the records 1..N in export order.
  for (size_t i = 0; i < recs.size(); ++i) EXPECT_EQ(recs[i].seq, i + 1);
}

TEST(Replay, IdleTimeoutSplitsQuietFlows) {
  const ProgramResult r = probe({"-d", "30", "-t", "100000"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<Record> recs = parse(r.out);
  int split = 0;
  for (const Truth& t : demo().flows) {
    const auto found = records_of(recs, t);
    ASSERT_FALSE(found.empty()) << t.label;
    uint64_t pkts = 0;
    for (const Record* x : found) pkts += x->in_pkts + x->out_pkts;
    EXPECT_EQ(pkts, t.pkts_c2s + t.pkts_s2c) << t.label;
    if (t.max_gap_ns > 30'000'000'000ull) {
      ++split;
      EXPECT_GE(found.size(), 2u) << t.label;
      EXPECT_EQ(found[0]->reason, 1) << "idle timeout";
    } else {
      EXPECT_EQ(found.size(), 1u) << t.label;
    }
  }
  EXPECT_GE(split, 1) << "the demo has a flow that goes quiet for more than 30 s";
}

TEST(Replay, LifetimeTimeoutCutsLongFlows) {
  const ProgramResult r = probe({"-d", "100000", "-t", "60"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<Record> recs = parse(r.out);
  int cut = 0;
  for (const Truth& t : demo().flows) {
    const auto found = records_of(recs, t);
    ASSERT_FALSE(found.empty()) << t.label;
    uint64_t pkts = 0;
    for (const Record* x : found) {
      pkts += x->in_pkts + x->out_pkts;
      EXPECT_LT(x->end_ms - x->start_ms, 60'000u) << t.label;
    }
    EXPECT_EQ(pkts, t.pkts_c2s + t.pkts_s2c) << t.label;
    if (t.last_ns - t.first_ns >= 60'000'000'000ull) {
      ++cut;
      EXPECT_GE(found.size(), 2u);
      EXPECT_EQ(found[0]->reason, 2) << "active timeout";
    }
  }
  EXPECT_GE(cut, 1) << "the demo has a flow longer than 60 s";
}

TEST(Replay, SameCaptureGivesByteIdenticalOutput) {
  const ProgramResult a = run_program({flowprobe_binary().string(), "-i", demo().pcap.string()});
  const ProgramResult b = run_program({flowprobe_binary().string(), "-i", demo().pcap.string()});
  ASSERT_EQ(a.exit_code, 0);
  ASSERT_EQ(b.exit_code, 0);
  EXPECT_FALSE(a.out.empty());
  EXPECT_EQ(a.out, b.out);
}

TEST(Replay, OutputFileAndNumericKeys) {
  const fs::path out = scratch_dir("replay-file") / "flows.json";
  const ProgramResult r =
      run_program({flowprobe_binary().string(), "-i", demo().pcap.string(), "-o", out.string(), "-T",
                   "%IPV4_SRC_ADDR %L4_DST_PORT %CLIENT_TCP_FLAGS"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.empty());
  std::ifstream in(out);
  std::string first;
  std::getline(in, first);
  EXPECT_EQ(first.rfind("{\"8\":\"", 0), 0u) << first;
  EXPECT_NE(first.find(",\"11\":"), std::string::npos);
  EXPECT_NE(first.find(",\"35632.57550\":"), std::string::npos);
  EXPECT_EQ(summary_value(r.err, "sink.delivered"), summary_value(r.err, "flows.records"));
}

}  // namespace
