#pragma once
// The synthetic flows of the flow-table benchmarks (ours and rte_hash's use the same).
#include <cstdint>

#include "decode/decoder.hpp"
#include "flow/flow_key.hpp"

namespace flowprobe::bench {

// Flow i: 10.a.b.c:port <-> 192.168.0.1:80, TCP for odd i, UDP for even i; unique for
// i < 2^24 (address from i's low 24 bits, port from i % 50000).
struct PacketMaker {
  DecodedPacket tmpl;
  PacketMaker() {
    tmpl.ip_version = 4;
    tmpl.dst_ip = {192, 168, 0, 1};
    tmpl.src_ip = {10, 0, 0, 0};
    tmpl.dst_port = 80;
    tmpl.ip_bytes = 46;
  }
  const DecodedPacket& operator()(uint32_t i) {
    tmpl.l4_proto = (i & 1) ? 6 : 17;
    tmpl.src_ip[1] = static_cast<uint8_t>(i >> 16);
    tmpl.src_ip[2] = static_cast<uint8_t>(i >> 8);
    tmpl.src_ip[3] = static_cast<uint8_t>(i);
    tmpl.src_port = static_cast<uint16_t>(1024 + (i % 50000));
    tmpl.tcp_flags = (i & 1) ? 0x10 : 0;
    return tmpl;
  }
  FlowKey key(uint32_t i) {
    KeySide side;
    return make_flow_key((*this)(i), side);
  }
};

// A scattered visiting order over n flows (multiplicative, a bijection for n coprime to
// the multiplier), as on a real link where consecutive packets belong to different flows.
inline uint32_t scattered(uint64_t k, uint32_t n) { return static_cast<uint32_t>((k * 2654435761u) % n); }

}  // namespace flowprobe::bench
