#pragma once
// Retention: one component that deletes what the probe wrote once it is too old or too
// much, for every writer alike (rotated JSON, events and alerts files, Zeek logs,
// captures), so a sensor left alone for a year never fills its disk.
//
// Each writer says which files are its own (watch(): a directory and a classifier that
// tells a closed file, which may be deleted, from the live one, which only counts). The
// policy is the OsecT sensor's (../shared/spec/osect-logs.md §3.2), made general: files
// older than max_age go (by modification time, the wall clock: it is about the disk,
// not the traffic); then, while everything watched is over max_bytes, the oldest closed
// file goes, whoever wrote it; max_files bounds the closed files of each writer.
//
// Called from the thread that drives the writers (the exporter lcore): after each
// rotation, and at most once a `kApplyEvery` from their idle flush.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace flowprobe {

struct RetentionPolicy {
  std::chrono::seconds max_age{0};  // delete closed files older than this (0: keep)
  uint64_t max_bytes = 0;           // keep all watched files within this total, oldest closed first (0: no cap)
  uint32_t max_files = 0;           // keep at most this many closed files of each writer (0: no limit)
  bool active() const { return max_age.count() != 0 || max_bytes != 0 || max_files != 0; }
};

enum class FileRole { other, closed, live };

struct RetentionCounters {
  uint64_t deleted_files = 0;
  uint64_t deleted_bytes = 0;
  uint64_t delete_errors = 0;
};

class Retention {
 public:
  static constexpr std::chrono::seconds kApplyEvery{60};

  explicit Retention(RetentionPolicy policy) : policy_(policy) {}

  // The files of one writer: those in `dir` whose name `classify` calls closed or live.
  // A directory it calls closed (a closed set of logs) is one unit: its whole tree's size,
  // deleted whole.
  // `what` names the writer in log lines ("-o", "zeek logs", ...).
  void watch(std::string what, std::filesystem::path dir, std::function<FileRole(std::string_view name)> classify);
  // Applies the policy now; returns the number of files deleted.
  uint64_t apply();
  // apply(), unless it ran less than kApplyEvery ago (wall clock).
  void maybe_apply();

  const RetentionPolicy& policy() const { return policy_; }
  const RetentionCounters& counters() const { return counters_; }
  bool active() const { return policy_.active() && !families_.empty(); }

 private:
  struct Family {
    std::string what;
    std::filesystem::path dir;
    std::function<FileRole(std::string_view)> classify;
  };
  RetentionPolicy policy_;
  std::vector<Family> families_;
  RetentionCounters counters_;
  std::chrono::steady_clock::time_point last_apply_{};
};

// The names a RotatingFileSink gives the files it closes: "<base>.YYYYmmdd-HHMMSS" and
// "<base>.YYYYmmdd-HHMMSS.<n>"; `base` itself is the live file.
FileRole rotated_file_role(std::string_view name, std::string_view base);

}  // namespace flowprobe
