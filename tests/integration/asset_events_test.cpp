// Asset events from real captures, against what other tools saw in them: the DHCPv6
// messages nDPI counted, the NetBIOS names nDPI reported for the browser datagrams
// (UDP 138), and the DHCP message types, host name, MAC, address and lease of Zeek's
// dhcp.log. Every run must also close its accounting.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "support/run_program.hpp"

namespace fs = std::filesystem;
using namespace flowprobe::test;

namespace {

struct Events {
  std::vector<std::string> lines;
  std::string summary;
};

Events events_of(const fs::path& pcap, const std::string& tag) {
  const fs::path out = scratch_dir("asset_events") / (tag + ".json");
  const auto r = run_program({flowprobe_binary().string(), "-i", pcap.string(), "--events-output", out.string(),
                              "--asset-dedup-seconds", "0", "-o", "/dev/null", "--no-dpi"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("accounting                           ok"), std::string::npos) << r.err;
  Events e{{}, r.err};
  std::ifstream in(out);
  for (std::string l; std::getline(in, l);) e.lines.push_back(l);
  return e;
}

std::string str(simdjson::dom::element o, const char* key) {
  std::string_view v;
  return o[key].get(v) == simdjson::SUCCESS ? std::string(v) : std::string();
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// nDPI's "DHCPV6  <packets> <bytes> <flows>" line, and the Hostname/SNI of each flow
// from an address's port 138.
struct NdpiResult {
  long dhcpv6_packets = 0;
  std::map<std::string, std::string> host_of_138;  // source address -> name
};

NdpiResult ndpi_result(const fs::path& out) {
  NdpiResult r;
  std::ifstream in(out);
  static const std::regex dhcpv6(R"(^\s*DHCPV6\s+(\d+)\s)");
  static const std::regex flow(R"(UDP ([0-9.]+):138 -> [0-9.]+:138 .*\[Hostname/SNI: ([^\]]+)\])");
  std::smatch m;
  for (std::string l; std::getline(in, l);) {
    if (std::regex_search(l, m, dhcpv6)) r.dhcpv6_packets = std::stol(m[1]);
    if (std::regex_search(l, m, flow)) r.host_of_138[m[1]] = m[2];
  }
  return r;
}

TEST(AssetEvents, Dhcpv6AndBrowserAnnouncementsAgreeWithNdpi) {
  FLOWPROBE_REQUIRE_SHARED("corpus/ndpi/pcap");
  const fs::path ndpi = shared_dir() / "corpus" / "ndpi";
  int dhcpv6_total = 0, browser_total = 0, names_checked = 0;
  for (const char* name : {"1kxun", "android", "gnutella", "tor", "netbios", "dos_win98_smb_netbeui", "telegram", "wechat"}) {
    const std::string pcap = std::string(name) + ".pcap";
    const NdpiResult theirs = ndpi_result(ndpi / "result" / (pcap + ".out"));
    const Events ours = events_of(ndpi / "pcap" / pcap, name);
    simdjson::dom::parser parser;
    long dhcpv6 = 0;
    for (const std::string& l : ours.lines) {
      simdjson::dom::element d;
      ASSERT_EQ(parser.parse(l).get(d), simdjson::SUCCESS) << l;
      const std::string type = str(d, "event_type");
      if (type == "dhcpv6") ++dhcpv6;
      if (type != "cifs_browser") continue;
      ++browser_total;
      const simdjson::dom::element b = d["cifs_browser"];
      EXPECT_FALSE(str(b, "server_name").empty()) << l;
      EXPECT_EQ(str(b, "browser_version").empty(), false) << l;
      // nDPI names the flow by the datagram's source NetBIOS name, in lower case.
      const auto it = theirs.host_of_138.find(str(d, "src_ip"));
      if (it == theirs.host_of_138.end()) continue;
      EXPECT_EQ(lower(str(b, "netbios_source")), it->second) << pcap << ": " << l;
      ++names_checked;
    }
    EXPECT_EQ(dhcpv6, theirs.dhcpv6_packets) << pcap << ": nDPI's DHCPV6 packets";
    dhcpv6_total += static_cast<int>(dhcpv6);
    EXPECT_EQ(summary_value(ours.summary, "assets.dhcpv6"), dhcpv6) << ours.summary;
  }
  std::cout << "DHCPv6 events " << dhcpv6_total << " (nDPI's packet counts, capture by capture); browser "
            << "announcements " << browser_total << ", " << names_checked << " names equal to nDPI's\n";
  EXPECT_EQ(dhcpv6_total, 25);
  EXPECT_EQ(browser_total, 18);
  EXPECT_GE(names_checked, 10);
}

// The Windows client in gnutella.pcap: its FQDN and vendor class, and its MAC from the
// DUID; the same host's browser announcements name it too.
TEST(AssetEvents, Dhcpv6ClientIdentity) {
  FLOWPROBE_REQUIRE_SHARED("corpus/ndpi/pcap");
  const Events ours = events_of(shared_dir() / "corpus" / "ndpi" / "pcap" / "gnutella.pcap", "gnutella_v6");
  simdjson::dom::parser parser;
  int solicits = 0;
  for (const std::string& l : ours.lines) {
    simdjson::dom::element d;
    ASSERT_EQ(parser.parse(l).get(d), simdjson::SUCCESS);
    if (str(d, "event_type") != "dhcpv6") continue;
    const simdjson::dom::element v = d["dhcpv6"];
    EXPECT_EQ(str(v, "type"), "solicit");
    EXPECT_EQ(str(v, "client_fqdn"), "MSEDGEWIN10");
    EXPECT_EQ(str(v, "vendor_class"), "MSFT 5.0");
    EXPECT_EQ(uint64_t(v["vendor_enterprise"]), 311u);
    EXPECT_EQ(str(v, "client_mac"), "08:00:27:e6:e5:59");
    ++solicits;
  }
  EXPECT_EQ(solicits, 7);
}

// Zeek's dhcp.log for dhcp.pcap: one exchange DISCOVER,OFFER,REQUEST,NAK,REQUEST,ACK,
// DECLINE, then a RELEASE and an INFORM, from 90:b1:1c:99:49:29 calling itself
// btest.is.cool, assigned 128.2.6.189 for 900 s.
TEST(AssetEvents, DhcpMessagesAgreeWithZeek) {
  FLOWPROBE_REQUIRE_SHARED("corpus/zeek/Traces/dhcp");
  const fs::path zeek = shared_dir() / "corpus" / "zeek";
  std::vector<std::string> zeek_types;
  {
    std::ifstream in(zeek / "Baseline" / "scripts.base.protocols.dhcp.dhcp-all-msg-types" / "dhcp.log");
    for (std::string l; std::getline(in, l);) {
      if (l.empty() || l[0] == '#') continue;
      std::vector<std::string> cols;
      std::stringstream ss(l);
      for (std::string c; std::getline(ss, c, '\t');) cols.push_back(c);
      ASSERT_GE(cols.size(), 14u);
      std::stringstream types(cols[13]);  // msg_types
      for (std::string t; std::getline(types, t, ',');) zeek_types.push_back(lower(t));
    }
  }
  const Events ours = events_of(zeek / "Traces" / "dhcp" / "dhcp.pcap", "zeek_dhcp");
  simdjson::dom::parser parser;
  std::vector<std::string> types;
  for (const std::string& l : ours.lines) {
    simdjson::dom::element d;
    ASSERT_EQ(parser.parse(l).get(d), simdjson::SUCCESS);
    if (str(d, "event_type") != "dhcp") continue;
    const simdjson::dom::element x = d["dhcp"];
    types.push_back(str(x, "dhcp_type"));
    EXPECT_EQ(str(x, "client_mac"), "90:b1:1c:99:49:29");
    const std::string host = str(x, "hostname");
    if (!host.empty()) EXPECT_EQ(host, "btest.is.cool");
    if (types.back() == "ack") {
      EXPECT_EQ(str(x, "assigned_ip"), "128.2.6.189");
      EXPECT_EQ(uint64_t(x["lease_time"]), 900u);
    }
  }
  EXPECT_EQ(types, zeek_types);
  EXPECT_EQ(zeek_types.size(), 9u);
}

}  // namespace
