// A TLS handshake in eve ("event_type":"tls"), and a QUIC one ("event_type":"quic"), in
// Suricata's shapes: SNI, version, certificate subject/issuer/validity/fingerprint, JA3,
// JA3S, JA4.
#include <cstdio>
#include <ctime>

#include "dissectors/tls/tls.hpp"
#include "export/eve.hpp"

namespace flowprobe::dissect {
namespace {

// Suricata's version names: "TLS 1.2", "TLS 1.3", "SSLv3", "TLS 1.3 draft-28", ….
std::string_view version_name(uint16_t v, char (&tmp)[32]) {
  switch (v) {
    case 0x0300: return "SSLv3";
    case 0x0301: return "TLS 1.0";
    case 0x0302: return "TLS 1.1";
    case 0x0303: return "TLS 1.2";
    case 0x0304: return "TLS 1.3";
    default: break;
  }
  if ((v >> 8) == 0x7f) {
    const int n = std::snprintf(tmp, sizeof tmp, "TLS 1.3 draft-%u", v & 0xff);
    return {tmp, static_cast<std::size_t>(n)};
  }
  const int n = std::snprintf(tmp, sizeof tmp, "0x%04x", v);
  return {tmp, static_cast<std::size_t>(n)};
}

// "2019-03-28T23:59:59", as eve writes certificate validity.
std::string_view iso_time(int64_t secs, char (&tmp)[32]) {
  const time_t t = static_cast<time_t>(secs);
  tm g;
  gmtime_r(&t, &g);
  return {tmp, std::strftime(tmp, sizeof tmp, "%Y-%m-%dT%H:%M:%S", &g)};
}

void write_tls_fields(const TlsMeta& t, JsonWriter& w) {
  char tmp[32];
  const auto text = [&](std::string_view key, std::string_view v) {
    if (v.empty()) return;
    w.key(key);
    w.value_string(v);
  };
  if (t.has_certificate) {
    text("subject", t.cert_subject.view());
    text("issuerdn", t.cert_issuer.view());
    static constexpr char kHex[] = "0123456789abcdef";
    char fp[60];
    std::size_t n = 0;
    for (std::size_t i = 0; i < t.cert_sha1.size(); ++i) {
      if (i) fp[n++] = ':';
      fp[n++] = kHex[t.cert_sha1[i] >> 4];
      fp[n++] = kHex[t.cert_sha1[i] & 15];
    }
    w.key("fingerprint");
    w.value_raw_string(std::string_view(fp, n));
  }
  text("sni", t.server_name.view());
  if (t.version != 0 || t.client_version != 0) {
    w.key("version");
    w.value_raw_string(version_name(t.version ? t.version : t.client_version, tmp));
  }
  if (t.has_certificate && t.cert_not_before) {
    w.key("notbefore");
    w.value_raw_string(iso_time(t.cert_not_before, tmp));
    w.key("notafter");
    w.value_raw_string(iso_time(t.cert_not_after, tmp));
  }
  if (!t.ja3c.empty()) {
    w.key("ja3");
    w.begin_object();
    w.key("hash");
    w.value_string(t.ja3c.view());
    w.end_object();
  }
  if (!t.ja3s.empty()) {
    w.key("ja3s");
    w.begin_object();
    w.key("hash");
    w.value_string(t.ja3s.view());
    w.end_object();
  }
  text("ja4", t.ja4c.view());
  if (!t.alpn.empty()) {
    // ALPN offered, ',' joined: a JSON array of strings.
    w.key("client_alpns");
    w.value_json("[");
    std::string_view rest = t.alpn.view();
    for (bool first = true; !rest.empty(); first = false) {
      const std::size_t comma = rest.find(',');
      if (!first) w.value_json(",");
      w.value_string(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
    w.value_json("]");
  }
}

}  // namespace

void tls_write_eve(const AppMetadata& tx, uint32_t, uint8_t, JsonWriter& w) {
  const TlsMeta* t = tx.part<TlsMeta>();
  if (t == nullptr) return;
  w.key(tx.kind == AppKind::quic ? "quic" : "tls");
  w.begin_object();
  write_tls_fields(*t, w);
  w.end_object();
}

}  // namespace flowprobe::dissect
