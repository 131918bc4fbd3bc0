#include "flow/community_id.hpp"

#include "core/digest.hpp"

#include <cstring>
#include <span>

namespace flowprobe {

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
  Sha1 sha;
  sha.update(std::span<const uint8_t>(buf, n));
  const auto d = sha.finish();
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
