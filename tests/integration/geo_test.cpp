// Geo/AS enrichment end to end: MaxMind-format databases built by the test with
// MaxMind's own writer (tests/data/make_test_mmdb.pl), given to flowprobe with
// --city-list and --as-list, and read back from the JSON of the demo capture.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <fstream>
#include <sstream>

#include "support/run_program.hpp"

namespace fs = std::filesystem;
using namespace flowprobe::test;

namespace {

TEST(Geo, AddressesGetCountryCityAndAsFromTheDatabases) {
  const fs::path dir = scratch_dir("geo");
  const fs::path pcap = dir / "demo.pcap", city = dir / "city.mmdb", asn = dir / "asn.mmdb";
  ASSERT_EQ(run_program({pcapgen_binary().string(), "--scenario", "demo", "-o", pcap.string()}).exit_code, 0);
  const auto made = run_program({"/usr/bin/perl", (source_root() / "tests" / "data" / "make_test_mmdb.pl").string(),
                                 city.string(), asn.string()});
  ASSERT_EQ(made.exit_code, 0) << made.err;

  const auto r = run_program({flowprobe_binary().string(), "-i", pcap.string(), "--json-labels", "--city-list",
                              city.string(), "--as-list", asn.string(), "-T",
                              "%IPV4_SRC_ADDR %IPV4_DST_ADDR %IPV6_DST_ADDR %SRC_AS %DST_AS %SRC_AS_MAP %DST_AS_MAP "
                              "%SRC_IP_COUNTRY %DST_IP_COUNTRY %SRC_IP_CITY %DST_IP_CITY"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  simdjson::dom::parser parser;
  std::istringstream in(r.out);
  int public_v4 = 0, public_v6 = 0, private_only = 0;
  for (std::string l; std::getline(in, l);) {
    simdjson::dom::element d;
    ASSERT_EQ(parser.parse(l).get(d), simdjson::SUCCESS) << l;
    const std::string_view dst4(d["IPV4_DST_ADDR"]), dst6(d["IPV6_DST_ADDR"]);
    // The demo's clients are private addresses: never in a database.
    EXPECT_EQ(uint64_t(d["SRC_AS"]), 0u) << l;
    EXPECT_EQ(std::string_view(d["SRC_AS_MAP"]), "") << l;
    EXPECT_EQ(std::string_view(d["SRC_IP_COUNTRY"]), "") << l;
    if (dst4 == "93.184.216.34" || dst6.rfind("2606:2800:220:", 0) == 0) {
      (dst4 == "93.184.216.34" ? public_v4 : public_v6) += 1;
      EXPECT_EQ(uint64_t(d["DST_AS"]), 15133u) << l;
      EXPECT_EQ(std::string_view(d["DST_AS_MAP"]), "EDGECAST") << l;
      EXPECT_EQ(std::string_view(d["DST_IP_COUNTRY"]), "US") << l;
      EXPECT_EQ(std::string_view(d["DST_IP_CITY"]), "Norwell") << l;
    } else {
      ++private_only;
      EXPECT_EQ(uint64_t(d["DST_AS"]), 0u) << l;
      EXPECT_EQ(std::string_view(d["DST_IP_COUNTRY"]), "") << l;
    }
  }
  EXPECT_GT(public_v4, 0) << r.out;
  EXPECT_GT(private_only, 0) << r.out;
}

TEST(Geo, AnUnreadableDatabaseStopsTheRunWithOneLine) {
  const fs::path dir = scratch_dir("geo_bad");
  const auto r = run_program({flowprobe_binary().string(), "-i", (dir / "none.pcap").string(), "--as-list",
                              (dir / "missing.mmdb").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--as-list"), std::string::npos) << r.err;
  std::ofstream(dir / "junk.mmdb") << "not a database";
  const auto j = run_program({flowprobe_binary().string(), "-i", (dir / "none.pcap").string(), "--city-list",
                              (dir / "junk.mmdb").string()});
  EXPECT_EQ(j.exit_code, 2);
  EXPECT_NE(j.err.find("--city-list"), std::string::npos) << j.err;
}

}  // namespace
