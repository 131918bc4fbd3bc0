#pragma once
// The report's window, its previous period (for month-over-month) and the calendar days
// of both, in the report's time zone. Days are local calendar days: a day in a zone with
// daylight saving may last 23 or 25 hours.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace flowprobe::report {

enum class Period : uint8_t { day, week, month };
bool parse_period(std::string_view s, Period& out);
std::string_view period_name(Period p);        // "day", "week", "month"
std::string_view previous_period_name(Period p);  // "previous day", ...

// Sets the process's time zone for the report (TZ, as localtime uses it). Empty: the
// machine's. False when the name is not a zone the system knows.
bool set_time_zone(const std::string& tz, std::string& error);
std::string time_zone_name();  // "Asia/Tokyo (JST, +09:00)"

struct Window {
  int64_t begin = 0, end = 0;        // [begin, end), epoch seconds
  std::vector<int64_t> day_starts;   // local midnights, begin first; day i = [day_starts[i], next)
  // Index of the day holding `t`, or -1 when outside the window.
  int day_of(int64_t t) const;
  bool contains(int64_t t) const { return t >= begin && t < end; }
  std::size_t days() const { return day_starts.size(); }
};

struct ReportTime {
  Period period = Period::month;
  Window current, previous;
};

// --from / --to: "2026-11" (a month), "2026-11-05" (a day), "2026-11-05T10:00[:00]"
// (local time) or with "Z"/"+09:00". Without --to the window is one period from --from
// (a month given as --from makes the window that month). Without --from: the last whole
// period before `now`. The previous period is the one of equal calendar length before.
bool make_report_time(const std::string& from, const std::string& to, Period period, int64_t now, ReportTime& out,
                      std::string& error);

// Local time text in the report's zone.
std::string format_local(int64_t t, const char* fmt = "%Y-%m-%d %H:%M:%S");
std::string format_day(int64_t t);  // "2026-11-05"

}  // namespace flowprobe::report
