// The L7 engine with rules: packets of one HTTP connection go through the HTTP dissector
// and the scanner as on an RX core, and the header, status and body buffers (a gzip body
// inflated) reach the rules that read them, each rule once.
#include <gtest/gtest.h>
#include <zlib.h>

#include <map>
#include <memory>
#include <string>

#include "dpi/l7_engine.hpp"
#include "tests/support/conversation.hpp"

using namespace flowprobe;

namespace {

// The alerts inspection put in its output, by sid, taken as io takes them.
struct Collect {
  std::map<uint32_t, int> by_sid;
  void take(dpi::L7Engine& l7) {
    for (const sig::Alert& a : l7.output().alerts().alerts()) ++by_sid[a.sid];
    l7.output().clear();
  }
};

std::string gzip(std::string_view text) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(text.size() + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// One TCP connection 10.0.0.1:40000 -> 192.0.2.80:80, already established.
struct Conn {
  dpi::L7Engine& l7;
  Collect& sink;
  test::Conversation conv{6, {1000, 9000}};
  uint32_t ext = kNoFlowExt;
  bool first = true;
  void send(bool client, std::string_view payload, uint8_t flags = 0x18) {
    const DecodedPacket d = conv.packet(client, payload, flags);
    FlowHit hit{&ext, 1, client, first};
    first = false;
    l7.on_packet(hit, d, 1'700'000'000'000'000'000ull);
    sink.take(l7);
  }
};

// Rules loaded (all must be accepted) and an L7 engine with them, nDPI off.
struct RuleRig {
  std::unique_ptr<sig::SignatureEngine> rules;
  std::unique_ptr<dpi::L7Engine> l7;
  explicit RuleRig(const std::string& text) {
    std::string error;
    sig::LoadReport report;
    rules = sig::SignatureEngine::load_text(text, sig::default_rule_vars(), error, &report);
    EXPECT_TRUE(rules) << error;
    EXPECT_EQ(report.rejected, 0u) << report.summary();
    if (!rules) return;
    dpi::L7Config cfg;
    cfg.use_ndpi = false;
    cfg.max_flows = 16;
    cfg.rules = rules.get();
    l7 = std::make_unique<dpi::L7Engine>(cfg);
  }
};

}  // namespace

TEST(L7Engine, HttpHeaderStatusAndInflatedBodyBuffersReachTheRules) {
  RuleRig rig(
      R"(alert http any any -> any any (msg:"uri"; content:"/dl"; http_uri; sid:1;)
alert http any any -> any any (msg:"request header"; content:"X-Probe|3a| one"; http_header; sid:2;)
alert http any any -> any any (msg:"cookie"; content:"session=abc"; http_cookie; sid:3;)
alert http any any -> any any (msg:"status and uri"; content:"/dl"; http_uri; content:"200"; http_stat_code; sid:4;)
alert http any any -> any any (msg:"server header"; flow:to_client; content:"Server|3a| evil"; http_header; sid:5;)
alert http any any -> any any (msg:"inflated body"; flow:to_client; file_data; content:"secret-marker"; sid:6;)
alert http any any -> any any (msg:"names"; http.header_names; content:"|0d 0a|X-Probe|0d 0a|"; sid:7;))");
  ASSERT_TRUE(rig.l7);
  Collect sink;
  Conn c{*rig.l7, sink};
  c.send(true, "GET /dl HTTP/1.1\r\nHost: h\r\nX-Probe: one\r\nCookie: session=abc\r\n\r\n");
  EXPECT_EQ(sink.by_sid, (std::map<uint32_t, int>{{1, 1}, {2, 1}, {3, 1}, {7, 1}}));
  const std::string body = gzip("<html>" + std::string(3000, 'a') + "secret-marker</html>");
  const std::string head = "HTTP/1.1 200 OK\r\nServer: evil\r\nContent-Encoding: gzip\r\nContent-Length: " +
                           std::to_string(body.size()) + "\r\n\r\n";
  c.send(false, head);
  EXPECT_EQ(sink.by_sid, (std::map<uint32_t, int>{{1, 1}, {2, 1}, {3, 1}, {4, 1}, {5, 1}, {7, 1}}));
  c.send(false, std::string_view(body).substr(0, 10));
  EXPECT_EQ(sink.by_sid.count(6), 0u);  // the body is not complete yet
  c.send(false, std::string_view(body).substr(10));
  EXPECT_EQ(sink.by_sid, (std::map<uint32_t, int>{{1, 1}, {2, 1}, {3, 1}, {4, 1}, {5, 1}, {6, 1}, {7, 1}}));
  // The compressed bytes themselves do not hold the marker: only inflation finds it.
  EXPECT_EQ(body.find("secret-marker"), std::string::npos);
}

// Suricata 7's response-side buffers: http.server and http.location are the response's
// header values, http.response_body is the response's body only (file.data on a
// to_server rule is the request's), and none of them is filled by a request.
TEST(L7Engine, ResponseServerLocationAndBodyBuffers) {
  RuleRig rig(
      R"(alert http any any -> any any (msg:"server"; http.server; content:"nginx/0.8"; startswith; sid:1;)
alert http any any -> any any (msg:"location"; http.location; content:"http://evil.example/next"; bsize:24; sid:2;)
alert http any any -> any any (msg:"response body"; http.response_body; content:"moved-marker"; sid:3;)
alert http any any -> any any (msg:"request body is not the response's"; http.response_body; content:"posted-marker"; sid:5;)
alert http any any -> any any (msg:"server and uri"; http.uri; content:"/go"; http.server; content:"nginx"; sid:6;))");
  ASSERT_TRUE(rig.l7);
  Collect sink;
  Conn c{*rig.l7, sink};
  c.send(true, "POST /go HTTP/1.1\r\nHost: h\r\nServer: nginx/0.8 (a request header)\r\nContent-Length: 13\r\n\r\nposted-marker");
  EXPECT_TRUE(sink.by_sid.empty());
  c.send(false,
         "HTTP/1.1 302 Found\r\nServer: nginx/0.8.54\r\nLocation: http://evil.example/next\r\nContent-Length: "
         "12\r\n\r\nmoved-marker");
  EXPECT_EQ(sink.by_sid, (std::map<uint32_t, int>{{1, 1}, {2, 1}, {3, 1}, {6, 1}}));
}

// pcrexform, with the example of Suricata's documentation: the request line's URI taken
// out by the expression's group is what the content sees; the method is not in it.
TEST(L7Engine, PcrexformMatchesOnTheCapturedGroup) {
  RuleRig rig(
      R"R(alert http any any -> any any (msg:"uri by pcrexform"; http.request_line; pcrexform:"[a-zA-Z]+\s+(.*)\s+HTTP"; content:"/dropper.php"; startswith; sid:1;)
alert http any any -> any any (msg:"method is cut away"; http.request_line; pcrexform:"[a-zA-Z]+\s+(.*)\s+HTTP"; content:"GET"; sid:2;)
alert http any any -> any any (msg:"no match keeps the buffer"; http.request_line; pcrexform:"^POST (.*)"; content:"GET /dropper"; startswith; sid:3;))R");
  ASSERT_TRUE(rig.l7);
  Collect sink;
  Conn c{*rig.l7, sink};
  c.send(true, "GET /dropper.php?x=1 HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(sink.by_sid, (std::map<uint32_t, int>{{1, 1}, {3, 1}}));

  // Suricata rejects an expression without a group, and one PCRE2 cannot compile.
  for (const char* bad : {R"R(alert http any any -> any any (http.uri; pcrexform:"abc"; content:"a"; sid:9;))R",
                          R"R(alert http any any -> any any (http.uri; pcrexform:"(abc"; content:"a"; sid:9;))R"}) {
    std::string error;
    sig::LoadReport r2;
    auto e = sig::SignatureEngine::load_text(bad, sig::default_rule_vars(), error, &r2);
    EXPECT_EQ(r2.rejected, 1u) << bad;
  }
}
