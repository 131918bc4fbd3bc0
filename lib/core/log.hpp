#pragma once
// Levelled logging to stderr (the journal under systemd), and with --log-file to a file
// as well (what a support bundle collects). Never called per packet. Every line passes
// through redact() (core/redact.hpp) first: no secret reaches either.
#include <cstdarg>
#include <string>

namespace flowprobe {

enum class LogLevel : int { error = 0, warning = 1, info = 2, debug = 3 };

void set_log_level(LogLevel level);
LogLevel log_level();
void log(LogLevel level, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

// Appends every line logged from now on to `path` too, with a UTC time stamp. False with
// `error` when it cannot be opened.
bool set_log_file(const std::string& path, std::string& error);
// Writes `line` (no newline) to the log file only, whatever the level: for lines the
// caller has already printed itself (the statistics line).
void log_file_only(const char* line);

}  // namespace flowprobe
