// NetBIOS name service: the protocol's descriptor and its sightings' eve object ("event_type":"netbios_ns").
#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>

#include "dissectors/netbios_ns/netbios_ns.hpp"
#include "dissectors/protocols.hpp"
#include "export/eve.hpp"
#include "export/zeek_format.hpp"

namespace flowprobe::dissect {
namespace {

void write_event(const AssetEvent& e, JsonWriter& w) {

  static const char* const kOps[] = {"query", "", "", "", "", "registration", "release", "wack", "refresh", "refresh"};
  const unsigned op = e.op & 15;
  w.key("netbios_ns");
  w.begin_object();
  w.key("opcode");
  w.value_raw_string(op < std::size(kOps) && kOps[op][0] ? kOps[op] : "other");
  w.key("response");
  w.value_raw_string(e.op >= 16 ? "yes" : "no");
  w.key("name");
  w.value_string(e.host_name);
  w.key("service_type");
  w.value_uint(e.msg_types);
  w.key("ttl");
  w.value_uint(e.ttl);
  eve::sender(e, w);
  w.end_object();
}

// netbios-ns.log (spec §2.9): name registrations (opcode 5) of unique names (the
// additional record's group bit clear), each with its TTL and the service its 16th byte
// names, in the words of the OsecT sensor's table.
std::string_view service_type_name(unsigned suffix) {
  switch (suffix) {
    case 0x00: return "Workstation";
    case 0x01: return "Master Browser";
    case 0x03: return "Messenger";
    case 0x06: return "RAS Server";
    case 0x1b: return "Domain Master Browser";
    case 0x1c: return "Domain Controllers";
    case 0x1d: return "Master Browser";
    case 0x1e: return "Browser Service Elections";
    case 0x1f: return "NetDDE";
    case 0x20: return "Server";
    case 0x21: return "RAS Client";
    case 0xbe: return "Network Monitor Agent";
    case 0xbf: return "Network Monitor Application";
  }
  return "Unknown";
}

bool write_log_key(const AssetEvent& e, std::string& o) {
  using namespace zeek;
  if (e.op != 5 || !e.u.netbios.has_nb_flags || (e.u.netbios.nb_flags & 0x8000)) return false;
  put_addr(o, e.ip_version, e.src_ip);
  tab(o);
  put_mac(o, e.src_mac);
  tab(o);
  std::string name;
  for (const char* c = e.host_name; *c; ++c)
    if (*c != ' ') name.push_back(*c);
  put_str_or_unset(o, name);
  tab(o);
  put_count(o, e.ttl);
  tab(o);
  put(o, service_type_name(e.msg_types));
  return true;
}

const AssetLog kNetbiosNsLog{
    .name = "netbios-ns",
    .fields = "ts\tsrc_iP\tsrc_mac\tname\tttl\tservice_type",
    .types = "time\taddr\tstring\tstring\tcount\tstring",
    .write_key = write_log_key,
};

}  // namespace

const Protocol kNetbiosNsProtocol{
    .name = "netbios_ns",
    .kind = AppKind::netbios_ns,
    .asset = &kNetbiosNsAsset,
    .write_event = write_event,
    .asset_log = &kNetbiosNsLog,
};

}  // namespace flowprobe::dissect
