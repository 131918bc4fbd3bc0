// The OsecT sensor's asset logs (arp.log, ns.log, p0f-k.log, dhcp2.log, netbios-ns.log,
// mswin-browser.log, dhcpv6.log, ssdp.log, cclink-ief-basic.log, cclink-ie.log) from a
// capture written here with planned fields: every row is asserted whole, column by
// column in the spec's order (../shared/spec/osect-logs.md §2.3–2.14), with the spec's
// row model: sightings identical but for their time within 60 s of packet time make one
// row (ts = the first; the CC-Link logs add the count and the last time); replies,
// queries and group names that a log does not keep make none. p0f itself reads the same
// capture and must give the SYN the same OS guess.
#include <gtest/gtest.h>
#include <pcap/pcap.h>

#include <cmath>
#include <fstream>
#include <map>
#include <regex>

#include "support/asset_frames.hpp"
#include "support/run_program.hpp"

namespace fs = std::filesystem;
using namespace flowprobe::test;
using namespace flowprobe::test::frames;

namespace {

using Mac = std::array<uint8_t, 6>;

constexpr uint32_t kT0 = 1700000000;  // 2023-11-14 22:13:20 UTC

const Mac kHostA = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55}, kHostB = {0x00, 0x66, 0x77, 0x88, 0x99, 0xaa},
          kBcast = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

void be16(Bytes& b, unsigned v) { b.insert(b.end(), {static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)}); }
void be32(Bytes& b, uint32_t v) { be16(b, v >> 16), be16(b, v & 0xffff); }
void text(Bytes& b, std::string_view s) { b.insert(b.end(), s.begin(), s.end()); }

Bytes eth(const Mac& dst, const Mac& src, uint16_t type, const Bytes& payload) {
  Bytes f(dst.begin(), dst.end());
  f.insert(f.end(), src.begin(), src.end());
  be16(f, type);
  f.insert(f.end(), payload.begin(), payload.end());
  return f;
}

uint16_t csum(const Bytes& b, std::size_t from, std::size_t n, uint32_t sum = 0) {
  for (std::size_t i = 0; i < n; i += 2) sum += static_cast<uint32_t>(b[from + i] << 8 | (i + 1 < n ? b[from + i + 1] : 0));
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

// IPv4 carrying `l4` (protocol `proto`), DF set and id 0x1234 as a Linux host sends.
Bytes ipv4(std::array<uint8_t, 4> src, std::array<uint8_t, 4> dst, uint8_t proto, const Bytes& l4, uint8_t ttl = 64) {
  Bytes ip = {0x45, 0};
  be16(ip, static_cast<unsigned>(20 + l4.size()));
  ip.insert(ip.end(), {0x12, 0x34, 0x40, 0, ttl, proto, 0, 0});
  ip.insert(ip.end(), src.begin(), src.end());
  ip.insert(ip.end(), dst.begin(), dst.end());
  const uint16_t c = csum(ip, 0, 20);
  ip[10] = static_cast<uint8_t>(c >> 8), ip[11] = static_cast<uint8_t>(c);
  ip.insert(ip.end(), l4.begin(), l4.end());
  return ip;
}

Bytes udp(uint16_t sport, uint16_t dport, const Bytes& payload) {
  Bytes u;
  be16(u, sport), be16(u, dport), be16(u, static_cast<unsigned>(8 + payload.size())), be16(u, 0);
  u.insert(u.end(), payload.begin(), payload.end());
  return u;
}

using Ip6 = std::array<uint8_t, 16>;
Ip6 ip6(std::initializer_list<uint16_t> groups) {  // leading groups, the rest zero but the last
  Ip6 a{};
  std::size_t i = 0;
  for (uint16_t g : groups) {
    if (i == 7) break;
    a[2 * i] = static_cast<uint8_t>(g >> 8), a[2 * i + 1] = static_cast<uint8_t>(g);
    ++i;
  }
  return a;
}
Ip6 with_last(Ip6 a, uint16_t g) {
  a[14] = static_cast<uint8_t>(g >> 8), a[15] = static_cast<uint8_t>(g);
  return a;
}

Bytes ipv6(const Ip6& src, const Ip6& dst, uint8_t next, const Bytes& l4, uint8_t hops = 255) {
  Bytes ip = {0x60, 0, 0, 0};
  be16(ip, static_cast<unsigned>(l4.size()));
  ip.push_back(next), ip.push_back(hops);
  ip.insert(ip.end(), src.begin(), src.end());
  ip.insert(ip.end(), dst.begin(), dst.end());
  ip.insert(ip.end(), l4.begin(), l4.end());
  return ip;
}

Bytes arp(uint16_t op, const Mac& sha, std::array<uint8_t, 4> spa, const Mac& tha, std::array<uint8_t, 4> tpa) {
  Bytes a = {0, 1, 8, 0, 6, 4};
  be16(a, op);
  a.insert(a.end(), sha.begin(), sha.end());
  a.insert(a.end(), spa.begin(), spa.end());
  a.insert(a.end(), tha.begin(), tha.end());
  a.insert(a.end(), tpa.begin(), tpa.end());
  return a;
}

// Neighbour solicitation (135) or advertisement (136) for `target`, with a link-layer
// address option.
Bytes ndp(uint8_t type, const Ip6& target, const Mac& lladdr) {
  Bytes m = {type, 0, 0, 0, static_cast<uint8_t>(type == 136 ? 0x60 : 0), 0, 0, 0};
  m.insert(m.end(), target.begin(), target.end());
  m.insert(m.end(), {static_cast<uint8_t>(type == 135 ? 1 : 2), 1});
  m.insert(m.end(), lladdr.begin(), lladdr.end());
  return m;
}

Bytes dhcp(uint8_t op, const Mac& chaddr, const Bytes& options) {
  Bytes m(236, 0);
  m[0] = op, m[1] = 1, m[2] = 6;
  m[4] = 0xde, m[5] = 0xad, m[6] = 0xbe, m[7] = 0xef;
  std::copy(chaddr.begin(), chaddr.end(), m.begin() + 28);
  m.insert(m.end(), {0x63, 0x82, 0x53, 0x63});
  m.insert(m.end(), options.begin(), options.end());
  m.push_back(255);
  return m;
}

// A name registration (opcode 5) or query (0): the question, and for a registration the
// additional record pointing at it with TTL, NB flags (0x8000: a group name) and address.
Bytes nbns(uint8_t opcode, const std::string& name, uint8_t suffix, uint16_t nb_flags = 0) {
  Bytes m;
  be16(m, 0x1234), be16(m, static_cast<unsigned>(opcode) << 11 | 0x0110);
  be16(m, 1), be16(m, 0), be16(m, 0), be16(m, opcode == 5 ? 1 : 0);
  nb_name(m, name, suffix);
  be16(m, 0x20), be16(m, 1);
  if (opcode == 5) {
    be16(m, 0xC00C), be16(m, 0x20), be16(m, 1), be32(m, 300000), be16(m, 6), be16(m, nb_flags);
    m.insert(m.end(), {192, 168, 1, 10});
  }
  return m;
}

// A Linux 3.11+ SYN as p0f.fp describes it: TTL 64, DF with a non-zero id, MSS 1460,
// window 20 MSS, scale 7, options mss,sok,ts,nop,ws.
Bytes linux_syn(std::array<uint8_t, 4> src, std::array<uint8_t, 4> dst) {
  Bytes t;
  be16(t, 40000), be16(t, 80), be32(t, 0x01020304), be32(t, 0);
  t.insert(t.end(), {0xa0, 0x02});
  be16(t, 29200), be16(t, 0), be16(t, 0);
  t.insert(t.end(), {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7});
  Bytes pseudo(src.begin(), src.end());
  pseudo.insert(pseudo.end(), dst.begin(), dst.end());
  pseudo.insert(pseudo.end(), {0, 6});
  be16(pseudo, static_cast<unsigned>(t.size()));
  pseudo.insert(pseudo.end(), t.begin(), t.end());
  const uint16_t c = csum(pseudo, 0, pseudo.size());
  t[16] = static_cast<uint8_t>(c >> 8), t[17] = static_cast<uint8_t>(c);
  return ipv4(src, dst, 6, t);
}

// A CC-Link IE Field/Control frame: the 14-byte header (frame type, data type, four
// type-specific bytes, sender node number, protocol version byte, reserved, check code),
// padded to Ethernet's minimum.
Bytes cclink_ie(uint8_t type, std::array<uint8_t, 4> middle, uint16_t src_node, uint8_t ver) {
  Bytes m = {type, 0x01, middle[0], middle[1], middle[2], middle[3], static_cast<uint8_t>(src_node >> 8),
             static_cast<uint8_t>(src_node), ver, 0, 0x12, 0x34, 0x56, 0x78};
  m.resize(46, 0);
  return m;
}

struct Frame {
  double t;  // seconds after kT0
  Bytes bytes;
};

void write_pcap(const fs::path& path, const std::vector<Frame>& frames) {
  pcap_t* dead = pcap_open_dead(DLT_EN10MB, 65535);
  pcap_dumper_t* d = pcap_dump_open(dead, path.c_str());
  ASSERT_NE(d, nullptr);
  for (const Frame& f : frames) {
    pcap_pkthdr h{};
    const auto us = static_cast<long>(f.t * 1e6 + 0.5);
    h.ts.tv_sec = kT0 + us / 1'000'000;
    h.ts.tv_usec = us % 1'000'000;
    h.caplen = h.len = static_cast<bpf_u_int32>(f.bytes.size());
    pcap_dump(reinterpret_cast<u_char*>(d), &h, f.bytes.data());
  }
  pcap_dump_close(d);
  pcap_close(dead);
}

struct Log {
  std::string fields;             // the #fields line's columns
  std::vector<std::string> rows;  // the data lines
};

Log read_log(const fs::path& path) {
  Log l;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("#fields\t")) l.fields = line.substr(8);
    else if (!line.starts_with("#")) l.rows.push_back(line);
  }
  return l;
}

std::string ts(double t) {
  char b[32];
  std::snprintf(b, sizeof b, "%u.%06ld", kT0 + static_cast<unsigned>(t), std::lround((t - std::floor(t)) * 1e6));
  return b;
}

TEST(AssetLogs, EveryLogRowFromPlannedFrames) {
  const fs::path dir = scratch_dir("asset_logs");
  const fs::path pcap = dir / "assets.pcap", logs = dir / "logs";
  fs::remove_all(logs);
  const std::array<uint8_t, 4> a4 = {192, 168, 1, 10}, b4 = {192, 168, 1, 1}, any4 = {0, 0, 0, 0},
                               bc4 = {255, 255, 255, 255}, cast4 = {239, 255, 255, 250};
  const Ip6 a6 = with_last(ip6({0xfe80}), 0x10), b6 = with_last(ip6({0xfe80}), 0x1),
            sn6 = with_last(ip6({0xff02, 0, 0, 0, 0, 1, 0xff00}), 0x1), all6 = with_last(ip6({0xff02}), 1),
            dhcp6 = with_last(ip6({0xff02, 0, 0, 0, 0, 0, 1}), 2);
  const Mac sn_mac = {0x33, 0x33, 0xff, 0, 0, 1}, all_mac = {0x33, 0x33, 0, 0, 0, 1},
            dhcp6_mac = {0x33, 0x33, 0, 1, 0, 2}, ssdp_mac = {0x01, 0x00, 0x5e, 0x7f, 0xff, 0xfa};
  const Mac zero{};
  std::vector<Frame> f;
  // ARP: A asks for B three times in a minute (one row), B answers (one row), A asks
  // again 61 s after its first request (a new window: a second row).
  for (double t : {0.0, 10.0, 50.0}) f.push_back({t, eth(kBcast, kHostA, 0x0806, arp(1, kHostA, a4, zero, b4))});
  f.push_back({0.5, eth(kHostA, kHostB, 0x0806, arp(2, kHostB, b4, kHostA, a4))});
  f.push_back({61.0, eth(kBcast, kHostA, 0x0806, arp(1, kHostA, a4, zero, b4))});
  // NDP: A solicits B twice (one row); B advertises to A; an unsolicited advertisement to
  // all nodes makes no row.
  for (double t : {1.0, 2.0}) f.push_back({t, eth(sn_mac, kHostA, 0x86dd, ipv6(a6, sn6, 58, ndp(135, b6, kHostA)))});
  f.push_back({1.5, eth(kHostA, kHostB, 0x86dd, ipv6(b6, a6, 58, ndp(136, b6, kHostB)))});
  f.push_back({3.0, eth(all_mac, kHostB, 0x86dd, ipv6(b6, all6, 58, ndp(136, b6, kHostB)))});
  // DHCP: a DISCOVER (row), the same again (folded), and the server's OFFER (no row).
  const Bytes opts = {53, 1, 1, 12, 6, 'h', 'o', 's', 't', '-', 'a', 55, 4, 1, 3, 6, 15, 60, 8,
                      'M', 'S', 'F', 'T', ' ', '5', '.', '0'};
  for (double t : {4.0, 8.0}) f.push_back({t, eth(kBcast, kHostA, 0x0800, ipv4(any4, bc4, 17, udp(68, 67, dhcp(1, kHostA, opts))))});
  f.push_back({4.5, eth(kHostA, kHostB, 0x0800, ipv4(b4, a4, 17, udp(67, 68, dhcp(2, kHostA, {53, 1, 2}))))});
  // NetBIOS-NS: two unique registrations (workstation, server), a group registration and
  // a query (no rows).
  const std::array<uint8_t, 4> nb_bc = {192, 168, 1, 255};
  f.push_back({5.0, eth(kBcast, kHostA, 0x0800, ipv4(a4, nb_bc, 17, udp(137, 137, nbns(5, "HOST A", 0x00))))});
  f.push_back({5.1, eth(kBcast, kHostA, 0x0800, ipv4(a4, nb_bc, 17, udp(137, 137, nbns(5, "HOST A", 0x20))))});
  f.push_back({5.2, eth(kBcast, kHostA, 0x0800, ipv4(a4, nb_bc, 17, udp(137, 137, nbns(5, "WORKGROUP", 0x00, 0x8000))))});
  f.push_back({5.3, eth(kBcast, kHostA, 0x0800, ipv4(a4, nb_bc, 17, udp(137, 137, nbns(0, "FILESRV", 0x20))))});
  // CIFS browser: a host announcement (row) and a domain announcement (no row).
  f.push_back({6.0, eth(kBcast, kHostA, 0x0800, ipv4(a4, nb_bc, 17, udp(138, 138, browser_datagram(1))))});
  f.push_back({6.1, eth(kBcast, kHostA, 0x0800, ipv4(a4, nb_bc, 17, udp(138, 138, browser_datagram(12))))});
  // DHCPv6: a solicit to the servers' group (row); an advertise back (no row).
  f.push_back({7.0, eth(dhcp6_mac, kHostA, 0x86dd, ipv6(a6, dhcp6, 17, udp(546, 547, dhcpv6_solicit())))});
  f.push_back({7.1, eth(kHostA, kHostB, 0x86dd, ipv6(b6, a6, 17, udp(547, 546, {2, 0x12, 0x34, 0x56})))});
  // SSDP: a search, a device's response and its NOTIFY.
  const std::string search = "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\n"
                             "MX: 1\r\nST: ssdp:all\r\nUSER-AGENT: Chromium/120 Linux\r\n\r\n";
  const std::string answer = "HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=1800\r\nST: upnp:rootdevice\r\n"
                             "SERVER: Linux/5.10 UPnP/1.0 Camera/2.1\r\n\r\n";
  const std::string notify = "NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nNT: upnp:rootdevice\r\n"
                             "NTS: ssdp:alive\r\nSERVER: Linux/5.10 UPnP/1.0 Camera/2.1\r\n\r\n";
  const auto bytes = [](const std::string& s) { return Bytes(s.begin(), s.end()); };
  f.push_back({9.0, eth(ssdp_mac, kHostA, 0x0800, ipv4(a4, cast4, 17, udp(50000, 1900, bytes(search))))});
  f.push_back({9.1, eth(kHostA, kHostB, 0x0800, ipv4(b4, a4, 17, udp(1900, 50000, bytes(answer))))});
  f.push_back({9.2, eth(ssdp_mac, kHostB, 0x0800, ipv4(b4, cast4, 17, udp(1900, 1900, bytes(notify))))});
  // CC-Link IE Field Basic: five cyclic polls and answers within a window, one request
  // with another command.
  const std::array<uint8_t, 4> master = {192, 168, 1, 10}, slave = {192, 168, 1, 20};
  for (int i = 0; i < 5; ++i) {
    f.push_back({20.0 + i, eth(kHostB, kHostA, 0x0800, ipv4(master, slave, 17, udp(61450, 61450, cyclic_request(static_cast<uint16_t>(i)))))});
    f.push_back({20.5 + i, eth(kHostA, kHostB, 0x0800, ipv4(slave, master, 17, udp(61450, 61450, cyclic_response(static_cast<uint16_t>(i)))))});
  }
  f.push_back({26.0, eth(kHostB, kHostA, 0x0800, ipv4(master, slave, 17, udp(61450, 61450, cyclic_request(9, 0x1234))))});
  // CC-Link IE: a Field master's tokenM three times (one row, number 3), a remote device
  // station's myStatus, a Control token, a Field transient1, and a persuasion whose
  // protocol version byte is neither network's.
  const Mac cc_master = {0x00, 0x0a, 0x0b, 0x00, 0x00, 0x01}, cc_station = {0x00, 0x0a, 0x0b, 0x00, 0x00, 0x03};
  for (double t : {40.0, 40.5, 41.0})
    f.push_back({t, eth(kBcast, cc_master, 0x890f, cclink_ie(0x15, {0x00, 0x02, 0, 0}, 0x0001, 0x01))});
  f.push_back({42.0, eth(kBcast, cc_station, 0x890f, cclink_ie(0x20, {0x00, 0x03, 0x13, '4'}, 0x0003, 0x01))});
  f.push_back({43.0, eth(kBcast, cc_master, 0x890f, cclink_ie(0x06, {0, 0, 0x2a, 0}, 0x0001, 0x00))});
  f.push_back({44.0, eth(cc_station, cc_master, 0x890f, cclink_ie(0x22, {0x00, 0x03, 0x13, 0}, 0x0001, 0x01))});
  f.push_back({45.0, eth(kBcast, cc_station, 0x890f, cclink_ie(0x10, {0, 0, 0, '4'}, 0x0003, 0x05))});
  // A Linux SYN (p0f: Linux 3.11 and newer).
  f.push_back({30.0, eth(kHostB, kHostA, 0x0800, linux_syn(a4, b4))});
  std::sort(f.begin(), f.end(), [](const Frame& x, const Frame& y) { return x.t < y.t; });
  write_pcap(pcap, f);

  const auto r = run_program({flowprobe_binary().string(), "-i", pcap.string(), "--zeek-logs", logs.string(), "-o",
                              "/dev/null", "--no-dpi"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("accounting                           ok"), std::string::npos) << r.err;

  const auto check = [&](const char* name, const std::string& fields, const std::vector<std::string>& rows) {
    const Log l = read_log(logs / (std::string(name) + ".log"));
    EXPECT_EQ(l.fields, fields) << name;
    EXPECT_EQ(l.rows, rows) << name;
  };
  check("arp", "ts\torig_mac\torig_ip\tresp_mac\tresp_ip\tunsolicited\tno_resp\twho_has\tis_at",
        {ts(0) + "\t00:11:22:33:44:55\t192.168.1.10\t-\t192.168.1.1\t-\t-\t192.168.1.1\t-",
         ts(0.5) + "\t00:11:22:33:44:55\t192.168.1.10\t00:66:77:88:99:aa\t192.168.1.1\t-\t-\t-\t-",
         ts(61) + "\t00:11:22:33:44:55\t192.168.1.10\t-\t192.168.1.1\t-\t-\t192.168.1.1\t-"});
  check("ns", "ts\torig_mac\torig_ip\tresp_mac\tresp_ip\twho_has",
        {ts(1) + "\t00:11:22:33:44:55\tfe80::10\t-\tfe80::1\tfe80::1",
         ts(1.5) + "\t00:11:22:33:44:55\tfe80::10\t00:66:77:88:99:aa\tfe80::1\t-"});
  check("dhcp2", "ts\tsrc_iP\tsrc_mac\thostname\tparameter_list\tclass_id",
        {ts(4) + "\t0.0.0.0\t00:11:22:33:44:55\thost-a\t1,3,6,15\tMSFT 5.0"});
  check("netbios-ns", "ts\tsrc_iP\tsrc_mac\tname\tttl\tservice_type",
        {ts(5) + "\t192.168.1.10\t00:11:22:33:44:55\tHOSTA\t300000\tWorkstation",
         ts(5.1) + "\t192.168.1.10\t00:11:22:33:44:55\tHOSTA\t300000\tServer"});
  check("mswin-browser",
        "ts\tsrc_iP\tsrc_mac\tserver_name\tos_version\tserver_type\tbrowser_version\tsignature\thost_comment",
        {ts(6) + "\t192.168.1.10\t00:11:22:33:44:55\tFILESRV\t10.0\t0x11003\t15.1\t0xaa55\tfile server"});
  check("dhcpv6", "ts\tsrc_iP\tsrc_mac\thostname\tfinger_print\tenterprise_number\tvendor_class",
        {ts(7) + "\tfe80::10\t00:11:22:33:44:55\thost.example\t23,24,39\t311\tMSFT 5.0"});
  check("ssdp", "ts\tsrc_ip\tsrc_mac\tmethod\tserver_or_user_agent",
        {ts(9) + "\t192.168.1.10\t00:11:22:33:44:55\tM-SEARCH Request\tChromium/120 Linux",
         ts(9.1) + "\t192.168.1.1\t00:66:77:88:99:aa\tM-SEARCH Response\tLinux/5.10 UPnP/1.0 Camera/2.1",
         ts(9.2) + "\t192.168.1.1\t00:66:77:88:99:aa\tNOTIFY\tLinux/5.10 UPnP/1.0 Camera/2.1"});
  const Log cc = read_log(logs / "cclink-ief-basic.log");
  EXPECT_EQ(cc.fields, "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tpdu\tcmd\tnumber\tts_end");
  ASSERT_EQ(cc.rows.size(), 3u);
  const std::regex uid_col(R"(^(\S+)\t(C[0-9A-Za-z]+)\t(.*)$)");
  std::smatch m0, m1, m2;
  ASSERT_TRUE(std::regex_match(cc.rows[0], m0, uid_col));
  ASSERT_TRUE(std::regex_match(cc.rows[1], m1, uid_col));
  ASSERT_TRUE(std::regex_match(cc.rows[2], m2, uid_col));
  EXPECT_EQ(m0[1].str() + "\t" + m0[3].str(), ts(20) + "\t192.168.1.10\t61450\t192.168.1.20\t61450\tcyclicDataReq\tcyclic\t5\t" + ts(24));
  EXPECT_EQ(m1[1].str() + "\t" + m1[3].str(), ts(20.5) + "\t192.168.1.20\t61450\t192.168.1.10\t61450\tcyclicDataRes\t-\t5\t" + ts(24.5));
  EXPECT_EQ(m2[1].str() + "\t" + m2[3].str(), ts(26) + "\t192.168.1.10\t61450\t192.168.1.20\t61450\tcyclicDataReq\tunknown_ct_3412\t1\t" + ts(26));
  EXPECT_EQ(m0[2], m1[2]) << "both directions of one station pair share a uid";
  check("cclink-ie",
        "ts\tsrc_mac\tdst_mac\tservice\tpdu_type\tcmd\tnode_type\tnode_id\tconnection_info\tsrc_node_number\tnumber\tts_end",
        {ts(40) + "\t00:0a:0b:00:00:01\tff:ff:ff:ff:ff:ff\tcclink_ie_field\ttokenM\t-\t-\t2\t-\t0x0001\t3\t" + ts(41),
         ts(42) + "\t00:0a:0b:00:00:03\tff:ff:ff:ff:ff:ff\tcclink_ie_field\tmyStatus\t-\tremote device node\t3\t-\t0x0003\t1\t" + ts(42),
         ts(43) + "\t00:0a:0b:00:00:01\tff:ff:ff:ff:ff:ff\tcclink_ie_control\ttoken\t-\t-\t-\t-\t0x0001\t1\t" + ts(43),
         ts(44) + "\t00:0a:0b:00:00:01\t00:0a:0b:00:00:03\tcclink_ie_field\ttransient1\t-\t-\t3\t0x13\t0x0001\t1\t" + ts(44),
         ts(45) + "\t00:0a:0b:00:00:03\tff:ff:ff:ff:ff:ff\tunknownProtocolVerType\\x05\tpersuasion\t-\t-\t-\t-\t-\t1\t" + ts(45)});
  check("p0f-k", "ts\tmod\tsrc_ip\tsrc_mac\tos\traw_sig",
        {ts(30) + "\tsyn\t192.168.1.10\t00:11:22:33:44:55\tLinux 3.11 and newer\t4:64+0:0:1460:mss*20,7:mss,sok,ts,nop,ws:df,id+:0"});

  // p0f itself on the same capture.
  if (fs::exists("/usr/sbin/p0f")) {
    const fs::path plog = dir / "p0f.log";
    fs::remove(plog);
    run_program({"/usr/sbin/p0f", "-r", pcap.string(), "-o", plog.string()});
    std::ifstream in(plog);
    std::string os;
    for (std::string l; std::getline(in, l);)
      if (const auto at = l.find("|os="); at != std::string::npos && l.find("mod=syn|") != std::string::npos)
        os = l.substr(at + 4, l.find('|', at + 4) - at - 4);
    EXPECT_EQ(os, "Linux 3.11 and newer");
  }
}

}  // namespace
