// DHCPv6: the protocol's descriptor and its sightings' eve object ("event_type":"dhcpv6").
#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>

#include "dissectors/dhcpv6/dhcpv6.hpp"
#include "dissectors/protocols.hpp"
#include "export/eve.hpp"
#include "export/zeek_format.hpp"

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

// dhcpv6.log (spec §2.11): client messages to the server port (solicit, request,
// confirm, renew, rebind, release, decline, information-request; a relay's forward is
// the relay's, not a client's), with option 39's name, option 6's codes and option 16.
bool write_log_key(const AssetEvent& e, std::string& o) {
  using namespace zeek;
  const Dhcpv6Fields& d = e.u.dhcpv6;
  const unsigned t = d.msg_type;
  if (e.dst_port != 547 || d.hop_count != 0 || !(t == 1 || (t >= 3 && t <= 6) || t == 8 || t == 9 || t == 11))
    return false;
  put_addr(o, 6, e.src_ip);
  tab(o);
  put_mac(o, e.src_mac);
  tab(o);
  if (d.has_fqdn) put_printable(o, e.host_name);
  else unset(o);
  tab(o);
  if (d.n_oro == 0) unset(o);
  for (unsigned i = 0; i < d.n_oro; ++i) {
    if (i) o.push_back(',');
    put_count(o, d.oro[i]);
  }
  tab(o);
  if (d.has_vendor_class) {
    put_count(o, d.enterprise);
    tab(o);
    put_str_or_unset(o, e.class_id);
  } else {
    put(o, "-\t-");
  }
  return true;
}

const AssetLog kDhcpv6Log{
    .name = "dhcpv6",
    .fields = "ts\tsrc_iP\tsrc_mac\thostname\tfinger_print\tenterprise_number\tvendor_class",
    .types = "time\taddr\tstring\tstring\tvector[count]\tcount\tstring",
    .write_key = write_log_key,
};

}  // namespace

const Protocol kDhcpv6Protocol{
    .name = "dhcpv6",
    .kind = AppKind::dhcpv6,
    .asset = &kDhcpv6Asset,
    .write_event = write_event,
    .asset_log = &kDhcpv6Log,
};

}  // namespace flowprobe::dissect
