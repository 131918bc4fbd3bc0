// The asset dissectors added to the table: DHCP per message (Suricata's eve "dhcp"
// shape), DHCPv6, CIFS browser announcements and CC-Link IE Field Basic, from crafted
// bytes laid out as the RFCs and specifications say; every cut of each packet is counted
// as malformed (or not this kind's) and never read past (the ASan build checks that).
#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "assets/asset_tracker.hpp"
#include "dissectors/cclink_ie/cclink_ie.hpp"
#include "dissectors/tcp_fingerprint/p0f_db.hpp"
#include "dissectors/protocols.hpp"
#include "export/eve.hpp"
#include "export/json_writer.hpp"
#include "tests/support/asset_frames.hpp"
#include "tests/support/json_path.hpp"

using namespace flowprobe;

namespace {

constexpr uint64_t kSec = 1'000'000'000ull;
using test::frames::Bytes;
using test::frames::browser_datagram;
using test::frames::dhcpv6_solicit;
using test::frames::nb_name;

std::string json(const AssetEvent& e) {
  std::string s;
  JsonWriter w(s);
  write_event_json(e, w);
  return s;
}

// The JSON value at a dotted path ("dhcp.routers[0]") as text; "" when absent.
std::string at(const std::string& j, const std::string& path) {
  static simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(j).get(doc) != simdjson::SUCCESS) return "<not json>";
  std::string v;
  return flowprobe::test::json_path(doc, path, v) ? v : "";
}

DecodedPacket udp(uint16_t sport, uint16_t dport, const Bytes& payload) {
  DecodedPacket p;
  p.ip_version = 4;
  p.l4_proto = 17;
  p.src_port = sport;
  p.dst_port = dport;
  p.src_mac = {0x00, 0x11, 0x32, 0x17, 0x49, 0xf0};
  p.dst_mac = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  p.src_ip = {10, 16, 1, 4};
  p.dst_ip = {10, 16, 1, 1};
  p.payload = payload;
  return p;
}

// Every strict prefix of the payload: no event, and each counted once as malformed or
// not this kind's.
void every_cut_is_counted(DecodedPacket p, const Bytes& whole, std::size_t from = 0) {
  AssetConfig cfg;
  cfg.dedup_window_ns = 0;
  AssetTracker t(cfg);
  AssetEvent e;
  for (std::size_t n = from; n < whole.size(); ++n) {
    Bytes cut(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(n));
    p.payload = cut;
    (void)t.on_packet(p, false, kSec, 0, e);
  }
  const AssetCounters& c = t.counters();
  EXPECT_EQ(c.packets, whole.size() - from);
  EXPECT_EQ(c.packets, c.malformed + c.not_mine + c.sightings);
}

// ---- DHCP ----------------------------------------------------------------------------

Bytes bootp(uint8_t op, uint32_t xid, std::array<uint8_t, 4> ciaddr, std::array<uint8_t, 4> yiaddr,
            std::array<uint8_t, 4> siaddr, const Bytes& options) {
  Bytes m(240, 0);
  m[0] = op;
  m[1] = 1;
  m[2] = 6;
  m[4] = xid >> 24, m[5] = xid >> 16 & 0xff, m[6] = xid >> 8 & 0xff, m[7] = xid & 0xff;
  std::copy(ciaddr.begin(), ciaddr.end(), m.begin() + 12);
  std::copy(yiaddr.begin(), yiaddr.end(), m.begin() + 16);
  std::copy(siaddr.begin(), siaddr.end(), m.begin() + 20);
  const uint8_t mac[6] = {0x00, 0x11, 0x32, 0x17, 0x49, 0xf0};
  std::copy(mac, mac + 6, m.begin() + 28);
  m[236] = 99, m[237] = 130, m[238] = 83, m[239] = 99;
  m.insert(m.end(), options.begin(), options.end());
  return m;
}

// The request and ACK of suricata-verify's dhcp-eve-extended, rebuilt from its expected
// eve records.
TEST(AssetDissectors, DhcpRequestAndAckInSuricatasEveShape) {
  const Bytes req = bootp(1, 4016330564u, {10, 16, 1, 4}, {}, {},
                          {53, 1, 3, 61, 7, 1, 0x00, 0x11, 0x32, 0x17, 0x49, 0xf0, 12, 5, 'n', 'a', 's', '1', 0,
                           55, 5, 1, 3, 15, 6, 44, 255});
  AssetTracker t(AssetConfig{});
  AssetEvent e;
  DecodedPacket p = udp(68, 67, req);
  ASSERT_TRUE(t.on_packet(p, false, kSec, 0, e));
  std::string j = json(e);
  EXPECT_EQ(at(j, "event_type"), "dhcp") << j;
  EXPECT_EQ(at(j, "src_port"), "68");
  EXPECT_EQ(at(j, "dest_ip"), "10.16.1.1");
  EXPECT_EQ(at(j, "proto"), "UDP");
  EXPECT_EQ(at(j, "dhcp.type"), "request");
  EXPECT_EQ(at(j, "dhcp.id"), "4016330564");
  EXPECT_EQ(at(j, "dhcp.client_mac"), "00:11:32:17:49:f0");
  EXPECT_EQ(at(j, "dhcp.client_id"), "00:11:32:17:49:f0");
  EXPECT_EQ(at(j, "dhcp.client_ip"), "10.16.1.4");
  EXPECT_EQ(at(j, "dhcp.assigned_ip"), "0.0.0.0");
  EXPECT_EQ(at(j, "dhcp.dhcp_type"), "request");
  EXPECT_EQ(at(j, "dhcp.hostname"), std::string("nas1\0", 5)) << "the NUL the client sent is kept, as \\u0000";
  EXPECT_EQ(at(j, "dhcp.params[0]"), "subnet_mask");
  EXPECT_EQ(at(j, "dhcp.params[2]"), "domain");
  EXPECT_EQ(at(j, "dhcp.params[3]"), "dns_server");
  EXPECT_EQ(at(j, "dhcp.params[4]"), "") << "44 has no name in Suricata's list";
  EXPECT_EQ(at(j, "dhcp.relay_ip"), "") << "a request has no relay_ip/next_server_ip";

  const Bytes ack = bootp(2, 4016330564u, {10, 16, 1, 4}, {10, 16, 1, 4}, {10, 16, 1, 1},
                          {53, 1, 5, 54, 4, 10, 16, 1, 1, 51, 4, 0, 0, 0x0e, 0x10, 58, 4, 0, 0, 0x06, 0x91,
                           59, 4, 0, 0, 0x0b, 0xd7, 1, 4, 255, 255, 0, 0, 3, 4, 10, 16, 1, 1, 6, 8, 10, 16, 1, 1,
                           8, 8, 8, 8, 12, 5, 'n', 'a', 's', '1', 0, 255});
  p = udp(67, 68, ack);
  ASSERT_TRUE(t.on_packet(p, false, 2 * kSec, 0, e));
  j = json(e);
  EXPECT_EQ(at(j, "dhcp.type"), "reply") << j;
  EXPECT_EQ(at(j, "dhcp.dhcp_type"), "ack");
  EXPECT_EQ(at(j, "dhcp.assigned_ip"), "10.16.1.4");
  EXPECT_EQ(at(j, "dhcp.next_server_ip"), "10.16.1.1");
  EXPECT_EQ(at(j, "dhcp.relay_ip"), "0.0.0.0");
  EXPECT_EQ(at(j, "dhcp.lease_time"), "3600");
  EXPECT_EQ(at(j, "dhcp.renewal_time"), "1681");
  EXPECT_EQ(at(j, "dhcp.rebinding_time"), "3031");
  EXPECT_EQ(at(j, "dhcp.subnet_mask"), "255.255.0.0");
  EXPECT_EQ(at(j, "dhcp.routers[0]"), "10.16.1.1");
  EXPECT_EQ(at(j, "dhcp.dns_servers[1]"), "8.8.8.8");

  // The same ACK again (a retransmission) within the window: counted, not sent.
  EXPECT_FALSE(t.on_packet(p, false, 3 * kSec, 0, e));
  EXPECT_EQ(t.counters().suppressed, 1u);
  EXPECT_EQ(t.counters().by_kind[static_cast<std::size_t>(AssetKind::dhcp)], 3u);

  every_cut_is_counted(udp(67, 68, ack), ack);
}

TEST(AssetDissectors, DhcpOptionOverloadReadsTheSnameField) {
  Bytes offer = bootp(2, 7, {}, {10, 100, 0, 50}, {}, {53, 1, 2, 52, 1, 2, 255});
  const uint8_t in_sname[] = {6, 4, 10, 100, 0, 2, 3, 4, 10, 100, 0, 2, 255};
  std::copy(std::begin(in_sname), std::end(in_sname), offer.begin() + 44);
  AssetTracker t(AssetConfig{});
  AssetEvent e;
  ASSERT_TRUE(t.on_packet(udp(67, 68, offer), false, kSec, 0, e));
  const std::string j = json(e);
  EXPECT_EQ(at(j, "dhcp.dhcp_type"), "offer") << j;
  EXPECT_EQ(at(j, "dhcp.dns_servers[0]"), "10.100.0.2");
  EXPECT_EQ(at(j, "dhcp.routers[0]"), "10.100.0.2");
}

// ---- DHCPv6 --------------------------------------------------------------------------


TEST(AssetDissectors, Dhcpv6SolicitGivesDuidMacFqdnOptionsAndVendorClass) {
  const Bytes m = dhcpv6_solicit();
  DecodedPacket p = udp(546, 547, m);
  p.ip_version = 6;
  AssetTracker t(AssetConfig{});
  AssetEvent e;
  ASSERT_TRUE(t.on_packet(p, false, kSec, 0, e));
  const std::string j = json(e);
  EXPECT_EQ(at(j, "event_type"), "dhcpv6") << j;
  EXPECT_EQ(at(j, "dhcpv6.type"), "solicit");
  EXPECT_EQ(at(j, "dhcpv6.transaction_id"), std::to_string(0x123456));
  EXPECT_EQ(at(j, "dhcpv6.client_duid"), "00:01:00:01:2a:3b:4c:5d:00:0c:29:aa:bb:cc");
  EXPECT_EQ(at(j, "dhcpv6.client_mac"), "00:0c:29:aa:bb:cc");
  EXPECT_EQ(at(j, "dhcpv6.client_fqdn"), "host.example");
  EXPECT_EQ(at(j, "dhcpv6.option_request[2]"), "39");
  EXPECT_EQ(at(j, "dhcpv6.vendor_enterprise"), "311");
  EXPECT_EQ(at(j, "dhcpv6.vendor_class"), "MSFT 5.0");
  every_cut_is_counted(p, m);

  // Inside a relay-forward: hop count, link and peer address, then option 9.
  Bytes relay = {12, 1};
  relay.insert(relay.end(), 32, 0);
  relay.insert(relay.end(), {0, 9, 0, static_cast<uint8_t>(m.size())});
  relay.insert(relay.end(), m.begin(), m.end());
  p.payload = relay;
  ASSERT_TRUE(t.on_packet(p, false, 2 * kSec, 0, e));
  EXPECT_EQ(at(json(e), "dhcpv6.client_fqdn"), "host.example");
  EXPECT_EQ(at(json(e), "dhcpv6.relay_hop_count"), "1");
  every_cut_is_counted(p, relay);
}

// ---- CIFS browser --------------------------------------------------------------------


TEST(AssetDissectors, CifsHostAnnouncementGivesServerOsTypeBrowserAndComment) {
  const Bytes m = browser_datagram(1);
  const DecodedPacket p = udp(138, 138, m);
  AssetTracker t(AssetConfig{});
  AssetEvent e;
  ASSERT_TRUE(t.on_packet(p, false, kSec, 0, e));
  const std::string j = json(e);
  EXPECT_EQ(at(j, "event_type"), "cifs_browser") << j;
  EXPECT_EQ(at(j, "cifs_browser.command"), "host_announcement");
  EXPECT_EQ(at(j, "cifs_browser.server_name"), "FILESRV");
  EXPECT_EQ(at(j, "cifs_browser.os_version"), "10.0");
  EXPECT_EQ(at(j, "cifs_browser.server_type"), "0x00011003");
  EXPECT_EQ(at(j, "cifs_browser.server_types[0]"), "workstation");
  EXPECT_EQ(at(j, "cifs_browser.server_types[2]"), "nt_workstation");
  EXPECT_EQ(at(j, "cifs_browser.server_types[3]"), "potential_browser");
  EXPECT_EQ(at(j, "cifs_browser.browser_version"), "15.1");
  EXPECT_EQ(at(j, "cifs_browser.comment"), "file server");
  EXPECT_EQ(at(j, "cifs_browser.netbios_source"), "WS-9");
  // The next announcement differs only by its update count: the same sighting.
  Bytes again = m;
  const std::size_t data = again.size() - 44;  // 32 fixed bytes + "file server" + NUL
  ASSERT_EQ(again[data], 1);
  again[data + 1] = 4;
  EXPECT_FALSE(t.on_packet(udp(138, 138, again), false, 2 * kSec, 0, e));
  every_cut_is_counted(p, m);
  // An election request, or another mailslot, is not an announcement: not this kind's.
  AssetTracker t2(AssetConfig{});
  EXPECT_FALSE(t2.on_packet(udp(138, 138, browser_datagram(8)), false, kSec, 0, e));
  EXPECT_FALSE(t2.on_packet(udp(138, 138, browser_datagram(1, "\\MAILSLOT\\NET\\NETLOGON")), false, kSec, 0, e));
  EXPECT_EQ(t2.counters().not_mine, 2u);
  EXPECT_EQ(t2.counters().malformed, 0u);
}

// ---- CC-Link IE Field Basic ------------------------------------------------------------

Bytes cclink_request(uint16_t seq) {
  Bytes m = {0x50, 0x00, 0x00, 0xff, 0xff, 0x03, 0x00, 0, 0, 0, 0, 0x70, 0x0e, 0x00, 0x00};  // SLMP header, cyclic
  Bytes body(20 + 12 + 20 + 4, 0);
  body[0] = 2;                                          // protocol version 2
  body[20] = 1;                                         // master running
  body[32] = 10, body[33] = 1, body[34] = 168, body[35] = 192;  // master 192.168.1.10, little endian
  body[36] = 1;                                         // group 1
  body[38] = static_cast<uint8_t>(seq), body[39] = static_cast<uint8_t>(seq >> 8);
  body[46] = 1;                                         // one occupied station
  body[48] = 1;                                         // cyclic state: station 1
  body[52] = 20, body[53] = 1, body[54] = 168, body[55] = 192;  // slave id 192.168.1.20
  m.insert(m.end(), body.begin(), body.end());
  const std::size_t dl = m.size() - 9;
  m[7] = static_cast<uint8_t>(dl), m[8] = static_cast<uint8_t>(dl >> 8);
  return m;
}

TEST(AssetDissectors, CclinkCyclicRequestAndResponse) {
  const Bytes req = cclink_request(513);
  DecodedPacket p = udp(61450, 61450, req);
  AssetTracker t(AssetConfig{});
  AssetEvent e;
  ASSERT_TRUE(t.on_packet(p, false, kSec, 0, e));
  std::string j = json(e);
  EXPECT_EQ(at(j, "event_type"), "cclink_ief_basic") << j;
  EXPECT_EQ(at(j, "cclink_ief_basic.pdu"), "cyclic_request");
  EXPECT_EQ(at(j, "cclink_ief_basic.command"), "0x0e70");
  EXPECT_EQ(at(j, "cclink_ief_basic.command_name"), "cyclic");
  EXPECT_EQ(at(j, "cclink_ief_basic.protocol_version"), "2");
  EXPECT_EQ(at(j, "cclink_ief_basic.master_id"), "192.168.1.10");
  EXPECT_EQ(at(j, "cclink_ief_basic.frame_sequence_no"), "513");
  EXPECT_EQ(at(j, "cclink_ief_basic.unit_info"), "running");
  EXPECT_EQ(at(j, "cclink_ief_basic.occupied_stations"), "1");
  // The next cycle differs only by its sequence number: the same sighting.
  const Bytes next = cclink_request(514);
  p.payload = next;
  EXPECT_FALSE(t.on_packet(p, false, 2 * kSec, 0, e));
  every_cut_is_counted(p, req);

  Bytes res = {0xd0, 0x00, 0x00, 0xff, 0xff, 0x03, 0x00, 0, 0, 0, 0};
  Bytes body(20 + 20 + 8, 0);
  body[0] = 2;                                   // protocol version
  body[20] = 0x34, body[21] = 0x12;              // vendor 0x1234
  body[24] = 0x78, body[25] = 0x56, body[26] = 0x34, body[27] = 0x12;  // model 0x12345678
  body[28] = 3;                                  // equipment version 3
  body[32] = 1;                                  // running
  body[40] = 20, body[41] = 1, body[42] = 168, body[43] = 192;  // slave 192.168.1.20
  body[44] = 1;
  body[46] = 0x01, body[47] = 0x02;              // sequence 513
  res.insert(res.end(), body.begin(), body.end());
  res[7] = static_cast<uint8_t>(res.size() - 9);
  p = udp(61450, 61450, res);
  ASSERT_TRUE(t.on_packet(p, false, 3 * kSec, 0, e));
  j = json(e);
  EXPECT_EQ(at(j, "cclink_ief_basic.pdu"), "cyclic_response") << j;
  EXPECT_EQ(at(j, "cclink_ief_basic.end_code"), "0x0000");
  EXPECT_EQ(at(j, "cclink_ief_basic.vendor_code"), "0x1234");
  EXPECT_EQ(at(j, "cclink_ief_basic.model_code"), "0x12345678");
  EXPECT_EQ(at(j, "cclink_ief_basic.slave_id"), "192.168.1.20");
  EXPECT_EQ(at(j, "cclink_ief_basic.frame_sequence_no"), "513");
  every_cut_is_counted(p, res);
  // Not an SLMP header at all: malformed.
  const Bytes junk(80, 0x41);
  p.payload = junk;
  EXPECT_FALSE(t.on_packet(p, false, 4 * kSec, 0, e));
}

// Every packet shown lands in exactly one counter, and TCP segments without SYN never
// reach a probe.
TEST(AssetDissectors, EveryPacketIsCountedOnce) {
  AssetTracker t(AssetConfig{});
  AssetEvent e;
  DecodedPacket tcp;
  tcp.ip_version = 4;
  tcp.l4_proto = 6;
  tcp.tcp_flags = 0x10;
  EXPECT_FALSE(t.on_packet(tcp, false, kSec, 0, e));
  const Bytes dns = {1, 2, 3};
  EXPECT_FALSE(t.on_packet(udp(5353, 53, dns), false, kSec, 0, e));
  EXPECT_EQ(t.counters().packets, 2u);
  EXPECT_EQ(t.counters().not_mine, 2u);
  // Each asset parser in the protocol table is its own protocol's.
  int parsers = 0;
  for (const dissect::Protocol* p : dissect::kProtocols) {
    if (p->asset == nullptr) continue;
    ++parsers;
    EXPECT_EQ(p->asset->kind, p->kind) << p->name;
    EXPECT_NE(p->write_event, nullptr) << p->name;
    EXPECT_NE(p->asset_log, nullptr) << p->name;  // each has its OsecT log
  }
  EXPECT_EQ(parsers, 10);
}

// p0f.fp: a malformed signature names its file and line; a good one matches as p0f does
// (exact, then fuzzy on a quirk that went missing), and the label reads as p0f's os=.
TEST(AssetDissectors, P0fDatabaseLoadsMatchesAndRejects) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path();
  const std::string bad = (dir / "flowprobe-p0f-bad.fp").string(), good = (dir / "flowprobe-p0f-good.fp").string();
  std::ofstream(bad) << "[tcp:request]\nlabel = s:unix:Linux:3.11 and newer\nsig = *:64:0:*:mss*20,7:mss:df,zz:0\n";
  std::string error;
  EXPECT_EQ(dissect::P0fDb::load(bad, error), nullptr);
  EXPECT_NE(error.find("flowprobe-p0f-bad.fp:3: unknown quirk"), std::string::npos) << error;
  EXPECT_EQ(dissect::P0fDb::load((dir / "flowprobe-no-such.fp").string(), error), nullptr);
  std::ofstream(good) << "; comment\n[mtu]\nlabel = Ethernet\nsig = 1500\n[tcp:request]\n"
                         "label = s:unix:Linux:3.11 and newer\nsig = *:64:0:*:mss*20,7:mss,sok,ts,nop,ws:df,id+:0\n"
                         "label = s:!:NMap:SYN scan\nsig = *:64-:0:1460:1024,0:mss::0\n";
  const auto db = dissect::P0fDb::load(good, error);
  ASSERT_NE(db, nullptr) << error;
  EXPECT_EQ(db->signatures(), 2u);
  AssetEvent e{};
  e.op = 1;
  e.ip_version = 4;
  e.ttl = 60;
  e.tcp_window = 29200;
  e.tcp_mss = 1460;
  e.tcp_wscale = 7;
  std::strcpy(e.class_id, "mss,sok,ts,nop,ws");
  std::strcpy(e.param_list, "df,id+");
  db->match(e);
  EXPECT_EQ(db->os(e.u.tcp.label), "Linux 3.11 and newer");
  EXPECT_EQ(e.u.tcp.fuzzy, 0);
  std::strcpy(e.param_list, "id+");  // df gone: fuzzy
  db->match(e);
  EXPECT_EQ(db->os(e.u.tcp.label), "Linux 3.11 and newer");
  EXPECT_EQ(e.u.tcp.fuzzy, 1);
  e.tcp_wscale = 8;  // no signature has it
  db->match(e);
  EXPECT_EQ(db->os(e.u.tcp.label), "???");
  e.op = 2;  // a SYN/ACK: only [tcp:response] signatures
  e.tcp_wscale = 7;
  std::strcpy(e.param_list, "df,id+");
  db->match(e);
  EXPECT_EQ(e.u.tcp.label, 0);
  // A userland tool matches but names no OS, as p0f writes app= rather than os=.
  e = AssetEvent{};
  e.op = 1, e.ip_version = 4, e.ttl = 50, e.tcp_window = 1024, e.tcp_mss = 1460, e.tcp_wscale = 0xFF;
  std::strcpy(e.class_id, "mss");
  db->match(e);
  EXPECT_NE(e.u.tcp.label, 0);
  EXPECT_EQ(db->os(e.u.tcp.label), "???");
}

// CC-Link IE (EtherType 0x890F): the header's fields by frame type; a cut header is
// malformed; IP and ARP packets are not its.
TEST(AssetDissectors, CclinkIeHeaderFields) {
  AssetTracker t(AssetConfig{});
  AssetEvent e;
  const Bytes my_status = {0x20, 0x01, 0x00, 0x03, 0x13, '4', 0x00, 0x02, 0x01, 0x00, 1, 2, 3, 4};
  DecodedPacket p;
  p.payload = my_status;
  ASSERT_TRUE(t.on_packet(p, false, kSec, 0, e, dissect::kCclinkIeEtherType));
  EXPECT_EQ(e.kind, AssetKind::cclink_ie);
  EXPECT_EQ(e.u.cclink_ie.frame_type, 0x20);
  EXPECT_EQ(e.u.cclink_ie.node_id, 3);
  EXPECT_EQ(e.u.cclink_ie.node_type, '4');
  EXPECT_EQ(e.u.cclink_ie.protocol_ver, 1);
  const std::string j = json(e);
  EXPECT_EQ(at(j, "cclink_ie.frame_type"), "myStatus") << j;
  EXPECT_EQ(at(j, "cclink_ie.src_node_number"), "0x0002") << j;
  const Bytes cut(my_status.begin(), my_status.begin() + 13);
  p.payload = cut;
  EXPECT_FALSE(t.on_packet(p, false, 2 * kSec, 0, e, dissect::kCclinkIeEtherType));
  EXPECT_EQ(t.counters().malformed, 1u);
  p.payload = my_status;
  EXPECT_FALSE(t.on_packet(p, true, 3 * kSec, 0, e));  // as an ARP frame: ARP's, malformed
}

}  // namespace
