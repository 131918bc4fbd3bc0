#pragma once
// Where the (innermost) IP header of a decoded packet starts in its frame. nDPI wants
// bytes from L3; DecodedPacket keeps only the L4 payload, so the header is found again
// by its version nibble and the addresses the decoder reported. Stops looking after
// the longest L3+L4 header stack (60 + 60 bytes for IPv4, 40 + extensions for IPv6).
#include <cstdint>
#include <cstring>
#include <span>

#include "decode/decoder.hpp"

namespace flowprobe::dpi {

inline std::span<const uint8_t> locate_l3(std::span<const uint8_t> frame, const DecodedPacket& p) {
  if (p.payload.data() < frame.data() || p.payload.data() > frame.data() + frame.size()) return {};
  const std::size_t end = static_cast<std::size_t>(p.payload.data() - frame.data());
  const std::size_t min_hdr = p.ip_version == 4 ? 20 : 40;
  const std::size_t max_back = p.ip_version == 4 ? 120 : 512;
  for (std::size_t back = min_hdr; back <= max_back && back <= end; ++back) {
    const uint8_t* h = frame.data() + end - back;
    if ((h[0] >> 4) != p.ip_version) continue;
    const bool match = p.ip_version == 4
                           ? std::memcmp(h + 12, p.src_ip.data(), 4) == 0 && std::memcmp(h + 16, p.dst_ip.data(), 4) == 0
                           : std::memcmp(h + 8, p.src_ip.data(), 16) == 0 && std::memcmp(h + 24, p.dst_ip.data(), 16) == 0;
    if (match) return frame.subspan(end - back);
  }
  return {};
}

}  // namespace flowprobe::dpi
