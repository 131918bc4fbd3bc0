// yaf_flow.log rows: yafscii's tabular fields after the sensor's yaf.awk (trimmed,
// protocol keyword, epoch ts), see yaf_flow.hpp.
#include "export/yaf_flow.hpp"

#include <cstdio>
#include <ctime>

#include "export/eve.hpp"
#include "export/json_writer.hpp"
#include "export/zeek_format.hpp"

namespace flowprobe {

const std::string_view kYafFlowHeader =
    "#ts     start-time      end-time        duration        rtt     proto   sip     sp      dip     dp "
    "srcMacAddress    destMacAddress  iflags  uflags  riflags ruflags isn     risn    tag     rtag    pktoct      "
    "rpkt    roct    end-reason";

namespace {

// yaf.awk's PROTO_DICT for 0..143 (its 84 is written twice; the second, "iptm", wins);
// "" is a number it has no keyword for. 144..254 have none; 255 is "reserved".
constexpr std::string_view kProtoKeywords[144] = {
    "hopopt", "icmp", "igmp", "ggp", "ipv4", "st", "tcp", "cbt", "egp", "igp", "bbn-rcc-mon", "nvp-ii",
    "pup", "argus (deprecated)", "emcon", "xnet", "chaos", "udp", "mux", "dcn-meas", "hmp", "prm", "xns-idp",
    "trunk-1", "trunk-2", "leaf-1", "leaf-2", "rdp", "irtp", "iso-tp4", "netblt", "mfe-nsp", "merit-inp",
    "dccp", "3pc", "idpr", "xtp", "ddp", "idpr-cmtp", "tp++", "il", "ipv6", "sdrp", "ipv6-route",
    "ipv6-frag", "idrp", "rsvp", "gre", "dsr", "bna", "esp", "ah", "i-nlsp", "swipe (deprecated)", "narp",
    "mobile", "tlsp", "skip", "ipv6-icmp", "ipv6-nonxt", "ipv6-opts", "", "cftp", "", "sat-expak",
    "kryptolan", "rvd", "ippc", "", "sat-mon", "visa", "ipcv", "cpnx", "cphb", "wsn", "pvp", "br-sat-mon",
    "sun-nd", "wb-mon", "wb-expak", "iso-ip", "vmtp", "secure-vmtp", "vines", "iptm", "nsfnet-igp", "dgp",
    "tcf", "eigrp", "ospfigp", "sprite-rpc", "larp", "mtp", "ax.25", "ipip", "micp (deprecated)", "scc-sp",
    "etherip", "encap", "", "gmtp", "ifmp", "pnni", "pim", "aris", "scps", "qnx", "a/n", "ipcomp", "snp",
    "compaq-peer", "ipx-in-ip", "vrrp", "pgm", "", "l2tp", "ddx", "iatp", "stp", "srp", "uti", "smp",
    "sm (deprecated)", "ptp", "isis over ipv4", "fire", "crtp", "crudp", "sscopmce", "iplt", "sps", "pipe",
    "sctp", "fc", "rsvp-e2e-ignore", "mobility header", "udplite", "mpls-in-ip", "manet", "hip", "shim6",
    "wesp", "rohc", "ethernet",
};

// YAF's times are milliseconds: "YYYY-MM-DD HH:MM:SS.mmm", UTC (air_mstime, ISO 8601).
void put_ms_time(std::string& o, uint64_t ms) {
  const time_t secs = static_cast<time_t>(ms / 1000);
  tm t;
  gmtime_r(&secs, &t);
  char b[32];
  const int n = std::snprintf(b, sizeof b, "%04d-%02d-%02d %02d:%02d:%02d.%03u", t.tm_year + 1900, t.tm_mon + 1,
                              t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, static_cast<unsigned>(ms % 1000));
  o.append(b, static_cast<std::size_t>(n));
}

// "%8.3f" of a millisecond count, trimmed: seconds with 3 decimals.
void put_ms_secs(std::string& o, uint64_t ms) {
  zeek::put_count(o, ms / 1000);
  char frac[4] = {'.', static_cast<char>('0' + ms / 100 % 10), static_cast<char>('0' + ms / 10 % 10),
                  static_cast<char>('0' + ms % 10)};
  o.append(frac, 4);
}

void put_mac(std::string& o, const std::array<uint8_t, 6>& m) {
  std::array<char, 17> buf;
  o.append(eve::mac_lower(m, buf));
}

// "%03hx": a 12-bit VLAN id as three hex digits.
void put_tag(std::string& o, uint16_t vlan) {
  char b[8];
  const int n = std::snprintf(b, sizeof b, "%03hx", vlan);
  o.append(b, static_cast<std::size_t>(n));
}

// YAF's end reasons (yafcore.c): idle, active, eof (YAF_END_FORCED: the input ended or
// the probe stopped), rsrc (evicted for room). A TCP close has no word (and no row here).
std::string_view end_reason(FlowEndCause c) {
  switch (c) {
    case FlowEndCause::idle_timeout: return "idle";
    case FlowEndCause::active_timeout: return "active";
    case FlowEndCause::end_of_capture: return "eof";
    case FlowEndCause::table_full: return "rsrc";
    case FlowEndCause::tcp_fin:
    case FlowEndCause::tcp_rst: break;
  }
  return {};
}

}  // namespace

std::string_view yaf_proto_name(uint8_t p, char (&tmp)[32]) {
  if (p < std::size(kProtoKeywords) && !kProtoKeywords[p].empty()) return kProtoKeywords[p];
  if (p == 255) return "reserved";
  const int n = std::snprintf(tmp, sizeof tmp, "Unassigned Protocol(%u)", p);
  return {tmp, static_cast<std::size_t>(n)};
}

void put_yaf_row(std::string& o, const FlowRecord& r) {
  using zeek::put_count;
  using zeek::tab;
  const uint64_t first_ms = r.first_ns / 1'000'000, last_ms = r.last_ns / 1'000'000;
  // ts: start-time as epoch seconds, its milliseconds kept (yaf.awk's mktime + ".mmm").
  put_count(o, first_ms / 1000);
  o.push_back('.');
  char ms[3] = {static_cast<char>('0' + first_ms / 100 % 10), static_cast<char>('0' + first_ms / 10 % 10),
                static_cast<char>('0' + first_ms % 10)};
  o.append(ms, 3);
  tab(o);
  put_ms_time(o, first_ms);
  tab(o);
  put_ms_time(o, last_ms);
  tab(o);
  put_ms_secs(o, last_ms - first_ms);
  tab(o);
  // rtt: YAF's reverse delta, first packet to the server's first, in its milliseconds.
  const uint64_t rev_ms = r.reverse_delay_us ? (r.first_ns + uint64_t{r.reverse_delay_us - 1} * 1000) / 1'000'000 : first_ms;
  put_ms_secs(o, rev_ms - first_ms);
  tab(o);
  char tmp[32];
  o.append(yaf_proto_name(r.protocol, tmp));
  tab(o);
  std::array<char, 46> buf;
  o.append(r.ip_version == 6 ? format_ipv6(r.src_ip.data(), buf) : format_ipv4(r.src_ip.data(), buf));
  tab(o);
  put_count(o, r.src_port);
  tab(o);
  o.append(r.ip_version == 6 ? format_ipv6(r.dst_ip.data(), buf) : format_ipv4(r.dst_ip.data(), buf));
  tab(o);
  put_count(o, r.dst_port);
  tab(o);
  put_mac(o, r.src_mac);
  tab(o);
  put_mac(o, r.dst_mac);
  // iflags uflags riflags ruflags: TCP's, empty for every protocol this log holds; isn
  // risn likewise zero.
  o.append("\t\t\t\t\t00000000\t00000000\t");
  // tag/rtag: the flow is keyed by its VLAN, so both sides' first packets carry the same
  // tag; YAF writes rtag 000 when the server sent nothing.
  put_tag(o, r.vlan);
  tab(o);
  put_tag(o, r.out_pkts ? r.vlan : 0);
  tab(o);
  zeek::put_directional_counts(o, r);
  tab(o);
  o.append(end_reason(r.end_cause));
}

}  // namespace flowprobe
