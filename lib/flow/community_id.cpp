#include "flow/community_id.hpp"

#include <cstring>
#include <span>

namespace flowprobe {

std::array<uint8_t, 20> sha1(const uint8_t* data, std::size_t len) noexcept {
  uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
  auto rol = [](uint32_t x, int n) { return (x << n) | (x >> (32 - n)); };
  auto block = [&](const uint8_t* p) {
    uint32_t w[80];
    for (int i = 0; i < 16; ++i)
      w[i] = uint32_t{p[4 * i]} << 24 | uint32_t{p[4 * i + 1]} << 16 | uint32_t{p[4 * i + 2]} << 8 | p[4 * i + 3];
    for (int i = 16; i < 80; ++i) w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int i = 0; i < 80; ++i) {
      uint32_t f, k;
      if (i < 20) { f = (b & c) | (~b & d); k = 0x5A827999; }
      else if (i < 40) { f = b ^ c ^ d; k = 0x6ED9EBA1; }
      else if (i < 60) { f = (b & c) | (b & d) | (c & d); k = 0x8F1BBCDC; }
      else { f = b ^ c ^ d; k = 0xCA62C1D6; }
      const uint32_t t = rol(a, 5) + f + e + k + w[i];
      e = d; d = c; c = rol(b, 30); b = a; a = t;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e;
  };
  std::size_t i = 0;
  for (; i + 64 <= len; i += 64) block(data + i);
  uint8_t tail[128] = {};
  const std::size_t rest = len - i;
  std::memcpy(tail, data + i, rest);
  tail[rest] = 0x80;
  const std::size_t tail_len = rest + 9 <= 64 ? 64 : 128;
  const uint64_t bits = static_cast<uint64_t>(len) * 8;
  for (int j = 0; j < 8; ++j) tail[tail_len - 1 - j] = static_cast<uint8_t>(bits >> (8 * j));
  block(tail);
  if (tail_len == 128) block(tail + 64);
  std::array<uint8_t, 20> out;
  for (int j = 0; j < 5; ++j)
    for (int k = 0; k < 4; ++k) out[4 * j + k] = static_cast<uint8_t>(h[j] >> (24 - 8 * k));
  return out;
}

namespace {

// ICMP messages that come in request/response pairs: the counterpart type stands in
// for the destination port so both directions hash alike (Community ID spec).
bool icmp_counterpart(bool v6, uint8_t type, uint8_t& other) {
  static constexpr uint8_t v4[][2] = {{8, 0}, {0, 8}, {13, 14}, {14, 13}, {15, 16}, {16, 15},
                                      {10, 9}, {9, 10}, {17, 18}, {18, 17}};
  static constexpr uint8_t v6map[][2] = {{128, 129}, {129, 128}, {133, 134}, {134, 133}, {135, 136},
                                         {136, 135}, {130, 131}, {131, 130}, {144, 145}, {145, 144}};
  for (const auto& m : v6 ? std::span<const uint8_t[2]>(v6map) : std::span<const uint8_t[2]>(v4))
    if (m[0] == type) {
      other = m[1];
      return true;
    }
  return false;
}

}  // namespace

std::string_view community_id(const FlowRecord& r, CommunityIdText& out, uint16_t seed) noexcept {
  const std::size_t alen = r.ip_version == 4 ? 4 : 16;
  uint16_t sport = r.src_port, dport = r.dst_port;
  bool one_way = false;
  const bool icmp = r.protocol == 1 || r.protocol == 58;
  if (icmp) {
    const uint8_t type = static_cast<uint8_t>(r.icmp_type >> 8), code = static_cast<uint8_t>(r.icmp_type);
    uint8_t other = 0;
    sport = type;
    if (icmp_counterpart(r.protocol == 58, type, other)) {
      dport = other;
    } else {
      dport = code;
      one_way = true;
    }
  }
  const uint8_t* a = r.src_ip.data();
  const uint8_t* b = r.dst_ip.data();
  if (!one_way) {
    const int c = std::memcmp(a, b, alen);
    if (c > 0 || (c == 0 && sport > dport)) {
      std::swap(a, b);
      std::swap(sport, dport);
    }
  }
  uint8_t buf[2 + 16 + 16 + 2 + 4];
  std::size_t n = 0;
  buf[n++] = static_cast<uint8_t>(seed >> 8);
  buf[n++] = static_cast<uint8_t>(seed);
  std::memcpy(buf + n, a, alen);
  n += alen;
  std::memcpy(buf + n, b, alen);
  n += alen;
  buf[n++] = r.protocol;
  buf[n++] = 0;
  const bool has_ports = icmp || r.protocol == 6 || r.protocol == 17 || r.protocol == 132;
  if (has_ports) {
    buf[n++] = static_cast<uint8_t>(sport >> 8);
    buf[n++] = static_cast<uint8_t>(sport);
    buf[n++] = static_cast<uint8_t>(dport >> 8);
    buf[n++] = static_cast<uint8_t>(dport);
  }
  const auto d = sha1(buf, n);
  static constexpr char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  out[0] = '1';
  out[1] = ':';
  std::size_t o = 2;
  for (std::size_t i = 0; i < 20; i += 3) {
    const uint32_t v = uint32_t{d[i]} << 16 | (i + 1 < 20 ? uint32_t{d[i + 1]} << 8 : 0) | (i + 2 < 20 ? d[i + 2] : 0);
    out[o++] = b64[v >> 18 & 63];
    out[o++] = b64[v >> 12 & 63];
    out[o++] = i + 1 < 20 ? b64[v >> 6 & 63] : '=';
    out[o++] = i + 2 < 20 ? b64[v & 63] : '=';
  }
  return {out.data(), o};
}

}  // namespace flowprobe
