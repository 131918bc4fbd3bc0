#pragma once
// Decoded packets of one IPv4 conversation between 10.0.0.1:40000 (client) and
// 192.0.2.80:80 (server), with TCP sequence numbers that advance per direction: what the
// scanner and L7 engine tests feed their engines without a capture.
#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "decode/decoder.hpp"

namespace flowprobe::test {

struct Conversation {
  uint8_t proto = 6;
  uint32_t seq[2] = {1000, 5000};  // next sequence number, client then server

  DecodedPacket packet(bool to_server, std::string_view payload, uint8_t tcp_flags = 0x18) {
    DecodedPacket d;
    d.ip_version = 4;
    d.l4_proto = proto;
    const std::array<uint8_t, 16> c{10, 0, 0, 1}, s{192, 0, 2, 80};
    d.src_ip = to_server ? c : s;
    d.dst_ip = to_server ? s : c;
    d.src_port = to_server ? 40000 : 80;
    d.dst_port = to_server ? 80 : 40000;
    d.tcp_flags = tcp_flags;
    d.tcp_seq = seq[to_server ? 0 : 1];
    seq[to_server ? 0 : 1] += static_cast<uint32_t>(payload.size());
    d.payload = {reinterpret_cast<const uint8_t*>(payload.data()), payload.size()};
    return d;
  }
};

}  // namespace flowprobe::test
