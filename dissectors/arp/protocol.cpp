// ARP: the protocol's descriptor and its sightings' eve object ("event_type":"arp").
#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>

#include "dissectors/arp/arp.hpp"
#include "dissectors/protocols.hpp"
#include "export/eve.hpp"

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

}  // namespace

const Protocol kArpProtocol{
    .name = "arp",
    .kind = AppKind::arp,
    .asset = &kArpAsset,
    .write_event = write_event,
};

}  // namespace flowprobe::dissect
