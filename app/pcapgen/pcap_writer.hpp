#pragma once
// Classic pcap (not pcapng) writer, linktype Ethernet, little-endian on every host.
// Output goes through one large buffer and big fwrite calls; reserve()/commit() let a
// hot loop build records in place.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

namespace pcapgen {

inline constexpr uint32_t kLinktypeEthernet = 1;
inline constexpr uint32_t kSnapLen = 262144;
inline constexpr std::size_t kRecordHeader = 16;

class PcapWriter {
 public:
  // path "-" writes to stdout. Throws std::runtime_error when the file can't be opened.
  PcapWriter(const std::string& path, bool nanosecond);
  ~PcapWriter();
  PcapWriter(const PcapWriter&) = delete;
  PcapWriter& operator=(const PcapWriter&) = delete;

  bool nanosecond() const { return nanosecond_; }

  // One packet; ts_ns is nanoseconds since the Unix epoch (truncated to µs in µs mode).
  void write(uint64_t ts_ns, std::span<const uint8_t> frame);

  // Fills the 16-byte record header at p for a frame of `len` bytes.
  void record_header(uint8_t* p, uint32_t ts_sec, uint32_t ts_frac, uint32_t len) const;

  // Space for n more bytes, valid until the next call; commit() what was written.
  uint8_t* reserve(std::size_t n) {
    if (used_ + n > buf_.size()) flush();
    return buf_.data() + used_;
  }
  void commit(std::size_t n) { used_ += n; bytes_ += n; }

  uint64_t bytes_written() const { return bytes_; }

  // Flushes and closes; throws std::runtime_error on a write error (disk full...).
  void close();

 private:
  void flush();

  std::string path_;
  std::FILE* file_ = nullptr;
  bool owns_file_ = false;
  bool nanosecond_ = false;
  std::vector<uint8_t> buf_;
  std::size_t used_ = 0;
  uint64_t bytes_ = 0;
};

}  // namespace pcapgen
