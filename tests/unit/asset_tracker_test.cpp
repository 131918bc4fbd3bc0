// Asset sightings from crafted packets through the asset dissectors' table: ARP, NDP,
// NetBIOS-NS, SSDP, DHCP per message, DHCPv6, CIFS browser announcements, CC-Link IE
// Field Basic; cut and malformed inputs counted, never read past; the de-duplication window.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "assets/asset_tracker.hpp"
#include "export/eve.hpp"
#include "export/json_writer.hpp"

using namespace flowprobe;

namespace {

constexpr uint64_t kSec = 1'000'000'000ull;

std::vector<uint8_t> arp_request() {
  return {0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01,           // ethernet/ipv4, request
          0x00, 0x1d, 0x09, 0xf0, 0x92, 0xab, 10, 10, 10, 1,  // sender
          0, 0, 0, 0, 0, 0, 10, 10, 10, 2};                   // target
}

std::string json(const AssetEvent& e) {
  std::string s;
  JsonWriter w(s);
  write_event_json(e, w);
  return s;
}

TEST(AssetTracker, ArpRequestBecomesAnEveArpEventOncePerWindow) {
  AssetConfig cfg;
  cfg.dedup_window_ns = 60 * kSec;
  AssetTracker t(cfg);
  DecodedPacket frame;
  const auto a = arp_request();
  frame.payload = a;
  AssetEvent e;
  ASSERT_TRUE(t.on_packet(frame, true, 100 * kSec, 0, e));
  EXPECT_EQ(json(e),
            "{\"timestamp\":\"1970-01-01T00:01:40.000000+0000\",\"event_type\":\"arp\",\"arp\":{\"hw_type\":\"ethernet\","
            "\"proto_type\":\"ipv4\",\"opcode\":\"request\",\"src_mac\":\"00:1d:09:f0:92:ab\",\"src_ip\":\"10.10.10.1\","
            "\"dest_mac\":\"00:00:00:00:00:00\",\"dest_ip\":\"10.10.10.2\"}}");
  EXPECT_FALSE(t.on_packet(frame, true, 130 * kSec, 0, e)) << "the same request within the window";
  EXPECT_TRUE(t.on_packet(frame, true, 161 * kSec, 0, e)) << "again once the window is over";
  EXPECT_EQ(t.counters().sightings, 3u);
  EXPECT_EQ(t.counters().suppressed, 1u);
  // Too short, or not Ethernet/IPv4: counted, no event.
  frame.payload = std::span(a).first(20);
  EXPECT_FALSE(t.on_packet(frame, true, 200 * kSec, 0, e));
  auto other = a;
  other[1] = 6;  // IEEE 802 hardware
  frame.payload = other;
  EXPECT_FALSE(t.on_packet(frame, true, 200 * kSec, 0, e));
  EXPECT_EQ(t.counters().malformed, 2u);
}

TEST(AssetTracker, NeighbourSolicitationGivesTargetAndLinkLayerAddress) {
  AssetTracker t(AssetConfig{});
  DecodedPacket p;
  p.ip_version = 6;
  p.l4_proto = 58;
  p.icmp_type = 135;
  p.src_mac = {0x02, 0, 0, 0, 0, 1};
  p.src_ip = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  // reserved(4), target fe80::2, option 1 (source link-layer address), length 1 (8 bytes)
  std::vector<uint8_t> body = {0, 0, 0, 0, 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
                               1, 1, 0x02, 0, 0, 0, 0, 1};
  p.payload = body;
  AssetEvent e;
  ASSERT_TRUE(t.on_packet(p, false, kSec, 0, e));
  const std::string j = json(e);
  EXPECT_NE(j.find("\"event_type\":\"ndp\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"type\":\"neighbor_solicitation\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"target_ip\":\"fe80::2\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"link_layer_address\":\"02:00:00:00:00:01\""), std::string::npos) << j;
  // An echo request is not neighbour discovery; a cut solicitation is malformed.
  p.icmp_type = 128;
  EXPECT_FALSE(t.on_packet(p, false, kSec, 0, e));
  p.icmp_type = 135;
  p.payload = std::span(body).first(10);
  EXPECT_FALSE(t.on_packet(p, false, 2 * kSec, 0, e));
  EXPECT_EQ(t.counters().malformed, 1u);
}

// NetBIOS name registration (RFC 1002 4.2.2) for "WORKSTATION1" <00> with a TTL.
TEST(AssetTracker, NetbiosRegistrationGivesNameServiceTypeAndTtl) {
  std::vector<uint8_t> m = {0x12, 0x34, 0x29, 0x10, 0, 1, 0, 0, 0, 0, 0, 1, 0x20};
  const std::string name = "WORKSTATION1";
  for (int i = 0; i < 16; ++i) {
    const uint8_t c = i < 15 ? (i < static_cast<int>(name.size()) ? name[i] : ' ') : 0x00;
    m.push_back(static_cast<uint8_t>('A' + (c >> 4)));
    m.push_back(static_cast<uint8_t>('A' + (c & 15)));
  }
  m.insert(m.end(), {0, 0, 0x20, 0, 1,                      // end of name, NB, IN
                     0xC0, 0x0C, 0, 0x20, 0, 1, 0, 0x04, 0x93, 0xE0, 0, 6, 0x60, 0, 10, 0, 0, 7});  // TTL 300000
  DecodedPacket p;
  p.ip_version = 4;
  p.l4_proto = 17;
  p.src_port = p.dst_port = 137;
  p.src_ip = {10, 0, 0, 7};
  p.payload = m;
  AssetTracker t(AssetConfig{});
  AssetEvent e;
  ASSERT_TRUE(t.on_packet(p, false, kSec, 0, e));
  const std::string j = json(e);
  for (const char* want : {"\"event_type\":\"netbios_ns\"", "\"opcode\":\"registration\"", "\"response\":\"no\"",
                           "\"name\":\"WORKSTATION1\"", "\"service_type\":0", "\"ttl\":300000", "\"src_ip\":\"10.0.0.7\""})
    EXPECT_NE(j.find(want), std::string::npos) << want << " in " << j;
  // A name that is not first-level encoded is malformed.
  m[13] = 'z';
  p.payload = m;
  EXPECT_FALSE(t.on_packet(p, false, 2 * kSec, 0, e));
  EXPECT_EQ(t.counters().malformed, 1u);
}

TEST(AssetTracker, SsdpNotifyGivesMethodAndServer) {
  const std::string text =
      "NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nserver: Linux/5.4 UPnP/1.0 MiniDLNA/1.3\r\nNT: upnp:rootdevice\r\n\r\n";
  DecodedPacket p;
  p.ip_version = 4;
  p.l4_proto = 17;
  p.src_port = 1900;
  p.dst_port = 1900;
  p.payload = {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
  AssetTracker t(AssetConfig{});
  AssetEvent e;
  ASSERT_TRUE(t.on_packet(p, false, kSec, 0, e));
  const std::string j = json(e);
  EXPECT_NE(j.find("\"method\":\"NOTIFY\""), std::string::npos) << j;
  EXPECT_NE(j.find(R"("server":"Linux\/5.4 UPnP\/1.0 MiniDLNA\/1.3")"), std::string::npos) << j;
  // Other UDP traffic is not a sighting.
  const std::string dns = "not ssdp";
  p.src_port = 5353;
  p.dst_port = 5353;
  p.payload = {reinterpret_cast<const uint8_t*>(dns.data()), dns.size()};
  EXPECT_FALSE(t.on_packet(p, false, kSec, 0, e));
}

}  // namespace

// A sighting's VLAN is written as Suricata writes it and as transactions and alerts write
// it: a list ("vlan":[42]), so one parser reads every eve record.
TEST(AssetTracker, VlanIsAListAsInEveryEveRecord) {
  AssetTracker t(AssetConfig{});
  DecodedPacket frame;
  const auto a = arp_request();
  frame.payload = a;
  AssetEvent e;
  ASSERT_TRUE(t.on_packet(frame, true, kSec, 0, e));
  e.vlan = 42;
  const std::string j = json(e);
  EXPECT_NE(j.find("\"event_type\":\"arp\",\"vlan\":[42],\"arp\":{"), std::string::npos) << j;
}
