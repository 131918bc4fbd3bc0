// The JSON encoder checked field by field against the real nProbe 9.x line quoted in
// ../shared/spec/nprobe-json.md §5: same keys in the same order, same JSON types, same
// values for a flow crafted to match it, same key form in labels mode, nDPI escaping.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "export/flow_template.hpp"
#include "export/geo.hpp"
#include "export/json_encoder.hpp"
#include "export/json_writer.hpp"
#include "support/run_program.hpp"

using namespace flowprobe;

namespace {

// Verbatim from the spec, §5 (a real nProbe 9.x --json-to-syslog line, addresses masked
// by its publisher).
constexpr std::string_view kNprobeLine =
    R"({"56":"xx:xx:xx:xx:xx:xx","57":"xx:xx:xx:xx:xx:xx","10":0,"14":0,"58":999,"8":"192.168.xxx.xxx","12":"xxx.xxx.xxx.xxx","7":55378,"11":443,"27":"::","28":"::","60":4,"4":6,"35632.57590":"91","1":250,"2":2,"23":80,"24":2,"22":1624960927,"21":1624960927,"35632.57550":24,"35632.57551":16,"35632.57981":0,"35632.57595":0.000,"35632.57596":0.000,"35632.57597":0.000,"35632.57888":258,"35632.57892":1024,"35632.57583":0,"35632.57584":0,"35632.57581":1,"35632.57582":0,"35632.57552":0,"35632.57553":0,"35632.57677":"","35632.57679":"0","35632.57680":"0","35632.57652":"","35632.57833":"137.116.157.26","35632.57832":"","35632.57653":"0","35632.57660":"","35632.57661":"","5":2,"55":0,"35632.57915":"","35632.57916":"Microsoft Corporation","34":1,"42":4680})";

// The sample's keys whose values the publisher masked: we check their form instead.
const std::set<std::string> kMasked = {"56", "57", "8", "12"};

// A flow shaped like the one in the sample.
FlowRecord sample_flow() {
  FlowRecord r;
  r.src_mac = {0x00, 0x25, 0x90, 0xD4, 0xCC, 0xF9};
  r.dst_mac = {0x0a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f};
  r.vlan = 999;
  r.ip_version = 4;
  r.src_ip = {192, 168, 1, 20};
  r.dst_ip = {137, 116, 157, 26};
  r.src_port = 55378;
  r.dst_port = 443;
  r.protocol = 6;
  r.in_bytes = 250;
  r.in_pkts = 2;
  r.out_bytes = 80;
  r.out_pkts = 2;
  r.first_ns = 1624960927ull * 1'000'000'000ull + 123'000'000;
  r.last_ns = 1624960927ull * 1'000'000'000ull + 456'000'000;
  r.client_tcp_flags = 24;
  r.server_tcp_flags = 16;
  r.src_tos = 2;
  r.dst_tos = 0;
  r.tcp_win_max_in = 258;
  r.tcp_win_max_out = 1024;
  r.retransmitted_in_pkts = 1;
  r.l7_app = 91;  // nDPI's TLS
  r.l7_flags = kL7Present;
  return r;
}

std::string minified(simdjson::dom::element e) { return simdjson::minify(e); }

// The sample's value as written: minify() would print the latencies' 0.000 as 0.0.
std::string sample_text(const std::string& key, simdjson::dom::element e) {
  const std::string needle = "\"" + key + "\":";
  const auto at = kNprobeLine.find(needle);
  if (e.is_double() && at != std::string_view::npos) {
    const auto start = at + needle.size();
    return std::string(kNprobeLine.substr(start, kNprobeLine.find_first_of(",}", start) - start));
  }
  return minified(e);
}

TEST(JsonEncoder, MatchesTheRealNprobeLineKeyByKey) {
  simdjson::dom::parser parser;
  const simdjson::padded_string ref_text(kNprobeLine);
  simdjson::dom::object ref = parser.parse(ref_text).get_object();

  // The template: every key of the sample that our registry knows, in the sample's order.
  std::string spec;
  std::vector<std::string> keys;
  for (auto [key, value] : ref) {
    for (const FieldDef& f : field_registry()) {
      if (numeric_key(f) == key) {
        spec += "%" + std::string(f.label) + " ";
        keys.emplace_back(key);
      }
    }
  }
  // Every key of the sample, the last ones (SRC/DST_FRAGMENTS, BITTORRENT_HASH) included.
  ASSERT_EQ(keys.size(), ref.size()) << "a key of the sample the registry does not know";
  FlowTemplate tmpl;
  std::string error;
  ASSERT_TRUE(parse_template(spec, tmpl, error)) << error;

  // The sample's DST_AS_MAP comes from an AS database: one the test builds with
  // MaxMind's writer (tests/data/make_test_mmdb.pl), holding Microsoft's 137.116.0.0/16.
  const auto dir = test::scratch_dir("json_sample_geo");
  const auto made = test::run_program({"/usr/bin/perl", (test::source_root() / "tests" / "data" / "make_test_mmdb.pl").string(),
                                       (dir / "city.mmdb").string(), (dir / "asn.mmdb").string()});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  std::string geo_error;
  const auto geo_db = GeoDatabases::open("", (dir / "asn.mmdb").string(), geo_error);
  ASSERT_TRUE(geo_db) << geo_error;
  GeoLookup geo(*geo_db);

  std::string line;
  ExportContext ctx;
  ctx.flow_sequence = 4680;
  ctx.geo = &geo;
  JsonEncoder(tmpl, KeyStyle::numeric).encode(sample_flow(), ctx, line);
  ASSERT_EQ(line.back(), '\n');
  line.pop_back();

  // Expected: the sample itself restricted to those keys, with our values only where
  // the publisher masked them.
  simdjson::dom::parser ours_parser;
  simdjson::dom::object ours = ours_parser.parse(line).get_object();
  std::string expected = "{";
  for (const std::string& k : keys) {
    if (expected.size() > 1) expected += ",";
    expected += "\"" + k + "\":";
    expected += kMasked.count(k) ? minified(ours[k]) : sample_text(k, ref[k]);
  }
  expected += "}";
  EXPECT_EQ(line, expected);

  // Types of the masked fields, and their form.
  for (const std::string& k : kMasked) {
    EXPECT_EQ(ours[k].type().value(), ref[k].type().value()) << k;
  }
  EXPECT_EQ(std::string_view(ours["56"]), "00:25:90:D4:CC:F9");  // upper-case MACs
  EXPECT_EQ(std::string_view(ours["57"]), "0A:1B:2C:3D:4E:5F");
  EXPECT_EQ(std::string_view(ours["8"]), "192.168.1.20");
  EXPECT_EQ(std::string_view(ours["12"]), "137.116.157.26");
}

TEST(JsonEncoder, SpecStillQuotesThisLine) {
  FLOWPROBE_REQUIRE_SHARED("spec/nprobe-json.md");
  std::ifstream in(flowprobe::test::shared_dir() / "spec" / "nprobe-json.md");
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_NE(ss.str().find(kNprobeLine), std::string::npos);
}

TEST(JsonEncoder, LabelsModeUsesTemplateLabels) {
  FlowTemplate tmpl;
  std::string error;
  ASSERT_TRUE(parse_template("%IPV4_SRC_ADDR %L4_DST_PORT %CLIENT_TCP_FLAGS %SRC_TO_DST_BYTES", tmpl, error));
  std::string line;
  JsonEncoder(tmpl, KeyStyle::labels).encode(sample_flow(), ExportContext{}, line);
  EXPECT_EQ(line, R"({"IPV4_SRC_ADDR":"192.168.1.20","L4_DST_PORT":443,"CLIENT_TCP_FLAGS":24,"IN_BYTES":250})" "\n");
}

TEST(JsonEncoder, Ipv6FlowsLeaveIpv4Unset) {
  FlowRecord r = sample_flow();
  r.ip_version = 6;
  r.src_ip = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  r.dst_ip = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x02, 0x25, 0x90, 0xff, 0xfe, 0xd4, 0xcc, 0xf9};
  FlowTemplate tmpl;
  std::string error;
  ASSERT_TRUE(parse_template("%IPV4_SRC_ADDR %IPV4_DST_ADDR %IPV6_SRC_ADDR %IPV6_DST_ADDR %IP_PROTOCOL_VERSION", tmpl,
                             error));
  std::string line;
  JsonEncoder(tmpl, KeyStyle::numeric).encode(r, ExportContext{}, line);
  EXPECT_EQ(line, R"({"8":"0.0.0.0","12":"0.0.0.0","27":"2001:db8::1","28":"fe80::225:90ff:fed4:ccf9","60":6})" "\n");
}

TEST(JsonEncoder, TimesAndEndReason) {
  FlowRecord r = sample_flow();
  r.end_cause = FlowEndCause::tcp_rst;
  FlowTemplate tmpl;
  std::string error;
  ASSERT_TRUE(parse_template("%FLOW_START_MILLISECONDS %FLOW_END_MILLISECONDS %FLOW_END_REASON %FLOW_DURATION_MILLISECONDS",
                             tmpl, error));
  std::string line;
  JsonEncoder(tmpl, KeyStyle::numeric).encode(r, ExportContext{}, line);
  EXPECT_EQ(line, R"({"152":1624960927123,"153":1624960927456,"136":3,"161":333})" "\n");
}

TEST(JsonEncoder, FragmentsAndBitTorrentHash) {
  FlowRecord r = sample_flow();
  r.src_fragments = 3;
  r.dst_fragments = 65535;
  FlowTemplate tmpl;
  std::string error;
  ASSERT_TRUE(parse_template("%SRC_FRAGMENTS %DST_FRAGMENTS %BITTORRENT_HASH", tmpl, error)) << error;
  std::string line;
  JsonEncoder(tmpl, KeyStyle::labels).encode(r, ExportContext{}, line);
  EXPECT_EQ(line, R"({"SRC_FRAGMENTS":3,"DST_FRAGMENTS":65535,"BITTORRENT_HASH":""})" "\n");

  dissect::AppMetadata app;
  app.set_kind(dissect::AppKind::bittorrent);
  for (uint8_t i = 0; i < 20; ++i) app.u.bittorrent.info_hash[i] = static_cast<uint8_t>(i * 13);
  ExportContext ctx;
  ctx.app = &app;
  line.clear();
  JsonEncoder(tmpl, KeyStyle::numeric).encode(r, ctx, line);
  EXPECT_EQ(line, R"({"35632.57552":3,"35632.57553":65535,"35632.57661":"000d1a2734414e5b6875828f9ca9b6c3d0ddeaf7"})" "\n");
}

TEST(JsonWriter, EscapesLikeNdpi) {
  std::string out;
  JsonWriter w(out);
  static constexpr char kInput[] = "a\"b\\c/d\be\tf\ng\fh\ri\x01j\x1fk\xc3\xa9";
  w.value_string(std::string_view(kInput, sizeof(kInput) - 1));
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\/d\\be\\tf\\ng\\fh\\rijk\xc3\xa9\"");
  // What we write must stay valid JSON for a real parser.
  simdjson::dom::parser p;
  EXPECT_EQ(std::string_view(p.parse(out).get_string()), "a\"b\\c/d\be\tf\ng\fh\rijk\xc3\xa9");
}

TEST(JsonWriter, Decimal3) {
  std::string out;
  JsonWriter w(out);
  w.value_decimal3(12345);
  out += ' ';
  w.value_decimal3(7);
  EXPECT_EQ(out, "12.345 0.007");
}

}  // namespace
