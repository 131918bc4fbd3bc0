#include "core/log.hpp"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <mutex>

#include "core/redact.hpp"

namespace flowprobe {

namespace {
std::atomic<int> g_level{static_cast<int>(LogLevel::warning)};
constexpr const char* kNames[] = {"error", "warning", "info", "debug"};

// The log file is shared by the main thread, the statistics thread and librdkafka's
// callbacks; a mutex is fine here, nothing logs per packet.
std::mutex g_file_mutex;
std::FILE* g_file = nullptr;

void to_file(const char* level, const char* text) {
  std::lock_guard<std::mutex> lock(g_file_mutex);
  if (g_file == nullptr) return;
  char stamp[32];
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
  std::fprintf(g_file, "%s %s: %s\n", stamp, level, text);
  std::fflush(g_file);
}
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
  const std::string safe = redact(line);
  std::fprintf(stderr, "flowprobe: %s: %s\n", kNames[static_cast<int>(level)], safe.c_str());
  to_file(kNames[static_cast<int>(level)], safe.c_str());
}

bool set_log_file(const std::string& path, std::string& error) {
  std::FILE* f = std::fopen(path.c_str(), "a");
  if (f == nullptr) {
    error = "--log-file '" + path + "': " + std::strerror(errno);
    return false;
  }
  std::lock_guard<std::mutex> lock(g_file_mutex);
  if (g_file != nullptr) std::fclose(g_file);
  g_file = f;
  return true;
}

void log_file_only(const char* line) { to_file("stats", redact(line).c_str()); }

}  // namespace flowprobe
