// IPv6 neighbour discovery: the protocol's descriptor and its sightings' eve object ("event_type":"ndp").
#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>

#include "dissectors/ndp/ndp.hpp"
#include "dissectors/protocols.hpp"
#include "export/eve.hpp"
#include "export/zeek_format.hpp"

namespace flowprobe::dissect {
namespace {

const char* ndp_name(unsigned t) {
  switch (t) {
    case 133: return "router_solicitation";
    case 134: return "router_advertisement";
    case 135: return "neighbor_solicitation";
    case 136: return "neighbor_advertisement";
  }
  return "unknown";
}

void write_event(const AssetEvent& e, JsonWriter& w) {
  std::array<char, 46> ip;
  std::array<char, 17> mac;
  const auto addr = [&](const std::array<uint8_t, 16>& a, uint8_t v) { return eve::addr(a, v, ip); };
  w.key("ndp");
  w.begin_object();
  w.key("type");
  w.value_raw_string(ndp_name(e.op));
  w.key("src_mac");
  w.value_raw_string(eve::mac_lower(e.src_mac, mac));
  w.key("src_ip");
  w.value_raw_string(addr(e.src_ip, 6));
  if (e.op >= 135) {
    w.key("target_ip");
    w.value_raw_string(addr(e.dst_ip, 6));
  }
  if (e.dst_mac != std::array<uint8_t, 6>{}) {
    w.key("link_layer_address");
    w.value_raw_string(eve::mac_lower(e.dst_mac, mac));
  }
  w.end_object();
}

// ns.log (spec §2.4), in the spec's column order. A solicitation: its sender asks for
// the target; an advertisement: the host it answers (the frame's destination) hears
// that the target is at the sender's MAC. An advertisement to a multicast group
// (unsolicited, answering nobody) and router messages are not recorded.
bool write_log_key(const AssetEvent& e, std::string& o) {
  using namespace zeek;
  if (e.op == 135) {
    put_mac(o, e.src_mac);
    tab(o);
    put_addr(o, 6, e.src_ip);
    put(o, "\t-\t");
    put_addr(o, 6, e.dst_ip);
    tab(o);
    put_addr(o, 6, e.dst_ip);
    return true;
  }
  if (e.op == 136 && e.u.ndp.dst_ip[0] != 0xff) {
    put_mac(o, e.u.ndp.dst_mac);
    tab(o);
    put_addr(o, 6, e.u.ndp.dst_ip);
    tab(o);
    put_mac(o, e.src_mac);
    tab(o);
    put_addr(o, 6, e.dst_ip);
    put(o, "\t-");
    return true;
  }
  return false;
}

const AssetLog kNsLog{
    .name = "ns",
    .fields = "ts\torig_mac\torig_ip\tresp_mac\tresp_ip\twho_has",
    .types = "time\tstring\taddr\tstring\taddr\taddr",
    .write_key = write_log_key,
};

}  // namespace

const Protocol kNdpProtocol{
    .name = "ndp",
    .kind = AppKind::ndp,
    .asset = &kNdpAsset,
    .write_event = write_event,
    .asset_log = &kNsLog,
};

}  // namespace flowprobe::dissect
