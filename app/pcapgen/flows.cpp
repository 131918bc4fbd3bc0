#include "flows.hpp"

#include <algorithm>

namespace pcapgen {

Flow::Flow(Trace& trace, const Endpoints& e, uint8_t ip_proto, std::string label, Rng rng)
    : trace_(trace), e_(e), rng_(std::move(rng)) {
  FlowTruth t;
  t.ip_proto = ip_proto;
  t.vlan = e.vlan;
  t.src_ip = e.client_ip;
  t.dst_ip = e.server_ip;
  t.src_port = e.client_port;
  t.dst_port = e.server_port;
  t.label = std::move(label);
  id_ = trace_.add_flow(std::move(t));
  ip_id_[0] = rng_.u16();
  ip_id_[1] = rng_.u16();
}

L3Spec Flow::l3(Dir d) {
  L3Spec s;
  const bool c2s = d == Dir::c2s;
  s.src_mac = c2s ? e_.client_mac : e_.server_mac;
  s.dst_mac = c2s ? e_.server_mac : e_.client_mac;
  s.vlan = e_.vlan;
  s.src = c2s ? e_.client_ip : e_.server_ip;
  s.dst = c2s ? e_.server_ip : e_.client_ip;
  s.ttl = c2s ? e_.client_ttl : e_.server_ttl;
  s.ip_id = ip_id_[idx(d)]++;
  return s;
}

void Flow::emit(Dir d, Frame f) {
  trace_.add(now_, id_, d, std::move(f));
  now_ += kUs;
}

// --- UDP -------------------------------------------------------------------------

void UdpFlow::send(Dir d, std::span<const uint8_t> payload) {
  L3Spec s = l3(d);
  s.dont_fragment = false;  // what most UDP stacks send
  const bool c2s = d == Dir::c2s;
  emit(d, build_udp(s, c2s ? e_.client_port : e_.server_port, c2s ? e_.server_port : e_.client_port, payload));
}

// --- ICMP ------------------------------------------------------------------------

IcmpFlow::IcmpFlow(Trace& t, const Endpoints& e, std::string label, Rng rng)
    : Flow(t, e, e.client_ip.version == 6 ? ipproto::icmpv6 : ipproto::icmp, std::move(label), std::move(rng)) {}

void IcmpFlow::send(Dir d, uint8_t type, uint8_t code, uint32_t rest, std::span<const uint8_t> payload) {
  emit(d, build_icmp(l3(d), type, code, rest, payload));
}

void IcmpFlow::echo(uint16_t ident, uint16_t seq, std::span<const uint8_t> payload, uint64_t rtt) {
  const bool v6 = e_.client_ip.version == 6;
  const uint32_t rest = static_cast<uint32_t>(ident) << 16 | seq;
  send(Dir::c2s, v6 ? 128 : 8, 0, rest, payload);
  wait(rtt);
  send(Dir::s2c, v6 ? 129 : 0, 0, rest, payload);
}

// --- TCP -------------------------------------------------------------------------

namespace {
constexpr uint16_t kSynWindow[2] = {64240, 65160};  // Linux client / server SYN windows
constexpr uint16_t kWindow[2] = {502, 509};          // after the handshake, scaled by 2^7
constexpr uint8_t kWindowScale = 7;
}  // namespace

TcpFlow::TcpFlow(Trace& t, const Endpoints& e, std::string label, Rng rng)
    : Flow(t, e, ipproto::tcp, std::move(label), std::move(rng)) {
  seq_[0] = rng_.u32();
  seq_[1] = rng_.u32();
  ts_base_[0] = rng_.u32();
  ts_base_[1] = rng_.u32();
  // MSS minus the 12-byte timestamp option every segment carries.
  max_payload_ = (e.client_ip.version == 6 ? 1440 : 1460) - 12;
}

void TcpFlow::segment(Dir d, uint8_t flags, std::span<const uint8_t> payload, bool syn_options) {
  const int i = idx(d);
  const bool c2s = d == Dir::c2s;
  TcpHeader h;
  h.sport = c2s ? e_.client_port : e_.server_port;
  h.dport = c2s ? e_.server_port : e_.client_port;
  h.seq = seq_[i];
  h.flags = flags;
  if (flags & tcpflag::ack) h.ack = seq_[1 - i];

  if (flags & tcpflag::rst) {
    h.window = 0;  // Linux sends RSTs without options
  } else {
    const uint32_t tsval = ts_base_[i] + static_cast<uint32_t>(now_ / kMs);
    const uint32_t tsecr = (flags & tcpflag::ack) ? last_tsval_[1 - i] : 0;
    last_tsval_[i] = tsval;
    ByteWriter o;
    if (syn_options) {
      const uint16_t mss = e_.client_ip.version == 6 ? 1440 : 1460;
      o.u8(2).u8(4).be16(mss);                     // MSS
      o.u8(4).u8(2);                               // SACK permitted
      o.u8(8).u8(10).be32(tsval).be32(tsecr);      // timestamps
      o.u8(1);                                     // NOP
      o.u8(3).u8(3).u8(kWindowScale);              // window scale
      h.window = kSynWindow[i];
    } else {
      o.u8(1).u8(1).u8(8).u8(10).be32(tsval).be32(tsecr);
      h.window = kWindow[i];
    }
    h.options = o.take();
  }
  emit(d, build_tcp(l3(d), h, payload));
  seq_[i] += static_cast<uint32_t>(payload.size());
  if (flags & (tcpflag::syn | tcpflag::fin)) seq_[i] += 1;
}

void TcpFlow::connect(uint64_t rtt) {
  segment(Dir::c2s, tcpflag::syn, {}, true);
  wait(rtt);
  segment(Dir::s2c, tcpflag::syn | tcpflag::ack, {}, true);
  wait(40 * kUs);
  segment(Dir::c2s, tcpflag::ack, {}, false);
}

void TcpFlow::send(Dir d, std::span<const uint8_t> data, uint64_t segment_gap) {
  for (std::size_t off = 0; off < data.size();) {
    const std::size_t n = std::min(max_payload_, data.size() - off);
    const bool last = off + n == data.size();
    segment(d, tcpflag::ack | (last ? tcpflag::psh : 0), data.subspan(off, n), false);
    off += n;
    if (!last) wait(segment_gap);
  }
}

void TcpFlow::ack(Dir d) { segment(d, tcpflag::ack, {}, false); }

void TcpFlow::fin(Dir d) {
  segment(d, tcpflag::fin | tcpflag::ack, {}, false);
  fin_[idx(d)] = true;
  if (fin_[0] && fin_[1]) trace_.set_close(id_, "fin");
}

void TcpFlow::rst(Dir d) {
  segment(d, tcpflag::rst | tcpflag::ack, {}, false);
  trace_.set_close(id_, "rst");
}

}  // namespace pcapgen
