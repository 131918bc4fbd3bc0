#pragma once
// Hands DPDK's net_pcap a capture that libpcap refuses (a pcapng whose interfaces differ
// in snapshot length or link type, sections in either byte order): flowprobe's pcapng
// reader re-frames the packets of the replayed link type as a classic nanosecond pcap
// and writes them into a pipe that net_pcap opens by path (/proc/self/fd/N). So every
// capture reaches the RX cores through the same PMD, the same rte_eth_rx_burst, the same
// mbufs, timestamps and counters; nothing is copied to disk. The replay loop preloads
// its capture and reopens it, so for it the stream goes to a temporary file instead.
#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "io/input.hpp"

namespace flowprobe {

class CaptureFeed {
 public:
  // Starts the stream of `in.capture` (in.reader == Reader::pcapng). On failure returns
  // null with `error` set to one line.
  static std::unique_ptr<CaptureFeed> start(const InputSpec& in, std::string& error);
  ~CaptureFeed();
  CaptureFeed(const CaptureFeed&) = delete;
  CaptureFeed& operator=(const CaptureFeed&) = delete;

  // What net_pcap's rx_pcap= should name.
  const std::string& path() const { return path_; }
  // Packets written so far (all of them once the writer is done).
  uint64_t written() const { return written_.load(std::memory_order_relaxed); }

 private:
  CaptureFeed() = default;
  // Writes the stream to fd_; returns when done, on a write error, or when stopping.
  void write_all(const InputSpec& in);
  bool write_bytes(const uint8_t* p, std::size_t n);

  std::string path_;
  std::string temp_file_;          // the replay loop's stream, removed at the end
  int fd_ = -1;                    // where the writer writes
  int read_fd_ = -1;               // the pipe's read end, kept open until net_pcap has its own
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> written_{0};
  std::thread writer_;
};

}  // namespace flowprobe
