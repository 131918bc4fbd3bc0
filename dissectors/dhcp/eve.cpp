// DHCP's eve "dhcp" object: one per message, Suricata's `extended` shape
// (rust/src/dhcp/logger.rs).
#include <cstdio>
#include <string>

#include "dissectors/dhcp/dhcp.hpp"
#include "export/eve.hpp"

namespace flowprobe::dissect {
namespace {

// Suricata's names: types 1..8, the rest "unknown".
const char* dhcp_type_name(unsigned t) {
  static const char* const kNames[] = {"unknown", "discover", "offer", "request", "decline",
                                       "ack",     "nak",      "release", "inform"};
  return t < std::size(kNames) ? kNames[t] : "unknown";
}

// Suricata logs only the requested parameters it has names for.
const char* dhcp_param_name(unsigned code) {
  switch (code) {
    case 1: return "subnet_mask";
    case 3: return "router";
    case 6: return "dns_server";
    case 15: return "domain";
    case 35: return "arp_timeout";
    case 42: return "ntp_server";
    case 66: return "tftp_server_name";
    case 150: return "tftp_server_ip";
  }
  return nullptr;
}

}  // namespace

// Suricata's eve "dhcp" object with `extended: yes` (rust/src/dhcp/logger.rs), for a
// sighting and a transaction alike.
void write_dhcp_object(const DhcpFields& d, const char* host_name, const char* class_id, JsonWriter& w) {
  std::array<char, 46> ip;
  const auto ip4 = [&](const std::array<uint8_t, 4>& a) { return std::string(eve::ipv4(a, ip)); };
  w.key("dhcp");
  w.begin_object();
  w.key("type");
  w.value_raw_string(d.bootp_op == 1 ? "request" : d.bootp_op == 2 ? "reply" : "<unknown>");
  w.key("id");
  w.value_uint(d.xid);
  w.key("client_mac");
  w.value_raw_string(eve::hex_bytes(d.client_mac.data(), d.client_mac_len));
  w.key("assigned_ip");
  w.value_raw_string(ip4(d.assigned_ip));
  w.key("client_ip");
  w.value_raw_string(ip4(d.client_ip));
  if (d.bootp_op == 2) {
    w.key("relay_ip");
    w.value_raw_string(ip4(d.relay_ip));
    w.key("next_server_ip");
    w.value_raw_string(ip4(d.next_server_ip));
  }
  if (d.client_id_len) {
    w.key("client_id");
    w.value_raw_string(eve::hex_bytes(d.client_id, d.client_id_len));
  }
  if (d.msg_type) {
    w.key("dhcp_type");
    w.value_raw_string(dhcp_type_name(d.msg_type));
  }
  if (d.host_name_len) {
    w.key("hostname");
    w.value_json(eve::quoted(std::string_view(host_name, d.host_name_len)));
  }
  if (class_id[0]) {
    w.key("vendor_class_identifier");
    w.value_json(eve::quoted(class_id));
  }
  if (d.present & DhcpFields::kHasRequested) {
    w.key("requested_ip");
    w.value_raw_string(ip4(d.requested_ip));
  }
  if (d.n_params) {
    std::string a = "[";
    for (unsigned i = 0; i < d.n_params; ++i)
      if (const char* n = dhcp_param_name(d.params[i])) a.append(a.size() > 1 ? ",\"" : "\"").append(n).append("\"");
    w.key("params");
    w.value_json(a + "]");
  }
  if (d.present & DhcpFields::kHasLease) {
    w.key("lease_time");
    w.value_uint(d.lease_time);
  }
  if (d.present & DhcpFields::kHasRenewal) {
    w.key("renewal_time");
    w.value_uint(d.renewal_time);
  }
  if (d.present & DhcpFields::kHasRebinding) {
    w.key("rebinding_time");
    w.value_uint(d.rebinding_time);
  }
  if (d.present & DhcpFields::kHasSubnet) {
    w.key("subnet_mask");
    w.value_raw_string(ip4(d.subnet_mask));
  }
  const auto list = [&](const char* k, const std::array<std::array<uint8_t, 4>, 4>& v, unsigned n) {
    std::string a = "[";
    for (unsigned i = 0; i < n; ++i) a.append(i ? ",\"" : "\"").append(ip4(v[i])).append("\"");
    w.key(k);
    w.value_json(a + "]");
  };
  if (d.present & DhcpFields::kHasRouters) list("routers", d.routers, d.n_routers);
  if (d.present & DhcpFields::kHasDns) list("dns_servers", d.dns_servers, d.n_dns);
  w.end_object();
}

void dhcp_write_event(const AssetEvent& e, JsonWriter& w) {
  eve::sighting_head(e, w);
  write_dhcp_object(e.u.dhcp, e.host_name, e.class_id, w);
}

void dhcp_write_eve(const AppMetadata& tx, uint32_t, uint8_t, JsonWriter& w) {
  if (const DhcpMeta* d = tx.dhcp()) write_dhcp_object(d->msg, d->msg_host_name, d->msg_class_id, w);
}

}  // namespace flowprobe::dissect
