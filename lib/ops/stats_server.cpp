#include "ops/stats_server.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "core/log.hpp"
#include "core/redact.hpp"

namespace flowprobe::ops {

namespace {

bool all_digits(const std::string& s) {
  return !s.empty() && s.size() <= 5 && s.find_first_not_of("0123456789") == std::string::npos;
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
  const std::string json = redact(stats_json(now, previous));
  const bool ok = std::fwrite(json.data(), 1, json.size(), f) == json.size();
  if (std::fclose(f) != 0 || !ok || std::rename(tmp.c_str(), config_.file.c_str()) != 0)
    log(LogLevel::warning, "--stats-file: cannot write %s: %s", config_.file.c_str(), std::strerror(errno));
}

void StatsServer::accept_clients() {
  for (;;) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) return;  // EAGAIN: all taken; anything else: the next poll retries
    if (clients_.size() >= config_.max_clients) {
      // The oldest has had the longest to finish; a new client must not wait on it.
      auto oldest = std::min_element(clients_.begin(), clients_.end(),
                                     [](const Client& x, const Client& y) { return x.accepted < y.accepted; });
      ::close(oldest->fd);
      clients_.erase(oldest);
      ++http_.evicted;
    }
    Client c;
    c.fd = fd;
    c.accepted = std::chrono::steady_clock::now();
    c.deadline = c.accepted + config_.client_timeout;
    clients_.push_back(std::move(c));
  }
}

void StatsServer::answer(Client& c) {
  const auto sp1 = c.request.find(' ');
  const auto sp2 = sp1 == std::string::npos ? sp1 : c.request.find(' ', sp1 + 1);
  const std::string method = c.request.substr(0, sp1);
  std::string path = sp2 == std::string::npos ? "" : c.request.substr(sp1 + 1, sp2 - sp1 - 1);
  path = path.substr(0, path.find('?'));
  std::string response;
  if (method != "GET" && method != "HEAD") {
    response = http_response("405 Method Not Allowed", "text/plain", "GET only\n");
  } else if (path == "/metrics") {
    char own[640];
    std::snprintf(own, sizeof(own),
                  "# HELP flowprobe_stats_http_requests_total Requests this endpoint answered or turned away, by result.\n"
                  "# TYPE flowprobe_stats_http_requests_total counter\n"
                  "flowprobe_stats_http_requests_total{result=\"served\"} %llu\n"
                  "flowprobe_stats_http_requests_total{result=\"too_large\"} %llu\n"
                  "flowprobe_stats_http_requests_total{result=\"timed_out\"} %llu\n"
                  "flowprobe_stats_http_requests_total{result=\"evicted\"} %llu\n",
                  static_cast<unsigned long long>(http_.served), static_cast<unsigned long long>(http_.too_large),
                  static_cast<unsigned long long>(http_.timed_out), static_cast<unsigned long long>(http_.evicted));
    response = http_response("200 OK", "text/plain; version=0.0.4; charset=utf-8",
                             redact(prometheus_text(hub_.snapshot()) + own));
  } else if (path == "/stats.json") {
    const StatsSnapshot s = hub_.snapshot();
    response = http_response("200 OK", "application/json", redact(stats_json(s, s)));
  } else if (path == "/") {
    response = http_response("200 OK", "text/plain", "flowprobe: /metrics (Prometheus text), /stats.json\n");
  } else {
    response = http_response("404 Not Found", "text/plain", "not found; try /metrics\n");
  }
  if (method == "HEAD") response = response.substr(0, response.find("\r\n\r\n") + 4);
  ++http_.served;
  c.response = std::move(response);
}

bool StatsServer::service(Client& c) {
  char buf[4096];
  if (c.draining) {
    for (;;) {
      const ssize_t n = ::recv(c.fd, buf, sizeof(buf), 0);
      if (n > 0) continue;
      return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }
  }
  if (c.response.empty()) {
    for (;;) {
      const ssize_t n = ::recv(c.fd, buf, sizeof(buf), 0);
      if (n == 0) return false;  // gone before asking
      if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK;
      // Only the head matters (GET has no body); whatever comes beyond the bound is refused.
      const std::size_t room = config_.max_request + 1 - std::min(c.request.size(), config_.max_request + 1);
      c.request.append(buf, std::min(static_cast<std::size_t>(n), room));
      if (c.request.find("\r\n\r\n") != std::string::npos || c.request.find("\n\n") != std::string::npos) {
        answer(c);
        c.deadline = std::chrono::steady_clock::now() + config_.client_timeout;
        break;
      }
      if (c.request.size() > config_.max_request) {
        ++http_.too_large;
        c.refused = true;
        c.response = http_response("431 Request Header Fields Too Large", "text/plain",
                                   "request head over " + std::to_string(config_.max_request) + " bytes\n");
        c.deadline = std::chrono::steady_clock::now() + config_.client_timeout;
        break;
      }
    }
  }
  while (c.sent < c.response.size()) {
    const ssize_t n = ::send(c.fd, c.response.data() + c.sent, c.response.size() - c.sent, MSG_NOSIGNAL);
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK;
    c.sent += static_cast<std::size_t>(n);
  }
  if (c.refused) {
    // Closing with its data unread would reset the connection and could destroy the
    // 431 before it is read: say we are done, then read until it is (or its deadline).
    ::shutdown(c.fd, SHUT_WR);
    c.draining = true;
    return true;
  }
  return false;
}

void StatsServer::run() {
  using clock = std::chrono::steady_clock;
  const auto period = std::chrono::seconds(config_.interval_s ? config_.interval_s : 1);
  StatsSnapshot previous = hub_.snapshot();
  auto next = clock::now() + period;
  std::vector<pollfd> fds;
  for (;;) {
    fds.assign({{wake_[0], POLLIN, 0}, {listen_fd_, POLLIN, 0}});
    auto wake_at = next;
    for (const Client& c : clients_) {
      const bool reading = c.response.empty() || c.draining;
      fds.push_back({c.fd, static_cast<short>(reading ? POLLIN : POLLOUT), 0});
      wake_at = std::min(wake_at, c.deadline);
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(wake_at - clock::now());
    const int n = ::poll(fds.data(), fds.size(), static_cast<int>(std::max<int64_t>(left.count() + 1, 0)));
    if (n > 0 && (fds[0].revents & POLLIN)) break;
    // Clients first (the poll set's order), then new ones, then the deadlines.
    std::vector<Client> keep;
    keep.reserve(clients_.size());
    const auto now = clock::now();
    for (std::size_t i = 0; i < clients_.size(); ++i) {
      Client& c = clients_[i];
      bool alive = true;
      if (n > 0 && fds[2 + i].revents != 0) alive = service(c);
      if (alive && now >= c.deadline) {
        // Too slow to ask, or to take the answer: one short word if the socket has room.
        if (c.response.empty()) {
          ++http_.timed_out;
          const std::string r = http_response("408 Request Timeout", "text/plain", "request not complete in time\n");
          [[maybe_unused]] const ssize_t s = ::send(c.fd, r.data(), r.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        }
        alive = false;
      }
      if (alive) keep.push_back(std::move(c));
      else ::close(c.fd);
    }
    clients_ = std::move(keep);
    if (n > 0 && listen_fd_ >= 0 && (fds[1].revents & POLLIN)) accept_clients();
    if (clock::now() >= next) {
      const StatsSnapshot now_stats = hub_.snapshot();
      if (config_.interval_s) {
        const std::string line = stats_line(now_stats, previous);
        std::fprintf(config_.line_out, "flowprobe: %s\n", line.c_str());
        std::fflush(config_.line_out);
        log_file_only(line.c_str());
      }
      write_file(now_stats, previous);
      previous = now_stats;
      next += period;
      if (next < clock::now()) next = clock::now() + period;  // a stalled thread does not burst
    }
  }
  for (const Client& c : clients_) ::close(c.fd);
  clients_.clear();
  // The last word: what the run ended with, for whoever reads the file after exit.
  write_file(hub_.snapshot(), previous);
}

}  // namespace flowprobe::ops
