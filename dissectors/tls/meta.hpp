#pragma once
// What the TLS (and QUIC) dissector learns of one handshake. Bounds: SNI 256, ALPN
// offered 64 (',' joined), negotiated 16, JA3C/JA3S 33 (32 hex), JA4 40 (36 chars), cert
// subject 192, issuer 192.
#include <array>
#include <cstdint>

#include "dissectors/bounded_string.hpp"

namespace flowprobe::dissect {

struct TlsMeta {
  BoundedString<256> server_name;
  BoundedString<64> alpn;        // offered by the client, ',' joined
  BoundedString<16> alpn_negotiated;
  BoundedString<33> ja3c;
  BoundedString<33> ja3s;
  BoundedString<40> ja4c;
  BoundedString<192> cert_subject;
  BoundedString<192> cert_issuer;
  std::array<uint8_t, 20> cert_sha1{};
  std::array<uint8_t, 21> cert_serial{};  // the DER INTEGER's bytes (20 at most, and a leading 00)
  uint8_t cert_serial_len = 0;
  int64_t cert_not_before = 0;   // seconds since the epoch
  int64_t cert_not_after = 0;
  uint16_t client_version = 0;   // highest version the client offered
  uint16_t version = 0;          // TLS_VERSION: negotiated (supported_versions or ServerHello)
  uint16_t cipher = 0;           // TLS_CIPHER
  bool unsafe_cipher = false;    // TLS_UNSAFE_CIPHER
  bool has_client_hello = false;
  bool has_server_hello = false;
  bool has_certificate = false;
};

}  // namespace flowprobe::dissect
