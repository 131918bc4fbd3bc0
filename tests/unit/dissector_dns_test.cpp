// DNS dissector on crafted messages: queries, responses with compression, TCP framing
// split across segments, NetBIOS names, pointer loops and truncation.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dissectors/dns/dns.hpp"
#include "dissectors/engine.hpp"

using namespace flowprobe::dissect;
using Bytes = std::vector<uint8_t>;

namespace {

void put16(Bytes& b, unsigned v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
void name(Bytes& b, const std::string& dotted) {
  std::size_t start = 0;
  while (start <= dotted.size()) {
    std::size_t dot = dotted.find('.', start);
    if (dot == std::string::npos) dot = dotted.size();
    b.push_back(static_cast<uint8_t>(dot - start));
    b.insert(b.end(), dotted.begin() + static_cast<long>(start), dotted.begin() + static_cast<long>(dot));
    start = dot + 1;
  }
  b.push_back(0);
}

Bytes query(const std::string& q, unsigned qtype, unsigned id = 0x1234) {
  Bytes b;
  put16(b, id);
  put16(b, 0x0100);
  put16(b, 1);
  put16(b, 0);
  put16(b, 0);
  put16(b, 0);
  name(b, q);
  put16(b, qtype);
  put16(b, 1);
  return b;
}

// www.example.com CNAME web.example.com (compressed), web A 93.184.216.34, AAAA.
Bytes response() {
  Bytes b;
  put16(b, 0x1234);
  put16(b, 0x8180);
  put16(b, 1);
  put16(b, 3);
  put16(b, 0);
  put16(b, 0);
  name(b, "www.example.com");
  put16(b, 1);
  put16(b, 1);
  // answer 1: name = pointer to 12, CNAME web + pointer to "example.com" (offset 16)
  put16(b, 0xc00c);
  put16(b, 5);
  put16(b, 1);
  put16(b, 0);
  put16(b, 300);
  put16(b, 6);
  b.insert(b.end(), {3, 'w', 'e', 'b', 0xc0, 16});
  const std::size_t web = b.size() - 6;
  put16(b, 0xc000 | static_cast<unsigned>(web));
  put16(b, 1);
  put16(b, 1);
  put16(b, 0);
  put16(b, 60);
  put16(b, 4);
  b.insert(b.end(), {93, 184, 216, 34});
  put16(b, 0xc000 | static_cast<unsigned>(web));
  put16(b, 28);
  put16(b, 1);
  put16(b, 0);
  put16(b, 60);
  put16(b, 16);
  b.insert(b.end(), {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
  return b;
}

PacketContext ctx(std::span<const uint8_t> p, bool client, uint8_t proto = 17, uint16_t port = 53) {
  PacketContext c;
  c.payload = p;
  c.l4_proto = proto;
  c.from_client = client;
  c.client_port = 33333;
  c.server_port = port;
  return c;
}

}  // namespace

TEST(DnsDissector, QueryThenResponseOverUdp) {
  DissectorEngine e;
  FlowDissect f;
  AppMetadata meta;
  const Bytes q = query("www.example.com", 1), r = response();
  PacketContext qc = ctx(q, true), rc = ctx(r, false);
  qc.ts_ns = 1'000'000'000;
  rc.ts_ns = 1'012'345'678;
  e.on_packet(f, meta, qc);
  ASSERT_TRUE(meta.dns());
  EXPECT_EQ(meta.dns()->query.view(), "www.example.com");
  EXPECT_EQ(meta.dns()->query_type, 1);
  EXPECT_EQ(f.status, FlowDissect::Status::parsing);
  e.on_packet(f, meta, rc);
  const DnsMeta& m = *meta.dns();
  EXPECT_EQ(m.ret_code, 0);
  EXPECT_EQ(m.rtt_us, 12345u);
  EXPECT_EQ(m.num_answers, 3);
  EXPECT_EQ(m.ttl_answer, 300u);
  EXPECT_EQ(m.answers.view(), "web.example.com,93.184.216.34,2001:db8::1");
  EXPECT_EQ(f.status, FlowDissect::Status::parsing);  // the 5-tuple may carry more queries
  // The header words Zeek's dns.log reports.
  EXPECT_EQ(m.qclass, 1);
  EXPECT_EQ(m.query_flags, 0x0100);
  EXPECT_EQ(m.response_flags, 0x8180);
  EXPECT_FALSE(m.rejected);
}

TEST(DnsDissector, ResponseAloneFillsTheQuery) {
  DnsMeta m;
  ASSERT_TRUE(parse_dns_message(response(), m, false));
  EXPECT_EQ(m.query.view(), "www.example.com");
  EXPECT_TRUE(m.has_response);
}

TEST(DnsDissector, TcpMessagesSplitAcrossSegments) {
  const Bytes q = query("tcp.example.org", 28), r = response();
  Bytes qs{0, static_cast<uint8_t>(q.size())};
  qs.insert(qs.end(), q.begin(), q.end());
  Bytes rs{0, static_cast<uint8_t>(r.size())};
  rs.insert(rs.end(), r.begin(), r.end());
  for (std::size_t cut = 1; cut < rs.size(); ++cut) {
    DissectorEngine e;
    FlowDissect f;
    AppMetadata meta;
    e.on_packet(f, meta, ctx(std::span(qs).first(1), true, 6));  // the length prefix split too
    e.on_packet(f, meta, ctx(std::span(qs).subspan(1), true, 6));
    e.on_packet(f, meta, ctx(std::span(rs).first(cut), false, 6));
    e.on_packet(f, meta, ctx(std::span(rs).subspan(cut), false, 6));
    ASSERT_TRUE(meta.dns());
    EXPECT_EQ(meta.dns()->query.view(), "tcp.example.org");
    EXPECT_EQ(meta.dns()->query_type, 28);
    EXPECT_EQ(meta.dns()->num_answers, 3) << cut;
    EXPECT_EQ(f.status, FlowDissect::Status::parsing);  // the connection may carry more queries
  }
}

TEST(DnsDissector, NetbiosNamesAreDecoded) {
  // "WORKGROUP" padded with spaces, suffix 0x1d, first-level encoded.
  std::string raw = "WORKGROUP";
  raw.resize(15, ' ');
  raw.push_back('\x1d');
  std::string enc;
  for (unsigned char ch : raw) {
    enc.push_back(static_cast<char>('A' + (ch >> 4)));
    enc.push_back(static_cast<char>('A' + (ch & 15)));
  }
  DnsMeta m;
  ASSERT_TRUE(parse_dns_message(query(enc, 32), m, true));
  EXPECT_EQ(m.query.view(), "WORKGROUP");
}

TEST(DnsDissector, PointerLoopsAndTruncationAreSafe) {
  Bytes loop;
  put16(loop, 1);
  put16(loop, 0x0100);
  put16(loop, 1);
  put16(loop, 0);
  put16(loop, 0);
  put16(loop, 0);
  put16(loop, 0xc00c);  // points at itself
  put16(loop, 1);
  put16(loop, 1);
  DnsMeta m;
  parse_dns_message(loop, m, false);
  EXPECT_TRUE(m.query.empty());
  const Bytes r = response();
  for (std::size_t n = 0; n <= r.size(); ++n) {
    DnsMeta t;
    parse_dns_message(std::span(r).first(n), t, false);
    Bytes bad = r;
    if (n < r.size()) bad[n] ^= 0xc0;
    DnsMeta t2;
    parse_dns_message(bad, t2, false);
  }
  // A name longer than the field keeps its first 255 bytes and says so.
  std::string longname;
  for (int i = 0; i < 40; ++i) longname += "abcdefghi.";
  longname += "com";
  DnsMeta l;
  parse_dns_message(query(longname, 1), l, false);
  EXPECT_TRUE(l.query.truncated);
  EXPECT_EQ(l.query.len, 255);
}

TEST(DnsDissector, ProbeOnAndOffPort) {
  const Bytes q = query("a.example", 1);
  EXPECT_EQ(dns_probe(ctx(q, true)), Probe::certain);
  EXPECT_EQ(dns_probe(ctx(q, true, 17, 5353)), Probe::certain);
  EXPECT_EQ(dns_probe(ctx(q, true, 17, 9999)), Probe::unsure);
  const Bytes junk(40, 0xee);
  EXPECT_EQ(dns_probe(ctx(junk, true, 17, 9999)), Probe::not_mine);
}
