#pragma once
// A bounded first-in first-out queue of encoded messages on disk. Sinks put here what
// their receiver cannot take now (broker down, producer queue full, TCP receiver gone)
// and replay it, oldest first, when the receiver is back. It survives a restart: what
// is left at exit is sent by the next run that uses the same directory.
//
// Layout: numbered segment files "NNNNNNNNNNNN.spool", each a sequence of frames
// {u32 key length, u32 value length, u32 record count, key, value}, and a "head" file
// with the segment and offset of the oldest unsent frame. A frame may hold several
// records (a legacy JSON array), so bounds are in bytes and accounting in records.
//
// Single-threaded: called from the exporter lcore only (librdkafka delivery reports
// are served on that thread by rd_kafka_poll, so they may append here too).
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace flowprobe {

struct SpoolCounters {
  uint64_t appended = 0;       // records written to the spool by this run
  uint64_t replayed = 0;       // records taken back out (sent again) by this run
  uint64_t dropped = 0;        // records refused because the spool was full
  uint64_t carried_in = 0;     // records found in the spool at open (left by an earlier run)
  uint64_t corrupt_bytes = 0;  // bytes of a damaged tail found at open and skipped
};

class Spool {
 public:
  // Opens (creating) `dir`, which must be writable, with a bound of `max_bytes` of pending
  // data. On failure returns nullptr and sets `error` (which names no option: the caller does).
  static std::unique_ptr<Spool> open(const std::filesystem::path& dir, uint64_t max_bytes, std::string& error);
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // Appends one frame holding `records` records. Returns false, counting them as dropped,
  // when the frame would take the spool past its bound or the disk refuses it.
  bool append(std::string_view key, std::string_view value, uint32_t records = 1);

  // The oldest frame, left in place until pop(). Returns false when the spool is empty.
  bool front(std::string& key, std::string& value, uint32_t& records);
  // Removes the frame front() returned.
  void pop();

  bool empty() const { return pending_records_ == 0; }
  uint64_t pending_records() const { return pending_records_; }
  uint64_t pending_bytes() const { return pending_bytes_; }
  uint64_t max_bytes() const { return max_bytes_; }
  const SpoolCounters& counters() const { return counters_; }
  const std::filesystem::path& dir() const { return dir_; }
  const std::string& last_error() const { return error_; }

 private:
  Spool(std::filesystem::path dir, uint64_t max_bytes);
  bool scan(std::string& error);
  std::filesystem::path segment_path(uint64_t seq) const;
  bool open_writer(uint64_t seq);
  bool read_frame_at(uint64_t seq, uint64_t offset, std::string* key, std::string* value, uint32_t& records,
                     uint64_t& frame_bytes);
  void save_head();
  void advance_reader_segment();

  std::filesystem::path dir_;
  uint64_t max_bytes_;
  uint64_t segment_bytes_;
  std::FILE* writer_ = nullptr;
  uint64_t write_seq_ = 0;       // segment being written
  uint64_t write_size_ = 0;      // its size
  bool writer_dirty_ = false;    // stdio holds bytes the reader may need
  std::FILE* reader_ = nullptr;
  uint64_t read_seq_ = 0;        // segment of the oldest frame
  uint64_t read_offset_ = 0;     // its offset
  uint64_t reader_pos_ = UINT64_MAX;  // where reader_'s file position is, to skip fseek
  bool have_front_ = false;
  uint64_t front_bytes_ = 0;
  uint32_t front_records_ = 0;
  uint64_t pending_records_ = 0;
  uint64_t pending_bytes_ = 0;
  SpoolCounters counters_;
  std::string error_;
};

// "512M", "2G", "1048576" → bytes. Returns false on anything else.
bool parse_byte_size(std::string_view text, uint64_t& out);

}  // namespace flowprobe
