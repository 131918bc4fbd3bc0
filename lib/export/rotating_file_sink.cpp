#include "export/rotating_file_sink.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>

namespace flowprobe {

namespace {
constexpr std::size_t kBuffer = 1 << 20;
constexpr uint64_t kNsPerSecond = 1'000'000'000;
// More than the exporter's largest batch (256 KB and one record): a file further than this
// from its size bound cannot reach it within one batch.
constexpr uint64_t kNearSizeBound = 1u << 20;
}  // namespace

std::unique_ptr<RotatingFileSink> RotatingFileSink::open(const std::filesystem::path& path,
                                                         const RotationConfig& config, Retention* retention,
                                                         std::string& error, const std::string& option) {
  std::unique_ptr<RotatingFileSink> s(new RotatingFileSink(path, config, retention));
  if (!s->open_live()) {
    error = option + ": " + s->error_;
    return nullptr;
  }
  if (retention) {
    const std::string base = path.filename().string();
    retention->watch(option + " " + path.string(), path.has_parent_path() ? path.parent_path() : ".",
                     [base](std::string_view name) { return rotated_file_role(name, base); });
  }
  return s;
}

RotatingFileSink::~RotatingFileSink() {
  flush();
  if (file_) std::fclose(file_);
}

bool RotatingFileSink::open_live() {
  // Append: a restart goes on with the live file rather than truncating records in it.
  file_ = std::fopen(path_.c_str(), "a");
  if (file_ == nullptr) {
    error_ = "cannot open '" + path_.string() + "' for writing: " + std::strerror(errno);
    return false;
  }
  std::setvbuf(file_, nullptr, _IOFBF, kBuffer);
  std::error_code ec;
  size_ = std::filesystem::file_size(path_, ec);
  if (ec) size_ = 0;
  return true;
}

void RotatingFileSink::settle(bool ok) {
  if (ok) {
    counters_.delivered += pending_;
    counters_.bytes += pending_bytes_;
  } else {
    if (error_.empty()) error_ = describe() + ": write failed: " + std::strerror(errno);
    counters_.failed += pending_;
  }
  pending_ = pending_bytes_ = 0;
}

bool RotatingFileSink::rotate() {
  if (!file_) return false;
  // Named by the packet clock when it was opened (its first record; the wall clock when
  // none is known), as Zeek names a log by its open time: a replay names its files the
  // same every time, and in the order they were written.
  const std::time_t opened = first_ns_ ? static_cast<std::time_t>(first_ns_ / kNsPerSecond) : std::time(nullptr);
  std::tm t{};
  ::gmtime_r(&opened, &t);
  std::array<char, 32> stamp{};
  std::strftime(stamp.data(), stamp.size(), "%Y%m%d-%H%M%S", &t);
  std::filesystem::path target = path_.string() + "." + stamp.data();
  for (int n = 1; std::filesystem::exists(target); ++n) target = path_.string() + "." + stamp.data() + "." + std::to_string(n);
  const bool ok = rotate_to(target) && open_live();
  if (retention_) retention_->apply();
  return ok;
}

bool RotatingFileSink::rotate_to(const std::filesystem::path& target) {
  if (!file_) return false;
  settle(std::fflush(file_) == 0);
  std::fclose(file_);
  file_ = nullptr;
  std::error_code ec;
  std::filesystem::rename(path_, target, ec);
  if (ec) {
    if (error_.empty()) error_ = describe() + ": cannot rotate to '" + target.string() + "': " + ec.message();
  } else {
    ++rotations_;
  }
  first_ns_ = 0;
  return !ec;
}

uint64_t RotatingFileSink::clock_deadline_ns() const {
  // The live file's first record time is not known yet: the next record's is wanted (it
  // names the file, and starts the count of its age).
  if (first_ns_ == 0) return 0;
  // Near the size bound the next batch may close this file: every record's time is
  // wanted, so that the next file is named by its own first record.
  if (config_.max_bytes != 0 && size_ + kNearSizeBound >= config_.max_bytes) return 0;
  if (config_.max_age.count() == 0) return UINT64_MAX;
  return first_ns_ + static_cast<uint64_t>(config_.max_age.count()) * kNsPerSecond;
}

void RotatingFileSink::advance_clock(uint64_t packet_ns) {
  // The clock is the latest packet time seen: records do not end in time order (a long
  // flow's record leaves after short ones that ended later), and a file's name and age
  // must follow the order the files were written in.
  clock_ns_ = std::max(clock_ns_, packet_ns);
  if (clock_ns_ == 0) return;
  if (first_ns_ != 0 && config_.max_age.count() != 0 &&
      clock_ns_ >= first_ns_ + static_cast<uint64_t>(config_.max_age.count()) * kNsPerSecond && size_ > 0)
    rotate();
  if (first_ns_ == 0 || size_ == 0) first_ns_ = clock_ns_;
}

void RotatingFileSink::write_chunk(std::string_view chunk, uint32_t count) {
  if (count == 0) return;
  if (!file_ && !open_live()) {
    counters_.failed += count;
    return;
  }
  if (std::fwrite(chunk.data(), 1, chunk.size(), file_) != chunk.size()) {
    pending_ += count;
    settle(false);
    std::clearerr(file_);
    return;
  }
  size_ += chunk.size();
  pending_ += count;
  pending_bytes_ += chunk.size();
}

void RotatingFileSink::write(std::string_view batch, uint32_t count) {
  if (config_.max_bytes == 0) {
    write_chunk(batch, count);
    return;
  }
  // Record by record: the first one that would pass the bound opens the next file.
  std::size_t start = 0, pos = 0;
  uint32_t in_chunk = 0, seen = 0;
  uint64_t size = size_;
  while (pos < batch.size()) {
    const std::size_t nl = batch.find('\n', pos);
    const std::size_t end = nl == std::string_view::npos ? batch.size() : nl + 1;
    const uint64_t len = end - pos;
    if (size > 0 && size + len > config_.max_bytes) {
      write_chunk(batch.substr(start, pos - start), in_chunk);
      rotate();
      first_ns_ = clock_ns_;  // opened at this record (exact: near the bound, batches are one record)
      start = pos;
      in_chunk = 0;
      size = 0;
    }
    size += len;
    pos = end;
    ++in_chunk;
    ++seen;
  }
  // Records announced but not found as lines (never, from the exporter) stay counted.
  write_chunk(batch.substr(start), in_chunk + (count > seen ? count - seen : 0));
}

void RotatingFileSink::flush() {
  if (retention_) retention_->maybe_apply();
  if (!file_) return;
  const bool ok = std::fflush(file_) == 0;
  if (!ok) std::clearerr(file_);
  settle(ok);
}

}  // namespace flowprobe
