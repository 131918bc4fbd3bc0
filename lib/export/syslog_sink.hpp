#pragma once
// Flow records as syslog messages, one JSON object per message.
//
// LocalSyslogSink is nProbe's --json-to-syslog: what syslog(3) sends (an ident, the pid,
// a facility, severity info) to the local daemon's socket. RemoteSyslogSink speaks to a receiver itself: UDP (one
// datagram per message, RFC 5426) or TCP with RFC 6587 octet counting, headers in RFC
// 3164 or RFC 5424 form. A TCP receiver that goes away is reconnected with exponential
// backoff; meanwhile records wait in memory (bounded) and then in the spool.
#include <sys/types.h>

#include <chrono>
#include <deque>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "export/sink.hpp"
#include "export/spool.hpp"

namespace flowprobe {

enum class SyslogFormat { rfc3164, rfc5424 };

// "daemon", "local0".."local7", "user"… → the LOG_* facility value. False if unknown.
bool parse_syslog_facility(std::string_view name, int& facility);
bool parse_syslog_format(std::string_view name, SyslogFormat& out);

// Speaks to the local syslog daemon's socket itself (as syslog(3) would, RFC 3164
// header without a host name) so that a daemon that is absent or gone is seen: records
// it cannot take are counted as failed, never reported delivered. A daemon that comes
// back (its socket re-created) is reconnected within a second.
class LocalSyslogSink final : public Sink {
 public:
  // Connects to `socket_path` now; one that does not answer is a warning, said once.
  LocalSyslogSink(std::string ident, int facility, std::string socket_path = "/dev/log");
  ~LocalSyslogSink() override;
  LocalSyslogSink(const LocalSyslogSink&) = delete;
  LocalSyslogSink& operator=(const LocalSyslogSink&) = delete;
  void write(std::string_view batch, uint32_t count) override;
  void flush() override {}
  SinkCounters counters() const override { return counters_; }
  std::string describe() const override { return "local syslog " + path_ + " (ident " + ident_ + ")"; }
  std::string last_error() const override { return error_; }
  std::vector<std::pair<std::string, uint64_t>> extra_counters() const override {
    return {{"syslog.connects", connects_}, {"syslog.send_errors", send_errors_}};
  }
  bool connected() const { return fd_ >= 0; }

 private:
  bool connect_socket();
  bool send_one(std::string_view message);
  void down(const char* what, int err);

  std::string ident_;
  int facility_;
  std::string path_;
  std::string pid_;
  int fd_ = -1;
  int type_ = 0;  // SOCK_DGRAM, or SOCK_STREAM for a daemon that listens so
  std::chrono::steady_clock::time_point next_attempt_{};
  bool warned_ = false;
  SinkCounters counters_;
  std::string error_;
  std::string message_;
  uint64_t connects_ = 0, send_errors_ = 0;
};

struct SyslogTarget {
  enum class Transport { udp, tcp, tls } transport = Transport::udp;
  std::string host;
  std::string port;
};
// "udp://host:port", "tcp://host:port", "tcp://[v6]:port" (port defaults to 514),
// "tls://host:port" (RFC 5425; port defaults to 6514).
bool parse_syslog_url(std::string_view url, SyslogTarget& out, std::string& error);

struct RemoteSyslogConfig {
  std::string url;  // as given, for messages
  SyslogTarget target;
  SyslogFormat format = SyslogFormat::rfc5424;
  int facility = 3 << 3;                 // LOG_DAEMON
  std::string app_name = "flowprobe";
  std::string hostname;                  // empty: gethostname()
  std::size_t max_udp = 8192;            // larger UDP messages are counted and not sent
  std::size_t max_buffered = 4u << 20;   // TCP bytes held in memory before the spool
  std::chrono::milliseconds backoff_min{100};
  std::chrono::milliseconds backoff_max{30000};
  std::chrono::milliseconds finish_timeout{10000};
  // tls://: the receiver's certificate is checked against these CAs (empty: the system's)
  // and its name against the URL's host, unless tls_verify is off.
  std::string tls_ca_file;
  bool tls_verify = true;
  // tls://: the client certificate (PEM chain) and its unencrypted private key, for
  // receivers that authenticate senders (rsyslog's x509/certvalid); empty: none.
  std::string tls_cert_file;
  std::string tls_key_file;
};

struct TlsSession;  // OpenSSL context and connection (syslog_sink.cpp)

class RemoteSyslogSink final : public Sink {
 public:
  // Resolves the receiver (an unresolvable name is a configuration error) and, for TCP,
  // tries to connect: a receiver that refuses is merely down (a warning; records wait).
  static std::unique_ptr<RemoteSyslogSink> create(const RemoteSyslogConfig& config, std::unique_ptr<Spool> spool,
                                                   std::string& error);
  ~RemoteSyslogSink() override;
  RemoteSyslogSink(const RemoteSyslogSink&) = delete;
  RemoteSyslogSink& operator=(const RemoteSyslogSink&) = delete;

  void write(std::string_view batch, uint32_t count) override;
  void flush() override;
  void finish() override;
  SinkCounters counters() const override { return counters_; }
  std::string describe() const override { return "syslog " + config_.url; }
  std::string last_error() const override { return error_; }
  std::vector<std::pair<std::string, uint64_t>> extra_counters() const override;
  bool accounts_for(uint64_t encoded) const override;

  bool connected() const { return fd_ >= 0 && !connecting_ && !handshaking_; }

 private:
  struct Frame {
    std::size_t end;  // offset in out_ just past this frame
  };
  explicit RemoteSyslogSink(RemoteSyslogConfig config, std::unique_ptr<Spool> spool);
  bool resolve(std::string& error);
  void header(std::string& out);
  void send_udp(std::string_view message);
  void queue_tcp(std::string_view message);
  void start_connect();
  void check_connect();
  void continue_handshake();
  bool stream() const { return config_.target.transport != SyslogTarget::Transport::udp; }
  // Writes/reads through TLS when the transport is tls://. <0 with errno EAGAIN: try later.
  ssize_t stream_send(const char* data, std::size_t len);
  ssize_t stream_recv(char* buf, std::size_t len);
  void drain();
  // `orderly`: the receiver closed after reading all (FIN); otherwise (reset, error) the
  // frames it may have acknowledged without reading are sent again.
  void disconnect(const std::string& why, bool orderly = false);
  std::size_t unread_estimate() const;
  void resend_unread();
  void forget_read();
  void pump_spool();
  void maintain();
  void set_error(std::string text);

  RemoteSyslogConfig config_;
  std::unique_ptr<Spool> spool_;
  SinkCounters counters_;
  std::string error_;
  int fd_ = -1;
  bool connecting_ = false;
  bool handshaking_ = false;
  std::unique_ptr<TlsSession> tls_;
  int family_ = 0;
  std::string addr_;  // sockaddr bytes
  std::string pid_;
  std::string message_;      // one message being built
  std::string out_;          // TCP: framed messages not yet written to the socket
  std::size_t out_sent_ = 0;
  std::vector<std::size_t> frame_ends_;  // end offsets in out_, oldest first
  std::vector<uint64_t> frame_tickets_;  // each frame's spool ticket (0: not from the spool)
  std::size_t frames_done_ = 0;          // frames of frame_ends_ acknowledged by the receiver's TCP
  // Delivered means acknowledged by the receiver's TCP, not merely written: what sits in
  // our socket's send queue when the receiver goes away is sent again on the next
  // connection. Each write leaves a mark (end of the plaintext written, bytes on the wire
  // so far); SIOCOUTQ says how much of the wire is not yet acknowledged.
  struct WireMark {
    std::size_t plain_end;
    uint64_t wire_end;
  };
  std::deque<WireMark> marks_;
  uint64_t wire_written_ = 0;  // bytes written to this connection's socket
  uint32_t peer_window_max_ = 0, peer_window_last_ = 0;  // the receiver's advertised window (TCP_INFO)
  uint64_t resent_unread_ = 0;  // frames sent again because the receiver may not have read them
  void settle_acknowledged();
  std::chrono::steady_clock::time_point next_attempt_{};
  std::chrono::milliseconds backoff_{0};
  std::string spool_key_, spool_value_;
  uint64_t oversize_ = 0, reconnects_ = 0, disconnects_ = 0, send_errors_ = 0;
  bool warned_down_ = false;
};

}  // namespace flowprobe
