#include "pcap_writer.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "bytes.hpp"

namespace pcapgen {

namespace {
constexpr std::size_t kBufferSize = 8u << 20;
constexpr uint32_t kMagicMicro = 0xa1b2c3d4, kMagicNano = 0xa1b23c4d;

std::runtime_error io_error(const std::string& what, const std::string& path) {
  return std::runtime_error(what + " " + path + ": " + std::strerror(errno));
}
}  // namespace

PcapWriter::PcapWriter(const std::string& path, bool nanosecond)
    : path_(path == "-" ? "<stdout>" : path), nanosecond_(nanosecond), buf_(kBufferSize) {
  if (path == "-") {
    file_ = stdout;
  } else {
    file_ = std::fopen(path.c_str(), "wb");
    if (!file_) throw io_error("cannot create", path);
    owns_file_ = true;
  }
  std::setvbuf(file_, nullptr, _IONBF, 0);  // we buffer ourselves
  uint8_t* h = reserve(24);
  put_le32(h, nanosecond ? kMagicNano : kMagicMicro);
  put_le16(h + 4, 2);  // version 2.4
  put_le16(h + 6, 4);
  put_le32(h + 8, 0);  // thiszone: UTC
  put_le32(h + 12, 0); // sigfigs
  put_le32(h + 16, kSnapLen);
  put_le32(h + 20, kLinktypeEthernet);
  commit(24);
}

PcapWriter::~PcapWriter() {
  if (owns_file_ && file_) std::fclose(file_);
}

void PcapWriter::record_header(uint8_t* p, uint32_t ts_sec, uint32_t ts_frac, uint32_t len) const {
  put_le32(p, ts_sec);
  put_le32(p + 4, ts_frac);
  put_le32(p + 8, len);   // captured length
  put_le32(p + 12, len);  // length on the wire (FCS not counted, as libpcap does)
}

void PcapWriter::write(uint64_t ts_ns, std::span<const uint8_t> frame) {
  const std::size_t n = kRecordHeader + frame.size();
  if (n > buf_.size()) throw std::logic_error("frame larger than the output buffer");
  uint8_t* p = reserve(n);
  const uint32_t sec = static_cast<uint32_t>(ts_ns / 1000000000u);
  const uint32_t ns = static_cast<uint32_t>(ts_ns % 1000000000u);
  record_header(p, sec, nanosecond_ ? ns : ns / 1000u, static_cast<uint32_t>(frame.size()));
  std::memcpy(p + kRecordHeader, frame.data(), frame.size());
  commit(n);
}

void PcapWriter::flush() {
  if (used_ == 0 || !file_) return;
  if (std::fwrite(buf_.data(), 1, used_, file_) != used_) throw io_error("cannot write", path_);
  used_ = 0;
}

void PcapWriter::close() {
  if (!file_) return;
  flush();
  std::FILE* f = file_;
  file_ = nullptr;
  if (owns_file_) {
    if (std::fclose(f) != 0) throw io_error("cannot write", path_);
  } else if (std::fflush(f) != 0) {
    throw io_error("cannot write", path_);
  }
}

}  // namespace pcapgen
