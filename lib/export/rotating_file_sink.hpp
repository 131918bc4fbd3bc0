#pragma once
// JSON lines to a file that is rotated by size and age, with old files deleted after a
// retention period, so that a sensor never fills its disk. The live file keeps its name;
// a rotated one becomes "<path>.<YYYYmmdd-HHMMSS>[.<n>]" (UTC, the time it was closed).
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "export/sink.hpp"

namespace flowprobe {

struct RotationConfig {
  uint64_t max_bytes = 0;                // rotate when the file would pass this size (0: never)
  std::chrono::seconds max_age{0};       // rotate a file this old (0: never)
  std::chrono::seconds retention{0};     // delete rotated files older than this (0: keep)
  uint32_t max_files = 0;                // keep at most this many rotated files (0: no limit)
};

class RotatingFileSink final : public Sink {
 public:
  // On failure returns nullptr with `error` naming -o.
  static std::unique_ptr<RotatingFileSink> open(const std::filesystem::path& path, const RotationConfig& config,
                                                std::string& error);
  ~RotatingFileSink() override;
  RotatingFileSink(const RotatingFileSink&) = delete;
  RotatingFileSink& operator=(const RotatingFileSink&) = delete;

  void write(std::string_view batch, uint32_t count) override;
  void flush() override;
  SinkCounters counters() const override { return counters_; }
  std::string describe() const override { return "file " + path_.string() + " (rotated)"; }
  std::string last_error() const override { return error_; }
  std::vector<std::pair<std::string, uint64_t>> extra_counters() const override {
    return {{"file.rotations", rotations_}, {"file.deleted", deleted_}};
  }

  // Closes the live file under a rotated name now (tests, SIGHUP-style use).
  bool rotate();
  // Deletes rotated files past the retention period or the file count.
  void apply_retention();

 private:
  RotatingFileSink(std::filesystem::path path, RotationConfig config) : path_(std::move(path)), config_(config) {}
  bool open_live();
  void settle(bool ok);

  std::filesystem::path path_;
  RotationConfig config_;
  std::FILE* file_ = nullptr;
  uint64_t size_ = 0;
  std::chrono::system_clock::time_point opened_{};
  std::string error_;
  SinkCounters counters_;
  uint64_t pending_ = 0, pending_bytes_ = 0;
  uint64_t rotations_ = 0, deleted_ = 0;
};

}  // namespace flowprobe
