#include "report/input.hpp"

#include <fcntl.h>
#include <simdjson.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "report/format.hpp"

namespace flowprobe::report {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kChunk = 4u << 20;
constexpr std::size_t kMaxLine = 64u << 20;

// "<base>.<YYYYmmdd-HHMMSS>[.<n>][.gz]": a file the probe's -o rotation produced.
bool is_rotated_sibling(const std::string& name, const std::string& base) {
  if (name.size() < base.size() + 16 || name.compare(0, base.size(), base) != 0 || name[base.size()] != '.') return false;
  const std::string_view stamp = std::string_view(name).substr(base.size() + 1, 15);
  for (std::size_t i = 0; i < 15; ++i) {
    if (i == 8 ? stamp[i] != '-' : (stamp[i] < '0' || stamp[i] > '9')) return false;
  }
  return true;
}

// Plain reads or zlib's gzread behind one interface.
class Reader {
 public:
  bool open(const fs::path& p, std::string& error) {
    fd_ = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
      error = p.string() + ": " + std::strerror(errno);
      return false;
    }
    unsigned char magic[2] = {0, 0};
    const ssize_t n = ::pread(fd_, magic, 2, 0);
    if (n == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
      gz_ = gzdopen(fd_, "rb");
      if (gz_ == nullptr) {
        error = p.string() + ": cannot open as gzip";
        return false;
      }
      gzbuffer(gz_, 1u << 18);
      fd_ = -1;  // gzclose closes it
    }
    return true;
  }
  // Bytes read, 0 at the end, -1 on error.
  ssize_t read(char* buf, std::size_t n) {
    if (gz_) {
      const int r = gzread(gz_, buf, static_cast<unsigned>(std::min<std::size_t>(n, 1u << 30)));
      return r;
    }
    return ::read(fd_, buf, n);
  }
  std::string gz_error() {
    int e = 0;
    return gz_ ? gzerror(gz_, &e) : std::strerror(errno);
  }
  ~Reader() {
    if (gz_) gzclose(gz_);
    if (fd_ >= 0) ::close(fd_);
  }

 private:
  int fd_ = -1;
  gzFile gz_ = nullptr;
};

}  // namespace

bool expand_inputs(const std::vector<std::string>& args, std::vector<fs::path>& files, std::string& error) {
  std::vector<fs::path> out;
  for (const std::string& a : args) {
    std::error_code ec;
    const fs::path p = a;
    if (fs::is_directory(p, ec)) {
      std::vector<fs::path> in_dir;
      for (const auto& e : fs::directory_iterator(p, ec)) {
        const std::string name = e.path().filename().string();
        if (!name.empty() && name[0] != '.' && e.is_regular_file(ec)) in_dir.push_back(e.path());
      }
      if (ec) {
        error = a + ": " + ec.message();
        return false;
      }
      std::sort(in_dir.begin(), in_dir.end());
      out.insert(out.end(), in_dir.begin(), in_dir.end());
      continue;
    }
    if (!fs::exists(p, ec)) {
      error = a + ": no such file or directory";
      return false;
    }
    // The live file's rotated siblings, oldest first, then the file itself.
    std::vector<fs::path> rotated;
    const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
    const std::string base = p.filename().string();
    for (const auto& e : fs::directory_iterator(dir, ec))
      if (e.is_regular_file(ec) && is_rotated_sibling(e.path().filename().string(), base)) rotated.push_back(e.path());
    std::sort(rotated.begin(), rotated.end());
    out.insert(out.end(), rotated.begin(), rotated.end());
    out.push_back(p);
  }
  // The same file named twice (a directory and a file in it) is read once.
  std::vector<fs::path> seen;
  for (const fs::path& p : out) {
    std::error_code ec;
    const fs::path c = fs::weakly_canonical(p, ec);
    if (std::find(seen.begin(), seen.end(), c) != seen.end()) continue;
    seen.push_back(c);
    files.push_back(p);
  }
  return true;
}

bool read_file_lines(const fs::path& file, const LineFn& fn, InputNotes& notes, std::string& error) {
  Reader r;
  if (!r.open(file, error)) return false;
  std::size_t cap = kChunk;
  std::unique_ptr<char[]> buf(new char[cap + simdjson::SIMDJSON_PADDING]);
  std::size_t have = 0;  // bytes in buf, the first `have` of which are a partial line
  bool checked_binary = false;
  uint64_t bytes = 0;
  for (;;) {
    if (have == cap) {
      if (cap >= kMaxLine) {
        error = file.string() + ": a line longer than " + bytes_text(kMaxLine) + " (not the probe's output?)";
        return false;
      }
      std::unique_ptr<char[]> bigger(new char[cap * 2 + simdjson::SIMDJSON_PADDING]);
      std::memcpy(bigger.get(), buf.get(), have);
      buf = std::move(bigger);
      cap *= 2;
    }
    const ssize_t n = r.read(buf.get() + have, cap - have);
    if (n < 0) {
      error = file.string() + ": read error: " + r.gz_error();
      return false;
    }
    if (!checked_binary && n > 0) {
      checked_binary = true;
      if (std::memchr(buf.get(), 0, static_cast<std::size_t>(std::min<ssize_t>(n, 4096))) != nullptr) {
        notes.notes.push_back(file.string() + ": skipped, a binary file (not JSON lines)");
        return true;
      }
    }
    bytes += static_cast<uint64_t>(n);
    const std::size_t end = have + static_cast<std::size_t>(n);
    std::memset(buf.get() + end, ' ', simdjson::SIMDJSON_PADDING);
    // The whole lines read so far go as one block; a partial last line waits for the rest.
    const void* last_nl = n == 0 ? nullptr : memrchr(buf.get(), '\n', end);
    const std::size_t whole = n == 0 ? end : last_nl ? static_cast<std::size_t>(static_cast<const char*>(last_nl) - buf.get()) + 1 : 0;
    if (whole > 0) fn(std::string_view(buf.get(), whole), cap + simdjson::SIMDJSON_PADDING);
    if (n == 0) break;
    have = end - whole;
    std::memmove(buf.get(), buf.get() + whole, have);
  }
  notes.bytes += bytes;
  notes.sources.push_back(file.string());
  return true;
}

}  // namespace flowprobe::report
