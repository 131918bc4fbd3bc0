// HTTP dissector: requests and responses split at every byte, interim 100 responses,
// over-long lines, gaps, and probing.
#include <gtest/gtest.h>

#include <string>

#include "dissectors/engine.hpp"
#include "dissectors/http.hpp"

using namespace flowprobe::dissect;

namespace {

std::span<const uint8_t> bytes(std::string_view s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

struct Flow {
  DissectorEngine engine;
  FlowDissect fd;
  AppMetadata meta;
  uint32_t seq[2] = {1, 90000};
  void send(bool client, std::span<const uint8_t> p) {
    PacketContext c;
    c.payload = p;
    c.l4_proto = 6;
    c.from_client = client;
    c.client_port = 50000;
    c.server_port = 80;
    c.tcp_seq = seq[client ? 0 : 1];
    seq[client ? 0 : 1] += static_cast<uint32_t>(p.size());
    engine.on_packet(fd, meta, c);
  }
};

const std::string kRequest =
    "GET /index.html?q=1 HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: curl/8.0\r\n"
    "Referer: http://ref.example/\r\nAccept: */*\r\n\r\n";
const std::string kResponse =
    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Type: text/html; charset=utf-8\r\n"
    "Content-Length: 5\r\n\r\nhello";

}  // namespace

TEST(HttpDissector, RequestAndResponseSplitAtEveryByte) {
  for (std::size_t cut = 1; cut < kRequest.size(); ++cut) {
    Flow f;
    f.send(true, bytes(kRequest).first(cut));
    f.send(true, bytes(kRequest).subspan(cut));
    const std::size_t rcut = cut % kResponse.size();
    if (rcut) f.send(false, bytes(kResponse).first(rcut));
    f.send(false, bytes(kResponse).subspan(rcut));
    ASSERT_TRUE(f.meta.http()) << cut;
    const HttpMeta& m = *f.meta.http();
    EXPECT_EQ(m.method.view(), "GET");
    EXPECT_EQ(m.url.view(), "/index.html?q=1");
    EXPECT_EQ(m.host.view(), "www.example.com");
    EXPECT_EQ(m.user_agent.view(), "curl/8.0");
    EXPECT_EQ(m.referer.view(), "http://ref.example/");
    EXPECT_EQ(m.ret_code, 404) << cut;
    EXPECT_EQ(m.version, 11) << cut;
    EXPECT_EQ(m.mime.view(), "text/html");
    EXPECT_EQ(f.fd.status, FlowDissect::Status::finished);
  }
}

TEST(HttpDissector, LongUrlIsTruncatedAndFlagged) {
  Flow f;
  const std::string req = "POST /" + std::string(2000, 'x') + " HTTP/1.1\r\nHost: h\r\n\r\n";
  f.send(true, bytes(req));
  const HttpMeta& m = *f.meta.http();
  EXPECT_EQ(m.method.view(), "POST");
  EXPECT_TRUE(m.url.truncated);
  EXPECT_EQ(m.url.len, 383);
  EXPECT_EQ(m.host.view(), "h");
}

TEST(HttpDissector, GapStopsParsing) {
  Flow f;
  f.send(true, bytes(kRequest).first(10));
  f.seq[0] += 5;
  f.send(true, bytes(kRequest).subspan(15));
  EXPECT_EQ(f.fd.status, FlowDissect::Status::finished);
  EXPECT_TRUE(f.meta.http()->host.empty());
}

TEST(HttpDissector, ProbeAndGarbage) {
  PacketContext c;
  c.l4_proto = 6;
  c.payload = bytes("GET / HTTP/1.1\r\n");
  EXPECT_EQ(http_probe(c), Probe::certain);
  c.payload = bytes("GE");
  EXPECT_EQ(http_probe(c), Probe::unsure);
  c.payload = bytes("FOOBAR /x HTTP/1.1\r\n");
  EXPECT_EQ(http_probe(c), Probe::certain);
  c.payload = bytes("\x16\x03\x01");
  EXPECT_EQ(http_probe(c), Probe::not_mine);
  Flow f;
  f.send(true, bytes("GET / HTTP/1.1\r\n"));
  f.send(false, bytes("garbage that is not a status line\r\n"));
  EXPECT_EQ(f.fd.status, FlowDissect::Status::finished);
}
