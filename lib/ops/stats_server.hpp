#pragma once
// One thread on the main-lcore side, never on the packet path: every --stats-interval
// seconds prints the stats line, rewrites the --stats-file, and answers HTTP requests for
// the Prometheus text on --stats-listen. Plain sockets; one request at a time is plenty
// for a scraper and an operator's curl.
#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "ops/stats.hpp"

namespace flowprobe::ops {

struct StatsServerConfig {
  unsigned interval_s = 0;  // 0: no stats line
  std::string listen;       // "" none; "PORT" (bound to 127.0.0.1), "ADDR:PORT", "[V6]:PORT"
  std::string file;         // "" none; JSON rewritten (atomically) every interval, and at exit
  std::FILE* line_out = stderr;
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
  void run();
  void serve_one();
  void write_file(const StatsSnapshot& now, const StatsSnapshot& previous);

  StatsHub& hub_;
  StatsServerConfig config_;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  int port_ = 0;
  std::thread thread_;
};

// "9100" -> 127.0.0.1:9100; "0.0.0.0:9100"; "[::1]:9100". False with `error` on a bad one.
bool parse_listen_address(const std::string& text, std::string& host, std::string& port, std::string& error);

}  // namespace flowprobe::ops
