#pragma once
// How the field registry's rows write values nProbe's way; shared by the core rows
// (field_registry.cpp) and the protocols' rows (dissectors/<name>/fields.cpp).
#include <array>
#include <charconv>
#include <cstdint>
#include <string_view>

#include "dissectors/bounded_string.hpp"
#include "export/json_writer.hpp"

namespace flowprobe::field {

// A dissector string, "" when the flow has none.
template <std::size_t N>
void str(const dissect::BoundedString<N>* v, JsonWriter& w) {
  w.value_string(v ? v->view() : std::string_view());
}
// A number as a JSON string, as nProbe sends DNS_QUERY_TYPE, DNS_RET_CODE, HTTP_RET_CODE.
inline void uint_as_string(uint64_t v, JsonWriter& w) {
  char buf[24];
  const auto e = std::to_chars(buf, buf + sizeof buf, v).ptr;
  w.value_raw_string(std::string_view(buf, static_cast<std::size_t>(e - buf)));
}
inline void ipv4_text(const std::array<uint8_t, 4>& a, JsonWriter& w) {
  std::array<char, 46> buf;
  w.value_raw_string(format_ipv4(a.data(), buf));
}
inline void mac_text(const std::array<uint8_t, 6>& m, JsonWriter& w) {
  std::array<char, 17> buf;
  w.value_raw_string(format_mac(m, buf));
}
// Lower-case hex of n bytes (at most 64).
inline void hex_text(const uint8_t* p, std::size_t n, JsonWriter& w) {
  static constexpr char kHex[] = "0123456789abcdef";
  char s[128];
  n = n > 64 ? 64 : n;
  for (std::size_t i = 0; i < n; ++i) {
    s[2 * i] = kHex[p[i] >> 4];
    s[2 * i + 1] = kHex[p[i] & 15];
  }
  w.value_raw_string(std::string_view(s, 2 * n));
}

}  // namespace flowprobe::field
