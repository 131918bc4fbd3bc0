// Community ID v1. Expected values are Suricata's, from suricata-verify's
// community-id-ipv4/ipv6 cases (seed 7), so they come from another implementation.
#include <gtest/gtest.h>

#include <arpa/inet.h>

#include "flow/community_id.hpp"

using namespace flowprobe;

namespace {

FlowRecord flow(const char* src, uint16_t sport, const char* dst, uint16_t dport, uint8_t proto) {
  FlowRecord r;
  r.protocol = proto;
  if (inet_pton(AF_INET, src, r.src_ip.data()) == 1) {
    r.ip_version = 4;
    inet_pton(AF_INET, dst, r.dst_ip.data());
  } else {
    r.ip_version = 6;
    inet_pton(AF_INET6, src, r.src_ip.data());
    inet_pton(AF_INET6, dst, r.dst_ip.data());
  }
  r.src_port = sport;
  r.dst_port = dport;
  return r;
}

std::string id(const FlowRecord& r, uint16_t seed) {
  CommunityIdText buf;
  return std::string(community_id(r, buf, seed));
}

TEST(CommunityId, MatchesSuricata) {
  EXPECT_EQ(id(flow("172.26.0.39", 35958, "172.217.14.206", 443, 6), 7), "1:IwiTNfuO7aCaamMijl+7/X9uLx0=");
  EXPECT_EQ(id(flow("2600:1f13:f8:d400:3a6:303c:e011:18eb", 60202, "2607:f8b0:400a:800::200e", 443, 6), 7),
            "1:ptJhMvufAbB5nLDNW77cB800wFM=");
  EXPECT_EQ(id(flow("2600:1f13:f8:d400:3a6:303c:e011:18eb", 33892, "2001:4860:4860::8888", 443, 6), 7),
            "1:PGf+a0eBbs1OhuPtJmsF0Sm51v4=");
}

TEST(CommunityId, SameForBothOrientations) {
  EXPECT_EQ(id(flow("10.0.0.1", 1234, "10.0.0.2", 80, 6), 0), id(flow("10.0.0.2", 80, "10.0.0.1", 1234, 6), 0));
  EXPECT_NE(id(flow("10.0.0.1", 1234, "10.0.0.2", 80, 6), 0), id(flow("10.0.0.1", 1234, "10.0.0.2", 80, 6), 1));
}

TEST(CommunityId, IcmpEchoPairsHashAlike) {
  FlowRecord request = flow("10.0.0.1", 0, "10.0.0.2", 0, 1);
  request.icmp_type = 8 << 8;
  FlowRecord reply = flow("10.0.0.2", 0, "10.0.0.1", 0, 1);
  reply.icmp_type = 0;
  EXPECT_EQ(id(request, 0), id(reply, 0));
}

}  // namespace
