// dhcp.log as Zeek writes it (base scripts, default columns): one row per flow (its first transaction).
#include <algorithm>
#include <cstdio>
#include <cstring>

#include "dissectors/dhcp/dhcp.hpp"
#include "export/json_writer.hpp"
#include "export/zeek_format.hpp"

namespace flowprobe::dissect {
namespace {

using namespace flowprobe::zeek;

constexpr std::string_view kColumns =
    "ts\tuids\tclient_addr\tserver_addr\tmac\thost_name\tclient_fqdn\tdomain\trequested_addr\tassigned_addr\t"
    "lease_time\tclient_message\tserver_message\tmsg_types\tduration";
constexpr std::string_view kTypes =
    "time\tset[string]\taddr\taddr\tstring\tstring\tstring\tstring\taddr\taddr\tinterval\tstring\tstring\t"
    "vector[string]\tinterval";

std::string_view dhcp_msg_type_name(int t) {
  static constexpr std::string_view k[] = {"",           "DISCOVER",        "OFFER",        "REQUEST",
                                           "DECLINE",    "ACK",             "NAK",          "RELEASE",
                                           "INFORM",     "FORCERENEW",      "LEASEQUERY",   "LEASEUNASSIGNED",
                                           "LEASEUNKNOWN", "LEASEACTIVE",   "BULKLEASEQUERY", "LEASEQUERYDONE"};
  return t > 0 && t < static_cast<int>(std::size(k)) ? k[t] : std::string_view{};
}

void write_row(const ZeekRowSource& s, std::string& o) {
  const FlowRecord& r = *s.flow;
  const DhcpMeta& d = *s.app.dhcp();
  const std::string_view uid = s.uid;
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
}

}  // namespace

const ZeekLog kDhcpLog{"dhcp", kColumns, kTypes, write_row, /*per_flow=*/true};

}  // namespace flowprobe::dissect
