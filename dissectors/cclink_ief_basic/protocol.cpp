// CC-Link IE Field Basic: the protocol's descriptor and its sightings' eve object ("event_type":"cclink_ief_basic").
#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>

#include "dissectors/cclink_ief_basic/cclink_ief_basic.hpp"
#include "dissectors/protocols.hpp"
#include "export/eve.hpp"

namespace flowprobe::dissect {
namespace {

void write_event(const AssetEvent& e, JsonWriter& w) {
  std::array<char, 46> ip;
  const auto ip4 = [&](const std::array<uint8_t, 4>& a) { return std::string(eve::ipv4(a, ip)); };
  const CclinkFields& c = e.u.cclink;
  const bool cyclic = e.src_port == 61450 || e.dst_port == 61450;
  eve::sighting_head(e, w);
  w.key("cclink_ief_basic");
  w.begin_object();
  w.key("pdu");
  w.value_raw_string(cyclic ? (c.response ? "cyclic_response" : "cyclic_request")
                            : (c.response ? "slmp_response" : "slmp_request"));
  char buf[16];
  const auto hex16 = [&](const char* k, unsigned v) {
    std::snprintf(buf, sizeof buf, "0x%04x", v);
    w.key(k);
    w.value_raw_string(buf);
  };
  if (!c.response) {
    hex16("command", c.command);
    if (c.command == 0x0E70) {
      w.key("command_name");
      w.value_raw_string("cyclic");
    }
    hex16("sub_command", c.sub_command);
  } else {
    hex16("end_code", c.end_code);
  }
  if (cyclic && (c.response || c.command == 0x0E70)) {
    w.key("protocol_version");
    w.value_uint(c.protocol_version);
    w.key("frame_sequence_no");
    w.value_uint(c.frame_sequence_no);
    w.key("group_no");
    w.value_uint(c.group_no);
    w.key(c.response ? "slave_id" : "master_id");
    w.value_raw_string(ip4(c.node_id));
    w.key("unit_info");
    w.value_raw_string(c.unit_info == 1 ? "running" : c.unit_info == 0 ? "stopped" : c.unit_info == 2 ? "stopped_by_user" : "other");
    if (!c.response) {
      w.key("occupied_stations");
      w.value_uint(c.occupied_stations);
      w.key("parameter_no");
      w.value_uint(c.parameter_no);
      hex16("cyclic_state", c.cyclic_state);
    } else {
      hex16("vendor_code", c.vendor_code);
      std::snprintf(buf, sizeof buf, "0x%08x", c.model_code);
      w.key("model_code");
      w.value_raw_string(buf);
      hex16("equipment_version", c.equipment_version);
    }
  }
  w.end_object();
}

}  // namespace

const Protocol kCclinkIefBasicProtocol{
    .name = "cclink_ief_basic",
    .kind = AppKind::cclink_ief_basic,
    .asset = &kCclinkIefBasicAsset,
    .write_event = write_event,
};

}  // namespace flowprobe::dissect
