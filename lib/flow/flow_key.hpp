#pragma once
// Symmetric 5-tuple (+VLAN, +tunnel id): both directions of a flow give the same key.
#include <array>
#include <cstdint>
#include <cstring>

#include "decode/decoder.hpp"

namespace flowprobe {

struct FlowKey {
  std::array<uint8_t, 16> ip_lo{};  // the (address, port) pair that sorts first
  std::array<uint8_t, 16> ip_hi{};
  uint16_t port_lo = 0;
  uint16_t port_hi = 0;
  uint16_t vlan_outer = 0;
  uint16_t vlan_inner = 0;
  uint32_t tunnel_id = 0;  // filled when the user keys flows by tunnel
  uint8_t proto = 0;
  uint8_t ip_version = 0;
  uint16_t reserved = 0;   // keeps the struct free of padding so memcmp/hash are exact

  // Six 64-bit words compared without a branch: memcmp here was a libc call per lookup.
  bool operator==(const FlowKey& o) const noexcept {
    uint64_t a[6], b[6];
    std::memcpy(a, this, sizeof(a));
    std::memcpy(b, &o, sizeof(b));
    uint64_t d = 0;
    for (int i = 0; i < 6; ++i) d |= a[i] ^ b[i];
    return d == 0;
  }
};
static_assert(sizeof(FlowKey) == 48, "FlowKey is hashed and compared as raw bytes");

// Which side of the key a packet was sent from.
enum class KeySide : uint8_t { lo = 0, hi = 1 };

// Builds the key of a decoded packet and reports which side sent it.
inline FlowKey make_flow_key(const DecodedPacket& p, KeySide& sender, bool key_tunnel_id = false) noexcept {
  FlowKey k;
  // Byte order of the addresses as two big-endian words (what memcmp would give,
  // without its libc call on every packet).
  uint64_t s[2], d[2];
  std::memcpy(s, p.src_ip.data(), 16);
  std::memcpy(d, p.dst_ip.data(), 16);
  const uint64_t s0 = __builtin_bswap64(s[0]), s1 = __builtin_bswap64(s[1]);
  const uint64_t d0 = __builtin_bswap64(d[0]), d1 = __builtin_bswap64(d[1]);
  const bool addr_less = s0 < d0 || (s0 == d0 && s1 < d1);
  const bool addr_equal = s0 == d0 && s1 == d1;
  const bool src_first = addr_less || (addr_equal && p.src_port <= p.dst_port);
  if (src_first) {
    k.ip_lo = p.src_ip; k.ip_hi = p.dst_ip; k.port_lo = p.src_port; k.port_hi = p.dst_port;
    sender = KeySide::lo;
  } else {
    k.ip_lo = p.dst_ip; k.ip_hi = p.src_ip; k.port_lo = p.dst_port; k.port_hi = p.src_port;
    sender = KeySide::hi;
  }
  k.vlan_outer = p.vlan_outer;
  k.vlan_inner = p.vlan_inner;
  k.proto = p.l4_proto;
  k.ip_version = p.ip_version;
  if (key_tunnel_id) k.tunnel_id = p.tunnel_id;
  return k;
}

// 64-bit hash of the key's bytes (multiply-xorshift over 8-byte words): fast, and
// good enough in the low bits for a power-of-two table.
inline uint64_t hash_flow_key(const FlowKey& k) noexcept {
  uint64_t w[6];
  std::memcpy(w, &k, sizeof(w));
  uint64_t h = 0x9E3779B97F4A7C15ull;
  for (uint64_t x : w) {
    h ^= x;
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= h >> 31;
  }
  h *= 0x94D049BB133111EBull;
  h ^= h >> 29;
  return h;
}

}  // namespace flowprobe
