// The Suricata 7 keywords that keep state or decode: flowint, xbits, byte_math,
// base64_decode/base64_data, asn1, dataset/datarep. The cases follow the examples of
// Suricata's documentation (rules/flow-keywords, xbits, payload-keywords,
// base64-keywords, datasets) and the test vectors of its asn1 module.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "signatures/signature_engine.hpp"
#include "tests/support/alert_collector.hpp"
#include "tests/support/conversation.hpp"

using namespace flowprobe;
using namespace flowprobe::sig;

namespace {

using Collect = test::AlertCollector;

std::unique_ptr<SignatureEngine> load(const std::string& rules, const std::string& name = "<text>") {
  std::string error;
  LoadReport report;
  auto e = SignatureEngine::load_text(rules, default_rule_vars(), error, &report, {}, name);
  EXPECT_TRUE(e) << error;
  EXPECT_EQ(report.rejected, 0u) << report.summary();
  return e;
}

RuleError reject(const std::string& rule) {
  ParseContext ctx(default_rule_vars());
  Rule r;
  RuleError err;
  EXPECT_FALSE(parse_rule(rule, ctx, r, err)) << rule;
  return err;
}

// One TCP flow 10.0.0.1:40000 -> `server`:80.
struct Flow {
  test::Conversation conv;
  FlowContext ctx;
  std::array<uint8_t, 16> server{192, 0, 2, 80};
  void send(PerCoreScanner& s, Collect& sink, bool to_server, std::string_view payload, uint64_t ts = 1'000'000'000) {
    auto p = conv.packet(to_server, payload);
    (to_server ? p.dst_ip : p.src_ip) = server;
    if (ctx.flow_id == 0) ctx.init(p, 7);
    s.scan_packet(p, ts, ctx, sink);
  }
};

int alerts_for(const std::string& rules, std::string_view payload) {
  auto e = load(rules);
  if (!e) return -1;
  PerCoreScanner s(*e);
  Collect sink;
  Flow f;
  f.send(s, sink, true, payload);
  return static_cast<int>(sink.alerts().size());
}

// ---- flowint -----------------------------------------------------------------------------

// Suricata's documentation: count a user's logins on a flow, alert past a number.
TEST(SignatureKeywords, FlowintCountsPerFlow) {
  auto e = load(R"(alert tcp any any -> any any (msg:"Counting Usernames"; content:"jonkman"; flowint:usernamecount,+,1; noalert; sid:1;)
alert tcp any any -> any any (msg:"More than Five Usernames!"; content:"QUIT"; flowint:usernamecount,>,5; sid:2;)
alert tcp any any -> any any (msg:"Username never seen"; content:"QUIT"; flowint:usernamecount,notset; sid:3;)
alert tcp any any -> any any (msg:"exactly two"; content:"QUIT"; flowint:usernamecount,==,2; sid:4;))");
  ASSERT_TRUE(e);
  PerCoreScanner s(*e);
  Collect sink;
  Flow quiet;
  quiet.send(s, sink, true, "QUIT");  // never set: notset matches, compares do not
  EXPECT_EQ(sink.count(3), 1);
  EXPECT_EQ(sink.count(2) + sink.count(4), 0);
  Flow f;
  for (int i = 0; i < 2; ++i) f.send(s, sink, true, "USER jonkman");
  f.send(s, sink, true, "QUIT");
  EXPECT_EQ(sink.count(4), 1);
  for (int i = 0; i < 4; ++i) f.send(s, sink, true, "USER jonkman");
  f.send(s, sink, true, "QUIT");
  EXPECT_EQ(sink.count(2), 1);  // 6 > 5
  EXPECT_EQ(sink.count(1), 0);  // noalert
  EXPECT_EQ(sink.count(3), 1);  // the counting flow never matched notset
  s.on_flow_end(f.ctx);
  s.on_flow_end(quiet.ctx);
}

TEST(SignatureKeywords, FlowintOperatorsAndVariablesAsOperands) {
  auto e = load(R"(alert tcp any any -> any any (content:"SET"; flowint:a,=,10; flowint:b,=,3; noalert; sid:1;)
alert tcp any any -> any any (content:"MINUS"; flowint:a,-,4; noalert; sid:2;)
alert tcp any any -> any any (content:"NEWSUB"; flowint:c,-,4; noalert; sid:3;)
alert tcp any any -> any any (content:"CHK"; flowint:a,==,6; flowint:a,>,b; flowint:a,>=,6; flowint:a,<=,6; flowint:a,!=,5; flowint:a,<,7; sid:4;)
alert tcp any any -> any any (content:"CHK"; flowint:c,isset; sid:5;)
alert tcp any any -> any any (content:"CPY"; flowint:d,=,a; noalert; sid:6;)
alert tcp any any -> any any (content:"CHK"; flowint:d,==,6; sid:7;))");
  ASSERT_TRUE(e);
  PerCoreScanner s(*e);
  Collect sink;
  Flow f;
  for (auto p : {"SET", "MINUS", "NEWSUB", "CPY", "CHK"}) f.send(s, sink, true, p);
  EXPECT_EQ(sink.count(4), 1);
  EXPECT_EQ(sink.count(5), 0);  // '-' on a variable never set leaves it unset
  EXPECT_EQ(sink.count(7), 1);
  s.on_flow_end(f.ctx);
}

TEST(SignatureKeywords, FlowintPoolIsBoundedAndCounted) {
  auto e = load(R"(alert tcp any any -> any any (content:"A"; flowint:n,+,1; noalert; sid:1;)
alert tcp any any -> any any (content:"B"; flowint:n,==,1; sid:2;))");
  ASSERT_TRUE(e);
  ScannerConfig cfg;
  cfg.flowint_blocks = 1;
  PerCoreScanner s(*e, cfg);
  Collect sink;
  Flow f1, f2;
  f1.send(s, sink, true, "A");
  f2.send(s, sink, true, "A");  // no block left: counted, not applied
  EXPECT_EQ(s.counters().flowint_dropped, 1u);
  f1.send(s, sink, true, "B");
  f2.send(s, sink, true, "B");
  EXPECT_EQ(sink.count(2), 1);
  s.on_flow_end(f1.ctx);  // its block goes back
  Flow f3;
  f3.send(s, sink, true, "A");
  f3.send(s, sink, true, "B");
  EXPECT_EQ(sink.count(2), 2);
  EXPECT_EQ(s.counters().flowint_dropped, 1u);
}

TEST(SignatureKeywords, FlowintRejectsMalformed) {
  EXPECT_EQ(reject(R"(alert tcp any any -> any any (flowint:a,~,1; sid:1;))").reason, "malformed flowint");
  EXPECT_EQ(reject(R"(alert tcp any any -> any any (flowint:a,isset,1; sid:1;))").reason, "malformed flowint");
  EXPECT_EQ(reject(R"(alert tcp any any -> any any (flowint:a,=; sid:1;))").reason, "malformed flowint");
  EXPECT_EQ(reject(R"(alert tcp any any -> any any (flowint:a,=,4294967296; sid:1;))").reason, "value out of range");
}

// ---- xbits -------------------------------------------------------------------------------

// Suricata's xbits documentation: a host that downloaded an ELF file is marked (track
// ip_dst of the download), and its later connections anywhere are checked (ip_src).
TEST(SignatureKeywords, XbitsTrackHostsAcrossFlowsAndCores) {
  auto e = load(R"(alert tcp any any -> any any (content:"|7f|ELF"; xbits:set,ET.ELFDownload,track ip_dst,expire 60; xbits:noalert; sid:1;)
alert tcp any any -> any any (content:"badness"; xbits:isset,ET.ELFDownload,track ip_src; sid:2;)
alert tcp any any -> any any (content:"clean"; xbits:isnotset,ET.ELFDownload,track ip_src; sid:3;)
alert tcp any any -> any any (content:"forget"; xbits:unset,ET.ELFDownload,track ip_src; noalert; sid:4;))");
  ASSERT_TRUE(e);
  PerCoreScanner core0(*e), core1(*e);
  Collect sink;
  Flow before;
  before.server = {198, 51, 100, 7};
  before.send(core0, sink, true, "clean", 1'000'000'000);
  EXPECT_EQ(sink.count(3), 1);
  Flow download;
  download.send(core0, sink, false, "\x7f" "ELF....", 2'000'000'000);  // server -> client: ip_dst is the client
  EXPECT_EQ(sink.count(1), 0);
  Flow later;  // the same client, another server, another core
  later.server = {198, 51, 100, 9};
  later.send(core1, sink, true, "badness", 3'000'000'000);
  EXPECT_EQ(sink.count(2), 1);
  later.send(core1, sink, true, "clean", 3'000'000'000);
  EXPECT_EQ(sink.count(3), 1);
  // Expiry is in packet time: 60 s after the set, the bit is gone.
  later.send(core1, sink, true, "badness", 62'100'000'000);
  EXPECT_EQ(sink.count(2), 1);
  // Set again, then unset by another rule.
  download.send(core0, sink, false, "\x7f" "ELF....", 70'000'000'000);
  later.send(core1, sink, true, "badness", 71'000'000'000);
  EXPECT_EQ(sink.count(2), 2);
  later.send(core1, sink, true, "forget", 72'000'000'000);
  later.send(core1, sink, true, "badness", 73'000'000'000);
  EXPECT_EQ(sink.count(2), 2);
}

TEST(SignatureKeywords, XbitsIpPairIsEitherDirection) {
  auto e = load(R"(alert tcp any any -> any any (content:"login"; xbits:set,seen,track ip_pair; noalert; sid:1;)
alert tcp any any -> any any (content:"data"; xbits:isset,seen,track ip_pair; sid:2;))");
  ASSERT_TRUE(e);
  PerCoreScanner s(*e);
  Collect sink;
  Flow f;
  f.send(s, sink, true, "login");
  f.send(s, sink, false, "data");  // server -> client: the same pair
  EXPECT_EQ(sink.count(2), 1);
  Flow other;
  other.server = {198, 51, 100, 1};
  other.send(s, sink, false, "data");
  EXPECT_EQ(sink.count(2), 1);
}

TEST(SignatureKeywords, XbitsRejectsMalformed) {
  EXPECT_EQ(reject(R"(alert tcp any any -> any any (xbits:set,a,track ip_host; sid:1;))").reason, "unsupported xbits track");
  EXPECT_EQ(reject(R"(alert tcp any any -> any any (xbits:set,a; sid:1;))").reason, "malformed xbits");
  EXPECT_EQ(reject(R"(alert tcp any any -> any any (xbits:bump,a,track ip_src; sid:1;))").reason, "malformed xbits");
}

// ---- byte_math ---------------------------------------------------------------------------

// Suricata's payload-keywords examples: the result variable feeds later keywords.
TEST(SignatureKeywords, ByteMathOperatorsAndResultVariable) {
  // 10 + 5 is 15: the byte before the cursor is byte_math's input (10), not its result.
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"M"; byte_math:bytes 1, offset 0, oper +, rvalue 5, result r, relative; byte_test:1,=,r,-1,relative; sid:1;))",
                       std::string("M\x0a\x0f", 3)), 0);
  // byte_math moves the cursor past its bytes: the byte_test at 0 relative reads the next one.
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"M"; byte_math:bytes 1, offset 0, oper +, rvalue 5, result r, relative; byte_test:1,=,r,0,relative; sid:1;))",
                       std::string("M\x0a\x0f", 3)), 1);
  const auto run = [](const std::string& math, std::string_view payload) {
    return alerts_for(R"(alert tcp any any -> any any (content:"M"; byte_math:)" + math +
                          R"(, result r, relative; byte_test:2,=,r,0,relative; sid:1;))",
                      payload);
  };
  using namespace std::string_literals;
  EXPECT_EQ(run("bytes 2, offset 0, oper -, rvalue 4", "M\x00\x0a\x00\x06"s), 1);
  EXPECT_EQ(run("bytes 2, offset 0, oper *, rvalue 3", "M\x00\x0a\x00\x1e"s), 1);
  EXPECT_EQ(run("bytes 2, offset 0, oper /, rvalue 3", "M\x00\x0a\x00\x03"s), 1);
  EXPECT_EQ(run("bytes 2, offset 0, oper /, rvalue 0", "M\x00\x0a\x00\x00"s), 0);  // no match, as Suricata
  EXPECT_EQ(run("bytes 2, offset 0, oper <<, rvalue 2", "M\x00\x0a\x00\x28"s), 1);
  EXPECT_EQ(run("bytes 2, offset 0, oper >>, rvalue 1", "M\x00\x0a\x00\x05"s), 1);
  EXPECT_EQ(run("bytes 2, offset 0, oper +, rvalue 1, endian little", "M\x0a\x00\x00\x0b"s), 1);
  EXPECT_EQ(run("bytes 3, offset 0, oper +, rvalue 1, string dec", "M042\x00\x2b"s), 1);
  EXPECT_EQ(run("bytes 2, offset 0, oper +, rvalue 0, string hex", "Mff\x00\xff"s), 1);
  // bitmask applies to the result, then shifts by its trailing zeros
  EXPECT_EQ(run("bytes 2, offset 0, oper +, rvalue 1, bitmask 0xff00", "M\x01\xff\x00\x02"s), 1);
  // rvalue from byte_extract
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"M"; byte_extract:1,0,k,relative; byte_math:bytes 1, offset 0, oper *, rvalue k, result r, relative; byte_test:1,=,r,0,relative; sid:1;))",
                       "M\x03\x05\x0f"s), 1);
  // the documentation's example shape, with the result as an offset
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"|ab|"; byte_math:bytes 1, offset 0, oper +, rvalue 1, result off, relative; content:"X"; distance:off; within:1; sid:1;))",
                       "\xab\x02" "abcX"s), 1);
}

// Suricata 7: byte_test's and byte_jump's byte count may be a variable (1 to 8 bytes).
TEST(SignatureKeywords, ByteTestAndByteJumpTakeTheByteCountFromAVariable) {
  using namespace std::string_literals;
  const std::string test = R"(alert tcp any any -> any any (content:"N"; byte_extract:1,0,n,relative; byte_test:n,=,0x0102,0,relative; sid:1;))";
  EXPECT_EQ(alerts_for(test, "N\x02\x01\x02"s), 1);
  EXPECT_EQ(alerts_for(test, "N\x01\x01\x02"s), 0);  // one byte: 0x01
  EXPECT_EQ(alerts_for(test, "N\x09\x01\x02\x00\x00\x00\x00\x00\x00\x00"s), 0);  // 9 bytes: no match
  const std::string jump = R"(alert tcp any any -> any any (content:"J"; byte_extract:1,0,n,relative; byte_jump:n,0,relative; content:"Z"; within:1; sid:1;))";
  EXPECT_EQ(alerts_for(jump, "J\x01\x02..Z"s), 1);  // one byte (2) read, two skipped
  EXPECT_EQ(alerts_for(jump, "J\x02\x00\x01.Z"s), 1);
  EXPECT_EQ(alerts_for(jump, "J\x01\x03..Z"s), 0);
}

TEST(SignatureKeywords, ByteMathRejectsWhatSuricataRejects) {
  EXPECT_EQ(reject(R"(alert tcp any any -> any any (content:"a"; byte_math:bytes 5, offset 0, oper <<, rvalue 1, result r; sid:1;))").reason, "malformed byte_math");
  EXPECT_EQ(reject(R"(alert tcp any any -> any any (content:"a"; byte_math:bytes 1, offset 0, oper %, rvalue 1, result r; sid:1;))").reason, "malformed byte_math");
  EXPECT_EQ(reject(R"(alert tcp any any -> any any (content:"a"; byte_math:bytes 1, offset 0, oper +, result r; sid:1;))").reason, "malformed byte_math");
  EXPECT_EQ(reject(R"(alert tcp any any -> any any (content:"a"; byte_math:bytes 1, offset 0, oper +, rvalue nope, result r; sid:1;))").reason, "unknown byte_extract variable");
  EXPECT_EQ(reject(R"(alert tcp any any -> any any (content:"a"; byte_math:bytes 2, offset 0, oper +, rvalue 1, result r, dce; sid:1;))").reason, "unsupported keyword: byte_math dce");
}

// ---- base64 ------------------------------------------------------------------------------

// Suricata's base64-keywords examples and its detect-base64-decode unit tests.
TEST(SignatureKeywords, Base64DecodeAndData) {
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"SGVs"; base64_decode; base64_data; content:"Hello World"; sid:1;))",
                       "SGVsbG8gV29ybGQ="), 1);
  // offset 8 skips the prefix; bytes bounds what is decoded
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"aaaa"; base64_decode:offset 8; base64_data; content:"Hello World"; startswith; sid:1;))",
                       "aaaaaaaaSGVsbG8gV29ybGQ="), 1);
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"aaaa"; base64_decode:bytes 8, offset 8; base64_data; content:"Hello World"; sid:1;))",
                       "aaaaaaaaSGVsbG8gV29ybGQ="), 0);
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"aaaa"; base64_decode:bytes 8, offset 8; base64_data; content:"Hello"; depth:5; sid:1;))",
                       "aaaaaaaaSGVsbG8gV29ybGQ="), 1);
  // an offset past the end decodes nothing: no match
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"SGVs"; base64_decode:bytes 16, offset 32; sid:1;))",
                       "SGVsbG8gV29ybGQ="), 0);
  // relative to the content before it, in an HTTP header style line
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"Authorization: Basic "; base64_decode:relative; base64_data; content:"admin:"; startswith; sid:1;))",
                       "Authorization: Basic YWRtaW46cGFzc3dvcmQ=\r\n"), 1);
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"Authorization: Basic "; base64_decode:relative; base64_data; content:!"admin:"; sid:1;))",
                       "Authorization: Basic YWRtaW46cGFzc3dvcmQ=\r\n"), 0);
  EXPECT_EQ(reject(R"(alert tcp any any -> any any (content:"a"; base64_data; content:"b"; sid:1;))").reason,
            "base64_data without base64_decode");
  EXPECT_EQ(reject(R"(alert tcp any any -> any any (content:"a"; base64_decode:bytes x; sid:1;))").reason,
            "malformed base64_decode");
}

// ---- asn1 --------------------------------------------------------------------------------

// Suricata's asn1 module tests: X.690's example A.3 is 133 bytes long; a BIT STRING that
// claims 255 unused bits of 8; a decimal REAL of 257 bytes.
TEST(SignatureKeywords, Asn1ChecksAsSuricata) {
  using namespace std::string_literals;
  const std::string a3 =
      "\x60\x81\x85\x61\x10\x1A\x04John\x1A\x01P\x1A\x05Smith\xA0\x0A\x1A\x08" "Director"
      "\x42\x01\x33\xA1\x0A\x43\x08" "19710917"
      "\xA2\x12\x61\x10\x1A\x04Mary\x1A\x01T\x1A\x05Smith\xA3\x42\x31\x1F\x61\x11\x1A\x05Ralph\x1A\x01T\x1A\x05Smith\xA0\x0A\x43\x08" "19571111"
      "\x31\x1F\x61\x11\x1A\x05Susan\x1A\x01" "B\x1A\x05Jones\xA0\x0A\x43\x08" "19590717"s;
  ASSERT_EQ(a3.size(), 136u);
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (asn1:oversize_length 132 absolute_offset 0; sid:1;))", a3), 1);
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (asn1:oversize_length 133 absolute_offset 0; sid:1;))", a3), 0);
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (asn1:bitstring_overflow, absolute_offset 0; sid:1;))", "\x03\x01\xff"s), 1);
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (asn1:bitstring_overflow, absolute_offset 0; sid:1;))", "\x03\x01\x07"s), 0);
  std::string real(261, '\x05');
  real[0] = '\x09';
  real[1] = '\x82';
  real[2] = '\x01';
  real[3] = '\x01';  // 257 bytes
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (asn1:double_overflow, absolute_offset 0; sid:1;))", real), 1);
  real[3] = '\x00';  // 256 bytes
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (asn1:double_overflow, absolute_offset 0; sid:1;))", real), 0);
  // relative_offset: after the content; truncated elements are not decoded
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"LDAP"; asn1:bitstring_overflow, relative_offset 0; sid:1;))", "LDAP\x03\x01\xff"s), 1);
  EXPECT_EQ(alerts_for(R"(alert tcp any any -> any any (content:"LDAP"; asn1:oversize_length 10, relative_offset 0; sid:1;))", "LDAP\x04\x81\xc8\x00"s), 0);
  EXPECT_EQ(reject(R"(alert tcp any any -> any any (asn1:oversize_length; sid:1;))").reason, "malformed asn1");
}

// ---- dataset / datarep -------------------------------------------------------------------

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    char tmpl[] = "/tmp/flowprobe-dataset-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  void write(const std::string& name, const std::string& text) const { std::ofstream(path / name) << text; }
};

// Suricata's datasets documentation: a load file of base64 strings (its format), sets
// of md5 and of addresses, set to remember what was seen, datarep's reputations.
TEST(SignatureKeywords, DatasetsFromFiles) {
  TempDir dir;
  dir.write("ua-seen.lst", "ZXhhbXBsZS5jb20=\nZXZpbC5leGFtcGxl\n");  // example.com, evil.example
  dir.write("md5.lst", "# comment\n5d41402abc4b2a76b9719d911017c592\n");  // md5("hello")
  dir.write("ip.lst", "192.0.2.80\n2001:db8::1\n");
  dir.write("rep.csv", "ZXZpbC5leGFtcGxl,200\nZXhhbXBsZS5jb20=,10\n");
  const std::string rules =
      R"(alert http any any -> any any (http.host; dataset:isset,ua-seen,type string,load ua-seen.lst; sid:1;)
alert http any any -> any any (http.host; dataset:isnotset,ua-seen; sid:2;)
alert http any any -> any any (http.uri; to_md5; dataset:isset,uri-md5,type md5,load md5.lst; sid:3;)
alert http any any -> any any (http.host; dataset:isset,hosts,type ip,load ip.lst; sid:4;)
alert http any any -> any any (http.host; datarep:host-rep,>,100,type string,load rep.csv; sid:5;)
alert http any any -> any any (http.user_agent; dataset:set,agents,type string,memcap 1mb,hashsize 1024; sid:6;)
)";
  const std::string file = (dir.path / "local.rules").string();
  std::string error;
  LoadReport report;
  auto e = SignatureEngine::load_text(rules, default_rule_vars(), error, &report, {}, file);
  ASSERT_TRUE(e) << error;
  ASSERT_EQ(report.rejected, 0u) << report.summary();
  ASSERT_EQ(e->datasets().size(), 5u);
  PerCoreScanner s(*e);
  Collect sink;
  test::Conversation conv;
  FlowContext ctx;
  ctx.init(conv.packet(true, ""), 1);
  ctx.app_proto = AppProto::http;
  const auto tx = [&](std::string_view host, std::string_view uri, std::string_view ua) {
    AppBuffers b;
    b.set(BufferKind::http_host, host);
    b.set(BufferKind::http_uri, uri);
    b.set(BufferKind::http_user_agent, ua);
    s.scan_buffers(b, true, 1'000'000'000, ctx, sink);
  };
  tx("evil.example", "/x", "curl");
  EXPECT_EQ(sink.count(1), 1);
  EXPECT_EQ(sink.count(2), 0);
  EXPECT_EQ(sink.count(5), 1);  // reputation 200 > 100
  EXPECT_EQ(sink.count(6), 1);  // a new user agent
  tx("example.com", "hello", "curl");
  EXPECT_EQ(sink.count(1), 2);
  EXPECT_EQ(sink.count(3), 1);  // md5("hello")
  EXPECT_EQ(sink.count(5), 1);  // reputation 10
  EXPECT_EQ(sink.count(6), 1);  // curl was added before: set matches only new values
  tx("other.example", "/", "wget");
  EXPECT_EQ(sink.count(2), 1);
  EXPECT_EQ(sink.count(6), 2);
  tx("192.0.2.80", "/", "wget");
  EXPECT_EQ(sink.count(4), 1);
  tx("2001:db8::1", "/", "wget");
  EXPECT_EQ(sink.count(4), 2);
}

// dataset:unset (Suricata 7): matches when the value was in the set and removes it; isset
// no longer sees it, and set adds it back (matching again, as a new value).
TEST(SignatureKeywords, DatasetUnsetRemovesAValue) {
  TempDir dir;
  dir.write("hosts.lst", "ZXZpbC5leGFtcGxl\n");  // evil.example
  const std::string rules =
      R"(alert http any any -> any any (http.host; dataset:isset,hosts,type string,load hosts.lst; sid:1;)
alert http any any -> any any (http.uri; content:"/logout"; http.host; dataset:unset,hosts; sid:2;)
alert http any any -> any any (http.uri; content:"/login"; http.host; dataset:set,hosts; sid:3;)
)";
  const std::string file = (dir.path / "local.rules").string();
  std::string error;
  LoadReport report;
  auto e = SignatureEngine::load_text(rules, default_rule_vars(), error, &report, {}, file);
  ASSERT_TRUE(e) << error;
  ASSERT_EQ(report.rejected, 0u) << report.summary();
  PerCoreScanner s(*e);
  Collect sink;
  test::Conversation conv;
  FlowContext ctx;
  ctx.init(conv.packet(true, ""), 1);
  ctx.app_proto = AppProto::http;
  const auto tx = [&](std::string_view host, std::string_view uri) {
    AppBuffers b;
    b.set(BufferKind::http_host, host);
    b.set(BufferKind::http_uri, uri);
    s.scan_buffers(b, true, 1'000'000'000, ctx, sink);
  };
  tx("evil.example", "/");
  EXPECT_EQ(sink.count(1), 1);
  tx("evil.example", "/logout");  // isset runs before unset in rule order
  EXPECT_EQ(sink.count(2), 1);
  tx("evil.example", "/logout");
  EXPECT_EQ(sink.count(2), 1) << "already removed: unset does not match";
  tx("evil.example", "/");
  EXPECT_EQ(sink.count(1), 2) << "only the first two transactions saw it in the set";
  tx("evil.example", "/login");
  EXPECT_EQ(sink.count(3), 1) << "set adds the removed value back as a new one";
  tx("evil.example", "/");
  EXPECT_EQ(sink.count(1), 3);
}

TEST(SignatureKeywords, DatasetFileErrorsRejectTheRule) {
  TempDir dir;
  dir.write("bad.lst", "not-hex\n");
  const std::string file = (dir.path / "x.rules").string();
  std::string error;
  LoadReport report;
  auto e = SignatureEngine::load_text(
      R"(alert http any any -> any any (http.host; dataset:isset,a,type string,load missing.lst; sid:1;)
alert http any any -> any any (http.host; dataset:isset,b,type md5,load bad.lst; sid:2;)
alert http any any -> any any (http.host; dataset:isset,c; sid:3;)
alert tcp any any -> any any (content:"x"; dataset:isset,d,type string; sid:4;)
alert http any any -> any any (http.host; dataset:isset,e,type string; sid:5;)
alert http any any -> any any (http.uri; dataset:isset,e,type md5; sid:6;))",
      default_rule_vars(), error, &report, {}, file);
  ASSERT_TRUE(e) << error;
  EXPECT_EQ(report.accepted, 1u) << report.summary();  // sid 5 (an empty set)
  std::map<uint32_t, std::string> why;
  for (const auto& r : report.rejections) why[r.sid] = r.reason;
  EXPECT_EQ(why[1], "dataset file unusable");
  EXPECT_EQ(why[2], "dataset file unusable");
  EXPECT_EQ(why[3], "malformed dataset");
  EXPECT_EQ(why[4], "dataset without a sticky buffer");
  EXPECT_EQ(why[6], "dataset declared with another type");
}

}  // namespace
