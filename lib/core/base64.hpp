#pragma once
// Standard base64 (RFC 4648 alphabet) as Suricata's datasets and base64_decode keyword
// and Zeek's HTTP Basic authentication read it: `relaxed` skips other bytes (Suricata's
// BASE64_MODE_RELAX), otherwise the first one ends the input; '=' ends it. Returns the
// number of bytes written (at most `room`). No allocation: the dissectors call it on the
// packet path.
#include <cstddef>
#include <cstdint>

namespace flowprobe {

inline std::size_t base64_decode(const uint8_t* in, std::size_t n, uint8_t* out, std::size_t room, bool relaxed) {
  uint32_t acc = 0;
  int bits = 0;
  std::size_t k = 0;
  for (std::size_t i = 0; i < n && k < room; ++i) {
    const uint8_t c = in[i];
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '+') v = 62;
    else if (c == '/') v = 63;
    else if (c == '=') break;
    else if (relaxed) continue;
    else break;
    acc = acc << 6 | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[k++] = static_cast<uint8_t>(acc >> bits);
    }
  }
  return k;
}

}  // namespace flowprobe
