#include "export/retention.hpp"

#include <algorithm>

#include "core/log.hpp"

namespace flowprobe {

namespace fs = std::filesystem;

FileRole rotated_file_role(std::string_view name, std::string_view base) {
  if (name == base) return FileRole::live;
  if (name.size() < base.size() + 16 || !name.starts_with(base) || name[base.size()] != '.') return FileRole::other;
  const std::string_view stamp = name.substr(base.size() + 1);
  for (std::size_t i = 0; i < 15; ++i) {
    const char c = stamp[i];
    if (i == 8 ? c != '-' : (c < '0' || c > '9')) return FileRole::other;
  }
  const std::string_view tail = stamp.substr(15);
  if (tail.empty()) return FileRole::closed;
  if (tail.size() < 2 || tail[0] != '.') return FileRole::other;
  return std::all_of(tail.begin() + 1, tail.end(), [](char c) { return c >= '0' && c <= '9'; }) ? FileRole::closed
                                                                                                : FileRole::other;
}

void Retention::watch(std::string what, fs::path dir, std::function<FileRole(std::string_view)> classify) {
  if (dir.empty()) dir = ".";
  families_.push_back({std::move(what), std::move(dir), std::move(classify)});
}

void Retention::maybe_apply() {
  if (!active()) return;
  const auto now = std::chrono::steady_clock::now();
  if (last_apply_ != std::chrono::steady_clock::time_point{} && now - last_apply_ < kApplyEvery) return;
  apply();
}

uint64_t Retention::apply() {
  last_apply_ = std::chrono::steady_clock::now();
  if (!active()) return 0;
  struct File {
    fs::path path;
    fs::file_time_type mtime;
    uint64_t size;
    std::size_t family;
    bool closed;
    bool dir;
  };
  std::vector<File> files;
  std::error_code ec;
  for (std::size_t f = 0; f < families_.size(); ++f) {
    for (const auto& e : fs::directory_iterator(families_[f].dir, ec)) {
      std::error_code fec;
      const bool dir = e.is_directory(fec);  // a closed set of logs in a directory of its own: one unit
      if (!dir && !e.is_regular_file(fec)) continue;
      const FileRole role = families_[f].classify(e.path().filename().string());
      if (role == FileRole::other) continue;
      uint64_t size = 0;
      if (dir) {
        for (const auto& inner : fs::recursive_directory_iterator(e.path(), fec))
          if (std::error_code iec; inner.is_regular_file(iec)) size += inner.file_size(iec);
      } else {
        size = e.file_size(fec);
        if (fec) size = 0;
      }
      files.push_back({e.path(), e.last_write_time(fec), size, f, role == FileRole::closed, dir});
    }
  }
  // Two writers may watch one directory with overlapping names: count each file once.
  std::sort(files.begin(), files.end(), [](const File& a, const File& b) { return a.path < b.path; });
  files.erase(std::unique(files.begin(), files.end(), [](const File& a, const File& b) { return a.path == b.path; }),
              files.end());
  // Oldest first.
  std::stable_sort(files.begin(), files.end(), [](const File& a, const File& b) { return a.mtime < b.mtime; });

  uint64_t total = 0;
  for (const File& f : files) total += f.size;
  std::vector<bool> gone(files.size(), false);
  uint64_t deleted = 0;
  const auto remove = [&](std::size_t i, const char* why) {
    std::error_code rec;
    if (files[i].dir ? fs::remove_all(files[i].path, rec) == 0 || rec : !fs::remove(files[i].path, rec)) {
      if (rec) ++counters_.delete_errors;
      return;
    }
    gone[i] = true;
    total -= files[i].size;
    ++deleted;
    ++counters_.deleted_files;
    counters_.deleted_bytes += files[i].size;
    log(LogLevel::info, "retention: deleted %s (%s, %s)", files[i].path.c_str(), families_[files[i].family].what.c_str(),
        why);
  };

  const auto now = fs::file_time_type::clock::now();
  if (policy_.max_age.count() != 0)
    for (std::size_t i = 0; i < files.size(); ++i)
      if (files[i].closed && now - files[i].mtime > policy_.max_age) remove(i, "older than --retention");
  if (policy_.max_files != 0) {
    // Newest first within each writer: the ones past the count go.
    std::vector<uint32_t> kept(families_.size(), 0);
    for (std::size_t i = files.size(); i-- > 0;)
      if (files[i].closed && !gone[i] && ++kept[files[i].family] > policy_.max_files) remove(i, "past --retention-files");
  }
  if (policy_.max_bytes != 0)
    for (std::size_t i = 0; i < files.size() && total > policy_.max_bytes; ++i)
      if (files[i].closed && !gone[i]) remove(i, "over --retention-max-bytes");
  return deleted;
}

}  // namespace flowprobe
