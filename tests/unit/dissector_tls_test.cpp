// TLS dissector on crafted handshakes: JA3/JA4 against values computed independently
// (Python hashlib over the JA3/JA4 strings), splits at every byte, retransmissions,
// gaps, certificates and malformed input.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dissectors/engine.hpp"
#include "core/digest.hpp"
#include "dissectors/tls/tls.hpp"
#include "signatures/signature_engine.hpp"
#include "tests/support/tcp_dissector_flow.hpp"

using namespace flowprobe::dissect;
using flowprobe::Md5;
using flowprobe::Sha1;
using flowprobe::Sha256;
using flowprobe::to_hex;
using Bytes = std::vector<uint8_t>;

namespace {

void put16(Bytes& b, unsigned v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
void put24(Bytes& b, std::size_t v) {
  b.push_back(static_cast<uint8_t>(v >> 16));
  put16(b, static_cast<unsigned>(v & 0xffff));
}
void append(Bytes& b, const Bytes& x) { b.insert(b.end(), x.begin(), x.end()); }
Bytes ext(unsigned type, const Bytes& body) {
  Bytes e;
  put16(e, type);
  put16(e, static_cast<unsigned>(body.size()));
  append(e, body);
  return e;
}
Bytes u16list(std::initializer_list<unsigned> v, int len_bytes = 2) {
  Bytes b;
  if (len_bytes == 2) put16(b, static_cast<unsigned>(v.size() * 2));
  else b.push_back(static_cast<uint8_t>(v.size() * 2));
  for (unsigned x : v) put16(b, x);
  return b;
}

Bytes client_hello_body(const std::string& sni) {
  Bytes b;
  put16(b, 0x0303);
  b.insert(b.end(), 32, 0x11);  // random
  b.push_back(0);               // session id
  append(b, u16list({0x0a0a, 0x1301, 0xc02f}));
  b.push_back(1);
  b.push_back(0);  // null compression
  Bytes exts;
  append(exts, ext(0x1a1a, {}));  // GREASE, ignored
  Bytes s;
  put16(s, static_cast<unsigned>(sni.size() + 3));
  s.push_back(0);
  put16(s, static_cast<unsigned>(sni.size()));
  s.insert(s.end(), sni.begin(), sni.end());
  append(exts, ext(0x0000, s));
  append(exts, ext(0x000a, u16list({0x001d, 0x0017})));
  append(exts, ext(0x000b, {1, 0}));
  append(exts, ext(0x000d, u16list({0x0403, 0x0804})));
  Bytes alpn = {0, 12, 2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  append(exts, ext(0x0010, alpn));
  append(exts, ext(0x002b, u16list({0x0304, 0x0303}, 1)));
  put16(b, static_cast<unsigned>(exts.size()));
  append(b, exts);
  return b;
}

Bytes handshake(uint8_t type, const Bytes& body) {
  Bytes h{type};
  put24(h, body.size());
  append(h, body);
  return h;
}
Bytes record(uint8_t type, const Bytes& body) {
  Bytes r{type, 3, 1};
  put16(r, static_cast<unsigned>(body.size()));
  append(r, body);
  return r;
}

Bytes server_hello_body(unsigned version_ext) {
  Bytes b;
  put16(b, 0x0303);
  b.insert(b.end(), 32, 0x22);
  b.push_back(0);
  put16(b, 0xc02f);
  b.push_back(0);
  Bytes exts;
  append(exts, ext(0xff01, {0}));
  append(exts, ext(0x0010, {0, 3, 2, 'h', '2'}));
  if (version_ext) {
    Bytes v;
    put16(v, version_ext);
    append(exts, ext(0x002b, v));
  }
  put16(b, static_cast<unsigned>(exts.size()));
  append(b, exts);
  return b;
}

Bytes der(uint8_t tag, const Bytes& content) {
  Bytes d{tag};
  if (content.size() < 128) {
    d.push_back(static_cast<uint8_t>(content.size()));
  } else {
    d.push_back(0x82);
    put16(d, static_cast<unsigned>(content.size()));
  }
  append(d, content);
  return d;
}
Bytes rdn(uint8_t oid_last, const std::string& v) {
  Bytes atv = der(0x06, {0x55, 0x04, oid_last});
  append(atv, der(0x0c, Bytes(v.begin(), v.end())));
  return der(0x31, der(0x30, atv));
}
Bytes certificate() {
  Bytes tbs = der(0xa0, der(0x02, {2}));
  append(tbs, der(0x02, {0x01, 0x02}));
  append(tbs, der(0x30, der(0x06, {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b})));
  Bytes issuer = rdn(6, "US");
  append(issuer, rdn(10, "Test CA"));
  append(tbs, der(0x30, issuer));
  const std::string nb = "240101000000Z", na = "20341231235959Z";
  Bytes validity = der(0x17, Bytes(nb.begin(), nb.end()));
  append(validity, der(0x18, Bytes(na.begin(), na.end())));
  append(tbs, der(0x30, validity));
  append(tbs, der(0x30, rdn(3, "www.example.com")));
  Bytes cert = der(0x30, tbs);
  append(cert, der(0x30, der(0x06, {0x2a})));
  return der(0x30, cert);
}

struct Flow : flowprobe::test::TcpDissectorFlow {
  Flow() : TcpDissectorFlow(443) {}
};

}  // namespace

TEST(Hashes, KnownVectors) {
  auto hex = [](auto digest) {
    std::string s(digest.size() * 2, '?');
    to_hex(digest, s.data());
    return s;
  };
  Md5 a;
  EXPECT_EQ(hex(a.finish()), "d41d8cd98f00b204e9800998ecf8427e");
  Md5 b;
  b.update(std::string_view("ab"));
  b.update(std::string_view("c"));
  EXPECT_EQ(hex(b.finish()), "900150983cd24fb0d6963f7d28e17f72");
  Sha1 c;
  c.update(std::string_view("abc"));
  EXPECT_EQ(hex(c.finish()), "a9993e364706816aba3e25717850c26c9cd0d89d");
  Sha256 d;
  d.update(std::string_view("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"));
  EXPECT_EQ(hex(d.finish()), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  Sha256 e;  // more than one block, fed in odd pieces
  std::string million(1000, 'a');
  for (int i = 0; i < 1000; ++i) e.update(std::string_view(million));
  EXPECT_EQ(hex(e.finish()), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(TlsDissector, ClientHelloFieldsAndFingerprints) {
  TlsMeta m;
  ASSERT_TRUE(parse_client_hello(client_hello_body("example.com"), m, false));
  EXPECT_EQ(m.server_name.view(), "example.com");
  EXPECT_EQ(m.alpn.view(), "h2,http/1.1");
  EXPECT_EQ(m.ja3c.view(), "97737df38853b88c4324af06e211c4a1");  // 771,4865-49199,0-10-11-13-16-43,29-23,0
  EXPECT_EQ(m.ja4c.view(), "t13d0206h2_c1929292aa6b_fb71836bce29");
  EXPECT_EQ(m.client_version, 0x0304);
}

TEST(TlsDissector, FullHandshakeSplitAtEveryByte) {
  const Bytes ch = record(22, handshake(1, client_hello_body("split.example")));
  Bytes sh = record(22, handshake(2, server_hello_body(0)));
  Bytes cert_msg;
  const Bytes cert = certificate();
  put24(cert_msg, cert.size() + 3);
  put24(cert_msg, cert.size());
  append(cert_msg, cert);
  append(sh, record(22, handshake(11, cert_msg)));
  for (std::size_t cut = 1; cut < ch.size(); cut += 7) {
    Flow f;
    f.send(true, std::span(ch).first(cut));
    f.send(true, std::span(ch).subspan(cut));
    ASSERT_TRUE(f.meta.tls());
    EXPECT_EQ(f.meta.tls()->server_name.view(), "split.example") << cut;
    // The server flight split in three, with a retransmission of the first part.
    const std::size_t a = sh.size() / 3, b = 2 * sh.size() / 3;
    f.send(false, std::span(sh).first(a));
    f.send(false, std::span(sh).first(a), -static_cast<int32_t>(a));
    f.send(false, std::span(sh).subspan(a, b - a));
    f.send(false, std::span(sh).subspan(b));
    const TlsMeta& m = *f.meta.tls();
    EXPECT_EQ(m.version, 0x0303);
    EXPECT_EQ(m.cipher, 0xc02f);
    EXPECT_EQ(m.ja3s.view(), "7bee5c1d424b7e5f943b06983bb11422");  // 771,49199,65281-16
    EXPECT_EQ(m.alpn_negotiated.view(), "h2");
    EXPECT_TRUE(m.has_certificate);
    EXPECT_EQ(m.cert_subject.view(), "CN=www.example.com");
    EXPECT_EQ(m.cert_issuer.view(), "C=US, O=Test CA");
    ASSERT_EQ(m.cert_serial_len, 2u);  // tls.cert_serial "01:02"
    EXPECT_EQ(m.cert_serial[0], 1);
    EXPECT_EQ(m.cert_serial[1], 2);
    EXPECT_EQ(m.cert_not_before, 1704067200);
    EXPECT_EQ(m.cert_not_after, 2051222399);
    Sha1 s;
    s.update(cert);
    EXPECT_EQ(m.cert_sha1, s.finish());
    EXPECT_EQ(f.fd.status, FlowDissect::Status::finished);  // state returned to the pool
    EXPECT_EQ(f.engine.pool(0).in_use(), 0u);
  }
}

namespace {

// What the dissector reported at the certificate step, turned into rule buffers at once
// (the views die after the call), as the L7 engine does.
struct ChainCollect final : TxSink {
  void* scratch = tls_create_rule_scratch();
  ~ChainCollect() override { tls_destroy_rule_scratch(scratch); }
  std::vector<Bytes> certs;  // tls.certs' instances
  int cert_steps = 0;
  bool truncated = false;
  void part(const TxPartView& v) noexcept override {
    if (static_cast<TlsStep>(v.step) != TlsStep::certificate) return;
    ++cert_steps;
    truncated = v.truncated;
    flowprobe::sig::AppBuffers b;
    tls_rule_buffers(v, scratch, b);
    for (auto c : b.instances(flowprobe::sig::BufferKind::tls_certs)) certs.emplace_back(c.begin(), c.end());
  }
  void emit(AppKind, const void*, std::size_t, uint64_t) noexcept override {}
};

// A Certificate message's body: certificate_list<3> of each ASN.1Cert<3>.
Bytes certificate_list(const std::vector<Bytes>& chain) {
  Bytes list;
  for (const Bytes& c : chain) {
    put24(list, c.size());
    append(list, c);
  }
  Bytes msg;
  put24(msg, list.size());
  append(msg, list);
  return msg;
}

// The server's flight: ServerHello, Certificate (records of at most 16 KB), ServerHelloDone.
Bytes server_flight(const Bytes& cert_msg) {
  Bytes hs = handshake(2, server_hello_body(0));
  append(hs, handshake(11, cert_msg));
  append(hs, handshake(14, {}));
  Bytes out;
  for (std::size_t at = 0; at < hs.size(); at += 16384)
    append(out, record(22, Bytes(hs.begin() + static_cast<long>(at), hs.begin() + static_cast<long>(std::min(hs.size(), at + 16384)))));
  return out;
}

}  // namespace

// tls.certs: each certificate of the chain, as sent, split across segments; a chain past
// the server buffer (kServerBuf) keeps its whole certificates and says it was cut.
TEST(TlsDissector, ChainCertificatesForTheRules) {
  const Bytes leaf = certificate();
  // A handshake whose server sends `chain` in segments of `step` bytes: what the rules saw.
  const auto run = [](const std::vector<Bytes>& chain, std::size_t step, ChainCollect& sink) {
    flowprobe::dissect::EngineConfig cfg;
    sink.parts_wanted = true;
    cfg.tx = &sink;
    flowprobe::test::TcpDissectorFlow f(443, cfg);
    f.send(true, record(22, handshake(1, client_hello_body("chain.example"))));
    const Bytes flight = server_flight(certificate_list(chain));
    for (std::size_t at = 0; at < flight.size(); at += step)
      f.send(false, std::span(flight).subspan(at, std::min(step, flight.size() - at)));
    EXPECT_EQ(sink.cert_steps, 1);
    EXPECT_EQ(f.meta.tls()->cert_subject.view(), "CN=www.example.com");
  };
  {
    const Bytes ca = der(0x30, Bytes(900, 0xca)), root = der(0x30, Bytes(700, 0x77));
    ChainCollect sink;
    run({leaf, ca, root}, 1000, sink);
    EXPECT_FALSE(sink.truncated);
    EXPECT_EQ(sink.certs, (std::vector<Bytes>{leaf, ca, root}));
  }
  {
    // 3 + leaf + 3 x (3 + 2004) bytes of list: the third CA certificate ends past the buffer.
    const Bytes big = der(0x30, Bytes(2000, 0xbb));
    ChainCollect sink;
    run({leaf, big, big, big}, 1460, sink);
    EXPECT_TRUE(sink.truncated);
    EXPECT_EQ(sink.certs, (std::vector<Bytes>{leaf, big, big}));
  }
  {
    // More certificates than kMaxChainCerts: the first ones, and cut.
    std::vector<Bytes> many(kMaxChainCerts + 2, der(0x30, Bytes(10, 0x11)));
    many[0] = leaf;
    ChainCollect sink;
    run(many, 100000, sink);
    EXPECT_TRUE(sink.truncated);
    ASSERT_EQ(sink.certs.size(), kMaxChainCerts);
    EXPECT_EQ(sink.certs[0], leaf);
  }
}

TEST(TlsDissector, Tls13StopsAfterServerHello) {
  Flow f;
  const Bytes ch = record(22, handshake(1, client_hello_body("a.example")));
  const Bytes sh = record(22, handshake(2, server_hello_body(0x0304)));
  f.send(true, ch);
  f.send(false, sh);
  EXPECT_EQ(f.meta.tls()->version, 0x0304);
  EXPECT_EQ(f.fd.status, FlowDissect::Status::finished);
}

TEST(TlsDissector, GapBeforeClientHelloCompletesSkips) {
  Flow f;
  const Bytes ch = record(22, handshake(1, client_hello_body("gap.example")));
  f.send(true, std::span(ch).first(20));
  f.send(true, std::span(ch).subspan(40), 20);  // 20 bytes missing
  EXPECT_EQ(f.fd.status, FlowDissect::Status::finished);
  EXPECT_TRUE(f.meta.tls()->server_name.empty());
  EXPECT_EQ(f.engine.counters().skipped[0], 1u);
}

TEST(TlsDissector, TruncatedAndMalformedNeverCrash) {
  const Bytes body = client_hello_body("t.example");
  for (std::size_t n = 0; n < body.size(); ++n) {
    TlsMeta m;
    parse_client_hello(std::span(body).first(n), m, false);
    Bytes bad = body;
    bad[n] ^= 0xff;
    TlsMeta m2;
    parse_client_hello(bad, m2, false);
  }
  const Bytes cert = certificate();
  for (std::size_t n = 0; n < cert.size(); ++n) {
    TlsMeta m;
    parse_certificate(std::span(cert).first(n), m);
  }
  Flow f;
  const Bytes junk = {22, 3, 1, 0xff, 0xff, 1, 2, 3};  // record longer than TLS allows
  f.send(true, junk);
  EXPECT_EQ(f.fd.status, FlowDissect::Status::finished);
}

TEST(TlsDissector, ProbeNeedsAHelloRecord) {
  PacketContext c;
  c.l4_proto = 6;
  const Bytes ch = record(22, handshake(1, client_hello_body("x")));
  c.payload = ch;
  EXPECT_EQ(tls_probe(c), Probe::certain);
  const Bytes http = {'G', 'E', 'T', ' ', '/'};
  c.payload = http;
  EXPECT_EQ(tls_probe(c), Probe::not_mine);
  c.payload = std::span(ch).first(3);
  EXPECT_EQ(tls_probe(c), Probe::unsure);
}
