// DHCPv6: the protocol's descriptor and its sightings' eve object ("event_type":"dhcpv6").
#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>

#include "dissectors/dhcpv6/dhcpv6.hpp"
#include "dissectors/protocols.hpp"
#include "export/eve.hpp"

namespace flowprobe::dissect {
namespace {

// RFC 8415 7.3, lower case.
const char* dhcpv6_type_name(unsigned t) {
  static const char* const kNames[] = {"unknown", "solicit", "advertise", "request", "confirm", "renew", "rebind",
                                       "reply", "release", "decline", "reconfigure", "information_request",
                                       "relay_forw", "relay_repl"};
  return t < std::size(kNames) ? kNames[t] : "unknown";
}

void write_event(const AssetEvent& e, JsonWriter& w) {
  std::array<char, 17> mac;
  const Dhcpv6Fields& d = e.u.dhcpv6;
  eve::sighting_head(e, w);
  w.key("dhcpv6");
  w.begin_object();
  w.key("type");
  w.value_raw_string(dhcpv6_type_name(d.msg_type));
  w.key("transaction_id");
  w.value_uint(d.transaction_id);
  if (d.hop_count) {
    w.key("relay_hop_count");
    w.value_uint(d.hop_count);
  }
  if (d.duid_len) {
    w.key("client_duid");
    w.value_raw_string(eve::hex_bytes(d.duid, d.duid_len));
  }
  if (d.has_lladdr) {
    w.key("client_mac");
    w.value_raw_string(eve::mac_lower(d.lladdr, mac));
  }
  if (d.has_fqdn) {
    w.key("client_fqdn");
    w.value_json(eve::quoted(e.host_name));
    w.key("fqdn_flags");
    w.value_uint(d.fqdn_flags);
  }
  if (d.n_oro) {
    std::string a = "[";
    for (unsigned i = 0; i < d.n_oro; ++i) a.append(i ? "," : "").append(std::to_string(d.oro[i]));
    w.key("option_request");
    w.value_json(a + "]");
  }
  if (d.has_vendor_class) {
    w.key("vendor_enterprise");
    w.value_uint(d.enterprise);
    w.key("vendor_class");
    w.value_json(eve::quoted(e.class_id));
  }
  w.end_object();
}

}  // namespace

const Protocol kDhcpv6Protocol{
    .name = "dhcpv6",
    .kind = AppKind::dhcpv6,
    .asset = &kDhcpv6Asset,
    .write_event = write_event,
};

}  // namespace flowprobe::dissect
