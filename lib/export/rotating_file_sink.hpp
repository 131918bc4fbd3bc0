#pragma once
// JSON lines to a file that is rotated by size and age: the live file keeps its name; a
// closed one becomes "<path>.<YYYYmmdd-HHMMSS>[.<n>]" (UTC: the packet clock, the latest
// record time seen, when it was opened). Both bounds are checked per record, so a file
// closes at the first record past either: a file never passes max_bytes (unless one
// record does), and its age is counted on the packet clock, so a replay rotates where a
// live run would. Old files are deleted by
// the Retention it is given (retention.hpp), which watches every file the probe writes.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "export/retention.hpp"
#include "export/sink.hpp"

namespace flowprobe {

struct RotationConfig {
  uint64_t max_bytes = 0;           // rotate before a record that would take the file past this size (0: never)
  std::chrono::seconds max_age{0};  // rotate at the first record this much packet time after the file opened (0: never)
};

class RotatingFileSink final : public Sink {
 public:
  // `option` names the option for messages ("-o", "--events-output"); `retention` (may be
  // null) is told about this file's family and applied after each rotation. On failure
  // returns nullptr with `error` naming the option.
  static std::unique_ptr<RotatingFileSink> open(const std::filesystem::path& path, const RotationConfig& config,
                                                Retention* retention, std::string& error,
                                                const std::string& option = "-o");
  ~RotatingFileSink() override;
  RotatingFileSink(const RotatingFileSink&) = delete;
  RotatingFileSink& operator=(const RotatingFileSink&) = delete;

  void write(std::string_view batch, uint32_t count) override;
  void flush() override;
  SinkCounters counters() const override { return counters_; }
  std::string describe() const override { return "file " + path_.string() + " (rotated)"; }
  std::string last_error() const override { return error_; }
  std::vector<std::pair<std::string, uint64_t>> extra_counters() const override {
    return {{"file.rotations", rotations_}};
  }
  uint64_t clock_deadline_ns() const override;
  const std::filesystem::path& path() const { return path_; }
  void advance_clock(uint64_t packet_ns) override;

  // Closes the live file under a rotated name now.
  bool rotate();
  // Closes the live file as `target` now (a member of a closed log set, zeek_logs.hpp);
  // the next record opens a fresh live file. False when none was open.
  bool rotate_to(const std::filesystem::path& target);

 private:
  RotatingFileSink(std::filesystem::path path, RotationConfig config, Retention* retention)
      : path_(std::move(path)), config_(config), retention_(retention) {}
  bool open_live();
  void settle(bool ok);
  void write_chunk(std::string_view chunk, uint32_t count);

  std::filesystem::path path_;
  RotationConfig config_;
  Retention* retention_;
  std::FILE* file_ = nullptr;
  uint64_t size_ = 0;
  uint64_t first_ns_ = 0;  // the packet clock when the live file was opened (0: not known yet)
  uint64_t clock_ns_ = 0;  // the packet clock: the latest record time the exporter announced
  std::string error_;
  SinkCounters counters_;
  uint64_t pending_ = 0, pending_bytes_ = 0;
  uint64_t rotations_ = 0;
};

}  // namespace flowprobe
