#include "export/file_sink.hpp"

#include <cerrno>
#include <cstring>

namespace flowprobe {

std::unique_ptr<FileSink> FileSink::open(const std::string& path, std::string& error) {
  std::FILE* f = path == "-" ? stdout : std::fopen(path.c_str(), "w");
  if (f == nullptr) {
    error = "-o: cannot open '" + path + "' for writing: " + std::strerror(errno);
    return nullptr;
  }
  static constexpr std::size_t kBuffer = 1 << 20;
  std::setvbuf(f, nullptr, _IOFBF, kBuffer);
  return std::unique_ptr<FileSink>(new FileSink(f, path));
}

FileSink::~FileSink() {
  flush();
  if (file_ != stdout) std::fclose(file_);
}

void FileSink::write(std::string_view batch, uint32_t count) {
  if (std::fwrite(batch.data(), 1, batch.size(), file_) != batch.size()) {
    if (error_.empty()) error_ = describe() + ": write failed: " + std::strerror(errno);
    counters_.failed += count + pending_;
    pending_ = pending_bytes_ = 0;
    std::clearerr(file_);
    return;
  }
  pending_ += count;
  pending_bytes_ += batch.size();
}

void FileSink::flush() {
  if (std::fflush(file_) != 0) {
    if (error_.empty()) error_ = describe() + ": write failed: " + std::strerror(errno);
    counters_.failed += pending_;
    std::clearerr(file_);
  } else {
    counters_.delivered += pending_;
    counters_.bytes += pending_bytes_;
  }
  pending_ = pending_bytes_ = 0;
}

}  // namespace flowprobe
