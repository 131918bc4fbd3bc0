// DHCPv6 (RFC 8415), UDP 546/547: the message type, the client's DUID (and the MAC a
// DUID-LLT or DUID-LL carries), the client FQDN (option 39, RFC 4704), the options it
// asks for (6) and its vendor class (16). Relay messages are unwrapped to the client's.
#include <algorithm>
#include <iterator>

#include "dissectors/dhcpv6/dhcpv6.hpp"
#include "dissectors/bytes.hpp"

namespace flowprobe::dissect {
namespace {

bool dhcpv6_probe(const AssetPacket& a) noexcept { return !a.arp && (udp_port(a.pkt, 546) || udp_port(a.pkt, 547)); }

// Appends printable text to a NUL-terminated buffer, '?' for other bytes.
template <std::size_t N>
struct TextOut {
  char (&buf)[N];
  std::size_t n = 0;
  void put(uint8_t c) {
    if (n + 1 < N) buf[n++] = c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?';
    buf[n] = '\0';
  }
};

// A domain name in DNS wire format, possibly without its final zero (a partial name).
void wire_name(std::span<const uint8_t> v, char (&out)[64]) {
  TextOut<64> t{out};
  out[0] = '\0';
  for (std::size_t i = 0; i < v.size() && v[i] != 0 && v[i] < 64;) {
    const std::size_t len = v[i++];
    if (i + len > v.size()) break;
    if (t.n) t.put('.');
    for (std::size_t k = 0; k < len; ++k) t.put(v[i + k]);
    i += len;
  }
}

AssetParse dhcpv6_parse(const AssetPacket& in, AssetEvent& out) noexcept {
  Dhcpv6Fields& f = out.u.dhcpv6;
  out.dst_mac = in.pkt.dst_mac;
  out.src_port = in.pkt.src_port;
  out.dst_port = in.pkt.dst_port;
  std::span<const uint8_t> m = in.pkt.payload;
  // Relay-forward/-reply (12, 13): hop count, link and peer address, then options, the
  // client's own message in option 9. A few levels at most.
  for (int depth = 0; !m.empty() && (m[0] == 12 || m[0] == 13) && depth < 8; ++depth) {
    if (m.size() < 34) return AssetParse::malformed;
    f.hop_count = m[1];
    Reader r(m.subspan(34));
    std::span<const uint8_t> inner;
    while (r.remaining()) {
      const uint16_t code = r.u16();
      const auto v = r.bytes(r.u16());
      if (!r.ok()) return AssetParse::malformed;
      if (code == 9) inner = v;
    }
    if (inner.empty()) return AssetParse::malformed;
    m = inner;
  }
  if (m.size() < 4 || m[0] == 0) return AssetParse::malformed;
  f.msg_type = m[0];
  out.op = m[0];
  f.transaction_id = uint32_t{m[1]} << 16 | uint32_t{m[2]} << 8 | m[3];
  Reader r(m.subspan(4));
  while (r.remaining()) {
    const uint16_t code = r.u16();
    const auto v = r.bytes(r.u16());
    if (!r.ok()) return AssetParse::malformed;  // an option past the end: cut or garbage
    switch (code) {
      case 1:  // client identifier: a DUID
        f.duid_len = static_cast<uint8_t>(std::min<std::size_t>(v.size(), sizeof f.duid));
        std::copy_n(v.begin(), f.duid_len, f.duid);
        // DUID-LLT (1): type, hardware type, time, address; DUID-LL (3): no time.
        if (v.size() >= 4 && be16(v.data() + 2) == 1) {
          const std::size_t at = be16(v.data()) == 1 ? 8 : be16(v.data()) == 3 ? 4 : 0;
          if (at && v.size() >= at + 6) {
            std::copy_n(v.begin() + static_cast<std::ptrdiff_t>(at), 6, f.lladdr.begin());
            f.has_lladdr = 1;
          }
        }
        break;
      case 6:  // option request: 16-bit codes
        for (std::size_t i = 0; i + 2 <= v.size() && f.n_oro < std::size(f.oro); i += 2) f.oro[f.n_oro++] = be16(v.data() + i);
        break;
      case 16: {  // vendor class: enterprise number, then length-prefixed opaque data
        if (v.size() < 4) return AssetParse::malformed;
        f.enterprise = be32(v.data());
        f.has_vendor_class = 1;
        Reader d(v.subspan(4));
        TextOut<128> t{out.class_id};
        while (d.remaining()) {
          const auto item = d.bytes(d.u16());
          if (!d.ok()) break;
          if (t.n) t.put(',');
          for (uint8_t c : item) t.put(c);
        }
        break;
      }
      case 39:  // client FQDN: flags, then the name
        if (v.empty()) return AssetParse::malformed;
        f.has_fqdn = 1;
        f.fqdn_flags = v[0];
        wire_name(v.subspan(1), out.host_name);
        break;
      default: break;
    }
  }
  return AssetParse::event;
}

}  // namespace

const AssetDissector kDhcpv6Asset{"dhcpv6", AssetKind::dhcpv6, asset_on::udp, {546, 547}, dhcpv6_probe, dhcpv6_parse};

}  // namespace flowprobe::dissect
