#include "dissectors/quic/quic.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <string_view>

#include "core/digest.hpp"
#include "dissectors/bytes.hpp"
#include "dissectors/tls/tls.hpp"

namespace flowprobe::dissect {

struct QuicCrypto {
  EVP_CIPHER* aes_ecb = nullptr;
  EVP_CIPHER* aes_gcm = nullptr;
  EVP_CIPHER_CTX* ecb = nullptr;  // header protection mask
  EVP_CIPHER_CTX* gcm = nullptr;  // payload
  // One QUIC packet, copied so the header can be unmasked (it is the AEAD's associated
  // data) and the payload decrypted in place. A UDP payload never exceeds it.
  uint8_t buf[65536];

  ~QuicCrypto() {
    EVP_CIPHER_CTX_free(gcm);
    EVP_CIPHER_CTX_free(ecb);
    EVP_CIPHER_free(aes_gcm);
    EVP_CIPHER_free(aes_ecb);
  }
};

namespace {

constexpr uint32_t kV1 = 0x00000001, kV2 = 0x6b3343cf;
constexpr uint32_t kMvfst22 = 0xfaceb001, kMvfst27 = 0xfaceb002, kMvfstExp = 0xfaceb00e;
constexpr uint32_t kGoogleT050 = 0x54303530, kGoogleT051 = 0x54303531;  // Google QUIC with TLS ("T050")

// Initial salts: RFC 9001 5.2, RFC 9369 3.3.1, and the drafts' (as Wireshark and nDPI use them).
constexpr uint8_t kSaltV1[20] = {0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
                                 0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a};
constexpr uint8_t kSaltV2[20] = {0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
                                 0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9};
constexpr uint8_t kSaltDraft22[20] = {0x7f, 0xbc, 0xdb, 0x0e, 0x7c, 0x66, 0xbb, 0xe9, 0x19, 0x3a,
                                      0x96, 0xcd, 0x21, 0x51, 0x9e, 0xbd, 0x7a, 0x02, 0x64, 0x4a};
constexpr uint8_t kSaltDraft23[20] = {0xc3, 0xee, 0xf7, 0x12, 0xc7, 0x2e, 0xbb, 0x5a, 0x11, 0xa7,
                                      0xd2, 0x43, 0x2b, 0xb4, 0x63, 0x65, 0xbe, 0xf9, 0xf5, 0x02};
constexpr uint8_t kSaltDraft29[20] = {0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97,
                                      0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99};
constexpr uint8_t kSaltT050[20] = {0x7f, 0xf5, 0x79, 0xe5, 0xac, 0xd0, 0x72, 0x91, 0x55, 0x80,
                                   0x30, 0x4c, 0x43, 0xa2, 0x36, 0x7c, 0x60, 0x48, 0x83, 0x10};
constexpr uint8_t kSaltT051[20] = {0x7a, 0x4e, 0xde, 0xf4, 0xe7, 0xcc, 0xee, 0x5f, 0xa4, 0x50,
                                   0x6c, 0x19, 0x12, 0x4f, 0xc8, 0xcc, 0xda, 0x6e, 0x03, 0x3d};

const uint8_t* salt_of(uint32_t v) {
  if (v == kV1) return kSaltV1;
  if (v == kV2) return kSaltV2;
  if (v == kMvfst22) return kSaltDraft22;
  if (v == kMvfst27 || v == kMvfstExp) return kSaltDraft23;
  if (v == kGoogleT050) return kSaltT050;
  if (v == kGoogleT051) return kSaltT051;
  if ((v >> 8) == 0xff0000) {
    const uint8_t draft = v & 0xff;
    if (draft == 22) return kSaltDraft22;
    if (draft >= 23 && draft <= 28) return kSaltDraft23;
    if (draft >= 29 && draft <= 33) return kSaltDraft29;
    if (draft == 34) return kSaltV1;  // draft-34 is v1 on the wire (nDPI's quic-34.pcap)
  }
  return nullptr;
}

// Long-header packet types differ in v2 (RFC 9369 3.2).
unsigned initial_type(uint32_t v) { return v == kV2 ? 1 : 0; }
unsigned retry_type(uint32_t v) { return v == kV2 ? 0 : 3; }

uint64_t varint(Reader& r) {
  const uint8_t b = r.u8();
  const unsigned n = 1u << (b >> 6);
  uint64_t v = b & 0x3f;
  for (unsigned i = 1; i < n; ++i) v = v << 8 | r.u8();
  return v;
}

// HMAC-SHA256 (RFC 2104) over core/digest's SHA-256 rather than libcrypto's: OpenSSL
// 3.0 allocates on every EVP_MAC_init (5 mallocs) and EVP_DigestInit (1), even on a
// context made at start, and key derivation runs on the packet path. Keys here are the
// 20-byte salts and 32-byte secrets, never longer than a block.
bool hmac_sha256(std::span<const uint8_t> key, std::span<const uint8_t> msg, uint8_t out[32]) {
  if (key.size() > 64) return false;
  uint8_t pad[64] = {};
  std::copy(key.begin(), key.end(), pad);
  for (uint8_t& b : pad) b ^= 0x36;
  Sha256 inner;
  inner.update(std::span<const uint8_t>(pad));
  inner.update(msg);
  const auto ih = inner.finish();
  for (uint8_t& b : pad) b ^= 0x36 ^ 0x5c;
  Sha256 outer;
  outer.update(std::span<const uint8_t>(pad));
  outer.update(std::span<const uint8_t>(ih));
  const auto oh = outer.finish();
  std::copy(oh.begin(), oh.end(), out);
  return true;
}

// HKDF-Expand-Label (RFC 8446 7.1) with an empty context, for outputs of one block.
bool expand_label(const uint8_t secret[32], std::string_view label, uint8_t* out, std::size_t len) {
  constexpr std::string_view kPrefix = "tls13 ";
  uint8_t info[2 + 1 + 32 + 1 + 1];
  if (len > 32 || kPrefix.size() + label.size() > 32) return false;
  std::size_t n = 0;
  info[n++] = static_cast<uint8_t>(len >> 8);
  info[n++] = static_cast<uint8_t>(len);
  info[n++] = static_cast<uint8_t>(kPrefix.size() + label.size());
  std::memcpy(info + n, kPrefix.data(), kPrefix.size());
  n += kPrefix.size();
  std::memcpy(info + n, label.data(), label.size());
  n += label.size();
  info[n++] = 0;  // context
  info[n++] = 1;  // HKDF-Expand's block counter: T(1)
  uint8_t t[32];
  if (!hmac_sha256({secret, 32}, {info, n}, t)) return false;
  std::memcpy(out, t, len);
  return true;
}

// Removes header and payload protection from one Initial packet (RFC 9001 5.3, 5.4) in
// cx.buf; `plain` is the decrypted frames. False when the packet does not authenticate.
bool unprotect(QuicCrypto& cx, const QuicKeys& k, std::span<const uint8_t> packet, std::size_t pn_offset,
               std::span<const uint8_t>& plain) {
  const std::size_t n = packet.size();
  if (n > sizeof cx.buf || pn_offset + 4 + 16 > n) return false;
  uint8_t mask[32];
  int outl = 0;
  if (EVP_EncryptInit_ex(cx.ecb, nullptr, nullptr, k.hp.data(), nullptr) != 1 ||
      EVP_EncryptUpdate(cx.ecb, mask, &outl, packet.data() + pn_offset + 4, 16) != 1 || outl != 16)
    return false;
  uint8_t* b = cx.buf;
  std::memcpy(b, packet.data(), n);
  b[0] ^= mask[0] & 0x0f;
  const std::size_t pn_len = (b[0] & 3u) + 1;
  uint32_t pn = 0;
  for (std::size_t i = 0; i < pn_len; ++i) {
    b[pn_offset + i] ^= mask[1 + i];
    pn = pn << 8 | b[pn_offset + i];
  }
  const std::size_t hdr = pn_offset + pn_len;
  if (hdr + 16 > n) return false;
  // Initial packet numbers are small, so the truncated number is the full one.
  std::array<uint8_t, 12> nonce = k.iv;
  for (std::size_t i = 0; i < 4; ++i) nonce[8 + i] ^= static_cast<uint8_t>(pn >> (24 - 8 * i));
  const int ct_len = static_cast<int>(n - 16 - hdr);
  int len = 0;
  if (EVP_DecryptInit_ex(cx.gcm, nullptr, nullptr, k.key.data(), nonce.data()) != 1 ||
      EVP_DecryptUpdate(cx.gcm, nullptr, &len, b, static_cast<int>(hdr)) != 1 ||
      EVP_DecryptUpdate(cx.gcm, b + hdr, &len, b + hdr, ct_len) != 1 ||
      EVP_CIPHER_CTX_ctrl(cx.gcm, EVP_CTRL_GCM_SET_TAG, 16, b + n - 16) != 1)
    return false;
  int fin = 0;
  if (EVP_DecryptFinal_ex(cx.gcm, b + hdr + len, &fin) != 1) return false;
  plain = {b + hdr, static_cast<std::size_t>(ct_len)};
  return true;
}

// The first handshake message of a stream: 1 when whole (body set), 0 while bytes are
// missing, -1 when it is not `type` or cannot fit the buffer.
template <std::size_t N>
int first_message(const CryptoStream<N>& s, uint8_t type, std::span<const uint8_t>& body) {
  if (!s.covered(4)) return 0;
  if (s.buf[0] != type) return -1;
  const std::size_t len = std::size_t{s.buf[1]} << 16 | std::size_t{s.buf[2]} << 8 | s.buf[3];
  if (4 + len > N) return -1;
  if (!s.covered(4 + len)) return 0;
  body = {s.buf + 4, len};
  return 1;
}

}  // namespace

QuicCrypto* quic_crypto_create() noexcept {
  auto* cx = new (std::nothrow) QuicCrypto;
  if (!cx) return nullptr;
  cx->aes_ecb = EVP_CIPHER_fetch(nullptr, "AES-128-ECB", nullptr);
  cx->aes_gcm = EVP_CIPHER_fetch(nullptr, "AES-128-GCM", nullptr);
  cx->ecb = EVP_CIPHER_CTX_new();
  cx->gcm = EVP_CIPHER_CTX_new();
  bool ok = cx->aes_ecb && cx->aes_gcm && cx->ecb && cx->gcm &&
            EVP_EncryptInit_ex(cx->ecb, cx->aes_ecb, nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_set_padding(cx->ecb, 0) == 1 &&
            EVP_DecryptInit_ex(cx->gcm, cx->aes_gcm, nullptr, nullptr, nullptr) == 1;
  // One decryption attempt now, so whatever OpenSSL sets up lazily inside these
  // contexts is done at start rather than on the first QUIC flow (re-keying them
  // afterwards allocates nothing: the unit tests count OpenSSL's allocations).
  QuicKeys k;
  std::span<const uint8_t> plain;
  const uint8_t id[8] = {};
  if (ok) ok = quic_initial_keys(kV1, id, false, k);
  if (ok) {
    uint8_t pkt[64] = {0xc0};
    (void)unprotect(*cx, k, pkt, 18, plain);
  }
  if (!ok) {
    delete cx;
    return nullptr;
  }
  return cx;
}

void quic_crypto_destroy(QuicCrypto* cx) noexcept { delete cx; }

bool quic_version_known(uint32_t version) { return salt_of(version) != nullptr; }

bool quic_initial_keys(uint32_t version, std::span<const uint8_t> dcid, bool server, QuicKeys& out) {
  const uint8_t* salt = salt_of(version);
  if (!salt) return false;
  const bool v2 = version == kV2;
  uint8_t initial[32], secret[32];
  return hmac_sha256({salt, 20}, dcid, initial) &&  // HKDF-Extract(salt, dcid)
         expand_label(initial, server ? "server in" : "client in", secret, 32) &&
         expand_label(secret, v2 ? "quicv2 key" : "quic key", out.key.data(), out.key.size()) &&
         expand_label(secret, v2 ? "quicv2 iv" : "quic iv", out.iv.data(), out.iv.size()) &&
         expand_label(secret, v2 ? "quicv2 hp" : "quic hp", out.hp.data(), out.hp.size());
}

bool QuicState::derive(std::span<const uint8_t> id) {
  if (id.size() > sizeof dcid) return false;
  QuicKeys c, s;
  if (!quic_initial_keys(version, id, false, c) || !quic_initial_keys(version, id, true, s)) return false;
  client_keys = c;
  server_keys = s;
  std::copy(id.begin(), id.end(), dcid);
  dcid_len = static_cast<uint8_t>(id.size());
  keys_ready = true;
  return true;
}

void QuicState::feed_frames(std::span<const uint8_t> plain, bool from_client, TlsMeta& m) {
  Reader r(plain);
  while (r.remaining()) {
    const uint64_t type = varint(r);
    if (type == 0x00 || type == 0x01) continue;  // PADDING, PING
    if (type == 0x02 || type == 0x03) {          // ACK: a client's later Initials and the server's carry one
      varint(r);
      varint(r);
      const uint64_t ranges = varint(r);
      varint(r);
      for (uint64_t i = 0; i < ranges && r.ok(); ++i) {
        varint(r);
        varint(r);
      }
      if (type == 0x03)
        for (int i = 0; i < 3; ++i) varint(r);
      continue;
    }
    // CRYPTO; Google's T05x versions number it 0x08 (an IETF STREAM frame elsewhere).
    const bool crypto = type == 0x06 || (type == 0x08 && (version == kGoogleT050 || version == kGoogleT051));
    if (!crypto) break;  // anything else (CONNECTION_CLOSE, garbage) ends the walk
    const uint64_t offset = varint(r);
    auto data = r.bytes(static_cast<std::size_t>(std::min<uint64_t>(varint(r), plain.size())));
    if (!r.ok()) break;
    if (from_client) client.add(offset, data);
    else server.add(offset, data);
  }
  std::span<const uint8_t> body;
  if (from_client && !m.has_client_hello && !client_failed) {
    const int st = first_message(client, 1, body);
    if (st > 0) {
      Ja3Text* j = ja3_scratch(tx_);
      parse_client_hello(body, m, true, j);
      if (m.has_client_hello) report_tls_step(tx_, AppKind::quic, TlsStep::client_hello, m, j);
    }
    client_failed = st < 0;
  } else if (!from_client && !m.has_server_hello && !server_failed) {
    const int st = first_message(server, 2, body);
    if (st > 0) {
      Ja3Text* j = ja3_scratch(tx_);
      parse_server_hello(body, m, j);
      if (m.has_server_hello) report_tls_step(tx_, AppKind::quic, TlsStep::server_hello, m, j);
    }
    server_failed = st < 0;
  }
}

void QuicState::on_initial(QuicCrypto& cx, std::span<const uint8_t> packet, std::size_t pn_offset,
                           std::span<const uint8_t> pkt_dcid, bool from_client, TlsMeta& m) {
  std::span<const uint8_t> plain;
  if (from_client) {
    if (m.has_client_hello || client_failed) return;
    if (!keys_ready && !derive(pkt_dcid)) return;
    if (!unprotect(cx, client_keys, packet, pn_offset, plain)) {
      // After a Retry the client starts over with the DCID the server chose, and both
      // sides' Initial keys come from that one.
      if (std::equal(pkt_dcid.begin(), pkt_dcid.end(), dcid, dcid + dcid_len)) return;
      const QuicKeys old_c = client_keys, old_s = server_keys;
      uint8_t old_id[20];
      const uint8_t old_len = dcid_len;
      std::memcpy(old_id, dcid, sizeof old_id);
      if (!derive(pkt_dcid) || !unprotect(cx, client_keys, packet, pn_offset, plain)) {
        client_keys = old_c;
        server_keys = old_s;
        std::memcpy(dcid, old_id, sizeof old_id);
        dcid_len = old_len;
        return;
      }
    }
  } else {
    if (m.has_server_hello || server_failed || !keys_ready) return;
    if (!unprotect(cx, server_keys, packet, pn_offset, plain)) return;
  }
  feed_frames(plain, from_client, m);
}

Parse QuicState::parse(const PacketContext& c, AppMetadata& meta) noexcept {
  tx_ = c.tx;
  if (start_ns == 0) start_ns = c.ts_ns;
  meta.set_kind(AppKind::quic);
  TlsMeta& m = meta.u.quic;
  auto* cx = static_cast<QuicCrypto*>(c.shared);
  if (!cx) return Parse::skip;
  if (datagrams < 255) ++datagrams;
  bool short_header = false;
  std::span<const uint8_t> p = c.payload;
  // A datagram may carry several coalesced long-header packets (Initial, 0-RTT,
  // Handshake). What follows them is often not a packet at all: clients such as curl
  // and Chrome pad the datagram with zeros after the Initial. So only a datagram that
  // starts with a short header (fixed bit set) counts as 1-RTT traffic.
  while (!p.empty()) {
    if (!(p[0] & 0x80)) {
      short_header = p.data() == c.payload.data() && (p[0] & 0x40);
      break;
    }
    Reader r(p);
    const uint8_t first = r.u8();
    const uint32_t ver = r.u32();
    const uint8_t dl = r.u8();
    auto pkt_dcid = r.bytes(dl);
    const uint8_t sl = r.u8();
    r.skip(sl);
    if (!r.ok() || dl > 20 || sl > 20 || !quic_version_known(ver)) break;
    if (ver != version) {
      // The first packet; or a server that switched to a compatible version (RFC 9368:
      // a v1 ClientHello answered in v2), whose keys come from the same DCID.
      version = ver;
      if (keys_ready) {
        uint8_t id[20];
        std::memcpy(id, dcid, dcid_len);
        keys_ready = derive({id, dcid_len});
      }
    }
    const unsigned type = (first >> 4) & 3u;
    if (type == retry_type(ver)) break;  // no Length field; the rest of the datagram is the Retry
    if (type == initial_type(ver)) r.skip(static_cast<std::size_t>(std::min<uint64_t>(varint(r), p.size())));  // token
    const uint64_t len = varint(r);
    if (!r.ok() || len > r.remaining()) break;  // truncated capture or garbage
    const std::size_t pn_offset = r.pos();
    const std::size_t total = pn_offset + static_cast<std::size_t>(len);
    if (type == initial_type(ver)) on_initial(*cx, p.first(total), pn_offset, pkt_dcid, c.from_client, m);
    p = p.subspan(total);
  }
  const bool client_over = m.has_client_hello || client_failed;
  const bool server_over = m.has_server_hello || server_failed;
  if (client_over && server_over) return m.has_client_hello ? Parse::done : Parse::skip;
  // 1-RTT packets from the client, or after its hello: the Initials are behind us.
  if ((short_header && (c.from_client || m.has_client_hello)) || datagrams >= kMaxDatagrams)
    return m.has_client_hello ? Parse::done : Parse::skip;
  return Parse::cont;
}

void QuicState::finish(const PacketContext& c, AppMetadata& meta) noexcept {
  if (const TlsMeta* t = meta.quic(); t && (t->has_client_hello || t->has_server_hello))
    emit_tx(c.tx, AppKind::quic, *t, start_ns);
}

Probe quic_probe(const PacketContext& c) noexcept {
  if (c.l4_proto != ipproto::udp || c.payload.size() < 7 || !(c.payload[0] & 0x80)) return Probe::not_mine;
  Reader r(c.payload);
  const uint8_t first = r.u8();
  const uint32_t ver = r.u32();
  const uint8_t dl = r.u8();
  r.skip(dl);
  const uint8_t sl = r.u8();
  r.skip(sl);
  if (!r.ok() || dl > 20 || sl > 20 || !quic_version_known(ver)) return Probe::not_mine;
  return ((first >> 4) & 3u) == initial_type(ver) ? Probe::certain : Probe::not_mine;
}

const Dissector kQuicDissector{
    .name = "quic",
    .kind = AppKind::quic,
    .l4_mask = l4::udp,
    .ports = {443, 853, 4433, 8443, 784, 0},
    .state_size = sizeof(QuicState),
    .state_align = alignof(QuicState),
    .probe = quic_probe,
    .init = init_of<QuicState>(),
    .parse = parse_of<QuicState>(),
    .create_shared = []() noexcept -> void* { return quic_crypto_create(); },
    .destroy_shared = [](void* p) noexcept { quic_crypto_destroy(static_cast<QuicCrypto*>(p)); },
    .finish = finish_of<QuicState>(),
};

}  // namespace flowprobe::dissect
