#pragma once
// TLS over TCP: ClientHello (SNI, ALPN, JA3, JA4), ServerHello (version, cipher, JA3S,
// negotiated ALPN) and, for TLS <= 1.2, the server's first certificate (subject, issuer,
// validity, SHA-1) and, for the rules' tls.certs, each certificate of its chain. Records
// and handshake messages may be split across segments in any way; handshake bytes are
// gathered in a bounded buffer per direction.
#include <cstdint>
#include <span>

#include "dissectors/dissector.hpp"
#include "dissectors/protocol.hpp"
#include "dissectors/tcp_cursor.hpp"

namespace flowprobe::dissect {

// Handshake message bodies (after the 4-byte header), shared with QUIC. Return false
// when the message is malformed; whatever was read before stays in `m`.
// `ja3_text`, when given, receives the JA3 / JA3S string the hash is computed over.
bool parse_client_hello(std::span<const uint8_t> body, TlsMeta& m, bool quic, Ja3Text* ja3_text = nullptr);
bool parse_server_hello(std::span<const uint8_t> body, TlsMeta& m, Ja3Text* ja3_text = nullptr);
// A DER X.509 certificate: subject, issuer, validity and SHA-1 into `m`.
bool parse_certificate(std::span<const uint8_t> der, TlsMeta& m);
bool tls_cipher_is_unsafe(uint16_t cipher);

// The handshake steps the rules see (TxSink::part; TxPartView::step).
enum class TlsStep : uint8_t { client_hello, server_hello, certificate };
// Reports a step to `tx` (null: nobody asks) with the JA3/JA3S string when it is whole;
// a certificate step with the certificate_list's bytes (`chain_cut`: some were left out).
void report_tls_step(TxSink* tx, AppKind kind, TlsStep step, const TlsMeta& m, const Ja3Text* text,
                     std::span<const uint8_t> chain = {}, bool chain_cut = false);
// The certificates a certificate_list holds whole (each ASN.1Cert<3>), the first
// out.size() of them into `out`; returns how many there are.
std::size_t tls_chain_certs(std::span<const uint8_t> list, std::span<std::span<const uint8_t>> out) noexcept;
// The certificates of one chain tls.certs sees; the rest count as a truncated part.
inline constexpr std::size_t kMaxChainCerts = 16;
// The sink's JA3 scratch, emptied, when there is a sink.
inline Ja3Text* ja3_scratch(TxSink* tx) {
  if (tx == nullptr) return nullptr;
  tx->ja3.n = 0;
  tx->ja3.cut = false;
  return &tx->ja3;
}

struct TlsState {
  static constexpr std::size_t kClientBuf = 4096;  // a ClientHello with a PQ key share fits
  static constexpr std::size_t kServerBuf = 6144;  // ServerHello, then the Certificate message
  struct Dir {
    TcpCursor cursor;
    uint8_t hdr[5];
    uint8_t hdr_have = 0;
    bool encrypted = false;    // after ChangeCipherSpec (or TLS 1.3's ServerHello)
    bool hello_done = false;   // the server said ServerHelloDone
    uint8_t rec_type = 0;
    uint16_t rec_left = 0;     // body bytes left in the current record
    uint32_t hs_skip = 0;      // bytes of an oversized handshake message still to drop
    uint16_t hs_len = 0;       // bytes gathered in the buffer
  };
  Dir dir[2];
  bool oriented = false;  // the first record told who the TLS client is
  bool swapped = false;   // the flow's initiator is the TLS server (capture began mid-flow)
  uint8_t cbuf[kClientBuf];
  uint8_t sbuf[kServerBuf];
  TxSink* tx_ = nullptr;  // the packet's sink, during parse() only
  uint64_t start_ns = 0;  // the first packet's time: the handshake's, as a transaction

  Parse parse(const PacketContext& c, AppMetadata& m) noexcept;
  // The handshake is one transaction, logged once the dissector is done with it.
  void finish(const PacketContext& c, AppMetadata& m) noexcept;

 private:
  bool feed_records(Dir& d, bool client, std::span<const uint8_t> p, TlsMeta& m);
  bool feed_handshake(Dir& d, bool client, std::span<const uint8_t> p, TlsMeta& m);
  bool complete(const TlsMeta& m) const;
};

Probe tls_probe(const PacketContext& c) noexcept;
extern const Dissector kTlsDissector;


// The rest of what the protocol owns (protocol.cpp puts them in its descriptor).
extern const std::span<const FieldDef> kTlsFields;  // fields.cpp: its -T rows
extern const ZeekLog kSslLog;                        // zeek.cpp: ssl.log
void tls_rule_buffers(const TxPartView& v, void* scratch, sig::AppBuffers& out) noexcept;  // rules.cpp
void* tls_create_rule_scratch() noexcept;                  // rules.cpp: tls_rule_buffers' text
void tls_destroy_rule_scratch(void* scratch) noexcept;
std::string_view tls_server_name(const AppMetadata& app) noexcept;  // protocol.cpp: the SNI (TLS and QUIC)

void tls_write_eve(const AppMetadata& tx, uint32_t tx_id, uint8_t part, JsonWriter& w);  // eve.cpp (QUIC's too)

}  // namespace flowprobe::dissect
