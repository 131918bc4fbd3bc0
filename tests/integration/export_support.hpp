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

#include <simdjson.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
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

inline std::filesystem::path mock_broker_binary() {
  return build_root() / "app" / "kafka-mock-broker" / "flowprobe-kafka-mock-broker";
}

}  // namespace flowprobe::test
