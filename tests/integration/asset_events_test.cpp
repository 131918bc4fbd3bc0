// Asset events from real captures, against what other tools saw in them: the DHCPv6
// messages nDPI counted, the NetBIOS names nDPI reported for the browser datagrams
// (UDP 138), and the DHCP message types, host name, MAC, address and lease of Zeek's
// dhcp.log. The corpus has no CC-Link IE Field Basic capture, so one is written here
// from the frame layout. Every run must also close its accounting.
#include <gtest/gtest.h>
#include <pcap/pcap.h>
#include <simdjson.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "support/asset_frames.hpp"
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

// Zeek's dhcp.log for its three DHCP traces: the message types in order (dhcp.pcap has
// DISCOVER,OFFER,REQUEST,NAK,REQUEST,ACK,DECLINE, then a RELEASE and an INFORM), and
// each row's MAC, host name, requested and assigned address and lease found in our
// events (an ACK's, for the assignment).
TEST(AssetEvents, DhcpMessagesAgreeWithZeek) {
  FLOWPROBE_REQUIRE_SHARED("corpus/zeek/Traces/dhcp");
  const fs::path zeek = shared_dir() / "corpus" / "zeek";
  int rows = 0, messages = 0;
  for (const auto& [baseline, trace] : std::vector<std::pair<std::string, std::string>>{
           {"dhcp-all-msg-types", "dhcp.pcap"},
           {"dhcp-discover-msg-types", "dhcp_discover_param_req_and_client_id.pcap"},
           {"dhcp-sub-opts", "dhcp_ack_subscriber_id_and_agent_remote_id.pcap"}}) {
    std::vector<std::map<std::string, std::string>> log;
    std::vector<std::string> fields, zeek_types;
    std::ifstream in(zeek / "Baseline" / ("scripts.base.protocols.dhcp." + baseline) / "dhcp.log");
    for (std::string l; std::getline(in, l);) {
      std::vector<std::string> cols;
      std::stringstream ss(l);
      for (std::string c; std::getline(ss, c, '\t');) cols.push_back(c);
      if (l.starts_with("#fields")) fields.assign(cols.begin() + 1, cols.end());
      if (l.empty() || l[0] == '#') continue;
      std::map<std::string, std::string> row;
      for (std::size_t i = 0; i < fields.size() && i < cols.size(); ++i) row[fields[i]] = cols[i];
      std::stringstream types(row["msg_types"]);
      for (std::string t; std::getline(types, t, ',');) zeek_types.push_back(lower(t));
      log.push_back(row);
    }
    ASSERT_FALSE(log.empty()) << baseline;
    const Events ours = events_of(zeek / "Traces" / "dhcp" / trace, baseline);
    simdjson::dom::parser parser;
    std::vector<std::string> types;
    std::set<std::string> macs, hosts, requested, acked;  // acked: "address/lease"
    for (const std::string& l : ours.lines) {
      simdjson::dom::element d;
      ASSERT_EQ(parser.parse(l).get(d), simdjson::SUCCESS);
      if (str(d, "event_type") != "dhcp") continue;
      const simdjson::dom::element x = d["dhcp"];
      types.push_back(str(x, "dhcp_type"));
      macs.insert(str(x, "client_mac"));
      hosts.insert(str(x, "hostname"));
      requested.insert(str(x, "requested_ip"));
      uint64_t lease = 0;
      if (types.back() == "ack" && x["lease_time"].get(lease) == simdjson::SUCCESS)
        acked.insert(str(x, "assigned_ip") + "/" + std::to_string(lease));
    }
    EXPECT_EQ(types, zeek_types) << baseline;
    messages += static_cast<int>(types.size());
    for (auto& row : log) {
      ++rows;
      EXPECT_TRUE(macs.count(row["mac"])) << baseline << ": " << row["mac"];
      if (row["host_name"] != "-") {
        EXPECT_TRUE(hosts.count(row["host_name"])) << baseline << ": " << row["host_name"];
      }
      if (row["requested_addr"] != "-") {
        EXPECT_TRUE(requested.count(row["requested_addr"])) << baseline;
      }
      if (row["assigned_addr"] != "-") {
        const std::string lease = row["lease_time"].substr(0, row["lease_time"].find('.'));
        EXPECT_TRUE(acked.count(row["assigned_addr"] + "/" + lease)) << baseline << ": " << row["assigned_addr"];
      }
    }
  }
  std::cout << "Zeek dhcp.log: " << rows << " rows, " << messages << " messages in Zeek's order\n";
  EXPECT_EQ(messages, 11);
}

// A master (192.168.1.10) polling one slave (192.168.1.20) five times, the slave
// answering each: ten frames through decode, the asset path, the ring and the exporter.
using frames::Bytes;
using frames::cyclic_request;
using frames::cyclic_response;

Bytes udp_frame(const uint8_t (&src)[4], const uint8_t (&dst)[4], uint16_t port, const Bytes& payload) {
  Bytes f = {0x02, 0, 0, 0, 0, dst[3], 0x02, 0, 0, 0, 0, src[3], 0x08, 0x00};
  const uint16_t ip_len = static_cast<uint16_t>(20 + 8 + payload.size());
  Bytes ip = {0x45, 0, static_cast<uint8_t>(ip_len >> 8), static_cast<uint8_t>(ip_len), 0, 1, 0x40, 0, 64, 17, 0, 0,
              src[0], src[1], src[2], src[3], dst[0], dst[1], dst[2], dst[3]};
  uint32_t sum = 0;
  for (std::size_t i = 0; i < ip.size(); i += 2) sum += static_cast<uint32_t>(ip[i] << 8 | ip[i + 1]);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  ip[10] = static_cast<uint8_t>(~sum >> 8), ip[11] = static_cast<uint8_t>(~sum);
  f.insert(f.end(), ip.begin(), ip.end());
  const uint16_t udp_len = static_cast<uint16_t>(8 + payload.size());
  f.insert(f.end(), {static_cast<uint8_t>(port >> 8), static_cast<uint8_t>(port), static_cast<uint8_t>(port >> 8),
                     static_cast<uint8_t>(port), static_cast<uint8_t>(udp_len >> 8), static_cast<uint8_t>(udp_len), 0, 0});
  f.insert(f.end(), payload.begin(), payload.end());
  return f;
}

TEST(AssetEvents, CclinkCyclicExchangeThroughTheProbe) {
  const fs::path pcap = scratch_dir("asset_events_cclink") / "cclink.pcap";
  {
    pcap_t* dead = pcap_open_dead(DLT_EN10MB, 65535);
    pcap_dumper_t* d = pcap_dump_open(dead, pcap.c_str());
    ASSERT_NE(d, nullptr);
    const uint8_t master[4] = {192, 168, 1, 10}, slave[4] = {192, 168, 1, 20};
    for (uint16_t seq = 1; seq <= 5; ++seq)
      for (const Bytes& f : {udp_frame(master, slave, 61450, cyclic_request(seq)),
                             udp_frame(slave, master, 61450, cyclic_response(seq))}) {
        pcap_pkthdr h{};
        h.ts.tv_sec = 1700000000 + seq;
        h.caplen = h.len = static_cast<bpf_u_int32>(f.size());
        pcap_dump(reinterpret_cast<u_char*>(d), &h, f.data());
      }
    pcap_dump_close(d);
    pcap_close(dead);
  }
  // Default window: the request and the response once each, the other eight counted.
  const fs::path out = pcap.parent_path() / "events.json";
  const auto r = run_program({flowprobe_binary().string(), "-i", pcap.string(), "--events-output", out.string(), "-o",
                              "/dev/null", "--no-dpi"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("accounting                           ok"), std::string::npos) << r.err;
  EXPECT_EQ(summary_value(r.err, "assets.cclink_ief_basic"), 10) << r.err;
  EXPECT_EQ(summary_value(r.err, "assets.suppressed_repeats"), 8) << r.err;
  std::ifstream in(out);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  ASSERT_EQ(lines.size(), 2u);
  simdjson::dom::parser parser;
  simdjson::dom::element d;
  ASSERT_EQ(parser.parse(lines[0]).get(d), simdjson::SUCCESS);
  EXPECT_EQ(str(d, "event_type"), "cclink_ief_basic");
  EXPECT_EQ(str(d, "src_ip"), "192.168.1.10");
  EXPECT_EQ(str(d["cclink_ief_basic"], "pdu"), "cyclic_request");
  EXPECT_EQ(str(d["cclink_ief_basic"], "command_name"), "cyclic");
  EXPECT_EQ(str(d["cclink_ief_basic"], "master_id"), "192.168.1.10");
  EXPECT_EQ(uint64_t(d["cclink_ief_basic"]["frame_sequence_no"]), 1u);
  ASSERT_EQ(parser.parse(lines[1]).get(d), simdjson::SUCCESS);
  EXPECT_EQ(str(d["cclink_ief_basic"], "pdu"), "cyclic_response");
  EXPECT_EQ(str(d["cclink_ief_basic"], "slave_id"), "192.168.1.20");
  EXPECT_EQ(str(d["cclink_ief_basic"], "vendor_code"), "0x1234");
  EXPECT_EQ(str(d["cclink_ief_basic"], "model_code"), "0x12345678");
  EXPECT_EQ(str(d["ether"], "src_mac"), "02:00:00:00:00:14");
}

}  // namespace
