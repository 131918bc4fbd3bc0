// The OsecT asset logs against Zeek, where Zeek has a baseline in ../shared/corpus:
// - arp.log: Zeek's own ARP test prints every request and reply it parsed (the
//   arp_request/arp_reply events' arguments); the sensor's script maps those arguments
//   onto arp.log's columns (request: orig = sender, resp_ip = who_has = target; reply:
//   orig = target, resp = sender), so each expected row follows from Zeek's output;
// - dhcp2.log: Zeek's dhcp.log baselines give each client's chaddr (`mac`) and option 12
//   (`host_name`), which dhcp2.log's src_mac and hostname must be.
// Agreement is printed per column and recorded in tests/golden/OSECT_AGREEMENT.md.
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "support/run_program.hpp"

namespace fs = std::filesystem;
using namespace flowprobe::test;

namespace {

std::vector<std::string> split(const std::string& l, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(l);
  for (std::string c; std::getline(ss, c, sep);) out.push_back(c);
  return out;
}

std::vector<std::vector<std::string>> rows_of(const fs::path& log) {
  std::vector<std::vector<std::string>> rows;
  std::ifstream in(log);
  for (std::string l; std::getline(in, l);)
    if (!l.empty() && l[0] != '#') rows.push_back(split(l, '\t'));
  return rows;
}

fs::path run_logs(const fs::path& pcap, const std::string& tag) {
  const fs::path dir = scratch_dir("osect_asset_logs") / tag;
  fs::remove_all(dir);
  const auto r = run_program({flowprobe_binary().string(), "-i", pcap.string(), "--zeek-logs", dir.string(), "-o",
                              "/dev/null", "--no-dpi"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("accounting                           ok"), std::string::npos) << r.err;
  return dir;
}

TEST(OsectAssetLogs, ArpRowsFollowZeeksArpEvents) {
  FLOWPROBE_REQUIRE_SHARED("corpus/zeek/Traces/arp-who-has.pcap");
  const fs::path zeek = shared_dir() / "corpus" / "zeek";
  // "mac_src, mac_dst, SPA, SHA, TPA, THA", one line per event, request then reply.
  std::vector<std::vector<std::string>> expected;
  std::ifstream in(zeek / "Baseline" / "scripts.base.protocols.arp.basic" / ".stdout");
  for (std::string l; std::getline(in, l);) {
    if (l.starts_with("#")) continue;
    std::vector<std::string> a;
    for (std::string& v : split(l, ',')) a.push_back(v.substr(v.find_first_not_of(' ')));
    ASSERT_EQ(a.size(), 6u) << l;
    const bool request = a[5] == "00:00:00:00:00:00" || a[1] == "ff:ff:ff:ff:ff:ff";
    if (request) expected.push_back({a[3], a[2], "-", a[4], "-", "-", a[4], "-"});
    else expected.push_back({a[5], a[4], a[3], a[2], "-", "-", "-", "-"});
  }
  ASSERT_EQ(expected.size(), 2u);
  const auto ours = rows_of(run_logs(zeek / "Traces" / "arp-who-has.pcap", "arp") / "arp.log");
  ASSERT_EQ(ours.size(), expected.size());
  static const char* kColumns[] = {"orig_mac", "orig_ip", "resp_mac", "resp_ip", "unsolicited", "no_resp", "who_has", "is_at"};
  for (std::size_t c = 0; c < 8; ++c) {
    int agree = 0;
    for (std::size_t r = 0; r < ours.size(); ++r) {
      ASSERT_EQ(ours[r].size(), 9u);
      agree += ours[r][c + 1] == expected[r][c];
      EXPECT_EQ(ours[r][c + 1], expected[r][c]) << kColumns[c] << " row " << r;
    }
    std::cout << "arp.log " << kColumns[c] << ": " << agree << "/" << ours.size() << "\n";
  }
}

TEST(OsectAssetLogs, Dhcp2ClientsAgreeWithZeeksDhcpLog) {
  FLOWPROBE_REQUIRE_SHARED("corpus/zeek/Traces/dhcp");
  const fs::path zeek = shared_dir() / "corpus" / "zeek";
  int rows = 0, mac_agree = 0, host_agree = 0, host_rows = 0;
  for (const auto& [baseline, trace] : std::vector<std::pair<std::string, std::string>>{
           {"dhcp-all-msg-types", "dhcp.pcap"},
           {"dhcp-discover-msg-types", "dhcp_discover_param_req_and_client_id.pcap"},
           {"dhcp-sub-opts", "dhcp_ack_subscriber_id_and_agent_remote_id.pcap"}}) {
    std::set<std::string> macs, hosts;
    std::vector<std::string> fields;
    std::ifstream in(zeek / "Baseline" / ("scripts.base.protocols.dhcp." + baseline) / "dhcp.log");
    for (std::string l; std::getline(in, l);) {
      const auto cols = split(l, '\t');
      if (l.starts_with("#fields")) fields.assign(cols.begin() + 1, cols.end());
      if (l.empty() || l[0] == '#') continue;
      for (std::size_t i = 0; i < fields.size() && i < cols.size(); ++i) {
        if (fields[i] == "mac") macs.insert(cols[i]);
        if (fields[i] == "host_name" && cols[i] != "-") hosts.insert(cols[i]);
      }
    }
    ASSERT_FALSE(macs.empty()) << baseline;
    for (const auto& row : rows_of(run_logs(zeek / "Traces" / "dhcp" / trace, baseline) / "dhcp2.log")) {
      ASSERT_EQ(row.size(), 6u);
      ++rows;
      mac_agree += macs.count(row[2]) != 0;
      EXPECT_TRUE(macs.count(row[2])) << baseline << ": " << row[2];
      if (row[3] != "-") {
        ++host_rows;
        host_agree += hosts.count(row[3]) != 0;
        EXPECT_TRUE(hosts.count(row[3])) << baseline << ": " << row[3];
      }
    }
  }
  std::cout << "dhcp2.log src_mac: " << mac_agree << "/" << rows << ", hostname: " << host_agree << "/" << host_rows
            << "\n";
  EXPECT_GT(rows, 0);
}

}  // namespace
