// TLS's (and QUIC's) sticky buffers for the rules, per handshake step: the ClientHello's
// SNI, JA3/JA4 and JA3 string; the ServerHello's JA3S and its string; the certificate's
// subject, issuer, serial and fingerprint, and each certificate of the chain (tls.certs).
#include <algorithm>
#include <array>
#include <new>

#include "dissectors/tls/tls.hpp"
#include "signatures/signature_engine.hpp"

namespace flowprobe::dissect {
namespace {

// The certificate's serial and SHA-1 as text, for tls.cert_serial / tls.cert_fingerprint;
// the chain's certificates for tls.certs.
struct TlsRuleScratch {
  std::array<char, 64> serial{}, fingerprint{};
  std::array<std::span<const uint8_t>, kMaxChainCerts> certs{};
};

// "AB:CD:…" of `n` bytes into `out`; `digits` picks the case.
std::string_view colon_hex(const uint8_t* p, std::size_t n, const char* digits, std::array<char, 64>& out) {
  std::size_t k = 0;
  for (std::size_t i = 0; i < n && k + 3 <= out.size(); ++i) {
    if (i) out[k++] = ':';
    out[k++] = digits[p[i] >> 4];
    out[k++] = digits[p[i] & 15];
  }
  return {out.data(), k};
}

}  // namespace

void* tls_create_rule_scratch() noexcept { return new (std::nothrow) TlsRuleScratch; }
void tls_destroy_rule_scratch(void* scratch) noexcept { delete static_cast<TlsRuleScratch*>(scratch); }

void tls_rule_buffers(const TxPartView& v, void* scratch, sig::AppBuffers& b) noexcept {
  if (v.tx == nullptr) return;
  const TlsMeta& t = *static_cast<const TlsMeta*>(v.tx);
  using K = sig::BufferKind;
  switch (static_cast<TlsStep>(v.step)) {
    case TlsStep::client_hello:
      if (!t.server_name.empty()) b.set(K::tls_sni, t.server_name.view());
      if (!t.ja3c.empty()) b.set(K::ja3_hash, t.ja3c.view());
      if (!t.ja4c.empty()) b.set(K::ja4_hash, t.ja4c.view());
      if (!v.text.empty()) b.set(K::ja3_string, v.text);
      return;
    case TlsStep::server_hello:
      if (!t.ja3s.empty()) b.set(K::ja3s_hash, t.ja3s.view());
      if (!v.text.empty()) b.set(K::ja3s_string, v.text);
      return;
    case TlsStep::certificate:
      b.set(K::tls_cert_subject, t.cert_subject.view());
      b.set(K::tls_cert_issuer, t.cert_issuer.view());
      if (auto* x = static_cast<TlsRuleScratch*>(scratch)) {
        // Suricata's spellings: the serial's bytes in upper case, the SHA-1 in lower, ':' between.
        if (t.cert_serial_len)
          b.set(K::tls_cert_serial, colon_hex(t.cert_serial.data(), t.cert_serial_len, "0123456789ABCDEF", x->serial));
        if (t.has_certificate)
          b.set(K::tls_cert_fingerprint,
                colon_hex(t.cert_sha1.data(), t.cert_sha1.size(), "0123456789abcdef", x->fingerprint));
        // Suricata 7's tls.certs: each certificate's DER bytes, a buffer of its own.
        const std::size_t n = std::min(tls_chain_certs(v.data, x->certs), x->certs.size());
        b.set_multi(K::tls_certs, std::span<const std::span<const uint8_t>>(x->certs.data(), n));
      }
      return;
  }
}

}  // namespace flowprobe::dissect
