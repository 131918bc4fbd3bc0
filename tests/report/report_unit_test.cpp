// The report's rules against the spec (../shared/spec/reports.md): the trust score and
// its bands, month-over-month wording with the SOC sample's own numbers, the reader
// (numeric keys and labels, damaged lines), the bounded counters, windows and days.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <random>
#include <set>
#include <string>

#include "report/format.hpp"
#include "report/record_reader.hpp"
#include "report/sketch.hpp"
#include "report/soc_rules.hpp"
#include "report/svg_chart.hpp"
#include "report/time_window.hpp"
#include "report/tls_trust.hpp"

using namespace flowprobe::report;

namespace {

// Spec §1.1.5: x = 100 − penalty, score = 50 + 10 (x − m)/sd, population sd.
TEST(TrustScore, DeviationValueOverAllRows) {
  // Two rows, penalties 0 and 2: x = 100, 98; m = 99; sd = 1 → 60 and 40.
  auto s = trust_scores({0, 2});
  ASSERT_EQ(s.size(), 2u);
  EXPECT_DOUBLE_EQ(s[0], 60.0);
  EXPECT_DOUBLE_EQ(s[1], 40.0);
  // Four rows: TLS 1.3 named (0), TLS 1.2 named (1), TLS 1.2 unresolved server (2), SSL 3.0 in a
  // forbidden country, both names unknown (4 + 1 + 1 + 1 = 7). x = 100 99 98 93, m = 97.5,
  // population sd = sqrt((6.25 + 2.25 + 0.25 + 20.25) / 4) = sqrt(7.25).
  s = trust_scores({0, 1, 2, 7});
  const double sd = std::sqrt(7.25);
  EXPECT_NEAR(s[0], 50 + 10 * 2.5 / sd, 1e-9);
  EXPECT_NEAR(s[3], 50 - 10 * 4.5 / sd, 1e-9);
  EXPECT_NEAR(s[0], 59.28, 0.01);
  EXPECT_NEAR(s[3], 33.29, 0.01);
  // "A list where every row has the same penalty scores 50 everywhere."
  for (double v : trust_scores({3, 3, 3})) EXPECT_EQ(v, 50.0);
  // The penalty is capped at 100.
  EXPECT_EQ(trust_scores({150, 100}), trust_scores({100, 100}));
}

TEST(TrustScore, PenaltiesFromTheSpecTable) {
  EXPECT_EQ(version_penalty("TLS 1.3"), 0);
  EXPECT_EQ(version_penalty("TLS 1.2"), 1);
  EXPECT_EQ(version_penalty("TLS 1.1"), 2);
  EXPECT_EQ(version_penalty("TLS 1.0"), 3);
  EXPECT_EQ(version_penalty("SSL 3.0"), 4);
  EXPECT_EQ(version_penalty("SSL 2.0"), 4);
  EXPECT_EQ(version_penalty("Unknown (0x7f1c)"), 0);
  PenaltyParts p;
  p.server_forbidden = p.client_forbidden = true;
  p.version = 4;
  p.server_unresolved = p.client_unresolved = true;
  EXPECT_EQ(p.total(), 8);
}

TEST(TrustScore, Bands) {
  EXPECT_EQ(score_band(66.01), 5);
  EXPECT_EQ(score_band(66.0), 4);
  EXPECT_EQ(score_band(50.01), 4);
  EXPECT_EQ(score_band(50.0), 3);  // the band rule, not upstream's colour function
  EXPECT_EQ(score_band(42.01), 3);
  EXPECT_EQ(score_band(42.0), 2);
  EXPECT_EQ(score_band(33.01), 2);
  EXPECT_EQ(score_band(33.0), 1);
  EXPECT_EQ(band_label(5), "67 and above");
  EXPECT_EQ(band_label(1), "32 and below");
}

TEST(TlsRules, ServicesAndCipherClasses) {
  EXPECT_EQ(tls_service(443), "HTTPS");
  EXPECT_EQ(tls_service(587), "SMTP");
  EXPECT_EQ(tls_service(993), "IMAP4S");
  EXPECT_EQ(tls_service(22), "FTP-DATA");  // twpcap's odd entry, kept
  EXPECT_EQ(tls_service(8443), "OTHER");
  EXPECT_EQ(cipher_name(0x1301), "TLS_AES_128_GCM_SHA256");
  EXPECT_EQ(cipher_name(0xc02f), "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
  EXPECT_EQ(cipher_class(cipher_name(0x1301), false), CipherClass::strong);
  EXPECT_EQ(cipher_class(cipher_name(0xc02f), false), CipherClass::strong);
  EXPECT_EQ(cipher_class(cipher_name(0xc014), false), CipherClass::medium);  // ECDHE_RSA_WITH_AES_256_CBC_SHA
  EXPECT_EQ(cipher_class(cipher_name(0x000a), false), CipherClass::weak);    // RSA_WITH_3DES_EDE_CBC_SHA
  EXPECT_EQ(cipher_class(cipher_name(0x0005), false), CipherClass::insecure);  // RSA_WITH_RC4_128_SHA
  EXPECT_EQ(cipher_class(cipher_name(0xc014), true), CipherClass::weak);     // flagged unsafe by the probe
  EXPECT_EQ(cipher_class(cipher_name(0xfefe), false), CipherClass::unknown);
}

// Spec §1.3: the sample's month-over-month values.
TEST(MonthOverMonth, SampleValues) {
  // Table A is truncated in the sample.
  EXPECT_EQ(mom_ratio(38467358, 41946836, Rounding::truncate), "109.04%");
  EXPECT_EQ(mom_ratio(12736899, 14377645, Rounding::truncate), "112.88%");
  EXPECT_EQ(percent(14377645, 41946836, Rounding::truncate), "34.27%");
  EXPECT_EQ(percent(12736899, 38467358, Rounding::truncate), "33.11%");
  EXPECT_EQ(mom_points(12736899, 38467358, 14377645, 41946836, Rounding::truncate), "1.16pt");
  // Round half up (the default) gives the destination top 10's values.
  EXPECT_EQ(mom_ratio(278572, 852346), "305.97%");
  EXPECT_EQ(mom_ratio(278321, 698132), "250.84%");
  EXPECT_EQ(mom_ratio(987256, 567625), "57.50%");
  // Table B.
  EXPECT_EQ(mom_ratio(5, 8), "160.00%");
  EXPECT_EQ(mom_ratio(30, 19), "63.33%");
  EXPECT_EQ(mom_ratio(35, 27), "77.14%");
  EXPECT_EQ(mom_ratio(0, 0), "-");
  EXPECT_EQ(mom_ratio(0, 2), "-");  // Critical 0 → 2 prints "-"
  EXPECT_EQ(mom_ratio(3, 6), "200.00%");
  EXPECT_EQ(mom_ratio(3, 1), "33.33%");
  // A falling share: negative points, no "+".
  EXPECT_EQ(mom_points(3311, 10000, 3259, 10000), "-0.52pt");
  EXPECT_EQ(mom_points(0, 0, 5, 10), "-");
  // Narratives use integer ratios: "about 120 thousand (74% of the previous month)".
  EXPECT_EQ(mom_integer(162000, 120000), "74%");
  EXPECT_EQ(mom_integer(0, 5), "-");
  EXPECT_EQ(thousands(38467358), "38,467,358");
  EXPECT_EQ(thousands(0), "0");
  EXPECT_EQ(thousands(999), "999");
  EXPECT_EQ(thousands(1000), "1,000");
  EXPECT_EQ(defang("EXAMPLE1.JP/path"), "EXAMPLE1[.]JP/path");
}

// The reader: a record with numeric keys and the same with labels read the same.
struct Collect final : RecordReader::Visitor {
  std::vector<LineKind> kinds;
  std::vector<FlowRec> flows;
  std::vector<std::string> texts;
  std::vector<AlertRec> alerts;
  std::vector<std::string> alert_cids;  // views die with the next line: keep copies
  void on_record(LineKind k, const RecordReader& r) override {
    kinds.push_back(k);
    if (k == LineKind::flow) {
      flows.push_back(r.flow());
      texts.push_back(std::string(r.flow().src_text) + "|" + std::string(r.flow().l7_name) + "|" +
                      std::string(r.flow().conn_state) + "|" + std::string(r.flow().tls_sni));
    }
    if (k == LineKind::alert) {
      alerts.push_back(r.alert());
      alert_cids.emplace_back(r.alert().community_id);
    }
  }
};

void read_line(RecordReader& r, const std::string& line, Collect& c) {
  std::string padded = line;
  padded.append(simdjson::SIMDJSON_PADDING, ' ');
  r.read(std::string_view(padded.data(), line.size()), padded.size(), c);
}

TEST(Reader, NumericKeysAndLabelsReadTheSame) {
  const std::string numeric =
      R"({"8":"192.168.1.10","12":"93.184.216.34","7":51000,"11":443,"4":6,"1":500,"23":4000,"22":1764547200,)"
      R"("21":1764547260,"35632.57590":"91.126","35632.57591":"TLS.Google","35632.57967":771,"35632.57965":49199,)"
      R"("35632.57660":"www.example.com","CONN_STATE":"SF","COMMUNITY_ID":"1:abc=","35632.57680":"0"})";
  const std::string labels =
      R"({"IPV4_SRC_ADDR":"192.168.1.10","IPV4_DST_ADDR":"93.184.216.34","L4_SRC_PORT":51000,"L4_DST_PORT":443,)"
      R"("PROTOCOL":6,"IN_BYTES":500,"OUT_BYTES":4000,"FIRST_SWITCHED":1764547200,"LAST_SWITCHED":1764547260,)"
      R"("L7_PROTO":"91.126","L7_PROTO_NAME":"TLS.Google","TLS_VERSION":771,"TLS_CIPHER":49199,)"
      R"("TLS_SERVER_NAME":"www.example.com","CONN_STATE":"SF","COMMUNITY_ID":"1:abc=","DNS_RET_CODE":"0"})";
  // nProbe's aliases and old bare NFv9 ids.
  const std::string aliases =
      R"({"IPV4_SRC_ADDR":"192.168.1.10","IPV4_DST_ADDR":"93.184.216.34","L4_SRC_PORT":51000,"L4_DST_PORT":443,)"
      R"("PROTOCOL":6,"IN_BYTES":"500","OUT_BYTES":4000,"FIRST_SWITCHED":1764547200,"LAST_SWITCHED":1764547260,)"
      R"("57590":"91.126","L7_PROTO_NAME":"TLS.Google","SSL_VERSION":771,"SSL_CIPHER":49199,)"
      R"("SSL_SERVER_NAME":"www.example.com","CONN_STATE":"SF","COMMUNITY_ID":"1:abc=","DNS_RET_CODE":"0"})";
  RecordReader r;
  Collect c;
  read_line(r, numeric, c);
  read_line(r, labels, c);
  read_line(r, aliases, c);
  ASSERT_EQ(c.flows.size(), 3u);
  for (const FlowRec& f : c.flows) {
    EXPECT_EQ(f.src, parse_ip("192.168.1.10"));
    EXPECT_EQ(f.dst_port, 443);
    EXPECT_EQ(f.in_bytes, 500u);
    EXPECT_EQ(f.out_bytes, 4000u);
    EXPECT_EQ(f.first, 1764547200);
    EXPECT_EQ(f.tls_version, 771u);
    EXPECT_EQ(f.tls_cipher, 49199u);
    EXPECT_EQ(f.dns_ret_code, 0);
    EXPECT_EQ(f.present, c.flows[0].present);
  }
  EXPECT_EQ(c.texts[0], "192.168.1.10|TLS.Google|SF|www.example.com");
  EXPECT_EQ(c.texts[0], c.texts[1]);
  EXPECT_EQ(c.texts[0], c.texts[2]);
}

// Strings and numbers are read from their tokens without simdjson's copy when they need
// no unescaping; escapes, blanks around values, long and unusual numbers take simdjson's
// own path and read the same.
TEST(Reader, EscapesBlanksAndOddNumbersReadAsSimdjsonDoes) {
  const std::string line =
      "{ \"8\" : \"10.0.0.1\" , \"12\":\"10.0.0.2\",\"22\": 1764547200 ,\"1\":18446744073709551615,\"23\":7.9,"
      "\"35632.57591\":\"TLS\\u002eGoogle\",\"CONN_STATE\":\"S\\\\F\",\"35632.57660\":\"a\\\"b.example\","
      "\"35632.57659\":\"0123456789abcdef0123\\/x\",\"11\":\"443\",\"35632.57967\":0 }";
  RecordReader r;
  Collect c;
  read_line(r, line, c);
  ASSERT_EQ(c.flows.size(), 1u) << static_cast<int>(c.kinds.at(0));
  const FlowRec& f = c.flows[0];
  EXPECT_EQ(f.first, 1764547200);
  EXPECT_EQ(f.in_bytes, 18446744073709551615ull);  // 20 digits: simdjson's path
  EXPECT_EQ(f.out_bytes, 7u);                      // a fraction keeps its integer part
  EXPECT_EQ(f.dst_port, 443);                      // a number written as a string
  EXPECT_EQ(f.tls_version, 0u);
  EXPECT_EQ(c.texts[0], "10.0.0.1|TLS.Google|S\\F|a\"b.example");
  EXPECT_EQ(std::string(f.http_host), "0123456789abcdef0123/x");  // the escape past the first 16 bytes
  // A leading zero is not JSON: the record is named, not misread.
  Collect bad;
  read_line(r, R"({"8":"10.0.0.1","12":"10.0.0.2","22":01764547200})", bad);
  ASSERT_EQ(bad.kinds.size(), 1u);
  EXPECT_TRUE(is_skip(bad.kinds[0]));
}

TEST(Reader, Ipv6FlowsAndAlertsAndArrays) {
  RecordReader r;
  Collect c;
  read_line(r, R"({"8":"0.0.0.0","12":"0.0.0.0","27":"2001:db8::1","28":"2606:2800:220::1","22":1764547200,"4":17})", c);
  read_line(r,
            R"({"timestamp":"2026-12-01T09:00:00.123456+0900","flow_id":1,"event_type":"alert","src_ip":"10.0.0.5",)"
            R"("src_port":5555,"dest_ip":"198.51.100.7","dest_port":80,"proto":"TCP","community_id":"1:x",)"
            R"("alert":{"action":"allowed","gid":1,"signature_id":2019401,"rev":2,"signature":"ET X",)"
            R"("category":"A Network Trojan was Detected","severity":1}})",
            c);
  read_line(r, R"([{"8":"10.0.0.1","12":"10.0.0.2","22":1},{"8":"10.0.0.3","12":"10.0.0.4","22":2}])", c);
  ASSERT_EQ(c.flows.size(), 3u);
  EXPECT_EQ(c.flows[0].src.v, 6);
  EXPECT_EQ(c.flows[0].src, parse_ip("2001:db8::1"));
  ASSERT_EQ(c.alerts.size(), 1u);
  EXPECT_EQ(c.alerts[0].sid, 2019401u);
  EXPECT_EQ(c.alerts[0].severity, 1);
  EXPECT_EQ(c.alerts[0].ts, 1796083200);  // 2026-12-01 09:00 +0900 = 00:00 UTC
  EXPECT_EQ(c.alert_cids[0], "1:x");
}

TEST(Reader, DamagedLinesAreNamedNeverDropped) {
  RecordReader r;
  Collect c;
  const std::string good = R"({"8":"10.0.0.1","12":"10.0.0.2","22":1764547200,"1":10})";
  read_line(r, "not json at all", c);
  read_line(r, good.substr(0, good.size() / 2), c);
  read_line(r, good + "}", c);
  read_line(r, "", c);
  read_line(r, R"({"ts":"2026-01-01","host":"x","msg":"syslog from another tool"})", c);
  read_line(r, R"("just a string")", c);
  read_line(r, R"({"8":"10.0.0.1","12":"10.0.0.2","22":1764547200,"1":{"nested":1}})", c);
  read_line(r, R"({"timestamp":"2026-01-01T00:00:00Z","event_type":"arp","arp":{}})", c);
  read_line(r, good, c);
  const std::vector<LineKind> want = {LineKind::not_json,   LineKind::truncated, LineKind::truncated,
                                      LineKind::blank,      LineKind::other_tool, LineKind::not_object,
                                      LineKind::bad_value,  LineKind::eve_other, LineKind::flow};
  EXPECT_EQ(c.kinds, want);
  EXPECT_EQ(line_kind_text(LineKind::not_json), "not JSON");
}

// The reader does not zero its FlowRec per record: a record's fields overwrite the
// previous one's and the fields it lacks are reset. Whatever came before (a record with
// every field, a damaged one stopped half-way, an eve alert), a record reads exactly as it
// does in a fresh reader.
TEST(Reader, NoFieldOutlivesItsRecord) {
  const std::string full =
      R"({"8":"192.168.1.10","12":"93.184.216.34","7":51000,"11":443,"4":6,"1":500,"23":4000,"22":1764547200,)"
      R"("21":1764547260,"35632.57590":"91.126","35632.57591":"TLS.Google","35632.57973":"Web",)"
      R"("35632.57982":"risk","35632.57573":"JP","35632.57575":"US","16":64500,"17":15169,"35632.57915":"A",)"
      R"("35632.57916":"B","35632.57677":"q.example","35632.57870":"1.2.3.4","35632.57680":3,)"
      R"("35632.57832":"GET","35632.57659":"h.example","35632.57652":"/u","35632.57660":"www.example.com",)"
      R"("35632.57967":771,"35632.57965":49199,"35632.57966":1,"35632.57550":24,"35632.57551":26,)"
      R"("CONN_STATE":"SF","COMMUNITY_ID":"1:abc=","ALERTS":2,"35632.57594":"probe-1"})";
  const std::string sparse = R"({"8":"10.0.0.1","12":"10.0.0.2","22":1764547300})";
  const std::string half = R"({"8":"10.0.0.9","12":"10.0.0.8","7":1,"11":2,"1":3,"23":)";
  const std::string alert =
      R"({"timestamp":"2026-12-01T09:00:00Z","event_type":"alert","src_ip":"10.0.0.5","dest_ip":"10.0.0.6",)"
      R"("community_id":"1:x","alert":{"signature_id":1,"signature":"S","severity":2}})";
  const auto fields = [](const FlowRec& f) {
    std::string out;
    for (std::string_view t : {f.src_text, f.dst_text, f.l7_proto, f.l7_name, f.l7_category, f.l7_risk_name,
                               f.src_country, f.dst_country, f.src_as_map, f.dst_as_map, f.dns_query, f.dns_response,
                               f.http_method, f.http_host, f.http_url, f.tls_sni, f.conn_state, f.community_id,
                               f.instance})
      out += std::string(t) + "|";
    for (uint64_t n : {uint64_t{f.src_port}, uint64_t{f.dst_port}, uint64_t{f.protocol}, f.in_bytes, f.out_bytes,
                       static_cast<uint64_t>(f.first), static_cast<uint64_t>(f.last), uint64_t{f.src_as},
                       uint64_t{f.dst_as}, static_cast<uint64_t>(f.dns_ret_code), uint64_t{f.tls_version},
                       uint64_t{f.tls_cipher}, uint64_t{f.tls_unsafe}, uint64_t{f.client_flags},
                       uint64_t{f.server_flags}, uint64_t{f.alerts}, f.present})
      out += std::to_string(n) + ",";
    return out + ip_text(f.src) + "," + ip_text(f.dst);
  };
  const auto alone = [&](const std::string& line) {
    RecordReader fresh;
    Collect c;
    read_line(fresh, line, c);
    return c.flows.empty() ? std::string("none") : fields(c.flows.back());
  };
  const std::string full_alone = alone(full), sparse_alone = alone(sparse);
  EXPECT_NE(full_alone, sparse_alone);
  EXPECT_NE(sparse_alone.find("|0,0,0,0,0,1764547300,1764547300,"), std::string::npos) << sparse_alone;
  EXPECT_NE(sparse_alone.find(",18446744073709551615,"), std::string::npos) << sparse_alone;  // DNS_RET_CODE -1
  for (const std::vector<std::string>& before :
       {std::vector<std::string>{full}, {full, full}, {full, half}, {full, alert}, {half}, {alert, full, sparse}}) {
    RecordReader r;
    Collect c;
    for (const std::string& line : before) read_line(r, line, c);
    Collect last;
    read_line(r, sparse, last);
    ASSERT_EQ(last.flows.size(), 1u);
    EXPECT_EQ(fields(last.flows[0]), sparse_alone) << before.size();
    read_line(r, full, last);
    ASSERT_EQ(last.flows.size(), 2u);
    EXPECT_EQ(fields(last.flows[1]), full_alone) << before.size();
  }
}

// read_lines (one simdjson document stream per window) must tell every line exactly as
// read() on that line alone does, whatever the damage: the same kinds in the same order,
// the same records. Lines drawn at random from good and damaged ones, enough of them to
// span several windows and to use up a window's stream restarts.
TEST(Reader, ReadLinesTellsEveryLineAsReadDoes) {
  const std::string good = R"({"8":"10.0.0.1","12":"10.0.0.2","22":1764547200,"1":10,"35632.57591":"TLS"})";
  const std::string other = R"({"8":"192.168.1.7","12":"8.8.8.8","22":1764547201,"23":5,"CONN_STATE":"S0"})";
  const std::vector<std::string> pool = {
      good, other, good, other, good, other, good, other,  // mostly good, as in real files
      "  " + good + "\t",                                   // blanks around a record
      good + "\r",                                          // CRLF line endings
      "",                                                   // a blank line
      "   ",                                                // a line of blanks
      "not json at all",
      good.substr(0, good.size() / 2),                      // truncated mid-string
      good.substr(0, 30),                                   // truncated after a value
      good + "}",                                           // one brace too many
      good + " " + other,                                   // two records on one line
      "{\"8\":\"10.0.0.1\",",                                 // an object over two lines...
      "\"12\":\"10.0.0.2\",\"22\":1764547200}",                // ...read as two damaged lines
      "[" + good + "," + other + "]",                       // nProbe's legacy batches
      R"("just a string")", "42", "null",
      R"({"8":"10.0.0.1","12":"10.0.0.2","22":1764547200,"1":{"nested":1}})",
      R"({"timestamp":"2026-01-01T00:00:00Z","event_type":"arp","arp":{}})",
      R"({"ts":"2026-01-01","host":"x","msg":"syslog from another tool"})",
      R"({"8":"10.0.0.1","12":"10.0.0.\u0032","22":1764547200})",  // an escape: simdjson unescapes
      "{\"8\":\"10.0.0.1\",\"x\":\"a\x01b\",\"22\":1}",           // a raw control character
      "\xff\xfe{}",                                          // not UTF-8
  };
  std::mt19937 rng(16);
  for (int round = 0; round < 6; ++round) {
    // Round 0: no damage at all; round 1: one damaged line per window; then dense damage.
    const std::size_t good_only = round == 0 ? 8 : pool.size();
    std::string text;
    std::vector<std::string> lines;
    while (text.size() < (700u << 10)) {
      std::string line = pool[rng() % (round == 1 && rng() % 3000 != 0 ? 8 : good_only)];
      if (round == 5 && rng() % 500 == 0) line = good + std::string(300u << 10, ' ');  // longer than a window
      lines.push_back(line);
      text += line + "\n";
    }
    if (round % 2 == 1) {  // the last line without its newline, truncated
      text += good.substr(0, 20);
      lines.push_back(good.substr(0, 20));
    }
    Collect each, all;
    RecordReader a, b;
    for (const std::string& line : lines) read_line(a, line, each);
    std::string padded = text;
    padded.append(simdjson::SIMDJSON_PADDING, ' ');
    b.read_lines(std::string_view(padded.data(), text.size()), padded.size(), all);
    ASSERT_EQ(all.kinds.size(), each.kinds.size()) << "round " << round;
    EXPECT_EQ(all.kinds, each.kinds) << "round " << round;
    EXPECT_EQ(all.texts, each.texts) << "round " << round;
    ASSERT_EQ(all.flows.size(), each.flows.size());
    for (std::size_t i = 0; i < all.flows.size(); ++i) {
      EXPECT_EQ(all.flows[i].src, each.flows[i].src);
      EXPECT_EQ(all.flows[i].in_bytes + all.flows[i].out_bytes, each.flows[i].in_bytes + each.flows[i].out_bytes);
      EXPECT_EQ(all.flows[i].present, each.flows[i].present);
    }
  }
}

// A chart's value axis reads true at every scale: from a few bytes to TiB, counts from 1
// up, shares far below 1 %. Every tick label differs from the others, the top tick covers
// the largest value, and each label's number times its unit is the tick's value.
TEST(Charts, AxisTicksDistinctAndTrueFromBytesToTiB) {
  const double kib = 1024, mib = kib * 1024, gib = mib * 1024, tib = gib * 1024;
  const std::vector<double> sizes = {1,         3,          7,         100,        1000,       1023,     1024,
                                     1500,      23245,      99 * kib,  1023 * kib, 1.3 * mib,  22.7 * kib,
                                     512 * mib, 3 * gib,    7.5 * gib, 2.5 * tib,  900 * tib,  5000 * tib};
  const std::map<std::string, double> unit_of = {{"B", 1}, {"KiB", kib}, {"MiB", mib}, {"GiB", gib}, {"TiB", tib},
                                                 {"PiB", tib * 1024}};
  for (double max : sizes) {
    const ValueAxis a = value_axis(max, Quantity::bytes);
    SCOPED_TRACE(std::to_string(max) + " bytes");
    ASSERT_GE(a.ticks.size(), 2u);
    EXPECT_GE(a.top, max);
    EXPECT_LT(a.top, max * 2.6);  // a round top, not far above the data
    EXPECT_EQ(std::set<std::string>(a.labels.begin(), a.labels.end()).size(), a.labels.size());
    // The unit is the largest that keeps the top value at 1 or more of it.
    ASSERT_TRUE(unit_of.count(a.unit));
    EXPECT_GE(max / unit_of.at(a.unit), 1.0);
    EXPECT_LT(max / unit_of.at(a.unit), 1024.0);
    for (std::size_t i = 1; i < a.ticks.size(); ++i) {
      const std::string& l = a.labels[i];
      ASSERT_GT(l.size(), a.unit.size() + 1);
      EXPECT_EQ(l.substr(l.size() - a.unit.size() - 1), " " + a.unit) << l;
      const double shown = std::stod(l) * unit_of.at(a.unit);
      EXPECT_NEAR(shown, a.ticks[i], a.ticks[i] * 1e-9) << l;
      EXPECT_GT(a.ticks[i], a.ticks[i - 1]);
    }
    if (max < 1024) {  // whole bytes
      for (double t : a.ticks) EXPECT_EQ(t, std::floor(t));
    }
  }
  // The demo's capture: 22.7 KiB a day is KiB, ticks 0, 5 KiB... 25 KiB.
  const ValueAxis demo = value_axis(22.7 * kib, Quantity::bytes);
  EXPECT_EQ(demo.unit, "KiB");
  EXPECT_EQ(demo.labels, (std::vector<std::string>{"0", "5 KiB", "10 KiB", "15 KiB", "20 KiB", "25 KiB"}));
  // Counts step by whole numbers: 1 record is not drawn as 0.2, 0.4...
  for (double max : {0.0, 1.0, 2.0, 3.0, 4.0, 7.0, 12.0, 999.0, 1e6, 3.7e9}) {
    const ValueAxis a = value_axis(max, Quantity::count);
    SCOPED_TRACE(std::to_string(max) + " records");
    EXPECT_GE(a.top, max);
    EXPECT_EQ(std::set<std::string>(a.labels.begin(), a.labels.end()).size(), a.labels.size());
    for (double t : a.ticks) EXPECT_EQ(t, std::floor(t));
  }
  EXPECT_EQ(value_axis(1, Quantity::count).labels, (std::vector<std::string>{"0", "1"}));
  EXPECT_EQ(value_axis(1e6, Quantity::count).labels.back(), "1,000,000");
  // Shares: 0.03 % a day still has distinct, non-zero ticks.
  for (double max : {0.0003, 0.03, 0.4, 1.0, 7.5, 100.0}) {
    const ValueAxis a = value_axis(max, Quantity::number);
    SCOPED_TRACE(std::to_string(max) + " %");
    EXPECT_GE(a.top, max);
    EXPECT_EQ(std::set<std::string>(a.labels.begin(), a.labels.end()).size(), a.labels.size());
    for (std::size_t i = 1; i < a.ticks.size(); ++i) EXPECT_NEAR(std::stod(a.labels[i]), a.ticks[i], 1e-12);
  }
}

// Charts say what they draw: tooltips and value labels of small byte counts and tiny
// shares do not round to 0.
TEST(Charts, SmallValuesDoNotReadAsZero) {
  ChartStyle st;
  st.id = "t";
  st.title = "t";
  st.quantity = Quantity::bytes;
  const std::string line = line_chart({"11-01", "11-02"}, {{"volume", "#000", {23245, 700}}}, st);
  EXPECT_NE(line.find("11-01 \xc2\xb7 volume: 22.7 KiB"), std::string::npos) << line;
  EXPECT_NE(line.find("11-02 \xc2\xb7 volume: 700 B"), std::string::npos) << line;
  ChartStyle d;
  d.id = "d";
  d.title = "d";
  const std::string donut = donut_chart({"big", "tiny"}, {1e6, 1}, {"#000", "#111"}, d);
  EXPECT_NE(donut.find(">&lt;0.01%<"), std::string::npos) << donut;
  EXPECT_NE(donut.find(">&gt;99.99%<"), std::string::npos) << donut;
  EXPECT_EQ(donut.find("0.00%"), std::string::npos) << donut;
  ChartStyle share;
  share.id = "s";
  share.title = "s";
  share.quantity = Quantity::number;
  const std::string s = line_chart({"11-01"}, {{"not established %", "#000", {0.0345}}}, share);
  EXPECT_NE(s.find("not established %: 0.035"), std::string::npos) << s;
}

// A line chart of one day is no line: each series is a bar with its value written on it,
// so a reader of a single-day report sees the figure, not one dot.
TEST(Charts, SingleDayLineChartShowsLabelledBars) {
  ChartStyle st;
  st.id = "one";
  st.title = "one";
  st.quantity = Quantity::bytes;
  const std::string c = line_chart({"11-01"}, {{"in", "#123456", {2048}}, {"out", "#654321", {1024}}}, st);
  EXPECT_EQ(c.find("<polyline"), std::string::npos) << c;
  std::size_t bars = 0;
  for (std::size_t at = c.find("<rect class=\"single\""); at != std::string::npos; at = c.find("<rect class=\"single\"", at + 1)) ++bars;
  EXPECT_EQ(bars, 2u) << c;
  EXPECT_NE(c.find("fill=\"#123456\"><title>11-01 \xc2\xb7 in: 2.0 KiB</title>"), std::string::npos) << c;
  EXPECT_NE(c.find(">2.0 KiB</text>"), std::string::npos) << c;  // the value as text, not only a tooltip
  EXPECT_NE(c.find(">1.0 KiB</text>"), std::string::npos) << c;
  // The larger value's bar is the taller one.
  const auto height = [&](const char* color) {
    const std::size_t at = c.rfind("height=\"", c.find(std::string("fill=\"") + color + "\"><title>"));
    return std::stod(c.substr(at + 8));
  };
  EXPECT_GT(height("#123456"), height("#654321") * 1.5) << c;
  // Two days or more stay a line.
  EXPECT_NE(line_chart({"11-01", "11-02"}, {{"in", "#123456", {2048, 10}}}, st).find("<polyline"), std::string::npos);
}

TEST(Reader, AddressesParsedAsInetPtonDoes) {
  for (const char* good : {"0.0.0.0", "10.0.0.1", "192.168.100.200", "255.255.255.255", "8.8.8.8", "1.22.133.4"}) {
    const IpKey k = parse_ip(good);
    EXPECT_EQ(k.v, 4) << good;
    EXPECT_EQ(ip_text(k), good);
  }
  EXPECT_EQ(parse_ip("010.001.0.09").v, 4);  // leading zeros read as decimal, as before
  EXPECT_EQ(ip_text(parse_ip("010.001.0.09")), "10.1.0.9");
  for (const char* bad : {"", "1.2.3", "1.2.3.4.", "1.2.3.4.5", "256.1.1.1", "1.2.3.256", "1000.1.1.1", "1..2.3",
                          ".1.2.3", "1.2.3.4 ", " 1.2.3.4", "1.2.3.a", "a.b.c.d", "1.2.3.4/24", "1.2.3.-4"})
    EXPECT_EQ(parse_ip(bad).v, 0) << bad;
  EXPECT_EQ(parse_ip("2001:db8::1").v, 6);
  EXPECT_EQ(parse_ip("::ffff:1.2.3.4").v, 6);
}

// The dotted-quad parser against the plain loop it replaced (1 to 3 digits up to 255 per
// part, dots between, nothing after), on random text over digits, dots and other bytes,
// an embedded NUL included.
TEST(Reader, DottedQuadsAsTheDigitLoopReadThem) {
  const auto reference = [](std::string_view s, std::array<uint8_t, 4>& out) {
    std::size_t i = 0;
    for (int part = 0; part < 4; ++part) {
      unsigned v = 0, digits = 0;
      for (; i < s.size() && s[i] >= '0' && s[i] <= '9' && digits < 3; ++i, ++digits)
        v = v * 10 + static_cast<unsigned>(s[i] - '0');
      if (digits == 0 || v > 255) return false;
      out[static_cast<std::size_t>(part)] = static_cast<uint8_t>(v);
      if (part < 3 && (i >= s.size() || s[i++] != '.')) return false;
    }
    return i == s.size();
  };
  std::mt19937 rng(16);
  const std::string alphabet("0123456789....9125\0a :", 22);
  int quads = 0;
  for (int n = 0; n < 200000; ++n) {
    std::string s;
    if (n % 2 == 0) {  // random text
      s.assign(rng() % 17, ' ');
      for (char& ch : s) ch = alphabet[rng() % alphabet.size()];
    } else {  // 3 to 5 parts of 0 to 4 digits, now and then one byte changed
      const unsigned parts = 3 + rng() % 3;
      for (unsigned p = 0; p < parts; ++p) {
        if (p != 0) s += '.';
        for (unsigned d = rng() % 5; d != 0; --d) s += static_cast<char>('0' + rng() % 10);
      }
      if (rng() % 5 == 0 && !s.empty()) s[rng() % s.size()] = alphabet[rng() % alphabet.size()];
    }
    std::array<uint8_t, 4> want{};
    const bool ok = reference(s, want);
    const IpKey k = parse_ip(s);
    ASSERT_EQ(k.v == 4, ok) << s;
    if (ok) {
      ++quads;
      EXPECT_TRUE(std::equal(want.begin(), want.end(), k.b.begin())) << s;
    }
  }
  EXPECT_GT(quads, 1000);
  EXPECT_EQ(parse_ip(std::string_view("1.2.3.4\0", 8)).v, 0);
}

TEST(Sketch, ExactUnderTheCapSpaceSavingAbove) {
  TopCounter<uint32_t> exact(1000);
  for (uint32_t i = 0; i < 500; ++i) exact.add(i % 50, 1 + (i % 50 == 7));
  EXPECT_FALSE(exact.approximate());
  EXPECT_EQ(exact.top(1)[0].key, 7u);
  EXPECT_EQ(exact.top(1)[0].v[0], 20u);
  // Zipf-like stream over 100k keys into 1000 counters: the heavy hitters are found, and no
  // count is below the truth nor above it by more than its error.
  TopCounter<uint32_t> ss(1000);
  std::map<uint32_t, uint64_t> truth;
  std::mt19937 rng(42);
  for (int i = 0; i < 300000; ++i) {
    const uint32_t k = (i % 3 == 0) ? static_cast<uint32_t>(i % 10) : static_cast<uint32_t>(10 + rng() % 100000);
    ss.add(k, 1);
    ++truth[k];
  }
  EXPECT_TRUE(ss.approximate());
  const auto top = ss.top(10);
  std::set<uint32_t> keys;
  for (const auto& e : top) {
    keys.insert(e.key);
    EXPECT_GE(e.v[0], truth[e.key]);
    EXPECT_LE(e.v[0] - e.error, truth[e.key]);
  }
  for (uint32_t k = 0; k < 10; ++k) EXPECT_TRUE(keys.count(k)) << k;
}

TEST(Sketch, DistinctExactThenHyperLogLog) {
  DistinctCounter d;
  for (uint64_t i = 0; i < 1000; ++i) d.add(mix64(i % 700));
  EXPECT_FALSE(d.estimated());
  EXPECT_EQ(d.count(), 700u);
  DistinctCounter big;
  for (uint64_t i = 0; i < 200000; ++i) big.add(mix64(i));
  EXPECT_TRUE(big.estimated());
  EXPECT_NEAR(static_cast<double>(big.count()), 200000.0, 200000.0 * 0.05);
}

TEST(Window, MonthsDaysAndThePreviousPeriod) {
  std::string err;
  ASSERT_TRUE(set_time_zone("Asia/Tokyo", err)) << err;
  ReportTime t;
  ASSERT_TRUE(make_report_time("2021-12", "", Period::month, 0, t, err)) << err;
  EXPECT_EQ(t.current.days(), 31u);
  EXPECT_EQ(t.previous.days(), 30u);
  EXPECT_EQ(format_local(t.current.begin), "2021-12-01 00:00:00");
  EXPECT_EQ(format_local(t.current.end), "2022-01-01 00:00:00");
  EXPECT_EQ(format_local(t.previous.begin), "2021-11-01 00:00:00");
  EXPECT_EQ(t.current.begin, 1638284400);  // 2021-11-30T15:00:00Z
  EXPECT_EQ(t.current.day_of(t.current.begin + 86400 * 5 + 10), 5);
  EXPECT_EQ(t.current.day_of(t.current.end), -1);
  ASSERT_TRUE(make_report_time("2021-12-06", "2021-12-12", Period::week, 0, t, err));
  EXPECT_EQ(t.current.days(), 7u);
  EXPECT_EQ(format_day(t.previous.begin), "2021-11-29");
  ASSERT_TRUE(make_report_time("2021-12-06T10:00Z", "", Period::day, 0, t, err));
  EXPECT_EQ(format_local(t.current.begin), "2021-12-06 19:00:00");
  EXPECT_FALSE(make_report_time("2021-13", "", Period::month, 0, t, err));
  EXPECT_FALSE(set_time_zone("Mars/Olympus", err));
  ASSERT_TRUE(set_time_zone("UTC", err));
}

TEST(SocRules, FunctionsLevelsAndConnState) {
  EXPECT_EQ(function_of_category("A Network Trojan was Detected"), Function::spyware);
  EXPECT_EQ(function_of_category("Misc Attack"), Function::firewall);
  EXPECT_EQ(function_of_category("Possible Social Engineering Attempted"), Function::url);
  EXPECT_EQ(function_of_category("Web Application Attack"), Function::vulnerability);
  EXPECT_EQ(function_of_category("A Suspicious Filename was Detected"), Function::antivirus);
  EXPECT_EQ(function_of_category("Misc activity"), Function::none);
  EXPECT_EQ(level_of(1, false), Level::critical);
  EXPECT_EQ(level_of(3, false), Level::warning);
  EXPECT_EQ(level_of(4, false), Level::none);
  EXPECT_EQ(level_of(1, true), Level::fatal);
  EXPECT_EQ(level_of(4, true), Level::warning);
  FlowRec f;
  f.protocol = 6;
  f.conn_state = "S0";
  EXPECT_EQ(conn_class(f, false), ConnClass::not_established);
  f.conn_state = "RSTO";  // set up, then aborted by the originator: established
  EXPECT_EQ(conn_class(f, false), ConnClass::established);
  f.conn_state = "REJ";
  EXPECT_EQ(conn_class(f, false), ConnClass::not_established);
  f.protocol = 17;
  f.conn_state = "S0";  // one-way UDP (syslog, NetFlow) is normal
  EXPECT_EQ(conn_class(f, false), ConnClass::established);
  EXPECT_EQ(conn_class(f, true), ConnClass::not_established);
  // Without CONN_STATE: client SYN, no server SYN.
  FlowRec g;
  g.protocol = 6;
  g.present = uint64_t{1} << static_cast<int>(Field::client_tcp_flags);
  g.client_flags = 0x02;
  g.server_flags = 0x14;
  EXPECT_EQ(conn_class(g, false), ConnClass::not_established);
  g.server_flags = 0x12;
  EXPECT_EQ(conn_class(g, false), ConnClass::established);
}

}  // namespace
