// The Zeek TSV writer: header lines, escaping, unset/empty markers, and one crafted flow
// per dissector read back through the same parser the Zeek golden tests use.
#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <sstream>
#include <thread>

#include "export/yaf_flow.hpp"
#include "export/zeek_logs.hpp"
#include "support/run_program.hpp"
#include "support/zeek_log.hpp"

namespace fs = std::filesystem;
using namespace flowprobe;
using flowprobe::test::read_zeek_log;

namespace {

constexpr uint64_t kT0 = 1'700'000'000'123'456'789ull;  // 2023-11-14 22:13:20.123456789 UTC

FlowRecord v4_flow(const char* src, uint16_t sport, const char* dst, uint16_t dport, uint8_t proto) {
  FlowRecord r;
  r.ip_version = 4;
  r.protocol = proto;
  inet_pton(AF_INET, src, r.src_ip.data());
  inet_pton(AF_INET, dst, r.dst_ip.data());
  r.src_port = sport;
  r.dst_port = dport;
  r.first_ns = kT0;
  r.last_ns = kT0 + 1'500'000'000ull;
  return r;
}

std::vector<std::string> lines_of(const fs::path& p) {
  std::ifstream in(p);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// Four one-second flows ending 5, 30, 61 and 200 s past a minute boundary.
constexpr uint64_t kRotationBase = 1'700'000'040ull * 1'000'000'000ull;  // 2023-11-14 22:14:00
void write_four_flows(ZeekLogWriter& w) {
  constexpr uint64_t kS = 1'000'000'000ull;
  for (const uint64_t end_s : {5, 30, 61, 200}) {
    FlowRecord r = v4_flow("10.0.0.1", 1000, "10.0.0.2", 53, 17);
    r.first_ns = kRotationBase + end_s * kS - kS;
    r.last_ns = kRotationBase + end_s * kS;
    w.write(r, nullptr);
  }
}

std::string escaped(std::string_view s, bool in_set = false) {
  std::string o;
  zeek_escape(s, o, in_set);
  return o;
}

}  // namespace

TEST(ZeekLogs, Escaping) {
  EXPECT_EQ(escaped(""), "(empty)");
  EXPECT_EQ(escaped("-"), "\\x2d");
  EXPECT_EQ(escaped("--"), "--");
  EXPECT_EQ(escaped("a\tb"), "a\\x09b");
  EXPECT_EQ(escaped("a\\b"), "a\\\\b");
  EXPECT_EQ(escaped(std::string_view("x\0y\n\x7f", 5)), "x\\x00y\\x0a\\x7f");
  EXPECT_EQ(escaped("caf\xc3\xa9"), "caf\xc3\xa9");        // valid UTF-8 passes
  EXPECT_EQ(escaped("\xff\xc3"), "\\xff\\xc3");            // invalid bytes do not
  EXPECT_EQ(escaped("\xe0\x80\x80"), "\\xe0\\x80\\x80");  // overlong
  EXPECT_EQ(escaped("a,b"), "a,b");
  EXPECT_EQ(escaped("a,b", true), "a\\x2cb");
}

TEST(ZeekLogs, UidIsStableAndZeekShaped) {
  FlowRecord a = v4_flow("10.0.0.1", 40000, "10.0.0.2", 80, 6);
  ZeekUid x, y;
  const std::string u1(zeek_uid(a, x));
  EXPECT_EQ(u1, zeek_uid(a, y));
  EXPECT_EQ(u1[0], 'C');
  EXPECT_GE(u1.size(), 10u);
  EXPECT_LE(u1.size(), 18u);
  for (char c : u1.substr(1)) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << u1;
  a.first_ns += 1000;  // another connection of the same 5-tuple
  EXPECT_NE(u1, zeek_uid(a, y));
}

TEST(ZeekLogs, HeaderLinesAndCloseAndConnRow) {
  const fs::path dir = test::scratch_dir("zeek_logs_unit") / "hdr";
  fs::remove_all(dir);
  std::string error;
  auto w = ZeekLogWriter::open(dir.string(), error);
  ASSERT_TRUE(w) << error;
  FlowRecord r = v4_flow("192.168.1.10", 51000, "93.184.216.34", 80, 6);
  r.in_pkts = 5;
  r.in_bytes = 5 * 40 + 100;
  r.out_pkts = 4;
  r.out_bytes = 4 * 40 + 1000;
  r.conn_state = 3;  // SF
  std::memcpy(r.history.data(), "ShADadFf", 8);
  r.l7_flags = kL7Present;
  w->write(r, nullptr);
  // A lone packet: duration and byte counts unset, as Zeek writes them.
  FlowRecord one = v4_flow("1.1.1.1", 5353, "224.0.0.251", 5353, 17);
  one.last_ns = one.first_ns;
  one.in_pkts = 1;
  one.in_bytes = 60;
  std::memcpy(one.history.data(), "D", 1);
  one.conn_state = 1;  // S0
  w->write(one, nullptr);
  ASSERT_TRUE(w->finish()) << w->last_error();
  EXPECT_FALSE(fs::exists(dir / "dns.log"));  // only logs that have rows exist

  const auto lines = lines_of(dir / "conn.log");
  ASSERT_EQ(lines.size(), 11u);
  EXPECT_EQ(lines[0], "#separator \\x09");
  EXPECT_EQ(lines[1], "#set_separator\t,");
  EXPECT_EQ(lines[2], "#empty_field\t(empty)");
  EXPECT_EQ(lines[3], "#unset_field\t-");
  EXPECT_EQ(lines[4], "#path\tconn");
  EXPECT_EQ(lines[5], "#open\t2023-11-14-22-13-21");  // the first row's end, a packet time
  EXPECT_EQ(lines[6], "#fields\t" + std::string(zeek_log("conn")->fields));
  EXPECT_EQ(lines[7], "#types\t" + std::string(zeek_log("conn")->types));
  EXPECT_EQ(lines[10], "#close\t2023-11-14-22-13-21");

  const auto log = read_zeek_log(dir / "conn.log");
  ASSERT_EQ(log.rows.size(), 2u);
  const auto& c = log.rows[0];
  EXPECT_EQ(c["ts"], "1700000000.123456");
  EXPECT_EQ(c["uid"][0], 'C');
  EXPECT_EQ(c["id.orig_h"], "192.168.1.10");
  EXPECT_EQ(c["id.orig_p"], "51000");
  EXPECT_EQ(c["id.resp_h"], "93.184.216.34");
  EXPECT_EQ(c["id.resp_p"], "80");
  EXPECT_EQ(c["proto"], "tcp");
  EXPECT_EQ(c["service"], "-");
  EXPECT_EQ(c["duration"], "1.500000");
  EXPECT_EQ(c["orig_bytes"], "100");
  EXPECT_EQ(c["resp_bytes"], "1000");
  EXPECT_EQ(c["conn_state"], "SF");
  EXPECT_EQ(c["local_orig"], "T");  // private address space, Zeek's default local_nets
  EXPECT_EQ(c["local_resp"], "F");
  EXPECT_EQ(c["missed_bytes"], "0");
  EXPECT_EQ(c["history"], "ShADadFf");
  EXPECT_EQ(c["orig_pkts"], "5");
  EXPECT_EQ(c["orig_ip_bytes"], "300");
  EXPECT_EQ(c["resp_pkts"], "4");
  EXPECT_EQ(c["resp_ip_bytes"], "1160");
  EXPECT_EQ(c["tunnel_parents"], "-");
  EXPECT_EQ(c["ip_proto"], "6");
  const auto& u = log.rows[1];
  EXPECT_EQ(u["duration"], "-");
  EXPECT_EQ(u["orig_bytes"], "-");
  EXPECT_EQ(u["resp_bytes"], "-");
  EXPECT_EQ(u["proto"], "udp");
  EXPECT_EQ(u["conn_state"], "S0");
  EXPECT_EQ(u["local_resp"], "F");
}

// --log-profile osect: the sensor's layout (8 '#' lines, rows, "#close"), conn.log's
// columns (MACs last, local_* unset, no ip_proto), and the other IP protocols in
// yaf_flow.log with YAF's wording.
TEST(ZeekLogs, OsectProfileConnAndYafFlow) {
  const fs::path dir = test::scratch_dir("zeek_logs_unit") / "osect";
  fs::remove_all(dir);
  std::string error;
  auto w = ZeekLogWriter::open(dir.string(), error, 0, LogProfile::osect);
  ASSERT_TRUE(w) << error;
  FlowRecord t = v4_flow("192.168.1.10", 51000, "93.184.216.34", 80, 6);
  t.in_pkts = 3;
  t.in_bytes = 120;
  t.out_pkts = 2;
  t.out_bytes = 80;
  t.conn_state = 3;  // SF
  std::memcpy(t.history.data(), "ShAFf", 5);
  t.src_mac = {0x00, 0x1b, 0x21, 0xaa, 0xbb, 0xcc};
  t.dst_mac = {0x3c, 0xFD, 0xFE, 0x01, 0x02, 0x03};
  w->write(t, nullptr);
  FlowRecord g = v4_flow("10.0.0.1", 0, "10.0.0.2", 0, 47);  // GRE, answered after 2 ms, VLAN 36
  g.src_mac = {0x02, 0, 0, 0, 0, 0x01};
  g.dst_mac = {0x02, 0, 0, 0, 0, 0x02};
  g.vlan = 36;
  g.in_pkts = 4;
  g.in_bytes = 400;
  g.out_pkts = 3;
  g.out_bytes = 300;
  g.reverse_delay_us = 2000 + 1;
  g.end_cause = FlowEndCause::idle_timeout;
  w->write(g, nullptr);
  FlowRecord x = v4_flow("10.0.0.3", 0, "224.0.0.18", 0, 200);  // unassigned, one way, at EOF
  x.last_ns = x.first_ns;
  x.in_pkts = 1;
  x.in_bytes = 60;
  x.vlan = 0xabc;
  x.end_cause = FlowEndCause::end_of_capture;
  w->write(x, nullptr);
  ASSERT_TRUE(w->finish()) << w->last_error();

  const auto conn = lines_of(dir / "conn.log");
  ASSERT_EQ(conn.size(), 10u);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(conn[i], "#");
  EXPECT_EQ(conn[9], "#close");
  const auto c = test::read_headerless_log(dir / "conn.log", zeek_log("conn")->osect_fields);
  ASSERT_EQ(c.rows.size(), 1u);
  EXPECT_EQ(c.rows[0]["#columns"], "23");
  EXPECT_EQ(c.rows[0]["proto"], "tcp");
  EXPECT_EQ(c.rows[0]["local_orig"], "-");
  EXPECT_EQ(c.rows[0]["local_resp"], "-");
  EXPECT_EQ(c.rows[0]["tunnel_parents"], "-");
  EXPECT_EQ(c.rows[0]["orig_l2_addr"], "00:1b:21:aa:bb:cc");
  EXPECT_EQ(c.rows[0]["resp_l2_addr"], "3c:fd:fe:01:02:03");

  const auto yaf = lines_of(dir / "yaf_flow.log");
  ASSERT_EQ(yaf.size(), 3u);
  EXPECT_EQ(yaf[0],
            "#ts     start-time      end-time        duration        rtt     proto   sip     sp      dip     dp "
            "srcMacAddress    destMacAddress  iflags  uflags  riflags ruflags isn     risn    tag     rtag    pktoct      "
            "rpkt    roct    end-reason");
  EXPECT_EQ(yaf[1],
            "1700000000.123\t2023-11-14 22:13:20.123\t2023-11-14 22:13:21.623\t1.500\t0.002\tgre\t10.0.0.1\t0\t"
            "10.0.0.2\t0\t02:00:00:00:00:01\t02:00:00:00:00:02\t\t\t\t\t00000000\t00000000\t024\t024\t4\t400\t3\t300\t"
            "idle");
  EXPECT_EQ(yaf[2],
            "1700000000.123\t2023-11-14 22:13:20.123\t2023-11-14 22:13:20.123\t0.000\t0.000\tUnassigned Protocol(200)\t"
            "10.0.0.3\t0\t224.0.0.18\t0\t00:00:00:00:00:00\t00:00:00:00:00:00\t\t\t\t\t00000000\t00000000\tabc\t000\t1\t"
            "60\t0\t0\teof");
  char tmp[32];
  EXPECT_EQ(yaf_proto_name(89, tmp), "ospfigp");
  EXPECT_EQ(yaf_proto_name(112, tmp), "vrrp");
  EXPECT_EQ(yaf_proto_name(132, tmp), "sctp");
  EXPECT_EQ(yaf_proto_name(84, tmp), "iptm");
  EXPECT_EQ(yaf_proto_name(61, tmp), "Unassigned Protocol(61)");
  EXPECT_EQ(yaf_proto_name(255, tmp), "reserved");

  // Zeek's profile keeps them in conn.log and writes no yaf_flow.log.
  const fs::path zdir = test::scratch_dir("zeek_logs_unit") / "zeek_profile";
  fs::remove_all(zdir);
  auto z = ZeekLogWriter::open(zdir.string(), error);
  ASSERT_TRUE(z) << error;
  z->write(g, nullptr);
  ASSERT_TRUE(z->finish());
  EXPECT_FALSE(fs::exists(zdir / "yaf_flow.log"));
  EXPECT_EQ(read_zeek_log(zdir / "conn.log").rows.at(0)["proto"], "unknown_transport");
}

TEST(ZeekLogs, IcmpPortsAreTypeAndCounterpart) {
  const fs::path dir = test::scratch_dir("zeek_logs_unit") / "icmp";
  fs::remove_all(dir);
  std::string error;
  auto w = ZeekLogWriter::open(dir.string(), error);
  ASSERT_TRUE(w) << error;
  FlowRecord echo = v4_flow("10.1.1.1", 0, "8.8.8.8", 0, 1);
  echo.icmp_type = 8 << 8;
  echo.in_pkts = 2;
  echo.in_bytes = 2 * 84;
  echo.conn_state = 13;  // OTH
  w->write(echo, nullptr);
  FlowRecord unreach = v4_flow("10.1.1.1", 0, "8.8.8.8", 0, 1);
  unreach.icmp_type = 3 << 8 | 3;
  w->write(unreach, nullptr);
  ASSERT_TRUE(w->finish());
  const auto log = read_zeek_log(dir / "conn.log");
  ASSERT_EQ(log.rows.size(), 2u);
  EXPECT_EQ(log.rows[0]["id.orig_p"], "8");
  EXPECT_EQ(log.rows[0]["id.resp_p"], "0");
  EXPECT_EQ(log.rows[0]["proto"], "icmp");
  EXPECT_EQ(log.rows[0]["orig_bytes"], "112");  // 84 - 20 - 8 per packet
  EXPECT_EQ(log.rows[0]["history"], "-");
  EXPECT_EQ(log.rows[1]["id.orig_p"], "3");
  EXPECT_EQ(log.rows[1]["id.resp_p"], "3");  // one-way: the code
}

TEST(ZeekLogs, ProtocolLogsFromDissectorMetadata) {
  const fs::path dir = test::scratch_dir("zeek_logs_unit") / "l7";
  fs::remove_all(dir);
  std::string error;
  auto w = ZeekLogWriter::open(dir.string(), error);
  ASSERT_TRUE(w) << error;
  // Each flow as the probe hands it over: its record (conn.log, and dhcp.log whose rows
  // are per flow), then its one transaction (the protocol's log), joined by flow_id.
  uint64_t next_id = 1;
  const auto put = [&](FlowRecord r, const dissect::AppMetadata& app) {
    r.flow_id = next_id++;
    w->write(r, &app);
    dpi::TxRecord t;
    t.flow_id = r.flow_id;
    t.ts_ns = r.first_ns;
    t.src_ip = r.src_ip;
    t.dst_ip = r.dst_ip;
    t.src_port = r.src_port;
    t.dst_port = r.dst_port;
    t.ip_version = r.ip_version;
    t.protocol = r.protocol;
    t.depth = 1;
    t.app = app;
    w->write(t);
  };

  dissect::AppMetadata dns;
  dns.set_kind(dissect::AppKind::dns);
  dns.u.dns.query.assign("www.example.com");
  dns.u.dns.answers.assign("93.184.216.34");
  dns.u.dns.query_type = 1;
  dns.u.dns.query_id = 4242;
  dns.u.dns.num_answers = 1;
  dns.u.dns.ttl_answer = 300;
  dns.u.dns.answers_kept = 1;  // as the dissector keeps each answer's TTL
  dns.u.dns.answer_ttl[0] = 300;
  dns.u.dns.has_query = dns.u.dns.has_response = true;
  dns.u.dns.qclass = 1;
  dns.u.dns.rtt_us = 2500;
  dns.u.dns.query_flags = 0x0100;     // RD
  dns.u.dns.response_flags = 0x8580;  // QR AA RD RA
  const FlowRecord dns_flow = v4_flow("10.0.0.5", 33333, "10.0.0.1", 53, 17);
  put(dns_flow, dns);

  dissect::AppMetadata nx;
  nx.set_kind(dissect::AppKind::dns);
  nx.u.dns.query.assign("bad\tname");
  nx.u.dns.query_type = 28;
  nx.u.dns.ret_code = 3;
  nx.u.dns.has_query = nx.u.dns.has_response = true;
  put(v4_flow("10.0.0.5", 33334, "10.0.0.1", 53, 17), nx);

  dissect::AppMetadata http;
  http.set_kind(dissect::AppKind::http);
  http.u.http.method.assign("GET");
  http.u.http.url.assign("/a%20b?q=-");
  http.u.http.host.assign("example.com");
  http.u.http.user_agent.assign("curl/8.0");
  http.u.http.ret_code = 200;
  http.u.http.version = 11;
  http.u.http.has_request = http.u.http.has_response = true;
  put(v4_flow("10.0.0.5", 40000, "10.0.0.9", 80, 6), http);

  dissect::AppMetadata tls;
  tls.set_kind(dissect::AppKind::tls);
  tls.u.tls.server_name.assign("example.org");
  tls.u.tls.version = 0x0304;
  tls.u.tls.cipher = 0x1301;
  tls.u.tls.alpn_negotiated.assign("h2");
  tls.u.tls.has_client_hello = tls.u.tls.has_server_hello = true;
  put(v4_flow("10.0.0.5", 40001, "10.0.0.9", 443, 6), tls);

  dissect::AppMetadata dhcp;
  dhcp.set_kind(dissect::AppKind::dhcp);
  dhcp.u.dhcp.host_name.assign("laptop");
  dhcp.u.dhcp.client_mac = {0x00, 0x0B, 0x82, 0x01, 0xFC, 0x42};
  dhcp.u.dhcp.requested_ip = {192, 168, 0, 10};
  dhcp.u.dhcp.assigned_ip = {192, 168, 0, 10};
  dhcp.u.dhcp.msg_types = (1u << 1) | (1u << 3);  // DISCOVER, REQUEST
  put(v4_flow("0.0.0.0", 68, "255.255.255.255", 67, 17), dhcp);

  dissect::AppMetadata ssh;
  ssh.set_kind(dissect::AppKind::ssh);
  ssh.u.ssh.client_signature.assign("SSH-2.0-OpenSSH_6.2");
  ssh.u.ssh.server_signature.assign("SSH-1.99-OpenSSH_6.6.1p1 Ubuntu-2ubuntu2");
  ssh.u.ssh.kex_alg.assign("diffie-hellman-group-exchange-sha256");
  ssh.u.ssh.host_key_alg.assign("ssh-rsa");
  ssh.u.ssh.cipher_alg.assign("aes128-ctr");
  ssh.u.ssh.mac_alg.assign("hmac-md5-etm@openssh.com");
  ssh.u.ssh.compression_alg.assign("none");
  put(v4_flow("192.168.2.1", 57189, "192.168.2.158", 22, 6), ssh);
  ASSERT_TRUE(w->finish()) << w->last_error();

  // Every log: Zeek's #fields/#types for its columns.
  for (const char* kind : {"conn", "dns", "http", "ssl", "dhcp", "ssh"}) {
    const auto lines = lines_of(dir / (std::string(kind) + ".log"));
    ASSERT_GE(lines.size(), 9u) << kind;
    EXPECT_EQ(lines[4], "#path\t" + std::string(kind));
    EXPECT_EQ(lines[6], "#fields\t" + std::string(zeek_log(kind)->fields));
    const auto nfields = std::count(lines[6].begin(), lines[6].end(), '\t');
    EXPECT_EQ(std::count(lines[7].begin(), lines[7].end(), '\t'), nfields);
    for (std::size_t i = 8; i + 1 < lines.size(); ++i)
      EXPECT_EQ(std::count(lines[i].begin(), lines[i].end(), '\t'), nfields - 1) << lines[i];
    EXPECT_EQ(lines.back().rfind("#close\t", 0), 0u);
  }

  const auto conn = read_zeek_log(dir / "conn.log");
  ASSERT_EQ(conn.rows.size(), 6u);
  EXPECT_EQ(conn.rows[5]["service"], "ssh");
  // ssh.log: Zeek's row for this connection of its ssh.basic baseline, but for what is
  // not kept (auth_success, auth_attempts, host_key_fingerprint).
  const auto sl = read_zeek_log(dir / "ssh.log");
  ASSERT_EQ(sl.rows.size(), 1u);
  EXPECT_EQ(sl.rows[0]["uid"], conn.rows[5]["uid"]);
  EXPECT_EQ(sl.rows[0]["version"], "2");  // 1.99 against 2 settles on 2
  EXPECT_EQ(sl.rows[0]["client"], "SSH-2.0-OpenSSH_6.2");
  EXPECT_EQ(sl.rows[0]["server"], "SSH-1.99-OpenSSH_6.6.1p1 Ubuntu-2ubuntu2");
  EXPECT_EQ(sl.rows[0]["cipher_alg"], "aes128-ctr");
  EXPECT_EQ(sl.rows[0]["kex_alg"], "diffie-hellman-group-exchange-sha256");
  EXPECT_EQ(sl.rows[0]["host_key_fingerprint"], "-");
  EXPECT_EQ(conn.rows[0]["service"], "dns");
  EXPECT_EQ(conn.rows[2]["service"], "http");
  EXPECT_EQ(conn.rows[3]["service"], "ssl");
  EXPECT_EQ(conn.rows[4]["service"], "dhcp");

  const auto d = read_zeek_log(dir / "dns.log");
  ASSERT_EQ(d.rows.size(), 2u);
  EXPECT_EQ(d.rows[0]["uid"], conn.rows[0]["uid"]);  // the same flow, the same uid
  EXPECT_EQ(d.rows[0]["proto"], "udp");
  EXPECT_EQ(d.rows[0]["trans_id"], "4242");
  EXPECT_EQ(d.rows[0]["query"], "www.example.com");
  EXPECT_EQ(d.rows[0]["qtype"], "1");
  EXPECT_EQ(d.rows[0]["qtype_name"], "A");
  EXPECT_EQ(d.rows[0]["rcode"], "0");
  EXPECT_EQ(d.rows[0]["rcode_name"], "NOERROR");
  EXPECT_EQ(d.rows[0]["answers"], "93.184.216.34");
  EXPECT_EQ(d.rows[0]["TTLs"], "300.000000");
  EXPECT_EQ(d.rows[0]["rtt"], "0.002500");
  EXPECT_EQ(d.rows[1]["rtt"], "-");
  EXPECT_EQ(d.rows[0]["qclass"], "1");
  EXPECT_EQ(d.rows[0]["qclass_name"], "C_INTERNET");
  EXPECT_EQ(d.rows[0]["AA"], "T");
  EXPECT_EQ(d.rows[0]["TC"], "F");
  EXPECT_EQ(d.rows[0]["RD"], "T");
  EXPECT_EQ(d.rows[0]["RA"], "T");
  EXPECT_EQ(d.rows[0]["Z"], "0");
  EXPECT_EQ(d.rows[0]["rejected"], "F");
  EXPECT_EQ(d.rows[0]["opcode"], "0");
  EXPECT_EQ(d.rows[0]["opcode_name"], "query");
  EXPECT_EQ(d.rows[1]["query"], "bad\\x09name");
  EXPECT_EQ(d.rows[1]["qtype_name"], "AAAA");
  EXPECT_EQ(d.rows[1]["rcode_name"], "NXDOMAIN");
  EXPECT_EQ(d.rows[1]["answers"], "-");
  EXPECT_EQ(d.rows[1]["AA"], "F");  // no answers: Zeek's default

  const auto h = read_zeek_log(dir / "http.log");
  ASSERT_EQ(h.rows.size(), 1u);
  EXPECT_EQ(h.rows[0]["uid"], conn.rows[2]["uid"]);
  EXPECT_EQ(h.rows[0]["trans_depth"], "1");
  EXPECT_EQ(h.rows[0]["method"], "GET");
  EXPECT_EQ(h.rows[0]["host"], "example.com");
  EXPECT_EQ(h.rows[0]["uri"], "/a b?q=-");  // %XX decoded, as Zeek logs it
  EXPECT_EQ(h.rows[0]["referrer"], "-");
  EXPECT_EQ(h.rows[0]["version"], "1.1");
  EXPECT_EQ(h.rows[0]["user_agent"], "curl/8.0");
  EXPECT_EQ(h.rows[0]["status_code"], "200");
  EXPECT_EQ(h.rows[0]["tags"], "(empty)");

  const auto s = read_zeek_log(dir / "ssl.log");
  ASSERT_EQ(s.rows.size(), 1u);
  EXPECT_EQ(s.rows[0]["version"], "TLSv13");
  EXPECT_EQ(s.rows[0]["cipher"], "TLS_AES_128_GCM_SHA256");
  EXPECT_EQ(s.rows[0]["server_name"], "example.org");
  EXPECT_EQ(s.rows[0]["next_protocol"], "h2");
  EXPECT_EQ(s.rows[0]["established"], "-");

  const auto c = read_zeek_log(dir / "dhcp.log");
  ASSERT_EQ(c.rows.size(), 1u);
  EXPECT_EQ(c.rows[0]["uids"], conn.rows[4]["uid"]);
  EXPECT_EQ(c.rows[0]["client_addr"], "-");  // 0.0.0.0
  EXPECT_EQ(c.rows[0]["server_addr"], "-");  // broadcast
  EXPECT_EQ(c.rows[0]["mac"], "00:0b:82:01:fc:42");
  EXPECT_EQ(c.rows[0]["host_name"], "laptop");
  EXPECT_EQ(c.rows[0]["requested_addr"], "192.168.0.10");
  EXPECT_EQ(c.rows[0]["assigned_addr"], "192.168.0.10");
  EXPECT_EQ(c.rows[0]["msg_types"], "DISCOVER,REQUEST");
  EXPECT_EQ(c.rows[0]["duration"], "1.500000");
}

TEST(ZeekLogs, OpenRefusesWhatIsNotADirectory) {
  const fs::path base = test::scratch_dir("zeek_logs_unit");
  const fs::path file = base / "a-file";
  std::ofstream(file) << "x";
  std::string error;
  EXPECT_FALSE(ZeekLogWriter::open(file.string(), error));
  EXPECT_NE(error.find("not a directory"), std::string::npos) << error;
  error.clear();
  EXPECT_FALSE(ZeekLogWriter::open((file / "sub").string(), error));
  EXPECT_NE(error.find("cannot create directory"), std::string::npos) << error;
  const fs::path nested = base / "made" / "by" / "open";
  fs::remove_all(base / "made");
  EXPECT_TRUE(ZeekLogWriter::open(nested.string(), error)) << error;
  EXPECT_TRUE(fs::is_directory(nested));
}

TEST(ZeekLogs, RotationOnPacketTimeWithZeeksNames) {
  const fs::path dir = test::scratch_dir("zeek_logs_unit") / "rotate";
  fs::remove_all(dir);
  std::string error;
  auto w = ZeekLogWriter::open(dir.string(), error, 60);
  ASSERT_TRUE(w) << error;
  write_four_flows(*w);
  ASSERT_TRUE(w->finish()) << w->last_error();
  EXPECT_EQ(w->counters().rotations, 2u);
  // Opened by the record ending at +5 s, closed at the +60 s boundary.
  const auto first = lines_of(dir / "conn.2023-11-14-22-14-05.log");
  ASSERT_EQ(first.size(), 11u);
  EXPECT_EQ(first[5], "#open\t2023-11-14-22-14-05");
  EXPECT_EQ(first.back(), "#close\t2023-11-14-22-15-00");
  const auto second = lines_of(dir / "conn.2023-11-14-22-15-01.log");
  ASSERT_EQ(second.size(), 10u);
  EXPECT_EQ(second.back(), "#close\t2023-11-14-22-16-00");
  const auto live = lines_of(dir / "conn.log");  // the last one keeps the live name
  ASSERT_EQ(live.size(), 10u);
  EXPECT_EQ(live[5], "#open\t2023-11-14-22-17-20");
  EXPECT_EQ(live.back(), "#close\t2023-11-14-22-17-20");
}

TEST(ZeekLogs, CycleDirectoriesHoldEachClosedSetAndTheLastOneAtFinish) {
  const fs::path dir = test::scratch_dir("zeek_logs_unit") / "sets";
  fs::remove_all(dir);
  std::string error;
  auto w = ZeekLogWriter::open(dir.string(), error, 60);
  ASSERT_TRUE(w) << error;
  w->set_cycle_dirs(true);
  std::vector<ClosedLogSet> sets;
  w->on_set_closed([&](ClosedLogSet&& s) { sets.push_back(std::move(s)); });
  write_four_flows(*w);
  ASSERT_TRUE(w->finish()) << w->last_error();
  constexpr uint64_t kS = 1'000'000'000ull;
  const uint64_t base = kRotationBase;
  // +5 and +30 in the first minute, +61 in the second, +200 in the fourth (no third: no rows).
  ASSERT_EQ(sets.size(), 3u);
  const uint64_t starts[] = {base, base + 60 * kS, base + 180 * kS};
  for (std::size_t i = 0; i < sets.size(); ++i) {
    const time_t secs = static_cast<time_t>(starts[i] / kS);
    tm t;
    localtime_r(&secs, &t);
    char name[64];
    std::strftime(name, sizeof name, "realtime-%Y-%m-%d-%H:%M:%S", &t);
    EXPECT_EQ(sets[i].name, name);
    EXPECT_TRUE(sets[i].own_dir);
    EXPECT_EQ(sets[i].dir, dir / name);
    EXPECT_EQ(sets[i].start_ns, starts[i]);
    ASSERT_EQ(sets[i].files.size(), 1u);
    EXPECT_EQ(sets[i].files[0], dir / name / "conn.log");
    EXPECT_EQ(lines_of(sets[i].files[0]).size(), i == 0 ? 11u : 10u);
  }
  EXPECT_EQ(lines_of(sets[2].files[0]).back(), "#close\t2023-11-14-22-17-20");  // finish(): the last row's time
  EXPECT_FALSE(fs::exists(dir / "conn.log")) << "no live file is left behind";
}

// A live port: an interval with no record after it still closes on the wall clock, at
// the exporter's idle flush.
TEST(ZeekLogs, LiveIntervalsCloseOnTheWallClockWithoutRecords) {
  const fs::path dir = test::scratch_dir("zeek_logs_unit") / "wall";
  fs::remove_all(dir);
  std::string error;
  auto w = ZeekLogWriter::open(dir.string(), error, 1);
  ASSERT_TRUE(w) << error;
  w->set_wall_clock(true);
  std::vector<ClosedLogSet> sets;
  w->on_set_closed([&](ClosedLogSet&& s) { sets.push_back(std::move(s)); });
  timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  FlowRecord r = v4_flow("10.0.0.1", 1000, "10.0.0.2", 53, 17);
  r.last_ns = uint64_t(now.tv_sec) * 1'000'000'000ull + uint64_t(now.tv_nsec);
  r.first_ns = r.last_ns - 1000;
  w->write(r, nullptr);
  w->flush();
  EXPECT_TRUE(sets.empty());
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // past the next second's boundary
  w->flush();
  ASSERT_EQ(sets.size(), 1u);
  EXPECT_EQ(sets[0].start_ns, uint64_t(now.tv_sec) * 1'000'000'000ull);
  ASSERT_EQ(sets[0].files.size(), 1u);
  EXPECT_EQ(lines_of(sets[0].files[0]).size(), 10u);
  ASSERT_TRUE(w->finish());
  EXPECT_EQ(sets.size(), 1u) << "nothing was written after: no second set";
}
