#pragma once
// One TCP connection fed to a DissectorEngine as the L7 engine feeds it: each side's
// payloads with their sequence numbers, a negative `seq_shift` resending bytes already
// sent (a retransmission). Shared by the HTTP, TLS and SSH dissector tests.
#include <cstdint>
#include <span>

#include "dissectors/engine.hpp"

namespace flowprobe::test {

struct TcpDissectorFlow {
  explicit TcpDissectorFlow(uint16_t server_port, const dissect::EngineConfig& cfg = {}, uint32_t client_seq = 1000,
                            uint32_t server_seq = 5000)
      : engine(cfg), seq{client_seq, server_seq}, server_port(server_port) {}
  dissect::DissectorEngine engine;
  dissect::FlowDissect fd;
  dissect::AppMetadata meta;
  uint32_t seq[2];
  uint16_t server_port;
  void send(bool client, std::span<const uint8_t> p, int32_t seq_shift = 0) {
    dissect::PacketContext c;
    c.payload = p;
    c.l4_proto = 6;
    c.from_client = client;
    c.client_port = 40000;
    c.server_port = server_port;
    c.tcp_seq = seq[client ? 0 : 1] + static_cast<uint32_t>(seq_shift);
    engine.on_packet(fd, meta, c);
    if (seq_shift == 0) seq[client ? 0 : 1] += static_cast<uint32_t>(p.size());
  }
};

}  // namespace flowprobe::test
