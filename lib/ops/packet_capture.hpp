#pragma once
// --capture N FILE: the first N packets of each port, written to a pcap while the probe
// runs normally (the reception check of a sensor's troubleshooting guide). Each RX core
// copies into its own buffer, allocated before it starts; a writer thread, never an RX
// core, writes the file once every buffer is full or closed.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

namespace flowprobe::ops {

// One RX core's capture. add() and close() are called by that core only.
class CaptureBuffer {
 public:
  CaptureBuffer(uint16_t port, uint64_t max_packets, std::size_t arena_bytes);
  bool wants() const noexcept { return count_ < max_ && !done_.load(std::memory_order_relaxed); }
  // Copies the packet; one that no longer fits the arena is kept truncated (its caplen
  // says so), as a pcap snaplen would.
  void add(uint64_t ts_ns, std::span<const uint8_t> bytes, uint32_t wire_len) noexcept;
  void close() noexcept { done_.store(true, std::memory_order_release); }
  bool done() const noexcept { return done_.load(std::memory_order_acquire); }

  struct Packet {
    uint64_t ts_ns;
    uint32_t offset, caplen, wire_len;
  };
  // Readable once done().
  const std::vector<Packet>& packets() const { return packets_; }
  const uint8_t* arena() const { return arena_.get(); }
  uint16_t port() const { return port_; }

 private:
  uint16_t port_;
  uint64_t max_;
  uint64_t count_ = 0;
  std::size_t arena_size_;
  std::size_t used_ = 0;
  std::unique_ptr<uint8_t[]> arena_;
  std::vector<Packet> packets_;  // reserved to max_ up front: push_back never allocates
  std::atomic<bool> done_{false};
};

class PacketCapture {
 public:
  // `linktype` is the pcap LINKTYPE_ of what the port delivers.
  PacketCapture(uint64_t packets_per_port, std::string path, uint32_t linktype);
  ~PacketCapture();  // finish()
  // Before the RX cores start (allocates): the buffer of one RX core reading `port`.
  CaptureBuffer* add_buffer(uint16_t port);
  // After the last add_buffer(): the writer may start waiting on the buffers.
  void arm();
  // After the RX cores stopped: writes what was captured if the writer has not yet, and
  // returns false with `error` when the file could not be written.
  bool finish(std::string& error);
  const std::string& path() const { return path_; }

 private:
  void writer();
  bool write_file(std::string& error);

  uint64_t per_port_;
  std::string path_;
  uint32_t linktype_;
  std::vector<std::unique_ptr<CaptureBuffer>> buffers_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool armed_ = false, stopping_ = false, written_ = false;
  std::string error_;
  std::thread thread_;
};


}  // namespace flowprobe::ops
