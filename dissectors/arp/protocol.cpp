// ARP: the protocol's descriptor and its sightings' eve object ("event_type":"arp").
#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>

#include "dissectors/arp/arp.hpp"
#include "dissectors/protocols.hpp"
#include "export/eve.hpp"
#include "export/zeek_format.hpp"

namespace flowprobe::dissect {
namespace {

void write_event(const AssetEvent& e, JsonWriter& w) {
  std::array<char, 46> ip;
  std::array<char, 17> mac;
  const auto addr = [&](const std::array<uint8_t, 16>& a, uint8_t v) { return eve::addr(a, v, ip); };
  eve::vlan(e.vlan, w);
  w.key("arp");
  w.begin_object();
  w.key("hw_type");
  w.value_raw_string("ethernet");
  w.key("proto_type");
  w.value_raw_string("ipv4");
  w.key("opcode");
  w.value_raw_string(e.op == 1 ? "request" : e.op == 2 ? "reply" : e.op == 3 ? "rarp_request" : e.op == 4 ? "rarp_reply" : "unknown");
  w.key("src_mac");
  w.value_raw_string(eve::mac_lower(e.src_mac, mac));
  w.key("src_ip");
  w.value_raw_string(addr(e.src_ip, 4));
  w.key("dest_mac");
  w.value_raw_string(eve::mac_lower(e.dst_mac, mac));
  w.key("dest_ip");
  w.value_raw_string(addr(e.dst_ip, 4));
  w.end_object();
}

// arp.log (spec §2.3): the spec's 9 columns. A request: the sender asks who has the
// target address; a reply: the target (who asked) hears that the sender is at its MAC.
// unsolicited, no_resp and is_at are "not recorded": unset.
bool write_log_key(const AssetEvent& e, std::string& o) {
  using namespace zeek;
  if (e.op == 1) {
    put_mac(o, e.src_mac);
    tab(o);
    put_addr(o, 4, e.src_ip);
    put(o, "\t-\t");
    put_addr(o, 4, e.dst_ip);
    put(o, "\t-\t-\t");
    put_addr(o, 4, e.dst_ip);
    put(o, "\t-");
    return true;
  }
  if (e.op == 2) {
    put_mac(o, e.dst_mac);
    tab(o);
    put_addr(o, 4, e.dst_ip);
    tab(o);
    put_mac(o, e.src_mac);
    tab(o);
    put_addr(o, 4, e.src_ip);
    put(o, "\t-\t-\t-\t-");
    return true;
  }
  return false;  // RARP
}

const AssetLog kArpLog{
    .name = "arp",
    .fields = "ts\torig_mac\torig_ip\tresp_mac\tresp_ip\tunsolicited\tno_resp\twho_has\tis_at",
    .types = "time\tstring\taddr\tstring\taddr\tbool\tbool\taddr\tstring",
    .write_key = write_log_key,
};

}  // namespace

const Protocol kArpProtocol{
    .name = "arp",
    .kind = AppKind::arp,
    .asset = &kArpAsset,
    .write_event = write_event,
    .asset_log = &kArpLog,
};

}  // namespace flowprobe::dissect
