// Every way a flow record ends, the client/server orientation, and the index's
// integrity under churn (checked against std::map as a reference model).
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>
#include <random>
#include <vector>

#include "flow/flow_table.hpp"
#include "tests/support/collecting_table.hpp"
#include "flow/fragment_map.hpp"

using namespace flowprobe;
using namespace flowprobe::test;

namespace {

constexpr uint64_t kSec = kNsPerSec;
constexpr uint64_t kT0 = 1'700'000'000ull * kSec;


DecodedPacket pkt(uint8_t src, uint16_t sport, uint8_t dst, uint16_t dport, uint8_t flags = 0,
                  uint8_t proto = ipproto::tcp, uint32_t ip_bytes = 60) {
  DecodedPacket p;
  p.ip_version = 4;
  p.l4_proto = proto;
  p.src_ip = {192, 168, 0, src};
  p.dst_ip = {10, 0, 0, dst};
  p.src_mac = {0, 0, 0, 0, 0, src};
  p.dst_mac = {0, 0, 0, 0, 1, dst};
  p.src_port = sport;
  p.dst_port = dport;
  p.tcp_flags = flags;
  p.ip_bytes = ip_bytes;
  p.ttl = 64;
  return p;
}
// The same packet seen in the other direction.
DecodedPacket reply(const DecodedPacket& p, uint8_t flags, uint32_t ip_bytes = 60) {
  DecodedPacket r = p;
  std::swap(r.src_ip, r.dst_ip);
  std::swap(r.src_mac, r.dst_mac);
  std::swap(r.src_port, r.dst_port);
  r.tcp_flags = flags;
  r.ip_bytes = ip_bytes;
  return r;
}

using namespace tcpflag;

FlowTableConfig config(uint32_t max_flows = 1024) {
  FlowTableConfig c;
  c.max_flows = max_flows;
  return c;
}

TEST(FlowTable, FinExchangeEndsTheFlowAfterTheLastAck) {
  Collect out;
  CollectingTable table(config(), out);
  const DecodedPacket c = pkt(1, 40000, 2, 80);
  DecodedPacket open = c;
  open.tcp_flags = syn;
  table.on_packet(open, kT0, 0);
  table.on_packet(reply(c, tcpflag::syn | ack), kT0 + 1000, 0);
  DecodedPacket a = c;
  a.tcp_flags = ack;
  table.on_packet(a, kT0 + 2000, 0);
  DecodedPacket data = c;
  data.tcp_flags = psh | ack;
  data.ip_bytes = 500;
  table.on_packet(data, kT0 + 3000, 0);
  DecodedPacket close = c;
  close.tcp_flags = fin | ack;
  table.on_packet(close, kT0 + 4000, 0);
  table.on_packet(reply(c, tcpflag::fin | ack), kT0 + 5000, 0);
  table.expire(kT0 + 6000);
  EXPECT_TRUE(out.records.empty()) << "the flow lingers for its last ACK";
  table.on_packet(a, kT0 + 7000, 0);  // final ACK joins the same record
  table.expire(kT0 + 7000 + 2 * kSec);
  ASSERT_EQ(out.records.size(), 1u);
  const FlowRecord& r = out.records[0];
  EXPECT_EQ(r.end_cause, FlowEndCause::tcp_fin);
  EXPECT_EQ(ipfix_end_reason(r.end_cause), 3);
  EXPECT_EQ(r.in_pkts, 5u);
  EXPECT_EQ(r.out_pkts, 2u);
  EXPECT_EQ(r.in_bytes, 60u * 4 + 500);
  EXPECT_EQ(r.out_bytes, 120u);
  EXPECT_EQ(r.src_port, 40000);
  EXPECT_EQ(r.dst_port, 80);
  EXPECT_EQ(r.client_tcp_flags, syn | ack | psh | fin);
  EXPECT_EQ(r.server_tcp_flags, tcpflag::syn | ack | tcpflag::fin);
  EXPECT_EQ(r.first_ns, kT0);
  EXPECT_EQ(r.last_ns, kT0 + 7000);
  EXPECT_EQ(r.src_mac[5], 1);
  EXPECT_EQ(r.dst_mac[5], 2);
  EXPECT_EQ(table.active(), 0u);
  EXPECT_EQ(table.counters().ended[static_cast<int>(FlowEndCause::tcp_fin)], 1u);
}

TEST(FlowTable, RstEndsTheFlow) {
  Collect out;
  CollectingTable table(config(), out);
  const DecodedPacket c = pkt(1, 40001, 2, 443, syn);
  table.on_packet(c, kT0, 0);
  table.on_packet(reply(c, rst | ack), kT0 + 100, 0);
  table.expire(kT0 + 2 * kSec);
  ASSERT_EQ(out.records.size(), 1u);
  EXPECT_EQ(out.records[0].end_cause, FlowEndCause::tcp_rst);
  EXPECT_EQ(out.records[0].in_pkts, 1u);
  EXPECT_EQ(out.records[0].out_pkts, 1u);
}

TEST(FlowTable, HalfCloseIsNotTheEnd) {
  Collect out;
  CollectingTable table(config(), out);
  const DecodedPacket c = pkt(1, 40002, 2, 80, fin | ack);
  table.on_packet(c, kT0, 0);
  table.expire(kT0 + 5 * kSec);
  EXPECT_TRUE(out.records.empty());
  EXPECT_EQ(table.active(), 1u);
}

TEST(FlowTable, IdleTimeout) {
  Collect out;
  FlowTableConfig cfg = config();
  cfg.idle_timeout_ns = 30 * kSec;
  CollectingTable table(cfg, out);
  const DecodedPacket u = pkt(1, 5353, 2, 53, 0, ipproto::udp);
  table.on_packet(u, kT0, 0);
  table.expire(kT0 + 30 * kSec);
  EXPECT_TRUE(out.records.empty()) << "exactly the timeout is not past it";
  table.expire(kT0 + 30 * kSec + 1);
  ASSERT_EQ(out.records.size(), 1u);
  EXPECT_EQ(out.records[0].end_cause, FlowEndCause::idle_timeout);
  EXPECT_EQ(ipfix_end_reason(out.records[0].end_cause), 1);
  EXPECT_EQ(table.active(), 0u);
  // A packet after the timeout opens a new flow.
  table.on_packet(u, kT0 + 40 * kSec, 0);
  EXPECT_EQ(table.active(), 1u);
  EXPECT_EQ(table.counters().created, 2u);
}

// YAF's rtt for yaf_flow.log: a non-TCP record's first reply, offset from its first packet
// (+1, so 0 says "no reply"), measured again in each record a lifetime timeout starts.
TEST(FlowTable, ReverseDelayOfNonTcpRecords) {
  Collect out;
  FlowTableConfig cfg = config();
  cfg.active_timeout_ns = 60 * kSec;
  CollectingTable table(cfg, out);
  const DecodedPacket g = pkt(1, 0, 2, 0, 0, 47, 100);  // GRE
  table.on_packet(g, kT0, 0);
  table.on_packet(g, kT0 + 1'000'000, 0);
  table.on_packet(reply(g, 0), kT0 + 2'500'000, 0);      // the first reply, 2.5 ms in
  table.on_packet(reply(g, 0), kT0 + 3'000'000, 0);
  table.on_packet(g, kT0 + 61 * kSec, 0);                 // a new record: no reply in it
  const DecodedPacket o = pkt(3, 0, 4, 0, 0, 89);         // OSPF, one way
  table.on_packet(o, kT0, 0);
  table.flush(FlowEndCause::end_of_capture);
  ASSERT_EQ(out.records.size(), 3u);
  std::map<std::pair<uint8_t, uint64_t>, uint32_t> delay;
  for (const FlowRecord& r : out.records) delay[{r.protocol, r.first_ns}] = r.reverse_delay_us;
  EXPECT_EQ((delay[{47, kT0}]), 2501u);
  EXPECT_EQ((delay[{47, kT0 + 61 * kSec}]), 0u);
  EXPECT_EQ((delay[{89, kT0}]), 0u);
}

TEST(FlowTable, LifetimeTimeoutContinuesAsANewRecord) {
  Collect out;
  FlowTableConfig cfg = config();
  cfg.active_timeout_ns = 120 * kSec;
  CollectingTable table(cfg, out);
  const DecodedPacket c = pkt(1, 40003, 2, 22, syn);
  DecodedPacket a = c;
  a.tcp_flags = ack;
  table.on_packet(c, kT0, 0);
  table.on_packet(reply(c, syn | ack), kT0 + 10, 0);
  for (uint64_t s = 10; s < 250; s += 10) table.on_packet(a, kT0 + s * kSec, 0);
  table.flush(FlowEndCause::end_of_capture);
  ASSERT_EQ(out.records.size(), 3u);
  EXPECT_EQ(out.records[0].end_cause, FlowEndCause::active_timeout);
  EXPECT_EQ(ipfix_end_reason(out.records[0].end_cause), 2);
  EXPECT_EQ(out.records[0].first_ns, kT0);
  EXPECT_EQ(out.records[0].in_pkts, 12u);  // SYN + ACKs at 10..110 s
  EXPECT_EQ(out.records[1].end_cause, FlowEndCause::active_timeout);
  EXPECT_EQ(out.records[1].first_ns, kT0 + 120 * kSec);
  EXPECT_EQ(out.records[2].end_cause, FlowEndCause::end_of_capture);
  // The continuing record keeps the orientation learnt from the SYN.
  for (const FlowRecord& r : out.records) EXPECT_EQ(r.src_port, 40003);
  uint64_t total = 0;
  for (const FlowRecord& r : out.records) total += r.in_pkts + r.out_pkts;
  EXPECT_EQ(total, 2u + 24u);
  EXPECT_EQ(table.counters().created, 1u);
}

TEST(FlowTable, EndOfCaptureFlushesEverything) {
  Collect out;
  CollectingTable table(config(), out);
  for (uint8_t i = 1; i <= 10; ++i) table.on_packet(pkt(i, 1000, 2, 80, 0, ipproto::udp), kT0 + i, 0);
  table.flush(FlowEndCause::end_of_capture);
  ASSERT_EQ(out.records.size(), 10u);
  for (size_t i = 0; i < out.records.size(); ++i) {
    EXPECT_EQ(out.records[i].end_cause, FlowEndCause::end_of_capture);
    EXPECT_EQ(out.records[i].src_ip[3], i + 1) << "oldest first";
  }
  EXPECT_EQ(ipfix_end_reason(FlowEndCause::end_of_capture), 4);
  EXPECT_EQ(table.active(), 0u);
}

TEST(FlowTable, FullTableExportsTheLeastRecentlyActiveFlow) {
  Collect out;
  CollectingTable table(config(4), out);
  for (uint8_t i = 1; i <= 4; ++i) table.on_packet(pkt(i, 1000, 2, 80, 0, ipproto::udp), kT0 + i, 0);
  table.on_packet(pkt(1, 1000, 2, 80, 0, ipproto::udp), kT0 + 10, 0);  // flow 1 is fresh again
  table.on_packet(pkt(9, 1000, 2, 80, 0, ipproto::udp), kT0 + 11, 0);
  ASSERT_EQ(out.records.size(), 1u);
  EXPECT_EQ(out.records[0].end_cause, FlowEndCause::table_full);
  EXPECT_EQ(ipfix_end_reason(out.records[0].end_cause), 5);
  EXPECT_EQ(out.records[0].src_ip[3], 2);
  EXPECT_EQ(table.active(), 4u);
}

TEST(FlowTable, SynAckFirstMakesItsReceiverTheClient) {
  Collect out;
  CollectingTable table(config(), out);
  const DecodedPacket server = pkt(1, 80, 2, 40000, syn | ack);  // 192.168.0.1:80 -> 10.0.0.2:40000
  table.on_packet(server, kT0, 0);
  table.flush(FlowEndCause::end_of_capture);
  ASSERT_EQ(out.records.size(), 1u);
  EXPECT_EQ(out.records[0].src_port, 40000);
  EXPECT_EQ(out.records[0].dst_port, 80);
  EXPECT_EQ(out.records[0].in_pkts, 0u);
  EXPECT_EQ(out.records[0].out_pkts, 1u);
}

TEST(FlowTable, FirstPacketSenderIsTheClientWithoutSyn) {
  Collect out;
  CollectingTable table(config(), out);
  const DecodedPacket d = pkt(1, 53, 2, 33333, 0, ipproto::udp);
  table.on_packet(d, kT0, 0);
  table.on_packet(reply(d, 0), kT0 + 5, 0);
  table.flush(FlowEndCause::end_of_capture);
  ASSERT_EQ(out.records.size(), 1u);
  EXPECT_EQ(out.records[0].src_port, 53);
  EXPECT_EQ(out.records[0].in_pkts, 1u);
}

TEST(FlowTable, SynDuringLingerStartsANewFlow) {
  Collect out;
  CollectingTable table(config(), out);
  const DecodedPacket c = pkt(1, 40004, 2, 80, syn);
  table.on_packet(c, kT0, 0);
  table.on_packet(reply(c, rst | ack), kT0 + 10, 0);
  table.on_packet(c, kT0 + 20, 0);  // port reuse before the linger ends
  EXPECT_EQ(out.records.size(), 1u);
  EXPECT_EQ(out.records[0].end_cause, FlowEndCause::tcp_rst);
  EXPECT_EQ(table.active(), 1u);
}

TEST(FlowTable, IndexSurvivesChurnLikeAReferenceMap) {
  Collect out;
  FlowTableConfig cfg = config(2000);
  cfg.idle_timeout_ns = 5 * kSec;
  CollectingTable table(cfg, out);
  std::mt19937 rng(7);
  std::map<std::pair<int, int>, uint64_t> sent;  // (host, port) -> packets
  uint64_t now = kT0;
  for (int i = 0; i < 200000; ++i) {
    now += rng() % 200000;  // up to 0.2 ms
    const int host = static_cast<int>(rng() % 50) + 1;
    const int port = static_cast<int>(rng() % 100) + 1000;
    table.on_packet(pkt(static_cast<uint8_t>(host), static_cast<uint16_t>(port), 2, 53, 0, ipproto::udp), now, 0);
    ++sent[{host, port}];
    if (i % 64 == 0) table.expire(now);
  }
  table.flush(FlowEndCause::end_of_capture);
  std::map<std::pair<int, int>, uint64_t> seen;
  for (const FlowRecord& r : out.records) seen[{r.src_ip[3], r.src_port}] += r.in_pkts;
  EXPECT_EQ(seen, sent);
  EXPECT_EQ(table.active(), 0u);
  EXPECT_EQ(table.counters().records(), out.records.size());
}

}  // namespace

namespace {

TEST(FlowTable, AQuietFlowEndsBeforeItsNextPacketEvenWithoutExpire) {
  Collect out;
  FlowTableConfig cfg = config();
  cfg.idle_timeout_ns = 30 * kSec;
  CollectingTable table(cfg, out);
  const DecodedPacket u = pkt(1, 5353, 2, 53, 0, ipproto::udp);
  table.on_packet(u, kT0, 0);
  table.on_packet(u, kT0 + 31 * kSec, 0);  // no expire() call in between
  ASSERT_EQ(out.records.size(), 1u);
  EXPECT_EQ(out.records[0].end_cause, FlowEndCause::idle_timeout);
  EXPECT_EQ(out.records[0].in_pkts, 1u);
  EXPECT_EQ(table.active(), 1u);
}

}  // namespace

namespace {

TEST(FlowTable, AtMost192BytesPerTrackedFlow) {
  // Issue #3's budget, DPI state aside: the pool entry plus its share of index slots.
  Collect out;
  for (uint32_t flows : {1u << 16, 100'000u}) {
    CollectingTable table(config(flows), out);
    EXPECT_LE(table.bytes_per_flow(), 192u + (flows == 100'000u ? 8u : 0u)) << flows;
  }
}

// Issue #20's memory budget at 10 M flows (hot and cold parts, index buckets, wheel),
// computed as the constructor allocates (checked against a built table).
TEST(FlowTable, AtMost189BytesPerTrackedFlowAt10MFlows) {
  Collect out;
  CollectingTable table(config(100'000), out);
  EXPECT_EQ(table.bytes_per_flow(), FlowTable::bytes_per_flow_for(config(100'000)));
  EXPECT_LE(FlowTable::bytes_per_flow_for(config(10'000'000)), 189u);
}

// The timer wheel against a reference model: flows come and go at random over minutes
// of packet time, expire() runs at random moments; no flow ends before its idle
// timeout, none is still there G after it, and every packet is in some record.
TEST(FlowTable, WheelExpiryIsNeverEarlyAndAtMostGLateUnderChurn) {
  Collect out;
  FlowTableConfig cfg = config(4096);
  cfg.idle_timeout_ns = 2 * kSec;  // G = 2^26 ns (67 ms): many slots turn over
  cfg.active_timeout_ns = 3600 * kSec;
  const uint64_t g = 1ull << 26;
  CollectingTable table(cfg, out);
  std::mt19937 rng(11);
  std::map<std::pair<int, int>, uint64_t> last;  // (host, port) -> last packet time, open flows
  std::map<std::pair<int, int>, uint64_t> sent, seen;
  uint64_t now = kT0;
  size_t checked = 0;
  for (int i = 0; i < 100000; ++i) {
    now += rng() % 4'000'000;  // up to 4 ms
    if (rng() % 5000 == 0) now += (rng() % 8) * kSec;  // a gap in the traffic
    if (rng() % 16 == 0) {
      table.expire(now);
      for (; checked < out.records.size(); ++checked) {
        const FlowRecord& r = out.records[checked];
        ASSERT_EQ(r.end_cause, FlowEndCause::idle_timeout);
        ASSERT_GT(now, r.last_ns + cfg.idle_timeout_ns) << "never early";
        const std::pair<int, int> k{r.src_ip[3], r.src_port};
        ASSERT_EQ(last.at(k), r.last_ns);
        seen[k] += r.in_pkts;
        last.erase(k);
      }
      for (const auto& [k, t] : last) ASSERT_LE(now, t + cfg.idle_timeout_ns + g) << "at most G late";
    }
    const int host = static_cast<int>(rng() % 40) + 1;
    const int port = static_cast<int>(rng() % 40) + 1000;
    const std::pair<int, int> k{host, port};
    auto it = last.find(k);
    if (it != last.end() && now > it->second + cfg.idle_timeout_ns) {
      // The table ends it on this packet (before any expire() saw it): its record comes now.
      table.on_packet(pkt(static_cast<uint8_t>(host), static_cast<uint16_t>(port), 2, 53, 0, ipproto::udp), now, 0);
      ASSERT_EQ(out.records.size(), checked + 1);
      seen[k] += out.records[checked++].in_pkts;
    } else {
      table.on_packet(pkt(static_cast<uint8_t>(host), static_cast<uint16_t>(port), 2, 53, 0, ipproto::udp), now, 0);
    }
    last[k] = now;
    ++sent[k];
  }
  table.flush(FlowEndCause::end_of_capture);
  for (; checked < out.records.size(); ++checked)
    seen[{out.records[checked].src_ip[3], out.records[checked].src_port}] += out.records[checked].in_pkts;
  EXPECT_EQ(seen, sent);
  EXPECT_EQ(table.active(), 0u);
}

// Timeout classes as the OsecT sensor has them: Zeek's 1-minute inactivity for TCP 21, 22,
// 23, 513 and UDP 61450, its 5 minutes for other TCP, YAF's 300 s idle and 1800 s active
// for the protocols yaf_flow.log holds; -d 30 for the rest.
FlowTableConfig osect_classes() {
  FlowTableConfig cfg = config();
  cfg.idle_timeout_ns = 30 * kSec;
  cfg.active_timeout_ns = 3600 * kSec;
  std::string err;
  for (const char* r : {"tcp=300", "tcp/21,22,23,513=60", "udp/61450=60", "other=300"})
    EXPECT_TRUE(parse_flow_timeout_rule(r, false, cfg.timeout_rules, err)) << err;
  EXPECT_TRUE(parse_flow_timeout_rule("other=1800", true, cfg.timeout_rules, err)) << err;
  return cfg;
}

TEST(FlowTable, AFlowInTheOneMinuteClassEndsAtSixtySeconds) {
  Collect out;
  CollectingTable table(osect_classes(), out);
  const DecodedPacket ssh = pkt(1, 40000, 2, 22, syn);
  const DecodedPacket web = pkt(1, 40001, 2, 80, syn);
  const DecodedPacket cclink = pkt(3, 61450, 4, 61450, 0, ipproto::udp);
  const DecodedPacket dns = pkt(3, 5000, 4, 53, 0, ipproto::udp);
  for (const DecodedPacket& p : {ssh, web, cclink, dns}) table.on_packet(p, kT0, 0);
  table.expire(kT0 + 30 * kSec + 1);
  ASSERT_EQ(out.records.size(), 1u) << "only the UDP flow of no class is past -d";
  EXPECT_EQ(out.records[0].dst_port, 53);
  table.expire(kT0 + 60 * kSec);
  EXPECT_EQ(out.records.size(), 1u) << "exactly 60 s is not past it";
  table.expire(kT0 + 60 * kSec + 1);
  ASSERT_EQ(out.records.size(), 3u);
  std::set<uint16_t> ended = {out.records[1].dst_port, out.records[2].dst_port};
  EXPECT_EQ(ended, (std::set<uint16_t>{22, 61450}));
  for (const FlowRecord& r : out.records) EXPECT_EQ(r.end_cause, FlowEndCause::idle_timeout);
  table.expire(kT0 + 299 * kSec);
  EXPECT_EQ(out.records.size(), 3u) << "other TCP has Zeek's 5 minutes";
  table.expire(kT0 + 300 * kSec + 1);
  ASSERT_EQ(out.records.size(), 4u);
  EXPECT_EQ(out.records[3].dst_port, 80);
}

TEST(FlowTable, ThePortOfEitherSideChoosesTheClass) {
  Collect out;
  CollectingTable table(osect_classes(), out);
  // The server's SYN-ACK seen first, and a reply from port 23: both are port 23's flow.
  table.on_packet(reply(pkt(1, 40000, 2, 23, syn), syn | ack), kT0, 0);
  table.on_packet(pkt(5, 23, 6, 50000, ack), kT0, 0);
  table.expire(kT0 + 61 * kSec);
  ASSERT_EQ(out.records.size(), 2u);
  for (const FlowRecord& r : out.records) {
    EXPECT_EQ(r.end_cause, FlowEndCause::idle_timeout);
    // The class leaves the client side alone.
    EXPECT_EQ(r.src_port, r.src_ip[3] == 1 ? 40000 : 23);
  }
}

TEST(FlowTable, APacketAfterItsClassIdleTimeoutStartsANewFlow) {
  Collect out;
  CollectingTable table(osect_classes(), out);
  const DecodedPacket ftp = pkt(1, 40000, 2, 21, ack);
  const DecodedPacket web = pkt(1, 40001, 2, 80, ack);
  table.on_packet(ftp, kT0, 0);
  table.on_packet(web, kT0, 0);
  // No expire() in between: the packet itself finds its flow past the class's timeout.
  table.on_packet(ftp, kT0 + 61 * kSec, 0);
  table.on_packet(web, kT0 + 61 * kSec, 0);
  ASSERT_EQ(out.records.size(), 1u);
  EXPECT_EQ(out.records[0].dst_port, 21);
  EXPECT_EQ(out.records[0].end_cause, FlowEndCause::idle_timeout);
  EXPECT_EQ(table.counters().created, 3u);
}

TEST(FlowTable, TheYafClassKeepsAQuietGreFlowAndCutsItAt1800Seconds) {
  Collect out;
  CollectingTable table(osect_classes(), out);
  const DecodedPacket gre = pkt(1, 0, 2, 0, 0, 47, 100);
  const DecodedPacket ospf = pkt(3, 0, 4, 0, 0, 89, 100);
  table.on_packet(ospf, kT0, 0);
  for (uint64_t s = 0; s < 1800; s += 120) {
    table.on_packet(gre, kT0 + s * kSec, 0);
    table.expire(kT0 + s * kSec);
  }
  // 120 s quiet each time: past -d (30 s) and the one-minute class, within YAF's 300 s.
  ASSERT_EQ(out.records.size(), 1u);
  EXPECT_EQ(out.records[0].protocol, 89);
  EXPECT_EQ(out.records[0].end_cause, FlowEndCause::idle_timeout);
  EXPECT_EQ(out.records[0].last_ns, kT0);
  table.on_packet(gre, kT0 + 1800 * kSec, 0);
  ASSERT_EQ(out.records.size(), 2u) << "the packet at 1800 s reached the lifetime";
  EXPECT_EQ(out.records[1].end_cause, FlowEndCause::active_timeout);
  EXPECT_EQ(out.records[1].in_pkts, 15u);  // 0, 120, ... 1680 s
  table.expire(kT0 + 2100 * kSec);
  EXPECT_EQ(out.records.size(), 2u);
  table.expire(kT0 + 2100 * kSec + 1);
  ASSERT_EQ(out.records.size(), 3u);
  EXPECT_EQ(out.records[2].first_ns, kT0 + 1800 * kSec);
  EXPECT_EQ(out.records[2].end_cause, FlowEndCause::idle_timeout);
}

TEST(FlowTable, TimeoutRulesParse) {
  std::vector<FlowTimeoutRule> rules;
  std::string err;
  ASSERT_TRUE(parse_flow_timeout_rule("tcp/21,22=60", false, rules, err)) << err;
  ASSERT_TRUE(parse_flow_timeout_rule("icmp=10", true, rules, err)) << err;
  ASSERT_TRUE(parse_flow_timeout_rule("47=900", false, rules, err)) << err;
  ASSERT_EQ(rules.size(), 5u);
  EXPECT_EQ(rules[0].proto, 6);
  EXPECT_EQ(rules[0].port, 21);
  EXPECT_EQ(rules[1].port, 22);
  EXPECT_EQ(rules[1].idle_ns, 60 * kSec);
  EXPECT_EQ(rules[1].active_ns, 0u);
  EXPECT_EQ(rules[2].proto, 1);
  EXPECT_EQ(rules[3].proto, 58);
  EXPECT_EQ(rules[3].active_ns, 10 * kSec);
  EXPECT_EQ(rules[4].proto, 47);
  EXPECT_EQ(rules[4].port, -1);
  for (const char* bad : {"tcp", "tcp=0", "tcp=x", "sctp=5", "256=5", "other/5=5", "icmp/8=5", "tcp/=5",
                          "tcp/70000=5", "udp/1,,2=5", "tcp=31536001"}) {
    err.clear();
    EXPECT_FALSE(parse_flow_timeout_rule(bad, false, rules, err)) << bad;
    EXPECT_FALSE(err.empty()) << bad;
  }
  EXPECT_EQ(rules.size(), 5u) << "a rule that does not parse adds nothing";
}

TEST(FlowTable, TimeoutClassesResolveTheMostSpecificRule) {
  std::vector<FlowTimeoutRule> rules;
  std::string err;
  for (const char* r : {"tcp=300", "tcp/22=60", "other=300", "47=900"})
    ASSERT_TRUE(parse_flow_timeout_rule(r, false, rules, err)) << err;
  ASSERT_TRUE(parse_flow_timeout_rule("other=1800", true, rules, err)) << err;
  ASSERT_TRUE(parse_flow_timeout_rule("tcp/22=100", true, rules, err)) << err;
  const FlowTimeoutClasses c(30 * kSec, 120 * kSec, rules);
  ASSERT_TRUE(c.error().empty()) << c.error();
  auto of = [&](uint8_t proto, uint16_t a = 0, uint16_t b = 0) { return c[c.class_of(proto, a, b)]; };
  EXPECT_EQ(of(17, 53, 5000).idle_ns, 30 * kSec);
  EXPECT_EQ(of(17, 53, 5000).active_ns, 120 * kSec);
  EXPECT_EQ(of(1).idle_ns, 30 * kSec) << "ICMP is not 'other'";
  EXPECT_EQ(of(58).idle_ns, 30 * kSec);
  EXPECT_EQ(of(6, 80, 40000).idle_ns, 300 * kSec);
  EXPECT_EQ(of(6, 80, 40000).active_ns, 120 * kSec);
  EXPECT_EQ(of(6, 40000, 22).idle_ns, 60 * kSec);
  EXPECT_EQ(of(6, 40000, 22).active_ns, 100 * kSec);
  EXPECT_EQ(of(50).idle_ns, 300 * kSec);
  EXPECT_EQ(of(50).active_ns, 1800 * kSec);
  EXPECT_EQ(of(47).idle_ns, 900 * kSec) << "a protocol's own rule before 'other'";
  EXPECT_EQ(of(47).active_ns, 1800 * kSec) << "'other' still gives what the protocol's rule leaves";
  EXPECT_EQ(c.min_idle_ns(), 30 * kSec);
  EXPECT_EQ(c.max_idle_ns(), 900 * kSec);
  // A later rule for the same selector wins (the command line after a profile).
  ASSERT_TRUE(parse_flow_timeout_rule("tcp/22=45", false, rules, err)) << err;
  const FlowTimeoutClasses later(30 * kSec, 120 * kSec, rules);
  EXPECT_EQ(later[later.class_of(6, 22, 1)].idle_ns, 45 * kSec);
  // Too many distinct pairs is an error the table refuses.
  std::vector<FlowTimeoutRule> many;
  for (int p = 100; p < 120; ++p) many.push_back({p, -1, uint64_t(p) * kSec, 0});
  EXPECT_FALSE(FlowTimeoutClasses(30 * kSec, 120 * kSec, many).error().empty());
  FlowTableConfig cfg = config();
  cfg.timeout_rules = many;
  EXPECT_THROW(FlowTable{cfg}, std::invalid_argument);
}

// The wheel's slot width follows the smallest idle timeout of any class (G <= it / 16)
// and its span the largest: under churn, flows of a 2 s, a 5 s and a 40 s class each end
// no earlier than their own timeout and no later than G after it.
TEST(FlowTable, WheelExpiryPerClassIsNeverEarlyAndAtMostGLate) {
  Collect out;
  FlowTableConfig cfg = config(4096);
  cfg.idle_timeout_ns = 40 * kSec;
  cfg.active_timeout_ns = 3600 * kSec;
  std::string err;
  for (const char* r : {"udp=2", "udp/123=5"}) ASSERT_TRUE(parse_flow_timeout_rule(r, false, cfg.timeout_rules, err));
  const uint64_t g = 1ull << 26;  // the largest power of two <= 2 s / 16
  CollectingTable table(cfg, out);
  auto idle_of = [&](int dport, uint8_t proto) {
    return proto == 47 ? 40 * kSec : dport == 123 ? 5 * kSec : 2 * kSec;
  };
  std::mt19937 rng(7);
  struct Open {
    uint64_t last;
    uint64_t idle;
  };
  using Key = std::tuple<int, int, int, int>;  // host, port, server port, protocol
  std::map<Key, Open> open;
  std::map<Key, uint64_t> sent, seen;
  uint64_t now = kT0;
  size_t checked = 0;
  auto key_of = [](const FlowRecord& r) { return Key{r.src_ip[3], r.src_port, r.dst_port, r.protocol}; };
  for (int i = 0; i < 60000; ++i) {
    now += rng() % 8'000'000;
    if (rng() % 3000 == 0) now += (rng() % 50) * kSec;
    if (rng() % 16 == 0) {
      table.expire(now);
      for (; checked < out.records.size(); ++checked) {
        const FlowRecord& r = out.records[checked];
        ASSERT_EQ(r.end_cause, FlowEndCause::idle_timeout);
        const Open& o = open.at(key_of(r));
        ASSERT_EQ(o.last, r.last_ns);
        ASSERT_GT(now, r.last_ns + o.idle) << "never early";
        seen[key_of(r)] += r.in_pkts;
        open.erase(key_of(r));
      }
      for (const auto& [k, o] : open) ASSERT_LE(now, o.last + o.idle + g) << "at most G late";
    }
    const int host = static_cast<int>(rng() % 30) + 1;
    const int kind = static_cast<int>(rng() % 3);
    const uint8_t proto = kind == 2 ? 47 : ipproto::udp;
    const int port = proto == 47 ? 0 : static_cast<int>(rng() % 20) + 1000;
    const int dport = proto == 47 ? 0 : kind == 1 ? 123 : 53;
    const Key k{host, port, dport, proto};
    const DecodedPacket p = pkt(static_cast<uint8_t>(host), static_cast<uint16_t>(port), 2,
                                static_cast<uint16_t>(dport), 0, proto);
    auto it = open.find(k);
    if (it != open.end() && now > it->second.last + it->second.idle) {
      table.on_packet(p, now, 0);  // ends the quiet flow first
      ASSERT_EQ(out.records.size(), checked + 1);
      seen[k] += out.records[checked++].in_pkts;
      open.erase(k);
    } else {
      table.on_packet(p, now, 0);
    }
    open.try_emplace(k, Open{now, idle_of(dport, proto)}).first->second.last = now;
    ++sent[k];
  }
  table.flush(FlowEndCause::end_of_capture);
  for (; checked < out.records.size(); ++checked) seen[key_of(out.records[checked])] += out.records[checked].in_pkts;
  EXPECT_EQ(seen, sent);
  EXPECT_EQ(table.active(), 0u);
}

}  // namespace

namespace {

// The open list is ordered to G = 2^30 ns (1.07 s) with a 30 s idle timeout: a flow
// touched again within its G-period keeps its place, so a flow behind it may expire late,
// by less than G, but never early, and the end-of-capture flush still calls it idle.
constexpr uint64_t kG = 1ull << 30;

TEST(FlowTable, IdleExpiryIsNeverEarlyAndAtMostGLate) {
  Collect out;
  FlowTableConfig cfg = config();
  cfg.idle_timeout_ns = 30 * kSec;
  CollectingTable table(cfg, out);
  const uint64_t t0 = kT0 - kT0 % kG;  // the start of a G-period
  const DecodedPacket a = pkt(1, 1000, 2, 53, 0, ipproto::udp);
  const DecodedPacket b = pkt(3, 1000, 2, 53, 0, ipproto::udp);
  table.on_packet(a, t0, 0);
  table.on_packet(b, t0 + 1000, 0);
  table.on_packet(a, t0 + 2000, 0);  // same G-period: a stays ahead of b
  table.expire(t0 + 1000 + cfg.idle_timeout_ns);
  EXPECT_TRUE(out.records.empty()) << "not before b's timeout";
  table.expire(t0 + 2000 + cfg.idle_timeout_ns + 1);  // past both: b came 1000 ns late, less than G
  ASSERT_EQ(out.records.size(), 2u);
  for (const FlowRecord& r : out.records) EXPECT_EQ(r.end_cause, FlowEndCause::idle_timeout);
}

TEST(FlowTable, AFlowMovesWhenItsNextPacketFallsInANewPeriod) {
  Collect out;
  FlowTableConfig cfg = config();
  cfg.idle_timeout_ns = 30 * kSec;
  CollectingTable table(cfg, out);
  const uint64_t t0 = kT0 - kT0 % kG;
  const DecodedPacket a = pkt(1, 1000, 2, 53, 0, ipproto::udp);
  const DecodedPacket b = pkt(3, 1000, 2, 53, 0, ipproto::udp);
  table.on_packet(a, t0, 0);
  table.on_packet(b, t0 + 1000, 0);
  table.on_packet(a, t0 + 5 * kG, 0);  // a new period: a goes behind b
  table.expire(t0 + 1000 + cfg.idle_timeout_ns + 1);
  ASSERT_EQ(out.records.size(), 1u) << "b expires on time";
  EXPECT_EQ(out.records[0].src_ip[3], 3);
}

TEST(FlowTable, FlushCallsAFlowPastItsIdleTimeoutIdle) {
  Collect out;
  FlowTableConfig cfg = config();
  cfg.idle_timeout_ns = 30 * kSec;
  CollectingTable table(cfg, out);
  const uint64_t t0 = kT0 - kT0 % kG;
  const DecodedPacket a = pkt(1, 1000, 2, 53, 0, ipproto::udp);
  const DecodedPacket b = pkt(3, 1000, 2, 53, 0, ipproto::udp);
  table.on_packet(a, t0, 0);
  table.on_packet(b, t0 + 1000, 0);
  table.on_packet(a, t0 + 1'000'000, 0);
  table.expire(t0 + 1000 + cfg.idle_timeout_ns + 1);  // b is due, but waits behind a
  table.flush(FlowEndCause::end_of_capture);
  ASSERT_EQ(out.records.size(), 2u);
  for (const FlowRecord& r : out.records)
    EXPECT_EQ(r.end_cause, r.src_ip[3] == 3 ? FlowEndCause::idle_timeout : FlowEndCause::end_of_capture)
        << int(r.src_ip[3]);
}

}  // namespace

// SRC/DST_FRAGMENTS: a UDP datagram in three fragments each way. The first fragment has
// the ports; the map gives them to the two after it, which join the same flow.
TEST(FlowTable, NonFirstFragmentsJoinTheirDatagramsFlow) {
  Collect out;
  CollectingTable table(config(), out);
  FragmentMap frags;
  const auto send = [&](DecodedPacket first, uint32_t id, uint64_t t) {
    first.fragment = true;
    first.frag_id = id;
    first.ip_bytes = 1500;
    frags.remember(first, t);
    table.on_packet(first, t, 0);
    for (int i = 1; i <= 2; ++i) {
      DecodedPacket later = first;  // what the decoder leaves: no ports, no L4 fields
      later.src_port = later.dst_port = 0;
      later.ip_bytes = i == 2 ? 200 : 1500;
      ASSERT_TRUE(frags.recall(later, t + i));
      EXPECT_EQ(later.src_port, first.src_port);
      EXPECT_TRUE(table.on_fragment(later, t + i));
    }
  };
  const DecodedPacket q = pkt(1, 5353, 2, 2049, 0, ipproto::udp, 80);
  table.on_packet(q, kT0, 0);  // a whole datagram first: the client
  send(q, 0x1234, kT0 + 1000);
  send(reply(q, 0), 0x1234, kT0 + 2000);  // the same id the other way is another datagram
  send(reply(q, 0), 0x5678, kT0 + 3000);

  // A fragment whose first fragment was never seen finds nothing.
  DecodedPacket orphan = q;
  orphan.fragment = true;
  orphan.frag_id = 0x9999;
  orphan.src_port = orphan.dst_port = 0;
  EXPECT_FALSE(frags.recall(orphan, kT0 + 4000));
  // Past the reassembly timeout the first fragment is forgotten.
  DecodedPacket late = reply(q, 0);
  late.fragment = true;
  late.frag_id = 0x5678;
  late.src_port = late.dst_port = 0;
  EXPECT_FALSE(frags.recall(late, kT0 + 3000 + FragmentMap::kTimeoutNs + 1));

  table.flush(FlowEndCause::end_of_capture);
  ASSERT_EQ(out.records.size(), 1u);
  const FlowRecord& r = out.records[0];
  EXPECT_EQ(r.in_pkts, 4u);
  EXPECT_EQ(r.src_fragments, 3u);
  EXPECT_EQ(r.in_bytes, 80u + 1500 + 1500 + 200);
  EXPECT_EQ(r.out_pkts, 6u);
  EXPECT_EQ(r.dst_fragments, 6u);
  EXPECT_EQ(r.out_bytes, 2u * (1500 + 1500 + 200));
  EXPECT_EQ(r.min_ip_len, 80u);
  EXPECT_EQ(r.max_ip_len, 1500u);
}

// A fragment of a flow that has already ended is not counted anywhere but its counter.
TEST(FlowTable, FragmentOfAnEndedFlowIsNotAttributed) {
  Collect out;
  CollectingTable table(config(), out);
  DecodedPacket p = pkt(1, 1000, 2, 2000, 0, ipproto::udp);
  p.fragment = true;
  table.on_packet(p, kT0, 0);
  table.flush(FlowEndCause::end_of_capture);
  EXPECT_FALSE(table.on_fragment(p, kT0 + 1));
  ASSERT_EQ(out.records.size(), 1u);
  EXPECT_EQ(out.records[0].src_fragments, 1u);
}
