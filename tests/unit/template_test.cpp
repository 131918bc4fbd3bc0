#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "export/flow_template.hpp"

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

TEST(Template, UnknownFieldNamesItAndListsTheKnownOnes) {
  FlowTemplate t;
  std::string e;
  EXPECT_FALSE(parse_template("%IPV4_SRC_ADDR %NO_SUCH_FIELD", t, e));
  EXPECT_NE(e.find("-T"), std::string::npos);
  EXPECT_NE(e.find("%NO_SUCH_FIELD"), std::string::npos);
  EXPECT_NE(e.find("%IN_BYTES"), std::string::npos) << "lists the known fields";
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

}  // namespace
