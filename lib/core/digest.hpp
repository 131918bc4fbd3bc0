#pragma once
// MD5 (JA3), SHA-1 (certificate fingerprints, Community ID) and SHA-256 (JA4): small incremental
// implementations so the engine needs no crypto library on the packet path.
#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace flowprobe {

class Md5 {
 public:
  void update(std::span<const uint8_t> d);
  void update(std::string_view s) { update({reinterpret_cast<const uint8_t*>(s.data()), s.size()}); }
  std::array<uint8_t, 16> finish();

 private:
  void block(const uint8_t* p);
  uint32_t h_[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
  uint8_t buf_[64]{};
  uint64_t total_ = 0;
};

class Sha1 {
 public:
  void update(std::span<const uint8_t> d);
  void update(std::string_view s) { update({reinterpret_cast<const uint8_t*>(s.data()), s.size()}); }
  std::array<uint8_t, 20> finish();

 private:
  void block(const uint8_t* p);
  uint32_t h_[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
  uint8_t buf_[64]{};
  uint64_t total_ = 0;
};

class Sha256 {
 public:
  void update(std::span<const uint8_t> d);
  void update(std::string_view s) { update({reinterpret_cast<const uint8_t*>(s.data()), s.size()}); }
  std::array<uint8_t, 32> finish();

 private:
  void block(const uint8_t* p);
  uint32_t h_[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  uint8_t buf_[64]{};
  uint64_t total_ = 0;
};

// Lower-case hex of `d` into `out` (2 * d.size() chars, no NUL).
void to_hex(std::span<const uint8_t> d, char* out);

}  // namespace flowprobe
