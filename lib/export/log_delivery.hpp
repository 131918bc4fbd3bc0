#pragma once
// Delivery of the closed log sets (--zeek-logs-rotate): each set a rotation closes
// (zeek_logs.hpp's ClosedLogSet) is handed here and, on a thread of its own (never the
// packet path, never the exporter's), is
//   1. given to --log-postprocess CMD (as Zeek's log postprocessors get their file): CMD
//      runs with the set's directory (or its files) as arguments; its exit status counts;
//   2. packed as one archive, tar then zstd level 10 (the OsecT sensor's
//      realtime-<time>.tar.zst, §1.3 of ../shared/spec/osect-logs.md), into an on-disk
//      queue, and POSTed (log_upload.hpp). HTTP 200 deletes the archive; anything else
//      leaves it queued, and the queue is tried again, oldest name first, with backoff.
// The queue survives the process: archives an earlier run could not send are sent first
// by the next one. Nothing leaves the queue but by a 200 or by retention (counted).
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <iterator>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "export/log_upload.hpp"
#include "core/counters.hpp"
#include "export/zeek_logs.hpp"

namespace flowprobe {

class Retention;

struct LogDeliveryConfig {
  UploadConfig upload;               // url empty: no upload (and no queue)
  std::filesystem::path queue_dir;   // where archives wait for a 200
  std::string postprocess;           // a shell command; empty: none
  std::chrono::milliseconds drain{10'000};  // at finish(): how long the queue may still be tried
  int zstd_level = 10;
  // --zeek-logs DIR when each set has a directory of its own (--log-set-dir): the sets
  // processed are listed in DIR/.flowprobe-delivered-sets, and a set directory found
  // there at start that the list lacks (a run was killed before it postprocessed and
  // packed it, or before it closed it: ZeekLogWriter::keep_unfinished_logs) is handed
  // over first. With no list yet (a first run) the sets already there count as processed.
  std::filesystem::path sets_dir;
};

struct LogDeliveryCounters {
  uint64_t sets = 0;                // closed sets handed over
  uint64_t postprocess_ok = 0;      // --log-postprocess runs that exited 0
  uint64_t postprocess_failed = 0;  // … that did not (or could not start)
  uint64_t packed = 0;              // archives made
  uint64_t pack_failed = 0;         // sets that could not be packed: not delivered
  uint64_t uploaded = 0;            // archives the server took (HTTP 200), then deleted
  uint64_t upload_failures = 0;     // POSTs refused or failed; the archive stayed queued
  uint64_t carried_in = 0;          // archives an earlier run left in the queue
  uint64_t vanished = 0;            // queued archives deleted before delivery (retention): not delivered
  uint64_t pending = 0;             // archives in the queue now
  uint64_t recovered = 0;           // sets an earlier run closed (or left open) and did not process
};
// The same, as the stats endpoint shows them (ops/stats.hpp: flowprobe_log_sets_*).
inline constexpr CounterDef kLogDeliveryCounterDefs[] = {
    {"log_sets.closed", "closed log sets handed over for delivery"},
    {"log_sets.postprocess_ok", "--log-postprocess runs that exited 0"},
    {"log_sets.postprocess_failed", "--log-postprocess runs that failed or could not start"},
    {"log_sets.packed", "log set archives made for upload"},
    {"log_sets.pack_failed", "log sets that could not be packed (not delivered)"},
    {"log_sets.uploaded", "log set archives the server took (HTTP 200)"},
    {"log_sets.upload_failures", "log set uploads refused or failed (the archive stays queued)"},
    {"log_sets.carried_in", "archives an earlier run left in the upload queue"},
    {"log_sets.deleted_before_upload", "queued archives deleted by retention before delivery (lost)"},
    {"log_sets.queued", "archives waiting in the upload queue", CounterKind::gauge},
    {"log_sets.recovered", "sets an earlier run closed or left open but did not process (found at start)"},
};
static_assert(sizeof(LogDeliveryCounters) == std::size(kLogDeliveryCounterDefs) * sizeof(uint64_t));

// "--log-upload"'s archive for a set: <set name>.tar.zst. Its entries are
// "<set name>/<file>" for a set in a directory of its own, the files' names otherwise.
// Written to `to` through a ".part" file renamed when complete. False with `error` set.
bool pack_log_set(const ClosedLogSet& set, const std::filesystem::path& to, int zstd_level, std::string& error);

class LogDelivery {
 public:
  // Checks the upload options, opens and locks the queue (one probe per queue), counts
  // what an earlier run left there, and starts the thread. nullptr with `error` set
  // (naming the option) otherwise.
  static std::unique_ptr<LogDelivery> start(LogDeliveryConfig config, std::string& error);
  ~LogDelivery();
  LogDelivery(const LogDelivery&) = delete;
  LogDelivery& operator=(const LogDelivery&) = delete;

  // Queues the queue directory's archives with `retention` (age and total-size bounds).
  void set_retention(Retention* retention);
  // From the writer's thread: takes the set; returns at once.
  void submit(ClosedLogSet&& set);
  // Processes every set handed over, then tries the queue until it is empty or the
  // drain time is spent, and stops the thread. True when everything was delivered:
  // nothing left queued, no set unpacked, no postprocess failed.
  bool finish();

  LogDeliveryCounters counters() const;
  std::string last_error() const;
  const LogDeliveryConfig& config() const { return config_; }

 private:
  explicit LogDelivery(LogDeliveryConfig config) : config_(std::move(config)) {}
  void pack_loop();    // postprocess and pack, set by set
  void upload_loop();  // the queue, oldest first, with backoff
  void process(ClosedLogSet& set);
  void recover_sets();                          // at start: the sets_dir's sets not yet processed
  void record_processed(const ClosedLogSet& set);  // appends the set to the list
  bool finished() const;  // under mutex_: finish()'s verdict

  LogDeliveryConfig config_;
  int lock_fd_ = -1;
  mutable std::mutex mutex_;
  std::condition_variable wake_;         // the packer: a set, or stop
  std::condition_variable upload_wake_;  // the uploader: an archive, or the drain, or stop
  std::deque<ClosedLogSet> sets_;        // handed over, not yet processed
  std::deque<std::string> queue_;        // archive names waiting for a 200, oldest first
  bool stopping_ = false;                // finish(): the packer ends once sets_ is empty
  bool draining_ = false;                // finish(): the uploader retries every 500 ms until drain_deadline_
  bool upload_stop_ = false;
  std::chrono::steady_clock::time_point drain_deadline_{};
  LogDeliveryCounters counters_;
  std::string last_error_;
  std::thread packer_, uploader_;
};

}  // namespace flowprobe
