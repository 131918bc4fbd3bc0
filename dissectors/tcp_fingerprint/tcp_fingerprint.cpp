// TCP SYN and SYN/ACK fingerprints in p0f v3's raw-signature terms
// (ver:ittl:olen:mss:wsize,scale:olayout:quirks:pclass): the option layout and quirks use
// p0f's names; the exporter assembles the signature (lib/assets).
#include <cstdio>

#include "dissectors/tcp_fingerprint/p0f_db.hpp"
#include "dissectors/tcp_fingerprint/tcp_fingerprint.hpp"

namespace flowprobe::dissect {
namespace {

bool tcp_fingerprint_probe(const AssetPacket& a) noexcept {
  const DecodedPacket& p = a.pkt;
  return !a.arp && p.l4_proto == 6 && (p.tcp_flags & 0x02) && !(p.tcp_flags & 0x04);  // SYN, not RST
}

AssetParse tcp_fingerprint_parse(const AssetPacket& in, AssetEvent& out) noexcept {
  const DecodedPacket& p = in.pkt;
  const std::span<const uint8_t> l3 = p.l3;
  out.op = (p.tcp_flags & 0x10) ? 2 : 1;
  out.src_port = p.src_port;
  out.dst_port = p.dst_port;
  out.tcp_window = p.tcp_window;
  out.ttl = p.ttl;
  std::string_view layout_sep;
  std::size_t lo = 0, qo = 0;
  const auto add = [](auto& dst, std::size_t& at, std::string_view sep, std::string_view what) {
    for (std::string_view part : {sep, what})
      for (char c : part)
        if (at + 1 < sizeof dst) dst[at++] = c;
    dst[at] = '\0';
  };
  // Options: kind, length, data; EOL ends the list (p0f counts the padding after it).
  const std::span<const uint8_t> o = p.tcp_options;
  bool ts1_zero = false, bad = false;
  for (std::size_t i = 0; i < o.size();) {
    const uint8_t kind = o[i];
    char name[16];
    std::string_view n;
    std::size_t len = 1;
    if (kind == 0) {
      const int k = std::snprintf(name, sizeof name, "eol+%zu", o.size() - i - 1);
      n = {name, static_cast<std::size_t>(k)};
      add(out.class_id, lo, layout_sep, n);
      break;
    }
    if (kind != 1) {
      if (i + 1 >= o.size() || o[i + 1] < 2 || i + o[i + 1] > o.size()) {
        bad = true;
        break;
      }
      len = o[i + 1];
    }
    switch (kind) {
      case 1: n = "nop"; break;
      case 2:
        n = "mss";
        if (len == 4) out.tcp_mss = be16(o.data() + i + 2);
        break;
      case 3:
        n = "ws";
        if (len == 3) out.tcp_wscale = o[i + 2];
        break;
      case 4: n = "sok"; break;
      case 5: n = "sack"; break;
      case 8:
        n = "ts";
        if (len == 10) {
          ts1_zero = o[i + 2] == 0 && o[i + 3] == 0 && o[i + 4] == 0 && o[i + 5] == 0;
          out.ts1_nonzero = !ts1_zero;
        }
        break;
      default: {
        const int k = std::snprintf(name, sizeof name, "?%u", kind);
        n = {name, static_cast<std::size_t>(k)};
      }
    }
    add(out.class_id, lo, layout_sep, n);
    layout_sep = ",";
    i += len;
  }
  // Quirks from the IP header (DF, IP id) and the TCP header.
  std::string_view qsep;
  const auto quirk = [&](std::string_view q) {
    add(out.param_list, qo, qsep, q);
    qsep = ",";
  };
  if (p.ip_version == 4 && l3.size() >= 20) {
    const bool df = l3[6] & 0x40;
    const uint16_t id = be16(l3.data() + 4);
    out.ip_olen = static_cast<uint8_t>((l3[0] & 0x0F) * 4 - 20);
    out.tot_hdr = static_cast<uint16_t>((l3[0] & 0x0F) * 4 + 20 + o.size());
    if (df) quirk("df");
    if (df && id != 0) quirk("id+");
    if (!df && id == 0) quirk("id-");
    if (l3[1] & 0x03) quirk("ecn");
  } else if (p.ip_version == 6 && l3.size() >= 40) {
    out.tot_hdr = static_cast<uint16_t>(40 + 20 + o.size());
    if ((l3[1] & 0x0F) || l3[2] || l3[3]) quirk("flow");
    if ((l3[1] >> 4) & 0x03) quirk("ecn");
  }
  if (p.tcp_flags & 0xC0) quirk("ecn");  // ECE/CWR on a SYN
  if (p.tcp_seq == 0) quirk("seq-");
  if (out.op == 1 && p.tcp_ack != 0) quirk("ack+");
  if (out.op == 2 && p.tcp_ack == 0) quirk("ack-");
  if (p.tcp_flags & 0x08) quirk("pushf+");
  if (ts1_zero) quirk("ts1-");
  if (out.tcp_wscale != 0xFF && out.tcp_wscale > 14) quirk("exws");
  if (bad) quirk("bad");
  // The OS guess is made where it is written (protocol.cpp, os_of), not per SYN here.
  return AssetParse::event;
}

}  // namespace

WindowMultiple window_multiple(const AssetEvent& e) noexcept {
  const unsigned win = e.tcp_window, mss = e.tcp_mss;
  if (win == 0 || mss < 100) return {};
  const auto div = [&](unsigned d) { return d != 0 && win % d == 0; };
  if (div(mss)) return {win / mss, false};
  if (e.ts1_nonzero && div(mss - 12)) return {win / (mss - 12), false};
  if (div(1460)) return {win / 1460, false};
  if (div(1448)) return {win / 1448, false};
  if (e.ip_version == 6 && div(1440)) return {win / 1440, false};
  if (e.ip_version == 6 && div(1428)) return {win / 1428, false};
  if (div(mss + 40)) return {win / (mss + 40), true};
  if (div(mss + e.tot_hdr)) return {win / (mss + e.tot_hdr), true};
  if (e.ip_version == 6 && div(mss + 60)) return {win / (mss + 60), true};
  if (div(1500)) return {win / 1500, true};
  return {};
}

const AssetDissector kTcpFingerprintAsset{"tcp_fingerprint", AssetKind::tcp_fingerprint, asset_on::tcp, {}, tcp_fingerprint_probe,
                                          tcp_fingerprint_parse};

}  // namespace flowprobe::dissect
