#include "ops/stats_server.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "core/log.hpp"

namespace flowprobe::ops {

namespace {

bool all_digits(const std::string& s) {
  return !s.empty() && s.size() <= 5 && s.find_first_not_of("0123456789") == std::string::npos;
}

void send_all(int fd, const std::string& data) {
  std::size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += static_cast<std::size_t>(n);
  }
}

std::string http_response(const char* status, const char* type, const std::string& body) {
  return std::string("HTTP/1.1 ") + status + "\r\nContent-Type: " + type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

}  // namespace

bool parse_listen_address(const std::string& text, std::string& host, std::string& port, std::string& error) {
  const auto bad = [&] {
    error = "--stats-listen '" + text + "': expected PORT (bound to 127.0.0.1), ADDR:PORT or [IPV6]:PORT";
    return false;
  };
  if (all_digits(text)) {
    host = "127.0.0.1";
    port = text;
  } else if (!text.empty() && text.front() == '[') {
    const auto close = text.find("]:");
    if (close == std::string::npos) return bad();
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0) return bad();
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (!all_digits(port) || std::stoi(port) > 65535) return bad();
  return true;
}

std::unique_ptr<StatsServer> StatsServer::start(StatsHub& hub, const StatsServerConfig& config, std::string& error) {
  std::unique_ptr<StatsServer> s(new StatsServer(hub, config));
  if (!config.listen.empty()) {
    std::string host, port;
    if (!parse_listen_address(config.listen, host, port, error)) return nullptr;
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* res = nullptr;
    if (const int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0) {
      error = "--stats-listen '" + config.listen + "': " + ::gai_strerror(rc);
      return nullptr;
    }
    const int fd = ::socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    const int one = 1;
    if (fd >= 0) ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    const bool ok = fd >= 0 && ::bind(fd, res->ai_addr, res->ai_addrlen) == 0 && ::listen(fd, 16) == 0;
    ::freeaddrinfo(res);
    if (!ok) {
      error = "--stats-listen '" + config.listen + "': " + std::strerror(errno);
      if (fd >= 0) ::close(fd);
      return nullptr;
    }
    s->listen_fd_ = fd;
    sockaddr_storage a{};
    socklen_t len = sizeof(a);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    char h[NI_MAXHOST], p[NI_MAXSERV];
    ::getnameinfo(reinterpret_cast<sockaddr*>(&a), len, h, sizeof(h), p, sizeof(p), NI_NUMERICHOST | NI_NUMERICSERV);
    s->port_ = std::atoi(p);
    log(LogLevel::info, "statistics on http://%s:%s/metrics", h, p);
  }
  if (::pipe2(s->wake_, O_CLOEXEC | O_NONBLOCK) != 0) {
    error = std::string("statistics thread: pipe: ") + std::strerror(errno);
    return nullptr;
  }
  s->thread_ = std::thread([raw = s.get()] { raw->run(); });
  return s;
}

StatsServer::~StatsServer() {
  if (thread_.joinable()) {
    const char b = 1;
    [[maybe_unused]] const ssize_t n = ::write(wake_[1], &b, 1);
    thread_.join();
  }
  for (int fd : {listen_fd_, wake_[0], wake_[1]})
    if (fd >= 0) ::close(fd);
}

void StatsServer::write_file(const StatsSnapshot& now, const StatsSnapshot& previous) {
  if (config_.file.empty()) return;
  // Readers (a support bundle, a monitoring agent) must never see half a file.
  const std::string tmp = config_.file + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "w");
  if (f == nullptr) {
    log(LogLevel::warning, "--stats-file: cannot write %s: %s", tmp.c_str(), std::strerror(errno));
    return;
  }
  const std::string json = stats_json(now, previous);
  const bool ok = std::fwrite(json.data(), 1, json.size(), f) == json.size();
  if (std::fclose(f) != 0 || !ok || std::rename(tmp.c_str(), config_.file.c_str()) != 0)
    log(LogLevel::warning, "--stats-file: cannot write %s: %s", config_.file.c_str(), std::strerror(errno));
}

void StatsServer::serve_one() {
  const int c = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (c < 0) return;
  // Read the request head, bounded in size and time: a slow client cannot hold the thread.
  std::string req;
  char buf[2048];
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (req.find("\r\n\r\n") == std::string::npos && req.size() < 16384) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{c, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    const ssize_t n = ::recv(c, buf, sizeof(buf), 0);
    if (n <= 0) break;
    req.append(buf, static_cast<std::size_t>(n));
  }
  const auto sp1 = req.find(' ');
  const auto sp2 = sp1 == std::string::npos ? sp1 : req.find(' ', sp1 + 1);
  const std::string method = req.substr(0, sp1);
  std::string path = sp2 == std::string::npos ? "" : req.substr(sp1 + 1, sp2 - sp1 - 1);
  path = path.substr(0, path.find('?'));
  std::string response;
  if (method != "GET" && method != "HEAD") {
    response = http_response("405 Method Not Allowed", "text/plain", "GET only\n");
  } else if (path == "/metrics") {
    response = http_response("200 OK", "text/plain; version=0.0.4; charset=utf-8", prometheus_text(hub_.snapshot()));
  } else if (path == "/stats.json") {
    const StatsSnapshot s = hub_.snapshot();
    response = http_response("200 OK", "application/json", stats_json(s, s));
  } else if (path == "/") {
    response = http_response("200 OK", "text/plain", "flowprobe: /metrics (Prometheus text), /stats.json\n");
  } else {
    response = http_response("404 Not Found", "text/plain", "not found; try /metrics\n");
  }
  if (method == "HEAD") response = response.substr(0, response.find("\r\n\r\n") + 4);
  send_all(c, response);
  ::close(c);
}

void StatsServer::run() {
  using clock = std::chrono::steady_clock;
  const auto period = std::chrono::seconds(config_.interval_s ? config_.interval_s : 1);
  StatsSnapshot previous = hub_.snapshot();
  auto next = clock::now() + period;
  for (;;) {
    pollfd fds[2] = {{wake_[0], POLLIN, 0}, {listen_fd_, POLLIN, 0}};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(next - clock::now());
    const int n = ::poll(fds, listen_fd_ >= 0 ? 2 : 1, static_cast<int>(std::max<int64_t>(left.count(), 0)));
    if (n > 0 && (fds[0].revents & POLLIN)) break;
    if (n > 0 && listen_fd_ >= 0 && (fds[1].revents & POLLIN)) serve_one();
    if (clock::now() >= next) {
      const StatsSnapshot now = hub_.snapshot();
      if (config_.interval_s) {
        const std::string line = stats_line(now, previous);
        std::fprintf(config_.line_out, "flowprobe: %s\n", line.c_str());
        std::fflush(config_.line_out);
        log_file_only(line.c_str());
      }
      write_file(now, previous);
      previous = now;
      next += period;
      if (next < clock::now()) next = clock::now() + period;  // a stalled thread does not burst
    }
  }
  // The last word: what the run ended with, for whoever reads the file after exit.
  write_file(hub_.snapshot(), previous);
}

}  // namespace flowprobe::ops
