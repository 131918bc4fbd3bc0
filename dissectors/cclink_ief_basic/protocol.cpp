// CC-Link IE Field Basic: the protocol's descriptor and its sightings' eve object ("event_type":"cclink_ief_basic").
#include <algorithm>
#include <cstring>
#include <cstdio>
#include <string>
#include <utility>

#include "dissectors/cclink_ief_basic/cclink_ief_basic.hpp"
#include "dissectors/protocols.hpp"
#include "export/eve.hpp"
#include "export/zeek_format.hpp"
#include "export/zeek_logs.hpp"

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

// cclink-ief-basic.log (spec §2.13): the cyclic exchange (UDP 61450), one row per
// direction and PDU kind per window, with how many frames and the last one's time. The
// uid is the station pair's (both directions share it); the asset path does not see the
// flow table's ids, so it is not conn.log's uid for the same flow.
bool write_log_key(const AssetEvent& e, std::string& o) {
  using namespace zeek;
  const CclinkFields& c = e.u.cclink;
  if (e.src_port != 61450 && e.dst_port != 61450) return false;  // SLMP (61451) is not this log's
  uint64_t a = 0, b = 0;
  std::memcpy(&a, e.src_ip.data(), 4);
  std::memcpy(&b, e.dst_ip.data(), 4);
  a = a << 16 | e.src_port;
  b = b << 16 | e.dst_port;
  ZeekUid uid;
  put(o, zeek_uid(std::min(a, b) * 0x9E3779B97F4A7C15ull ^ std::max(a, b) ^ 0xCC11'4EF0ull, uid));
  tab(o);
  put_addr(o, 4, e.src_ip);
  tab(o);
  put_count(o, e.src_port);
  tab(o);
  put_addr(o, 4, e.dst_ip);
  tab(o);
  put_count(o, e.dst_port);
  tab(o);
  if (c.response) {
    put(o, "cyclicDataRes\t-");
  } else if (c.command == 0x0E70) {
    put(o, "cyclicDataReq\tcyclic");
  } else {
    char buf[40];
    // The command as it is on the wire (little-endian).
    put(o, std::string_view(buf, static_cast<std::size_t>(std::snprintf(buf, sizeof buf, "cyclicDataReq\tunknown_ct_%02x%02x",
                                                                         c.command & 0xFF, c.command >> 8))));
  }
  return true;
}

const AssetLog kCclinkIefBasicLog{
    .name = "cclink-ief-basic",
    .fields = "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tpdu\tcmd\tnumber\tts_end",
    .types = "time\tstring\taddr\tport\taddr\tport\tstring\tstring\tint\ttime",
    .write_key = write_log_key,
    .tail = AssetLog::Tail::number_ts_end,
};

}  // namespace

const Protocol kCclinkIefBasicProtocol{
    .name = "cclink_ief_basic",
    .kind = AppKind::cclink_ief_basic,
    .asset = &kCclinkIefBasicAsset,
    .write_event = write_event,
    .asset_log = &kCclinkIefBasicLog,
};

}  // namespace flowprobe::dissect
