#include "export/rotating_file_sink.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <vector>

#include "core/log.hpp"

namespace flowprobe {

namespace {
constexpr std::size_t kBuffer = 1 << 20;

// "<name>.YYYYmmdd-HHMMSS" optionally followed by ".<n>": only our own rotated files
// are ever deleted.
bool is_rotated_name(const std::string& name, const std::string& base) {
  if (name.size() < base.size() + 16 || name.compare(0, base.size(), base) != 0 || name[base.size()] != '.')
    return false;
  const std::string_view stamp = std::string_view(name).substr(base.size() + 1);
  for (std::size_t i = 0; i < 15; ++i) {
    const char c = stamp[i];
    if (i == 8 ? c != '-' : (c < '0' || c > '9')) return false;
  }
  const std::string_view tail = stamp.substr(15);
  if (tail.empty()) return true;
  if (tail.size() < 2 || tail[0] != '.') return false;
  return std::all_of(tail.begin() + 1, tail.end(), [](char c) { return c >= '0' && c <= '9'; });
}
}  // namespace

std::unique_ptr<RotatingFileSink> RotatingFileSink::open(const std::filesystem::path& path,
                                                         const RotationConfig& config, std::string& error) {
  std::unique_ptr<RotatingFileSink> s(new RotatingFileSink(path, config));
  if (!s->open_live()) {
    error = "-o: " + s->error_;
    return nullptr;
  }
  s->apply_retention();
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
  opened_ = std::chrono::system_clock::now();
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
  settle(std::fflush(file_) == 0);
  std::fclose(file_);
  file_ = nullptr;
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm t{};
  ::gmtime_r(&now, &t);
  std::array<char, 32> stamp{};
  std::strftime(stamp.data(), stamp.size(), "%Y%m%d-%H%M%S", &t);
  std::filesystem::path target = path_.string() + "." + stamp.data();
  for (int n = 1; std::filesystem::exists(target); ++n) target = path_.string() + "." + stamp.data() + "." + std::to_string(n);
  std::error_code ec;
  std::filesystem::rename(path_, target, ec);
  if (ec) {
    if (error_.empty()) error_ = describe() + ": cannot rotate to '" + target.string() + "': " + ec.message();
  } else {
    ++rotations_;
  }
  const bool ok = open_live();
  apply_retention();
  return ok && !ec;
}

void RotatingFileSink::apply_retention() {
  if (config_.retention.count() == 0 && config_.max_files == 0) return;
  const std::filesystem::path dir = path_.has_parent_path() ? path_.parent_path() : std::filesystem::path(".");
  const std::string base = path_.filename().string();
  struct Old {
    std::filesystem::path path;
    std::filesystem::file_time_type mtime;
  };
  std::vector<Old> rotated;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (!e.is_regular_file(ec) || !is_rotated_name(e.path().filename().string(), base)) continue;
    rotated.push_back({e.path(), e.last_write_time(ec)});
  }
  std::sort(rotated.begin(), rotated.end(), [](const Old& a, const Old& b) { return a.mtime > b.mtime; });
  const auto now = std::filesystem::file_time_type::clock::now();
  for (std::size_t i = 0; i < rotated.size(); ++i) {
    const bool too_many = config_.max_files != 0 && i >= config_.max_files;
    const bool too_old = config_.retention.count() != 0 && now - rotated[i].mtime > config_.retention;
    if ((too_many || too_old) && std::filesystem::remove(rotated[i].path, ec)) {
      ++deleted_;
      log(LogLevel::info, "file: deleted %s (retention)", rotated[i].path.c_str());
    }
  }
}

void RotatingFileSink::write(std::string_view batch, uint32_t count) {
  if (!file_ && !open_live()) {
    counters_.failed += count;
    return;
  }
  if (config_.max_bytes != 0 && size_ > 0 && size_ + batch.size() > config_.max_bytes) rotate();
  if (!file_) {
    counters_.failed += count;
    return;
  }
  if (std::fwrite(batch.data(), 1, batch.size(), file_) != batch.size()) {
    pending_ += count;
    settle(false);
    std::clearerr(file_);
    return;
  }
  size_ += batch.size();
  pending_ += count;
  pending_bytes_ += batch.size();
}

void RotatingFileSink::flush() {
  if (!file_) return;
  const bool ok = std::fflush(file_) == 0;
  if (!ok) std::clearerr(file_);
  settle(ok);
  if (config_.max_age.count() != 0 && size_ > 0 && std::chrono::system_clock::now() - opened_ >= config_.max_age)
    rotate();
}

}  // namespace flowprobe
