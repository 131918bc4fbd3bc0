#pragma once
// Byte-order helpers and a growable big-endian writer used by every packet and
// payload builder.
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>
#include <vector>

namespace pcapgen {

using Bytes = std::vector<uint8_t>;

inline void put_be16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
inline void put_be32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}
inline void put_le16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
}
inline void put_le32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
  p[2] = static_cast<uint8_t>(v >> 16);
  p[3] = static_cast<uint8_t>(v >> 24);
}
inline uint16_t get_be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

class ByteWriter {
 public:
  // A length field reserved by begin_len() and filled by end_len().
  struct LenMark {
    std::size_t pos;
    int width;
  };

  ByteWriter() { b_.reserve(256); }

  ByteWriter& u8(uint8_t v) {
    b_.push_back(v);
    return *this;
  }
  ByteWriter& be16(uint16_t v) { return u8(static_cast<uint8_t>(v >> 8)).u8(static_cast<uint8_t>(v)); }
  ByteWriter& be24(uint32_t v) { return u8(static_cast<uint8_t>(v >> 16)).be16(static_cast<uint16_t>(v)); }
  ByteWriter& be32(uint32_t v) { return be16(static_cast<uint16_t>(v >> 16)).be16(static_cast<uint16_t>(v)); }
  ByteWriter& be64(uint64_t v) { return be32(static_cast<uint32_t>(v >> 32)).be32(static_cast<uint32_t>(v)); }
  ByteWriter& le64(uint64_t v) {
    for (int i = 0; i < 8; ++i) u8(static_cast<uint8_t>(v >> (8 * i)));
    return *this;
  }
  ByteWriter& bytes(std::span<const uint8_t> s) {
    b_.insert(b_.end(), s.begin(), s.end());
    return *this;
  }
  ByteWriter& str(std::string_view s) {
    b_.insert(b_.end(), s.begin(), s.end());
    return *this;
  }
  ByteWriter& zeros(std::size_t n) {
    b_.resize(b_.size() + n, 0);
    return *this;
  }

  // Reserves a big-endian length field of `width` bytes (1..4) covering what follows it.
  LenMark begin_len(int width) {
    LenMark m{b_.size(), width};
    zeros(static_cast<std::size_t>(width));
    return m;
  }
  void end_len(LenMark m) {
    std::size_t len = b_.size() - m.pos - static_cast<std::size_t>(m.width);
    for (int i = m.width - 1; i >= 0; --i, len >>= 8) b_[m.pos + static_cast<std::size_t>(i)] = static_cast<uint8_t>(len);
  }
  void patch_be16(std::size_t pos, uint16_t v) { put_be16(&b_[pos], v); }

  std::size_t size() const { return b_.size(); }
  const Bytes& data() const { return b_; }
  Bytes take() { return std::move(b_); }

 private:
  Bytes b_;
};

inline Bytes to_bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

inline Bytes concat(std::initializer_list<std::span<const uint8_t>> parts) {
  Bytes out;
  for (auto p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

}  // namespace pcapgen
