// NetBIOS name service (RFC 1002 4.2), UDP 137: the name a host registers, releases,
// asks for or answers with, its service type and TTL.
#include "dissectors/netbios_ns/netbios_ns.hpp"

namespace flowprobe::dissect {
namespace {

bool netbios_ns_probe(const AssetPacket& a) noexcept { return !a.arp && udp_port(a.pkt, 137); }

// A 12-byte header, then the question (or, in a response, the answer) name in
// first-level encoding: 0x20, 32 letters 'A'..'P' carrying 16 bytes (15 of name, space
// padded, and the service type), then the scope labels.
AssetParse netbios_ns_parse(const AssetPacket& in, AssetEvent& out) noexcept {
  const std::span<const uint8_t> m = in.pkt.payload;
  if (m.size() < 12 + 34) return AssetParse::malformed;
  const uint16_t flags = be16(m.data() + 2);
  const bool response = flags & 0x8000;
  out.op = static_cast<uint8_t>(((flags >> 11) & 0xF) + (response ? 16 : 0));
  if (m[12] != 0x20) return AssetParse::malformed;
  char name[16];
  for (int i = 0; i < 16; ++i) {
    const uint8_t hi = m[13 + 2 * i], lo = m[14 + 2 * i];
    if (hi < 'A' || hi > 'P' || lo < 'A' || lo > 'P') return AssetParse::malformed;
    name[i] = static_cast<char>((hi - 'A') << 4 | (lo - 'A'));
  }
  int len = 15;
  while (len > 0 && (name[len - 1] == ' ' || name[len - 1] == '\0')) --len;
  for (int i = 0; i < len; ++i)
    if (static_cast<unsigned char>(name[i]) < 0x20 || static_cast<unsigned char>(name[i]) > 0x7e) name[i] = '?';
  copy_text(out.host_name, std::string_view(name, static_cast<std::size_t>(len)));
  out.msg_types = static_cast<uint8_t>(name[15]);
  // Skip the scope labels to the record's type and class, then (answers, and the
  // additional record of a registration) a TTL.
  std::size_t off = 45;
  while (off < m.size() && m[off] != 0) off += 1u + m[off];
  off += 1;  // the terminating zero
  const uint16_t qd = be16(m.data() + 4), an = be16(m.data() + 6), ar = be16(m.data() + 10);
  if (response && an > 0 && off + 8 <= m.size()) {
    out.ttl = be32(m.data() + off + 4);
  } else if (qd > 0 && ar > 0 && off + 4 + 12 <= m.size()) {
    // The additional record repeats the name by a 2-byte pointer: type, class, TTL follow.
    const std::size_t rr = off + 4;
    if ((m[rr] & 0xC0) == 0xC0) {
      out.ttl = be32(m.data() + rr + 6);
      // RDLENGTH, then NB_FLAGS (G bit: a group name) and the address.
      if (rr + 14 <= m.size()) {
        out.u.netbios.nb_flags = be16(m.data() + rr + 12);
        out.u.netbios.has_nb_flags = 1;
      }
    }
  }
  return AssetParse::event;
}

}  // namespace

const AssetDissector kNetbiosNsAsset{"netbios_ns", AssetKind::netbios_ns, asset_on::udp, {137, 0}, netbios_ns_probe, netbios_ns_parse};

}  // namespace flowprobe::dissect
