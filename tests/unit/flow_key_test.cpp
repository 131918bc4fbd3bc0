#include <gtest/gtest.h>

#include <set>

#include "flow/flow_key.hpp"

using namespace flowprobe;

namespace {

DecodedPacket tcp_packet(uint8_t a, uint16_t sport, uint8_t b, uint16_t dport) {
  DecodedPacket p;
  p.ip_version = 4;
  p.l4_proto = ipproto::tcp;
  p.src_ip = {10, 0, 0, a};
  p.dst_ip = {10, 0, 0, b};
  p.src_port = sport;
  p.dst_port = dport;
  return p;
}

TEST(FlowKey, BothDirectionsGiveTheSameKey) {
  KeySide s1, s2;
  const FlowKey k1 = make_flow_key(tcp_packet(1, 40000, 2, 80), s1);
  const FlowKey k2 = make_flow_key(tcp_packet(2, 80, 1, 40000), s2);
  EXPECT_EQ(k1, k2);
  EXPECT_EQ(hash_flow_key(k1), hash_flow_key(k2));
  EXPECT_NE(s1, s2);
}

TEST(FlowKey, SameAddressesOrderedByPort) {
  KeySide s1, s2;
  const FlowKey k1 = make_flow_key(tcp_packet(1, 5000, 1, 80), s1);
  const FlowKey k2 = make_flow_key(tcp_packet(1, 80, 1, 5000), s2);
  EXPECT_EQ(k1, k2);
  EXPECT_NE(s1, s2);
}

TEST(FlowKey, ProtocolVlanAndVersionSeparateFlows) {
  KeySide s;
  const FlowKey base = make_flow_key(tcp_packet(1, 1, 2, 2), s);
  DecodedPacket udp = tcp_packet(1, 1, 2, 2);
  udp.l4_proto = ipproto::udp;
  EXPECT_NE(base, make_flow_key(udp, s));
  DecodedPacket vlan = tcp_packet(1, 1, 2, 2);
  vlan.vlan_outer = 100;
  EXPECT_NE(base, make_flow_key(vlan, s));
  DecodedPacket qinq = vlan;
  qinq.vlan_inner = 200;
  EXPECT_NE(make_flow_key(vlan, s), make_flow_key(qinq, s));
  // An IPv6 address whose first bytes equal an IPv4 address is another flow.
  DecodedPacket v6 = tcp_packet(1, 1, 2, 2);
  v6.ip_version = 6;
  EXPECT_NE(base, make_flow_key(v6, s));
}

TEST(FlowKey, HashSpreadsLowBits) {
  // Sequential ports must not collide in the low bits used to pick a slot.
  std::set<uint64_t> buckets;
  KeySide s;
  for (uint16_t port = 1; port <= 1024; ++port)
    buckets.insert(hash_flow_key(make_flow_key(tcp_packet(1, port, 2, 80), s)) & 4095);
  EXPECT_GT(buckets.size(), 850u);
}

}  // namespace
