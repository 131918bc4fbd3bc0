#include "export/zeek_logs.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <system_error>

extern "C" {
#include <ndpi/ndpi_api.h>
}

#include "export/json_writer.hpp"
#include "export/retention.hpp"
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
constexpr std::string_view kDnsFields =
    "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\trtt\tquery\tqclass\tqclass_name\t"
    "qtype\tqtype_name\trcode\trcode_name\tAA\tTC\tRD\tRA\tZ\tanswers\tTTLs\trejected\topcode\topcode_name";
constexpr std::string_view kDnsTypes =
    "time\tstring\taddr\tport\taddr\tport\tenum\tcount\tinterval\tstring\tcount\tstring\tcount\tstring\tcount\t"
    "string\tbool\tbool\tbool\tbool\tcount\tvector[string]\tvector[interval]\tbool\tcount\tstring";
constexpr std::string_view kHttpFields =
    "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\ttrans_depth\tmethod\thost\turi\treferrer\tversion\t"
    "user_agent\torigin\trequest_body_len\tresponse_body_len\tstatus_code\tstatus_msg\tinfo_code\tinfo_msg\t"
    "tags\tusername\tpassword\tproxied\torig_fuids\torig_filenames\torig_mime_types\tresp_fuids\t"
    "resp_filenames\tresp_mime_types";
constexpr std::string_view kHttpTypes =
    "time\tstring\taddr\tport\taddr\tport\tcount\tstring\tstring\tstring\tstring\tstring\tstring\tstring\t"
    "count\tcount\tcount\tstring\tcount\tstring\tset[enum]\tstring\tstring\tset[string]\tvector[string]\t"
    "vector[string]\tvector[string]\tvector[string]\tvector[string]\tvector[string]";
constexpr std::string_view kSslFields =
    "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tversion\tcipher\tcurve\tserver_name\tresumed\t"
    "last_alert\tnext_protocol\testablished\tssl_history\tcert_chain_fps\tclient_cert_chain_fps\t"
    "sni_matches_cert";
constexpr std::string_view kSslTypes =
    "time\tstring\taddr\tport\taddr\tport\tstring\tstring\tstring\tstring\tbool\tstring\tstring\tbool\tstring\t"
    "vector[string]\tvector[string]\tbool";
constexpr std::string_view kDhcpFields =
    "ts\tuids\tclient_addr\tserver_addr\tmac\thost_name\tclient_fqdn\tdomain\trequested_addr\tassigned_addr\t"
    "lease_time\tclient_message\tserver_message\tmsg_types\tduration";
constexpr std::string_view kDhcpTypes =
    "time\tset[string]\taddr\taddr\tstring\tstring\tstring\tstring\taddr\taddr\tinterval\tstring\tstring\t"
    "vector[string]\tinterval";

constexpr std::string_view kSshFields =
    "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tversion\tauth_success\tauth_attempts\tdirection\t"
    "client\tserver\tcipher_alg\tmac_alg\tcompression_alg\tkex_alg\thost_key_alg\thost_key_fingerprint";
constexpr std::string_view kSshTypes =
    "time\tstring\taddr\tport\taddr\tport\tcount\tbool\tcount\tenum\tstring\tstring\tstring\tstring\tstring\t"
    "string\tstring\tstring";

constexpr std::size_t kFlushBytes = 64 * 1024;

// ---- value formatting (append to a row, never allocate beyond the row's growth) ----

void put(std::string& o, std::string_view s) { o.append(s); }
void tab(std::string& o) { o.push_back('\t'); }
void unset(std::string& o) { o.push_back('-'); }
void put_count(std::string& o, uint64_t v) {
  char b[24];
  o.append(b, static_cast<std::size_t>(std::to_chars(b, b + sizeof b, v).ptr - b));
}
// time and interval: seconds with 6 decimals, as Zeek writes them.
void put_secs(std::string& o, uint64_t ns) {
  const uint64_t us = ns / 1000;
  put_count(o, us / 1'000'000);
  char frac[6];
  uint64_t f = us % 1'000'000;
  for (int i = 5; i >= 0; --i, f /= 10) frac[i] = static_cast<char>('0' + f % 10);
  o.push_back('.');
  o.append(frac, 6);
}
void put_bool(std::string& o, bool b) { o.push_back(b ? 'T' : 'F'); }
void put_addr(std::string& o, int version, const std::array<uint8_t, 16>& ip) {
  std::array<char, 46> buf;
  o.append(version == 6 ? format_ipv6(ip.data(), buf) : format_ipv4(ip.data(), buf));
}
void put_str_or_unset(std::string& o, std::string_view s) {
  if (s.empty()) unset(o);
  else zeek_escape(s, o);
}

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

// ---- protocol names as Zeek's base scripts spell them ----

std::string_view proto_name(uint8_t p) {
  switch (p) {
    case 6: return "tcp";
    case 17: return "udp";
    case 1:
    case 58: return "icmp";
    default: return "unknown_transport";
  }
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
  if (app != nullptr) {
    switch (app->kind) {
      case dissect::AppKind::dns: return "dns";
      case dissect::AppKind::http: return "http";
      case dissect::AppKind::tls: return "ssl";
      case dissect::AppKind::quic: return "quic,ssl";
      case dissect::AppKind::dhcp: return "dhcp";
      case dissect::AppKind::ssh: return "ssh";
      case dissect::AppKind::none: break;
    }
  }
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

std::string_view dns_qtype_name(uint16_t t, char (&tmp)[24]) {
  static constexpr std::string_view k1[] = {
      "",      "A",     "NS",    "MD",    "MF",      "CNAME", "SOA",        "MB",     "MG",   "MR",
      "NULL",  "WKS",   "PTR",   "HINFO", "MINFO",   "MX",    "TXT",        "RP",     "AFSDB", "X25",
      "ISDN",  "RT",    "NSAP",  "NSAP-PTR", "SIG",  "KEY",   "PX",         "GPOS",   "AAAA", "LOC",
      "NXT",   "EID",   "NIMLOC", "SRV", "ATMA",     "NAPTR", "KX",         "CERT",   "A6",   "DNAME",
      "SINK",  "OPT",   "APL",   "DS",    "SSHFP",   "IPSECKEY", "RRSIG",   "NSEC",   "DNSKEY", "DHCID",
      "NSEC3", "NSEC3PARAM", "TLSA", "SMIMEA", "",   "HIP",   "NINFO",      "RKEY",   "TALINK", "CDS",
      "CDNSKEY", "OPENPGPKEY", "CSYNC", "ZONEMD", "SVCB", "HTTPS"};
  if (t < std::size(k1) && !k1[t].empty()) return k1[t];
  switch (t) {
    case 99: return "SPF";
    case 100: return "UINFO";
    case 101: return "UID";
    case 102: return "GID";
    case 103: return "UNSPEC";
    case 104: return "NID";
    case 105: return "L32";
    case 106: return "L64";
    case 107: return "LP";
    case 108: return "EUI48";
    case 109: return "EUI64";
    case 249: return "TKEY";
    case 250: return "TSIG";
    case 251: return "IXFR";
    case 252: return "AXFR";
    case 253: return "MAILB";
    case 254: return "MAILA";
    case 255: return "*";
    case 256: return "URI";
    case 257: return "CAA";
    case 32768: return "TA";
    case 32769: return "DLV";
    case 65281: return "WINS";
    case 65282: return "WINS-R";
    case 65422: return "XPF";
    case 65521: return "INTEGRITY";
    default: break;
  }
  const int n = std::snprintf(tmp, sizeof tmp, "query-%u", t);
  return {tmp, static_cast<std::size_t>(n)};
}

std::string_view dns_rcode_name(uint8_t rc, char (&tmp)[24]) {
  static constexpr std::string_view k[] = {"NOERROR",       "FORMERR",       "SERVFAIL",      "NXDOMAIN",
                                           "NOTIMP",        "REFUSED",       "YXDOMAIN",      "YXRRSET",
                                           "NXRRSet",       "NOTAUTH",       "NOTZONE",       "unassigned-11",
                                           "unassigned-12", "unassigned-13", "unassigned-14", "unassigned-15"};
  if (rc < std::size(k)) return k[rc];
  const int n = std::snprintf(tmp, sizeof tmp, "rcode-%u", rc);
  return {tmp, static_cast<std::size_t>(n)};
}

std::string_view dns_qclass_name(uint16_t c, char (&tmp)[24]) {
  switch (c) {
    case 1: return "C_INTERNET";
    case 2: return "C_CSNET";
    case 3: return "C_CHAOS";
    case 4: return "C_HESIOD";
    case 254: return "C_NONE";
    case 255: return "C_ANY";
    default: break;
  }
  const int n = std::snprintf(tmp, sizeof tmp, "qclass-%u", c);
  return {tmp, static_cast<std::size_t>(n)};
}

std::string_view dns_opcode_name(unsigned op, bool netbios, char (&tmp)[24]) {
  if (netbios) {
    switch (op) {
      case 0: return "netbios-query";
      case 5: return "netbios-registration";
      case 6: return "netbios-release";
      case 7: return "netbios-wack";
      case 8: return "netbios-refresh";
      default: break;
    }
    const int n = std::snprintf(tmp, sizeof tmp, "netbios-opcode-%u", op);
    return {tmp, static_cast<std::size_t>(n)};
  }
  switch (op) {
    case 0: return "query";
    case 1: return "iquery";
    case 2: return "server-status";
    case 4: return "notify";
    case 5: return "dynamic-update";
    case 6: return "dso";
    default: break;
  }
  const int n = std::snprintf(tmp, sizeof tmp, "opcode-%u", op);
  return {tmp, static_cast<std::size_t>(n)};
}

// SSL::version_strings.
std::string_view tls_version_name(uint16_t v, char (&tmp)[24]) {
  int n;
  switch (v) {
    case 0x0002: return "SSLv2";
    case 0x0300: return "SSLv3";
    case 0x0301: return "TLSv10";
    case 0x0302: return "TLSv11";
    case 0x0303: return "TLSv12";
    case 0x0304: return "TLSv13";
    case 0xfeff: return "DTLSv10";
    case 0xfefd: return "DTLSv12";
    case 0xfefc: return "DTLSv13";
    default:
      if (v >= 0x7f0e && v <= 0x7f1c) n = std::snprintf(tmp, sizeof tmp, "TLSv13-draft%u", v & 0xff);
      else n = std::snprintf(tmp, sizeof tmp, "unknown-%u", v);
      return {tmp, static_cast<std::size_t>(n)};
  }
}

std::string_view dhcp_msg_type_name(int t) {
  static constexpr std::string_view k[] = {"",           "DISCOVER",        "OFFER",        "REQUEST",
                                           "DECLINE",    "ACK",             "NAK",          "RELEASE",
                                           "INFORM",     "FORCERENEW",      "LEASEQUERY",   "LEASEUNASSIGNED",
                                           "LEASEUNKNOWN", "LEASEACTIVE",   "BULKLEASEQUERY", "LEASEQUERYDONE"};
  return t > 0 && t < static_cast<int>(std::size(k)) ? k[t] : std::string_view{};
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

std::string_view zeek_log_name(ZeekLogKind log) {
  static constexpr std::string_view k[] = {"conn", "dns", "http", "ssl", "dhcp", "ssh"};
  return k[static_cast<int>(log)];
}
std::string_view zeek_log_fields(ZeekLogKind log) {
  static constexpr std::string_view k[] = {kConnFields, kDnsFields, kHttpFields, kSslFields, kDhcpFields, kSshFields};
  return k[static_cast<int>(log)];
}
std::string_view zeek_log_types(ZeekLogKind log) {
  static constexpr std::string_view k[] = {kConnTypes, kDnsTypes, kHttpTypes, kSslTypes, kDhcpTypes, kSshTypes};
  return k[static_cast<int>(log)];
}

std::string_view zeek_uid(const FlowRecord& r, ZeekUid& out) {
  // The flow's identity as the flow table keys it, plus its first packet time: two
  // records of one 5-tuple (a reused port, an active timeout) get different uids.
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

std::unique_ptr<ZeekLogWriter> ZeekLogWriter::open(const std::string& dir, std::string& error, uint32_t rotate_s) {
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
  return std::unique_ptr<ZeekLogWriter>(new ZeekLogWriter(dir, rotate_s));
}

ZeekLogWriter::ZeekLogWriter(std::string dir, uint32_t rotate_s)
    : dir_(std::move(dir)), rotate_ns_(uint64_t{rotate_s} * 1'000'000'000ull) {}

ZeekLogWriter::~ZeekLogWriter() { finish(); }

std::string& ZeekLogWriter::begin_row(ZeekLogKind log, uint64_t ts_ns) {
  Log& l = logs_[static_cast<int>(log)];
  if (!l.tried) {
    l.tried = true;
    // First row: create the file (as Zeek does, only for a log that has something).
    l.buf.reserve(kFlushBytes + 4096);
    const std::string path = dir_ + "/" + std::string(zeek_log_name(log)) + ".log";
    l.file = std::fopen(path.c_str(), "w");
    if (l.file == nullptr) last_error_ = path + ": " + std::strerror(errno);
    char when[32];
    zeek_date(ts_ns, when);
    l.open_ns = ts_ns;
    std::string& o = l.buf;
    put(o, "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\t");
    put(o, zeek_log_name(log));
    put(o, "\n#open\t");
    put(o, when);
    put(o, "\n#fields\t");
    put(o, zeek_log_fields(log));
    put(o, "\n#types\t");
    put(o, zeek_log_types(log));
    o.push_back('\n');
  }
  return l.buf;
}

void ZeekLogWriter::end_row(ZeekLogKind log) {
  Log& l = logs_[static_cast<int>(log)];
  l.buf.push_back('\n');
  ++l.pending;
  ++counters_.rows[static_cast<int>(log)];
  if (l.buf.size() >= kFlushBytes) write_out(log);
}

void ZeekLogWriter::write_out(ZeekLogKind log) {
  Log& l = logs_[static_cast<int>(log)];
  if (l.buf.empty()) return;
  if (l.file == nullptr || std::fwrite(l.buf.data(), 1, l.buf.size(), l.file) != l.buf.size()) {
    counters_.write_errors += l.pending;
    if (l.file != nullptr) last_error_ = dir_ + "/" + std::string(zeek_log_name(log)) + ".log: " + std::strerror(errno);
  }
  l.buf.clear();
  l.pending = 0;
}

void ZeekLogWriter::write(const FlowRecord& r, const dissect::AppMetadata* app) {
  if (finished_) return;
  if (rotate_ns_ != 0) {
    const uint64_t boundary = r.last_ns / rotate_ns_ * rotate_ns_;
    if (next_rotation_ == 0) next_rotation_ = boundary + rotate_ns_;
    if (r.last_ns >= next_rotation_) {
      rotate(next_rotation_);  // closed when its interval ended, as Zeek's timer would
      next_rotation_ = boundary + rotate_ns_;
    }
  }
  clock_ns_ = std::max(clock_ns_, r.last_ns);
  ZeekUid uid_buf;
  const std::string_view uid = zeek_uid(r, uid_buf);
  write_conn(r, app, uid);
  if (app == nullptr) return;
  if (const auto* d = app->dns()) write_dns(r, *d, uid);
  else if (const auto* h = app->http()) write_http(r, *h, uid);
  else if (const auto* t = app->tls()) write_ssl(r, *t, uid);
  else if (const auto* c = app->dhcp()) write_dhcp(r, *c, uid);
  else if (const auto* h = app->ssh()) write_ssh(r, *h, uid);
}

namespace {

// ts uid id.orig_h id.orig_p id.resp_h id.resp_p, shared by conn/dns/http/ssl.
void put_conn_id(std::string& o, const FlowRecord& r, std::string_view uid) {
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

std::string_view history_of(const FlowRecord& r) {
  const auto n = std::find(r.history.begin(), r.history.end(), '\0') - r.history.begin();
  return {r.history.data(), static_cast<std::size_t>(n)};
}

}  // namespace

void ZeekLogWriter::write_conn(const FlowRecord& r, const dissect::AppMetadata* app, std::string_view uid) {
  std::string& o = begin_row(ZeekLogKind::conn, r.last_ns);
  put_conn_id(o, r, uid);
  tab(o);
  put(o, proto_name(r.protocol));
  tab(o);
  put_str_or_unset(o, service_name(r, app));
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
  put_bool(o, zeek_local(r.ip_version, r.src_ip));
  tab(o);
  put_bool(o, zeek_local(r.ip_version, r.dst_ip));
  tab(o);
  // missed_bytes: we do not reassemble, so no gap is measured; 0 as Zeek writes for a
  // connection without content gaps.
  put(o, "0");
  tab(o);
  put_str_or_unset(o, history);
  tab(o);
  put_count(o, r.in_pkts);
  tab(o);
  put_count(o, r.in_bytes);
  tab(o);
  put_count(o, r.out_pkts);
  tab(o);
  put_count(o, r.out_bytes);
  tab(o);
  // tunnel_parents names the carrier's uid in Zeek; we log the inner flow only, so there
  // is no carrier row to point at.
  unset(o);
  tab(o);
  put_count(o, r.protocol);
  end_row(ZeekLogKind::conn);
}

void ZeekLogWriter::write_dns(const FlowRecord& r, const dissect::DnsMeta& d, std::string_view uid) {
  std::string& o = begin_row(ZeekLogKind::dns, r.last_ns);
  char tmp[24];
  put_conn_id(o, r, uid);
  tab(o);
  put(o, proto_name(r.protocol));
  tab(o);
  if (d.has_query || d.has_response) put_count(o, d.query_id);
  else unset(o);
  tab(o);
  // rtt: Zeek's, from the query to the first response with answers.
  if (d.rtt_us != 0 && d.num_answers > 0) put_secs(o, uint64_t{d.rtt_us} * 1000);
  else unset(o);
  tab(o);
  // Zeek's rules (base/protocols/dns/main.zeek): question fields and RD/TC/Z come from
  // the request, AA/RA from a response with answers, a reply alone names its query only
  // through an answer.
  const uint16_t hdr = d.has_query ? d.query_flags : d.response_flags;
  const unsigned opcode = (hdr >> 11) & 0xF;
  const bool answered = d.has_response && d.num_answers > 0;
  if (d.has_query || answered) put_str_or_unset(o, d.query.view());
  else unset(o);
  tab(o);
  if (d.has_query && !d.query.empty()) {
    put_count(o, d.qclass);
    tab(o);
    put(o, dns_qclass_name(d.qclass, tmp));
    tab(o);
    put_count(o, d.query_type);
    tab(o);
    put(o, d.flavour == 3 && d.query_type == 33 ? std::string_view("NBSTAT") : dns_qtype_name(d.query_type, tmp));
  } else {
    put(o, "-\t-\t-\t-");
  }
  tab(o);
  if (d.has_response) {
    put_count(o, d.ret_code);
    tab(o);
    put(o, dns_rcode_name(d.ret_code, tmp));
  } else {
    put(o, "-\t-");
  }
  const bool from_query = d.has_query;
  tab(o);
  put_bool(o, answered && (d.response_flags & 0x0400));  // AA
  tab(o);
  put_bool(o, from_query && (d.query_flags & 0x0200));   // TC
  tab(o);
  put_bool(o, from_query && (d.query_flags & 0x0100));   // RD
  tab(o);
  put_bool(o, answered && (d.response_flags & 0x0080));  // RA
  tab(o);
  put_count(o, from_query ? (d.query_flags >> 4) & 0x7 : 0);  // Z
  tab(o);
  // answers: already ',' joined, Zeek's set separator; escaped otherwise.
  if (d.answers.empty()) unset(o);
  else zeek_escape(d.answers.view(), o);
  tab(o);
  // TTLs: only the first answer's TTL is kept, so only a single answer has its list.
  if (d.num_answers == 1 && !d.answers.empty()) put_secs(o, uint64_t{d.ttl_answer} * 1'000'000'000ull);
  else unset(o);
  tab(o);
  put_bool(o, d.rejected);
  tab(o);
  if (d.has_query || d.has_response) {
    put_count(o, opcode);
    tab(o);
    put(o, dns_opcode_name(opcode, d.flavour == 3, tmp));
  } else {
    put(o, "-\t-");
  }
  end_row(ZeekLogKind::dns);
}

void ZeekLogWriter::write_http(const FlowRecord& r, const dissect::HttpMeta& h, std::string_view uid) {
  std::string& o = begin_row(ZeekLogKind::http, r.last_ns);
  put_conn_id(o, r, uid);
  tab(o);
  // The dissector keeps a flow's first transaction: trans_depth 1.
  if (h.has_request) put_count(o, 1);
  else unset(o);
  tab(o);
  put_str_or_unset(o, h.method.view());
  tab(o);
  put_str_or_unset(o, h.host.view());
  tab(o);
  // Zeek logs the URI with %XX escapes decoded.
  if (!h.has_request && h.url.empty()) {
    unset(o);
  } else {
    char decoded[sizeof(h.url.data)];
    std::size_t n = 0;
    const std::string_view u = h.url.view();
    for (std::size_t i = 0; i < u.size(); ++i) {
      auto hexval = [](char c) -> int {
        return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      };
      if (u[i] == '%' && i + 2 < u.size() && hexval(u[i + 1]) >= 0 && hexval(u[i + 2]) >= 0) {
        decoded[n++] = static_cast<char>(hexval(u[i + 1]) << 4 | hexval(u[i + 2]));
        i += 2;
      } else {
        decoded[n++] = u[i];
      }
    }
    zeek_escape(std::string_view(decoded, n), o);
  }
  tab(o);
  put_str_or_unset(o, h.referer.view());
  tab(o);
  // version: of the response's status line, as Zeek's http_reply sets it.
  if (h.version != 0) {
    o.push_back(static_cast<char>('0' + h.version / 10));
    o.push_back('.');
    o.push_back(static_cast<char>('0' + h.version % 10));
  } else {
    unset(o);
  }
  tab(o);
  put_str_or_unset(o, h.user_agent.view());
  // origin, request_body_len, response_body_len: not kept.
  put(o, "\t-\t-\t-\t");
  if (h.has_response) put_count(o, h.ret_code);
  else unset(o);
  // status_msg info_code info_msg; tags (empty set); username password proxied;
  // orig/resp fuids, filenames, mime_types: Zeek's file analysis, which we do not do.
  put(o, "\t-\t-\t-\t(empty)\t-\t-\t-\t-\t-\t-\t-\t-\t-");
  end_row(ZeekLogKind::http);
}

void ZeekLogWriter::write_ssl(const FlowRecord& r, const dissect::TlsMeta& t, std::string_view uid) {
  std::string& o = begin_row(ZeekLogKind::ssl, r.last_ns);
  char tmp[24];
  put_conn_id(o, r, uid);
  tab(o);
  if (t.has_server_hello && t.version != 0) put(o, tls_version_name(t.version, tmp));
  else unset(o);
  tab(o);
  if (t.has_server_hello) {
    const char* name = ndpi_cipher2str(t.cipher);
    // nDPI prints an unknown suite as hex; Zeek as "unknown-<decimal>".
    if (name == nullptr || std::strncmp(name, "0X", 2) == 0 || std::strncmp(name, "0x", 2) == 0) {
      const int n = std::snprintf(tmp, sizeof tmp, "unknown-%u", t.cipher);
      o.append(tmp, static_cast<std::size_t>(n));
    } else {
      o.append(name);
    }
  } else {
    unset(o);
  }
  // curve: not kept.
  put(o, "\t-\t");
  put_str_or_unset(o, t.server_name.view());
  // resumed, last_alert: not kept.
  put(o, "\t-\t-\t");
  put_str_or_unset(o, t.alpn_negotiated.view());
  // established, ssl_history: not tracked; cert_chain_fps are SHA-256 in Zeek and we
  // keep SHA-1; client_cert_chain_fps, sni_matches_cert: not kept.
  put(o, "\t-\t-\t-\t-\t-");
  end_row(ZeekLogKind::ssl);
}

void ZeekLogWriter::write_dhcp(const FlowRecord& r, const dissect::DhcpMeta& d, std::string_view uid) {
  std::string& o = begin_row(ZeekLogKind::dhcp, r.last_ns);
  put_secs(o, r.first_ns);
  tab(o);
  // uids: Zeek joins one exchange's connections by transaction id; we write one row
  // per flow, so the set holds this flow's uid.
  put(o, uid);
  tab(o);
  // The client is the side on port 68; an unspecified or broadcast address is unset.
  const bool src_is_client = r.src_port == 68 || r.dst_port == 67;
  const auto& client = src_is_client ? r.src_ip : r.dst_ip;
  const auto& server = src_is_client ? r.dst_ip : r.src_ip;
  auto put_v4 = [&o](const uint8_t* a) {
    const bool none = (a[0] | a[1] | a[2] | a[3]) == 0 || (a[0] & a[1] & a[2] & a[3]) == 0xFF;
    if (none) {
      unset(o);
      return;
    }
    std::array<char, 46> buf;
    o.append(format_ipv4(a, buf));
  };
  put_v4(client.data());
  tab(o);
  put_v4(server.data());
  tab(o);
  // Zeek writes MACs in lower case.
  if (d.client_mac == std::array<uint8_t, 6>{}) {
    unset(o);
  } else {
    static constexpr char hex[] = "0123456789abcdef";
    for (int i = 0; i < 6; ++i) {
      if (i) o.push_back(':');
      o.push_back(hex[d.client_mac[i] >> 4]);
      o.push_back(hex[d.client_mac[i] & 15]);
    }
  }
  tab(o);
  put_str_or_unset(o, d.host_name.view());
  // client_fqdn, domain: not kept.
  put(o, "\t-\t-\t");
  put_v4(d.requested_ip.data());
  tab(o);
  put_v4(d.assigned_ip.data());
  // lease_time, client_message, server_message: not kept.
  put(o, "\t-\t-\t-\t");
  // msg_types: Zeek lists the messages in order, repeats included; we keep the set of
  // types seen, written in type order (DISCOVER, OFFER, REQUEST, ... ACK).
  bool any = false;
  for (int t = 1; t < 16; ++t) {
    if (!(d.msg_types & (1u << t))) continue;
    if (any) o.push_back(',');
    put(o, dhcp_msg_type_name(t));
    any = true;
  }
  if (!any) unset(o);
  tab(o);
  put_secs(o, r.last_ns - r.first_ns);
  end_row(ZeekLogKind::dhcp);
}

namespace {

// Zeek's set_version: the major version both identification lines settle on, 1.99
// counting as 2 where the other side speaks 2 (0: they cannot agree).
int ssh_version(std::string_view client, std::string_view server) {
  if (client.size() <= 4 || server.size() <= 4) return -1;
  const auto is_199 = [](std::string_view v) { return v.size() > 7 && v[6] == '9' && v[7] == '9'; };
  const char c = client[4], s = server[4];
  if (c == '1' && s == '2') return is_199(client) ? 2 : 0;
  if (c == '2' && s == '1') return is_199(server) ? 2 : 0;
  if (c == '1' && s == '1') return is_199(server) && is_199(client) ? 2 : 1;
  if (c == '2' && s == '2') return 2;
  return -1;
}

}  // namespace

void ZeekLogWriter::write_ssh(const FlowRecord& r, const dissect::SshMeta& s, std::string_view uid) {
  std::string& o = begin_row(ZeekLogKind::ssh, r.last_ns);
  put_conn_id(o, r, uid);
  tab(o);
  const int version = ssh_version(s.client_signature.view(), s.server_signature.view());
  if (version < 0) unset(o);
  else o.push_back(static_cast<char>('0' + version));
  // auth_success, auth_attempts, direction: Zeek infers the first from encrypted packet
  // sizes and the last from Site::local_nets; neither is done here.
  put(o, "\t-\t0\t-\t");
  put_str_or_unset(o, s.client_signature.view());
  tab(o);
  put_str_or_unset(o, s.server_signature.view());
  for (std::string_view v : {s.cipher_alg.view(), s.mac_alg.view(), s.compression_alg.view(), s.kex_alg.view(),
                             s.host_key_alg.view()}) {
    tab(o);
    put_str_or_unset(o, v);
  }
  // host_key_fingerprint: the server's host key (in its KEXDH reply) is not kept.
  put(o, "\t-");
  end_row(ZeekLogKind::ssh);
}

void ZeekLogWriter::set_retention(Retention* retention) {
  retention_ = retention;
  if (retention == nullptr) return;
  // "<log>.log" is live; "<log>.YYYY-MM-DD-HH-MM-SS[-n].log" a closed one (close_log's names).
  retention->watch("zeek logs", dir_, [](std::string_view name) {
    for (int i = 0; i < kZeekLogCount; ++i) {
      const std::string_view log = zeek_log_name(static_cast<ZeekLogKind>(i));
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
  if (retention_) retention_->maybe_apply();
  for (int i = 0; i < kZeekLogCount; ++i) {
    write_out(static_cast<ZeekLogKind>(i));
    if (logs_[i].file != nullptr) std::fflush(logs_[i].file);
  }
}

void ZeekLogWriter::close_log(int i, uint64_t close_ns, bool rotated) {
  Log& l = logs_[i];
  if (l.file == nullptr) return;
  char when[32];
  zeek_date(close_ns, when);
  l.buf.append("#close\t");
  l.buf.append(when);
  l.buf.push_back('\n');
  write_out(static_cast<ZeekLogKind>(i));
  const std::string name(zeek_log_name(static_cast<ZeekLogKind>(i)));
  const std::string live = dir_ + "/" + name + ".log";
  if (std::fclose(l.file) != 0) last_error_ = live + ": " + std::strerror(errno);
  l.file = nullptr;
  if (!rotated) return;
  char opened[32];
  zeek_date(l.open_ns, opened);
  std::string target = dir_ + "/" + name + "." + opened + ".log";
  // Two files opened within one second (a short interval): keep both.
  for (int n = 1; ::access(target.c_str(), F_OK) == 0; ++n)
    target = dir_ + "/" + name + "." + opened + "-" + std::to_string(n) + ".log";
  if (std::rename(live.c_str(), target.c_str()) != 0) last_error_ = live + ": cannot rotate: " + std::strerror(errno);
  else ++counters_.rotations;
  l.tried = false;  // the next row opens a new file
}

void ZeekLogWriter::rotate(uint64_t boundary_ns) {
  for (int i = 0; i < kZeekLogCount; ++i) close_log(i, boundary_ns, true);
  if (retention_) retention_->apply();
}

bool ZeekLogWriter::finish() {
  if (finished_) return counters_.write_errors == 0 && last_error_.empty();
  finished_ = true;
  for (int i = 0; i < kZeekLogCount; ++i) close_log(i, clock_ns_, false);
  return counters_.write_errors == 0 && last_error_.empty();
}

}  // namespace flowprobe
