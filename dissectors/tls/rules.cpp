// TLS's (and QUIC's) sticky buffers for the rules, per handshake step: the ClientHello's
// SNI, JA3/JA4 and JA3 string; the ServerHello's JA3S and its string; the certificate's
// subject and issuer.
#include "dissectors/tls/tls.hpp"
#include "signatures/signature_engine.hpp"

namespace flowprobe::dissect {

void tls_rule_buffers(const TxPartView& v, void*, sig::AppBuffers& b) noexcept {
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
      return;
  }
}

}  // namespace flowprobe::dissect
