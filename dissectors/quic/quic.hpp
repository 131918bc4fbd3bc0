#pragma once
// QUIC over UDP (v1, v2, IETF drafts 22-34, mvfst, Google's T050/T051): the Initial packets of both sides are
// protected with keys anyone can derive from the client's first Destination Connection
// ID (RFC 9001 5.2), so the probe removes their protection, gathers the CRYPTO stream
// and hands the ClientHello (SNI, ALPN, JA3, JA4 'q') and the ServerHello (version,
// cipher, JA3S) to the TLS parsers. CRYPTO frames may arrive out of order and spread
// over several Initial packets (Chrome splits and shuffles its ClientHello); each
// direction's stream is gathered by offset into a bounded buffer.
//
// The OpenSSL contexts (AES-128-ECB for header protection, AES-128-GCM for the payload)
// and a datagram-sized scratch buffer live in a QuicCrypto made once per engine
// (Dissector::create_shared); parse() only re-keys them. HKDF runs on core/digest's
// SHA-256, since OpenSSL 3.0's HMAC allocates on every re-key.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <span>

#include "dissectors/dissector.hpp"

namespace flowprobe::dissect {

struct QuicCrypto;
QuicCrypto* quic_crypto_create() noexcept;  // null when OpenSSL lacks a primitive
void quic_crypto_destroy(QuicCrypto*) noexcept;

struct QuicKeys {
  std::array<uint8_t, 16> key{};
  std::array<uint8_t, 12> iv{};
  std::array<uint8_t, 16> hp{};
};

// Initial keys of one side for `version` and the client's first DCID (RFC 9001 5.2;
// RFC 9369 3.3.1 for v2). False for a version whose Initial salt is unknown.
bool quic_initial_keys(uint32_t version, std::span<const uint8_t> dcid, bool server, QuicKeys& out);
bool quic_version_known(uint32_t version);

// One direction's CRYPTO stream, gathered by offset; `have` marks the bytes received.
template <std::size_t N>
struct CryptoStream {
  static_assert(N % 64 == 0);
  uint64_t have[N / 64]{};
  uint8_t buf[N];  // read only where `have` is set

  static constexpr std::size_t capacity() { return N; }
  // Copies the part of [offset, offset + data.size()) that fits the buffer.
  void add(uint64_t offset, std::span<const uint8_t> data) {
    if (offset >= N || data.empty()) return;
    std::size_t b = static_cast<std::size_t>(offset);
    const std::size_t e = std::min<std::size_t>(b + std::min<std::size_t>(data.size(), N), N);
    std::memcpy(buf + b, data.data(), e - b);
    for (; b < e && (b & 63); ++b) have[b >> 6] |= uint64_t{1} << (b & 63);
    for (; b + 64 <= e; b += 64) have[b >> 6] = ~uint64_t{0};
    for (; b < e; ++b) have[b >> 6] |= uint64_t{1} << (b & 63);
  }
  // All of [0, end) received.
  bool covered(std::size_t end) const {
    if (end > N) return false;
    std::size_t b = 0;
    for (; b + 64 <= end; b += 64)
      if (have[b >> 6] != ~uint64_t{0}) return false;
    for (; b < end; ++b)
      if (!(have[b >> 6] >> (b & 63) & 1)) return false;
    return true;
  }
};

struct QuicState {
  static constexpr std::size_t kClientBuf = 4096;  // the ClientHello, as TlsState::kClientBuf
  static constexpr std::size_t kServerBuf = 2048;  // the ServerHello (a PQ key share is 1.1 KB)
  static constexpr uint8_t kMaxDatagrams = 24;     // then give up waiting for a hello

  uint32_t version = 0;
  uint8_t dcid_len = 0;
  bool keys_ready = false;
  bool client_failed = false;  // ClientHello larger than the buffer, or not a ClientHello
  bool server_failed = false;
  uint8_t datagrams = 0;
  uint8_t dcid[20];            // the client's first DCID: both sides' Initial keys come from it
  QuicKeys client_keys, server_keys;
  CryptoStream<kClientBuf> client;
  CryptoStream<kServerBuf> server;

  Parse parse(const PacketContext& c, AppMetadata& m) noexcept;
  // Walks decrypted Initial frames (PADDING, PING, ACK, CRYPTO; anything else ends the
  // walk) and parses a hello once its bytes are all there. Public for the fuzz target,
  // which cannot forge an AEAD tag to reach it through parse().
  void feed_frames(std::span<const uint8_t> plain, bool from_client, TlsMeta& m);
  TxSink* tx_ = nullptr;  // the packet's sink, during parse() only
  uint64_t start_ns = 0;  // the first datagram's time: the handshake's, as a transaction
  // The handshake is one transaction, logged once the dissector is done with it.
  void finish(const PacketContext& c, AppMetadata& m) noexcept;

 private:
  // Decrypts one Initial packet (header protection, then AEAD) and feeds its frames.
  void on_initial(QuicCrypto& cx, std::span<const uint8_t> packet, std::size_t pn_offset,
                  std::span<const uint8_t> pkt_dcid, bool from_client, TlsMeta& m);
  bool derive(std::span<const uint8_t> id);
};

Probe quic_probe(const PacketContext& c) noexcept;
extern const Dissector kQuicDissector;

}  // namespace flowprobe::dissect
