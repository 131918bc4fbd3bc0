// ARP (RFC 826) over Ethernet for IPv4: who asked for whom, who answered. Suricata's
// eve "arp" record reports the same four addresses.
#include <cstring>

#include "dissectors/arp/arp.hpp"

namespace flowprobe::dissect {
namespace {

bool arp_probe(const AssetPacket& a) noexcept { return a.arp; }

AssetParse arp_parse(const AssetPacket& in, AssetEvent& out) noexcept {
  const std::span<const uint8_t> a = in.pkt.payload;
  // Ethernet/IPv4 ARP only (htype 1, ptype 0x0800, hlen 6, plen 4): 28 bytes.
  if (a.size() < 28 || be16(a.data()) != 1 || be16(a.data() + 2) != 0x0800 || a[4] != 6 || a[5] != 4)
    return AssetParse::malformed;
  out.op = static_cast<uint8_t>(be16(a.data() + 6));
  out.ip_version = 4;
  out.src_ip = out.dst_ip = {};  // the addresses are the ARP body's, not an IP header's
  std::memcpy(out.src_mac.data(), a.data() + 8, 6);
  std::memcpy(out.src_ip.data(), a.data() + 14, 4);
  std::memcpy(out.dst_mac.data(), a.data() + 18, 6);
  std::memcpy(out.dst_ip.data(), a.data() + 24, 4);
  return AssetParse::event;
}

}  // namespace

const AssetDissector kArpAsset{"arp", AssetKind::arp, asset_on::arp, {}, arp_probe, arp_parse};

}  // namespace flowprobe::dissect
