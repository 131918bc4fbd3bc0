#pragma once
// Levelled logging to stderr (the journal under systemd). Never called per packet.
#include <cstdarg>

namespace flowprobe {

enum class LogLevel : int { error = 0, warning = 1, info = 2, debug = 3 };

void set_log_level(LogLevel level);
LogLevel log_level();
void log(LogLevel level, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

}  // namespace flowprobe
