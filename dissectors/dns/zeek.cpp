// dns.log as Zeek writes it (base scripts, default columns): one row per transaction.
#include <algorithm>
#include <cstdio>
#include <cstring>

#include "dissectors/dns/dns.hpp"
#include "export/json_writer.hpp"
#include "export/zeek_format.hpp"

namespace flowprobe::dissect {
// Type and response code names as Zeek spells them (Suricata's eve uses the same).
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

namespace {

using namespace flowprobe::zeek;

constexpr std::string_view kColumns =
    "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\trtt\tquery\tqclass\tqclass_name\t"
    "qtype\tqtype_name\trcode\trcode_name\tAA\tTC\tRD\tRA\tZ\tanswers\tTTLs\trejected\topcode\topcode_name";
// The OsecT sensor's dns.log (spec §2.5): Zeek's default columns without opcode/opcode_name.
constexpr std::string_view kOsectColumns =
    "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\trtt\tquery\tqclass\tqclass_name\t"
    "qtype\tqtype_name\trcode\trcode_name\tAA\tTC\tRD\tRA\tZ\tanswers\tTTLs\trejected";
constexpr std::string_view kTypes =
    "time\tstring\taddr\tport\taddr\tport\tenum\tcount\tinterval\tstring\tcount\tstring\tcount\tstring\tcount\t"
    "string\tbool\tbool\tbool\tbool\tcount\tvector[string]\tvector[interval]\tbool\tcount\tstring";

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

void write_row(const ZeekRowSource& s, std::string& o) {
  const DnsMeta& d = *s.app.dns();
  char tmp[24];
  put_conn_id(o, s);
  tab(o);
  put(o, proto_name(s.protocol));
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
  // TTLs: one per answer in `answers`, when every answer was kept (the first
  // DnsMeta::kAnswers have theirs); otherwise unset rather than a list that does not
  // line up with the answers.
  if (!d.answers.empty() && !d.answers.truncated && d.num_answers <= DnsMeta::kAnswers &&
      d.answers_kept == d.num_answers) {
    for (int i = 0; i < d.answers_kept; ++i) {
      if (i) o.push_back(',');
      put_secs(o, uint64_t{d.answer_ttl[i]} * 1'000'000'000ull);
    }
  } else {
    unset(o);
  }
  tab(o);
  put_bool(o, d.rejected);
  if (s.profile == LogProfile::osect) return;
  tab(o);
  if (d.has_query || d.has_response) {
    put_count(o, opcode);
    tab(o);
    put(o, dns_opcode_name(opcode, d.flavour == 3, tmp));
  } else {
    put(o, "-\t-");
  }
}

}  // namespace

const ZeekLog kDnsLog{"dns", kColumns, kTypes, write_row, false, kOsectColumns};

}  // namespace flowprobe::dissect
