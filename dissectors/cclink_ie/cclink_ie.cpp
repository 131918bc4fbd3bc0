// CC-Link IE Field and CC-Link IE Control (CLPA), straight on Ethernet (EtherType
// 0x890F). Every frame starts with a 14-byte header: the frame type, the data type (Field)
// or priority (Control), four bytes whose meaning depends on the frame type (the node id,
// then a sync flag and the node type, or a connection number), the sender's node number,
// the protocol version/type byte (Field 0x01, Control 0x00) and a header check code. The
// layout per frame type is the one NTT's Zeek analyser for the OsecT sensor reads
// (zeek-parser-CCLinkField-CCLinkControl), which cclink-ie.log reproduces. Only header
// fields are read: cyclic and transient data stay unread (no process values are logged).
#include "dissectors/cclink_ie/cclink_ie.hpp"

namespace flowprobe::dissect {
namespace {

bool cclink_ie_probe(const AssetPacket& a) noexcept { return a.ethertype == kCclinkIeEtherType; }

// Which header fields a frame type carries: Control-only types have just the sender's
// node number; the others carry the protocol version byte and, per type, a node id,
// node type or connection number.
struct Layout {
  bool known = false, control_only = false, node_id = false, node_type = false, connection = false;
};

Layout layout_of(uint8_t t) {
  Layout l;
  l.known = true;
  switch (t) {
    case 0x00: case 0x01: case 0x02: case 0x03: case 0x04: case 0x05: case 0x06:  // connect … token
    case 0x24: case 0x2F:                                                          // dummy, nTNTest
    case 0x80: case 0x81: case 0x8C: case 0x8D: case 0x8E: case 0x8F:              // Control cyclic data
      l.control_only = true;
      break;
    case 0x10: case 0x11: case 0x12: l.node_type = true; break;  // persuasion, testData, testDataAck
    case 0x13: case 0x15: case 0x40: case 0x41: case 0x42: case 0x43:  // setup, tokenM, measure … update
    case 0x82: case 0x83: case 0x84: case 0x85:                        // Field cyclic data
      l.node_id = true;
      break;
    case 0x20: l.node_id = l.node_type = true; break;  // myStatus
    case 0x22: case 0x23: case 0x25: case 0x26: case 0x28: case 0x29:  // transients, parameters
      l.node_id = l.connection = true;
      break;
    case 0x14: case 0x1C: break;  // setupAck, timer
    default: l.known = false;
  }
  return l;
}

AssetParse cclink_ie_parse(const AssetPacket& in, AssetEvent& out) noexcept {
  const std::span<const uint8_t> m = in.pkt.payload;
  out.dst_mac = in.pkt.dst_mac;
  out.ip_version = 0;
  out.src_ip = out.dst_ip = {};
  if (m.size() < 14) return AssetParse::malformed;
  CclinkIeFields& f = out.u.cclink_ie;
  f.frame_type = m[0];
  out.op = m[0];
  const Layout l = layout_of(m[0]);
  f.known_type = l.known;
  f.src_node[0] = m[6];
  f.src_node[1] = m[7];
  if (l.control_only || !l.known) {
    f.control_only = l.control_only;
    return AssetParse::event;
  }
  f.protocol_ver = m[8];
  f.data_type = m[1];
  if (l.node_id) {
    f.node_id = be16(m.data() + 2);
    f.has_node_id = 1;
  }
  if (l.node_type) {
    f.node_type = m[5];
    f.has_node_type = 1;
  }
  if (l.connection) {
    f.connection = m[4];
    f.has_connection = 1;
  }
  return AssetParse::event;
}

}  // namespace

const AssetDissector kCclinkIeAsset{"cclink_ie", AssetKind::cclink_ie, asset_on::l2, {}, cclink_ie_probe, cclink_ie_parse};

}  // namespace flowprobe::dissect
