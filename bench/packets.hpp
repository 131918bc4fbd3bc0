#pragma once
// Hand-built frames for the micro-benchmarks (valid headers, no checksums needed).
#include <cstdint>
#include <cstring>
#include <vector>

namespace flowprobe::bench {

// Ethernet/IPv4/TCP or UDP frame of `frame_len` bytes (>= 54) from host a:pa to b:pb.
inline std::vector<uint8_t> ipv4_frame(uint32_t a, uint16_t pa, uint32_t b, uint16_t pb, bool tcp,
                                       std::size_t frame_len = 64, uint16_t vlan = 0) {
  std::vector<uint8_t> f(frame_len, 0);
  std::size_t o = 12;
  f[0] = 0x02; f[6] = 0x02; f[11] = 1;
  if (vlan) {
    f[o] = 0x81; f[o + 1] = 0x00; f[o + 2] = static_cast<uint8_t>(vlan >> 8); f[o + 3] = static_cast<uint8_t>(vlan);
    o += 4;
  }
  f[o] = 0x08; f[o + 1] = 0x00;
  o += 2;
  const std::size_t ip = o;
  const uint16_t total = static_cast<uint16_t>(frame_len - ip);
  f[ip] = 0x45;
  f[ip + 2] = static_cast<uint8_t>(total >> 8); f[ip + 3] = static_cast<uint8_t>(total);
  f[ip + 8] = 64;
  f[ip + 9] = tcp ? 6 : 17;
  for (int i = 0; i < 4; ++i) {
    f[ip + 12 + i] = static_cast<uint8_t>(a >> (24 - 8 * i));
    f[ip + 16 + i] = static_cast<uint8_t>(b >> (24 - 8 * i));
  }
  const std::size_t l4 = ip + 20;
  f[l4] = static_cast<uint8_t>(pa >> 8); f[l4 + 1] = static_cast<uint8_t>(pa);
  f[l4 + 2] = static_cast<uint8_t>(pb >> 8); f[l4 + 3] = static_cast<uint8_t>(pb);
  if (tcp) {
    f[l4 + 12] = 0x50;
    f[l4 + 13] = 0x10;  // ACK
  } else {
    const uint16_t ulen = static_cast<uint16_t>(total - 20);
    f[l4 + 4] = static_cast<uint8_t>(ulen >> 8); f[l4 + 5] = static_cast<uint8_t>(ulen);
  }
  return f;
}

}  // namespace flowprobe::bench
