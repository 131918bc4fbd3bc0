// The stats endpoint against slow and garbage clients, over real sockets: a byte a
// second, a megabyte of header, more connections than it keeps. A scraper must still be
// answered while they hang on, and the endpoint must bind loopback unless told otherwise.
#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "ops/stats.hpp"
#include "ops/stats_server.hpp"

using namespace flowprobe::ops;
using namespace std::chrono_literals;

namespace {

int connect_to(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Everything the server sends until it closes, waiting at most `patience`.
std::string read_all(int fd, std::chrono::milliseconds patience) {
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + patience;
  char buf[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

std::string get(int port, const std::string& path, std::chrono::milliseconds patience = 5s) {
  const int fd = connect_to(port);
  if (fd < 0) return "";
  const std::string req = "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
  [[maybe_unused]] const ssize_t n = ::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  std::string r = read_all(fd, patience);
  ::close(fd);
  return r;
}

long long sample(const std::string& text, const std::string& series) {
  const auto p = text.find(series + " ");
  return p == std::string::npos ? -1 : std::atoll(text.c_str() + p + series.size() + 1);
}

}  // namespace

// A bare port binds 127.0.0.1 and nothing else: the kernel's own table of listening
// sockets says so.
TEST(StatsEndpoint, DefaultBindIsLoopbackOnly) {
  StatsHub hub;
  StatsServerConfig config;
  config.listen = "0";  // a bare port (0: any free one)
  std::string error;
  auto server = StatsServer::start(hub, config, error);
  ASSERT_TRUE(server) << error;
  char port_hex[8];
  std::snprintf(port_hex, sizeof(port_hex), "%04X", server->port());
  int found = 0;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::istringstream f(line);
      std::string slot, local, remote, state;
      f >> slot >> local >> remote >> state;
      if (state != "0A" || local.substr(local.find(':') + 1) != port_hex) continue;  // 0A: LISTEN
      ++found;
      EXPECT_EQ(local, std::string("0100007F:") + port_hex) << table << ": listening on " << local;
    }
  }
  EXPECT_EQ(found, 1) << "one listening socket, on 127.0.0.1";
  EXPECT_NE(get(server->port(), "/metrics").find("200 OK"), std::string::npos);
}

// Slowloris (a byte a second on eight connections) and a 1 MB header at once: the
// scraper is answered long before any of them gives up, the header gets 431, the slow
// ones 408 at their deadline. Then a crowd of idle connections beyond the limit: the
// oldest make room for the scraper. /metrics counts all of it.
TEST(StatsEndpoint, SlowAndGarbageClientsDoNotHoldUpAScraper) {
  StatsHub hub;
  StatsServerConfig config;
  config.listen = "0";
  config.client_timeout = 3s;
  config.max_clients = 16;
  std::string error;
  auto server = StatsServer::start(hub, config, error);
  ASSERT_TRUE(server) << error;
  const int port = server->port();

  std::atomic<bool> stop{false};
  std::vector<std::thread> slow;
  std::atomic<int> slow_408{0};
  for (int i = 0; i < 8; ++i) {
    slow.emplace_back([&] {
      const int fd = connect_to(port);
      if (fd < 0) return;
      const std::string req = "GET /metrics HTTP/1.1\r\nHost: localhost\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
      for (char ch : req) {
        if (stop || ::send(fd, &ch, 1, MSG_NOSIGNAL) != 1) break;
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 1000) > 0) break;  // the server answered (or closed)
      }
      if (read_all(fd, 1s).find("408") != std::string::npos) ++slow_408;
      ::close(fd);
    });
  }
  std::string huge_answer;
  std::thread huge([&] {
    const int fd = connect_to(port);
    if (fd < 0) return;
    std::string req = "GET /metrics HTTP/1.1\r\nX-Huge: " + std::string(1 << 20, 'a') + "\r\n\r\n";
    std::size_t off = 0;
    while (off < req.size()) {
      const ssize_t n = ::send(fd, req.data() + off, req.size() - off, MSG_NOSIGNAL);
      if (n <= 0) break;
      off += static_cast<std::size_t>(n);
    }
    huge_answer = read_all(fd, 5s);
    ::close(fd);
  });
  std::this_thread::sleep_for(500ms);

  // The scraper, while all of the above hold their connections.
  const auto t0 = std::chrono::steady_clock::now();
  const std::string metrics = get(port, "/metrics", 2s);
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_NE(metrics.find("200 OK"), std::string::npos) << metrics.substr(0, 200);
  EXPECT_NE(metrics.find("flowprobe_uptime_seconds"), std::string::npos);
  EXPECT_LT(took, config.client_timeout) << "answered only after the slow clients were dropped";

  huge.join();
  EXPECT_EQ(huge_answer.rfind("HTTP/1.1 431", 0), 0u) << huge_answer.substr(0, 200);
  for (std::thread& t : slow) t.join();
  stop = true;
  EXPECT_EQ(slow_408.load(), 8) << "each slow client is told 408 at its deadline";

  // More idle connections (never a byte) than it keeps: the oldest make room.
  std::vector<int> idle;
  for (int i = 0; i < 24; ++i) idle.push_back(connect_to(port));
  std::this_thread::sleep_for(200ms);
  const std::string crowded = get(port, "/metrics", 2s);
  EXPECT_NE(crowded.find("200 OK"), std::string::npos) << crowded.substr(0, 200);
  for (int fd : idle)
    if (fd >= 0) ::close(fd);

  const std::string after = get(port, "/metrics");
  EXPECT_EQ(sample(after, "flowprobe_stats_http_requests_total{result=\"too_large\"}"), 1) << after;
  EXPECT_GE(sample(after, "flowprobe_stats_http_requests_total{result=\"timed_out\"}"), 8) << after;
  EXPECT_GE(sample(after, "flowprobe_stats_http_requests_total{result=\"evicted\"}"), 8) << after;
  EXPECT_GE(sample(after, "flowprobe_stats_http_requests_total{result=\"served\"}"), 1) << after;
}
