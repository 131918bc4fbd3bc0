#include <gtest/gtest.h>

#include <algorithm>

#include "signatures/rule_parser.hpp"
#include "signatures/signature_engine.hpp"

using namespace flowprobe::sig;

namespace {

struct Parsed {
  bool ok = false;
  Rule rule;
  RuleError error;
};

Parsed parse(std::string_view text, RuleVars vars = default_rule_vars()) {
  ParseContext ctx(std::move(vars));
  std::string err;
  ctx.add_classifications("config classification: trojan-activity,A Network Trojan was Detected,1\n", err);
  Parsed p;
  p.ok = parse_rule(text, ctx, p.rule, p.error);
  return p;
}

const Item& item(const Rule& r, std::size_t buffer, std::size_t i) { return r.buffers.at(buffer).items.at(i); }

TEST(SignatureParser, HeaderAndIdentity) {
  auto p = parse(R"(alert tcp $HOME_NET any -> $EXTERNAL_NET [80,8080:8090] (msg:"a \"quoted\" msg"; sid:42; rev:3; gid:7; classtype:trojan-activity; reference:url,example.com; metadata:created_at 2019_01_01;))");
  ASSERT_TRUE(p.ok) << p.error.reason << " " << p.error.detail;
  EXPECT_EQ(p.rule.sid, 42u);
  EXPECT_EQ(p.rule.rev, 3u);
  EXPECT_EQ(p.rule.gid, 7u);
  EXPECT_EQ(p.rule.msg, "a \"quoted\" msg");
  EXPECT_EQ(p.rule.priority, 1);  // from the classtype
  EXPECT_EQ(p.rule.l4, L4::tcp);
  EXPECT_FALSE(p.rule.bidirectional);
  const uint8_t home[16] = {10, 1, 2, 3};
  const uint8_t ext[16] = {8, 8, 8, 8};
  EXPECT_TRUE(p.rule.src.matches(home, 4));
  EXPECT_FALSE(p.rule.src.matches(ext, 4));
  EXPECT_TRUE(p.rule.dst.matches(ext, 4));   // EXTERNAL_NET = !$HOME_NET
  EXPECT_FALSE(p.rule.dst.matches(home, 4));
  EXPECT_TRUE(p.rule.dport.matches(80));
  EXPECT_TRUE(p.rule.dport.matches(8085));
  EXPECT_FALSE(p.rule.dport.matches(8091));
  EXPECT_FALSE(p.rule.dport.matches(81));
}

TEST(SignatureParser, NegationRangesAndNestedLists) {
  auto p = parse("alert udp [10.0.0.0/8,![10.1.0.0/16,10.2.3.4]] !1024: <> any ![53,5353] (sid:1;)");
  ASSERT_TRUE(p.ok) << p.error.reason;
  const uint8_t a[16] = {10, 9, 0, 1}, b[16] = {10, 1, 7, 7}, c[16] = {10, 2, 3, 4}, d[16] = {11, 0, 0, 1};
  EXPECT_TRUE(p.rule.src.matches(a, 4));
  EXPECT_FALSE(p.rule.src.matches(b, 4));
  EXPECT_FALSE(p.rule.src.matches(c, 4));
  EXPECT_FALSE(p.rule.src.matches(d, 4));
  EXPECT_TRUE(p.rule.sport.matches(1023));
  EXPECT_FALSE(p.rule.sport.matches(1024));
  EXPECT_FALSE(p.rule.dport.matches(53));
  EXPECT_TRUE(p.rule.dport.matches(54));
  EXPECT_TRUE(p.rule.bidirectional);
  // An unbracketed port list, as some ET rules write it.
  auto q = parse("alert tcp any any -> any !5800,!445 (sid:2;)");
  ASSERT_TRUE(q.ok) << q.error.reason;
  EXPECT_FALSE(q.rule.dport.matches(445));
  EXPECT_TRUE(q.rule.dport.matches(80));
}

TEST(SignatureParser, VariablesFromConfig) {
  RuleVars vars{{"HOME_NET", "[192.0.2.0/24]"}, {"EXTERNAL_NET", "!$HOME_NET"}, {"WEB", "[$HTTP,8443]"}, {"HTTP", "80"}};
  auto p = parse("alert tcp $EXTERNAL_NET any -> $HOME_NET $WEB (sid:1;)", vars);
  ASSERT_TRUE(p.ok) << p.error.reason;
  const uint8_t in[16] = {192, 0, 2, 9};
  EXPECT_TRUE(p.rule.dst.matches(in, 4));
  EXPECT_FALSE(p.rule.src.matches(in, 4));
  EXPECT_TRUE(p.rule.dport.matches(8443));
  EXPECT_TRUE(p.rule.dport.matches(80));
  auto u = parse("alert tcp $NOPE any -> any any (sid:1;)", vars);
  EXPECT_FALSE(u.ok);
  EXPECT_EQ(u.error.reason, "undefined variable");
  auto loop = parse("alert tcp $A any -> any any (sid:1;)", {{"A", "$B"}, {"B", "$A"}});
  EXPECT_FALSE(loop.ok);
}

TEST(SignatureParser, ContentAndModifiers) {
  auto p = parse(R"(alert tcp any any -> any any (content:"GET |20 2f|"; nocase; offset:2; depth:10; content:!"x\;y"; distance:1; within:5; content:"Ab"; fast_pattern; startswith; sid:1;))");
  ASSERT_TRUE(p.ok) << p.error.reason << " " << p.error.detail;
  ASSERT_EQ(p.rule.buffers.size(), 1u);
  const Item& a = item(p.rule, 0, 0);
  EXPECT_EQ(a.pattern, "get  /");
  EXPECT_TRUE(a.nocase);
  EXPECT_EQ(a.offset, 2);
  EXPECT_EQ(a.depth, 10);
  const Item& b = item(p.rule, 0, 1);
  EXPECT_TRUE(b.negated);
  EXPECT_EQ(b.pattern, "x;y");
  EXPECT_TRUE(b.relative);
  EXPECT_EQ(b.distance, 1);
  EXPECT_EQ(b.within, 5);
  EXPECT_TRUE(item(p.rule, 0, 2).fast_pattern);
  EXPECT_TRUE(item(p.rule, 0, 2).startswith);
}

TEST(SignatureParser, ModifiersAndStickyBuffersGroupByBuffer) {
  auto p = parse(R"(alert http any any -> any any (flow:established,to_server; content:"POST"; http_method; content:"/a"; http_uri; dns_query; content:"x"; sid:1;))");
  EXPECT_FALSE(p.ok);  // dns_query in an http rule
  auto q = parse(R"(alert http any any -> any any (flow:established,to_server; content:"POST"; http_method; content:"/a"; http_uri; http.user_agent; content:"curl"; startswith; file_data; content:"zz"; pcre:"/q+/R"; sid:1;))");
  ASSERT_TRUE(q.ok) << q.error.reason << " " << q.error.detail;
  ASSERT_EQ(q.rule.buffers.size(), 4u);
  EXPECT_EQ(q.rule.buffers[0].kind, BufferKind::http_method);
  EXPECT_EQ(q.rule.buffers[1].kind, BufferKind::http_uri);
  EXPECT_EQ(q.rule.buffers[2].kind, BufferKind::http_user_agent);
  EXPECT_EQ(q.rule.buffers[3].kind, BufferKind::http_file_data);
  EXPECT_EQ(q.rule.buffers[3].items.size(), 2u);
  EXPECT_EQ(q.rule.flow_dir, 1);
  EXPECT_EQ(q.rule.established, 1);
  auto u = parse(R"(alert tcp any any -> any any (uricontent:"/x"; sid:1;))");
  ASSERT_TRUE(u.ok);
  EXPECT_EQ(u.rule.buffers[0].kind, BufferKind::http_uri);
}

TEST(SignatureParser, PcreFlagsAndBuffers) {
  ParseContext ctx(default_rule_vars());
  Rule r;
  RuleError e;
  ASSERT_TRUE(parse_rule(R"(alert http any any -> any any (pcre:"/^\/a(b|c)$/Ui"; pcre:!"/x/smR"; sid:1;))", ctx, r, e)) << e.reason;
  ASSERT_EQ(ctx.pcres().size(), 2u);
  EXPECT_EQ(r.buffers[0].kind, BufferKind::http_uri);
  EXPECT_EQ(r.buffers[1].kind, BufferKind::payload);
  EXPECT_TRUE(r.buffers[1].items[0].negated);
  EXPECT_TRUE(r.buffers[1].items[0].relative);
  EXPECT_NE(ctx.pcres()[0].hs_flags & HS_FLAG_CASELESS, 0u);
  EXPECT_NE(ctx.pcres()[1].hs_flags & HS_FLAG_MULTILINE, 0u);
  EXPECT_TRUE(parse_rule(R"(alert tcp any any -> any any (pcre:"/x$/EGO"; sid:1;))", ctx, r, e)) << e.reason;
  EXPECT_EQ(ctx.pcres()[2].pcre2_options, uint32_t{PCRE2_DOLLAR_ENDONLY | PCRE2_UNGREEDY});
  EXPECT_TRUE(ctx.pcres()[2].no_limit);
  EXPECT_FALSE(parse_rule(R"(alert tcp any any -> any any (pcre:"/x/q"; sid:1;))", ctx, r, e));
  EXPECT_EQ(e.reason, "unsupported pcre flag");
  EXPECT_FALSE(parse_rule(R"(alert tcp any any -> any any (pcre:/x/; sid:1;))", ctx, r, e));
  EXPECT_EQ(ctx.pcres().size(), 3u);  // a rejected rule leaves no pcre behind
}

TEST(SignatureParser, FlowDsizeFlagsFlowbitsThreshold) {
  auto p = parse(R"(alert tcp any any -> any any (flow:to_client,not_established; dsize:10<>20; flags:SA,12; flowbits:isset,a|b; flowbits:set,c; flowbits:noalert; threshold:type both, track by_dst, count 5, seconds 60; sid:1;))");
  ASSERT_TRUE(p.ok) << p.error.reason << " " << p.error.detail;
  EXPECT_EQ(p.rule.flow_dir, 2);
  EXPECT_EQ(p.rule.established, 0);
  ASSERT_TRUE(p.rule.dsize);
  EXPECT_TRUE(p.rule.dsize->test(15));
  EXPECT_FALSE(p.rule.dsize->test(10));
  EXPECT_TRUE(p.rule.has_flags);
  EXPECT_EQ(p.rule.flags_set, 0x12);
  ASSERT_EQ(p.rule.flowbit_conds.size(), 1u);
  EXPECT_TRUE(p.rule.flowbit_conds[0].any_of);
  EXPECT_EQ(p.rule.flowbit_conds[0].bits.size(), 2u);
  EXPECT_EQ(p.rule.flowbit_actions.size(), 1u);
  EXPECT_TRUE(p.rule.noalert);
  ASSERT_TRUE(p.rule.threshold);
  EXPECT_EQ(p.rule.threshold->type, Threshold::Type::both);
  EXPECT_EQ(p.rule.threshold->track, Threshold::Track::by_dst);
  EXPECT_EQ(p.rule.threshold->count, 5u);
}

TEST(SignatureParser, ByteTestByteJumpIsdataatBsize) {
  auto p = parse(R"(alert tcp any any -> any any (content:"|00|"; byte_test:2,>,0x100,1,relative,little; byte_jump:1,0,relative,multiplier 2,post_offset -1; isdataat:!4,relative; sid:1;))");
  ASSERT_TRUE(p.ok) << p.error.reason << " " << p.error.detail;
  const auto& items = p.rule.buffers[0].items;
  ASSERT_EQ(items.size(), 4u);
  EXPECT_EQ(items[1].type, ItemType::byte_test);
  EXPECT_EQ(items[1].value, 0x100u);
  EXPECT_TRUE(items[1].little_endian);
  EXPECT_EQ(items[2].type, ItemType::byte_jump);
  EXPECT_EQ(items[2].multiplier, 2);
  EXPECT_EQ(items[2].post_offset, -1);
  EXPECT_TRUE(items[3].negated);
  auto b = parse(R"(alert http any any -> any any (http.uri; bsize:3-5; urilen:>2; sid:1;))");
  ASSERT_TRUE(b.ok) << b.error.reason;
  EXPECT_TRUE(b.rule.buffers[0].items[0].range.test(3));
  EXPECT_TRUE(b.rule.buffers[0].items[0].range.test(5));
  EXPECT_FALSE(b.rule.buffers[0].items[0].range.test(6));
}

TEST(SignatureParser, BadRulesAreRejectedWithAReason) {
  const std::pair<const char*, const char*> cases[] = {
      {R"(alert tcp any any -> any any (msg:"open; sid:1;))", "unterminated quote"},
      {R"(alert tcp any any -> any any (content:"|4G|"; sid:1;))", "malformed content"},
      {R"(alert tcp any any -> any any (content:"|414|"; sid:1;))", "malformed content"},
      {R"(alert tcp any any -> any any (content:"|41"; sid:1;))", "malformed content"},
      {R"(alert tcp any any -> any any (content:"a"; depth:99999999999; sid:1;))", "value out of range"},
      {R"(alert tcp any any -> any any (content:"a"; offset:-1; sid:1;))", "value out of range"},
      {R"(alert tcp any any -> any any (threshold:type limit, track by_src, count 99999999999999999999, seconds 1; sid:1;))", "value out of range"},
      {R"(alert tcp any any -> any any (sid:99999999999;))", "value out of range"},
      {R"(alert tcp any any -> any any (content:"abc"; depth:2; sid:1;))", "depth shorter than content"},
      {R"(alert tcp any any -> any any (content:"a"; offset:1; distance:2; sid:1;))", "content mixes absolute and relative modifiers"},
      {R"(alert tcp any any -> any any (nocase; sid:1;))", "modifier without a content"},
      {R"(alert tcp any any -> any any (ftpbounce; sid:1;))", "unsupported keyword: ftpbounce"},
      {R"(alert udp any any -> any any (stream_size:server,>,1; sid:1;))", "stream_size on a protocol without a stream"},
      // A buffer no dissector fills would never match: rejected, not accepted silently.
      {R"(alert http any any -> any any (tls.certs; content:"01"; sid:1;))", "buffer of another protocol"},
      {R"(alert tls any any -> any any (http.response_header; content:"01"; sid:1;))", "buffer of another protocol"},
      {R"(alert smtp any any -> any any (file_data; content:"MZ"; sid:1;))", "file_data outside HTTP and ftp-data (only their files are kept)"},
      {R"(alert tcp any any -> any any (content:"a"; sid:1))", "malformed rule"},
      {R"(alert tcp any any -> any any (content:"a";))", "missing sid"},
      {R"(alert foo any any -> any any (sid:1;))", "unsupported protocol: foo"},
      {R"(alert tcp any any => any any (sid:1;))", "malformed rule"},
      {R"(alert tcp 1.2.3.400 any -> any any (sid:1;))", "malformed address"},
      {R"(alert tcp any 70000 -> any any (sid:1;))", "malformed port"},
      {R"(alert tcp any any -> any any (classtype:nope; sid:1;))", "unknown classtype"},
      {R"(alert tcp any any -> any any (flow:only_frag; sid:1;))", "unsupported flow option"},
  };
  for (const auto& [text, reason] : cases) {
    auto p = parse(text);
    EXPECT_FALSE(p.ok) << text;
    EXPECT_EQ(p.error.reason, reason) << text << " -> " << p.error.detail;
  }
}

TEST(SignatureParser, LoadReportsFileLineAndGroupsReasons) {
  const char* text =
      "# a comment\n"
      "alert tcp any any -> any any (content:\"ok\"; sid:1;)\n"
      "\n"
      "alert tcp any any -> any any (content:\"|zz|\"; sid:2;)\n"
      "alert tcp any any -> any any (msg:\"unterminated; sid:3;)\n"
      "alert tcp any any -> any any ( \\\n"
      "  content:\"multi\"; \\\n"
      "  sid:4;)\n"
      "alert tcp any any -> any any (content:\"|zz|\"; sid:5;)\n"
      "alert tcp any any -> any any (content:\"dup\"; sid:1;)\n";
  std::string error;
  LoadReport report;
  auto engine = SignatureEngine::load_text(text, default_rule_vars(), error, &report, {}, "t.rules");
  ASSERT_TRUE(engine) << error;
  EXPECT_EQ(report.accepted, 2u);
  EXPECT_EQ(report.rejected, 3u);
  ASSERT_EQ(report.rejections.size(), 3u);
  EXPECT_EQ(report.rejections[0].line, 4u);
  EXPECT_EQ(report.rejections[0].sid, 2u);
  EXPECT_EQ(report.rejections[1].line, 5u);
  EXPECT_EQ(report.rejections[1].reason, "unterminated quote");
  EXPECT_EQ(report.rejections[2].line, 9u);
  ASSERT_EQ(report.duplicates.size(), 1u);  // counted apart: sid 1 again, the later kept
  EXPECT_EQ(report.duplicates[0].line, 2u);
  const std::string s = report.summary();
  EXPECT_EQ(s.rfind("rules: 2 accepted, 3 rejected, 1 duplicate sids (the later rule kept)\n", 0), 0u) << s;
  EXPECT_NE(s.find("  2  malformed content\n"), std::string::npos) << s;
  EXPECT_NE(s.find("t.rules:4 sid 2"), std::string::npos) << s;
  EXPECT_GE(engine->find_sid(4), 0);  // the continued rule loaded
}

// Suricata's rule for a sid loaded twice: the later replaces the earlier unless the
// earlier has the higher rev; neither counts as rejected.
TEST(SignatureParser, DuplicateSidLaterRuleWinsUnlessOlderRevIsHigher) {
  std::string error;
  LoadReport report;
  auto engine = SignatureEngine::load_text(
      "alert tcp any any -> any any (msg:\"old\"; content:\"a\"; sid:7; rev:1;)\n"
      "alert tcp any any -> any any (msg:\"new\"; content:\"b\"; sid:7; rev:2;)\n"
      "alert tcp any any -> any any (msg:\"kept\"; content:\"c\"; sid:8; rev:5;)\n"
      "alert tcp any any -> any any (msg:\"stale\"; content:\"d\"; sid:8; rev:4;)\n"
      "alert tcp any any -> any any (msg:\"other gid\"; content:\"e\"; sid:8; gid:3;)\n",
      default_rule_vars(), error, &report, {}, "d.rules");
  ASSERT_TRUE(engine) << error;
  EXPECT_EQ(report.accepted, 3u);
  EXPECT_EQ(report.rejected, 0u);
  ASSERT_EQ(report.duplicates.size(), 2u);
  EXPECT_EQ(report.duplicates[0].line, 1u);
  EXPECT_EQ(report.duplicates[1].line, 4u);
  EXPECT_EQ(engine->rule(static_cast<uint32_t>(engine->find_sid(7))).msg, "new");
  EXPECT_EQ(engine->rule(static_cast<uint32_t>(engine->find_sid(8))).msg, "kept");
  EXPECT_NE(report.summary().find("2 duplicate sids"), std::string::npos) << report.summary();
}

// Hyperscan refuses back-references and look-around; PCRE2 runs them, as Suricata does.
// Only what PCRE2 itself cannot compile is rejected (Suricata would not load it either).
TEST(SignatureParser, PcreHyperscanCannotRunGoesToPcre2) {
  std::string error;
  LoadReport report;
  auto engine = SignatureEngine::load_text(
      "alert tcp any any -> any any (content:\"a\"; pcre:\"/(a)\\1/\"; sid:1;)\n"
      "alert tcp any any -> any any (content:\"a\"; pcre:\"/a(?=b)/\"; sid:2;)\n"
      "alert tcp any any -> any any (content:\"a\"; pcre:\"/a[bc]+d/\"; sid:3;)\n"
      "alert tcp any any -> any any (content:\"a\"; pcre:\"/a(b/\"; sid:4;)\n",
      default_rule_vars(), error, &report);
  ASSERT_TRUE(engine) << error;
  EXPECT_EQ(report.accepted, 3u);
  ASSERT_EQ(report.rejected, 1u);
  EXPECT_EQ(report.rejections[0].reason, "pcre that PCRE2 cannot compile");
  EXPECT_EQ(report.rejections[0].sid, 4u);
  EXPECT_EQ(report.pcre2_count, 2u);  // the two Hyperscan refuses and PCRE2 runs
  EXPECT_GE(engine->find_sid(1), 0);
  EXPECT_GE(engine->find_sid(3), 0);
}

TEST(SignatureParser, RulesCheckPrintsSummaryFirst) {
  char* buf = nullptr;
  std::size_t len = 0;
  std::FILE* f = open_memstream(&buf, &len);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(run_rules_check({"/nonexistent/rules"}, f), 1);
  std::fclose(f);
  EXPECT_NE(std::string(buf, len).find("cannot read /nonexistent/rules"), std::string::npos);
  std::free(buf);
}

}  // namespace

namespace {
// Suricata's ftp-data protocol (its documentation's file.data example) and file_data on it.
TEST(SignatureParser, FtpDataProtocolWithFileData) {
  const auto r = parse(R"(alert ftp-data any any -> any any (msg:"ftp app layer file.data example"; file.data; content:"example file content"; sid:6; rev:1;))");
  ASSERT_TRUE(r.ok) << r.error.reason << " " << r.error.detail;
  EXPECT_EQ(r.rule.app, AppProto::ftp_data);
  EXPECT_EQ(r.rule.l4, L4::tcp);
  EXPECT_EQ(r.rule.buffers.at(0).kind, BufferKind::http_file_data);
  EXPECT_EQ(app_proto_name(AppProto::ftp_data), "ftp-data");
  EXPECT_TRUE(parse(R"(alert ftp-data any any -> any any (flow:to_server; file_data; content:"MZ"; sid:7;))").ok);
  // Only the bytes are kept: no file name, no command of the control connection.
  EXPECT_FALSE(parse(R"(alert ftp-data any any -> any any (ftpdata_command:stor; sid:8;))").ok);
}
}  // namespace

namespace {
// JA3/JA4 sticky buffers, the quic protocol and Suricata 7's `requires`: a feature the
// probe has is met, one it lacks rejects the rule with its name.
TEST(SignatureParser, FingerprintBuffersQuicAndRequires) {
  const auto tls = parse(R"(alert tls any any -> any any (requires: feature ja4, version >= 7.0; ja4.hash; content:"t13d1516h2_8daaf6152771_e5627efa2ab1"; sid:2;))");
  ASSERT_TRUE(tls.ok) << tls.error.reason << " " << tls.error.detail;
  EXPECT_EQ(tls.rule.app, AppProto::tls);
  EXPECT_EQ(tls.rule.buffers.at(0).kind, BufferKind::ja4_hash);
  const auto quic = parse(R"(alert quic any any -> any any (ja3.hash; content:"0123"; sid:3;))");
  ASSERT_TRUE(quic.ok) << quic.error.reason;
  EXPECT_EQ(quic.rule.app, AppProto::quic);
  EXPECT_EQ(quic.rule.l4, L4::udp);
  EXPECT_EQ(quic.rule.buffers.at(0).kind, BufferKind::ja3_hash);
  EXPECT_TRUE(parse(R"(alert tls any any -> any any (ja3s.hash; content:"ab"; sid:4;))").ok);
  const auto lacking = parse(R"(alert tcp any any -> any any (requires: feature geoip; content:"x"; sid:5;))");
  EXPECT_FALSE(lacking.ok);
  EXPECT_EQ(lacking.error.detail, "geoip");
  EXPECT_FALSE(parse(R"(alert tcp any any -> any any (requires: wishes; content:"x"; sid:6;))").ok);
}
}  // namespace
