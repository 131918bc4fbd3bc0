#pragma once
// One thread on the main-lcore side, never on the packet path: every --stats-interval
// seconds prints the stats line, rewrites the --stats-file, and answers HTTP requests for
// the Prometheus text on --stats-listen. Plain non-blocking sockets in one poll loop:
// every client has a bounded request size and a deadline, so a slow or hostile one
// (a byte a second, a megabyte of header) costs a slot for a few seconds and never
// delays a scraper, the stats line or the file.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "ops/stats.hpp"

namespace flowprobe::ops {

struct StatsServerConfig {
  unsigned interval_s = 0;  // 0: no stats line
  std::string listen;       // "" none; "PORT" (bound to 127.0.0.1), "ADDR:PORT", "[V6]:PORT"
  std::string file;         // "" none; JSON rewritten (atomically) every interval, and at exit
  std::FILE* line_out = stderr;
  // HTTP limits: a request head larger than max_request gets 431, one not complete
  // within client_timeout gets 408 (a response not taken within it is dropped); beyond
  // max_clients at once, the oldest connection is closed for the newest.
  std::size_t max_request = 8192;
  std::chrono::milliseconds client_timeout{3000};
  std::size_t max_clients = 32;
};

class StatsServer {
 public:
  // Binds the listening socket before it returns, so that a bad address or a port in use
  // is a start-up error (nullptr, `error` naming --stats-listen).
  static std::unique_ptr<StatsServer> start(StatsHub& hub, const StatsServerConfig& config, std::string& error);
  ~StatsServer();  // stops the thread and writes the stats file a last time
  StatsServer(const StatsServer&) = delete;
  StatsServer& operator=(const StatsServer&) = delete;

  int port() const { return port_; }  // the bound port (--stats-listen 0 picks one)

 private:
  StatsServer(StatsHub& hub, StatsServerConfig config) : hub_(hub), config_(std::move(config)) {}
  struct Client {
    int fd = -1;
    std::chrono::steady_clock::time_point accepted, deadline;
    std::string request;
    std::string response;  // non-empty: the request is answered, this is being sent
    std::size_t sent = 0;
    bool refused = false;   // answered 431: its sender may still be sending
    bool draining = false;  // refused and answered: reading to its end, so that it sees the 431
  };
  // What the endpoint turned away, shown at /metrics itself.
  struct HttpCounters {
    uint64_t served = 0, too_large = 0, timed_out = 0, evicted = 0;
  };

  void run();
  void accept_clients();
  // Reads or writes what the socket allows; false when the client is done with.
  bool service(Client& c);
  void answer(Client& c);
  void write_file(const StatsSnapshot& now, const StatsSnapshot& previous);

  StatsHub& hub_;
  StatsServerConfig config_;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  int port_ = 0;
  std::vector<Client> clients_;
  HttpCounters http_;
  std::thread thread_;
};

// "9100" -> 127.0.0.1:9100; "0.0.0.0:9100"; "[::1]:9100". False with `error` on a bad one.
bool parse_listen_address(const std::string& text, std::string& host, std::string& port, std::string& error);

}  // namespace flowprobe::ops
