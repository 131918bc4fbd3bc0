// Loads the real Emerging Threats Open set (../shared/rules/etopen-2019): the share of
// active rules accepted (at least 99.5 %), and the two malformed rules rejected with their lines.
#include <gtest/gtest.h>

#include "signatures/signature_engine.hpp"
#include "tests/support/run_program.hpp"

using namespace flowprobe::sig;

namespace {

TEST(SignatureEtopen, LoadsMostRulesAndRejectsTheMalformedOnes) {
  FLOWPROBE_REQUIRE_SHARED("rules/etopen-2019");
  const auto dir = flowprobe::test::shared_dir() / "rules" / "etopen-2019";
  std::string error;
  LoadReport report;
  auto engine = SignatureEngine::load({dir.string()}, default_rule_vars(), error, &report);
  ASSERT_TRUE(engine) << error;
  constexpr uint32_t kActive = 18'850;  // lines starting with "alert" (rules/README.md of ../shared)
  EXPECT_EQ(report.accepted + report.rejected, kActive);
  const double share = static_cast<double>(report.accepted) / kActive;
  EXPECT_GE(share, 0.995) << report.summary();  // issue #19: the 2019 set at 99.5 % or more
  RecordProperty("accepted", static_cast<int>(report.accepted));
  RecordProperty("rejected", static_cast<int>(report.rejected));
  std::printf("%s", report.summary(1).c_str());
  std::printf("accepted share %.2f %%, %zu bytes of databases, compiled in %.1f s\n", share * 100,
              report.database_bytes, report.compile_seconds);

  auto rejected_at = [&](std::string_view file, uint32_t line, uint32_t sid) {
    for (const auto& r : report.rejections)
      if (r.line == line && r.sid == sid && r.file.ends_with(file)) return r.reason;
    return std::string("not rejected");
  };
  EXPECT_EQ(rejected_at("emerging-policy.rules", 867, 2002945), "unterminated quote");
  EXPECT_EQ(rejected_at("emerging-web_specific_apps.rules", 7951, 2019728), "unterminated quote");
  EXPECT_GE(engine->find_sid(2010658), 0);  // the first rule of emerging-activex.rules
}

}  // namespace
