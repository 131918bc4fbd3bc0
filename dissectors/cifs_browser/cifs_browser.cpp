// CIFS browser announcements ([MS-BRWS] 2.2): a NetBIOS datagram (RFC 1002 4.4, UDP 138)
// carrying an SMB Transaction to the \MAILSLOT\BROWSE mailslot, whose data is a host,
// domain (workgroup) or local master announcement: server name, OS version, server type
// bits, browser version and comment. Other browser messages (elections, backup lists)
// and other mailslots are not announcements: not this kind's.
#include <algorithm>
#include <iterator>

#include "dissectors/cifs_browser/cifs_browser.hpp"
#include "dissectors/bytes.hpp"

namespace flowprobe::dissect {
namespace {

bool cifs_browser_probe(const AssetPacket& a) noexcept { return !a.arp && udp_port(a.pkt, 138); }

// A first-level encoded NetBIOS name at `at` (0x20, 32 letters, scope labels, 0);
// returns the offset after it, 0 when it does not fit or is not encoded.
std::size_t skip_name(std::span<const uint8_t> m, std::size_t at, char (*decoded)[16] = nullptr) {
  if (at + 34 > m.size() || m[at] != 0x20) return 0;
  for (int i = 0; i < 16; ++i) {
    const uint8_t hi = m[at + 1 + 2 * i], lo = m[at + 2 + 2 * i];
    if (hi < 'A' || hi > 'P' || lo < 'A' || lo > 'P') return 0;
    if (decoded) (*decoded)[i] = static_cast<char>((hi - 'A') << 4 | (lo - 'A'));
  }
  std::size_t off = at + 33;
  while (off < m.size() && m[off] != 0) off += 1u + m[off];
  return off < m.size() ? off + 1 : 0;
}

// Printable text up to a NUL or the end of `v`.
template <std::size_t N>
void c_text(std::span<const uint8_t> v, char (&out)[N]) {
  std::size_t n = 0;
  for (uint8_t c : v) {
    if (c == 0 || n + 1 >= N) break;
    out[n++] = c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?';
  }
  out[n] = '\0';
}

AssetParse cifs_browser_parse(const AssetPacket& in, AssetEvent& out) noexcept {
  const std::span<const uint8_t> m = in.pkt.payload;
  out.dst_mac = in.pkt.dst_mac;
  out.src_port = in.pkt.src_port;
  out.dst_port = in.pkt.dst_port;
  if (m.size() < 14) return AssetParse::malformed;
  // Direct unique, direct group and broadcast datagrams carry data; errors and queries don't.
  if (m[0] < 0x10 || m[0] > 0x12) return m[0] <= 0x16 ? AssetParse::not_mine : AssetParse::malformed;
  char source[16];
  const std::size_t after_src = skip_name(m, 14, &source);
  const std::size_t smb = after_src ? skip_name(m, after_src) : 0;
  if (smb == 0) return AssetParse::malformed;
  // SMB header (32 bytes), Transaction request (0x25) with its 17 words.
  if (smb + 36 > m.size()) return AssetParse::malformed;
  if (m[smb] != 0xFF || m[smb + 1] != 'S' || m[smb + 2] != 'M' || m[smb + 3] != 'B') return AssetParse::not_mine;
  if (m[smb + 4] != 0x25) return AssetParse::not_mine;
  const uint8_t wc = m[smb + 32];
  const std::size_t words = smb + 33;
  if (wc < 14 || words + wc * 2u + 2 > m.size()) return AssetParse::malformed;
  const uint16_t data_count = le16(m.data() + words + 22), data_offset = le16(m.data() + words + 24);
  // The mailslot name follows the byte count.
  const std::size_t name_at = words + wc * 2u + 2;
  constexpr std::string_view kBrowse = "\\MAILSLOT\\BROWSE";
  if (name_at + kBrowse.size() + 1 > m.size()) return AssetParse::malformed;
  if (!iequals(as_text(m.subspan(name_at, kBrowse.size())), kBrowse) || m[name_at + kBrowse.size()] != 0)
    return AssetParse::not_mine;
  if (smb + data_offset >= m.size() || data_count == 0) return AssetParse::malformed;
  const std::span<const uint8_t> d = m.subspan(smb + data_offset, std::min<std::size_t>(data_count, m.size() - smb - data_offset));
  // Host (1), domain (12) and local master (15) announcements share one layout.
  const uint8_t cmd = d[0];
  if (cmd != 1 && cmd != 12 && cmd != 15) return AssetParse::not_mine;
  if (d.size() < 32) return AssetParse::malformed;
  CifsBrowserFields& f = out.u.cifs;
  f.command = cmd;
  out.op = cmd;
  f.update_count = d[1];
  f.periodicity_ms = le32(d.data() + 2);
  c_text(d.subspan(6, 16), out.host_name);
  f.os_major = d[22];
  f.os_minor = d[23];
  f.server_type = le32(d.data() + 24);
  f.browser_major = d[28];
  f.browser_minor = d[29];
  f.signature = le16(d.data() + 30);
  c_text(d.subspan(32), out.class_id);
  // The datagram's source NetBIOS name (what nDPI reports as the host name).
  int len = 15;
  while (len > 0 && (source[len - 1] == ' ' || source[len - 1] == '\0')) --len;
  c_text(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(source), static_cast<std::size_t>(len)), out.param_list);
  return AssetParse::event;
}

}  // namespace

const AssetDissector kCifsBrowserAsset{"cifs_browser", AssetKind::cifs_browser, asset_on::udp, {138, 0}, cifs_browser_probe, cifs_browser_parse};

}  // namespace flowprobe::dissect
