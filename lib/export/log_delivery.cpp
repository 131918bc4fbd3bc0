#include "export/log_delivery.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>
#include <vector>

#include "core/log.hpp"
#include "export/retention.hpp"

extern char** environ;

namespace flowprobe {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kArchiveSuffix = ".tar.zst";
// In --zeek-logs DIR: the set directories processed (postprocessed and packed), one name a
// line. A set is listed once it is in the upload queue (which survives the process), so a
// run killed between the two sends that set twice, never not at all.
constexpr std::string_view kProcessedList = ".flowprobe-delivered-sets";
constexpr std::chrono::seconds kMaxBackoff{60};  // the sensor's cycle: tried again at least once a cycle

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_write_free(a); }
};

bool add_file(archive* a, const fs::path& file, const std::string& entry_name, std::string& error) {
  struct stat st;
  if (::stat(file.c_str(), &st) != 0) {
    error = file.string() + ": " + std::strerror(errno);
    return false;
  }
  std::FILE* in = std::fopen(file.c_str(), "rb");
  if (in == nullptr) {
    error = file.string() + ": " + std::strerror(errno);
    return false;
  }
  archive_entry* e = archive_entry_new();
  archive_entry_copy_stat(e, &st);
  archive_entry_set_pathname(e, entry_name.c_str());
  bool ok = archive_write_header(a, e) == ARCHIVE_OK;
  char buf[64 * 1024];
  for (size_t n; ok && (n = std::fread(buf, 1, sizeof buf, in)) > 0;)
    ok = archive_write_data(a, buf, n) == static_cast<la_ssize_t>(n);
  if (ok && std::ferror(in)) {
    error = file.string() + ": read error";
    ok = false;
  } else if (!ok) {
    error = file.string() + ": " + (archive_error_string(a) ? archive_error_string(a) : "cannot be archived");
  }
  archive_entry_free(e);
  std::fclose(in);
  return ok;
}

// The names that sort oldest first: the sets' names carry their interval's start.
std::vector<std::string> queued_archives(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.ends_with(kArchiveSuffix) && e.is_regular_file(ec)) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

bool pack_log_set(const ClosedLogSet& set, const fs::path& to, int zstd_level, std::string& error) {
  const fs::path part = to.string() + ".part";
  std::unique_ptr<archive, ArchiveDeleter> a(archive_write_new());
  const std::string level = std::to_string(zstd_level);
  if (archive_write_add_filter_zstd(a.get()) != ARCHIVE_OK ||
      archive_write_set_filter_option(a.get(), "zstd", "compression-level", level.c_str()) != ARCHIVE_OK ||
      archive_write_set_format_pax_restricted(a.get()) != ARCHIVE_OK ||
      archive_write_open_filename(a.get(), part.c_str()) != ARCHIVE_OK) {
    error = part.string() + ": " + (archive_error_string(a.get()) ? archive_error_string(a.get()) : "cannot be created");
    return false;
  }
  bool ok = true;
  const std::string prefix = set.own_dir ? set.dir.filename().string() + "/" : "";
  if (set.own_dir) {
    // The directory itself first, as tar -cf x.tar.zst realtime-… writes it.
    struct stat st;
    archive_entry* e = archive_entry_new();
    if (::stat(set.dir.c_str(), &st) == 0) archive_entry_copy_stat(e, &st);
    archive_entry_set_filetype(e, AE_IFDIR);
    archive_entry_set_perm(e, 0755);
    archive_entry_set_pathname(e, prefix.c_str());
    ok = archive_write_header(a.get(), e) == ARCHIVE_OK;
    archive_entry_free(e);
  }
  for (const fs::path& f : set.files) {
    if (!ok) break;
    ok = add_file(a.get(), f, prefix + f.filename().string(), error);
  }
  if (archive_write_close(a.get()) != ARCHIVE_OK && ok) {
    error = part.string() + ": " + (archive_error_string(a.get()) ? archive_error_string(a.get()) : "write error");
    ok = false;
  }
  std::error_code ec;
  if (ok) fs::rename(part, to, ec);
  if (ok && ec) {
    error = to.string() + ": " + ec.message();
    ok = false;
  }
  if (!ok) fs::remove(part, ec);
  return ok;
}

std::unique_ptr<LogDelivery> LogDelivery::start(LogDeliveryConfig config, std::string& error) {
  std::unique_ptr<LogDelivery> d(new LogDelivery(std::move(config)));
  if (d->config_.upload.active()) {
    if (!check_upload_config(d->config_.upload, "--log-upload", error)) return nullptr;
    const fs::path& dir = d->config_.queue_dir;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) {
      error = "--log-upload: cannot create the queue directory '" + dir.string() + "': " + ec.message();
      return nullptr;
    }
    d->lock_fd_ = ::open((dir / "lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (d->lock_fd_ < 0 || ::flock(d->lock_fd_, LOCK_EX | LOCK_NB) != 0) {
      error = "--log-upload: the queue directory '" + dir.string() + "' " +
              (d->lock_fd_ < 0 ? std::string("cannot be written: ") + std::strerror(errno)
                               : "is in use by another process (another flowprobe?)");
      return nullptr;
    }
    // A ".part" is an archive a killed run did not finish: its set is still on disk.
    for (const auto& e : fs::directory_iterator(dir, ec))
      if (e.path().extension() == ".part") {
        log(LogLevel::warning, "--log-upload: removing %s, an archive an earlier run did not finish (its logs are "
            "still in --zeek-logs)", e.path().c_str());
        fs::remove(e.path(), ec);
      }
    for (std::string& name : queued_archives(dir)) d->queue_.push_back(std::move(name));
    d->counters_.carried_in = d->counters_.pending = d->queue_.size();
  }
  if (!d->config_.sets_dir.empty()) d->recover_sets();
  d->packer_ = std::thread([p = d.get()] { p->pack_loop(); });
  if (d->config_.upload.active()) d->uploader_ = std::thread([p = d.get()] { p->upload_loop(); });
  return d;
}

void LogDelivery::recover_sets() {
  const fs::path list = config_.sets_dir / kProcessedList;
  std::error_code ec;
  std::vector<std::string> on_disk;
  for (const auto& e : fs::directory_iterator(config_.sets_dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.starts_with("realtime-") && e.is_directory(ec)) on_disk.push_back(name);
  }
  std::sort(on_disk.begin(), on_disk.end());  // the names carry the interval: oldest first
  const bool first_run = !fs::exists(list, ec);
  std::set<std::string> processed;
  if (std::ifstream in(list); in)
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) processed.insert(line);
  std::string kept;  // the list rewritten: the sets still on disk
  for (const std::string& name : on_disk) {
    if (first_run || processed.count(name)) {
      kept += name + "\n";
      continue;
    }
    ClosedLogSet set;
    set.name = name;
    set.dir = config_.sets_dir / name;
    set.own_dir = true;
    set.start_ns = set.end_ns = cycle_dir_start_ns(name);
    for (const auto& f : fs::directory_iterator(set.dir, ec))
      if (f.is_regular_file(ec)) set.files.push_back(f.path());
    std::sort(set.files.begin(), set.files.end());
    if (set.files.empty()) continue;
    log(LogLevel::warning, "log sets: %s was not delivered by an earlier run (killed?): delivered now", name.c_str());
    sets_.push_back(std::move(set));
    ++counters_.recovered;
    ++counters_.sets;
  }
  const fs::path tmp = config_.sets_dir / (std::string(kProcessedList) + ".tmp");
  if (std::ofstream out(tmp, std::ios::trunc); out << kept && out.flush()) fs::rename(tmp, list, ec);
}

void LogDelivery::record_processed(const ClosedLogSet& set) {
  if (config_.sets_dir.empty() || !set.own_dir) return;
  std::ofstream(config_.sets_dir / kProcessedList, std::ios::app) << set.name << '\n';
}

LogDelivery::~LogDelivery() {
  finish();
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

void LogDelivery::set_retention(Retention* retention) {
  if (retention == nullptr || !config_.upload.active()) return;
  retention->watch("--log-upload queue", config_.queue_dir, [](std::string_view name) {
    return name.ends_with(kArchiveSuffix) ? FileRole::closed : FileRole::other;
  });
}

void LogDelivery::submit(ClosedLogSet&& set) {
  {
    std::lock_guard<std::mutex> lk(mutex_);
    sets_.push_back(std::move(set));
    ++counters_.sets;
  }
  wake_.notify_all();
}

LogDeliveryCounters LogDelivery::counters() const {
  std::lock_guard<std::mutex> lk(mutex_);
  return counters_;
}

std::string LogDelivery::last_error() const {
  std::lock_guard<std::mutex> lk(mutex_);
  return last_error_;
}

void LogDelivery::pack_loop() {
  std::unique_lock<std::mutex> lk(mutex_);
  for (;;) {
    wake_.wait(lk, [&] { return !sets_.empty() || stopping_; });
    if (sets_.empty()) return;  // stopping, and every set processed
    ClosedLogSet set = std::move(sets_.front());
    sets_.pop_front();
    lk.unlock();
    process(set);
    lk.lock();
  }
}

void LogDelivery::upload_loop() {
  using clock = std::chrono::steady_clock;
  auto next_try = clock::now();
  std::chrono::seconds backoff{1};
  bool failing = false;
  std::unique_lock<std::mutex> lk(mutex_);
  for (;;) {
    if (upload_stop_) return;
    if (queue_.empty() || clock::now() < next_try) {
      if (queue_.empty()) upload_wake_.wait(lk);
      else upload_wake_.wait_until(lk, next_try);
      continue;
    }
    const std::string name = queue_.front();  // only this thread takes names out of queue_
    const fs::path path = config_.queue_dir / name;
    if (!fs::exists(path)) {
      queue_.pop_front();
      ++counters_.vanished;
      --counters_.pending;
      last_error_ = "--log-upload: " + name + " was deleted (retention) before it could be delivered";
      log(LogLevel::error, "%s", last_error_.c_str());
      upload_wake_.notify_all();  // finish() waits for an empty queue
      continue;
    }
    // Within the drain at exit an attempt may take only what is left of it.
    auto timeout = config_.upload.timeout;
    if (draining_)
      timeout = std::max(std::chrono::seconds(1),
                         std::chrono::duration_cast<std::chrono::seconds>(drain_deadline_ - clock::now()));
    lk.unlock();
    const UploadResult r = upload_file(config_.upload, path, timeout);
    std::error_code ec;
    if (r.ok) fs::remove(path, ec);
    lk.lock();
    if (r.ok) {
      queue_.pop_front();
      ++counters_.uploaded;
      --counters_.pending;
      if (failing) log(LogLevel::warning, "--log-upload: %s delivered; the server takes archives again", name.c_str());
      else log(LogLevel::info, "--log-upload: %s delivered", name.c_str());
      failing = false;
      backoff = std::chrono::seconds(1);
      upload_wake_.notify_all();  // finish() waits for an empty queue
      continue;
    }
    // Said once a streak, not at every retry: the summary has the count.
    if (!failing)
      log(LogLevel::warning, "--log-upload: %s not delivered (%s); it stays in %s and is tried again", name.c_str(),
          r.error.c_str(), config_.queue_dir.c_str());
    failing = true;
    ++counters_.upload_failures;
    last_error_ = "--log-upload: " + name + ": " + r.error;
    if (draining_) {
      next_try = clock::now() + std::chrono::milliseconds(500);
    } else {
      next_try = clock::now() + backoff;
      backoff = std::min(backoff * 2, kMaxBackoff);
    }
  }
}

void LogDelivery::process(ClosedLogSet& set) {
  if (!config_.postprocess.empty()) {
    // sh -c 'CMD "$@"': CMD may carry its own arguments; the set follows them.
    std::vector<std::string> argv = {"/bin/sh", "-c", config_.postprocess + " \"$@\"", "flowprobe-postprocess"};
    if (set.own_dir) argv.push_back(set.dir.string());
    else
      for (const fs::path& f : set.files) argv.push_back(f.string());
    std::vector<std::string> env_text = {"FLOWPROBE_LOG_SET=" + set.name,
                                         "FLOWPROBE_LOG_SET_START=" + std::to_string(set.start_ns / 1'000'000'000ull),
                                         "FLOWPROBE_LOG_SET_END=" + std::to_string(set.end_ns / 1'000'000'000ull)};
    std::vector<char*> args, env;
    for (std::string& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    for (std::string& e : env_text) env.push_back(e.data());
    for (char** e = environ; *e != nullptr; ++e)
      if (!std::string_view(*e).starts_with("FLOWPROBE_LOG_SET")) env.push_back(*e);
    env.push_back(nullptr);
    pid_t pid = -1;
    int status = -1;
    const int rc = posix_spawn(&pid, "/bin/sh", nullptr, nullptr, args.data(), env.data());
    if (rc == 0)
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
    const bool ok = rc == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    std::lock_guard<std::mutex> lk(mutex_);
    if (ok) {
      ++counters_.postprocess_ok;
    } else {
      ++counters_.postprocess_failed;
      last_error_ = "--log-postprocess on " + set.name + ": " +
                    (rc != 0 ? std::string("cannot start /bin/sh: ") + std::strerror(rc)
                     : WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                         : "killed by signal " + std::to_string(WTERMSIG(status)));
      log(LogLevel::warning, "%s", last_error_.c_str());
    }
  }
  if (!config_.upload.active()) {
    record_processed(set);
    return;
  }
  std::string name = set.name + std::string(kArchiveSuffix);
  for (int n = 1; fs::exists(config_.queue_dir / name); ++n)
    name = set.name + "-" + std::to_string(n) + std::string(kArchiveSuffix);
  std::string why;
  const bool ok = pack_log_set(set, config_.queue_dir / name, config_.zstd_level, why);
  {
    std::lock_guard<std::mutex> lk(mutex_);
    if (!ok) {
      ++counters_.pack_failed;
      last_error_ = "--log-upload: cannot pack " + set.name + ": " + why;
      log(LogLevel::error, "%s", last_error_.c_str());
      return;
    }
    ++counters_.packed;
    ++counters_.pending;
    queue_.push_back(std::move(name));
  }
  record_processed(set);  // in the queue now, which survives the process
  upload_wake_.notify_all();
}

bool LogDelivery::finished() const {
  return counters_.pending == 0 && counters_.pack_failed == 0 && counters_.vanished == 0 &&
         counters_.postprocess_failed == 0;
}

bool LogDelivery::finish() {
  {
    std::lock_guard<std::mutex> lk(mutex_);
    if (stopping_) return finished();
    stopping_ = true;
  }
  wake_.notify_all();
  if (packer_.joinable()) packer_.join();  // every set handed over is postprocessed and packed
  {
    std::lock_guard<std::mutex> lk(mutex_);
    draining_ = true;
    drain_deadline_ = std::chrono::steady_clock::now() + config_.drain;
  }
  upload_wake_.notify_all();
  if (uploader_.joinable()) {
    // The uploader empties the queue or gives up at the deadline (after at least one try).
    std::unique_lock<std::mutex> lk(mutex_);
    upload_wake_.wait_until(lk, drain_deadline_, [&] { return queue_.empty(); });
    upload_stop_ = true;  // an attempt under way ends by its own timeout, within the drain
    lk.unlock();
    upload_wake_.notify_all();
    uploader_.join();
  }
  std::lock_guard<std::mutex> lk(mutex_);
  return finished();
}

}  // namespace flowprobe
