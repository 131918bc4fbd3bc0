#include "support/run_program.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <regex>
#include <sstream>

namespace flowprobe::test {

namespace fs = std::filesystem;

ProgramResult run_program(const std::vector<std::string>& argv) {
  ProgramResult r;
  int out_pipe[2], err_pipe[2];
  if (pipe(out_pipe) != 0 || pipe(err_pipe) != 0) return r;
  const pid_t pid = fork();
  if (pid == 0) {
    const int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    close(out_pipe[0]);
    close(err_pipe[0]);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    std::fprintf(stderr, "exec %s: %s\n", args[0], std::strerror(errno));
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&r.out, &r.err};
  int open_fds = 2;
  char buf[65536];
  while (open_fds > 0) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t n = read(fds[i].fd, buf, sizeof(buf));
      if (n > 0) {
        sinks[i]->append(buf, static_cast<size_t>(n));
      } else {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  return r;
}

static fs::path env_path(const char* name, const fs::path& fallback) {
  const char* v = std::getenv(name);
  return v ? fs::path(v) : fallback;
}

fs::path source_root() { return env_path("FLOWPROBE_SOURCE_ROOT", fs::current_path()); }
fs::path build_root() { return env_path("FLOWPROBE_BUILD_ROOT", fs::current_path()); }
fs::path flowprobe_binary() { return build_root() / "app" / "flowprobe" / "flowprobe"; }
fs::path pcapgen_binary() { return build_root() / "app" / "pcapgen" / "flowprobe-pcapgen"; }

fs::path shared_dir() {
  const fs::path p = env_path("FLOWPROBE_SHARED", source_root() / ".." / "shared");
  std::error_code ec;
  return fs::is_directory(p, ec) ? fs::canonical(p, ec) : fs::path();
}

fs::path scratch_dir(const std::string& name) {
  const fs::path d = build_root() / "test-scratch" / name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

long long summary_value(const std::string& summary, const std::string& name) {
  std::istringstream in(summary);
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string key, value;
    if (words >> key >> value && key == name) {
      try {
        return std::stoll(value);
      } catch (...) {
        return -1;
      }
    }
  }
  return -1;
}

}  // namespace flowprobe::test
