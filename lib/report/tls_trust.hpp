#pragma once
// The TLS report's rules (spec §1.1, §2.2): the service a server port names, the trust
// score TWSNMP FC computes (penalties, then a deviation value over all rows), its five
// bands, and the cipher-suite strength classes.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace flowprobe::report {

// twpcap's port table: 443 HTTPS, 25/587 SMTP, 465 SMTPS ... else "OTHER".
std::string_view tls_service(uint16_t server_port);

// +1 / +2 / +3 / +4 for a version name containing "1.2", "1.1", "1.0", "SSL" (tested in
// that order); 0 for TLS 1.3 and names matching none ("Unknown").
int version_penalty(std::string_view version_name);

struct PenaltyParts {
  bool server_forbidden = false, client_forbidden = false;
  int version = 0;
  bool server_unresolved = false, client_unresolved = false;
  int total() const {
    return server_forbidden + client_forbidden + version + server_unresolved + client_unresolved;
  }
};

// score = 50 + 10·(x − m)/sd with x = 100 − min(penalty, 100), m and sd the mean and
// population standard deviation of x over all rows; 50 everywhere when sd = 0.
std::vector<double> trust_scores(const std::vector<int>& penalties);

// 5: > 66, 4: (50, 66], 3: (42, 50], 2: (33, 42], 1: ≤ 33.
int score_band(double score);
std::string_view band_label(int band);  // "67 and above" ... "32 and below"
std::string_view band_color(int band);

// Strength of a cipher suite by its IANA name (documented in the README):
//  insecure: NULL, EXPORT, anon, RC4, single DES or MD5 suites;
//  weak:     3DES suites, or any suite the probe flagged TLS_UNSAFE_CIPHER;
//  medium:   CBC suites (the spec's "legacy");
//  strong:   AEAD suites (GCM, CCM, CHACHA20_POLY1305) and the TLS 1.3 suites.
enum class CipherClass : uint8_t { unknown, insecure, weak, medium, strong };
CipherClass cipher_class(std::string_view iana_name, bool unsafe_flag);
std::string_view cipher_class_name(CipherClass c);
// IANA name of a cipher suite id (nDPI's table of the registry); "0x1301"-style for ids it lacks.
std::string cipher_name(uint32_t id);

}  // namespace flowprobe::report
