// ssl.log as Zeek writes it (base scripts, default columns): one row per transaction.
#include <algorithm>
#include <cstdio>
#include <cstring>

#include "dissectors/tls/tls.hpp"

extern "C" {
#include <ndpi/ndpi_api.h>
}
#include "export/json_writer.hpp"
#include "export/zeek_format.hpp"

namespace flowprobe::dissect {
namespace {

using namespace flowprobe::zeek;

constexpr std::string_view kColumns =
    "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tversion\tcipher\tcurve\tserver_name\tresumed\t"
    "last_alert\tnext_protocol\testablished\tssl_history\tcert_chain_fps\tclient_cert_chain_fps\t"
    "sni_matches_cert";
constexpr std::string_view kTypes =
    "time\tstring\taddr\tport\taddr\tport\tstring\tstring\tstring\tstring\tbool\tstring\tstring\tbool\tstring\t"
    "vector[string]\tvector[string]\tbool";

std::string_view tls_version_name(uint16_t v, char (&tmp)[24]) {
  int n;
  switch (v) {
    case 0x0002: return "SSLv2";
    case 0x0300: return "SSLv3";
    case 0x0301: return "TLSv10";
    case 0x0302: return "TLSv11";
    case 0x0303: return "TLSv12";
    case 0x0304: return "TLSv13";
    case 0xfeff: return "DTLSv10";
    case 0xfefd: return "DTLSv12";
    case 0xfefc: return "DTLSv13";
    default:
      if (v >= 0x7f0e && v <= 0x7f1c) n = std::snprintf(tmp, sizeof tmp, "TLSv13-draft%u", v & 0xff);
      else n = std::snprintf(tmp, sizeof tmp, "unknown-%u", v);
      return {tmp, static_cast<std::size_t>(n)};
  }
}

void write_row(const ZeekRowSource& s, std::string& o) {
  const TlsMeta& t = *s.app.part<TlsMeta>();
  char tmp[24];
  put_conn_id(o, s);
  tab(o);
  if (t.has_server_hello && t.version != 0) put(o, tls_version_name(t.version, tmp));
  else unset(o);
  tab(o);
  if (t.has_server_hello) {
    const char* name = ndpi_cipher2str(t.cipher);
    // nDPI prints an unknown suite as hex; Zeek as "unknown-<decimal>".
    if (name == nullptr || std::strncmp(name, "0X", 2) == 0 || std::strncmp(name, "0x", 2) == 0) {
      const int n = std::snprintf(tmp, sizeof tmp, "unknown-%u", t.cipher);
      o.append(tmp, static_cast<std::size_t>(n));
    } else {
      o.append(name);
    }
  } else {
    unset(o);
  }
  // curve: not kept.
  put(o, "\t-\t");
  put_str_or_unset(o, t.server_name.view());
  // resumed, last_alert: not kept.
  put(o, "\t-\t-\t");
  put_str_or_unset(o, t.alpn_negotiated.view());
  // established, ssl_history: not tracked; cert_chain_fps are SHA-256 in Zeek and we
  // keep SHA-1; client_cert_chain_fps, sni_matches_cert: not kept.
  put(o, "\t-\t-\t-\t-\t-");
}

}  // namespace

const ZeekLog kSslLog{"ssl", kColumns, kTypes, write_row};

}  // namespace flowprobe::dissect
