#include "report/format.hpp"

#include <cstdio>

namespace flowprobe::report {

std::string counted(uint64_t n, std::string_view noun) {
  return thousands(n) + " " + std::string(noun) + (n == 1 ? "" : "s");
}

std::string thousands(uint64_t n) {
  std::string d = std::to_string(n);
  std::string out;
  out.reserve(d.size() + d.size() / 3);
  for (std::size_t i = 0; i < d.size(); ++i) {
    if (i > 0 && (d.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(d[i]);
  }
  return out;
}

std::string bytes_text(uint64_t n) {
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 5) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  if (u == 0) std::snprintf(buf, sizeof(buf), "%llu B", static_cast<unsigned long long>(n));
  else std::snprintf(buf, sizeof(buf), "%.1f %s", v, kByteUnits[u]);
  return buf;
}

int64_t hundredths(uint64_t num, uint64_t den, Rounding r) {
  // Integer arithmetic: 0.5 cases (305.9697 vs 305.975) must round the same on every machine.
  const unsigned __int128 scaled = static_cast<unsigned __int128>(num) * 10000u;
  if (r == Rounding::truncate) return static_cast<int64_t>(scaled / den);
  return static_cast<int64_t>((scaled * 2 + den) / (static_cast<unsigned __int128>(den) * 2));
}

std::string hundredths_text(int64_t h) {
  char buf[40];
  const bool neg = h < 0;
  const uint64_t a = static_cast<uint64_t>(neg ? -h : h);
  std::snprintf(buf, sizeof(buf), "%s%llu.%02llu", neg ? "-" : "", static_cast<unsigned long long>(a / 100),
                static_cast<unsigned long long>(a % 100));
  return buf;
}

std::string percent(uint64_t num, uint64_t den, Rounding r) {
  if (den == 0) return "-";
  return hundredths_text(hundredths(num, den, r)) + "%";
}

std::string mom_ratio(uint64_t previous, uint64_t current, Rounding r) {
  if (previous == 0) return "-";
  return hundredths_text(hundredths(current, previous, r)) + "%";
}

std::string mom_points(uint64_t prev_num, uint64_t prev_den, uint64_t num, uint64_t den, Rounding r) {
  if (prev_den == 0 || den == 0) return "-";
  return hundredths_text(hundredths(num, den, r) - hundredths(prev_num, prev_den, r)) + "pt";
}

std::string mom_integer(uint64_t previous, uint64_t current) {
  if (previous == 0) return "-";
  const unsigned __int128 v = (static_cast<unsigned __int128>(current) * 200 + previous) / (2 * previous);
  return std::to_string(static_cast<uint64_t>(v)) + "%";
}

std::string fixed(double v, int decimals) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
  return buf;
}

std::string defang(std::string_view url) {
  std::string out;
  for (char c : url) {
    if (c == '.') out += "[.]";
    else out.push_back(c);
  }
  return out;
}

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::string csv_escape(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += "\"\"";
    else out.push_back(c);
  }
  return out + "\"";
}

std::string json_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  return out;
}

}  // namespace flowprobe::report
