// DNS's sticky buffer for the rules: each query's name (dns.query).
#include "dissectors/dns/dns.hpp"
#include "signatures/signature_engine.hpp"

namespace flowprobe::dissect {

void dns_rule_buffers(const TxPartView& v, void*, sig::AppBuffers& b) noexcept {
  if (v.tx == nullptr || v.part != sig::TxPart::request) return;
  const DnsMeta& d = *static_cast<const DnsMeta*>(v.tx);
  if (!d.query.empty()) b.set(sig::BufferKind::dns_query, d.query.view());
}

}  // namespace flowprobe::dissect
