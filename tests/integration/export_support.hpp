#pragma once
// Helpers for the export integration tests: real receivers (the mock Kafka broker,
// rsyslogd) run as background processes that the test starts, kills and restarts.
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/run_program.hpp"

extern char** environ;

namespace flowprobe::test {

// A child process with stdout and stderr sent to files; killed (SIGTERM, then SIGKILL)
// if the test forgets to stop it.
class Background {
 public:
  Background() = default;
  Background(const std::vector<std::string>& argv, const std::filesystem::path& out, const std::filesystem::path& err) {
    start(argv, out, err);
  }
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;
  ~Background() { stop(SIGTERM, std::chrono::seconds(20)); }

  void start(const std::vector<std::string>& argv, const std::filesystem::path& out, const std::filesystem::path& err) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    if (posix_spawn(&pid_, args[0], &fa, nullptr, args.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
    status_ = -1;
  }
  bool running() {
    if (pid_ <= 0) return false;
    int st = 0;
    if (waitpid(pid_, &st, WNOHANG) == pid_) {
      status_ = st;
      pid_ = -1;
      return false;
    }
    return true;
  }
  // Sends `sig` and waits up to `patience`, then SIGKILL. Returns the exit code (-1: killed).
  int stop(int sig = SIGTERM, std::chrono::milliseconds patience = std::chrono::seconds(20)) {
    if (pid_ > 0) {
      ::kill(pid_, sig);
      return wait(patience);
    }
    return exit_code();
  }
  // Waits for the child to end by itself, at most `patience` (then SIGKILL).
  int wait(std::chrono::milliseconds patience) {
    const auto deadline = std::chrono::steady_clock::now() + patience;
    while (running() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (running()) {
      ::kill(pid_, SIGKILL);
      int st = 0;
      waitpid(pid_, &st, 0);
      status_ = st;
      pid_ = -1;
    }
    return exit_code();
  }
  int exit_code() const { return status_ >= 0 && WIFEXITED(status_) ? WEXITSTATUS(status_) : -1; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int status_ = -1;
};

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

inline std::vector<std::string> read_lines(const std::filesystem::path& p) {
  std::vector<std::string> out;
  std::ifstream f(p);
  for (std::string line; std::getline(f, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

// Polls `ready` every 20 ms for up to `patience`.
inline bool wait_until(const std::function<bool()>& ready, std::chrono::milliseconds patience) {
  const auto deadline = std::chrono::steady_clock::now() + patience;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return ready();
}

// A loopback port that nothing listens on right now (TCP and UDP).
inline int free_port() {
  for (int attempt = 0; attempt < 50; ++attempt) {
    const int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(a);
    ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(s);
    const int port = ntohs(a.sin_port);
    const int u = ::socket(AF_INET, SOCK_DGRAM, 0);
    const bool udp_free = ::bind(u, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
    ::close(u);
    if (udp_free && port < 60000) return port;
  }
  return 0;
}

// A record's identity: every key and value except TOTAL_FLOWS_EXP ("42"), which numbers
// records in the order the exporter saw them.
inline std::string identity(simdjson::dom::object obj) {
  std::string id;
  for (auto field : obj) {
    if (field.key == "42") continue;
    id.append(field.key);
    id.push_back('=');
    id.append(simdjson::minify(field.value));
    id.push_back(';');
  }
  return id;
}

// Each line a JSON record (rsyslog keeps the space after an RFC 3164 tag in a syslog
// message: leading spaces aside); the identities of all, with repeats.
inline std::multiset<std::string> record_identities(const std::vector<std::string>& lines) {
  simdjson::dom::parser parser;
  std::multiset<std::string> out;
  for (std::string line : lines) {
    line.erase(0, line.find_first_not_of(' '));
    simdjson::dom::object obj;
    const auto err = parser.parse(line).get(obj);
    EXPECT_FALSE(err) << "not a JSON object: " << line.substr(0, 200);
    if (!err) out.insert(identity(obj));
  }
  return out;
}

inline std::filesystem::path mock_broker_binary() {
  return build_root() / "app" / "kafka-mock-broker" / "flowprobe-kafka-mock-broker";
}


// ---------------------------------------------------------------- receivers

inline constexpr const char* kRsyslogd = "/usr/sbin/rsyslogd";

inline bool tcp_listening(int port) {
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  ::close(s);
  return ok;
}

// rsyslogd with its own configuration, pid file and work directory; writes the message
// part of everything it receives, one per line, to `received`.
struct Rsyslog {
  Background proc;
  int udp_port = 0, tcp_port = 0;
  std::filesystem::path dir, received;
  std::filesystem::path unix_socket;  // set before start(): also a local socket, as /dev/log is (imuxsock)

  // With `tls_cert`: the TCP input speaks TLS (rsyslog's ossl driver) with that
  // certificate and key (PEM, key in `tls_cert` + ".key").
  void start(const std::filesystem::path& d, int udp = 0, int tcp = 0, const std::filesystem::path& tls_cert = {}) {
    dir = d;
    received = dir / "received.log";
    udp_port = udp ? udp : free_port();
    tcp_port = tcp ? tcp : free_port();
    std::filesystem::create_directories(dir / "work");
    const std::string tls_global =
        tls_cert.empty() ? "" : " defaultNetstreamDriver=\"ossl\" defaultNetstreamDriverCAFile=\"" + tls_cert.string() +
                                    "\" defaultNetstreamDriverCertFile=\"" + tls_cert.string() +
                                    "\" defaultNetstreamDriverKeyFile=\"" + tls_cert.string() + ".key\"";
    const std::string tcp_module = tls_cert.empty()
                                       ? "module(load=\"imtcp\")\n"
                                       : "module(load=\"imtcp\" streamDriver.name=\"ossl\" streamDriver.mode=\"1\" "
                                         "streamDriver.authMode=\"anon\")\n";
    std::ofstream(dir / "rsyslog.conf") << "global(workDirectory=\"" << (dir / "work").string()
                                        << "\" maxMessageSize=\"64k\"" << tls_global << ")\n"
                                           // Stopped (SIGTERM), it writes every message it has taken
                                           // before exiting, as a receiver that must lose nothing is set up.
                                           "main_queue(queue.timeoutShutdown=\"30000\" queue.timeoutActionCompletion=\"30000\")\n"
                                           "module(load=\"imudp\")\n" << tcp_module <<
                                           "template(name=\"msgonly\" type=\"string\" string=\"%msg%\\n\")\n"
                                           "ruleset(name=\"in\") {\n  action(type=\"omfile\" file=\""
                                        << received.string()
                                        << "\" template=\"msgonly\" flushOnTXEnd=\"on\" asyncWriting=\"off\")\n}\n"
                                           "input(type=\"imudp\" address=\"127.0.0.1\" port=\""
                                        << udp_port << "\" ruleset=\"in\")\n"
                                        << "input(type=\"imtcp\" address=\"127.0.0.1\" port=\"" << tcp_port
                                        << "\" ruleset=\"in\")\n";
    if (!unix_socket.empty())
      std::ofstream(dir / "rsyslog.conf", std::ios::app)
          << "module(load=\"imuxsock\" SysSock.Use=\"off\")\n"
          << "input(type=\"imuxsock\" Socket=\"" << unix_socket.string() << "\" ruleset=\"in\")\n";
    std::filesystem::remove(dir / "rsyslogd.pid");
    proc.start({kRsyslogd, "-n", "-f", (dir / "rsyslog.conf").string(), "-i", (dir / "rsyslogd.pid").string()},
               dir / "rsyslogd.out", dir / "rsyslogd.err");
    ASSERT_TRUE(wait_until([&] { return tcp_listening(tcp_port); }, std::chrono::seconds(10))) << read_file(dir / "rsyslogd.err");
    if (!unix_socket.empty()) {
      ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(unix_socket); }, std::chrono::seconds(10)))
          << read_file(dir / "rsyslogd.err");
    }
  }
  std::vector<std::string> messages(size_t expected) {
    wait_until([&] { return read_lines(received).size() >= expected; }, std::chrono::seconds(10));
    return read_lines(received);
  }
};


// A self-signed certificate for 127.0.0.1 made with the openssl command line.
inline std::filesystem::path make_certificate(const std::filesystem::path& dir, const std::string& name) {
  const std::filesystem::path cert = dir / (name + ".pem");
  const ProgramResult r = run_program({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                                       cert.string() + ".key", "-out", cert.string(), "-days", "2", "-subj",
                                       "/CN=flowprobe-test", "-addext", "subjectAltName=IP:127.0.0.1"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return cert;
}

struct Broker {
  Background proc;
  std::string bootstrap;
  int port = 0;
};

// Starts the mock broker on `port` (0: a free one) and waits for it to listen.
inline void start_broker(Broker& b, const std::filesystem::path& dir, const std::string& tag, int port,
                  const std::vector<std::string>& extra = {}) {
  b.port = port ? port : free_port();
  std::vector<std::string> argv{mock_broker_binary().string(), "--port", std::to_string(b.port), "--topic", "flows:16"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  const std::filesystem::path out = dir / ("broker-" + tag + ".out");
  b.proc.start(argv, out, dir / ("broker-" + tag + ".err"));
  ASSERT_TRUE(wait_until([&] { return read_file(out).find("bootstrap ") != std::string::npos; }, std::chrono::seconds(10)))
      << read_file(dir / ("broker-" + tag + ".err"));
  b.bootstrap = "127.0.0.1:" + std::to_string(b.port);
}

}  // namespace flowprobe::test
