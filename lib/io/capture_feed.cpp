#include "io/capture_feed.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/log.hpp"
#include "io/pcapng_reader.hpp"

namespace flowprobe {

namespace {

// The classic pcap file header with the nanosecond magic (libpcap scales it to what its
// reader asks for) and libpcap's largest snapshot length.
struct ClassicHeader {
  uint32_t magic = 0xa1b23c4d;
  uint16_t major = 2, minor = 4;
  int32_t thiszone = 0;
  uint32_t sigfigs = 0;
  uint32_t snaplen = PcapngReader::kMaxPacket;
  uint32_t linktype = 1;
};
struct ClassicRecord {
  uint32_t ts_sec, ts_nsec, caplen, len;
};

// The link types the scan counted as replayed: LINKTYPE_RAW, _IPV4 and _IPV6 decode as
// one, as do NULL and LOOP.
bool replayed(uint16_t linktype, const InputSpec& in) {
  LinkType l;
  return link_of_linktype(linktype, l) && l == in.link;
}

}  // namespace

std::unique_ptr<CaptureFeed> CaptureFeed::start(const InputSpec& in, std::string& error) {
  std::unique_ptr<CaptureFeed> f(new CaptureFeed());
  if (in.replay_loop) {
    const char* tmp = std::getenv("TMPDIR");
    std::string dir = tmp && *tmp && std::string(tmp).find_first_of(",=") == std::string::npos ? tmp : "/tmp";
    std::string name = dir + "/flowprobe-replay-XXXXXX";
    f->fd_ = ::mkstemp(name.data());
    if (f->fd_ < 0) {
      error = "-i '" + in.text + "': cannot create the replay loop's copy in " + dir + ": " + std::strerror(errno);
      return nullptr;
    }
    f->temp_file_ = f->path_ = name;
    f->write_all(in);  // the loop preloads the file at start: it must be whole first
    ::close(f->fd_);
    f->fd_ = -1;
    return f;
  }
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    error = "-i '" + in.text + "': cannot create a pipe for the capture: " + std::strerror(errno);
    return nullptr;
  }
  f->read_fd_ = fds[0];
  f->fd_ = fds[1];
  // Non-blocking, so that the writer can notice a stop while net_pcap is not reading.
  ::fcntl(f->fd_, F_SETFL, ::fcntl(f->fd_, F_GETFL) | O_NONBLOCK);
  f->path_ = "/proc/self/fd/" + std::to_string(f->read_fd_);
  CaptureFeed* self = f.get();
  InputSpec spec = in;
  f->writer_ = std::thread([self, spec] {
    // A reader that goes away must give EPIPE here, not a SIGPIPE to the process.
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
    self->write_all(spec);
    ::close(self->fd_);  // net_pcap sees the end of the stream
    self->fd_ = -1;
  });
  return f;
}

CaptureFeed::~CaptureFeed() {
  stop_.store(true);
  if (writer_.joinable()) writer_.join();
  if (fd_ >= 0) ::close(fd_);
  if (read_fd_ >= 0) ::close(read_fd_);
  if (!temp_file_.empty()) ::unlink(temp_file_.c_str());
}

bool CaptureFeed::write_bytes(const uint8_t* p, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd_, p, n);
    if (w > 0) {
      p += w;
      n -= static_cast<std::size_t>(w);
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == EAGAIN) {
      if (stop_.load(std::memory_order_relaxed)) return false;
      pollfd pfd{fd_, POLLOUT, 0};
      ::poll(&pfd, 1, 100);
      continue;
    }
    return false;  // EPIPE: the reader closed its end; anything else: nothing more can go
  }
  return true;
}

void CaptureFeed::write_all(const InputSpec& in) {
  std::FILE* file = std::fopen(in.capture.c_str(), "rb");
  if (file == nullptr) {
    log(LogLevel::error, "cannot reopen '%s' for replay: %s", in.capture.c_str(), std::strerror(errno));
    return;
  }
  ClassicHeader h;
  h.linktype = pcap_linktype(in.link);
  std::vector<uint8_t> out;
  out.reserve(1 << 20);
  const auto put = [&out](const void* p, std::size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    out.insert(out.end(), b, b + n);
  };
  put(&h, sizeof(h));
  PcapngReader reader(file);
  PcapngPacket pkt;
  uint64_t n = 0;
  bool ok = true;
  // No more than the scan counted: the replay's end condition is that count.
  while (ok && n < in.expected_packets && reader.next(pkt) == PcapngReader::Next::packet) {
    if (!replayed(pkt.link_type, in)) continue;
    const ClassicRecord r{static_cast<uint32_t>(pkt.ts_ns / 1'000'000'000),
                          static_cast<uint32_t>(pkt.ts_ns % 1'000'000'000), pkt.caplen, pkt.origlen};
    put(&r, sizeof(r));
    put(pkt.data, pkt.caplen);
    ++n;
    if (out.size() >= (1 << 20)) {
      ok = write_bytes(out.data(), out.size());
      out.clear();
      written_.store(n, std::memory_order_relaxed);
    }
  }
  if (ok && !out.empty()) ok = write_bytes(out.data(), out.size());
  if (ok) written_.store(n, std::memory_order_relaxed);
  std::fclose(file);
}

}  // namespace flowprobe
