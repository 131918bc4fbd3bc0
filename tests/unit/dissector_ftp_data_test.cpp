// FTP's data connections: the expected-flow table (add, match either way round, expiry,
// a full bucket), and the engine giving an announced connection to ftp_data from its first
// packet, as the FTP dissector announces it (PASV, EPSV, PORT), with its bytes handed to
// the rules as file.data.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dissectors/engine.hpp"
#include "dissectors/expected_flows.hpp"

using namespace flowprobe;
using namespace flowprobe::dissect;

namespace {

constexpr uint64_t kSec = 1'000'000'000;

std::array<uint8_t, 16> v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) { return {a, b, c, d}; }

ExpectedFlow expect(std::array<uint8_t, 16> orig, std::array<uint8_t, 16> resp, uint16_t port) {
  ExpectedFlow e;
  e.orig = orig;
  e.resp = resp;
  e.resp_port = port;
  e.kind = AppKind::ftp_data;
  return e;
}

const auto kClient = v4(141, 142, 220, 235);
const auto kServer = v4(199, 233, 217, 249);

}  // namespace

TEST(ExpectedFlows, MatchesTheAnnouncedConnectionEitherWayRound) {
  ExpectedFlows t;
  ExpectedFlowCounters c;
  EXPECT_EQ(t.match(kClient.data(), 37604, kServer.data(), 56666, 4, 6, 0, c), AppKind::none);  // empty table
  t.add(expect(kClient, kServer, 56666), 10 * kSec, c);
  EXPECT_EQ(c.added, 1u);
  // The client connects from any port; the first packet seen may be the server's.
  EXPECT_EQ(t.match(kClient.data(), 37604, kServer.data(), 56666, 4, 6, 11 * kSec, c), AppKind::ftp_data);
  EXPECT_EQ(t.match(kServer.data(), 56666, kClient.data(), 40000, 4, 6, 11 * kSec, c), AppKind::ftp_data);
  EXPECT_EQ(c.matched, 2u);
  // Another originator, port, IP protocol or address family is not the announced one.
  const auto other = v4(10, 0, 0, 9);
  EXPECT_EQ(t.match(other.data(), 37604, kServer.data(), 56666, 4, 6, 11 * kSec, c), AppKind::none);
  EXPECT_EQ(t.match(kClient.data(), 37604, kServer.data(), 56667, 4, 6, 11 * kSec, c), AppKind::none);
  EXPECT_EQ(t.match(kClient.data(), 37604, kServer.data(), 56666, 4, 17, 11 * kSec, c), AppKind::none);
  EXPECT_EQ(t.match(kClient.data(), 37604, kServer.data(), 56666, 6, 6, 11 * kSec, c), AppKind::none);
  EXPECT_EQ(c.matched, 2u);
  // Announced again (a second PASV naming the same port): the entry is renewed, not doubled.
  t.add(expect(kClient, kServer, 56666), 12 * kSec, c);
  EXPECT_EQ(c.added, 2u);
  EXPECT_EQ(c.evicted + c.expired, 0u);
}

TEST(ExpectedFlows, EntriesExpireAndTheirSlotsAreTakenAgain) {
  ExpectedFlows t(4);  // one bucket
  ExpectedFlowCounters c;
  t.add(expect(kClient, kServer, 1000), 0, c, 5 * kSec);
  EXPECT_EQ(t.match(kClient.data(), 40000, kServer.data(), 1000, 4, 6, 5 * kSec - 1, c), AppKind::ftp_data);
  EXPECT_EQ(t.match(kClient.data(), 40000, kServer.data(), 1000, 4, 6, 5 * kSec, c), AppKind::none);
  // Four more: three free slots, then the expired entry's, counted as expired, not evicted.
  for (uint16_t p = 1001; p <= 1004; ++p) t.add(expect(kClient, kServer, p), 6 * kSec, c);
  EXPECT_EQ(c.added, 5u);
  EXPECT_EQ(c.expired, 1u);
  EXPECT_EQ(c.evicted, 0u);
  for (uint16_t p = 1001; p <= 1004; ++p)
    EXPECT_EQ(t.match(kClient.data(), 40000, kServer.data(), p, 4, 6, 7 * kSec, c), AppKind::ftp_data) << p;
}

TEST(ExpectedFlows, AFullTablePushesOutTheEntryThatExpiresFirst) {
  ExpectedFlows t(4);
  EXPECT_EQ(t.capacity(), 4u);
  ExpectedFlowCounters c;
  // Added at 1 s, 2 s, 3 s, 4 s: the first expires first.
  for (uint16_t p = 2001; p <= 2004; ++p) t.add(expect(kClient, kServer, p), (p - 2000) * kSec, c);
  t.add(expect(kClient, kServer, 2005), 5 * kSec, c);
  EXPECT_EQ(c.evicted, 1u);
  EXPECT_EQ(c.expired, 0u);
  EXPECT_EQ(t.match(kClient.data(), 40000, kServer.data(), 2001, 4, 6, 6 * kSec, c), AppKind::none);
  for (uint16_t p = 2002; p <= 2005; ++p)
    EXPECT_EQ(t.match(kClient.data(), 40000, kServer.data(), p, 4, 6, 6 * kSec, c), AppKind::ftp_data) << p;
}

namespace {

struct Parts final : TxSink {
  std::vector<TxPartView> views;
  std::vector<std::string> bodies;
  void part(const TxPartView& v) noexcept override {
    views.push_back(v);
    bodies.emplace_back(v.body);
  }
  void emit(AppKind, const void*, std::size_t, uint64_t) noexcept override {}
};

std::span<const uint8_t> bytes(const std::string& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

// One TCP connection between two addresses, fed to the engine as the L7 engine feeds it.
struct Conn {
  DissectorEngine& engine;
  std::array<uint8_t, 16> client, server;
  uint16_t client_port, server_port;
  FlowDissect fd;
  AppMetadata meta;
  uint32_t seq[2] = {1000, 5000};
  uint64_t ts = 0;

  // Its first packet (a SYN from the client), as the L7 engine reports a new flow.
  void start(uint64_t ts_ns) {
    DecodedPacket p;
    p.ip_version = 4;
    p.l4_proto = 6;
    p.src_ip = client;
    p.dst_ip = server;
    p.src_port = client_port;
    p.dst_port = server_port;
    p.tcp_flags = 0x02;
    engine.on_flow_start(fd, meta, p, ts_ns);
  }
  void send(bool from_client, const std::string& s, uint64_t ts_ns) {
    PacketContext c;
    c.payload = bytes(s);
    c.ts_ns = ts_ns;
    c.l4_proto = 6;
    c.from_client = from_client;
    c.client_port = client_port;
    c.server_port = server_port;
    c.client_ip = client.data();
    c.server_ip = server.data();
    c.ip_version = 4;
    c.tcp_seq = seq[from_client ? 0 : 1];
    seq[from_client ? 0 : 1] += static_cast<uint32_t>(s.size());
    engine.on_packet(fd, meta, c);
  }
};

}  // namespace

TEST(FtpData, AnnouncedConnectionsAreFtpDataFromTheirFirstPacket) {
  Parts sink;
  sink.parts_wanted = true;  // as with rules loaded
  EngineConfig cfg;
  cfg.tx = &sink;
  DissectorEngine engine(cfg);
  const std::size_t fd_index = protocol_index(AppKind::ftp_data);
  Conn control{engine, kClient, kServer, 50003, 21};
  control.start(0);
  control.send(false, "220 ftp.NetBSD.org FTP server ready.\r\n", 1 * kSec);
  control.send(true, "USER anonymous\r\n", 2 * kSec);
  control.send(false, "331 Guest login ok.\r\n", 3 * kSec);
  control.send(true, "PASV\r\n", 4 * kSec);
  control.send(false, "227 Entering Passive Mode (199,233,217,249,221,90)\r\n", 5 * kSec);
  control.send(true, "EPSV\r\n", 6 * kSec);
  control.send(false, "229 Entering Extended Passive Mode (|||56667|)\r\n", 7 * kSec);
  control.send(true, "PORT 141,142,220,235,131,46\r\n", 8 * kSec);
  control.send(false, "200 PORT command successful.\r\n", 9 * kSec);
  ASSERT_EQ(control.meta.kind, AppKind::ftp);
  EXPECT_EQ(engine.counters().expected.added, 3u);

  // Passive (227): the client connects to the address and port the reply named.
  Conn pasv{engine, kClient, kServer, 37604, 56666};
  pasv.start(10 * kSec);
  EXPECT_EQ(pasv.meta.kind, AppKind::ftp_data);
  pasv.send(false, "User-agent: *\nDisallow: *.tgz\n", 11 * kSec);
  ASSERT_EQ(sink.bodies.size(), 1u);
  EXPECT_EQ(sink.bodies[0], "User-agent: *\nDisallow: *.tgz\n");
  EXPECT_EQ(sink.views[0].kind, AppKind::ftp_data);
  EXPECT_EQ(sink.views[0].part, sig::TxPart::response_body);
  EXPECT_FALSE(sink.views[0].to_server);
  // A retransmission is not scanned twice.
  pasv.seq[1] -= 5;
  pasv.send(false, "tgz\n", 11 * kSec);
  EXPECT_EQ(sink.bodies.size(), 1u);

  // Extended passive (229 names no address): the control connection's server.
  Conn epsv{engine, kClient, kServer, 59378, 56667};
  epsv.start(12 * kSec);
  EXPECT_EQ(epsv.meta.kind, AppKind::ftp_data);

  // Active (PORT): the server connects to the client's address and port; what it sends is
  // to_server in the data connection's own terms.
  Conn port{engine, kServer, kClient, 20, 33582};
  port.start(13 * kSec);
  EXPECT_EQ(port.meta.kind, AppKind::ftp_data);
  port.send(true, "file bytes", 14 * kSec);
  ASSERT_EQ(sink.views.size(), 2u);
  EXPECT_EQ(sink.views[1].part, sig::TxPart::request_body);
  EXPECT_TRUE(sink.views[1].to_server);

  // Nobody announced this one: it is probed as any other flow.
  Conn other{engine, kClient, kServer, 40000, 56668};
  other.start(15 * kSec);
  EXPECT_EQ(other.meta.kind, AppKind::none);
  EXPECT_EQ(engine.counters().expected.matched, 3u);
  EXPECT_EQ(engine.counters().identified[fd_index], 3u);

  // Five minutes later the announcements are gone.
  Conn late{engine, kClient, kServer, 37700, 56666};
  late.start(5 * kSec + ExpectedFlows::kDefaultLifetimeNs);
  EXPECT_EQ(late.meta.kind, AppKind::none);
  for (Conn* c : {&control, &pasv, &epsv, &port, &other, &late}) engine.on_flow_end(c->fd, c->meta);
}

TEST(FtpData, OneTableForTwoCoresAndWithoutRulesNoState) {
  ExpectedFlows shared;
  EngineConfig cfg;  // no TxSink: nobody wants parts
  cfg.expected = &shared;
  DissectorEngine a(cfg), b(cfg);  // two RX cores, one table
  Conn control{a, kClient, kServer, 50003, 21};
  control.start(0);
  control.send(false, "220 ready\r\n", 1 * kSec);
  control.send(true, "PASV\r\n", 2 * kSec);
  control.send(false, "227 Entering Passive Mode (199,233,217,249,221,90)\r\n", 3 * kSec);
  EXPECT_EQ(a.counters().expected.added, 1u);
  // The data connection reaches the other core.
  Conn data{b, kClient, kServer, 37604, 56666};
  data.start(4 * kSec);
  EXPECT_EQ(data.meta.kind, AppKind::ftp_data);
  EXPECT_EQ(b.counters().expected.matched, 1u);
  data.send(false, "bytes", 5 * kSec);
  EXPECT_EQ(data.fd.status, FlowDissect::Status::finished);  // its state slot is back
  EXPECT_EQ(b.pool(protocol_index(AppKind::ftp_data)).in_use(), 0u);
  EXPECT_EQ(data.meta.kind, AppKind::ftp_data);
  b.on_flow_end(data.fd, data.meta);
  a.on_flow_end(control.fd, control.meta);
}
