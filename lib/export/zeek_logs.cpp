#include "export/zeek_logs.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <system_error>

extern "C" {
#include <ndpi/ndpi_api.h>
}

#include "core/log.hpp"
#include "dissectors/protocols.hpp"
#include "export/eve.hpp"
#include "export/json_writer.hpp"
#include "export/retention.hpp"
#include "export/yaf_flow.hpp"
#include "flow/tcp_state.hpp"

namespace flowprobe {

namespace {

// Zeek's default columns (base scripts, no policy scripts loaded), as the Baseline logs of
// Zeek's own test suite show them.
constexpr std::string_view kConnFields =
    "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\t"
    "conn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\t"
    "resp_ip_bytes\ttunnel_parents\tip_proto";
constexpr std::string_view kConnTypes =
    "time\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\t"
    "string\tcount\tcount\tcount\tcount\tset[string]\tcount";
// The OsecT profile's conn.log (spec §2.1): Zeek's columns with the mac-logging policy's
// two at the end, and no ip_proto (only TCP/UDP/ICMP rows remain). The files carry no
// #fields line; tests read them by these names.
constexpr std::string_view kOsectConnFields =
    "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\t"
    "conn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\t"
    "resp_ip_bytes\ttunnel_parents\torig_l2_addr\tresp_l2_addr";
constexpr std::string_view kYafFields =
    "ts\tstart-time\tend-time\tduration\trtt\tproto\tsip\tsp\tdip\tdp\tsrcMacAddress\tdestMacAddress\tiflags\t"
    "uflags\triflags\truflags\tisn\trisn\ttag\trtag\tpkt\toct\trpkt\troct\tend-reason";

// How each file of the OsecT set begins and ends (spec §2.0.1, the sensor's bro.sh and
// yaf.sh): Zeek logs lose their header lines to 8 lines "#" and end with "#close"; the
// NTT Com request logs keep one "#"; yaf_flow.log has its "#ts" line; p0f-k.log and
// eve.json are rows only.
enum class OsectLayout : uint8_t { hashes_close, one_hash, yaf, rows_only };
struct OsectFile {
  std::string_view log;
  OsectLayout layout;
};
constexpr OsectFile kOsectFiles[] = {
    {"conn", OsectLayout::hashes_close},       {"yaf_flow", OsectLayout::yaf},
    {"arp", OsectLayout::hashes_close},        {"ns", OsectLayout::hashes_close},
    {"dns", OsectLayout::hashes_close},        {"p0f-k", OsectLayout::rows_only},
    {"http", OsectLayout::hashes_close},       {"dhcp2", OsectLayout::one_hash},
    {"netbios-ns", OsectLayout::one_hash},     {"mswin-browser", OsectLayout::one_hash},
    {"dhcpv6", OsectLayout::one_hash},         {"ssdp", OsectLayout::one_hash},
    {"cclink-ief-basic", OsectLayout::hashes_close}, {"cclink-ie", OsectLayout::hashes_close},
};
const OsectFile* osect_file(std::string_view log) {
  for (const OsectFile& f : kOsectFiles)
    if (f.log == log) return &f;
  return nullptr;
}


constexpr std::size_t kFlushBytes = 64 * 1024;

}  // namespace

namespace zeek {

void put_count(std::string& o, uint64_t v) {
  char b[24];
  o.append(b, static_cast<std::size_t>(std::to_chars(b, b + sizeof b, v).ptr - b));
}
void put_directional_counts(std::string& o, const FlowRecord& r) {
  put_count(o, r.in_pkts);
  tab(o);
  put_count(o, r.in_bytes);
  tab(o);
  put_count(o, r.out_pkts);
  tab(o);
  put_count(o, r.out_bytes);
}
void put_secs(std::string& o, uint64_t ns) {
  const uint64_t us = ns / 1000;
  put_count(o, us / 1'000'000);
  char frac[6];
  uint64_t f = us % 1'000'000;
  for (int i = 5; i >= 0; --i, f /= 10) frac[i] = static_cast<char>('0' + f % 10);
  o.push_back('.');
  o.append(frac, 6);
}
void put_addr(std::string& o, int version, const std::array<uint8_t, 16>& ip) {
  std::array<char, 46> buf;
  o.append(version == 6 ? format_ipv6(ip.data(), buf) : format_ipv4(ip.data(), buf));
}
void put_str_or_unset(std::string& o, std::string_view s) {
  if (s.empty()) unset(o);
  else zeek_escape(s, o);
}
void put_mac_or_unset(std::string& o, const std::array<uint8_t, 6>& mac) {
  if (mac == std::array<uint8_t, 6>{}) return unset(o);
  std::array<char, 17> buf;
  o.append(eve::mac_lower(mac, buf));
}
std::string_view proto_name(uint8_t p) {
  switch (p) {
    case 6: return "tcp";
    case 17: return "udp";
    case 1:
    case 58: return "icmp";
    default: return "unknown_transport";
  }
}

}  // namespace zeek

using namespace zeek;

namespace {

// Length of the valid UTF-8 sequence at s[i], 0 if there is none.
std::size_t utf8_len(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  std::size_t n;
  uint32_t cp;
  if (c >= 0xC2 && c <= 0xDF) n = 2, cp = c & 0x1F;
  else if (c >= 0xE0 && c <= 0xEF) n = 3, cp = c & 0x0F;
  else if (c >= 0xF0 && c <= 0xF4) n = 4, cp = c & 0x07;
  else return 0;
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    const auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = cp << 6 | (cc & 0x3F);
  }
  // Overlong forms, surrogates and code points past U+10FFFF are not valid UTF-8.
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return n;
}

// Zeek's log time stamp (#open, #close, rotated names), UTC.
void zeek_date(uint64_t ns, char (&out)[32]) {
  const time_t secs = static_cast<time_t>(ns / 1'000'000'000ull);
  tm t;
  gmtime_r(&secs, &t);
  std::strftime(out, sizeof out, "%Y-%m-%d-%H-%M-%S", &t);
}

void put_hex_escape(std::string& o, unsigned char c) {
  static constexpr char hex[] = "0123456789abcdef";
  o.push_back('\\');
  o.push_back('x');
  o.push_back(hex[c >> 4]);
  o.push_back(hex[c & 15]);
}



// Zeek puts the ICMP type in id.orig_p and, in id.resp_p, the type of the expected
// answer, or the code for a message that has none (ICMP4_counterpart/ICMP6_counterpart).
uint16_t icmp_resp_port(bool v6, uint8_t type, uint8_t code) {
  if (!v6) {
    switch (type) {
      case 8: return 0;
      case 0: return 8;
      case 13: return 14;
      case 14: return 13;
      case 15: return 16;
      case 16: return 15;
      case 10: return 9;
      case 9: return 10;
      case 17: return 18;
      case 18: return 17;
      default: return code;
    }
  }
  switch (type) {
    case 128: return 129;
    case 129: return 128;
    case 133: return 134;
    case 134: return 133;
    case 135: return 136;
    case 136: return 135;
    case 130: return 131;
    case 131: return 130;
    case 139: return 140;
    case 140: return 139;
    case 144: return 145;
    case 145: return 144;
    default: return code;
  }
}

// conn.log's service: the dissector that spoke, else nDPI's verdict (not a guess) for
// protocols Zeek has an analyzer of, under the analyzer's name.
std::string_view service_name(const FlowRecord& r, const dissect::AppMetadata* app) {
  if (const dissect::Protocol* p = app != nullptr ? dissect::protocol_of(app->kind) : nullptr;
      p != nullptr && !p->zeek_service.empty())
    return p->zeek_service;
  if (!(r.l7_flags & kL7Present) || (r.l7_flags & kL7Guessed)) return {};
  const bool tcp = r.protocol == 6;
  for (const uint16_t id : {r.l7_master, r.l7_app}) {
    switch (id) {
      case NDPI_PROTOCOL_DNS:
      case NDPI_PROTOCOL_MDNS:
      case NDPI_PROTOCOL_LLMNR: return "dns";
      case NDPI_PROTOCOL_HTTP: return "http";
      case NDPI_PROTOCOL_TLS: return "ssl";
      case NDPI_PROTOCOL_DTLS: return "dtls";
      case NDPI_PROTOCOL_QUIC: return "quic,ssl";
      case NDPI_PROTOCOL_DHCP: return "dhcp";
      case NDPI_PROTOCOL_SSH: return "ssh";
      case NDPI_PROTOCOL_FTP_CONTROL: return "ftp";
      case NDPI_PROTOCOL_FTP_DATA: return "ftp-data";
      case NDPI_PROTOCOL_MAIL_SMTP: return "smtp";
      case NDPI_PROTOCOL_MAIL_POP: return "pop3";
      case NDPI_PROTOCOL_MAIL_IMAP: return "imap";
      case NDPI_PROTOCOL_IRC: return "irc";
      case NDPI_PROTOCOL_MYSQL: return "mysql";
      case NDPI_PROTOCOL_POSTGRES: return "postgresql";
      case NDPI_PROTOCOL_REDIS: return "redis";
      case NDPI_PROTOCOL_NTP: return "ntp";
      case NDPI_PROTOCOL_SIP: return "sip";
      case NDPI_PROTOCOL_SNMP: return "snmp";
      case NDPI_PROTOCOL_SYSLOG: return "syslog";
      case NDPI_PROTOCOL_RADIUS: return "radius";
      case NDPI_PROTOCOL_SMBV1:
      case NDPI_PROTOCOL_SMBV23: return "smb";
      case NDPI_PROTOCOL_RDP: return "rdp";
      case NDPI_PROTOCOL_VNC: return "rfb";
      case NDPI_PROTOCOL_KERBEROS: return tcp ? "krb_tcp" : "krb";
      case NDPI_PROTOCOL_LDAP: return tcp ? "ldap_tcp" : "ldap_udp";
      case NDPI_PROTOCOL_DCERPC: return "dce_rpc";
      case NDPI_PROTOCOL_MODBUS: return "modbus";
      case NDPI_PROTOCOL_DNP3: return "dnp3";
      case NDPI_PROTOCOL_JABBER: return "xmpp";
      case NDPI_PROTOCOL_MQTT: return "mqtt";
      case NDPI_PROTOCOL_SOCKS: return "socks";
      case NDPI_PROTOCOL_TEREDO: return "teredo";
      case NDPI_PROTOCOL_AYIYA: return "ayiya";
      case NDPI_PROTOCOL_GTP:
      case NDPI_PROTOCOL_GTP_U: return "gtpv1";
      default: break;
    }
  }
  return {};
}







// Site::private_address_space of Zeek's base/utils/site.zeek, which Zeek counts as local
// by default (Site::private_address_space_is_local): what local_orig/local_resp say
// when no Site::local_nets is configured.
struct Subnet {
  uint8_t v;  // 4 or 6
  uint8_t bits;
  std::array<uint8_t, 16> net;
};
constexpr Subnet kPrivate[] = {
    {4, 8, {0}},           {4, 8, {10}},          {4, 10, {100, 64}},     {4, 8, {127}},
    {4, 16, {169, 254}},   {4, 12, {172, 16}},    {4, 24, {192, 0, 0}},   {4, 24, {192, 0, 2}},
    {4, 16, {192, 168}},   {4, 15, {198, 18}},    {4, 24, {198, 51, 100}}, {4, 24, {203, 0, 113}},
    {4, 4, {240}},         {4, 32, {255, 255, 255, 255}},
    {6, 24, {0x20, 0x02, 0x00}},        {6, 24, {0x20, 0x02, 0x0a}},        {6, 26, {0x20, 0x02, 0x64, 0x40}},
    {6, 24, {0x20, 0x02, 0x7f}},        {6, 32, {0x20, 0x02, 0xa9, 0xfe}},  {6, 28, {0x20, 0x02, 0xac, 0x10}},
    {6, 40, {0x20, 0x02, 0xc0, 0x00, 0x00}}, {6, 40, {0x20, 0x02, 0xc0, 0x00, 0x02}},
    {6, 32, {0x20, 0x02, 0xc0, 0xa8}},  {6, 31, {0x20, 0x02, 0xc6, 0x12}},
    {6, 40, {0x20, 0x02, 0xc6, 0x33, 0x64}}, {6, 40, {0x20, 0x02, 0xcb, 0x00, 0x71}},
    {6, 20, {0x20, 0x02, 0xf0}},        {6, 48, {0x20, 0x02, 0xff, 0xff, 0xff, 0xff}},
    {6, 128, {}},                       {6, 128, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}},
    {6, 48, {0x00, 0x64, 0xff, 0x9b, 0x00, 0x01}}, {6, 64, {0x01, 0x00}},
    {6, 23, {0x20, 0x01, 0x00}},        {6, 48, {0x20, 0x01, 0x00, 0x02, 0x00, 0x00}},
    {6, 32, {0x20, 0x01, 0x0d, 0xb8}},  {6, 7, {0xfc}},                     {6, 10, {0xfe, 0x80}},
};

bool in_subnet(const std::array<uint8_t, 16>& ip, const Subnet& s) {
  const int full = s.bits / 8, rest = s.bits % 8;
  if (std::memcmp(ip.data(), s.net.data(), static_cast<std::size_t>(full)) != 0) return false;
  if (rest == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xFF << (8 - rest));
  return (ip[full] & mask) == (s.net[full] & mask);
}

bool zeek_local(int version, const std::array<uint8_t, 16>& ip) {
  for (const Subnet& s : kPrivate)
    if (s.v == version && in_subnet(ip, s)) return true;
  return false;
}

// Zeek's orig_bytes/resp_bytes are payload bytes; a record carries IP bytes. UDP and
// ICMP headers have a fixed size, so their payload is exact unless IPv4 options or IPv6
// extension headers were present. TCP headers vary (options), so for TCP this is an
// upper bound: 0 when the side's history has no data letter, else IP bytes less
// 20-byte IP/40-byte IPv6 and 20-byte TCP headers per packet.
uint64_t payload_bytes(const FlowRecord& r, bool orig, std::string_view history) {
  const uint64_t ip = orig ? r.in_bytes : r.out_bytes;
  const uint64_t pkts = orig ? r.in_pkts : r.out_pkts;
  const uint64_t l3 = r.ip_version == 6 ? 40 : 20;
  uint64_t l4;
  switch (r.protocol) {
    case 6:
      if (history.find(orig ? 'D' : 'd') == std::string_view::npos &&
          history.size() < static_cast<std::size_t>(PackedHistory::kMaxLetters))
        return 0;
      l4 = 20;
      break;
    case 17:
    case 1:
    case 58: l4 = 8; break;
    default: l4 = 0; break;
  }
  const uint64_t hdr = pkts * (l3 + l4);
  return ip > hdr ? ip - hdr : 0;
}

uint64_t splitmix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

char* base62(uint64_t v, char* p) {
  static constexpr char digits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  char tmp[12];
  int n = 0;
  do {
    tmp[n++] = digits[v % 62];
    v /= 62;
  } while (v);
  while (n) *p++ = tmp[--n];
  return p;
}

}  // namespace

std::span<const ZeekLogInfo> zeek_logs() {
  // conn.log, yaf_flow.log, then each protocol log in table order (TLS and QUIC share
  // ssl.log), then the asset logs in table order.
  static const std::vector<ZeekLogInfo> logs = [] {
    std::vector<ZeekLogInfo> v{{"conn", kConnFields, kConnTypes, nullptr, nullptr, kOsectConnFields},
                               {"yaf_flow", {}, {}, nullptr, nullptr, kYafFields}};
    for (const dissect::Protocol* p : dissect::kProtocols) {
      const dissect::ZeekLog* z = p->zeek_log;
      if (z != nullptr && std::none_of(v.begin(), v.end(), [&](const ZeekLogInfo& l) { return l.name == z->name; }))
        v.push_back({z->name, z->fields, z->types, z, nullptr, z->osect_fields});
    }
    for (const dissect::Protocol* p : dissect::kProtocols)
      if (const dissect::AssetLog* a = p->asset_log)
        v.push_back({a->name, a->fields, a->types, nullptr, a, a->fields});  // the spec's columns already
    return v;
  }();
  return logs;
}

const ZeekLogInfo* zeek_log(std::string_view name) {
  for (const ZeekLogInfo& l : zeek_logs())
    if (l.name == name) return &l;
  return nullptr;
}

std::string_view zeek_uid(uint64_t flow_id, ZeekUid& out) {
  const uint64_t h = splitmix(flow_id ^ 0x2545f4914f6cdd1dull);
  const uint64_t lo = splitmix(h ^ 0x5a5a5a5a5a5a5a5aull) & 0xFFFFFFFFull;  // 96 bits, as Zeek's uids
  char* p = out.data();
  *p++ = 'C';
  p = base62(h, p);
  p = base62(lo, p);
  return {out.data(), static_cast<std::size_t>(p - out.data())};
}

std::string_view zeek_uid(const FlowRecord& r, ZeekUid& out) {
  if (r.flow_id != 0) return zeek_uid(r.flow_id, out);
  // No id (a record made by hand): its identity as the flow table keys it, plus its
  // first packet time, so two records of one 5-tuple still get different uids.
  uint64_t h = splitmix(uint64_t{r.ip_version} << 8 | r.protocol);
  auto mix = [&h](uint64_t v) { h = splitmix(h ^ v); };
  for (int i = 0; i < 16; i += 8) {
    uint64_t a, b;
    std::memcpy(&a, r.src_ip.data() + i, 8);
    std::memcpy(&b, r.dst_ip.data() + i, 8);
    mix(a);
    mix(b);
  }
  mix(uint64_t{r.src_port} << 48 | uint64_t{r.dst_port} << 32 | uint64_t{r.vlan} << 16 | r.vlan_outer);
  mix(uint64_t{r.tunnel_id} << 16 | r.icmp_type);
  mix(r.first_ns);
  const uint64_t lo = splitmix(h ^ 0x5a5a5a5a5a5a5a5aull) & 0xFFFFFFFFull;  // 96 bits, as Zeek's uids
  char* p = out.data();
  *p++ = 'C';
  p = base62(h, p);
  p = base62(lo, p);
  return {out.data(), static_cast<std::size_t>(p - out.data())};
}

void zeek_escape(std::string_view s, std::string& o, bool in_set) {
  if (s.empty()) {
    o.append("(empty)");
    return;
  }
  if (s == "-") {  // would read as unset
    o.append("\\x2d");
    return;
  }
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '\\') {
      o.append("\\\\");
    } else if (c < 0x20 || c == 0x7f || (in_set && c == ',')) {
      put_hex_escape(o, c);
    } else if (c < 0x80) {
      o.push_back(static_cast<char>(c));
    } else if (const std::size_t n = utf8_len(s, i)) {
      o.append(s.substr(i, n));
      i += n - 1;
    } else {
      put_hex_escape(o, c);
    }
  }
}

bool profile_writes(LogProfile profile, std::string_view log) {
  if (profile == LogProfile::osect) return osect_file(log) != nullptr;
  return log != "yaf_flow";  // Zeek's profile keeps every IP protocol in conn.log
}

void put_log_header(std::string& o, LogProfile profile, std::string_view log, std::string_view fields,
                    std::string_view types, uint64_t open_ns) {
  if (profile == LogProfile::osect) {
    const OsectFile* f = osect_file(log);
    switch (f != nullptr ? f->layout : OsectLayout::rows_only) {
      case OsectLayout::hashes_close: put(o, "#\n#\n#\n#\n#\n#\n#\n#\n"); break;
      case OsectLayout::one_hash: put(o, "#\n"); break;
      case OsectLayout::yaf:
        put(o, kYafFlowHeader);
        o.push_back('\n');
        break;
      case OsectLayout::rows_only: break;
    }
    return;
  }
  char when[32];
  zeek_date(open_ns, when);
  put(o, "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\t");
  put(o, log);
  put(o, "\n#open\t");
  put(o, when);
  put(o, "\n#fields\t");
  put(o, fields);
  put(o, "\n#types\t");
  put(o, types);
  o.push_back('\n');
}

void put_log_footer(std::string& o, LogProfile profile, std::string_view log, uint64_t close_ns) {
  if (profile == LogProfile::osect) {
    const OsectFile* f = osect_file(log);
    if (f != nullptr && f->layout == OsectLayout::hashes_close) put(o, "#close\n");
    return;
  }
  char when[32];
  zeek_date(close_ns, when);
  put(o, "#close\t");
  put(o, when);
  o.push_back('\n');
}

std::unique_ptr<ZeekLogWriter> ZeekLogWriter::open(const std::string& dir, std::string& error, uint32_t rotate_s,
                                                   LogProfile profile) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (dir.empty()) {
    error = "no directory given";
    return nullptr;
  }
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) {
    error = "'" + dir + "' exists and is not a directory";
    return nullptr;
  }
  if (!fs::exists(dir, ec) && !fs::create_directories(dir, ec)) {
    error = "cannot create directory '" + dir + "': " + ec.message();
    return nullptr;
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    error = "cannot create files in '" + dir + "': " + std::strerror(errno);
    return nullptr;
  }
  return std::unique_ptr<ZeekLogWriter>(new ZeekLogWriter(dir, rotate_s, profile));
}

ZeekLogWriter::ZeekLogWriter(std::string dir, uint32_t rotate_s, LogProfile profile)
    : dir_(std::move(dir)),
      profile_(profile),
      logs_(zeek_logs().size()),
      rotate_ns_(uint64_t{rotate_s} * 1'000'000'000ull) {
  for (std::size_t i = 0; i < dissect::kProtocolCount; ++i) {
    const dissect::ZeekLog* z = dissect::kProtocols[i]->zeek_log;
    for (std::size_t l = 0; z != nullptr && l < zeek_logs().size(); ++l)
      if (zeek_logs()[l].name == z->name) log_of_[i] = l;
  }
}

uint64_t ZeekLogWriter::rows(std::string_view log) const {
  for (std::size_t l = 0; l < logs_.size(); ++l)
    if (zeek_logs()[l].name == log) return logs_[l].rows;
  return 0;
}

ZeekLogWriter::~ZeekLogWriter() { finish(); }

std::string& ZeekLogWriter::begin_row(std::size_t log, uint64_t ts_ns) {
  Log& l = logs_[log];
  const ZeekLogInfo& info = zeek_logs()[log];
  if (!l.tried) {
    l.tried = true;
    // First row: create the file (as Zeek does, only for a log that has something).
    l.buf.reserve(kFlushBytes + 4096);
    const std::string path = dir_ + "/" + std::string(info.name) + ".log";
    l.file = std::fopen(path.c_str(), "w");
    if (l.file == nullptr) last_error_ = path + ": " + std::strerror(errno);
    l.open_ns = ts_ns;
    put_log_header(l.buf, profile_, info.name, info.fields, info.types, ts_ns);
  }
  return l.buf;
}

void ZeekLogWriter::end_row(std::size_t log) {
  Log& l = logs_[log];
  l.buf.push_back('\n');
  ++l.pending;
  ++l.rows;
  if (l.buf.size() >= kFlushBytes) write_out(log);
}

void ZeekLogWriter::write_out(std::size_t log) {
  Log& l = logs_[log];
  if (l.buf.empty()) return;
  if (l.file == nullptr || std::fwrite(l.buf.data(), 1, l.buf.size(), l.file) != l.buf.size()) {
    counters_.write_errors += l.pending;
    if (l.file != nullptr) last_error_ = dir_ + "/" + std::string(zeek_logs()[log].name) + ".log: " + std::strerror(errno);
  }
  l.buf.clear();
  l.pending = 0;
}

void ZeekLogWriter::advance(uint64_t ts_ns) {
  if (rotate_ns_ != 0) {
    const uint64_t boundary = ts_ns / rotate_ns_ * rotate_ns_;
    if (next_rotation_ == 0) next_rotation_ = boundary + rotate_ns_;
    if (ts_ns >= next_rotation_) {
      rotate(next_rotation_);
      next_rotation_ = boundary + rotate_ns_;
    }
  }
  clock_ns_ = std::max(clock_ns_, ts_ns);
}

void ZeekLogWriter::write(const FlowRecord& r, const dissect::AppMetadata* app) {
  if (finished_) return;
  advance(r.last_ns);
  if (profile_ == LogProfile::osect && !conn_log_transport(r.protocol)) return write_yaf(r);
  ZeekUid uid_buf;
  const std::string_view uid = zeek_uid(r, uid_buf);
  write_conn(r, app, uid);
  if (app == nullptr) return;
  const dissect::Protocol* p = dissect::protocol_of(app->kind);
  if (p == nullptr || p->zeek_log == nullptr || !p->zeek_log->per_flow) return;
  if (!profile_writes(profile_, p->zeek_log->name)) return;
  ZeekRowSource src{*app, uid};
  src.ts_ns = r.first_ns;
  src.ip_version = r.ip_version;
  src.protocol = r.protocol;
  src.orig_h = r.src_ip;
  src.resp_h = r.dst_ip;
  src.orig_p = r.src_port;
  src.resp_p = r.dst_port;
  src.flow = &r;
  src.profile = profile_;
  src.orig_l2 = r.src_mac;
  src.resp_l2 = r.dst_mac;
  const std::size_t log = log_of_[dissect::protocol_index(app->kind)];
  std::string& o = begin_row(log, r.last_ns);
  p->zeek_log->write_row(src, o);
  end_row(log);
}

void ZeekLogWriter::write(const dpi::TxRecord& tx) {
  if (finished_) return;
  const dissect::Protocol* p = dissect::protocol_of(tx.app.kind);
  if (p == nullptr || p->zeek_log == nullptr || p->zeek_log->per_flow) return;
  if (!profile_writes(profile_, p->zeek_log->name)) return;
  if (p->zeek_log->logged != nullptr && !p->zeek_log->logged(tx.app)) return;
  advance(tx.ts_ns);
  ZeekUid uid_buf;
  ZeekRowSource src{tx.app, zeek_uid(tx.flow_id, uid_buf)};
  src.ts_ns = tx.ts_ns;
  src.ip_version = tx.ip_version;
  src.protocol = tx.protocol;
  src.orig_h = tx.src_ip;
  src.resp_h = tx.dst_ip;
  src.orig_p = tx.src_port;
  src.resp_p = tx.dst_port;
  src.depth = tx.depth;
  src.profile = profile_;
  src.orig_l2 = tx.src_mac;
  src.resp_l2 = tx.dst_mac;
  const std::size_t log = log_of_[dissect::protocol_index(tx.app.kind)];
  std::string& o = begin_row(log, tx.ts_ns);
  p->zeek_log->write_row(src, o);
  end_row(log);
}

void ZeekLogWriter::write_row(std::size_t log, uint64_t at_ns, std::string_view row) {
  if (finished_) return;
  advance(at_ns);
  put(begin_row(log, at_ns), row);
  end_row(log);
}

void zeek::put_conn_id(std::string& o, const ZeekRowSource& s) {
  if (s.flow != nullptr) return put_conn_id(o, *s.flow, s.uid);
  put_secs(o, s.ts_ns);
  tab(o);
  put(o, s.uid);
  tab(o);
  put_addr(o, s.ip_version, s.orig_h);
  tab(o);
  put_count(o, s.orig_p);
  tab(o);
  put_addr(o, s.ip_version, s.resp_h);
  tab(o);
  put_count(o, s.resp_p);
}

void zeek::put_conn_id(std::string& o, const FlowRecord& r, std::string_view uid) {
  put_secs(o, r.first_ns);
  tab(o);
  put(o, uid);
  tab(o);
  put_addr(o, r.ip_version, r.src_ip);
  tab(o);
  if (r.protocol == 1 || r.protocol == 58) {
    const uint8_t type = static_cast<uint8_t>(r.icmp_type >> 8), code = static_cast<uint8_t>(r.icmp_type);
    put_count(o, type);
    tab(o);
    put_addr(o, r.ip_version, r.dst_ip);
    tab(o);
    put_count(o, icmp_resp_port(r.protocol == 58, type, code));
  } else {
    put_count(o, r.src_port);
    tab(o);
    put_addr(o, r.ip_version, r.dst_ip);
    tab(o);
    put_count(o, r.dst_port);
  }
}

namespace {

std::string_view history_of(const FlowRecord& r) {
  const auto n = std::find(r.history.begin(), r.history.end(), '\0') - r.history.begin();
  return {r.history.data(), static_cast<std::size_t>(n)};
}

}  // namespace

void ZeekLogWriter::write_conn(const FlowRecord& r, const dissect::AppMetadata* app, std::string_view uid) {
  std::string& o = begin_row(0, r.last_ns);
  put_conn_id(o, r, uid);
  tab(o);
  put(o, proto_name(r.protocol));
  tab(o);
  // A connection that switched protocols in band names both, the first first ("http,smtp"
  // for a mail through a CONNECT tunnel, "ftp,ssl" after AUTH TLS), as Zeek's does.
  const dissect::Protocol* outer = app != nullptr ? dissect::protocol_of(app->outer) : nullptr;
  const std::string_view service = service_name(r, app);
  if (outer != nullptr && !outer->zeek_service.empty() && !service.empty()) {
    put(o, outer->zeek_service);
    put(o, ",");
  }
  put_str_or_unset(o, service);
  tab(o);
  const std::string_view history = history_of(r);
  // Zeek logs duration and the payload byte counts only for a connection that lasted.
  if (r.last_ns > r.first_ns) {
    put_secs(o, r.last_ns - r.first_ns);
    tab(o);
    put_count(o, payload_bytes(r, true, history));
    tab(o);
    put_count(o, payload_bytes(r, false, history));
  } else {
    put(o, "-\t-\t-");
  }
  tab(o);
  const std::string_view state = conn_state_name(static_cast<ConnState>(r.conn_state));
  put_str_or_unset(o, state);
  tab(o);
  if (profile_ == LogProfile::osect) {
    // The sensor sets no Site::local_nets: Zeek leaves both unset (spec §2.1).
    put(o, "-\t-");
  } else {
    put_bool(o, zeek_local(r.ip_version, r.src_ip));
    tab(o);
    put_bool(o, zeek_local(r.ip_version, r.dst_ip));
  }
  tab(o);
  // missed_bytes: we do not reassemble, so no gap is measured; 0 as Zeek writes for a
  // connection without content gaps.
  put(o, "0");
  tab(o);
  put_str_or_unset(o, history);
  tab(o);
  put_directional_counts(o, r);
  tab(o);
  // tunnel_parents names the carrier's uid in Zeek; we log the inner flow only, so there
  // is no carrier row to point at.
  unset(o);
  tab(o);
  if (profile_ == LogProfile::osect) {
    put_mac_or_unset(o, r.src_mac);  // orig_l2_addr, resp_l2_addr (mac-logging policy)
    tab(o);
    put_mac_or_unset(o, r.dst_mac);
  } else {
    put_count(o, r.protocol);
  }
  end_row(0);
}

void ZeekLogWriter::write_yaf(const FlowRecord& r) {
  const std::size_t log = 1;  // zeek_logs()[1]
  std::string& o = begin_row(log, r.last_ns);
  put_yaf_row(o, r);
  end_row(log);
}







void ZeekLogWriter::set_retention(Retention* retention) {
  retention_ = retention;
  if (retention == nullptr) return;
  // "<log>.log" is live; "<log>.YYYY-MM-DD-HH-MM-SS[-n].log" a closed one (close_log's names),
  // and so is a set's directory.
  retention->watch("zeek logs", dir_, [](std::string_view name) {
    if (name.starts_with("realtime-")) return FileRole::closed;  // a closed set's directory (set_cycle_dirs)
    for (const ZeekLogInfo& info : zeek_logs()) {
      const std::string_view log = info.name;
      if (!name.starts_with(log) || !name.ends_with(".log") || name.size() < log.size() + 4 || name[log.size()] != '.')
        continue;
      if (name.size() == log.size() + 4) return FileRole::live;
      if (name.size() < log.size() + 5) continue;
      const std::string_view mid = name.substr(log.size() + 1, name.size() - log.size() - 5);
      // YYYY-MM-DD-HH-MM-SS, then "-<n>" for a second file opened in the same second.
      bool stamp = mid.size() >= 19 && (mid.size() == 19 || (mid.size() > 20 && mid[19] == '-'));
      for (std::size_t k = 0; k < mid.size() && stamp; ++k) {
        const bool dash = k == 4 || k == 7 || k == 10 || k == 13 || k == 16 || k == 19;
        stamp = dash ? mid[k] == '-' : mid[k] >= '0' && mid[k] <= '9';
      }
      if (stamp) return FileRole::closed;
    }
    return FileRole::other;
  });
}

void ZeekLogWriter::flush() {
  if (wall_clock_ && rotate_ns_ != 0 && !finished_) {
    timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    advance(uint64_t(now.tv_sec) * 1'000'000'000ull + uint64_t(now.tv_nsec));
  }
  if (retention_) retention_->maybe_apply();
  for (std::size_t i = 0; i < logs_.size(); ++i) {
    write_out(i);
    if (logs_[i].file != nullptr) std::fflush(logs_[i].file);
  }
}

void ZeekLogWriter::add_member(std::string file_name, std::function<bool(const std::filesystem::path&)> close_to) {
  members_.push_back({std::move(file_name), std::move(close_to)});
}

void ZeekLogWriter::close_log(std::size_t i, uint64_t close_ns, ClosedLogSet* set) {
  Log& l = logs_[i];
  if (l.file == nullptr) return;
  put_log_footer(l.buf, profile_, zeek_logs()[i].name, close_ns);
  write_out(i);
  const std::string name(zeek_logs()[i].name);
  const std::string live = dir_ + "/" + name + ".log";
  if (std::fclose(l.file) != 0) last_error_ = live + ": " + std::strerror(errno);
  l.file = nullptr;
  if (set == nullptr) return;
  std::string target;
  if (set->own_dir) {
    target = (set->dir / (name + ".log")).string();
  } else {
    char opened[32];
    zeek_date(l.open_ns, opened);
    target = dir_ + "/" + name + "." + opened + ".log";
    // Two files opened within one second (a short interval): keep both.
    for (int n = 1; ::access(target.c_str(), F_OK) == 0; ++n)
      target = dir_ + "/" + name + "." + opened + "-" + std::to_string(n) + ".log";
  }
  if (std::rename(live.c_str(), target.c_str()) != 0) {
    last_error_ = live + ": cannot rotate: " + std::strerror(errno);
  } else {
    ++counters_.rotations;
    set->files.push_back(target);
  }
  l.tried = false;  // the next row opens a new file
}

std::string cycle_dir_name(uint64_t start_ns) {
  // The OsecT sensor's cycle directory: local time (TZ), colons in the time.
  const time_t secs = static_cast<time_t>(start_ns / 1'000'000'000ull);
  tm t;
  localtime_r(&secs, &t);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%d-%H:%M:%S", &t);
  return std::string("realtime-") + stamp;
}

uint64_t cycle_dir_start_ns(std::string_view name) {
  if (!name.starts_with("realtime-") || name.size() < 28) return 0;
  const std::string stamp(name.substr(9, 19));
  tm t{};
  const char* end = strptime(stamp.c_str(), "%Y-%m-%d-%H:%M:%S", &t);
  if (end == nullptr || *end != '\0') return 0;
  t.tm_isdst = -1;
  const time_t secs = mktime(&t);
  return secs < 0 ? 0 : uint64_t(secs) * 1'000'000'000ull;
}

namespace {

// Packet time of a log file's earliest row (its ts column, seconds since the epoch),
// else of its last change; and the file cut after its last whole line.
uint64_t first_row_ns_and_cut(const std::filesystem::path& p, bool& cut) {
  cut = false;
  uint64_t first = 0;
  std::string text;
  if (std::FILE* f = std::fopen(p.c_str(), "rb")) {
    char buf[65536];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) text.append(buf, n);
    std::fclose(f);
  }
  for (std::size_t at = 0; at < text.size() && first == 0;) {
    const std::size_t nl = text.find('\n', at);
    if (nl == std::string::npos) break;
    if (text[at] != '#') {
      const double v = std::strtod(text.c_str() + at, nullptr);
      if (v > 1e9) first = static_cast<uint64_t>(v * 1e9);  // a time (after 2001), not a count
    }
    at = nl + 1;
  }
  if (!text.empty() && text.back() != '\n') {
    std::error_code ec;
    std::filesystem::resize_file(p, text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1, ec);
    cut = !ec;
  }
  struct stat st {};
  if (first == 0 && ::stat(p.c_str(), &st) == 0)
    first = uint64_t(st.st_mtim.tv_sec) * 1'000'000'000ull + uint64_t(st.st_mtim.tv_nsec);
  return first;
}

}  // namespace

std::size_t ZeekLogWriter::keep_unfinished_logs(std::string& set_name) {
  namespace fs = std::filesystem;
  set_name.clear();
  if (rotate_ns_ == 0) return 0;  // without rotation a run begins its logs afresh, as Zeek does
  std::vector<std::pair<std::size_t, uint64_t>> live;  // log index, its first row's time
  uint64_t first = UINT64_MAX;
  for (std::size_t i = 0; i < zeek_logs().size(); ++i) {
    const fs::path p = fs::path(dir_) / (std::string(zeek_logs()[i].name) + ".log");
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) continue;
    bool cut = false;
    const uint64_t t = first_row_ns_and_cut(p, cut);
    if (cut) log(LogLevel::warning, "--zeek-logs: %s ended inside a row (the earlier run was killed while writing it): "
                 "that row is cut off", p.c_str());
    live.emplace_back(i, t);
    first = std::min(first, t);
  }
  if (live.empty()) return 0;
  const uint64_t start = first - first % rotate_ns_;
  fs::path set_dir = dir_;
  if (cycle_dirs_) {
    set_name = cycle_dir_name(start);
    set_dir = fs::path(dir_) / set_name;
    for (int n = 1; ::access(set_dir.c_str(), F_OK) == 0; ++n)
      set_dir = fs::path(dir_) / (set_name + "-" + std::to_string(n));
    set_name = set_dir.filename().string();
    std::error_code ec;
    if (!fs::create_directory(set_dir, ec) && ec) {
      last_error_ = set_dir.string() + ": cannot create the set's directory: " + ec.message();
      return 0;
    }
  } else {
    char stamp[32];
    zeek_date(start, stamp);
    set_name = std::string("logs.") + stamp;
  }
  std::size_t kept = 0;
  for (const auto& [i, t] : live) {
    const std::string name(zeek_logs()[i].name);
    const std::string from = dir_ + "/" + name + ".log";
    struct stat st {};
    const uint64_t changed = ::stat(from.c_str(), &st) == 0
                                 ? uint64_t(st.st_mtim.tv_sec) * 1'000'000'000ull + uint64_t(st.st_mtim.tv_nsec)
                                 : t;
    std::string footer;
    put_log_footer(footer, profile_, name, changed);
    if (std::FILE* f = std::fopen(from.c_str(), "ab")) {
      std::fwrite(footer.data(), 1, footer.size(), f);
      std::fclose(f);
    }
    std::string target;
    if (cycle_dirs_) {
      target = (set_dir / (name + ".log")).string();
    } else {
      char opened[32];
      zeek_date(t, opened);
      target = dir_ + "/" + name + "." + opened + ".log";
      for (int n = 1; ::access(target.c_str(), F_OK) == 0; ++n)
        target = dir_ + "/" + name + "." + opened + "-" + std::to_string(n) + ".log";
    }
    if (std::rename(from.c_str(), target.c_str()) == 0) ++kept;
    else last_error_ = from + ": cannot keep it from an earlier run: " + std::strerror(errno);
  }
  return kept;
}

// Closes every log (and member) into one set covering [start_ns, close_ns) and hands it on.
void ZeekLogWriter::close_set(uint64_t start_ns, uint64_t close_ns) {
  ClosedLogSet set;
  set.start_ns = start_ns;
  set.end_ns = close_ns;
  const time_t secs = static_cast<time_t>(start_ns / 1'000'000'000ull);
  char stamp[32];
  if (cycle_dirs_) {
    set.name = cycle_dir_name(start_ns);
    set.own_dir = true;
    set.dir = std::filesystem::path(dir_) / set.name;
    // A second run over the same interval (a replay repeated) keeps the first one's set.
    for (int n = 1; ::access(set.dir.c_str(), F_OK) == 0; ++n)
      set.dir = std::filesystem::path(dir_) / (set.name + "-" + std::to_string(n));
    set.name = set.dir.filename().string();
    const bool any = std::any_of(logs_.begin(), logs_.end(), [](const Log& l) { return l.file != nullptr; });
    std::error_code ec;
    if ((any || !members_.empty()) && !std::filesystem::create_directory(set.dir, ec) && ec) {
      last_error_ = set.dir.string() + ": cannot create the set's directory: " + ec.message();
      set.own_dir = false;  // the set stays in dir() under Zeek's names rather than being lost
      set.dir = dir_;
    }
  } else {
    zeek_date(start_ns, stamp);
    set.name = std::string("logs.") + stamp;
    set.dir = dir_;
  }
  for (std::size_t i = 0; i < logs_.size(); ++i) close_log(i, close_ns, &set);
  for (const Member& m : members_) {
    std::filesystem::path target = set.dir / m.file_name;
    if (!set.own_dir) {
      // A rotated file's name as RotatingFileSink gives it (its retention knows it).
      tm t;
      gmtime_r(&secs, &t);
      std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &t);
      target = set.dir / (m.file_name + "." + stamp);
    }
    if (m.close_to(target)) set.files.push_back(target);
  }
  std::error_code ec;
  if (set.own_dir && set.files.empty()) std::filesystem::remove(set.dir, ec);  // nothing was open
  if (!set.files.empty() && on_set_closed_) on_set_closed_(std::move(set));
}

void ZeekLogWriter::rotate(uint64_t boundary_ns) {
  close_set(boundary_ns - rotate_ns_, boundary_ns);  // closed when its interval ended, as Zeek's timer would
  if (retention_) retention_->apply();
}

bool ZeekLogWriter::finish() {
  if (finished_) return counters_.write_errors == 0 && last_error_.empty();
  finished_ = true;
  if (rotate_ns_ != 0 && (cycle_dirs_ || on_set_closed_) && next_rotation_ != 0) {
    // The last interval is a set too: delivered like the others, not left under live names.
    close_set(next_rotation_ - rotate_ns_, clock_ns_);
  } else {
    for (std::size_t i = 0; i < logs_.size(); ++i) close_log(i, clock_ns_, nullptr);
  }
  return counters_.write_errors == 0 && last_error_.empty();
}

}  // namespace flowprobe
