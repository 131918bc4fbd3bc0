#pragma once
// Appends compact JSON to a reusable buffer. Escaping follows nDPI's serializer, which
// nProbe uses: \\ \" \/ \b \t \n \f \r are escaped, other control bytes are dropped,
// bytes >= 0x80 pass through.
#include <array>
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/ip_text.hpp"

namespace flowprobe {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  void begin_object() { out_.push_back('{'); first_ = true; }
  void end_object() { out_.push_back('}'); }
  void key(std::string_view k) {
    if (!first_) out_.push_back(',');
    first_ = false;
    out_.push_back('"');
    out_.append(k);
    out_.append("\":", 2);
  }
  void value_uint(uint64_t v) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof(buf), v);
    out_.append(buf, static_cast<std::size_t>(r.ptr - buf));
  }
  // Milliseconds with exactly three decimals, as nProbe prints latencies.
  void value_decimal3(uint64_t thousandths) {
    value_uint(thousandths / 1000);
    char frac[4] = {'.', static_cast<char>('0' + thousandths / 100 % 10),
                    static_cast<char>('0' + thousandths / 10 % 10), static_cast<char>('0' + thousandths % 10)};
    out_.append(frac, 4);
  }
  void value_string(std::string_view s) {
    out_.push_back('"');
    for (char ch : s) {
      const auto c = static_cast<unsigned char>(ch);
      switch (c) {
        case '"': out_.append("\\\"", 2); break;
        case '\\': out_.append("\\\\", 2); break;
        case '/': out_.append("\\/", 2); break;
        case '\b': out_.append("\\b", 2); break;
        case '\t': out_.append("\\t", 2); break;
        case '\n': out_.append("\\n", 2); break;
        case '\f': out_.append("\\f", 2); break;
        case '\r': out_.append("\\r", 2); break;
        default:
          if (c >= 0x20) out_.push_back(ch);  // other control characters are dropped
      }
    }
    out_.push_back('"');
  }
  // Already-encoded JSON (an array built by the caller) as the value of the last key.
  void value_json(std::string_view json) { out_.append(json); }
  // For text known to need no escaping (addresses, MACs, ids).
  void value_raw_string(std::string_view s) {
    out_.push_back('"');
    out_.append(s);
    out_.push_back('"');
  }

 private:
  std::string& out_;
  bool first_ = true;
};

// "AA:BB:CC:DD:EE:FF", upper case as nProbe prints MACs.
inline std::string_view format_mac(const std::array<uint8_t, 6>& m, std::array<char, 17>& buf) {
  static constexpr char hex[] = "0123456789ABCDEF";
  for (int i = 0; i < 6; ++i) {
    buf[i * 3] = hex[m[i] >> 4];
    buf[i * 3 + 1] = hex[m[i] & 15];
    if (i < 5) buf[i * 3 + 2] = ':';
  }
  return {buf.data(), 17};
}

// Suricata eve's timestamp, "2019-08-27T12:00:00.123456+0000", from ns since the epoch.
std::string_view format_eve_timestamp(uint64_t ts_ns, std::array<char, 64>& buf);

}  // namespace flowprobe
