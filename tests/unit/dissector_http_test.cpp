// HTTP dissector: requests and responses split at every byte, interim 100 responses,
// over-long lines, gaps, and probing.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dissectors/engine.hpp"
#include "dissectors/http/http.hpp"
#include "dissectors/smtp/meta.hpp"
#include "tests/support/tcp_dissector_flow.hpp"

using namespace flowprobe::dissect;

namespace {

std::span<const uint8_t> bytes(std::string_view s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

// What the dissector reported (TxSink::part), copied: the views die after the call.
struct Collect final : TxSink {
  struct Part {
    flowprobe::sig::TxPart part;
    bool incomplete;
    std::string start, block, body;
  };
  std::vector<Part> parts;
  void part(const TxPartView& v) noexcept override {
    parts.push_back({v.part, v.incomplete, std::string(v.start_line), std::string(v.header_block), std::string(v.body)});
  }
  std::vector<HttpMeta> txs;  // the transactions emitted, in order
  void emit(AppKind kind, const void* tx, std::size_t size, uint64_t) noexcept override {
    if (kind == AppKind::http && size == sizeof(HttpMeta)) txs.push_back(*static_cast<const HttpMeta*>(tx));
  }
};
Collect g_collect;

EngineConfig config(bool report) {
  EngineConfig c;
  g_collect.parts.clear();
  g_collect.txs.clear();
  g_collect.parts_wanted = report;
  c.tx = report ? &g_collect : nullptr;
  return c;
}

struct Flow : flowprobe::test::TcpDissectorFlow {
  // `report`: as with rules loaded, completed messages are reported (TxSink) and bodies read.
  explicit Flow(bool report = false) : TcpDissectorFlow(80, config(report), 1, 90000) {}
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
    EXPECT_EQ(f.fd.status, FlowDissect::Status::parsing);  // keep-alive: the next request may come
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
  EXPECT_TRUE(f.meta.http()->host.empty());
  // Past the gap no message boundary can be trusted: a later request is not read either.
  f.send(true, bytes("GET /later HTTP/1.1\r\nHost: later\r\n\r\n"));
  EXPECT_TRUE(f.meta.http()->host.empty());
  EXPECT_TRUE(f.meta.http()->url.empty());
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
  EXPECT_FALSE(f.meta.http()->has_response);  // the server's side is given up, not misread
  EXPECT_EQ(f.meta.http()->ret_code, 0);
}

// ---- header lines and bodies for the signature buffers (TxSink) ------------------------

namespace {

// Sends `msg` in pieces of `step` bytes and collects what the dissector reported.
struct Seen {
  std::string start, block, body;
  int headers = 0, bodies = 0;
};
Seen send_collect(Flow& f, bool client, std::string_view msg, std::size_t step, uint8_t last_flags = 0) {
  Seen s;
  const int di = client ? 0 : 1;
  const auto collect = [&] {
    using flowprobe::sig::TxPart;
    for (const Collect::Part& m : g_collect.parts) {
      const bool request = m.part == TxPart::request || m.part == TxPart::request_body;
      if (request != (di == 0)) continue;
      if (m.part == TxPart::request || m.part == TxPart::response) {
        ++s.headers;
        s.start = m.start;
        s.block = m.block;
      } else {
        ++s.bodies;
        s.body = m.body;
      }
    }
    g_collect.parts.clear();
  };
  for (std::size_t at = 0; at < msg.size(); at += step) {
    f.send(client, bytes(msg.substr(at, step)));
    collect();
  }
  if (last_flags) {  // a packet without payload: the FIN or RST that closes
    PacketContext c;
    c.l4_proto = 6;
    c.from_client = client;
    c.tcp_flags = last_flags;
    c.tcp_seq = f.seq[di];
    f.engine.on_packet(f.fd, f.meta, c);
    collect();
  }
  return s;
}

}  // namespace

TEST(HttpDissector, HeaderLinesAndALengthBodyAreReportedOnceWhateverTheSegments) {
  const std::string req =
      "POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\nCookie: a=b\r\n\r\nhello world";
  for (std::size_t step : {1u, 3u, 7u, 200u}) {
    Flow f(true);
    const Seen s = send_collect(f, true, req, step);
    EXPECT_EQ(s.headers, 1) << step;
    EXPECT_EQ(s.start, "POST /up HTTP/1.1");
    EXPECT_EQ(s.block, "Host: h\r\nContent-Length: 11\r\nCookie: a=b\r\n");
    EXPECT_EQ(s.bodies, 1) << step;
    EXPECT_EQ(s.body, "hello world");
    EXPECT_TRUE(f.meta.http()->request_headers_done);
  }
}

TEST(HttpDissector, ChunkedBodiesAreDechunked) {
  Flow f(true);
  send_collect(f, true, "GET / HTTP/1.1\r\nHost: h\r\n\r\n", 100);
  const std::string resp =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n";
  for (std::size_t step : {1u, 5u, 300u}) {
    Flow g(true);
    send_collect(g, true, "GET / HTTP/1.1\r\nHost: h\r\n\r\n", 100);
    const Seen s = send_collect(g, false, resp, step);
    EXPECT_EQ(s.headers, 1) << step;
    EXPECT_EQ(s.start, "HTTP/1.1 200 OK");
    EXPECT_EQ(s.bodies, 1) << step;
    EXPECT_EQ(s.body, "hello world") << step;
  }
}

TEST(HttpDissector, ABodyWithoutLengthEndsAtTheServersFin) {
  Flow f(true);
  send_collect(f, true, "GET / HTTP/1.0\r\n\r\n", 100);
  const std::string_view resp("HTTP/1.0 200 OK\r\nServer: x\r\n\r\nMZ\x90\x00 body", 39);
  const Seen s = send_collect(f, false, resp, 4, 0x11);
  EXPECT_EQ(s.headers, 1);
  EXPECT_EQ(s.bodies, 1);
  EXPECT_EQ(s.body, std::string_view("MZ\x90\x00 body", 9));
}

TEST(HttpDissector, HeaderLinesCutOffByTheCloseAreStillReported) {
  // suricata-verify http-close-headers: an LF-only status line, one header, then FIN.
  Flow f(true);
  send_collect(f, true, "GET / HTTP/1.1\r\nHost: h\r\n\r\n", 100);
  const Seen s = send_collect(f, false, "HTTP/1.0 200 OK\nServer:ng1nx\r\n", 100, 0x11);
  EXPECT_EQ(s.headers, 1);
  EXPECT_EQ(s.block, "Server:ng1nx\r\n");
  EXPECT_TRUE(f.meta.http()->response_headers_done);
}

TEST(HttpDissector, BodiesAreBoundedAndHeadAnswersHaveNone) {
  Flow f(true);
  const std::string big(HttpState::kBody + 500, 'x');
  const Seen s = send_collect(f, true, "POST / HTTP/1.1\r\nContent-Length: " + std::to_string(big.size()) + "\r\n\r\n" + big, 1000);
  EXPECT_EQ(s.bodies, 1);
  EXPECT_EQ(s.body.size(), HttpState::kBody);
  Flow g(true);
  send_collect(g, true, "HEAD / HTTP/1.1\r\nHost: h\r\n\r\n", 100);
  const Seen r = send_collect(g, false, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", 100);
  EXPECT_EQ(r.headers, 1);
  EXPECT_EQ(r.bodies, 0);
  // Both messages are complete: the transaction left at the response's headers.
  ASSERT_EQ(g_collect.txs.size(), 1u);
  EXPECT_EQ(g_collect.txs[0].ret_code, 200);
  EXPECT_EQ(g_collect.txs[0].response_body_len, 0u);
}

TEST(HttpDissector, WithoutRulesNothingIsReported) {
  Flow f;  // no rules: no TxSink
  const Seen s = send_collect(f, true, "POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc", 100);
  EXPECT_EQ(s.headers + s.bodies, 0);
  send_collect(f, false, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nxyz", 100);
  EXPECT_EQ(f.meta.http()->ret_code, 200);
}

// A CONNECT answered with a 2xx makes the rest of the connection a tunnel: the CONNECT is
// a transaction of its own, then the flow goes back to the probes and the protocol inside
// (here SMTP, as in Zeek's http-connect baseline) is dissected on the same flow.
TEST(HttpDissector, AConnectTunnelHandsTheFlowToTheProtocolInside) {
  struct Kinds final : TxSink {
    std::vector<AppKind> kinds;
    std::vector<std::string> mail_from;
    void part(const TxPartView&) noexcept override {}
    void emit(AppKind kind, const void* tx, std::size_t, uint64_t) noexcept override {
      kinds.push_back(kind);
      if (kind == AppKind::smtp) mail_from.emplace_back(static_cast<const SmtpMeta*>(tx)->mail_from.view());
    }
  } sink;
  EngineConfig cfg;
  cfg.tx = &sink;
  flowprobe::test::TcpDissectorFlow f(8240, cfg);
  f.send(true, bytes("CONNECT mail.example:25 / HTTP/1.0\r\nMozilla 4.0\r\n\r\n"));
  f.send(false, bytes("HTTP/1.0 200 Connection established\r\n\r\n"));
  ASSERT_EQ(sink.kinds.size(), 1u) << "the CONNECT is logged when its answer ends";
  EXPECT_EQ(f.fd.status, FlowDissect::Status::probing) << "the tunnel is probed afresh";
  f.send(false, bytes("220 mail.example ESMTP receiver ready.\r\n"));
  f.send(true, bytes("HELO me\r\nMAIL FROM:<a@x.org>\r\nRCPT TO:<b@y.org>\r\nDATA\r\n"));
  f.send(false, bytes("250 Ok.\r\n250 Ok.\r\n250 Ok.\r\n354 go\r\n"));
  f.send(true, bytes("Subject: hi\r\n\r\nbody\r\n.\r\n"));
  f.send(false, bytes("250 Message accepted.\r\n"));
  f.engine.on_flow_end(f.fd, f.meta);
  ASSERT_EQ(sink.kinds.size(), 2u);
  EXPECT_EQ(sink.kinds[0], AppKind::http);
  EXPECT_EQ(sink.kinds[1], AppKind::smtp);
  EXPECT_EQ(sink.mail_from, std::vector<std::string>{"a@x.org"});
  // The flow record: the tunnelled protocol's part, and the protocol it came through.
  ASSERT_NE(f.meta.smtp(), nullptr);
  EXPECT_EQ(f.meta.smtp()->subject.view(), "hi");
  EXPECT_EQ(f.meta.outer, AppKind::http);
}

// A CONNECT the proxy refuses (407) opens no tunnel: the connection stays HTTP.
TEST(HttpDissector, ARefusedConnectStaysHttp) {
  Flow f(true);
  f.send(true, bytes("CONNECT mail.example:25 HTTP/1.1\r\nHost: mail.example:25\r\n\r\n"));
  f.send(false, bytes("HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n"));
  f.send(true, bytes("GET /again HTTP/1.1\r\nHost: h\r\n\r\n"));
  f.send(false, bytes("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
  ASSERT_EQ(g_collect.txs.size(), 2u);
  EXPECT_EQ(g_collect.txs[0].ret_code, 407);
  EXPECT_EQ(g_collect.txs[1].url.view(), "/again");
  EXPECT_EQ(f.fd.status, FlowDissect::Status::parsing);
  EXPECT_EQ(f.meta.outer, AppKind::none);
}

// Zeek's username and proxied (base/protocols/http/main.zeek): the user of a Basic
// credential up to its first ':' (the password, kept by Zeek only on request, never), a
// credential without ':' as "<problem-decoding> (VALUE)", each proxy header as
// "NAME -> value" with the name in upper case.
TEST(HttpDissector, BasicAuthUserAndProxyHeadersAsZeekLogsThem) {
  {
    Flow f;
    // "test:1:34", the password of Zeek's http-basic-auth-colon case.
    f.send(true, bytes("GET / HTTP/1.0\r\nAuthorization: Basic dGVzdDoxOjM0\r\nVia: 1.1 squid\r\n"
                       "X-Forwarded-For: 198.51.100.7\r\n\r\n"));
    ASSERT_TRUE(f.meta.http());
    EXPECT_EQ(f.meta.http()->username.view(), "test");
    EXPECT_EQ(f.meta.http()->proxied.view(), "VIA -> 1.1 squid\nX-FORWARDED-FOR -> 198");  // 39 bytes kept
    EXPECT_TRUE(f.meta.http()->proxied.truncated);
  }
  {
    Flow f;
    f.send(true, bytes("GET / HTTP/1.1\r\nProxy-Authorization: basic bm9jb2xvbg==\r\n\r\n"));  // "nocolon"
    ASSERT_TRUE(f.meta.http());
    EXPECT_EQ(f.meta.http()->username.view(), "<problem-decoding> (basic bm9jb2xvbg==)");
    EXPECT_TRUE(f.meta.http()->proxied.empty());
  }
  {
    Flow f;  // other schemes leave it unset, as Zeek does
    f.send(true, bytes("GET / HTTP/1.1\r\nAuthorization: Bearer abc.def\r\n\r\n"));
    ASSERT_TRUE(f.meta.http());
    EXPECT_TRUE(f.meta.http()->username.empty());
  }
}
