// CC-Link IE Field/Control: the protocol's descriptor, its sightings' eve object
// ("event_type":"cclink_ie") and cclink-ie.log (the OsecT sensor's, spec §2.14).
#include <cstdio>
#include <string>

#include "dissectors/cclink_ie/cclink_ie.hpp"
#include "dissectors/protocols.hpp"
#include "export/eve.hpp"
#include "export/zeek_format.hpp"

namespace flowprobe::dissect {
namespace {

// The frame types' names, in the words of the OsecT sensor's analyser; empty: unnamed.
std::string_view pdu_name(uint8_t t) {
  switch (t) {
    case 0x00: return "connect";
    case 0x01: return "connectAck";
    case 0x02: return "scan";
    case 0x03: return "collect";
    case 0x04: return "select";
    case 0x05: return "launch";
    case 0x06: return "token";
    case 0x10: return "persuasion";
    case 0x11: return "testData";
    case 0x12: return "testDataAck";
    case 0x13: return "setup";
    case 0x14: return "setupAck";
    case 0x15: return "tokenM";
    case 0x1C: return "timer";
    case 0x20: return "myStatus";
    case 0x22: return "transient1";
    case 0x23: return "transientAck";
    case 0x24: return "dummy";
    case 0x25: return "transient2";
    case 0x26: return "ipTransient";
    case 0x28: return "paramCheck";
    case 0x29: return "parameter";
    case 0x2F: return "nTNTest";
    case 0x40: return "measure";
    case 0x41: return "measureAck";
    case 0x42: return "offset";
    case 0x43: return "update";
    case 0x80: return "cyclicDataW";
    case 0x81: return "cyclicDataB";
    case 0x82: return "cyclicDataRWw";
    case 0x83: return "cyclicDataRY";
    case 0x84: return "cyclicDataRWr";
    case 0x85: return "cyclicDataRX";
    case 0x8C: return "cyclicDataOut1";
    case 0x8D: return "cyclicDataOut2";
    case 0x8E: return "cyclicDataIn1";
    case 0x8F: return "cyclicDataIn2";
  }
  return {};
}

// A byte as Zeek's ASCII log writes one inside a string: printable as is, else \xNN.
void put_byte(std::string& o, uint8_t b) {
  char buf[8];
  if (b >= 0x20 && b < 0x7f && b != '\\') o.push_back(static_cast<char>(b));
  else o.append(buf, static_cast<std::size_t>(std::snprintf(buf, sizeof buf, "\\x%02x", b)));
}

std::string_view node_type_name(bool field, uint8_t b) {
  if (field) {
    switch (b) {
      case '0': return "master node";
      case '2': return "local node";
      case '3': return "intelligent device node";
      case '4': return "remote device node";
      case '5': return "remote I/O node";
    }
  } else {
    switch (b) {
      case 0x00: return "management node";
      case 0x02: return "normal node";
      case '!': return "master node in the Node-to-node test";
    }
  }
  return {};
}

// What the analyser reports of a frame, per network: Control frames of the transient
// acknowledgement and parameter kinds carry only the node number there, Control
// synchronisation frames no node id, a Control myStatus no node type.
struct Columns {
  std::string_view service;
  bool node_id, node_type, connection;
};

Columns columns_of(const CclinkIeFields& f) {
  if (f.control_only) return {"cclink_ie_control", false, false, false};
  const bool field = f.protocol_ver == 0x01;
  if (!field && f.protocol_ver != 0x00) return {{}, false, false, false};
  Columns c{field ? "cclink_ie_field" : "cclink_ie_control", f.has_node_id != 0, f.has_node_type != 0,
            f.has_connection != 0};
  if (!field) {
    const uint8_t t = f.frame_type;
    if (t == 0x23 || t == 0x26 || t == 0x28 || t == 0x29) c.node_id = c.connection = false;
    if (t >= 0x40 && t <= 0x43) c.node_id = false;
    if (t == 0x20) c.node_type = false;
  }
  return c;
}

void put_src_node(std::string& o, const CclinkIeFields& f) {
  char buf[8];
  o.append(buf, static_cast<std::size_t>(std::snprintf(buf, sizeof buf, "0x%02x%02x", f.src_node[0], f.src_node[1])));
}

bool write_log_key(const AssetEvent& e, std::string& o) {
  using namespace zeek;
  const CclinkIeFields& f = e.u.cclink_ie;
  const std::string_view pdu = pdu_name(f.frame_type);
  if (pdu.empty()) return false;  // a frame type the analyser has no name for
  const Columns c = columns_of(f);
  put_mac(o, e.src_mac);
  tab(o);
  put_mac(o, e.dst_mac);
  tab(o);
  if (c.service.empty()) {
    put(o, "unknownProtocolVerType");
    put_byte(o, f.protocol_ver);
    tab(o);
    put(o, pdu);
    put(o, "\t-\t-\t-\t-\t-");
    return true;
  }
  put(o, c.service);
  tab(o);
  put(o, pdu);
  tab(o);
  unset(o);  // cmd: the transient body is not read (see README)
  tab(o);
  if (c.node_type) {
    const bool field = c.service == "cclink_ie_field";
    const std::string_view name = node_type_name(field, f.node_type);
    if (name.empty()) {
      put(o, "unknownNodetype");
      put_byte(o, f.node_type);
    } else {
      put(o, name);
    }
  } else {
    unset(o);
  }
  tab(o);
  if (c.node_id) put_count(o, f.node_id);
  else unset(o);
  tab(o);
  if (c.connection) {
    char buf[8];
    put(o, std::string_view(buf, static_cast<std::size_t>(std::snprintf(buf, sizeof buf, "0x%02x", f.connection))));
  } else {
    unset(o);
  }
  tab(o);
  put_src_node(o, f);
  return true;
}

const AssetLog kCclinkIeLog{
    .name = "cclink-ie",
    .fields = "ts\tsrc_mac\tdst_mac\tservice\tpdu_type\tcmd\tnode_type\tnode_id\tconnection_info\tsrc_node_number\tnumber\tts_end",
    .types = "time\tstring\tstring\tstring\tstring\tstring\tstring\tint\tstring\tstring\tint\ttime",
    .write_key = write_log_key,
    .tail = AssetLog::Tail::number_ts_end,
};

void write_event(const AssetEvent& e, JsonWriter& w) {
  std::array<char, 17> mac;
  const CclinkIeFields& f = e.u.cclink_ie;
  const Columns c = columns_of(f);
  if (e.vlan) {
    w.key("vlan");
    w.value_uint(e.vlan);
  }
  w.key("cclink_ie");
  w.begin_object();
  w.key("src_mac");
  w.value_raw_string(eve::mac_lower(e.src_mac, mac));
  w.key("dest_mac");
  w.value_raw_string(eve::mac_lower(e.dst_mac, mac));
  char buf[16];
  const std::string_view pdu = pdu_name(f.frame_type);
  w.key("frame_type");
  if (pdu.empty()) {
    std::snprintf(buf, sizeof buf, "0x%02x", f.frame_type);
    w.value_raw_string(buf);
  } else {
    w.value_raw_string(pdu);
  }
  if (!c.service.empty()) {
    w.key("service");
    w.value_raw_string(c.service);
  }
  if (c.node_id) {
    w.key("node_id");
    w.value_uint(f.node_id);
  }
  if (c.node_type) {
    w.key("node_type");
    w.value_uint(f.node_type);
  }
  if (c.connection) {
    w.key("connection_info");
    w.value_uint(f.connection);
  }
  std::string src;
  put_src_node(src, f);
  w.key("src_node_number");
  w.value_raw_string(src);
  w.end_object();
}

}  // namespace

const Protocol kCclinkIeProtocol{
    .name = "cclink_ie",
    .kind = AppKind::cclink_ie,
    .asset = &kCclinkIeAsset,
    .write_event = write_event,
    .asset_log = &kCclinkIeLog,
};

}  // namespace flowprobe::dissect
