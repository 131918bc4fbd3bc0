// TLS's -T template rows (QUIC's too: its handshake is TLS): ClientHello, ServerHello and,
// up to TLS 1.2, the server certificate.
#include <algorithm>

#include "dissectors/tls/tls.hpp"
#include "export/field_format.hpp"

namespace flowprobe::dissect {
namespace {

using W = JsonWriter;
using R = FlowRecord;
using C = ExportContext;
const TlsMeta* tls(const C& c) { return c.app ? c.app->part<TlsMeta>() : nullptr; }

constexpr FieldDef kRows[] = {
    {"TLS_SERVER_NAME", kNtopPen, 188, JsonType::string, {"SSL_SERVER_NAME"}, "TLS SNI",
     [](const R&, const C& c, W& w) { field::str(tls(c) ? &tls(c)->server_name : nullptr, w); }},
    {"JA3C_HASH", kNtopPen, 489, JsonType::string, {}, "JA3 fingerprint of the ClientHello (32 hex)",
     [](const R&, const C& c, W& w) { field::str(tls(c) ? &tls(c)->ja3c : nullptr, w); }},
    {"JA3S_HASH", kNtopPen, 490, JsonType::string, {}, "JA3S fingerprint of the ServerHello (32 hex)",
     [](const R&, const C& c, W& w) { field::str(tls(c) ? &tls(c)->ja3s : nullptr, w); }},
    {"TLS_CIPHER", kNtopPen, 493, JsonType::number, {"SSL_CIPHER"}, "cipher suite the server chose (e.g. 49199)",
     [](const R&, const C& c, W& w) { w.value_uint(tls(c) ? tls(c)->cipher : 0); }},
    {"TLS_UNSAFE_CIPHER", kNtopPen, 494, JsonType::number, {"SSL_UNSAFE_CIPHER"}, "1 when the chosen cipher is weak",
     [](const R&, const C& c, W& w) { w.value_uint(tls(c) && tls(c)->unsafe_cipher ? 1 : 0); }},
    {"TLS_VERSION", kNtopPen, 495, JsonType::number, {"SSL_VERSION"}, "negotiated TLS version (771 = TLS 1.2, 772 = TLS 1.3)",
     [](const R&, const C& c, W& w) { w.value_uint(tls(c) ? tls(c)->version : 0); }},
    {"JA4C_HASH", kNtopPen, 576, JsonType::string, {}, "JA4 fingerprint of the ClientHello",
     [](const R&, const C& c, W& w) { field::str(tls(c) ? &tls(c)->ja4c : nullptr, w); }},
    // Details nProbe has no ids for: the label is the key.
    {"TLS_ALPN", 0, 0, JsonType::string, {"alpn"}, "ALPN protocols the client offered, comma separated",
     [](const R&, const C& c, W& w) { field::str(tls(c) ? &tls(c)->alpn : nullptr, w); }},
    {"TLS_ALPN_NEGOTIATED", 0, 0, JsonType::string, {}, "ALPN protocol the server chose",
     [](const R&, const C& c, W& w) { field::str(tls(c) ? &tls(c)->alpn_negotiated : nullptr, w); }},
    {"TLS_CERT_SUBJECT", 0, 0, JsonType::string, {}, "server certificate subject (TLS <= 1.2)",
     [](const R&, const C& c, W& w) { field::str(tls(c) ? &tls(c)->cert_subject : nullptr, w); }},
    {"TLS_CERT_ISSUER", 0, 0, JsonType::string, {}, "server certificate issuer (TLS <= 1.2)",
     [](const R&, const C& c, W& w) { field::str(tls(c) ? &tls(c)->cert_issuer : nullptr, w); }},
    {"TLS_CERT_NOT_BEFORE", 0, 0, JsonType::number, {}, "server certificate validity start, epoch seconds",
     [](const R&, const C& c, W& w) { w.value_uint(tls(c) && tls(c)->has_certificate ? static_cast<uint64_t>(std::max<int64_t>(tls(c)->cert_not_before, 0)) : 0); }},
    {"TLS_CERT_NOT_AFTER", 0, 0, JsonType::number, {}, "server certificate validity end, epoch seconds",
     [](const R&, const C& c, W& w) { w.value_uint(tls(c) && tls(c)->has_certificate ? static_cast<uint64_t>(std::max<int64_t>(tls(c)->cert_not_after, 0)) : 0); }},
    {"TLS_CERT_SHA1", 0, 0, JsonType::string, {}, "SHA-1 of the server certificate (40 hex)",
     [](const R&, const C& c, W& w) {
       if (tls(c) && tls(c)->has_certificate) field::hex_text(tls(c)->cert_sha1.data(), tls(c)->cert_sha1.size(), w);
       else w.value_raw_string("");
     }},
};

}  // namespace

const std::span<const FieldDef> kTlsFields = kRows;

}  // namespace flowprobe::dissect
