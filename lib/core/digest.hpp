#pragma once
// MD5 (JA3), SHA-1 (certificate fingerprints, Community ID) and SHA-256 (JA4), incremental,
// on OpenSSL's libcrypto. The low-level context API is used on purpose: its state is a
// plain struct on the caller's stack and its block functions use the CPU's SHA
// extensions, whereas OpenSSL 3's EVP one-shots fetch the algorithm and allocate a
// context on every call (this runs per flow on the exporter and in the TLS dissector).
// Our own block code cost a third of the JSON encoding of a record (Community ID);
// bench/RESULTS.md has the before and after.
#ifndef OPENSSL_SUPPRESS_DEPRECATED
#define OPENSSL_SUPPRESS_DEPRECATED  // the MD5_/SHA1_/SHA256_ context functions (see above)
#endif
#include <openssl/md5.h>
#include <openssl/sha.h>

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace flowprobe {

class Md5 {
 public:
  Md5() { MD5_Init(&ctx_); }
  void update(std::span<const uint8_t> d) { MD5_Update(&ctx_, d.data(), d.size()); }
  void update(std::string_view s) { MD5_Update(&ctx_, s.data(), s.size()); }
  std::array<uint8_t, 16> finish() {
    std::array<uint8_t, 16> out;
    MD5_Final(out.data(), &ctx_);
    return out;
  }

 private:
  MD5_CTX ctx_;
};

class Sha1 {
 public:
  Sha1() { SHA1_Init(&ctx_); }
  void update(std::span<const uint8_t> d) { SHA1_Update(&ctx_, d.data(), d.size()); }
  void update(std::string_view s) { SHA1_Update(&ctx_, s.data(), s.size()); }
  std::array<uint8_t, 20> finish() {
    std::array<uint8_t, 20> out;
    SHA1_Final(out.data(), &ctx_);
    return out;
  }

 private:
  SHA_CTX ctx_;
};

class Sha256 {
 public:
  Sha256() { SHA256_Init(&ctx_); }
  void update(std::span<const uint8_t> d) { SHA256_Update(&ctx_, d.data(), d.size()); }
  void update(std::string_view s) { SHA256_Update(&ctx_, s.data(), s.size()); }
  std::array<uint8_t, 32> finish() {
    std::array<uint8_t, 32> out;
    SHA256_Final(out.data(), &ctx_);
    return out;
  }

 private:
  SHA256_CTX ctx_;
};

// Lower-case hex of `d` into `out` (2 * d.size() chars, no NUL).
void to_hex(std::span<const uint8_t> d, char* out);

}  // namespace flowprobe
