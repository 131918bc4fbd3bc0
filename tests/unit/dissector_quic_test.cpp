// QUIC dissector: the Initial keys and the client and server Initial packets of RFC 9001
// Appendix A (bytes verbatim), v2 and draft-29 keys from RFC 9369 A.1 and quic-go's
// tests, and Initials protected here with OpenSSL directly: a ClientHello split across
// two packets with its CRYPTO frames out of order, a Retry that changes the keys, and
// truncated, corrupted and garbage input. JA3/JA4 of the RFC's ClientHello were
// computed independently (Python hashlib over the JA3/JA4 strings of its bytes).
#include <gtest/gtest.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <atomic>
#include <cstdlib>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "dissectors/engine.hpp"
#include "dissectors/quic/quic.hpp"
#include "dissectors/tls/tls.hpp"

using namespace flowprobe::dissect;
using Bytes = std::vector<uint8_t>;

namespace {

Bytes unhex(std::string s) {
  std::erase_if(s, [](char c) { return c == ' ' || c == '\n'; });
  Bytes b;
  for (std::size_t i = 0; i + 1 < s.size(); i += 2) b.push_back(static_cast<uint8_t>(std::stoi(s.substr(i, 2), nullptr, 16)));
  return b;
}
template <std::size_t N>
std::string hex(const std::array<uint8_t, N>& a) {
  static constexpr char k[] = "0123456789abcdef";
  std::string s;
  for (uint8_t x : a) {
    s.push_back(k[x >> 4]);
    s.push_back(k[x & 15]);
  }
  return s;
}

// Every OpenSSL allocation in this binary is counted: the hooks go in before any test
// runs (OpenSSL refuses them once it has allocated), so the packet path can be checked.
std::atomic<long> g_openssl_allocs{0};
void* counting_malloc(std::size_t n, const char*, int) {
  ++g_openssl_allocs;
  return std::malloc(n);
}
void* counting_realloc(void* p, std::size_t n, const char*, int) {
  ++g_openssl_allocs;
  return std::realloc(p, n);
}
void plain_free(void* p, const char*, int) { std::free(p); }
const bool g_counting = CRYPTO_set_mem_functions(counting_malloc, counting_realloc, plain_free) == 1;

const Bytes kRfcDcid = unhex("8394c8f03e515708");

// RFC 9001 A.2: the CRYPTO frame inside the client's Initial.
const Bytes kRfcClientCrypto = unhex(R"(
   060040f1010000ed0303ebf8fa56f129 39b9584a3896472ec40bb863cfd3e868
   04fe3a47f06a2b69484c000004130113 02010000c000000010000e00000b6578
   616d706c652e636f6dff01000100000a 00080006001d00170018001000070005
   04616c706e0005000501000000000033 00260024001d00209370b2c9caa47fba
   baf4559fedba753de171fa71f50f1ce1 5d43e994ec74d748002b000302030400
   0d0010000e0403050306030203080408 050806002d00020101001c0002400100
   3900320408ffffffffffffffff050480 00ffff07048000ffff08011001048000
   75300901100f088394c8f03e51570806 048000ffff)");

// RFC 9001 A.2: the protected client Initial (1200 bytes).
const Bytes kRfcClientInitial = unhex(R"(
   c000000001088394c8f03e5157080000 449e7b9aec34d1b1c98dd7689fb8ec11
   d242b123dc9bd8bab936b47d92ec356c 0bab7df5976d27cd449f63300099f399
   1c260ec4c60d17b31f8429157bb35a12 82a643a8d2262cad67500cadb8e7378c
   8eb7539ec4d4905fed1bee1fc8aafba1 7c750e2c7ace01e6005f80fcb7df6212
   30c83711b39343fa028cea7f7fb5ff89 eac2308249a02252155e2347b63d58c5
   457afd84d05dfffdb20392844ae81215 4682e9cf012f9021a6f0be17ddd0c208
   4dce25ff9b06cde535d0f920a2db1bf3 62c23e596d11a4f5a6cf3948838a3aec
   4e15daf8500a6ef69ec4e3feb6b1d98e 610ac8b7ec3faf6ad760b7bad1db4ba3
   485e8a94dc250ae3fdb41ed15fb6a8e5 eba0fc3dd60bc8e30c5c4287e53805db
   059ae0648db2f64264ed5e39be2e20d8 2df566da8dd5998ccabdae053060ae6c
   7b4378e846d29f37ed7b4ea9ec5d82e7 961b7f25a9323851f681d582363aa5f8
   9937f5a67258bf63ad6f1a0b1d96dbd4 faddfcefc5266ba6611722395c906556
   be52afe3f565636ad1b17d508b73d874 3eeb524be22b3dcbc2c7468d54119c74
   68449a13d8e3b95811a198f3491de3e7 fe942b330407abf82a4ed7c1b311663a
   c69890f4157015853d91e923037c227a 33cdd5ec281ca3f79c44546b9d90ca00
   f064c99e3dd97911d39fe9c5d0b23a22 9a234cb36186c4819e8b9c5927726632
   291d6a418211cc2962e20fe47feb3edf 330f2c603a9d48c0fcb5699dbfe58964
   25c5bac4aee82e57a85aaf4e2513e4f0 5796b07ba2ee47d80506f8d2c25e50fd
   14de71e6c418559302f939b0e1abd576 f279c4b2e0feb85c1f28ff18f58891ff
   ef132eef2fa09346aee33c28eb130ff2 8f5b766953334113211996d20011a198
   e3fc433f9f2541010ae17c1bf202580f 6047472fb36857fe843b19f5984009dd
   c324044e847a4f4a0ab34f719595de37 252d6235365e9b84392b061085349d73
   203a4a13e96f5432ec0fd4a1ee65accd d5e3904df54c1da510b0ff20dcc0c77f
   cb2c0e0eb605cb0504db87632cf3d8b4 dae6e705769d1de354270123cb11450e
   fc60ac47683d7b8d0f811365565fd98c 4c8eb936bcab8d069fc33bd801b03ade
   a2e1fbc5aa463d08ca19896d2bf59a07 1b851e6c239052172f296bfb5e724047
   90a2181014f3b94a4e97d117b4381303 68cc39dbb2d198065ae3986547926cd2
   162f40a29f0c3c8745c0f50fba3852e5 66d44575c29d39a03f0cda721984b6f4
   40591f355e12d439ff150aab7613499d bd49adabc8676eef023b15b65bfc5ca0
   6948109f23f350db82123535eb8a7433 bdabcb909271a6ecbcb58b936a88cd4e
   8f2e6ff5800175f113253d8fa9ca8885 c2f552e657dc603f252e1a8e308f76f0
   be79e2fb8f5d5fbbe2e30ecadd220723 c8c0aea8078cdfcb3868263ff8f09400
   54da48781893a7e49ad5aff4af300cd8 04a6b6279ab3ff3afb64491c85194aab
   760d58a606654f9f4400e8b38591356f bf6425aca26dc85244259ff2b19c41b9
   f96f3ca9ec1dde434da7d2d392b905dd f3d1f9af93d1af5950bd493f5aa731b4
   056df31bd267b6b90a079831aaf579be 0a39013137aac6d404f518cfd4684064
   7e78bfe706ca4cf5e9c5453e9f7cfd2b 8b4c8d169a44e55c88d4a9a7f9474241
   e221af44860018ab0856972e194cd934)");

// RFC 9001 A.3: the protected server Initial (ACK + CRYPTO with the ServerHello).
const Bytes kRfcServerInitial = unhex(R"(
   cf000000010008f067a5502a4262b500 4075c0d95a482cd0991cd25b0aac406a
   5816b6394100f37a1c69797554780bb3 8cc5a99f5ede4cf73c3ec2493a1839b3
   dbcba3f6ea46c5b7684df3548e7ddeb9 c3bf9c73cc3f3bded74b562bfb19fb84
   022f8ef4cdd93795d77d06edbb7aaf2f 58891850abbdca3d20398c276456cbc4
   2158407dd074ee)");

struct CryptoDeleter {
  void operator()(QuicCrypto* c) const { quic_crypto_destroy(c); }
};
using CryptoPtr = std::unique_ptr<QuicCrypto, CryptoDeleter>;

PacketContext udp(std::span<const uint8_t> p, bool from_client, void* shared = nullptr) {
  PacketContext c;
  c.payload = p;
  c.l4_proto = 17;
  c.from_client = from_client;
  c.client_port = 50000;
  c.server_port = 443;
  c.shared = shared;
  return c;
}

// A QuicState on the heap (it is 7 KB) with its crypto context, driven without the engine.
struct Direct {
  CryptoPtr cx{quic_crypto_create()};
  std::unique_ptr<QuicState> st = std::make_unique<QuicState>();
  AppMetadata meta;
  Parse send(std::span<const uint8_t> p, bool from_client) { return st->parse(udp(p, from_client, cx.get()), meta); }
};

// --- Packet protection written against RFC 9001 5.3/5.4 with OpenSSL, for Initials of our own.

void put(Bytes& b, uint64_t v, int n) {
  for (int i = n - 1; i >= 0; --i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void append(Bytes& b, const Bytes& x) { b.insert(b.end(), x.begin(), x.end()); }

Bytes crypto_frame(uint64_t offset, std::span<const uint8_t> data) {
  Bytes f{0x06};
  put(f, 0x80000000u | offset, 4);  // 4-byte varints
  put(f, 0x80000000u | data.size(), 4);
  f.insert(f.end(), data.begin(), data.end());
  return f;
}

Bytes protect(const QuicKeys& k, const Bytes& dcid, const Bytes& scid, uint32_t pn, Bytes frames,
              std::size_t pad_to = 1162, uint32_t version = 1) {
  if (frames.size() < pad_to) frames.resize(pad_to, 0x00);  // PADDING
  // Long header, Initial (type 0, or 1 in v2), 4-byte packet number.
  Bytes p{static_cast<uint8_t>(version == 0x6b3343cf ? 0xd3 : 0xc3)};
  put(p, version, 4);
  p.push_back(static_cast<uint8_t>(dcid.size()));
  append(p, dcid);
  p.push_back(static_cast<uint8_t>(scid.size()));
  append(p, scid);
  p.push_back(0);  // token length
  put(p, 0x4000u | (4 + frames.size() + 16), 2);
  const std::size_t pn_offset = p.size();
  put(p, pn, 4);
  std::array<uint8_t, 12> nonce = k.iv;
  for (int i = 0; i < 4; ++i) nonce[8 + i] ^= static_cast<uint8_t>(pn >> (24 - 8 * i));
  Bytes ct(frames.size() + 16);
  EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
  int len = 0;
  EXPECT_EQ(EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), nullptr, k.key.data(), nonce.data()), 1);
  EVP_EncryptUpdate(c, nullptr, &len, p.data(), static_cast<int>(p.size()));
  EVP_EncryptUpdate(c, ct.data(), &len, frames.data(), static_cast<int>(frames.size()));
  EVP_EncryptFinal_ex(c, ct.data() + len, &len);
  EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, ct.data() + frames.size());
  append(p, ct);
  uint8_t mask[32];
  EXPECT_EQ(EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), nullptr, k.hp.data(), nullptr), 1);
  EVP_EncryptUpdate(c, mask, &len, p.data() + pn_offset + 4, 16);
  EVP_CIPHER_CTX_free(c);
  p[0] ^= mask[0] & 0x0f;
  for (int i = 0; i < 4; ++i) p[pn_offset + i] ^= mask[1 + i];
  return p;
}

QuicKeys keys_for(const Bytes& dcid, bool server, uint32_t version = 1) {
  QuicKeys k;
  EXPECT_TRUE(quic_initial_keys(version, dcid, server, k));
  return k;
}

// A ClientHello of about 1.5 KB (a padding extension, as Chrome's), so it needs two packets.
Bytes big_client_hello() {
  Bytes b;
  put(b, 0x0303, 2);
  b.insert(b.end(), 32, 0x11);
  b.push_back(0);
  put(b, 6, 2);
  put(b, 0x1301, 2);
  put(b, 0x1302, 2);
  put(b, 0x1303, 2);
  b.push_back(1);
  b.push_back(0);
  Bytes exts;
  auto ext = [&exts](unsigned type, const Bytes& body) {
    put(exts, type, 2);
    put(exts, body.size(), 2);
    append(exts, body);
  };
  const std::string sni = "www.example.org";
  Bytes s;
  put(s, sni.size() + 3, 2);
  s.push_back(0);
  put(s, sni.size(), 2);
  s.insert(s.end(), sni.begin(), sni.end());
  ext(0x0000, s);
  ext(0x000a, {0, 4, 0, 0x1d, 0, 0x17});
  ext(0x0010, {0, 3, 2, 'h', '3'});
  ext(0x002b, {2, 3, 4});
  ext(0x000d, {0, 4, 4, 3, 8, 4});
  ext(0x0039, {1, 4, 0x80, 0, 0xff, 0xff});
  ext(0x0015, Bytes(1300, 0));
  put(b, exts.size(), 2);
  append(b, exts);
  Bytes msg{0x01};
  put(msg, b.size(), 3);
  append(msg, b);
  return msg;
}

Bytes server_hello_msg() {
  Bytes b;
  put(b, 0x0303, 2);
  b.insert(b.end(), 32, 0x22);
  b.push_back(0);
  put(b, 0x1302, 2);
  b.push_back(0);
  Bytes exts = {0x00, 0x2b, 0x00, 0x02, 0x03, 0x04};
  put(b, exts.size(), 2);
  append(b, exts);
  Bytes msg{0x02};
  put(msg, b.size(), 3);
  append(msg, b);
  return msg;
}

}  // namespace

TEST(QuicKeys, Rfc9001AppendixA1) {
  QuicKeys c, s;
  ASSERT_TRUE(quic_initial_keys(1, kRfcDcid, false, c));
  ASSERT_TRUE(quic_initial_keys(1, kRfcDcid, true, s));
  EXPECT_EQ(hex(c.key), "1f369613dd76d5467730efcbe3b1a22d");
  EXPECT_EQ(hex(c.iv), "fa044b2f42a3fd3b46fb255c");
  EXPECT_EQ(hex(c.hp), "9f50449e04a0e810283a1e9933adedd2");
  EXPECT_EQ(hex(s.key), "cf3a5331653c364c88f0f379b6067e37");
  EXPECT_EQ(hex(s.iv), "0ac1493ca1905853b0bba03e");
  EXPECT_EQ(hex(s.hp), "c206b8d9b9f0f37644430b490eeaa314");
}

TEST(QuicKeys, Rfc9369V2AndDraft29) {
  QuicKeys c, s;
  ASSERT_TRUE(quic_initial_keys(0x6b3343cf, kRfcDcid, false, c));
  ASSERT_TRUE(quic_initial_keys(0x6b3343cf, kRfcDcid, true, s));
  EXPECT_EQ(hex(c.key), "8b1a0bc121284290a29e0971b5cd045d");
  EXPECT_EQ(hex(c.iv), "91f73e2351d8fa91660e909f");
  EXPECT_EQ(hex(c.hp), "45b95e15235d6f45a6b19cbcb0294ba9");
  EXPECT_EQ(hex(s.key), "82db637861d55e1d011f19ea71d5d2a7");
  EXPECT_EQ(hex(s.iv), "dd13c276499c0249d3310652");
  EXPECT_EQ(hex(s.hp), "edf6d05c83121201b436e16877593c3a");
  ASSERT_TRUE(quic_initial_keys(0xff00001d, kRfcDcid, false, c));
  EXPECT_EQ(hex(c.key), "175257a31eb09dea9366d8bb79ad80ba");
  EXPECT_EQ(hex(c.iv), "6b26114b9cba2b63a9e8dd4f");
  EXPECT_FALSE(quic_initial_keys(0x12345678, kRfcDcid, false, c));
}

TEST(QuicDissector, Rfc9001ClientInitialDecryptsToItsClientHello) {
  ASSERT_EQ(kRfcClientInitial.size(), 1200u);
  Direct d;
  ASSERT_TRUE(d.cx);
  EXPECT_EQ(d.send(kRfcClientInitial, true), Parse::cont);  // waits for the server's Initial
  // The CRYPTO stream holds exactly the RFC's frame data (after its 4-byte frame header).
  const std::span<const uint8_t> want = std::span(kRfcClientCrypto).subspan(4);
  ASSERT_EQ(want.size(), 241u);
  EXPECT_TRUE(d.st->client.covered(want.size()));
  EXPECT_FALSE(d.st->client.covered(want.size() + 1));
  EXPECT_TRUE(std::equal(want.begin(), want.end(), d.st->client.buf));

  ASSERT_EQ(d.meta.kind, AppKind::quic);
  const TlsMeta& m = *d.meta.part<TlsMeta>();
  EXPECT_TRUE(m.has_client_hello);
  EXPECT_EQ(m.server_name.view(), "example.com");
  EXPECT_EQ(m.alpn.view(), "alpn");
  EXPECT_EQ(m.client_version, 0x0304);
  // 771,4865-4866,0-65281-10-16-5-51-43-13-45-28-57,29-23-24,
  EXPECT_EQ(m.ja3c.view(), "41bc9ae914d6cb3bd0bd0a5453ab7d7f");
  EXPECT_EQ(m.ja4c.view(), "q13d0211an_62ed6f6ca7ad_4d634acda6c0");
  EXPECT_FALSE(m.has_server_hello);
}

TEST(QuicDissector, Rfc9001ServerInitialGivesTheServerHello) {
  Direct d;
  ASSERT_EQ(d.send(kRfcClientInitial, true), Parse::cont);
  EXPECT_EQ(d.send(kRfcServerInitial, false), Parse::done);
  const TlsMeta& m = *d.meta.part<TlsMeta>();
  EXPECT_TRUE(m.has_server_hello);
  EXPECT_EQ(m.version, 0x0304);
  EXPECT_EQ(m.cipher, 0x1301);
  EXPECT_EQ(m.server_name.view(), "example.com");
}

TEST(QuicDissector, ZerosAfterTheInitialAreNotA1RttPacket) {
  // curl and Chrome pad the datagram with zeros after the Initial packet; taking them for
  // a short-header packet would end the flow before the server's Initial.
  Bytes padded = kRfcClientInitial;
  padded.insert(padded.end(), 52, 0x00);
  Direct d;
  EXPECT_EQ(d.send(padded, true), Parse::cont);
  EXPECT_EQ(d.send(kRfcServerInitial, false), Parse::done);
  EXPECT_EQ(d.meta.part<TlsMeta>()->cipher, 0x1301);
  // A datagram that starts with a short header is 1-RTT: the handshake is over.
  Direct e;
  EXPECT_EQ(e.send(kRfcClientInitial, true), Parse::cont);
  const Bytes one_rtt = {0x43, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20};
  EXPECT_EQ(e.send(one_rtt, true), Parse::done);
}

TEST(QuicDissector, PacketPathMakesNoOpenSslAllocations) {
  if (!g_counting) GTEST_SKIP() << "OpenSSL allocated before the counting hooks went in";
  Direct d;  // the context is made here, as the engine makes it at start
  ASSERT_TRUE(d.cx);
  const long before = g_openssl_allocs.load();
  // The first flow: key derivation, header protection, AEAD, both sides.
  EXPECT_EQ(d.send(kRfcClientInitial, true), Parse::cont);
  EXPECT_EQ(d.send(kRfcServerInitial, false), Parse::done);
  ASSERT_TRUE(d.meta.part<TlsMeta>()->has_server_hello);
  // A packet that fails authentication, and a second flow.
  Bytes bad = kRfcClientInitial;
  bad[600] ^= 1;
  *d.st = QuicState{};
  (void)d.send(bad, true);
  (void)d.send(kRfcClientInitial, true);
  EXPECT_EQ(g_openssl_allocs.load() - before, 0);
}

TEST(QuicDissector, ServerInitialWithoutTheClientsIsIgnored) {
  Direct d;
  EXPECT_EQ(d.send(kRfcServerInitial, false), Parse::cont);  // no DCID seen: no keys
  EXPECT_FALSE(d.meta.part<TlsMeta>()->has_server_hello);
}

TEST(QuicDissector, EngineProbesQuicOnUdp) {
  DissectorEngine e;
  FlowDissect fd;
  AppMetadata meta;
  e.on_packet(fd, meta, udp(kRfcClientInitial, true));
  ASSERT_EQ(fd.status, FlowDissect::Status::parsing);
  EXPECT_EQ(kProtocols[fd.dissector]->flow, &kQuicDissector);
  e.on_packet(fd, meta, udp(kRfcServerInitial, false));
  EXPECT_EQ(fd.status, FlowDissect::Status::finished);
  EXPECT_EQ(meta.kind, AppKind::quic);
  EXPECT_EQ(meta.part<TlsMeta>()->server_name.view(), "example.com");
  EXPECT_EQ(meta.part<TlsMeta>()->cipher, 0x1301);
  EXPECT_EQ(e.pool(fd.dissector).in_use(), 0u);
  // The same bytes over TCP are not QUIC.
  PacketContext tcp = udp(kRfcClientInitial, true);
  tcp.l4_proto = 6;
  EXPECT_EQ(quic_probe(tcp), Probe::not_mine);
}

TEST(QuicDissector, ClientHelloSplitAcrossTwoInitialsOutOfOrder) {
  const Bytes dcid = unhex("0011223344556677"), scid = unhex("a1a2a3a4"), server_cid = unhex("b1b2b3b4b5b6");
  const QuicKeys ck = keys_for(dcid, false), sk = keys_for(dcid, true);
  const Bytes ch = big_client_hello();
  ASSERT_GT(ch.size(), 1400u);
  const std::span<const uint8_t> all(ch);
  // Packet 1: the tail first, then the head (Chrome's order). Packet 2: the middle, sent
  // after the server's Initial, so to the server's CID but still under the first keys.
  Bytes f1 = crypto_frame(900, all.subspan(900));
  append(f1, crypto_frame(0, all.first(300)));
  const Bytes p1 = protect(ck, dcid, scid, 0, f1, 0);
  const Bytes p2 = protect(ck, server_cid, scid, 1, crypto_frame(300, all.subspan(300, 600)));
  Bytes sf = {0x02, 0x00, 0x00, 0x00, 0x00};  // ACK of packet 0
  append(sf, crypto_frame(0, server_hello_msg()));
  const Bytes s1 = protect(sk, scid, server_cid, 0, sf, 0);

  Direct d;
  EXPECT_EQ(d.send(p1, true), Parse::cont);
  EXPECT_FALSE(d.meta.part<TlsMeta>()->has_client_hello);
  EXPECT_EQ(d.send(s1, false), Parse::cont);
  EXPECT_TRUE(d.meta.part<TlsMeta>()->has_server_hello);
  EXPECT_EQ(d.meta.part<TlsMeta>()->cipher, 0x1302);
  EXPECT_EQ(d.send(p2, true), Parse::done);
  const TlsMeta& m = *d.meta.part<TlsMeta>();
  ASSERT_TRUE(m.has_client_hello);
  EXPECT_EQ(m.server_name.view(), "www.example.org");
  EXPECT_EQ(m.alpn.view(), "h3");
  // The same ClientHello parsed whole gives the same fingerprints.
  TlsMeta whole;
  ASSERT_TRUE(parse_client_hello(all.subspan(4), whole, true));
  EXPECT_EQ(m.ja3c.view(), whole.ja3c.view());
  EXPECT_EQ(m.ja4c.view(), whole.ja4c.view());
  EXPECT_EQ(m.ja4c.view().substr(0, 10), "q13d0307h3");  // 3 ciphers, 7 extensions, "h3"
}

TEST(QuicDissector, RetryChangesTheInitialKeys) {
  const Bytes dcid1 = unhex("0102030405060708"), dcid2 = unhex("1112131415161718191a"), scid = unhex("c1c2");
  const Bytes ch = big_client_hello();
  const Bytes p1 = protect(keys_for(dcid1, false), dcid1, scid, 0, crypto_frame(0, std::span(ch).first(600)), 0);
  Bytes retry = {0xf0};  // Retry: new SCID, token, integrity tag (not checked)
  put(retry, 1, 4);
  retry.push_back(static_cast<uint8_t>(scid.size()));
  append(retry, scid);
  retry.push_back(static_cast<uint8_t>(dcid2.size()));
  append(retry, dcid2);
  retry.insert(retry.end(), 24, 0x77);
  const Bytes p2 = protect(keys_for(dcid2, false), dcid2, scid, 1, crypto_frame(0, ch), 0);
  const Bytes s1 = protect(keys_for(dcid2, true), scid, dcid2, 0, crypto_frame(0, server_hello_msg()), 0);

  Direct d;
  EXPECT_EQ(d.send(p1, true), Parse::cont);
  EXPECT_EQ(d.send(retry, false), Parse::cont);
  EXPECT_EQ(d.send(p2, true), Parse::cont);
  EXPECT_EQ(d.meta.part<TlsMeta>()->server_name.view(), "www.example.org");
  EXPECT_EQ(d.send(s1, false), Parse::done);
  EXPECT_EQ(d.meta.part<TlsMeta>()->version, 0x0304);
}

TEST(QuicDissector, ServerAnswersInV2ToAV1ClientHello) {
  // Compatible version negotiation (RFC 9368): the server's Initial is v2, keyed from
  // the client's first DCID with v2's salt and labels.
  const Bytes server_cid = unhex("5151515151515151");
  const Bytes s1 = protect(keys_for(kRfcDcid, true, 0x6b3343cf), unhex("f067a5502a4262b5"), server_cid, 0,
                           crypto_frame(0, server_hello_msg()), 0, 0x6b3343cf);
  Direct d;
  EXPECT_EQ(d.send(kRfcClientInitial, true), Parse::cont);
  EXPECT_EQ(d.send(s1, false), Parse::done);
  EXPECT_EQ(d.meta.part<TlsMeta>()->server_name.view(), "example.com");
  EXPECT_EQ(d.meta.part<TlsMeta>()->cipher, 0x1302);
}

TEST(QuicDissector, TruncatedInitialsNeverParse) {
  Direct d;
  for (std::size_t n = 0; n < kRfcClientInitial.size(); ++n) {
    *d.st = QuicState{};
    d.meta = AppMetadata{};
    (void)d.send(std::span(kRfcClientInitial).first(n), true);
    ASSERT_FALSE(d.meta.part<TlsMeta>()->has_client_hello) << n;
  }
}

TEST(QuicDissector, AnyFlippedBitFailsAuthentication) {
  Direct d;
  Bytes p = kRfcClientInitial;
  for (std::size_t i = 0; i < p.size(); ++i) {
    for (uint8_t bit : {uint8_t{0x01}, uint8_t{0x80}}) {
      p[i] ^= bit;
      *d.st = QuicState{};
      d.meta = AppMetadata{};
      (void)d.send(p, true);
      ASSERT_FALSE(d.meta.part<TlsMeta>()->has_client_hello) << "byte " << i << " bit " << int(bit);
      p[i] ^= bit;
    }
  }
  *d.st = QuicState{};
  (void)d.send(p, true);
  EXPECT_TRUE(d.meta.part<TlsMeta>()->has_client_hello);  // the unflipped packet still decrypts
}

TEST(QuicDissector, GarbageEndsAfterAFewDatagrams) {
  Direct d;
  std::mt19937 rng(7);
  Bytes g(1200);
  Parse r = Parse::cont;
  int n = 0;
  while (r == Parse::cont && n < 100) {
    for (auto& x : g) x = static_cast<uint8_t>(rng());
    g[0] = 0xc0;  // a long-header Initial of version 1, then noise
    g[1] = g[2] = g[3] = 0;
    g[4] = 1;
    g[5] = 8;
    r = d.send(g, (n++ & 1) == 0);
  }
  EXPECT_EQ(r, Parse::skip);
  EXPECT_EQ(n, QuicState::kMaxDatagrams);
}

TEST(QuicDissector, MalformedFramesAreBounded) {
  Direct d;
  d.meta.set_kind(AppKind::quic);
  TlsMeta& m = d.meta.u.tls;
  // A CRYPTO frame at an offset far past the buffer, one whose length runs past the
  // packet, an ACK with a huge range count, and a handshake header claiming 16 MB.
  d.st->feed_frames(unhex("06 bfffffffffffffff 05 0102030405"), true, m);
  d.st->feed_frames(unhex("06 00 4400 0102"), true, m);
  d.st->feed_frames(unhex("02 00 00 bfffffffffffffff 00 00"), true, m);
  EXPECT_FALSE(d.st->client.covered(1));
  d.st->feed_frames(unhex("06 00 08 01ffffff03030000"), true, m);
  EXPECT_FALSE(m.has_client_hello);
  // Given up on the client side: a valid ClientHello afterwards is not parsed.
  d.st->feed_frames(kRfcClientCrypto, true, m);
  EXPECT_FALSE(m.has_client_hello);
}

TEST(CryptoStream, CoverageIsByteExact) {
  auto s = std::make_unique<CryptoStream<256>>();
  const Bytes a(100, 0xaa);
  s->add(10, a);
  EXPECT_FALSE(s->covered(1));
  s->add(0, std::span(a).first(10));
  EXPECT_TRUE(s->covered(110));
  EXPECT_FALSE(s->covered(111));
  s->add(200, a);  // clipped at 256
  s->add(110, std::span(a).first(90));
  EXPECT_TRUE(s->covered(256));
  EXPECT_FALSE(s->covered(257));
  EXPECT_EQ(s->buf[255], 0xaa);
}
