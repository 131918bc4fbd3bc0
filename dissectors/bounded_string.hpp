#pragma once
// A string kept inside a fixed-size record: at most N-1 bytes, always NUL-terminated,
// `truncated` set when the wire value was longer. The protocols' metadata and
// transaction types are made of these, so a record stays plain data that can be copied
// through a ring.
#include <cstdint>
#include <cstring>
#include <string_view>

namespace flowprobe::dissect {

template <std::size_t N>
struct BoundedString {
  static_assert(N >= 1 && N <= 65535);
  uint16_t len = 0;
  bool truncated = false;
  // Only the terminator is written at construction: nothing reads past `len`, and a
  // protocol's metadata (a few KB of these) is built for every flow and transaction on
  // the RX core, where zeroing whole buffers cost a cache miss per line (issue #17).
  char data[N];

  BoundedString() noexcept { data[0] = '\0'; }

  static constexpr std::size_t capacity() { return N - 1; }
  std::string_view view() const { return {data, len}; }
  bool empty() const { return len == 0; }
  void clear() {
    len = 0;
    truncated = false;
    data[0] = '\0';
  }
  void assign(std::string_view s) {
    clear();
    append(s);
  }
  void append(std::string_view s) {
    const std::size_t room = capacity() - len;
    const std::size_t n = s.size() < room ? s.size() : room;
    if (n < s.size()) truncated = true;
    if (n) std::memcpy(data + len, s.data(), n);
    len = static_cast<uint16_t>(len + n);
    data[len] = '\0';
  }
  void push_back(char c) { append(std::string_view(&c, 1)); }
};

}  // namespace flowprobe::dissect
