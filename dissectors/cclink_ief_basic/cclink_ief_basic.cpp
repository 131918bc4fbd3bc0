// CC-Link IE Field Basic (CLPA BAP-C2006ENG-001), UDP 61450: a master's cyclic request to
// its slave stations and their responses. The frames open with an SLMP header (request
// 0x5000, response 0xD000), which is also what SLMP itself sends on UDP 61451 (with a
// serial number, 0x5400/0xD400): there only the command, or the end code, is read.
// Layout as in rt-labs c-link (src/common/cl_types.h).
#include "dissectors/cclink_ief_basic/cclink_ief_basic.hpp"

namespace flowprobe::dissect {
namespace {

bool cclink_probe(const AssetPacket& a) noexcept { return !a.arp && (udp_port(a.pkt, 61450) || udp_port(a.pkt, 61451)); }

AssetParse cclink_parse(const AssetPacket& in, AssetEvent& out) noexcept {
  const std::span<const uint8_t> m = in.pkt.payload;
  CclinkFields& f = out.u.cclink;
  out.dst_mac = in.pkt.dst_mac;
  out.src_port = in.pkt.src_port;
  out.dst_port = in.pkt.dst_port;
  if (m.size() < 11 || m[1] != 0x00) return AssetParse::malformed;
  const bool serial = m[0] == 0x54 || m[0] == 0xD4;  // SLMP's 4E frame: serial number and 2 reserved bytes
  if (m[0] != 0x50 && m[0] != 0xD0 && !serial) return AssetParse::malformed;
  f.response = m[0] == 0xD0 || m[0] == 0xD4;
  out.op = f.response;
  const std::size_t h = serial ? 4 : 0;  // where the common header resumes
  if (m.size() < h + 11) return AssetParse::malformed;
  const std::size_t dl = le16(m.data() + h + 7);
  if (h + 9 + dl > m.size()) return AssetParse::malformed;  // cut short
  const bool cyclic = !serial && (in.pkt.src_port == 61450 || in.pkt.dst_port == 61450);
  if (!f.response) {
    if (m.size() < h + 15) return AssetParse::malformed;
    f.command = le16(m.data() + h + 11);
    f.sub_command = le16(m.data() + h + 13);
    if (!cyclic || f.command != 0x0E70) return AssetParse::event;
    // Cyclic header (20), master notification (12), cyclic data header (20): 67 bytes.
    if (m.size() < 67) return AssetParse::malformed;
    f.protocol_version = le16(m.data() + 15);
    f.unit_info = le16(m.data() + 35);
    for (int i = 0; i < 4; ++i) f.node_id[i] = m[50 - i];  // the master's IPv4 address, little endian
    f.group_no = m[51];
    f.frame_sequence_no = le16(m.data() + 53);
    f.parameter_no = le16(m.data() + 59);
    f.occupied_stations = le16(m.data() + 61);
    f.cyclic_state = le16(m.data() + 63);
    return AssetParse::event;
  }
  if (!cyclic) {
    f.end_code = le16(m.data() + h + 9);
    return AssetParse::event;
  }
  // Cyclic header (20), slave notification (20), cyclic data header (8): 59 bytes.
  if (m.size() < 59) return AssetParse::malformed;
  f.protocol_version = le16(m.data() + 11);
  f.end_code = le16(m.data() + 13);
  f.vendor_code = le16(m.data() + 31);
  f.model_code = le32(m.data() + 35);
  f.equipment_version = le16(m.data() + 39);
  f.unit_info = le16(m.data() + 43);
  for (int i = 0; i < 4; ++i) f.node_id[i] = m[54 - i];  // the slave's IPv4 address
  f.group_no = m[55];
  f.frame_sequence_no = le16(m.data() + 57);
  return AssetParse::event;
}

}  // namespace

const AssetDissector kCclinkIefBasicAsset{"cclink_ief_basic", AssetKind::cclink_ief_basic, asset_on::udp, {61450, 61451}, cclink_probe, cclink_parse};

}  // namespace flowprobe::dissect
