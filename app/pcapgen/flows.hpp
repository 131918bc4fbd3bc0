#pragma once
// Flow scripts: a flow owns its clock, addresses, IP IDs and (for TCP) sequence
// numbers, and appends protocol-correct packets to a Trace. The capture point is on
// the client's LAN, so a server's answer appears one RTT after the client's packet.
#include <cstdint>
#include <span>
#include <string>

#include "net.hpp"
#include "rng.hpp"
#include "trace.hpp"

namespace pcapgen {

struct Endpoints {
  IpAddr client_ip, server_ip;
  Mac client_mac;                  // the client host
  Mac server_mac;                  // where the client's frames go: the server or the LAN router
  uint16_t client_port = 0, server_port = 0;
  uint16_t vlan = 0;               // 802.1Q tag on both directions; 0 = untagged
  uint8_t client_ttl = 64;         // TTL / hop limit as seen at the capture point
  uint8_t server_ttl = 64;
};

class Flow {
 public:
  Flow(Trace& trace, const Endpoints& e, uint8_t ip_proto, std::string label, Rng rng);

  void at(uint64_t t_ns) { now_ = t_ns; }
  void wait(uint64_t dt_ns) { now_ += dt_ns; }
  uint64_t now() const { return now_; }
  Rng& rng() { return rng_; }
  int id() const { return id_; }

 protected:
  L3Spec l3(Dir d);                // next packet's L2/L3 fields (bumps the IP ID)
  void emit(Dir d, Frame f);       // at now(), then the clock moves on by 1 µs

  Trace& trace_;
  Endpoints e_;
  Rng rng_;
  int id_;
  uint64_t now_ = 0;
  uint16_t ip_id_[2];
};

class UdpFlow : public Flow {
 public:
  UdpFlow(Trace& t, const Endpoints& e, std::string label, Rng rng)
      : Flow(t, e, ipproto::udp, std::move(label), std::move(rng)) {}
  void send(Dir d, std::span<const uint8_t> payload);
};

// ICMP (IPv4) or ICMPv6 (IPv6), by the endpoints' address family.
class IcmpFlow : public Flow {
 public:
  IcmpFlow(Trace& t, const Endpoints& e, std::string label, Rng rng);
  void send(Dir d, uint8_t type, uint8_t code, uint32_t rest, std::span<const uint8_t> payload);
  // Echo request from the client and the server's reply `rtt` later.
  void echo(uint16_t ident, uint16_t seq, std::span<const uint8_t> payload, uint64_t rtt);
};

// TCP with Linux-like options (MSS, SACK-permitted, timestamps, window scale) and
// exact sequence/acknowledgement numbers. Every segment acknowledges all data the
// sender has received so far.
class TcpFlow : public Flow {
 public:
  TcpFlow(Trace& t, const Endpoints& e, std::string label, Rng rng);

  // SYN, SYN/ACK one RTT later, ACK.
  void connect(uint64_t rtt);
  // Data split into MSS-sized segments `segment_gap` apart; PSH on the last one.
  void send(Dir d, std::span<const uint8_t> data, uint64_t segment_gap = 15 * kUs);
  void ack(Dir d);
  // FIN/ACK from d. Once both sides have sent one the flow's truth says "fin".
  void fin(Dir d);
  // RST/ACK from d (no options, window 0).
  void rst(Dir d);

 private:
  void segment(Dir d, uint8_t flags, std::span<const uint8_t> payload, bool syn_options);

  uint32_t seq_[2];
  uint32_t ts_base_[2];
  uint32_t last_tsval_[2] = {0, 0};
  bool fin_[2] = {false, false};
  std::size_t max_payload_;
};

}  // namespace pcapgen
