#include "export/syslog_sink.hpp"

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <linux/tcp.h>  // tcp_info with the peer's window (tcpi_snd_wnd); glibc's lacks it
#include <linux/sockios.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstddef>
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

// ---------------------------------------------------------------- local syslog socket

LocalSyslogSink::LocalSyslogSink(std::string ident, int facility, std::string socket_path)
    : ident_(std::move(ident)), facility_(facility), path_(std::move(socket_path)), pid_(std::to_string(::getpid())) {
  connect_socket();
}

LocalSyslogSink::~LocalSyslogSink() {
  if (fd_ >= 0) ::close(fd_);
}

void LocalSyslogSink::down(const char* what, int err) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  next_attempt_ = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  const std::string why = path_ + ": " + what + ": " + std::strerror(err);
  if (error_.empty()) error_ = describe() + ": " + why;
  if (!warned_)
    log(LogLevel::warning,
        "--json-to-syslog: %s (no local syslog daemon listening?); records are counted as failed until it answers",
        why.c_str());
  warned_ = true;
}

bool LocalSyslogSink::connect_socket() {
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  if (path_.size() >= sizeof(un.sun_path)) {
    down("connect", ENAMETOOLONG);
    return false;
  }
  std::memcpy(un.sun_path, path_.data(), path_.size());
  // Datagrams as syslog(3) sends them; a daemon listening on a stream socket gets a stream.
  for (const int type : {SOCK_DGRAM, SOCK_STREAM}) {
    fd_ = ::socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
      down("socket", errno);
      return false;
    }
    // A daemon that stops reading must not stall the exporter for long.
    const timeval tv{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&un), sizeof(un)) == 0) {
      type_ = type;
      ++connects_;
      if (warned_) log(LogLevel::warning, "--json-to-syslog: %s answers again", path_.c_str());
      warned_ = false;
      return true;
    }
    const int err = errno;
    ::close(fd_);
    fd_ = -1;
    if (err != EPROTOTYPE) {
      down("connect", err);
      return false;
    }
  }
  down("connect", EPROTOTYPE);
  return false;
}

bool LocalSyslogSink::send_one(std::string_view message) {
  // A stream socket takes syslog(3)'s framing: each message ends with a NUL.
  const std::size_t len = message.size() + (type_ == SOCK_STREAM ? 1 : 0);
  const ssize_t n = ::send(fd_, message.data(), len, MSG_NOSIGNAL);
  return n == static_cast<ssize_t>(len);
}

void LocalSyslogSink::write(std::string_view batch, uint32_t count) {
  if (fd_ < 0 && std::chrono::steady_clock::now() >= next_attempt_) connect_socket();
  // "<PRI>Mmm dd hh:mm:ss ident[pid]: ", local time, as syslog(3) writes it.
  const std::time_t now = std::time(nullptr);
  std::tm t{};
  ::localtime_r(&now, &t);
  std::array<char, 32> stamp{};
  std::strftime(stamp.data(), stamp.size(), "%b %e %H:%M:%S ", &t);
  message_.clear();
  message_.push_back('<');
  append_uint(message_, static_cast<uint64_t>(facility_ | LOG_INFO));
  message_.push_back('>');
  message_.append(stamp.data());
  message_.append(ident_);
  message_.push_back('[');
  message_.append(pid_);
  message_.append("]: ");
  const std::size_t header_len = message_.size();
  const uint32_t n = for_each_line(batch, [&](std::string_view line) {
    message_.resize(header_len);
    message_.append(line);
    if (fd_ >= 0 && !send_one(message_)) {
      const int err = errno;
      ++send_errors_;
      // The daemon restarted (a new socket at the same path): one reconnection, then give up.
      const bool gone = err == ECONNREFUSED || err == ENOTCONN || err == ENOENT || err == EPIPE || err == ECONNRESET;
      if (err == EMSGSIZE) {
        if (error_.empty()) error_ = describe() + ": a record larger than the socket takes was not sent";
      } else {
        down("send", err);
        if (gone && connect_socket() && send_one(message_)) {
          ++counters_.delivered;
          counters_.bytes += line.size();
          return;
        }
      }
      ++counters_.failed;
      return;
    }
    if (fd_ < 0) {
      ++counters_.failed;
      return;
    }
    ++counters_.delivered;
    counters_.bytes += line.size();
  });
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
  const std::size_t acked_end = frames_done_ ? frame_ends_[frames_done_ - 1] : 0;
  const bool room = out_.size() - acked_end < config_.max_buffered;
  if ((spool_ && !spool_->empty()) || !room) {
    if (spool_ && spool_->append({}, message, 1)) return;
    ++counters_.failed;
    set_error(describe() + (spool_ ? ": the spool could not keep records (full, or its disk), records dropped"
                                   : ": receiver down and memory buffer full"));
    return;
  }
  // RFC 6587 octet counting: "LEN SP MSG".
  append_uint(out_, message.size());
  out_.push_back(' ');
  out_.append(message);
  frame_ends_.push_back(out_.size());
  frame_tickets_.push_back(0);
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

void RemoteSyslogSink::disconnect(const std::string& why, bool orderly) {
  if (!orderly) resend_unread();
  peer_window_max_ = peer_window_last_ = 0;  // the next connection's receiver starts afresh
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
  frame_tickets_.erase(frame_tickets_.begin(), frame_tickets_.begin() + static_cast<long>(frames_done_));
  frames_done_ = 0;
  out_sent_ = 0;
  marks_.clear();
  wire_written_ = 0;
  backoff_ = std::min(config_.backoff_max, std::max(config_.backoff_min, backoff_ * 2));
  next_attempt_ = std::chrono::steady_clock::now() + backoff_;
  if (!warned_down_)
    log(LogLevel::warning, "syslog: %s: %s; reconnecting with backoff (up to %lld ms), records wait", config_.url.c_str(),
        why.c_str(), static_cast<long long>(config_.backoff_max.count()));
  warned_down_ = true;
  set_error(describe() + ": " + why);
}

namespace {
constexpr uint8_t kTcpClose = 7;  // TCP_CLOSE (include/net/tcp_states.h)
}  // namespace

void RemoteSyslogSink::settle_acknowledged() {
  if (fd_ < 0) return;
  // A reset connection has dropped its send queue, whose emptiness then proves nothing.
  tcp_info info{};
  socklen_t len = sizeof(info);
  if (::getsockopt(fd_, IPPROTO_TCP, TCP_INFO, &info, &len) != 0 || info.tcpi_state == kTcpClose) return;
  // The receiver's free buffer space, as it advertises it: what it has acknowledged but
  // not yet read is at most its largest window less the current one.
  if (len >= offsetof(tcp_info, tcpi_snd_wnd) + sizeof(info.tcpi_snd_wnd)) {
    peer_window_max_ = std::max(peer_window_max_, info.tcpi_snd_wnd);
    peer_window_last_ = info.tcpi_snd_wnd;
  }
  if (marks_.empty()) return;
  int unacked = 0;
  if (::ioctl(fd_, SIOCOUTQ, &unacked) != 0) return;
  const uint64_t acked_wire = wire_written_ - std::min<uint64_t>(wire_written_, static_cast<uint64_t>(unacked));
  std::size_t acked_plain = 0;
  bool any = false;
  while (!marks_.empty() && marks_.front().wire_end <= acked_wire) {
    acked_plain = marks_.front().plain_end;
    any = true;
    marks_.pop_front();
  }
  if (!any) return;
  while (frames_done_ < frame_ends_.size() && frame_ends_[frames_done_] <= acked_plain) {
    const std::size_t start = frames_done_ ? frame_ends_[frames_done_ - 1] : 0;
    counters_.bytes += frame_ends_[frames_done_] - start;
    ++counters_.delivered;
    // The receiver has it: the spool may forget the frame it came from.
    if (frame_tickets_[frames_done_] != 0) spool_->ack(frame_tickets_[frames_done_]);
    ++frames_done_;
  }
}

std::size_t RemoteSyslogSink::unread_estimate() const {
  // What the receiver has read from its socket but not yet written is invisible to TCP
  // (and to any syslog sender: RFC 6587 and 5425 have no acknowledgement of their own).
  return peer_window_max_ > peer_window_last_ ? peer_window_max_ - peer_window_last_ : 0;
}

void RemoteSyslogSink::resend_unread() {
  // A receiver that goes away with bytes its TCP acknowledged but it never read (rsyslog
  // stopped while catching up) loses them, and syslog has no acknowledgement of its own:
  // the frames that may be among them are sent again (at least once).
  if (frames_done_ == 0) return;
  const std::size_t acked_end = frame_ends_[frames_done_ - 1];
  const std::size_t unread = unread_estimate();
  // The first acknowledged frame that ends within `unread` bytes of the acknowledged end.
  const auto done = frame_ends_.begin() + static_cast<long>(frames_done_);
  const std::size_t j = unread == 0 ? frames_done_
                                    : static_cast<std::size_t>(std::upper_bound(frame_ends_.begin(), done,
                                                                                acked_end - std::min(unread, acked_end)) -
                                                               frame_ends_.begin());
  for (std::size_t i = j; i < frames_done_; ++i) {
    const std::size_t start = i ? frame_ends_[i - 1] : 0;
    counters_.bytes -= frame_ends_[i] - start;
    --counters_.delivered;
    ++resent_unread_;
  }
  frames_done_ = j;
}

void RemoteSyslogSink::forget_read() {
  // Acknowledged frames are kept while the receiver may not have read them (above); the
  // rest are forgotten in bulk, so out_ stays small on a steady stream.
  if (frames_done_ == 0) return;
  const std::size_t acked_end = frame_ends_[frames_done_ - 1];
  const std::size_t unread = unread_estimate();
  const auto done = frame_ends_.begin() + static_cast<long>(frames_done_);
  const std::size_t k =
      unread >= acked_end ? 0
                          : static_cast<std::size_t>(std::upper_bound(frame_ends_.begin(), done, acked_end - unread) -
                                                     frame_ends_.begin());
  if (k == 0 || (k < 4096 && k < frame_ends_.size())) return;
  const std::size_t done_end = frame_ends_[k - 1];
  out_.erase(0, done_end);
  for (std::size_t i = k; i < frame_ends_.size(); ++i) frame_ends_[i] -= done_end;
  frame_ends_.erase(frame_ends_.begin(), frame_ends_.begin() + static_cast<long>(k));
  frame_tickets_.erase(frame_tickets_.begin(), frame_tickets_.begin() + static_cast<long>(k));
  for (WireMark& m : marks_) m.plain_end -= done_end;  // all past the acknowledged end
  frames_done_ -= k;
  out_sent_ -= done_end;
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
    wire_written_ = tls_ ? BIO_number_written(SSL_get_wbio(tls_->ssl)) : wire_written_ + static_cast<uint64_t>(n);
    marks_.push_back({out_sent_, wire_written_});
  }
  settle_acknowledged();
  forget_read();
}

void RemoteSyslogSink::pump_spool() {
  if (!spool_ || !connected()) return;
  uint32_t records = 0;
  while (out_.size() - (frames_done_ ? frame_ends_[frames_done_ - 1] : 0) < config_.max_buffered / 2 &&
         spool_->front(spool_key_, spool_value_, records)) {
    append_uint(out_, spool_value_.size());
    out_.push_back(' ');
    out_.append(spool_value_);
    frame_ends_.push_back(out_.size());
    frame_tickets_.push_back(spool_->pop());  // acknowledged once sent, so a crash before sends it again
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
        // Closed in order (FIN): the send queue still says what the receiver took, so
        // that is not sent again. Reset: the queue is gone, and all not known to have
        // arrived goes again.
        if (n == 0) settle_acknowledged();
        disconnect(n == 0 ? "receiver closed the connection" : std::strerror(errno), n == 0);
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
    // All acknowledged (what is kept in case the receiver has not read it yet is read
    // once the connection closes in order, below).
    const bool idle = frames_done_ == frame_ends_.size() && (!spool_ || spool_->empty());
    if (idle) break;
    // Writable: wait for room; all written: wait a moment for the receiver's acknowledgement.
    pollfd p{fd_, POLLOUT, 0};
    const bool writing = fd_ >= 0 && out_sent_ < out_.size();
    ::poll(&p, writing ? 1 : 0, writing ? 10 : 1);
  }
  // Frames in memory not acknowledged: into the spool for the next run (sent again, at
  // least once), or counted as failed.
  for (std::size_t i = frames_done_; i < frame_ends_.size(); ++i) {
    const std::size_t start = i ? frame_ends_[i - 1] : 0;
    std::string_view frame(out_.data() + start, frame_ends_[i] - start);
    frame.remove_prefix(frame.find(' ') + 1);
    if (!(spool_ && spool_->append({}, frame, 1))) ++counters_.failed;
    if (frame_tickets_[i] != 0) spool_->ack(frame_tickets_[i]);  // appended anew (or counted)
  }
  out_.clear();
  frame_ends_.clear();
  frame_tickets_.clear();
  marks_.clear();
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
         {"syslog.buffered", frame_ends_.size() - frames_done_}, {"syslog.resent_unread", resent_unread_}};
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
