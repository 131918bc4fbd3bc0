#include "report/time_window.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>

namespace flowprobe::report {

bool parse_period(std::string_view s, Period& out) {
  if (s == "day") out = Period::day;
  else if (s == "week") out = Period::week;
  else if (s == "month") out = Period::month;
  else return false;
  return true;
}

std::string_view period_name(Period p) {
  switch (p) {
    case Period::day: return "day";
    case Period::week: return "week";
    case Period::month: return "month";
  }
  return "month";
}

std::string_view previous_period_name(Period p) {
  switch (p) {
    case Period::day: return "previous day";
    case Period::week: return "previous week";
    case Period::month: return "previous month";
  }
  return "previous period";
}

bool set_time_zone(const std::string& tz, std::string& error) {
  if (tz.empty()) {
    tzset();
    return true;
  }
  // glibc silently treats an unknown name as UTC: check the zone file exists first.
  const bool posix_rule = tz.find_first_of("0123456789") != std::string::npos && tz.find('/') == std::string::npos;
  if (tz != "UTC" && !posix_rule && !std::filesystem::exists("/usr/share/zoneinfo/" + tz)) {
    error = "--tz '" + tz + "': no such time zone in /usr/share/zoneinfo (e.g. UTC, Asia/Tokyo, Europe/Paris)";
    return false;
  }
  setenv("TZ", tz.c_str(), 1);
  tzset();
  return true;
}

std::string time_zone_name() {
  const char* tz = std::getenv("TZ");
  std::string name = tz && *tz ? tz : "";
  if (name.empty()) {
    std::error_code ec;
    const auto target = std::filesystem::read_symlink("/etc/localtime", ec);
    const std::string s = target.string();
    const auto at = s.find("zoneinfo/");
    name = !ec && at != std::string::npos ? s.substr(at + 9) : "local time";
  }
  const time_t now = time(nullptr);
  tm t;
  localtime_r(&now, &t);
  char buf[64];
  const long off = t.tm_gmtoff;
  std::snprintf(buf, sizeof(buf), " (%s, %c%02ld:%02ld)", t.tm_zone, off < 0 ? '-' : '+', labs(off) / 3600,
                labs(off) % 3600 / 60);
  return name + buf;
}

namespace {

// Local civil time → epoch (mktime normalises out-of-range fields: day 32, month 13...).
int64_t local_epoch(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) {
  tm t{};
  t.tm_year = y - 1900;
  t.tm_mon = mo - 1;
  t.tm_mday = d;
  t.tm_hour = h;
  t.tm_min = mi;
  t.tm_sec = s;
  t.tm_isdst = -1;
  return static_cast<int64_t>(mktime(&t));
}

struct Parsed {
  enum Kind { month, day, time } kind = day;
  int y = 0, mo = 1, d = 1, h = 0, mi = 0, s = 0;
  bool has_offset = false;
  long offset = 0;  // seconds east of UTC
};

bool parse_when(const std::string& text, Parsed& p) {
  int n = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d%n", &p.y, &p.mo, &n) == 2 && static_cast<std::size_t>(n) == text.size()) {
    p.kind = Parsed::month;
    return p.mo >= 1 && p.mo <= 12;
  }
  n = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%n", &p.y, &p.mo, &p.d, &n) != 3) return false;
  if (p.mo < 1 || p.mo > 12 || p.d < 1 || p.d > 31) return false;
  if (static_cast<std::size_t>(n) == text.size()) {
    p.kind = Parsed::day;
    return true;
  }
  if (text[static_cast<std::size_t>(n)] != 'T' && text[static_cast<std::size_t>(n)] != ' ') return false;
  const char* rest = text.c_str() + n + 1;
  int m = 0;
  if (std::sscanf(rest, "%2d:%2d%n", &p.h, &p.mi, &m) != 2) return false;
  rest += m;
  if (*rest == ':') {
    if (std::sscanf(rest, ":%2d%n", &p.s, &m) != 1) return false;
    rest += m;
    if (*rest == '.')
      for (++rest; *rest >= '0' && *rest <= '9'; ++rest) {
      }
  }
  p.kind = Parsed::time;
  if (*rest == 'Z') {
    p.has_offset = true;
    ++rest;
  } else if (*rest == '+' || *rest == '-') {
    int oh = 0, om = 0;
    if (std::sscanf(rest + 1, "%2d:%2d", &oh, &om) < 1 && std::sscanf(rest + 1, "%2d%2d", &oh, &om) < 1) return false;
    p.has_offset = true;
    p.offset = (oh * 3600L + om * 60L) * (*rest == '-' ? -1 : 1);
    rest += std::string_view(rest).find_first_not_of("+-0123456789:");
    if (rest < text.c_str()) return false;
  }
  return *rest == 0 || rest >= text.c_str() + text.size();
}

int64_t instant(const Parsed& p) {
  if (p.has_offset) {
    tm t{};
    t.tm_year = p.y - 1900;
    t.tm_mon = p.mo - 1;
    t.tm_mday = p.d;
    t.tm_hour = p.h;
    t.tm_min = p.mi;
    t.tm_sec = p.s;
    return static_cast<int64_t>(timegm(&t)) - p.offset;
  }
  return local_epoch(p.y, p.mo, p.d, p.h, p.mi, p.s);
}

// Moves a local time by whole periods (calendar months keep the day of month).
int64_t shift(int64_t t, Period p, int count) {
  const time_t tt = static_cast<time_t>(t);
  tm l;
  localtime_r(&tt, &l);
  switch (p) {
    case Period::day: l.tm_mday += count; break;
    case Period::week: l.tm_mday += 7 * count; break;
    case Period::month: l.tm_mon += count; break;
  }
  l.tm_isdst = -1;
  return static_cast<int64_t>(mktime(&l));
}

int64_t local_midnight(int64_t t) {
  const time_t tt = static_cast<time_t>(t);
  tm l;
  localtime_r(&tt, &l);
  return local_epoch(l.tm_year + 1900, l.tm_mon + 1, l.tm_mday);
}

void fill_days(Window& w) {
  w.day_starts.clear();
  w.day_starts.push_back(w.begin);
  int64_t day = local_midnight(w.begin);
  for (int i = 1; i < 400; ++i) {
    const time_t tt = static_cast<time_t>(day);
    tm l;
    localtime_r(&tt, &l);
    day = local_epoch(l.tm_year + 1900, l.tm_mon + 1, l.tm_mday + 1);
    if (day >= w.end) break;
    w.day_starts.push_back(day);
  }
}

}  // namespace

int Window::day_of(int64_t t) const {
  if (t < begin || t >= end) return -1;
  const auto it = std::upper_bound(day_starts.begin(), day_starts.end(), t);
  return static_cast<int>(it - day_starts.begin()) - 1;
}

bool make_report_time(const std::string& from, const std::string& to, Period period, int64_t now, ReportTime& out,
                      std::string& error) {
  out.period = period;
  Window& w = out.current;
  if (from.empty()) {
    if (!to.empty()) {
      error = "--to needs --from";
      return false;
    }
    // The last whole period before now.
    const time_t tt = static_cast<time_t>(now);
    tm l;
    localtime_r(&tt, &l);
    int64_t this_start = 0;
    switch (period) {
      case Period::day: this_start = local_epoch(l.tm_year + 1900, l.tm_mon + 1, l.tm_mday); break;
      case Period::week: {
        const int since_monday = (l.tm_wday + 6) % 7;  // ISO weeks start on Monday
        this_start = local_epoch(l.tm_year + 1900, l.tm_mon + 1, l.tm_mday - since_monday);
        break;
      }
      case Period::month: this_start = local_epoch(l.tm_year + 1900, l.tm_mon + 1, 1); break;
    }
    w.begin = shift(this_start, period, -1);
    w.end = this_start;
  } else {
    Parsed f;
    if (!parse_when(from, f)) {
      error = "--from '" + from + "': expected a month (2026-11), a date (2026-11-05) or a time (2026-11-05T10:00, "
              "optionally with Z or +09:00)";
      return false;
    }
    w.begin = instant(f);
    if (to.empty()) {
      // A month given as --from is that month, whatever --period says about the previous one.
      w.end = f.kind == Parsed::month ? local_epoch(f.y, f.mo + 1, 1) : shift(w.begin, period, 1);
    } else {
      Parsed t;
      if (!parse_when(to, t)) {
        error = "--to '" + to + "': expected a month, a date or a time, as --from";
        return false;
      }
      // A month or a date given as --to includes all of it.
      if (t.kind == Parsed::month) w.end = local_epoch(t.y, t.mo + 1, 1);
      else if (t.kind == Parsed::day) w.end = local_epoch(t.y, t.mo, t.d + 1);
      else w.end = instant(t);
    }
  }
  if (w.end <= w.begin) {
    error = "--to must be after --from";
    return false;
  }
  // The previous period: the same calendar length just before. A whole-period window
  // steps back by the period; any other window by its own length.
  Window& p = out.previous;
  p.end = w.begin;
  if (shift(w.begin, period, 1) == w.end) {
    p.begin = shift(w.begin, period, -1);
  } else {
    p.begin = w.begin - (w.end - w.begin);
  }
  fill_days(w);
  fill_days(p);
  return true;
}

std::string format_local(int64_t t, const char* fmt) {
  const time_t tt = static_cast<time_t>(t);
  tm l;
  localtime_r(&tt, &l);
  char buf[80];
  const std::size_t n = std::strftime(buf, sizeof(buf), fmt, &l);
  return std::string(buf, n);
}

std::string format_day(int64_t t) { return format_local(t, "%Y-%m-%d"); }

}  // namespace flowprobe::report
