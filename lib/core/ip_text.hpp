#pragma once
// Addresses as text: the one formatting of IPv4 and IPv6 addresses, shared by the
// dissectors (DNS answers) and export (records, eve, logs).
#include <arpa/inet.h>

#include <array>
#include <charconv>
#include <cstdint>
#include <string_view>

namespace flowprobe {

// Dotted quad of the first four bytes (std::to_chars: inet_ntop formats through sprintf).
inline std::string_view format_ipv4(const uint8_t* a, std::array<char, 46>& buf) {
  char* p = buf.data();
  for (int i = 0; i < 4; ++i) {
    p = std::to_chars(p, buf.data() + buf.size(), a[i]).ptr;
    if (i < 3) *p++ = '.';
  }
  return {buf.data(), static_cast<std::size_t>(p - buf.data())};
}

// RFC 5952 compressed text.
inline std::string_view format_ipv6(const uint8_t* a, std::array<char, 46>& buf) {
  if (inet_ntop(AF_INET6, a, buf.data(), static_cast<socklen_t>(buf.size())) == nullptr) return "::";
  return {buf.data()};
}

}  // namespace flowprobe
