#pragma once
// Numbers as the reports print them (spec §1.3): counts with thousands separators,
// shares and month-over-month ratios with 2 decimals (round half up, or truncated as the
// SOC sample's table A), changes of a share in points, "-" where there is nothing to
// compare with.
#include <cstdint>
#include <string>
#include <string_view>

namespace flowprobe::report {

enum class Rounding : uint8_t { half_up, truncate };

inline constexpr const char* kByteUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};  // powers of 1024
std::string thousands(uint64_t n);                 // 38467358 → "38,467,358"
// "1 row", "2 rows": a count and its noun (the plural by appending 's').
std::string counted(uint64_t n, std::string_view noun);
std::string bytes_text(uint64_t n);                // 1536 → "1.5 KiB"
// num / den × 100 in hundredths of a percent, rounded as asked; den must not be 0.
int64_t hundredths(uint64_t num, uint64_t den, Rounding r);
std::string hundredths_text(int64_t h);            // 10904 → "109.04"
std::string percent(uint64_t num, uint64_t den, Rounding r = Rounding::half_up);  // "34.27%", "-" when den = 0
std::string mom_ratio(uint64_t previous, uint64_t current, Rounding r = Rounding::half_up);  // "109.04%" or "-"
// The change of a share between two periods in percentage points, from the shares as
// printed: "1.16pt", "-0.52pt", "-" when either period is empty.
std::string mom_points(uint64_t prev_num, uint64_t prev_den, uint64_t num, uint64_t den,
                       Rounding r = Rounding::half_up);
std::string mom_integer(uint64_t previous, uint64_t current);  // narratives: "74%" or "-"
std::string fixed(double v, int decimals);
// "example.jp" → "example[.]jp", as SOC reports print URLs.
std::string defang(std::string_view url);
std::string html_escape(std::string_view s);
std::string csv_escape(std::string_view s);
std::string json_escape(std::string_view s);

}  // namespace flowprobe::report
