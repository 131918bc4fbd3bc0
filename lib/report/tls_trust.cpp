#include "report/tls_trust.hpp"

extern "C" {
#include <ndpi/ndpi_api.h>
}

#include <cmath>
#include <cstdio>

namespace flowprobe::report {

std::string_view tls_service(uint16_t port) {
  switch (port) {
    case 443: return "HTTPS";
    case 25:
    case 587: return "SMTP";
    case 465: return "SMTPS";
    case 110: return "POP3";
    case 995: return "POP3S";
    case 143: return "IMAP4";
    case 993: return "IMAP4S";
    case 21: return "FTP";
    case 990: return "FTPS";
    case 636: return "LDAPS";
    case 5001: return "UPnPMSv2";
    // twpcap's three odd entries, kept as it has them.
    case 22: return "FTP-DATA";
    case 339: return "LDAP";
    case 991: return "FTPS-DATA";
    default: return "OTHER";
  }
}

int version_penalty(std::string_view v) {
  if (v.find("1.2") != std::string_view::npos) return 1;
  if (v.find("1.1") != std::string_view::npos) return 2;
  if (v.find("1.0") != std::string_view::npos) return 3;
  if (v.find("SSL") != std::string_view::npos) return 4;
  return 0;
}

std::vector<double> trust_scores(const std::vector<int>& penalties) {
  std::vector<double> out(penalties.size(), 50.0);
  if (penalties.empty()) return out;
  double sum = 0;
  for (int p : penalties) sum += 100.0 - std::min(p, 100);
  const double m = sum / static_cast<double>(penalties.size());
  double var = 0;
  for (int p : penalties) {
    const double d = 100.0 - std::min(p, 100) - m;
    var += d * d;
  }
  const double sd = std::sqrt(var / static_cast<double>(penalties.size()));
  if (sd == 0) return out;
  for (std::size_t i = 0; i < penalties.size(); ++i) out[i] = 50.0 + 10.0 * (100.0 - std::min(penalties[i], 100) - m) / sd;
  return out;
}

int score_band(double s) {
  if (s > 66) return 5;
  if (s > 50) return 4;
  if (s > 42) return 3;
  if (s > 33) return 2;
  return 1;
}

std::string_view band_label(int band) {
  switch (band) {
    case 5: return "67 and above";
    case 4: return "51\xe2\x80\x93" "66";
    case 3: return "42\xe2\x80\x93" "50";
    case 2: return "33\xe2\x80\x93" "41";
    default: return "32 and below";
  }
}

std::string_view band_color(int band) {
  switch (band) {
    case 5: return "#2f6db5";
    case 4: return "#79b8e8";
    case 3: return "#f0c431";
    case 2: return "#f09ab4";
    default: return "#d23b3b";
  }
}

CipherClass cipher_class(std::string_view n, bool unsafe) {
  if (n.empty() || n.substr(0, 4) != "TLS_") return CipherClass::unknown;
  const auto has = [&](std::string_view s) { return n.find(s) != std::string_view::npos; };
  if (has("NULL") || has("EXPORT") || has("anon") || has("RC4") || has("MD5") ||
      ((has("_DES_") || has("_DES40_")) && !has("3DES") && !has("DES_EDE")))
    return CipherClass::insecure;
  if (has("3DES") || has("DES_EDE") || unsafe) return CipherClass::weak;
  if (has("GCM") || has("CCM") || has("CHACHA20_POLY1305")) return CipherClass::strong;
  if (has("CBC")) return CipherClass::medium;
  return CipherClass::medium;
}

std::string_view cipher_class_name(CipherClass c) {
  switch (c) {
    case CipherClass::insecure: return "insecure";
    case CipherClass::weak: return "weak";
    case CipherClass::medium: return "medium";
    case CipherClass::strong: return "strong";
    case CipherClass::unknown: break;
  }
  return "unknown";
}

std::string cipher_name(uint32_t id) {
  if (id == 0) return "";
  const char* n = ndpi_cipher2str(id);
  if (n != nullptr && std::string_view(n).substr(0, 4) == "TLS_") return n;
  char buf[24];
  std::snprintf(buf, sizeof(buf), "0x%04X", id);
  return buf;
}

}  // namespace flowprobe::report
