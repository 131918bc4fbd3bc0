#include "core/log.hpp"

#include <atomic>
#include <cstdio>

namespace flowprobe {

namespace {
std::atomic<int> g_level{static_cast<int>(LogLevel::warning)};
constexpr const char* kNames[] = {"error", "warning", "info", "debug"};
}  // namespace

void set_log_level(LogLevel level) { g_level.store(static_cast<int>(level), std::memory_order_relaxed); }
LogLevel log_level() { return static_cast<LogLevel>(g_level.load(std::memory_order_relaxed)); }

void log(LogLevel level, const char* fmt, ...) {
  if (static_cast<int>(level) > g_level.load(std::memory_order_relaxed)) return;
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(line, sizeof(line), fmt, ap);
  va_end(ap);
  std::fprintf(stderr, "flowprobe: %s: %s\n", kNames[static_cast<int>(level)], line);
}

}  // namespace flowprobe
