// DHCP dissector and the engine's pools on crafted BOOTP messages.
#include <gtest/gtest.h>

#include <vector>

#include "dissectors/dhcp/dhcp.hpp"
#include "dissectors/engine.hpp"

using namespace flowprobe::dissect;
using Bytes = std::vector<uint8_t>;

namespace {

void add(Bytes& b, std::initializer_list<uint8_t> v) {
  for (uint8_t x : v) b.push_back(x);
}

Bytes dhcp(uint8_t op, uint8_t type, bool with_options = true) {
  Bytes b(240, 0);
  b[0] = op;
  b[1] = 1;
  b[2] = 6;
  for (int i = 0; i < 6; ++i) b[28 + static_cast<std::size_t>(i)] = static_cast<uint8_t>(0x10 + i);
  b[16] = 10; b[17] = 0; b[18] = 0; b[19] = 7;  // yiaddr
  b[236] = 99; b[237] = 130; b[238] = 83; b[239] = 99;
  add(b, {53, 1, type});
  if (with_options) {
    add(b, {12, 6, 'l', 'a', 'p', 't', 'o', 'p'});
    add(b, {55, 4, 1, 3, 6, 15});
    add(b, {60, 4, 'M', 'S', 'F', 'T'});
    add(b, {50, 4, 10, 0, 0, 7});
  }
  b.push_back(255);
  return b;
}

PacketContext ctx(std::span<const uint8_t> p, bool client) {
  PacketContext c;
  c.payload = p;
  c.l4_proto = 17;
  c.from_client = client;
  c.client_port = 68;
  c.server_port = 67;
  return c;
}

}  // namespace

TEST(DhcpDissector, RequestThenAck) {
  DissectorEngine e;
  FlowDissect f;
  AppMetadata meta;
  const Bytes req = dhcp(1, 3), ack = dhcp(2, 5, false);
  e.on_packet(f, meta, ctx(req, true));
  e.on_packet(f, meta, ctx(ack, false));
  ASSERT_TRUE(meta.dhcp());
  const DhcpMeta& m = *meta.dhcp();
  EXPECT_EQ(m.host_name.view(), "laptop");
  EXPECT_EQ(m.class_id.view(), "MSFT");
  EXPECT_EQ(m.param_list.view(), "1,3,6,15");
  EXPECT_EQ(m.msg_types, (1u << 3) | (1u << 5));
  EXPECT_EQ(m.first_msg_type, 3);
  EXPECT_EQ(m.last_msg_type, 5);
  EXPECT_EQ(m.requested_ip, (std::array<uint8_t, 4>{10, 0, 0, 7}));
  EXPECT_EQ(m.assigned_ip, (std::array<uint8_t, 4>{10, 0, 0, 7}));
  EXPECT_EQ(m.client_mac[0], 0x10);
  // Every message is a transaction: the dissector stays for the next one (a renewal).
  EXPECT_EQ(f.status, FlowDissect::Status::parsing);
  EXPECT_EQ(m.msg.msg_type, 5);  // the last message in full
}

TEST(DhcpDissector, TruncatedOptionsAreSafe) {
  const Bytes req = dhcp(1, 1);
  for (std::size_t n = 0; n < req.size(); ++n) {
    DhcpMeta m;
    parse_dhcp_message(std::span(req).first(n), m);
  }
  Bytes bad = req;
  bad[241] = 200;  // option length past the end
  DhcpMeta m;
  EXPECT_TRUE(parse_dhcp_message(bad, m));
}

TEST(DissectorEngine, PoolExhaustionIsCountedNotFatal) {
  EngineConfig cfg;
  cfg.default_slots = 1;
  DissectorEngine e(cfg);
  const Bytes req = dhcp(1, 1);
  FlowDissect a, b;
  AppMetadata ma, mb;
  e.on_packet(a, ma, ctx(req, true));
  e.on_packet(b, mb, ctx(req, true));
  EXPECT_EQ(a.status, FlowDissect::Status::parsing);
  EXPECT_EQ(b.status, FlowDissect::Status::finished);
  EXPECT_EQ(e.counters().pool_exhausted[a.dissector], 1u);
  EXPECT_EQ(kProtocols[a.dissector]->flow, &kDhcpDissector);
  e.on_flow_end(a, ma);
  FlowDissect c;
  AppMetadata mc;
  e.on_packet(c, mc, ctx(req, true));
  EXPECT_EQ(c.status, FlowDissect::Status::parsing);  // the slot came back
}

TEST(DissectorEngine, UnknownPayloadGivesUpAfterProbes) {
  DissectorEngine e;
  FlowDissect f;
  AppMetadata meta;
  const Bytes junk(64, 0x5a);
  PacketContext c;
  c.payload = junk;
  c.l4_proto = 6;
  c.server_port = 12345;
  for (int i = 0; i < EngineConfig{}.max_probe_packets - 1; ++i) e.on_packet(f, meta, c);
  EXPECT_EQ(f.status, FlowDissect::Status::probing);
  e.on_packet(f, meta, c);
  EXPECT_EQ(f.status, FlowDissect::Status::finished);
  EXPECT_EQ(meta.kind, AppKind::none);
  EXPECT_EQ(e.counters().unidentified, 1u);
}
