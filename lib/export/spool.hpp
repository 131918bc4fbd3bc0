#pragma once
// A bounded first-in first-out queue of encoded messages on disk. Sinks put here what
// their receiver cannot take now (broker down, producer queue full, TCP receiver gone)
// and replay it, oldest first, when the receiver is back. It survives a restart: what
// is left at exit is sent by the next run that uses the same directory.
//
// Layout: numbered segment files "NNNNNNNNNNNN.spool", each a sequence of frames
// {u32 key length, u32 value length, u32 record count, key, value}, and a "head" file
// with the segment and offset of the oldest frame not yet acknowledged (ack()), saved
// every few thousand acknowledgements: a process killed at any point sends again at most
// those frames, and loses none that reached the spool. Frames are written through to the
// kernel one by one (they survive the process, not a power cut: there is no fsync). A frame may hold several
// records (a legacy JSON array), so bounds are in bytes and accounting in records.
//
// Single-threaded: called from the exporter lcore only (librdkafka delivery reports
// are served on that thread by rd_kafka_poll, so they may append here too).
#include <cstdint>
#include <cstdio>
#include <deque>
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
  // data, and locks it: a second process on the same directory is refused, since two
  // writers would interleave their frames. On failure returns nullptr and sets `error`
  // (which names no option: the caller does).
  static std::unique_ptr<Spool> open(const std::filesystem::path& dir, uint64_t max_bytes, std::string& error);
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // Appends one frame holding `records` records. Returns false, counting them as dropped,
  // when the frame would take the spool past its bound or the disk refuses it.
  bool append(std::string_view key, std::string_view value, uint32_t records = 1);

  // The oldest frame, left in place until pop(). Returns false when the spool is empty.
  bool front(std::string& key, std::string& value, uint32_t& records);
  // Takes the frame front() returned out of the queue and returns its ticket. The frame
  // stays on disk until ack(ticket): a process killed in between sends it again from the
  // next run (at least once, never lost). next_ticket() is the ticket pop() will return.
  uint64_t pop();
  uint64_t next_ticket() const { return next_ticket_; }
  // The frame of `ticket` was delivered, or kept again (appended anew), or counted as
  // failed: it is no longer the spool's. Acknowledgements may come in any order; the
  // head on disk moves past the oldest frames once all before them are acknowledged.
  void ack(uint64_t ticket);
  // Frames popped and not yet acknowledged.
  uint64_t unacknowledged() const { return unacked_.size(); }

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
  void give_back_disk();

  std::filesystem::path dir_;
  uint64_t max_bytes_;
  uint64_t segment_bytes_;
  int lock_fd_ = -1;             // flock on "lock": one probe per spool directory
  std::FILE* writer_ = nullptr;
  uint64_t write_seq_ = 0;       // segment being written
  uint64_t write_size_ = 0;      // its size
  bool writer_dirty_ = false;    // stdio holds bytes the reader may need
  std::FILE* reader_ = nullptr;
  uint64_t read_seq_ = 0;        // segment of the oldest frame
  uint64_t read_offset_ = 0;     // its offset
  uint64_t reader_pos_ = UINT64_MAX;  // where reader_'s file position is, to skip fseek
  // The head saved on disk: the oldest frame not yet acknowledged.
  uint64_t commit_seq_ = 0, commit_offset_ = 0;
  struct Unacked {
    uint64_t seq, end_offset;  // where the frame ends: the head once it and all before it are acknowledged
    bool done;
  };
  std::deque<Unacked> unacked_;  // by ticket, from first_unacked_ticket_
  uint64_t first_unacked_ticket_ = 1, next_ticket_ = 1;
  uint64_t acks_since_save_ = 0;
  bool have_front_ = false;
  uint64_t front_bytes_ = 0;
  uint32_t front_records_ = 0;
  uint64_t pending_records_ = 0;
  uint64_t pending_bytes_ = 0;
  SpoolCounters counters_;
  std::string error_;
  bool refusing_ = false;        // the last append was refused: said once, and once when it takes again
  uint64_t dropped_at_refusal_ = 0;
  void refused(const std::string& why, uint32_t records);
  void accepted();
};

// "512M", "2G", "1048576" → bytes. Returns false on anything else.
bool parse_byte_size(std::string_view text, uint64_t& out);

}  // namespace flowprobe
