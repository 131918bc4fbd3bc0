#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "dpi/protocol_names.hpp"
#include "export/flow_template.hpp"
#include "export/json_encoder.hpp"

using namespace flowprobe;

namespace {

std::vector<std::string> labels(const FlowTemplate& t) {
  std::vector<std::string> v;
  for (const FieldDef* f : t.fields) v.emplace_back(f->label);
  return v;
}

TEST(Template, KeepsOrderAndSkipsDuplicates) {
  FlowTemplate t;
  std::string e;
  ASSERT_TRUE(parse_template("%L4_DST_PORT %IPV4_SRC_ADDR %L4_DST_PORT  %IN_BYTES", t, e)) << e;
  EXPECT_EQ(labels(t), (std::vector<std::string>{"L4_DST_PORT", "IPV4_SRC_ADDR", "IN_BYTES"}));
}

TEST(Template, AcceptsAliasesAndIpfixNames) {
  FlowTemplate t;
  std::string e;
  ASSERT_TRUE(parse_template("%SRC_TO_DST_BYTES %DST_TO_SRC_PKTS %sourceIPv4Address %ipv4_dst_addr", t, e)) << e;
  EXPECT_EQ(labels(t), (std::vector<std::string>{"IN_BYTES", "OUT_PKTS", "IPV4_SRC_ADDR", "IPV4_DST_ADDR"}));
}

TEST(Template, UnknownFieldNamesItAndTheClosestKnownOnes) {
  FlowTemplate t;
  std::string e;
  EXPECT_FALSE(parse_template("%IPV4_SRC_ADDR %IN_BYTS", t, e));
  EXPECT_NE(e.find("-T"), std::string::npos);
  EXPECT_NE(e.find("%IN_BYTS"), std::string::npos) << e;
  EXPECT_NE(e.find("%IN_BYTES"), std::string::npos) << "the closest field by edit distance: " << e;
  // A handful of suggestions, not the whole registry (more than 150 fields).
  EXPECT_EQ(e.find("%TOTAL_FLOWS_EXP"), std::string::npos) << e;
  EXPECT_LT(e.size(), 300u) << e;
  // Case and a typo together still find it.
  EXPECT_FALSE(parse_template("%tls_server_nam", t, e));
  EXPECT_NE(e.find("%TLS_SERVER_NAME"), std::string::npos) << e;
  // Nothing near: no suggestion, a pointer to --list-fields.
  EXPECT_FALSE(parse_template("%QQQQQQQQQQQQQQQQQQQQ", t, e));
  EXPECT_NE(e.find("--list-fields"), std::string::npos) << e;
  EXPECT_LT(e.size(), 300u) << e;
}

// Defect 7 of issue 14: an element nProbe knows and flowprobe does not provide is
// dropped with a warning, as nProbe does ("Unable to locate template ... Discarded"),
// whether it comes from @NTOPNG@ or is named on its own.
TEST(Template, NprobeElementWeLackIsDiscardedNotAnError) {
  FlowTemplate t;
  std::string e;
  ASSERT_TRUE(parse_template("%IN_BYTES %EXPORTER_IPV4_ADDRESS %L7_INFO %OUT_BYTES", t, e)) << e;
  EXPECT_EQ(labels(t), (std::vector<std::string>{"IN_BYTES", "OUT_BYTES"}));
  EXPECT_EQ(t.discarded, (std::vector<std::string>{"EXPORTER_IPV4_ADDRESS", "L7_INFO"}));
  const std::string warning = discarded_warning(t);
  EXPECT_NE(warning.find("%EXPORTER_IPV4_ADDRESS"), std::string::npos) << warning;
  EXPECT_NE(warning.find("discarded"), std::string::npos) << warning;
  // Only discarded elements: nothing left to export is still an error.
  EXPECT_FALSE(parse_template("%EXPORTER_IPV4_ADDRESS", t, e));
  EXPECT_NE(e.find("empty"), std::string::npos) << e;
}

// Every element label the nProbe reference lists (its element tables, section 3, and the
// @NTOPNG@ lists, section 4) is either exported or discarded with a warning: none makes
// -T fail. The labels are read from ../shared/spec/nprobe-json.md in place.
TEST(Template, EveryNprobeElementOfTheSpecIsKnown) {
  const char* shared = std::getenv("FLOWPROBE_SHARED");
  const std::string path = std::string(shared ? shared : "../shared") + "/spec/nprobe-json.md";
  std::ifstream in(path);
  if (!in) GTEST_SKIP() << path << " is absent (only CI and developers have it)";
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string spec = buf.str();
  const auto section = [&](const char* from, const char* to) {
    const auto a = spec.find(from), b = spec.find(to);
    return a == std::string::npos || b == std::string::npos ? std::string() : spec.substr(a, b - a);
  };
  std::set<std::string> names;
  // Section 3: the label columns of the tables. A label is an upper-case word with an
  // underscore; shorthand such as "_IPV4_SRC_ADDR", "MAX/MIN/AVG_THROUGHPUT", "NUM_PKTS_TTL_*"
  // or "IAT_{MIN,...}" names no element by itself and is skipped.
  std::istringstream tables(section("## 3.", "## 4."));
  for (std::string line; std::getline(tables, line);) {
    if (line.rfind("| ", 0) != 0) continue;
    std::vector<std::string> cells;
    for (std::size_t p = 1, q; (q = line.find('|', p)) != std::string::npos; p = q + 1) cells.push_back(line.substr(p, q - p));
    for (std::size_t c = 1; c < std::min<std::size_t>(cells.size(), 3); ++c) {
      const std::string& cell = cells[c];
      for (std::size_t i = 0; i < cell.size();) {
        const auto word = [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_'; };
        if (!word(cell[i])) { ++i; continue; }
        std::size_t j = i;
        while (j < cell.size() && word(cell[j])) ++j;
        const std::string w = cell.substr(i, j - i);
        const char before = i > 0 ? cell[i - 1] : ' ', after = j < cell.size() ? cell[j] : ' ';
        const bool upper = std::all_of(w.begin(), w.end(), [](char ch) { return !std::islower(static_cast<unsigned char>(ch)); });
        if (upper && std::isupper(static_cast<unsigned char>(w.front())) && w.back() != '_' && w.find('_') != std::string::npos &&
            before != '/' && after != '/' && after != '*' && after != '{')
          names.insert(w);
        i = j;
      }
    }
  }
  // Section 4: every %TOKEN of the @NTOPNG@ lists.
  const std::string lists = section("## 4.", "## 5.");
  for (std::size_t p = 0; (p = lists.find('%', p)) != std::string::npos; ++p) {
    std::size_t q = p + 1;
    while (q < lists.size() && (std::isupper(static_cast<unsigned char>(lists[q])) || std::isdigit(static_cast<unsigned char>(lists[q])) || lists[q] == '_')) ++q;
    if (q > p + 2) names.insert(lists.substr(p + 1, q - p - 1));
  }
  names.erase("FIELDS");  // "Extra `%FIELDS` after the macro": prose, not an element
  ASSERT_GT(names.size(), 200u) << "the spec's tables were not found";
  std::size_t discarded = 0;
  for (const std::string& n : names) {
    FlowTemplate t;
    std::string e;
    EXPECT_TRUE(parse_template("%IN_BYTES %" + n, t, e)) << n << ": " << e;
    discarded += t.discarded.size();
  }
  EXPECT_GT(discarded, 100u) << "elements flowprobe lacks must be discarded, not exported";
}

TEST(Template, RejectsTokensWithoutPercentAndEmptyTemplates) {
  FlowTemplate t;
  std::string e;
  EXPECT_FALSE(parse_template("IPV4_SRC_ADDR", t, e));
  EXPECT_NE(e.find("start with %"), std::string::npos);
  EXPECT_FALSE(parse_template("   ", t, e));
  EXPECT_NE(e.find("empty"), std::string::npos);
}

TEST(Template, DefaultTemplateCoversTheFoundationFields) {
  FlowTemplate t;
  std::string e;
  ASSERT_TRUE(parse_template(default_template_spec(), t, e)) << e;
  for (const char* want : {"IN_SRC_MAC", "OUT_DST_MAC", "SRC_VLAN", "IPV4_SRC_ADDR", "IPV4_DST_ADDR", "IPV6_SRC_ADDR",
                           "IPV6_DST_ADDR", "L4_SRC_PORT", "L4_DST_PORT", "IP_PROTOCOL_VERSION", "PROTOCOL", "SRC_TOS",
                           "DST_TOS", "IN_BYTES", "IN_PKTS", "OUT_BYTES", "OUT_PKTS", "FIRST_SWITCHED", "LAST_SWITCHED",
                           "FLOW_START_MILLISECONDS", "FLOW_END_MILLISECONDS", "TCP_FLAGS", "CLIENT_TCP_FLAGS",
                           "SERVER_TCP_FLAGS", "ICMP_TYPE", "SAMPLING_INTERVAL", "TOTAL_FLOWS_EXP"}) {
    const auto l = labels(t);
    EXPECT_NE(std::find(l.begin(), l.end(), want), l.end()) << want;
  }
}

TEST(Registry, KeysFollowTheSpec) {
  EXPECT_EQ(numeric_key(*find_field("IPV4_SRC_ADDR")), "8");
  EXPECT_EQ(numeric_key(*find_field("CLIENT_TCP_FLAGS")), "35632.57550");
  EXPECT_EQ(numeric_key(*find_field("SERVER_TCP_FLAGS")), "35632.57551");
  EXPECT_EQ(numeric_key(*find_field("TOTAL_FLOWS_EXP")), "42");
  // Every label and numeric key is unique.
  std::set<std::string_view> seen_labels, seen_keys;
  for (const FieldDef& f : field_registry()) {
    EXPECT_TRUE(seen_labels.insert(f.label).second) << f.label;
    EXPECT_TRUE(seen_keys.insert(numeric_key(f)).second) << f.label;
  }
}

TEST(Template, NtopngMacroIsNprobe10ProbeModeInOrder) {
  FlowTemplate t;
  std::string e;
  ASSERT_TRUE(parse_template("@NTOPNG@ %COMMUNITY_ID", t, e)) << e;
  const auto l = labels(t);
  // The spec's 10.x probe-mode list, first and last entries, then the appended field.
  ASSERT_GE(l.size(), 40u);
  EXPECT_EQ(l[0], "IN_SRC_MAC");
  EXPECT_EQ(l[1], "OUT_DST_MAC");
  EXPECT_EQ(l[15], "L7_PROTO");
  EXPECT_EQ(l[16], "L7_CONFIDENCE");
  EXPECT_EQ(l.back(), "COMMUNITY_ID");
  EXPECT_EQ(l[l.size() - 2], "HTTP_USER_AGENT");
  // SRC_TOS/DST_TOS appear twice in nProbe's list: the first position is kept.
  EXPECT_EQ(std::count(l.begin(), l.end(), "SRC_TOS"), 1);
  EXPECT_EQ(l[11], "SRC_TOS");
  // What flowprobe cannot export is discarded and reported, never invented.
  for (const std::string& d : t.discarded) EXPECT_EQ(find_field(d), nullptr) << d;
  EXPECT_NE(std::find(t.discarded.begin(), t.discarded.end(), "L7_INFO"), t.discarded.end());
}

TEST(Template, Ntopng9MacroEndsWithSamplingAndFlowCount) {
  FlowTemplate t;
  std::string e;
  ASSERT_TRUE(parse_template("@NTOPNG_9@", t, e)) << e;
  const auto l = labels(t);
  ASSERT_GE(l.size(), 2u);
  EXPECT_EQ(l[l.size() - 2], "SAMPLING_INTERVAL");
  EXPECT_EQ(l.back(), "TOTAL_FLOWS_EXP");
  EXPECT_EQ(std::find(l.begin(), l.end(), "L7_CONFIDENCE"), l.end()) << "9.x had no L7_CONFIDENCE";
  EXPECT_FALSE(parse_template("@NO_SUCH_MACRO@", t, e));
  EXPECT_NE(e.find("@NO_SUCH_MACRO@"), std::string::npos) << e;
}

// nDPI's ndpi_protocol2id rule (spec section 6): "master.app" only for a known master
// that differs from the app.
TEST(L7Fields, ProtocolIdAndNameFollowNdpi) {
  const auto& names = dpi::protocol_names();
  ASSERT_GT(names.protocol_count(), 200u);
  EXPECT_EQ(names.protocol(5), "DNS");
  EXPECT_EQ(names.protocol(91), "TLS");
  const auto id = [&](uint16_t m, uint16_t a) {
    std::string s;
    names.append_id(m, a, s);
    return s;
  };
  const auto name = [&](uint16_t m, uint16_t a) {
    std::string s;
    names.append_name(m, a, s);
    return s;
  };
  EXPECT_EQ(id(0, 91), "91");
  EXPECT_EQ(id(5, 126), "5.126");
  EXPECT_EQ(id(7, 7), "7");
  EXPECT_EQ(id(7, 0), "7");
  EXPECT_EQ(id(0, 0), "0");
  EXPECT_EQ(name(5, 126), "DNS.Google");
  EXPECT_EQ(name(0, 0), "Unknown");
}

TEST(L7Fields, RecordAndMetadataReachTheJson) {
  FlowTemplate t;
  std::string e;
  ASSERT_TRUE(parse_template("%L7_PROTO %L7_PROTO_NAME %L7_PROTO_CATEGORY %DNS_QUERY %DNS_QUERY_TYPE %HTTP_SITE %TLS_SERVER_NAME",
                             t, e)) << e;
  FlowRecord r;
  r.ip_version = 4;
  r.dst_ip = {10, 0, 0, 53};
  r.l7_master = 5;
  r.l7_app = 126;
  r.l7_category = 14;  // NDPI_PROTOCOL_CATEGORY_NETWORK
  r.l7_flags = kL7Present | kL7HasApp;
  dissect::AppMetadata app;
  app.set_kind(dissect::AppKind::dns);
  app.dns()->query.assign("www.google.com");
  app.dns()->query_type = 28;
  ExportContext ctx;
  ctx.app = &app;
  std::string out;
  JsonEncoder(t, KeyStyle::labels).encode(r, ctx, out);
  EXPECT_EQ(out, "{\"L7_PROTO\":\"5.126\",\"L7_PROTO_NAME\":\"DNS.Google\",\"L7_PROTO_CATEGORY\":\"" +
                     std::string(dpi::protocol_names().category(14)) +
                     "\",\"DNS_QUERY\":\"www.google.com\",\"DNS_QUERY_TYPE\":\"28\",\"HTTP_SITE\":\"10.0.0.53\","
                     "\"TLS_SERVER_NAME\":\"\"}\n");
  // Without metadata the app fields are empty, as nProbe prints fields a flow lacks.
  out.clear();
  ctx.app = nullptr;
  JsonEncoder(t, KeyStyle::labels).encode(r, ctx, out);
  EXPECT_NE(out.find("\"DNS_QUERY\":\"\""), std::string::npos) << out;
}

}  // namespace
