#include "export/spool.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <system_error>
#include <vector>

#include "core/log.hpp"

namespace flowprobe {

namespace {

constexpr std::size_t kHeader = 12;
// Sanity bounds: a frame outside them is a damaged file, not a record.
constexpr uint32_t kMaxKey = 1u << 20;
constexpr uint32_t kMaxValue = 256u << 20;
// Saving the head is a small file write; doing it every few thousand frames bounds
// what a crash would send twice without costing throughput.
constexpr uint32_t kSaveHeadEvery = 4096;

void put_u32(uint8_t* p, uint32_t v) { std::memcpy(p, &v, 4); }
uint32_t get_u32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

bool parse_u64(std::string_view s, uint64_t& v) {
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

bool parse_byte_size(std::string_view text, uint64_t& out) {
  if (text.empty()) return false;
  uint64_t mult = 1;
  switch (text.back()) {
    case 'k': case 'K': mult = 1ull << 10; break;
    case 'm': case 'M': mult = 1ull << 20; break;
    case 'g': case 'G': mult = 1ull << 30; break;
    case 't': case 'T': mult = 1ull << 40; break;
    default: break;
  }
  if (mult != 1) text.remove_suffix(1);
  uint64_t v = 0;
  if (!parse_u64(text, v) || v > UINT64_MAX / mult) return false;
  out = v * mult;
  return true;
}

Spool::Spool(std::filesystem::path dir, uint64_t max_bytes)
    : dir_(std::move(dir)),
      max_bytes_(max_bytes),
      segment_bytes_(std::clamp<uint64_t>(max_bytes / 8, 1u << 20, 64u << 20)) {}

Spool::~Spool() {
  if (writer_) std::fclose(writer_);
  if (reader_) std::fclose(reader_);
  if (lock_fd_ >= 0) {
    save_head();
    ::close(lock_fd_);  // releases the lock
  }
}

std::unique_ptr<Spool> Spool::open(const std::filesystem::path& dir, uint64_t max_bytes, std::string& error) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    error = "cannot create spool directory '" + dir.string() + "': " + ec.message();
    return nullptr;
  }
  std::unique_ptr<Spool> s(new Spool(dir, max_bytes));
  s->lock_fd_ = ::open((dir / "lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (s->lock_fd_ < 0) {
    error = "cannot create '" + (dir / "lock").string() + "': " + std::strerror(errno);
    return nullptr;
  }
  if (::flock(s->lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(s->lock_fd_);
    s->lock_fd_ = -1;  // not ours: the destructor must not write its head
    error = "spool directory '" + dir.string() +
            "' is in use by another process (another flowprobe?); give each probe a --spool-dir of its own";
    return nullptr;
  }
  if (!s->scan(error)) return nullptr;
  return s;
}

std::filesystem::path Spool::segment_path(uint64_t seq) const {
  std::array<char, 32> name{};
  std::snprintf(name.data(), name.size(), "%012llu.spool", static_cast<unsigned long long>(seq));
  return dir_ / name.data();
}

bool Spool::open_writer(uint64_t seq) {
  if (writer_) std::fclose(writer_);
  writer_ = std::fopen(segment_path(seq).c_str(), "ab");
  if (writer_ == nullptr) {
    error_ = "spool: cannot write '" + segment_path(seq).string() + "': " + std::strerror(errno);
    return false;
  }
  write_seq_ = seq;
  write_size_ = static_cast<uint64_t>(std::ftell(writer_));
  writer_dirty_ = false;
  return true;
}

bool Spool::read_frame_at(uint64_t seq, uint64_t offset, std::string* key, std::string* value, uint32_t& records,
                          uint64_t& frame_bytes) {
  if (seq != read_seq_ || reader_ == nullptr) {
    if (reader_) std::fclose(reader_);
    reader_ = std::fopen(segment_path(seq).c_str(), "rb");
    reader_pos_ = UINT64_MAX;
    read_seq_ = seq;
    if (reader_ == nullptr) return false;
  }
  if (reader_pos_ != offset) {
    std::clearerr(reader_);
    if (std::fseek(reader_, static_cast<long>(offset), SEEK_SET) != 0) return false;
  }
  reader_pos_ = UINT64_MAX;  // unknown until the read below succeeds
  uint8_t h[kHeader];
  if (std::fread(h, 1, kHeader, reader_) != kHeader) return false;
  const uint32_t klen = get_u32(h), vlen = get_u32(h + 4);
  records = get_u32(h + 8);
  if (klen > kMaxKey || vlen > kMaxValue || records == 0) return false;
  if (key && value) {
    key->resize(klen);
    value->resize(vlen);
    if (klen && std::fread(key->data(), 1, klen, reader_) != klen) return false;
    if (vlen && std::fread(value->data(), 1, vlen, reader_) != vlen) return false;
  } else {
    // Counting at open: check the frame is whole without reading it.
    if (std::fseek(reader_, static_cast<long>(klen + vlen), SEEK_CUR) != 0) return false;
    const long end = std::ftell(reader_);
    std::fseek(reader_, 0, SEEK_END);
    if (std::ftell(reader_) < end) return false;
    std::fseek(reader_, end, SEEK_SET);
  }
  frame_bytes = kHeader + klen + vlen;
  reader_pos_ = offset + frame_bytes;
  return true;
}

bool Spool::scan(std::string& error) {
  std::vector<uint64_t> seqs;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir_, ec)) {
    const std::string name = e.path().filename().string();
    uint64_t seq = 0;
    if (name.size() == 18 && name.ends_with(".spool") && parse_u64(std::string_view(name).substr(0, 12), seq))
      seqs.push_back(seq);
  }
  if (ec) {
    error = "cannot read spool directory '" + dir_.string() + "': " + ec.message();
    return false;
  }
  std::sort(seqs.begin(), seqs.end());

  uint64_t head_seq = seqs.empty() ? 1 : seqs.front(), head_off = 0;
  if (std::ifstream hf(dir_ / "head"); hf) {
    uint64_t s = 0, o = 0;
    if (hf >> s >> o && std::binary_search(seqs.begin(), seqs.end(), s)) head_seq = s, head_off = o;
  }
  for (uint64_t seq : seqs) {
    if (seq < head_seq) {
      std::filesystem::remove(segment_path(seq), ec);
      continue;
    }
    uint64_t off = seq == head_seq ? head_off : 0;
    for (;;) {
      uint32_t records = 0;
      uint64_t bytes = 0;
      if (!read_frame_at(seq, off, nullptr, nullptr, records, bytes)) break;
      pending_records_ += records;
      pending_bytes_ += bytes;
      off += bytes;
    }
    // Whatever follows the last whole frame is a write cut short by a crash.
    const uint64_t size = std::filesystem::file_size(segment_path(seq), ec);
    if (!ec && size > off) {
      counters_.corrupt_bytes += size - off;
      std::filesystem::resize_file(segment_path(seq), off, ec);
    }
  }
  if (reader_) std::fclose(reader_);
  reader_ = nullptr;
  counters_.carried_in = pending_records_;
  read_seq_ = commit_seq_ = head_seq;
  read_offset_ = commit_offset_ = head_off;
  const uint64_t last = seqs.empty() ? head_seq : seqs.back();
  if (!open_writer(last)) {
    error = error_;
    return false;
  }
  // Probe that the directory takes writes now rather than at the first outage.
  const std::filesystem::path probe = dir_ / ".write-test";
  if (std::FILE* f = std::fopen(probe.c_str(), "w"); f == nullptr) {
    error = "spool directory '" + dir_.string() + "' is not writable: " + std::strerror(errno);
    return false;
  } else {
    std::fclose(f);
    std::filesystem::remove(probe, ec);
  }
  if (pending_records_ == 0 && write_size_ > 0) {
    // Fully replayed by an earlier run: start clean.
    std::fclose(writer_);
    writer_ = nullptr;
    std::filesystem::remove(segment_path(last), ec);
    read_seq_ = commit_seq_ = last + 1;
    read_offset_ = commit_offset_ = 0;
    if (!open_writer(last + 1)) {
      error = error_;
      return false;
    }
  }
  save_head();
  return true;
}

void Spool::refused(const std::string& why, uint32_t records) {
  if (!refusing_)
    log(LogLevel::warning, "spool %s: cannot keep more records (%s); they are dropped, and counted, until it has room",
        dir_.c_str(), why.c_str());
  if (!refusing_) dropped_at_refusal_ = counters_.dropped;
  refusing_ = true;
  counters_.dropped += records;
}

void Spool::accepted() {
  if (!refusing_) return;
  refusing_ = false;
  log(LogLevel::warning, "spool %s: has room again; %llu records were dropped meanwhile", dir_.c_str(),
      static_cast<unsigned long long>(counters_.dropped - dropped_at_refusal_));
}

bool Spool::append(std::string_view key, std::string_view value, uint32_t records) {
  const uint64_t frame = kHeader + key.size() + value.size();
  if (key.size() > kMaxKey || value.size() > kMaxValue || records == 0) {
    counters_.dropped += records;
    return false;
  }
  if (pending_bytes_ + frame > max_bytes_) {
    refused("its bound of " + std::to_string(max_bytes_) + " bytes (--spool-max-bytes) is reached", records);
    return false;
  }
  if ((writer_ == nullptr || write_size_ >= segment_bytes_) && !open_writer(writer_ ? write_seq_ + 1 : write_seq_)) {
    refused(std::strerror(errno), records);
    return false;
  }
  uint8_t h[kHeader];
  put_u32(h, static_cast<uint32_t>(key.size()));
  put_u32(h + 4, static_cast<uint32_t>(value.size()));
  put_u32(h + 8, records);
  // Flushed frame by frame: a full disk must refuse this frame, here, where it is counted,
  // not a buffer of earlier frames later, when they are already counted as kept.
  if (std::fwrite(h, 1, kHeader, writer_) != kHeader ||
      std::fwrite(key.data(), 1, key.size(), writer_) != key.size() ||
      std::fwrite(value.data(), 1, value.size(), writer_) != value.size() || std::fflush(writer_) != 0) {
    if (error_.empty()) error_ = "spool: write to '" + dir_.string() + "' failed: " + std::strerror(errno);
    // Cut the segment back to its last whole frame, so that what follows reads right.
    std::fclose(writer_);
    writer_ = nullptr;
    writer_dirty_ = false;
    if (::truncate(segment_path(write_seq_).c_str(), static_cast<off_t>(write_size_)) != 0) {
      write_seq_ += 1;  // cannot mend it: later frames go to a fresh segment
      write_size_ = 0;
    }
    const int err = errno;
    open_writer(write_seq_);  // may fail while the disk is full; tried again by the next append
    refused(std::strerror(err), records);
    return false;
  }
  accepted();
  write_size_ += frame;
  writer_dirty_ = true;
  pending_records_ += records;
  pending_bytes_ += frame;
  counters_.appended += records;
  return true;
}

void Spool::advance_reader_segment() {
  // The segment stays on disk until its frames are acknowledged (ack() removes it).
  if (reader_) std::fclose(reader_);
  reader_ = nullptr;
  do {
    ++read_seq_;
  } while (read_seq_ < write_seq_ && !std::filesystem::exists(segment_path(read_seq_)));
  read_offset_ = 0;
}

bool Spool::front(std::string& key, std::string& value, uint32_t& records) {
  if (pending_records_ == 0) return false;
  for (;;) {
    if (read_seq_ == write_seq_ && writer_dirty_) {
      std::fflush(writer_);
      writer_dirty_ = false;
    }
    uint64_t bytes = 0;
    if (read_frame_at(read_seq_, read_offset_, &key, &value, records, bytes)) {
      have_front_ = true;
      front_bytes_ = bytes;
      front_records_ = records;
      return true;
    }
    if (read_seq_ >= write_seq_) {
      // The counts say there is more, the files disagree (removed behind our back):
      // believe the files.
      pending_records_ = pending_bytes_ = 0;
      return false;
    }
    advance_reader_segment();
  }
}

uint64_t Spool::pop() {
  if (!have_front_) return 0;
  have_front_ = false;
  read_offset_ += front_bytes_;
  pending_records_ -= std::min<uint64_t>(pending_records_, front_records_);
  pending_bytes_ -= std::min(pending_bytes_, front_bytes_);
  counters_.replayed += front_records_;
  unacked_.push_back({read_seq_, read_offset_, false});
  return next_ticket_++;
}

void Spool::ack(uint64_t ticket) {
  if (ticket < first_unacked_ticket_ || ticket - first_unacked_ticket_ >= unacked_.size()) return;
  unacked_[ticket - first_unacked_ticket_].done = true;
  const uint64_t old_seq = commit_seq_;
  bool moved = false;
  while (!unacked_.empty() && unacked_.front().done) {
    commit_seq_ = unacked_.front().seq;
    commit_offset_ = unacked_.front().end_offset;
    unacked_.pop_front();
    ++first_unacked_ticket_;
    ++acks_since_save_;
    moved = true;
  }
  if (!moved) return;
  if (pending_records_ == 0 && unacked_.empty()) {
    give_back_disk();
    return;
  }
  if (acks_since_save_ >= kSaveHeadEvery || commit_seq_ != old_seq) {
    save_head();
    // Segments wholly before the head are done with: the disk is given back as we go.
    std::error_code ec;
    for (uint64_t seq = old_seq; seq < commit_seq_; ++seq)
      if (seq != read_seq_) std::filesystem::remove(segment_path(seq), ec);
  }
}

void Spool::give_back_disk() {
  // Everything sent and acknowledged: drop every file and begin a fresh segment.
  std::error_code ec;
  if (reader_) std::fclose(reader_);
  reader_ = nullptr;
  for (uint64_t s = std::min(commit_seq_, read_seq_); s <= write_seq_; ++s) std::filesystem::remove(segment_path(s), ec);
  read_seq_ = commit_seq_ = write_seq_ + 1;
  read_offset_ = commit_offset_ = 0;
  open_writer(write_seq_ + 1);
  save_head();
}

void Spool::save_head() {
  acks_since_save_ = 0;
  const std::filesystem::path tmp = dir_ / "head.tmp";
  if (std::FILE* f = std::fopen(tmp.c_str(), "w")) {
    std::fprintf(f, "%llu %llu\n", static_cast<unsigned long long>(commit_seq_),
                 static_cast<unsigned long long>(commit_offset_));
    std::fclose(f);
    std::error_code ec;
    std::filesystem::rename(tmp, dir_ / "head", ec);  // atomic: a crash leaves the old or the new
  }
}

}  // namespace flowprobe
