#include <gtest/gtest.h>
#include <simdjson.h>

#include <map>
#include <string>
#include <vector>

#include "export/eve.hpp"
#include "export/json_writer.hpp"
#include "signatures/signature_engine.hpp"
#include "tests/support/alert_collector.hpp"
#include "tests/support/conversation.hpp"

using namespace flowprobe;
using namespace flowprobe::sig;

namespace {

using Collect = test::AlertCollector;

std::unique_ptr<SignatureEngine> load(const std::string& rules, LoadReport* report = nullptr) {
  std::string error;
  LoadReport local;
  auto e = SignatureEngine::load_text(rules, default_rule_vars(), error, report ? report : &local);
  EXPECT_TRUE(e) << error;
  EXPECT_EQ((report ? report : &local)->rejected, 0u) << (report ? report : &local)->summary();
  return e;
}

// A flow between 10.0.0.1:40000 (client) and 192.0.2.80:80 (server).
struct Flow {
  test::Conversation conv;
  FlowContext ctx;

  explicit Flow(uint8_t p = 6) { conv.proto = p; }

  DecodedPacket packet(bool to_server, std::string_view payload, uint8_t flags = tcpflag::ack | tcpflag::psh) {
    return conv.packet(to_server, payload, flags);
  }
  void send(PerCoreScanner& s, Collect& sink, bool to_server, std::string_view payload, uint64_t ts = 1'000'000'000) {
    auto p = packet(to_server, payload);
    if (ctx.flow_id == 0) ctx.init(p, 7);
    s.scan_packet(p, ts, ctx, sink);
  }
};

int alerts_for(const std::string& rules, std::string_view payload, uint8_t proto = 6) {
  auto e = load(rules);
  if (!e) return -1;
  PerCoreScanner s(*e);
  Collect sink;
  Flow f(proto);
  f.send(s, sink, true, payload);
  return static_cast<int>(sink.size());
}

TEST(SignatureMatch, ContentOffsetDepthNocase) {
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"GET"; depth:3; sid:1;))", "GET /x"), 1);
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"GET"; depth:3; sid:1;))", " GET /x"), 0);
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"x"; offset:5; sid:1;))", "GET /x"), 1);
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"x"; offset:6; sid:1;))", "GET /x"), 0);
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"get"; nocase; sid:1;))", "xGeT"), 1);
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"get"; sid:1;))", "xGeT"), 0);
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"|41 42|C"; sid:1;))", "zABCz"), 1);
}

TEST(SignatureMatch, DistanceWithinAndBacktracking) {
  const std::string rule = R"(alert tcp any any -> any any (content:"AllWorkAndNoPlayMakesWill"; content:"DullBoy"; distance:1; within:7; sid:2;))";
  EXPECT_EQ(alerts_for(rule, "AllWorkAndNoPlayMakesWill.DullBoy"), 1);
  EXPECT_EQ(alerts_for(rule, "AllWorkAndNoPlayMakesWillDullBoy"), 0);    // distance 1 not met
  EXPECT_EQ(alerts_for(rule, "AllWorkAndNoPlayMakesWill..DullBoy"), 0);  // outside within
  // The first "a" fails the relative check; the second one succeeds (backtracking).
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"a"; content:"b"; distance:0; within:1; sid:1;))", "a-ab"), 1);
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"a"; content:"b"; distance:-2; within:1; sid:1;))", "ba"), 1);
}

TEST(SignatureMatch, NegationStartsEndsIsdataatDsize) {
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"GET"; content:!"evil"; sid:1;))", "GET good"), 1);
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"GET"; content:!"evil"; sid:1;))", "GET evil"), 0);
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:".exe"; endswith; sid:1;))", "a.exe"), 1);
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:".exe"; endswith; sid:1;))", "a.exe?"), 0);
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"ab"; startswith; sid:1;))", "abc"), 1);
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"ab"; startswith; sid:1;))", "cab"), 0);
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"ab"; isdataat:2,relative; sid:1;))", "abxx"), 1);
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"ab"; isdataat:!1,relative; sid:1;))", "ab"), 1);
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"ab"; isdataat:!1,relative; sid:1;))", "abx"), 0);
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"ab"; dsize:<5; sid:1;))", "abcd"), 1);
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"ab"; dsize:<5; sid:1;))", "abcde"), 0);
  // Only negated contents: no prefilter literal, checked on every packet.
  EXPECT_EQ(alerts_for(R"(alert udp any any -> any any (content:!"x"; sid:1;))", "abc", 17), 1);
}

TEST(SignatureMatch, PcreWithFlagsAndRelative) {
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"id="; pcre:"/id=\d{3}&/"; sid:1;))", "?id=123&"), 1);
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"id="; pcre:"/id=\d{3}&/"; sid:1;))", "?id=12&"), 0);
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"X"; pcre:"/^\d+$/R"; sid:1;))", "aX123"), 1);
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"X"; pcre:"/^\d+$/R"; sid:1;))", "aX12b"), 0);
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"x"; pcre:"/ABC/i"; sid:1;))", "x abc"), 1);
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"x"; pcre:!"/ABC/"; sid:1;))", "x abc"), 1);
  // A content relative to a pcre match uses the match end, retrying other ends.
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"foo"; pcre:"/foo\d+/"; content:"bar"; distance:0; within:3; sid:1;))", "foo123bar"), 1);
}

// PCRE2 where Hyperscan cannot answer as Suricata does: back-references, look-around,
// /E, and the match end a relative keyword after the pcre reads (greedy, or /G).
TEST(SignatureMatch, PcreOnPcre2WithSuricataFlags) {
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"x"; pcre:"/x(a)\1/"; sid:1;))", "xaa"), 1);
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"x"; pcre:"/x(a)\1/"; sid:1;))", "xab"), 0);
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"x"; pcre:"/xa(?=b)/"; sid:1;))", "xab"), 1);
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"x"; pcre:"/xa(?!b)/"; sid:1;))", "xab"), 0);
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"x"; pcre:"/(?<=q)x/"; sid:1;))", "qx"), 1);
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"x"; pcre:!"/x(a)\1/"; sid:1;))", "xab"), 1);
  // /E: $ only at the very end, not before a final newline.
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"abc"; pcre:"/abc$/"; sid:1;))", "abc\n"), 1);
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"abc"; pcre:"/abc$/E"; sid:1;))", "abc\n"), 0);
  // Greedy \d+ ends after "12", where "Y" is; ungreedy (/G) ends after "1": no "Y" there.
  const char* greedy = R"(alert tcp any any -> any any (content:"X"; pcre:"/X\d+/"; content:"Y"; distance:0; within:1; sid:1;))";
  const char* lazy = R"(alert tcp any any -> any any (content:"X"; pcre:"/X\d+/G"; content:"Y"; distance:0; within:1; sid:1;))";
  EXPECT_EQ(alerts_for(greedy, "X12Y"), 1);
  EXPECT_EQ(alerts_for(lazy, "X12Y"), 0);
  // A failed relative keyword retries the pcre one past its match start.
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"k="; pcre:"/k=\d/"; content:"!"; distance:0; within:1; sid:1;))", "k=1?k=2!"), 1);
  // /O lifts the match limit; the rule loads and matches as without it.
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"x"; pcre:"/x(a)\1/O"; sid:1;))", "xaa"), 1);
}

TEST(SignatureMatch, ByteTestAndByteJump) {
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"|ff|"; byte_test:2,>,0x100,0,relative; sid:1;))", std::string("\xff\x01\x01", 3)), 1);
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"|ff|"; byte_test:2,>,0x100,0,relative,little; sid:1;))", std::string("\xff\x01\x01", 3)), 1);
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"|ff|"; byte_test:2,>,0x200,0,relative; sid:1;))", std::string("\xff\x01\x01", 3)), 0);
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"len="; byte_test:3,=,123,0,relative,string,dec; sid:1;))", "len=123"), 1);
  // Jump over a length-prefixed field, then find "Z" right after it.
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"L"; byte_jump:1,0,relative; content:"Z"; within:1; sid:1;))", std::string("L\x03" "abcZ", 6)), 1);
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"L"; byte_jump:1,0,relative; content:"Z"; within:1; sid:1;))", std::string("L\x02" "abcZ", 6)), 0);
}

// Issue #14 defect 8: ET's `byte_test:0,<=,30000,0,string,dec` (11 rules of the 2019 set)
// loads, and as in Suricata a byte count of 0 reads the whole decimal number at the offset.
TEST(SignatureMatch, ByteTestOfZeroBytesReadsTheWholeStringNumber) {
  const std::string rules =
      "alert http any any -> any any (msg:\"jar under 30K\"; flow:established,to_client; http_content_len; "
      "byte_test:0,<=,30000,0,string,dec; sid:1;)\n"
      "alert http any any -> any any (msg:\"big\"; flow:established,to_client; http_content_len; "
      "byte_test:0,>,99,0,string,dec; sid:2;)\n";
  auto e = load(rules);
  ASSERT_TRUE(e);
  PerCoreScanner s(*e);
  Collect sink;
  Flow f;
  f.send(s, sink, true, "GET / HTTP/1.1\r\n\r\n");
  f.send(s, sink, false, "HTTP/1.1 200 OK\r\n\r\n");
  const auto len = [&](std::string_view v) {
    AppBuffers tx;
    tx.set(BufferKind::http_content_len, v);
    s.scan_buffers(tx, false, 2, f.ctx, sink);
  };
  len("29999");  // both: <= 30000 and > 99
  EXPECT_EQ(sink.count(1), 1);
  EXPECT_EQ(sink.count(2), 1);
  len("300000");  // six digits, all read: > 30000
  EXPECT_EQ(sink.count(1), 1);
  EXPECT_EQ(sink.count(2), 2);
  len("42");
  EXPECT_EQ(sink.count(1), 2);
  EXPECT_EQ(sink.count(2), 2);
  len("x1");  // no number at the offset: no match either way
  len("99999999999999999999999");  // overflows 64 bits: no match
  EXPECT_EQ(sink.count(1), 2);
  EXPECT_EQ(sink.count(2), 2);
  // Without `string`, 0 bytes reads the value 0; a base without `string` is refused, as Suricata does.
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"A"; byte_test:0,=,0,0; sid:1;))", "A"), 1);
  std::string error;
  LoadReport report;
  SignatureEngine::load_text(R"(alert tcp any any -> any any (content:"A"; byte_test:2,=,0,0,dec; sid:1;))",
                             default_rule_vars(), error, &report);
  EXPECT_EQ(report.rejected, 1u);
}

// ET's stream_size, ip_proto, id and icmp_id, with Suricata's meanings.
TEST(SignatureMatch, StreamSizeIpProtoIdIcmpId) {
  // stream_size: the sequence space a side used, SYN included (next_seq - isn).
  auto e = load("alert tcp any any -> any any (msg:\"tiny client\"; flow:to_server; stream_size:client,<,6; sid:1;)\n"
                "alert tcp any any -> any any (msg:\"server said 5\"; stream_size:server,=,6; sid:2;)\n"
                "alert tcp any any -> any any (msg:\"both over 3\"; stream_size:both,>,3; sid:3;)\n");
  ASSERT_TRUE(e);
  PerCoreScanner s(*e);
  Collect sink;
  Flow f;
  auto syn = f.packet(true, "", tcpflag::syn);
  f.conv.seq[0] += 1;
  f.ctx.init(syn, 7);
  s.scan_packet(syn, 1, f.ctx, sink);       // client: 1 (the SYN)
  EXPECT_EQ(sink.count(1), 1);
  f.send(s, sink, true, "abcd");            // client: 5
  EXPECT_EQ(sink.count(1), 2);
  f.send(s, sink, true, "e");               // client: 6, no longer < 6
  EXPECT_EQ(sink.count(1), 2);
  f.send(s, sink, false, "12345");          // server picked up midstream: 1 + 5
  EXPECT_EQ(sink.count(2), 1);
  EXPECT_EQ(sink.count(3), 1);              // client 6, server 6
  // ip_proto (names or numbers, negated), IPv4 id, ICMP echo id.
  EXPECT_EQ(alerts_for(R"(alert ip any any -> any any (ip_proto:udp; sid:1;))", "x", 17), 1);
  EXPECT_EQ(alerts_for(R"(alert ip any any -> any any (ip_proto:!17; sid:1;))", "x", 17), 0);
  EXPECT_EQ(alerts_for(R"(alert ip any any -> any any (ip_proto:6; sid:1;))", "x", 6), 1);
  const uint8_t ipv4[20] = {0x45, 0, 0, 28, 0x34, 0x12, 0, 0, 64, 1};
  const uint8_t icmp[9] = {8, 0, 0, 0, 0x02, 0x00, 0, 1, 'x'};  // echo request, id 512
  const auto icmp_alerts = [&](const std::string& rule) {
    auto eng = load(rule);
    PerCoreScanner sc(*eng);
    Collect out;
    Flow fl(1);
    DecodedPacket p = fl.packet(true, "x");
    p.l3 = {ipv4, sizeof(ipv4)};
    p.icmp_type = 8;
    p.payload = {icmp + 8, 1};
    fl.ctx.init(p, 9);
    sc.scan_packet(p, 1, fl.ctx, out);
    return out.alerts().size();
  };
  EXPECT_EQ(icmp_alerts(R"(alert icmp any any -> any any (icmp_id:512; sid:1;))"), 1u);
  EXPECT_EQ(icmp_alerts(R"(alert icmp any any -> any any (icmp_id:513; sid:1;))"), 0u);
  EXPECT_EQ(icmp_alerts(R"(alert ip any any -> any any (id:13330; sid:1;))"), 1u);  // 0x3412
  EXPECT_EQ(icmp_alerts(R"(alert ip any any -> any any (id:4660; sid:1;))"), 0u);
}

// Suricata's transforms, with its documentation's examples: a transformed buffer is
// matched after the transforms, and dotprefix/case rules still prefilter on the raw bytes.
TEST(SignatureMatch, TransformsAsSuricataDocumentsThem) {
  auto e = load(
      "alert dns any any -> any any (msg:\"dotprefix\"; dns.query; dotprefix; content:\".microsoft.com\"; endswith; sid:1;)\n"
      "alert http any any -> any any (msg:\"lower\"; http.uri; to_lowercase; content:\"/admin\"; sid:2;)\n"
      "alert http any any -> any any (msg:\"upper\"; http.method; to_uppercase; content:\"GET\"; startswith; sid:3;)\n"
      "alert http any any -> any any (msg:\"strip\"; http.user_agent; strip_whitespace; content:\"Mozilla/5.0(Windows)\"; sid:4;)\n"
      "alert http any any -> any any (msg:\"compress\"; http.user_agent; compress_whitespace; content:\"Mozilla/5.0 (Windows)\"; sid:5;)\n"
      "alert http any any -> any any (msg:\"url_decode\"; http.uri; url_decode; content:\"/a b<\"; sid:6;)\n"
      "alert http any any -> any any (msg:\"xor\"; http.cookie; xor:\"0d0ac8ff\"; content:\"password=\"; sid:7;)\n"
      "alert http any any -> any any (msg:\"md5\"; http.host; to_md5; content:\"|5d 41 40 2a bc 4b 2a 76 b9 71 9d 91 10 17 c5 92|\"; sid:8;)\n"
      "alert http any any -> any any (msg:\"sha256\"; http.host; to_sha256; bsize:32; sid:9;)\n"
      "alert http any any -> any any (msg:\"header_lowercase\"; http.header; header_lowercase; content:\"x-probe: One\"; sid:10;)\n"
      "alert http any any -> any any (msg:\"raw and transformed\"; http.uri; content:\"/ADMIN\"; http.uri; to_lowercase; content:\"/admin\"; sid:11;)\n");
  ASSERT_TRUE(e);
  PerCoreScanner s(*e);
  Collect sink;
  Flow f;
  f.send(s, sink, true, "x");
  s.scan_buffer(BufferKind::dns_query, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>("microsoft.com"), 13), true, 1, f.ctx, sink);
  s.scan_buffer(BufferKind::dns_query, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>("update.microsoft.com"), 20), true, 1, f.ctx, sink);
  s.scan_buffer(BufferKind::dns_query, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>("notmicrosoft.com"), 16), true, 1, f.ctx, sink);
  EXPECT_EQ(sink.count(1), 2);  // the domain and its subdomain, not a name that merely ends alike
  std::string cookie = "password=";
  const std::string key = "\x0d\x0a\xc8\xff";
  for (std::size_t i = 0; i < cookie.size(); ++i) cookie[i] = static_cast<char>(cookie[i] ^ key[i % 4]);
  AppBuffers tx;
  tx.set(BufferKind::http_uri, "/ADMIN/a%20b%3c");
  tx.set(BufferKind::http_method, "get");
  tx.set(BufferKind::http_user_agent, "Mozilla/5.0  \t(Windows)");
  tx.set(BufferKind::http_cookie, cookie);
  tx.set(BufferKind::http_host, "hello");
  tx.set(BufferKind::http_header, "X-Probe: One\r\n");
  s.scan_buffers(tx, true, 1, f.ctx, sink);
  for (uint32_t sid = 2; sid <= 11; ++sid) EXPECT_EQ(sink.count(sid), 1) << "sid " << sid;
  std::string error;
  LoadReport report;
  SignatureEngine::load_text("alert http any any -> any any (http.uri; content:\"x\"; to_lowercase; sid:1;)\n"
                             "alert tcp any any -> any any (to_lowercase; content:\"x\"; sid:2;)\n",
                             default_rule_vars(), error, &report);
  EXPECT_EQ(report.rejected, 2u);  // a transform after the content, or without a sticky buffer
}

// byte_extract, as Suricata's documentation and ET use it: a length read from the data
// bounds a later content (within:len) or is compared by byte_test.
TEST(SignatureMatch, ByteExtractVariables) {
  const std::string within = R"(alert tcp any any -> any any (content:"|05|"; byte_extract:1,0,len,relative; content:"abc"; distance:0; within:len; sid:1;))";
  EXPECT_EQ(alerts_for(within, std::string("\x05\x03" "abc", 5)), 1);
  EXPECT_EQ(alerts_for(within, std::string("\x05\x02" "abc", 5)), 0);
  const std::string test = R"(alert tcp any any -> any any (content:"|05|"; byte_extract:1,0,n,relative; byte_test:1,=,n,0,relative; sid:1;))";
  EXPECT_EQ(alerts_for(test, std::string("\x05\x07\x07", 3)), 1);
  EXPECT_EQ(alerts_for(test, std::string("\x05\x07\x08", 3)), 0);
  // A little-endian size with a multiplier, then isdataat at that distance.
  const std::string size = R"(alert tcp any any -> any any (content:"SZ"; byte_extract:2,0,sz,relative,little,multiplier 2; isdataat:sz,relative; sid:1;))";
  EXPECT_EQ(alerts_for(size, std::string("SZ\x02\x00" "abcd", 8)), 1);
  EXPECT_EQ(alerts_for(size, std::string("SZ\x03\x00" "abcd", 8)), 0);
  std::string error;
  LoadReport report;
  SignatureEngine::load_text(R"(alert tcp any any -> any any (content:"x"; byte_test:1,=,nosuch,0; sid:1;))", default_rule_vars(),
                             error, &report);
  ASSERT_EQ(report.rejected, 1u);
  EXPECT_EQ(report.rejections[0].reason, "unknown byte_extract variable");
}

TEST(SignatureMatch, HeaderAddressesPortsAndDirection) {
  EXPECT_EQ(alerts_for(R"(alert tcp 10.0.0.0/8 any -> any 80 (content:"a"; sid:1;))", "a"), 1);
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> 10.0.0.0/8 any (content:"a"; sid:1;))", "a"), 0);
  EXPECT_EQ(alerts_for(R"(alert tcp any any <> 10.0.0.0/8 any (content:"a"; sid:1;))", "a"), 1);
  EXPECT_EQ(alerts_for(R"(alert udp any any -> any any (content:"a"; sid:1;))", "a"), 0);  // TCP packet
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (flow:to_client; content:"a"; sid:1;))", "a"), 0);
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (flow:to_server,established; content:"a"; sid:1;))", "a"), 1);  // midstream
  EXPECT_EQ(alerts_for(R"(alert http any any -> any any (content:"a"; sid:1;))", "a"), 0);  // app proto unknown
}

TEST(SignatureMatch, TcpStreamMatchesAcrossSegments) {
  auto e = load(R"(alert tcp any any -> any any (content:"SPLITPATTERN"; sid:1;)
alert tcp-pkt any any -> any any (content:"SPLITPATTERN"; sid:2;)
alert tcp any any -> any any (content:"HEAD"; content:"TAIL"; distance:0; sid:3;))");
  ASSERT_TRUE(e);
  PerCoreScanner s(*e);
  Collect sink;
  Flow f;
  f.send(s, sink, true, "xxSPLIT");
  f.send(s, sink, false, "PATTERN from the other side");  // other direction: no joining
  f.send(s, sink, true, "PATTERNyy HEAD");
  f.send(s, sink, true, "zzTAIL");
  EXPECT_EQ(sink.count(1), 1);
  EXPECT_EQ(sink.count(2), 0);  // packet-only rule: no single packet holds it
  EXPECT_EQ(sink.count(3), 1);
  // A retransmission is not matched twice.
  auto p = f.packet(true, "zzTAIL");
  p.tcp_seq -= 6;
  s.scan_packet(p, 2, f.ctx, sink);
  EXPECT_EQ(sink.count(3), 1);
  EXPECT_EQ(s.free_stream_slots(), ScannerConfig{}.stream_slots - 2);
  s.on_flow_end(f.ctx);
  EXPECT_EQ(s.free_stream_slots(), ScannerConfig{}.stream_slots);
}

TEST(SignatureMatch, StreamDepthAndPoolExhaustionFallBackToPackets) {
  auto e = load(R"(alert tcp any any -> any any (content:"NEEDLE"; sid:1;))");
  ASSERT_TRUE(e);
  ScannerConfig cfg;
  cfg.stream_slots = 1;
  cfg.stream_depth = 10;
  PerCoreScanner s(*e, cfg);
  Collect sink;
  Flow a, b;
  a.send(s, sink, true, "0123456789");  // reaches the depth: the slot goes back
  EXPECT_EQ(s.free_stream_slots(), 1u);
  b.send(s, sink, true, "xx");          // takes the only slot
  a.send(s, sink, true, "NEEDLE");      // past depth: matched per packet
  Flow c;
  c.send(s, sink, true, "a NEEDLE");    // no slot left: matched per packet
  EXPECT_EQ(sink.count(1), 2);
  EXPECT_EQ(s.counters().stream_depth_reached, 1u);
  EXPECT_EQ(s.counters().stream_pool_exhausted, 1u);
}

TEST(SignatureMatch, FlowbitsOrderAndNoalert) {
  auto e = load(R"(alert tcp any any -> any any (msg:"reader"; flowbits:isset,login; content:"RETR"; sid:2;)
alert tcp any any -> any any (msg:"setter"; content:"USER"; flowbits:set,login; flowbits:noalert; sid:1;)
alert tcp any any -> any any (flowbits:isnotset,login; content:"RETR"; sid:3;))");
  ASSERT_TRUE(e);
  PerCoreScanner s(*e);
  Collect sink;
  Flow f;
  f.send(s, sink, true, "RETR a");
  EXPECT_EQ(sink.count(3), 1);
  f.send(s, sink, true, "USER bob RETR b");  // the setter runs first, whatever the file order
  EXPECT_EQ(sink.count(1), 0);
  EXPECT_EQ(sink.count(2), 1);
  EXPECT_EQ(sink.count(3), 1);
}

TEST(SignatureMatch, ThresholdLimitsAndDetectionFilter) {
  auto e = load(R"(alert udp any any -> any any (content:"a"; threshold:type limit, track by_src, count 2, seconds 60; sid:1;)
alert udp any any -> any any (content:"a"; threshold:type threshold, track by_src, count 3, seconds 60; sid:2;)
alert udp any any -> any any (content:"a"; detection_filter:track by_dst, count 3, seconds 60; sid:3;))");
  ASSERT_TRUE(e);
  PerCoreScanner s(*e);
  Collect sink;
  Flow f(17);
  for (int i = 0; i < 7; ++i) f.send(s, sink, true, "a", 1'000'000'000ull * (i + 1));
  EXPECT_EQ(sink.count(1), 2);
  EXPECT_EQ(sink.count(2), 2);  // the 3rd and 6th
  EXPECT_EQ(sink.count(3), 4);  // the 4th to 7th
  f.send(s, sink, true, "a", 200'000'000'000ull);  // a new window
  EXPECT_EQ(sink.count(1), 3);
}

TEST(SignatureMatch, AppBuffersAndStickyBuffers) {
  auto e = load(R"(alert http any any -> any any (flow:to_server; content:"GET"; http_method; content:"/admin"; http_uri; nocase; http.host; content:!".example.com"; endswith; sid:1;)
alert dns any any -> any any (dns.query; content:"evil"; nocase; sid:2;)
alert tls any any -> any any (tls.sni; content:"bad.example"; bsize:11; sid:3;)
alert http any any -> any any (content:"200"; http_stat_code; content:"MZ"; sid:4;))");
  ASSERT_TRUE(e);
  PerCoreScanner s(*e);
  Collect sink;
  Flow f;
  f.send(s, sink, true, "GET /Admin HTTP/1.1\r\nHost: a.example.org\r\n\r\n");
  AppBuffers tx;
  tx.set(BufferKind::http_method, "GET");
  tx.set(BufferKind::http_uri, "/Admin");
  tx.set(BufferKind::http_host, "a.example.org");
  s.scan_buffers(tx, true, 1, f.ctx, sink);
  tx.set(BufferKind::http_host, "www.example.com");
  s.scan_buffers(tx, true, 1, f.ctx, sink);
  EXPECT_EQ(sink.count(1), 1);
  s.scan_buffer(BufferKind::dns_query, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>("www.EVIL.com"), 12), true, 1, f.ctx, sink);
  EXPECT_EQ(sink.count(2), 1);
  s.scan_buffer(BufferKind::tls_sni, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>("bad.example"), 11), true, 1, f.ctx, sink);
  s.scan_buffer(BufferKind::tls_sni, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>("bad.example.org"), 15), true, 1, f.ctx, sink);
  EXPECT_EQ(sink.count(3), 1);
  // A raw content next to an app-layer buffer reads the stream of that direction.
  f.send(s, sink, false, "HTTP/1.1 200 OK\r\n\r\nMZ\x90");
  AppBuffers resp;
  resp.set(BufferKind::http_stat_code, "200");
  s.scan_buffers(resp, false, 2, f.ctx, sink);
  EXPECT_EQ(sink.count(4), 1);
  EXPECT_EQ(f.ctx.alerts, 4);
  EXPECT_EQ(f.ctx.first_sids[0], 1u);
}

// Suricata 7's multi-buffers (multi-buffer-matching.rst): the items after one naming of
// tls.certs / http.*_header must all match within one instance; naming the keyword again
// starts a set that may match another instance; a rule alerts once per scan whatever the
// number of instances that match; prefilter literals are found in any instance.
TEST(SignatureMatch, MultiBuffersMatchWithinOneInstance) {
  auto e = load(R"(alert tls any any -> any any (tls.certs; content:"|06 09 2a 86|"; sid:1;)
alert tls any any -> any any (tls.certs; content:"leaf"; content:"root"; distance:0; sid:2;)
alert tls any any -> any any (tls.certs; content:"leaf"; tls.certs; content:"root"; sid:3;)
alert tls any any -> any any (tls.certs; content:"CA"; tls.cert_subject; content:"CN=leaf"; sid:4;)
alert tls any any -> any any (tls.certs; to_lowercase; content:"root ca"; sid:5;)
alert tls any any -> any any (tls.certs; content:"leaf"; bsize:<10; sid:6;)
alert http any any -> any any (flow:to_client; http.response_header; content:"Server: nginx"; startswith; sid:7;)
alert http any any -> any any (flow:to_server; http.request_header; content:"Host: a"; http.request_header; content:"X-Evil: 1"; sid:8;)
alert http any any -> any any (flow:to_server; http.request_header; content:"Host: a"; content:"X-Evil"; sid:9;))");
  ASSERT_TRUE(e);
  const Rule& r3 = e->rule(static_cast<uint32_t>(e->find_sid(3)));
  ASSERT_EQ(r3.buffers.size(), 2u);  // two namings, two instance sets
  EXPECT_EQ(e->rule(static_cast<uint32_t>(e->find_sid(2))).buffers.size(), 1u);
  PerCoreScanner s(*e);
  Collect sink;
  Flow f;
  f.send(s, sink, true, "x");
  const auto bytes = [](std::string_view v) { return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(v.data()), v.size()); };
  const std::span<const uint8_t> chain[] = {bytes("leaf cert|xx"), bytes(std::string_view("mid CA \x06\x09\x2a\x86", 11)),
                                            bytes("Root CA cert")};
  AppBuffers tls;
  tls.set(BufferKind::tls_cert_subject, "CN=leaf");
  tls.set_multi(BufferKind::tls_certs, chain);
  s.scan_buffers(tls, false, 1, f.ctx, sink);
  EXPECT_EQ(sink.count(1), 1);  // in the second certificate only
  EXPECT_EQ(sink.count(2), 0);  // "leaf" and "root" are never in one certificate
  EXPECT_EQ(sink.count(3), 0);  // case: "Root", not "root"
  EXPECT_EQ(sink.count(4), 1);  // in two certificates: one alert
  EXPECT_EQ(sink.count(5), 1);  // the transform applies to each certificate
  EXPECT_EQ(sink.count(6), 0);  // bsize of the instance "leaf" is in (12 bytes)
  const std::span<const uint8_t> chain2[] = {bytes("leaf"), bytes("root")};
  tls.set_multi(BufferKind::tls_certs, chain2);
  s.scan_buffers(tls, false, 1, f.ctx, sink);
  EXPECT_EQ(sink.count(3), 1);  // each naming in its own certificate
  EXPECT_EQ(sink.count(6), 1);

  const std::span<const uint8_t> resp[] = {bytes("Date: today"), bytes("Server: nginx/1.2")};
  AppBuffers r;
  r.set_multi(BufferKind::http_response_header, resp);
  s.scan_buffers(r, false, 2, f.ctx, sink);
  EXPECT_EQ(sink.count(7), 1);  // startswith holds in the second line
  const std::span<const uint8_t> req[] = {bytes("Host: a.example"), bytes("X-Evil: 1")};
  AppBuffers q;
  q.set_multi(BufferKind::http_request_header, req);
  s.scan_buffers(q, true, 3, f.ctx, sink);
  EXPECT_EQ(sink.count(8), 1);
  EXPECT_EQ(sink.count(9), 0);  // one naming: both contents in one line
  // An empty set of instances is no buffer at all.
  AppBuffers none;
  none.set_multi(BufferKind::tls_certs, {});
  EXPECT_FALSE(none.has(BufferKind::tls_certs));
  EXPECT_TRUE(none.instances(BufferKind::tls_certs).empty());
}

TEST(SignatureMatch, IpOnlyRulesOncePerDirection) {
  auto e = load(R"(alert ip 192.0.2.0/24 any -> any any (msg:"from server net"; sid:1;))");
  ASSERT_TRUE(e);
  PerCoreScanner s(*e);
  Collect sink;
  Flow f;
  f.send(s, sink, true, "a");
  f.send(s, sink, false, "b");
  f.send(s, sink, false, "c");
  EXPECT_EQ(sink.count(1), 1);
}

TEST(SignatureMatch, AlertJsonHasTheEveShape) {
  auto e = load(R"(alert tcp any any -> any any (msg:"Test \"msg\""; content:"x"; classtype:trojan-activity; sid:9; rev:2;))");
  ASSERT_TRUE(e);
  PerCoreScanner s(*e);
  Collect sink;
  Flow f;
  f.send(s, sink, true, "x", 1'566'907'200'123'456'000ull);
  ASSERT_EQ(sink.size(), 1u);
  std::string out;
  JsonWriter w(out);
  flowprobe::write_alert_json(sink.alerts()[0], *e, w);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(out).get(doc), simdjson::SUCCESS) << out;
  EXPECT_EQ(std::string_view(doc["timestamp"]), "2019-08-27T12:00:00.123456+0000");
  EXPECT_EQ(uint64_t(doc["flow_id"]), 7u);
  EXPECT_EQ(std::string_view(doc["event_type"]), "alert");
  EXPECT_EQ(std::string_view(doc["src_ip"]), "10.0.0.1");
  EXPECT_EQ(uint64_t(doc["src_port"]), 40000u);
  EXPECT_EQ(std::string_view(doc["dest_ip"]), "192.0.2.80");
  EXPECT_EQ(uint64_t(doc["dest_port"]), 80u);
  EXPECT_EQ(std::string_view(doc["proto"]), "TCP");
  EXPECT_EQ(std::string_view(doc["community_id"]).substr(0, 2), "1:");
  EXPECT_EQ(std::string_view(doc["alert"]["action"]), "allowed");
  EXPECT_EQ(uint64_t(doc["alert"]["gid"]), 1u);
  EXPECT_EQ(uint64_t(doc["alert"]["signature_id"]), 9u);
  EXPECT_EQ(uint64_t(doc["alert"]["rev"]), 2u);
  EXPECT_EQ(std::string_view(doc["alert"]["signature"]), "Test \"msg\"");
  EXPECT_EQ(std::string_view(doc["alert"]["category"]), "A Network Trojan was Detected");
  EXPECT_EQ(uint64_t(doc["alert"]["severity"]), 1u);
}

TEST(SignatureMatch, CommunityIdMatchesTheSpecExample) {
  // Corelight community-id-spec baseline: 128.232.110.120:34855 -> 66.35.250.204:80 TCP.
  const uint8_t a[16] = {128, 232, 110, 120}, b[16] = {66, 35, 250, 204};
  EXPECT_EQ(community_id_v1(a, b, 4, 6, 34855, 80), "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
  EXPECT_EQ(community_id_v1(b, a, 4, 6, 80, 34855), "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
}

}  // namespace

namespace {
// Suricata's tls encryption-handling default: once the L7 engine marks a flow encrypted,
// content rules skip its payload (header-only rules do not); the option keeps them on.
TEST(SignatureMatch, EncryptedFlowsSkipContentRulesUnlessAskedTo) {
  const std::string rules =
      "alert tcp any any -> any any (msg:\"content\"; content:\"secret\"; sid:1;)\n"
      "alert tcp any any -> any any (msg:\"header only\"; dsize:>5; sid:2;)\n";
  auto e = load(rules);
  ASSERT_TRUE(e);
  for (const bool inspect : {false, true}) {
    ScannerConfig cfg;
    cfg.inspect_encrypted = inspect;
    PerCoreScanner s(*e, cfg);
    Collect sink;
    Flow f;
    f.send(s, sink, true, "a secret in clear");
    EXPECT_EQ(sink.count(1), 1);
    f.ctx.state |= FlowContext::kEncrypted;
    f.send(s, sink, true, "a secret inside TLS records");
    EXPECT_EQ(sink.count(1), inspect ? 2 : 1) << "inspect_encrypted=" << inspect;
    EXPECT_EQ(sink.count(2), 2) << "header-only rules still see encrypted packets";
    EXPECT_EQ(s.counters().encrypted_skipped, inspect ? 0u : 1u);
  }
}
}  // namespace

namespace {
// Rules whose dsize allows only a few sizes are candidates by payload size instead of by
// literal: they must still match exactly where their literal and size do.
TEST(SignatureMatch, DsizeIndexedRulesMatchOnlyTheirSizes) {
  const std::string tcp = "alert tcp any any -> any any (msg:\"sized\"; dsize:8; content:\"|00 00|\"; offset:2; depth:2; sid:1;)";
  EXPECT_EQ(alerts_for(tcp, std::string("ab\0\0cdef", 8)), 1);
  EXPECT_EQ(alerts_for(tcp, std::string("ab\0\0cdefg", 9)), 0) << "another size";
  EXPECT_EQ(alerts_for(tcp, std::string("abc\0\0def", 8)), 0) << "the literal elsewhere";
  const std::string udp = "alert udp any any -> any any (msg:\"range\"; dsize:13<>32; content:\"c\"; nocase; depth:1; sid:2;)";
  EXPECT_EQ(alerts_for(udp, "C0ffee0123456789", 17), 1);
  EXPECT_EQ(alerts_for(udp, "C0ffee0123", 17), 0) << "below the range";
  EXPECT_EQ(alerts_for(udp, "x0ffee0123456789", 17), 0);
}
}  // namespace

// Each rule runs at the part of the HTTP transaction its buffers need, once: a URI rule
// on the request, URI + status code on the response, a header rule on each side's
// headers, a body rule when the body is complete.
TEST(SignatureMatch, HttpRulesRunAtTheTransactionPartTheirBuffersNeed) {
  auto e = load(R"(alert http any any -> any any (content:"/a"; http_uri; sid:1;)
alert http any any -> any any (content:"/a"; http_uri; content:"200"; http_stat_code; sid:2;)
alert http any any -> any any (content:"x-h"; nocase; http_header; sid:3;)
alert http any any -> any any (flow:to_client; file_data; content:"MZ"; sid:4;)
alert http any any -> any any (content:"POST"; http_method; content:"pass="; http_client_body; sid:5;))");
  ASSERT_TRUE(e);
  PerCoreScanner s(*e);
  Collect sink;
  Flow f;
  f.send(s, sink, true, "POST /a HTTP/1.1\r\nX-H: 1\r\n\r\npass=1");
  AppBuffers req;
  req.set(BufferKind::http_method, "POST");
  req.set(BufferKind::http_uri, "/a");
  req.set(BufferKind::http_header, "X-H: 1\r\n");
  s.scan_buffers(req, true, 1, f.ctx, sink, TxPart::request);
  EXPECT_EQ(sink.by_sid(), (std::map<uint32_t, int>{{1, 1}, {3, 1}}));
  req.set(BufferKind::http_client_body, "pass=1");
  s.scan_buffers(req, true, 1, f.ctx, sink, TxPart::request_body);
  EXPECT_EQ(sink.by_sid(), (std::map<uint32_t, int>{{1, 1}, {3, 1}, {5, 1}}));
  f.send(s, sink, false, "HTTP/1.1 200 OK\r\nX-H: 2\r\n\r\nMZ");
  AppBuffers resp;
  resp.set(BufferKind::http_uri, "/a");  // the request's, for rules that pair both sides
  resp.set(BufferKind::http_stat_code, "200");
  resp.set(BufferKind::http_header, "X-H: 2\r\n");
  s.scan_buffers(resp, false, 2, f.ctx, sink, TxPart::response);
  EXPECT_EQ(sink.by_sid(), (std::map<uint32_t, int>{{1, 1}, {2, 1}, {3, 2}, {5, 1}}));
  resp.set(BufferKind::http_file_data, "MZ");
  s.scan_buffers(resp, false, 2, f.ctx, sink, TxPart::response_body);
  EXPECT_EQ(sink.by_sid(), (std::map<uint32_t, int>{{1, 1}, {2, 1}, {3, 2}, {4, 1}, {5, 1}}));
}

// UDP rules that name a port sit in that port's database (Suricata-style port groups);
// a packet scans its ports' group with the rules any port may carry. The result must be
// what one database for all gives.
TEST(SignatureMatch, PortGroupsFindTheSameRulesAsOneDatabase) {
  std::string rules;
  for (int i = 0; i < 10; ++i)  // enough narrow rules on port 53 to make it a group
    rules += "alert udp any any -> any 53 (content:\"dns" + std::to_string(i) + "\"; sid:" + std::to_string(100 + i) + ";)\n";
  rules += "alert udp any any -> any any (content:\"wide\"; sid:1;)\n";
  rules += "alert udp any 53 -> any any (content:\"answer\"; sid:2;)\n";   // source port names it
  rules += "alert udp any 5000 -> any any (content:\"dns0\"; sid:3;)\n";   // a port without a group
  rules += "alert ip any any -> any 53 (content:\"ipdns\"; sid:4;)\n";
  auto e = load(rules);
  ASSERT_TRUE(e);
  PerCoreScanner s(*e);
  Collect sink;
  const auto udp = [&](uint16_t sport, uint16_t dport, std::string_view payload) {
    Flow f(17);
    DecodedPacket p = f.packet(true, payload);
    p.src_port = sport;
    p.dst_port = dport;
    f.ctx.init(p, 1);
    s.scan_packet(p, 1'000'000'000, f.ctx, sink);
  };
  udp(40000, 53, "xx dns3 wide ipdns");
  EXPECT_EQ(sink.by_sid(), (std::map<uint32_t, int>{{1, 1}, {4, 1}, {103, 1}}));
  sink.clear();
  udp(40000, 5353, "xx dns3 wide ipdns answer");  // not port 53: only the wide rule
  EXPECT_EQ(sink.by_sid(), (std::map<uint32_t, int>{{1, 1}}));
  sink.clear();
  udp(53, 40000, "answer dns0");  // from port 53
  EXPECT_EQ(sink.by_sid(), (std::map<uint32_t, int>{{2, 1}}));
  sink.clear();
  udp(5000, 53, "dns0");  // two ports, one grouped: the group's database still holds sid 3's literal
  EXPECT_EQ(sink.by_sid(), (std::map<uint32_t, int>{{3, 1}, {100, 1}}));
}
