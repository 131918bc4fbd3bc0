#include "export/syslog_sink.hpp"

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>

#include "core/log.hpp"

namespace flowprobe {

namespace {

struct FacilityName {
  std::string_view name;
  int value;
};
constexpr FacilityName kFacilities[] = {
    {"kern", LOG_KERN},     {"user", LOG_USER},     {"mail", LOG_MAIL},         {"daemon", LOG_DAEMON},
    {"auth", LOG_AUTH},     {"syslog", LOG_SYSLOG}, {"lpr", LOG_LPR},           {"news", LOG_NEWS},
    {"uucp", LOG_UUCP},     {"cron", LOG_CRON},     {"authpriv", LOG_AUTHPRIV}, {"ftp", LOG_FTP},
    {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2},     {"local3", LOG_LOCAL3},
    {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5}, {"local6", LOG_LOCAL6},     {"local7", LOG_LOCAL7},
};

// Splits a batch of '\n'-terminated records, calling f(record) for each non-empty one.
template <class F>
uint32_t for_each_line(std::string_view batch, F&& f) {
  uint32_t n = 0;
  while (!batch.empty()) {
    const auto nl = batch.find('\n');
    const std::string_view line = batch.substr(0, nl);
    batch.remove_prefix(nl == std::string_view::npos ? batch.size() : nl + 1);
    if (line.empty()) continue;
    ++n;
    f(line);
  }
  return n;
}

void append_uint(std::string& out, uint64_t v, int width = 0) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  for (int pad = width - static_cast<int>(r.ptr - buf); pad > 0; --pad) out.push_back('0');
  out.append(buf, static_cast<std::size_t>(r.ptr - buf));
}

}  // namespace

bool parse_syslog_facility(std::string_view name, int& facility) {
  for (const FacilityName& f : kFacilities)
    if (f.name == name) {
      facility = f.value;
      return true;
    }
  return false;
}

bool parse_syslog_format(std::string_view name, SyslogFormat& out) {
  if (name == "rfc3164" || name == "3164" || name == "bsd") out = SyslogFormat::rfc3164;
  else if (name == "rfc5424" || name == "5424") out = SyslogFormat::rfc5424;
  else return false;
  return true;
}

// ---------------------------------------------------------------- local syslog(3)

LocalSyslogSink::LocalSyslogSink(std::string ident, int facility) : ident_(std::move(ident)) {
  ::openlog(ident_.c_str(), LOG_PID | LOG_NDELAY, facility);
}

LocalSyslogSink::~LocalSyslogSink() { ::closelog(); }

void LocalSyslogSink::write(std::string_view batch, uint32_t count) {
  // syslog(3) reports nothing back: a record handed to it is as delivered as it gets.
  const uint32_t n = for_each_line(batch, [&](std::string_view line) {
    ::syslog(LOG_INFO, "%.*s", static_cast<int>(line.size()), line.data());
    counters_.bytes += line.size();
  });
  counters_.delivered += n;
  if (n < count) counters_.failed += count - n;
}

// ---------------------------------------------------------------- remote

bool parse_syslog_url(std::string_view url, SyslogTarget& out, std::string& error) {
  const auto fail = [&](const char* why) {
    error = "--syslog '" + std::string(url) + "': " + why + " (expected udp://HOST[:PORT], tcp://HOST[:PORT] or tls://HOST[:PORT])";
    return false;
  };
  std::string_view rest;
  if (url.starts_with("udp://")) out.transport = SyslogTarget::Transport::udp, rest = url.substr(6);
  else if (url.starts_with("tcp://")) out.transport = SyslogTarget::Transport::tcp, rest = url.substr(6);
  else if (url.starts_with("tls://")) out.transport = SyslogTarget::Transport::tls, rest = url.substr(6);
  else return fail("unknown scheme");
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  std::string_view host = rest, port = out.transport == SyslogTarget::Transport::tls ? "6514" : "514";
  if (rest.starts_with("[")) {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return fail("unclosed '[' in an IPv6 address");
    host = rest.substr(1, close - 1);
    if (close + 1 < rest.size()) {
      if (rest[close + 1] != ':') return fail("expected ':' after ']'");
      port = rest.substr(close + 2);
    }
  } else if (const auto colon = rest.rfind(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  unsigned p = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (host.empty()) return fail("no host");
  if (ec != std::errc() || end != port.data() + port.size() || p == 0 || p > 65535) return fail("bad port");
  out.host = std::string(host);
  out.port = std::string(port);
  return true;
}

struct TlsSession {
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  ~TlsSession() {
    if (ssl) SSL_free(ssl);
    if (ctx) SSL_CTX_free(ctx);
  }
};

namespace {
std::string ssl_error_text() {
  const unsigned long e = ERR_get_error();
  if (e == 0) return "TLS handshake failed";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}
}  // namespace

RemoteSyslogSink::RemoteSyslogSink(RemoteSyslogConfig config, std::unique_ptr<Spool> spool)
    : config_(std::move(config)), spool_(std::move(spool)), pid_(std::to_string(::getpid())) {
  if (config_.hostname.empty()) {
    std::array<char, 256> h{};
    ::gethostname(h.data(), h.size() - 1);
    config_.hostname = h[0] ? h.data() : "-";
  }
}

RemoteSyslogSink::~RemoteSyslogSink() {
  finish();
  if (fd_ >= 0) ::close(fd_);
}

std::unique_ptr<RemoteSyslogSink> RemoteSyslogSink::create(const RemoteSyslogConfig& config,
                                                           std::unique_ptr<Spool> spool, std::string& error) {
  std::unique_ptr<RemoteSyslogSink> s(new RemoteSyslogSink(config, std::move(spool)));
  if (!s->resolve(error)) return nullptr;
  if (config.target.transport == SyslogTarget::Transport::tls) {
    // One context for the sink's life: CAs loaded once, each reconnection a new SSL.
    s->tls_ = std::make_unique<TlsSession>();
    s->tls_->ctx = SSL_CTX_new(TLS_client_method());
    if (s->tls_->ctx == nullptr) {
      error = "--syslog '" + config.url + "': " + ssl_error_text();
      return nullptr;
    }
    SSL_CTX_set_min_proto_version(s->tls_->ctx, TLS1_2_VERSION);
    const int ok = config.tls_ca_file.empty() ? SSL_CTX_set_default_verify_paths(s->tls_->ctx)
                                              : SSL_CTX_load_verify_locations(s->tls_->ctx, config.tls_ca_file.c_str(), nullptr);
    if (ok != 1) {
      error = "--syslog-tls-ca '" + config.tls_ca_file + "': " + ssl_error_text();
      return nullptr;
    }
    SSL_CTX_set_verify(s->tls_->ctx, config.tls_verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nullptr);
    if (!config.tls_cert_file.empty() || !config.tls_key_file.empty()) {
      if (config.tls_cert_file.empty() || config.tls_key_file.empty()) {
        error = "--syslog-tls-cert and --syslog-tls-key go together (a client certificate and its key)";
        return nullptr;
      }
      // A daemon has no terminal to ask for a passphrase: an encrypted key is refused.
      SSL_CTX_set_default_passwd_cb(s->tls_->ctx, [](char*, int, int, void*) { return 0; });
      if (SSL_CTX_use_certificate_chain_file(s->tls_->ctx, config.tls_cert_file.c_str()) != 1) {
        error = "--syslog-tls-cert '" + config.tls_cert_file + "': " + ssl_error_text();
        return nullptr;
      }
      // Neither the key nor OpenSSL's reading of it is ever echoed: only the verdict.
      if (SSL_CTX_use_PrivateKey_file(s->tls_->ctx, config.tls_key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
        const bool mismatch = ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH;
        ERR_clear_error();
        error = mismatch ? "--syslog-tls-key: the private key does not match --syslog-tls-cert '" + config.tls_cert_file + "'"
                         : "--syslog-tls-key: cannot load the private key (unreadable, not PEM, or encrypted: give an "
                           "unencrypted key readable only by the probe's user)";
        return nullptr;
      }
    }
  }
  if (config.target.transport == SyslogTarget::Transport::udp) {
    s->fd_ = ::socket(s->family_, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s->fd_ < 0) {
      error = "--syslog '" + config.url + "': socket: " + std::strerror(errno);
      return nullptr;
    }
    return s;
  }
  // TCP: one connection attempt now, so that a receiver that is up gets records from the
  // first batch and one that is down is reported once at start.
  s->start_connect();
  for (int i = 0; i < 200 && (s->connecting_ || s->handshaking_) && s->fd_ >= 0; ++i) {
    pollfd p{s->fd_, static_cast<short>(POLLOUT | POLLIN), 0};
    ::poll(&p, 1, 10);
    if (s->connecting_) s->check_connect();
    else s->continue_handshake();
  }
  if (!s->connected())
    log(LogLevel::warning, "syslog: %s is not accepting connections yet (%s); records wait %s and reconnection is retried",
        config.url.c_str(), s->error_.empty() ? "timeout" : s->error_.c_str(),
        s->spool_ ? "in memory and the spool" : "in memory");
  s->error_.clear();  // merely down is not an error of the run
  return s;
}

bool RemoteSyslogSink::resolve(std::string& error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = config_.target.transport == SyslogTarget::Transport::udp ? SOCK_DGRAM : SOCK_STREAM;
  addrinfo* res = nullptr;
  const int rc = ::getaddrinfo(config_.target.host.c_str(), config_.target.port.c_str(), &hints, &res);
  if (rc != 0 || res == nullptr) {
    error = "--syslog '" + config_.url + "': cannot resolve '" + config_.target.host + "': " + ::gai_strerror(rc);
    return false;
  }
  family_ = res->ai_family;
  addr_.assign(reinterpret_cast<const char*>(res->ai_addr), res->ai_addrlen);
  ::freeaddrinfo(res);
  return true;
}

void RemoteSyslogSink::set_error(std::string text) {
  if (error_.empty()) error_ = std::move(text);
}

void RemoteSyslogSink::header(std::string& out) {
  const int pri = config_.facility | LOG_INFO;
  out.push_back('<');
  append_uint(out, static_cast<uint64_t>(pri));
  out.push_back('>');
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  tm t{};
  std::array<char, 64> buf{};
  if (config_.format == SyslogFormat::rfc5424) {
    // <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA MSG
    ::gmtime_r(&ts.tv_sec, &t);
    std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%S", &t);
    out.append("1 ");
    out.append(buf.data());
    out.push_back('.');
    append_uint(out, static_cast<uint64_t>(ts.tv_nsec / 1000), 6);
    out.append("Z ");
    out.append(config_.hostname);
    out.push_back(' ');
    out.append(config_.app_name);
    out.push_back(' ');
    out.append(pid_);
    out.append(" - - ");
  } else {
    // <PRI>Mmm dd hh:mm:ss HOSTNAME TAG[PID]: MSG (local time, day padded with a space)
    ::localtime_r(&ts.tv_sec, &t);
    std::strftime(buf.data(), buf.size(), "%b %e %H:%M:%S ", &t);
    out.append(buf.data());
    out.append(config_.hostname);
    out.push_back(' ');
    out.append(config_.app_name);
    out.push_back('[');
    out.append(pid_);
    out.append("]: ");
  }
}

void RemoteSyslogSink::send_udp(std::string_view message) {
  if (message.size() > config_.max_udp) {
    // Truncating would hand the receiver broken JSON; dropping is counted instead.
    ++oversize_;
    ++counters_.failed;
    set_error(describe() + ": messages larger than --syslog-max-udp (" + std::to_string(config_.max_udp) +
              " bytes) were not sent; use tcp://");
    return;
  }
  const ssize_t n = ::sendto(fd_, message.data(), message.size(), MSG_NOSIGNAL,
                             reinterpret_cast<const sockaddr*>(addr_.data()), static_cast<socklen_t>(addr_.size()));
  if (n == static_cast<ssize_t>(message.size())) {
    ++counters_.delivered;
    counters_.bytes += message.size();
  } else {
    ++send_errors_;
    ++counters_.failed;
    set_error(describe() + ": sendto: " + std::strerror(errno));
  }
}

void RemoteSyslogSink::queue_tcp(std::string_view message) {
  // Order: what is in memory, then the spool, then new records.
  const bool room = out_.size() - out_sent_ < config_.max_buffered;
  if ((spool_ && !spool_->empty()) || !room) {
    if (spool_ && spool_->append({}, message, 1)) return;
    ++counters_.failed;
    set_error(describe() + (spool_ ? ": spool full, records dropped" : ": receiver down and memory buffer full"));
    return;
  }
  // RFC 6587 octet counting: "LEN SP MSG".
  append_uint(out_, message.size());
  out_.push_back(' ');
  out_.append(message);
  frame_ends_.push_back(out_.size());
}

void RemoteSyslogSink::start_connect() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = ::socket(family_, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    set_error(describe() + ": socket: " + std::strerror(errno));
    return;
  }
  const int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  const int rc = ::connect(fd_, reinterpret_cast<const sockaddr*>(addr_.data()), static_cast<socklen_t>(addr_.size()));
  if (rc == 0) {
    connecting_ = false;
  } else if (errno == EINPROGRESS) {
    connecting_ = true;
  } else {
    disconnect(std::strerror(errno));
    return;
  }
  if (!connecting_) check_connect();
}

void RemoteSyslogSink::check_connect() {
  if (fd_ < 0) return;
  if (connecting_) {
    pollfd p{fd_, POLLOUT, 0};
    if (::poll(&p, 1, 0) <= 0) return;  // still connecting
    int err = 0;
    socklen_t len = sizeof(err);
    ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      disconnect(std::strerror(err));
      return;
    }
    connecting_ = false;
  }
  if (tls_) {
    tls_->ssl = SSL_new(tls_->ctx);
    if (tls_->ssl == nullptr || SSL_set_fd(tls_->ssl, fd_) != 1) {
      disconnect(ssl_error_text());
      return;
    }
    SSL_set_mode(tls_->ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_set_tlsext_host_name(tls_->ssl, config_.target.host.c_str());
    if (config_.tls_verify) {
      // The certificate must name the receiver: its IP address, or its host name.
      X509_VERIFY_PARAM* param = SSL_get0_param(tls_->ssl);
      if (X509_VERIFY_PARAM_set1_ip_asc(param, config_.target.host.c_str()) != 1)
        SSL_set1_host(tls_->ssl, config_.target.host.c_str());
    }
    handshaking_ = true;
    continue_handshake();
    return;
  }
  if (warned_down_) log(LogLevel::warning, "syslog: %s connected again", config_.url.c_str());
  warned_down_ = false;
  backoff_ = std::chrono::milliseconds(0);
  ++reconnects_;
}

void RemoteSyslogSink::continue_handshake() {
  if (!handshaking_ || tls_ == nullptr || tls_->ssl == nullptr) return;
  const int rc = SSL_connect(tls_->ssl);
  if (rc != 1) {
    const int err = SSL_get_error(tls_->ssl, rc);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return;
    const long verify = SSL_get_verify_result(tls_->ssl);
    std::string why = ssl_error_text();
    if (verify != X509_V_OK) why += std::string(" (certificate: ") + X509_verify_cert_error_string(verify) + ")";
    disconnect("TLS: " + why);
    return;
  }
  handshaking_ = false;
  if (warned_down_) log(LogLevel::warning, "syslog: %s connected again", config_.url.c_str());
  warned_down_ = false;
  backoff_ = std::chrono::milliseconds(0);
  ++reconnects_;
}

ssize_t RemoteSyslogSink::stream_send(const char* data, std::size_t len) {
  if (!tls_) return ::send(fd_, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
  const int n = SSL_write(tls_->ssl, data, static_cast<int>(std::min<std::size_t>(len, INT32_MAX)));
  if (n > 0) return n;
  const int err = SSL_get_error(tls_->ssl, n);
  errno = (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) ? EAGAIN : EPIPE;
  return -1;
}

ssize_t RemoteSyslogSink::stream_recv(char* buf, std::size_t len) {
  if (!tls_) return ::recv(fd_, buf, len, MSG_DONTWAIT);
  const int n = SSL_read(tls_->ssl, buf, static_cast<int>(len));
  if (n > 0) return n;
  const int err = SSL_get_error(tls_->ssl, n);
  if (err == SSL_ERROR_ZERO_RETURN) return 0;
  errno = (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) ? EAGAIN : ECONNRESET;
  return -1;
}

void RemoteSyslogSink::disconnect(const std::string& why) {
  if (tls_ && tls_->ssl) {
    SSL_free(tls_->ssl);
    tls_->ssl = nullptr;
  }
  handshaking_ = false;
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  connecting_ = false;
  ++disconnects_;
  // The frame cut in the middle goes again whole; the receiver drops the partial one.
  const std::size_t done_end = frames_done_ ? frame_ends_[frames_done_ - 1] : 0;
  out_.erase(0, done_end);
  for (std::size_t i = frames_done_; i < frame_ends_.size(); ++i) frame_ends_[i] -= done_end;
  frame_ends_.erase(frame_ends_.begin(), frame_ends_.begin() + static_cast<long>(frames_done_));
  frames_done_ = 0;
  out_sent_ = 0;
  backoff_ = std::min(config_.backoff_max, std::max(config_.backoff_min, backoff_ * 2));
  next_attempt_ = std::chrono::steady_clock::now() + backoff_;
  if (!warned_down_)
    log(LogLevel::warning, "syslog: %s: %s; reconnecting with backoff (up to %lld ms), records wait", config_.url.c_str(),
        why.c_str(), static_cast<long long>(config_.backoff_max.count()));
  warned_down_ = true;
  set_error(describe() + ": " + why);
}

void RemoteSyslogSink::drain() {
  while (connected() && out_sent_ < out_.size()) {
    const ssize_t n = stream_send(out_.data() + out_sent_, out_.size() - out_sent_);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) break;
      disconnect(std::strerror(errno));
      return;
    }
    out_sent_ += static_cast<std::size_t>(n);
    while (frames_done_ < frame_ends_.size() && frame_ends_[frames_done_] <= out_sent_) {
      const std::size_t start = frames_done_ ? frame_ends_[frames_done_ - 1] : 0;
      counters_.bytes += frame_ends_[frames_done_] - start;
      ++counters_.delivered;
      ++frames_done_;
    }
  }
  if (frames_done_ == frame_ends_.size() && out_sent_ == out_.size()) {
    out_.clear();
    frame_ends_.clear();
    frames_done_ = out_sent_ = 0;
  }
}

void RemoteSyslogSink::pump_spool() {
  if (!spool_ || !connected()) return;
  uint32_t records = 0;
  while (out_.size() - out_sent_ < config_.max_buffered / 2 && spool_->front(spool_key_, spool_value_, records)) {
    append_uint(out_, spool_value_.size());
    out_.push_back(' ');
    out_.append(spool_value_);
    frame_ends_.push_back(out_.size());
    spool_->pop();
    drain();
  }
}

void RemoteSyslogSink::maintain() {
  if (!stream()) return;
  if (fd_ < 0 && std::chrono::steady_clock::now() >= next_attempt_) start_connect();
  if (connecting_) check_connect();
  if (handshaking_) continue_handshake();
  if (connected()) {
    // A receiver that closed shows up as readable with 0 bytes; find out before writing
    // into a dead connection.
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR))) {
      char buf[256];
      const ssize_t n = stream_recv(buf, sizeof(buf));
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
        disconnect(n == 0 ? "receiver closed the connection" : std::strerror(errno));
        return;
      }
    }
    drain();
    pump_spool();
  }
}

void RemoteSyslogSink::write(std::string_view batch, uint32_t count) {
  const bool udp = config_.target.transport == SyslogTarget::Transport::udp;
  if (!udp) maintain();
  message_.clear();
  header(message_);
  const std::size_t header_len = message_.size();
  const uint32_t n = for_each_line(batch, [&](std::string_view line) {
    message_.resize(header_len);
    message_.append(line);
    if (udp) send_udp(message_);
    else queue_tcp(message_);
  });
  if (n < count) counters_.failed += count - n;
  if (!udp) drain();
}

void RemoteSyslogSink::flush() { maintain(); }

void RemoteSyslogSink::finish() {
  if (!stream()) return;
  const auto deadline = std::chrono::steady_clock::now() + config_.finish_timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    maintain();
    const bool idle = frame_ends_.empty() && (!spool_ || spool_->empty());
    if (idle) break;
    pollfd p{fd_, POLLOUT, 0};
    ::poll(&p, fd_ >= 0 ? 1 : 0, 10);
  }
  // Unsent frames in memory: into the spool for the next run, or counted as failed.
  for (std::size_t i = frames_done_; i < frame_ends_.size(); ++i) {
    const std::size_t start = i ? frame_ends_[i - 1] : 0;
    std::string_view frame(out_.data() + start, frame_ends_[i] - start);
    frame.remove_prefix(frame.find(' ') + 1);
    if (!(spool_ && spool_->append({}, frame, 1))) ++counters_.failed;
  }
  out_.clear();
  frame_ends_.clear();
  frames_done_ = out_sent_ = 0;
  if (spool_ && !spool_->empty())
    log(LogLevel::warning, "syslog: %llu records wait in the spool %s for the next run",
        static_cast<unsigned long long>(spool_->pending_records()), spool_->dir().c_str());
  // Closing tells the receiver we are done; rsyslog then writes what it got.
  if (tls_ && tls_->ssl) {
    SSL_shutdown(tls_->ssl);
    SSL_free(tls_->ssl);
    tls_->ssl = nullptr;
  }
  if (fd_ >= 0) {
    ::shutdown(fd_, SHUT_WR);
    ::close(fd_);
    fd_ = -1;
  }
}

std::vector<std::pair<std::string, uint64_t>> RemoteSyslogSink::extra_counters() const {
  std::vector<std::pair<std::string, uint64_t>> v;
  if (!stream()) {
    v = {{"syslog.oversize", oversize_}, {"syslog.send_errors", send_errors_}};
  } else {
    v = {{"syslog.connects", reconnects_}, {"syslog.disconnects", disconnects_},
         {"syslog.buffered", frame_ends_.size() - frames_done_}};
  }
  if (spool_) {
    const SpoolCounters& s = spool_->counters();
    v.insert(v.end(), {{"spool.carried_in", s.carried_in},
                       {"spool.appended", s.appended},
                       {"spool.replayed", s.replayed},
                       {"spool.dropped", s.dropped},
                       {"spool.kept", spool_->pending_records()}});
  }
  return v;
}

bool RemoteSyslogSink::accounts_for(uint64_t encoded) const {
  const uint64_t kept = spool_ ? spool_->pending_records() : 0;
  const uint64_t carried = spool_ ? spool_->counters().carried_in : 0;
  const uint64_t buffered = frame_ends_.size() - frames_done_;
  return counters_.delivered + counters_.failed + kept + buffered == encoded + carried;
}

}  // namespace flowprobe
