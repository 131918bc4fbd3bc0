#pragma once
// A bounds-checked reader over a byte span. Every read checks the remaining length and a
// failed read poisons the reader (ok() false, later reads return zero), so parsers can
// read a whole structure and check once.
#include <cstdint>
#include <span>
#include <string_view>

namespace flowprobe::dissect {

class Reader {
 public:
  Reader() = default;
  explicit Reader(std::span<const uint8_t> s) : s_(s) {}

  bool ok() const { return ok_; }
  std::size_t remaining() const { return ok_ ? s_.size() - pos_ : 0; }
  std::size_t pos() const { return pos_; }
  std::span<const uint8_t> whole() const { return s_; }
  bool has(std::size_t n) const { return ok_ && s_.size() - pos_ >= n; }

  uint8_t u8() { return has(1) ? s_[pos_++] : fail8(); }
  uint16_t u16() {
    if (!has(2)) return fail8();
    const uint16_t v = static_cast<uint16_t>(s_[pos_] << 8 | s_[pos_ + 1]);
    pos_ += 2;
    return v;
  }
  uint32_t u24() {
    if (!has(3)) return fail8();
    const uint32_t v = uint32_t{s_[pos_]} << 16 | uint32_t{s_[pos_ + 1]} << 8 | s_[pos_ + 2];
    pos_ += 3;
    return v;
  }
  uint32_t u32() {
    if (!has(4)) return fail8();
    const uint32_t v = uint32_t{s_[pos_]} << 24 | uint32_t{s_[pos_ + 1]} << 16 | uint32_t{s_[pos_ + 2]} << 8 | s_[pos_ + 3];
    pos_ += 4;
    return v;
  }
  std::span<const uint8_t> bytes(std::size_t n) {
    if (!has(n)) {
      ok_ = false;
      return {};
    }
    auto r = s_.subspan(pos_, n);
    pos_ += n;
    return r;
  }
  Reader sub(std::size_t n) { return Reader(bytes(n)); }
  void skip(std::size_t n) { (void)bytes(n); }

 private:
  uint8_t fail8() {
    ok_ = false;
    return 0;
  }
  std::span<const uint8_t> s_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

inline std::string_view as_text(std::span<const uint8_t> s) {
  return {reinterpret_cast<const char*>(s.data()), s.size()};
}

// ASCII case-insensitive prefix test, for header names and methods.
inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
    if (x != y) return false;
  }
  return true;
}

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace flowprobe::dissect
