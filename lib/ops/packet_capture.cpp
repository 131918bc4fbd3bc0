#include "ops/packet_capture.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>

#include "core/log.hpp"

namespace flowprobe::ops {

CaptureBuffer::CaptureBuffer(uint16_t port, uint64_t max_packets, std::size_t arena_bytes)
    : port_(port), max_(max_packets), arena_size_(arena_bytes), arena_(new uint8_t[arena_bytes]) {
  packets_.reserve(max_packets);
}

void CaptureBuffer::add(uint64_t ts_ns, std::span<const uint8_t> bytes, uint32_t wire_len) noexcept {
  const std::size_t room = arena_size_ - used_;
  const std::size_t n = std::min(bytes.size(), room);
  std::memcpy(arena_.get() + used_, bytes.data(), n);
  packets_.push_back({ts_ns, static_cast<uint32_t>(used_), static_cast<uint32_t>(n), wire_len});
  used_ += n;
  if (++count_ >= max_) close();
}

PacketCapture::PacketCapture(uint64_t packets_per_port, std::string path, uint32_t linktype)
    : per_port_(packets_per_port), path_(std::move(path)), linktype_(linktype) {
  thread_ = std::thread([this] { writer(); });
}

PacketCapture::~PacketCapture() {
  std::string ignored;
  finish(ignored);
}

CaptureBuffer* PacketCapture::add_buffer(uint16_t port) {
  // Room for N full-size Ethernet frames; jumbo frames beyond it are kept truncated.
  const std::size_t arena = static_cast<std::size_t>(per_port_) * 1600 + 65536;
  std::lock_guard<std::mutex> lock(mutex_);
  buffers_.push_back(std::make_unique<CaptureBuffer>(port, per_port_, arena));
  return buffers_.back().get();
}

void PacketCapture::arm() {
  std::lock_guard<std::mutex> lock(mutex_);
  armed_ = true;
  cv_.notify_all();
}

void PacketCapture::writer() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    // Polled every 50 ms: RX cores only set a flag, they never wake anyone.
    cv_.wait_for(lock, std::chrono::milliseconds(50));
    if (stopping_) return;
    if (!armed_ || buffers_.empty()) continue;
    if (std::all_of(buffers_.begin(), buffers_.end(), [](const auto& b) { return b->done(); })) {
      written_ = true;
      if (write_file(error_)) log(LogLevel::info, "--capture: wrote %s", path_.c_str());
      else log(LogLevel::error, "%s", error_.c_str());
      return;
    }
  }
}

bool PacketCapture::finish(std::string& error) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
  std::lock_guard<std::mutex> lock(mutex_);
  if (!written_) {
    written_ = true;
    for (auto& b : buffers_) b->close();
    if (write_file(error_)) log(LogLevel::info, "--capture: wrote %s at exit", path_.c_str());
  }
  error = error_;
  return error_.empty();
}

bool PacketCapture::write_file(std::string& error) {
  const std::string tmp = path_ + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) {
    error = "--capture: cannot write " + tmp + ": " + std::strerror(errno);
    return false;
  }
  struct {
    uint32_t magic = 0xa1b2c3d4;  // microsecond timestamps, as the captures it is compared with
    uint16_t major = 2, minor = 4;
    int32_t zone = 0;
    uint32_t sigfigs = 0, snaplen = 262144, linktype = 0;
  } hdr;
  hdr.linktype = linktype_;
  bool ok = std::fwrite(&hdr, sizeof(hdr), 1, f) == 1;
  // Per port, the first N in time order across the port's RX queues.
  std::map<uint16_t, std::vector<std::pair<const CaptureBuffer*, const CaptureBuffer::Packet*>>> by_port;
  for (const auto& b : buffers_)
    for (const auto& p : b->packets()) by_port[b->port()].emplace_back(b.get(), &p);
  for (auto& [port, list] : by_port) {
    std::stable_sort(list.begin(), list.end(), [](const auto& a, const auto& b) { return a.second->ts_ns < b.second->ts_ns; });
    if (list.size() > per_port_) list.resize(per_port_);
    for (const auto& [buf, p] : list) {
      const uint32_t rec[4] = {static_cast<uint32_t>(p->ts_ns / 1'000'000'000),
                               static_cast<uint32_t>(p->ts_ns % 1'000'000'000 / 1000), p->caplen, p->wire_len};
      ok = ok && std::fwrite(rec, sizeof(rec), 1, f) == 1 &&
           (p->caplen == 0 || std::fwrite(buf->arena() + p->offset, p->caplen, 1, f) == 1);
    }
  }
  if (std::fclose(f) != 0 || !ok || std::rename(tmp.c_str(), path_.c_str()) != 0) {
    error = "--capture: cannot write " + path_ + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace flowprobe::ops
