#pragma once
// A network namespace of the test's own with a veth pair (fp-tx <-> fp-rx), both ends up,
// IPv6 off so that the kernel's own neighbour and multicast chatter does not become
// flows. Removed (with its links) on destruction. ok() is false where namespaces are not
// permitted (not root, no CAP_SYS_ADMIN, a sandbox without them); why() says why.
#include <string>
#include <vector>

#include "support/run_program.hpp"

namespace flowprobe::test {

class Namespace {
 public:
  explicit Namespace(std::string name) : name_(std::move(name)) {
    sh("ip netns del " + name_ + " 2>/dev/null");
    const ProgramResult r = sh("ip netns add " + name_);
    if (r.exit_code != 0) {
      why_ = "ip netns add: " + r.err;
      return;
    }
    created_ = true;
    const ProgramResult setup =
        sh("ip netns exec " + name_ + " sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 && " +
           ip("link add fp-tx type veth peer name fp-rx") + " && " + ip("link set lo up") + " && " + ip("link set fp-tx up") +
           " && " + ip("link set fp-rx up"));
    if (setup.exit_code != 0) why_ = "veth set-up: " + setup.err;
  }
  ~Namespace() {
    if (created_) sh("ip netns del " + name_);
  }
  Namespace(const Namespace&) = delete;
  Namespace& operator=(const Namespace&) = delete;

  bool ok() const { return created_ && why_.empty(); }
  const std::string& why() const { return why_; }
  const std::string& name() const { return name_; }

  // "ip -n NAME <args>", as a shell command.
  std::string ip(const std::string& args) const { return "ip -n " + name_ + " " + args; }
  // `argv` run inside the namespace (ip netns exec execs it: the pid is the program's).
  std::vector<std::string> exec(std::vector<std::string> argv) const {
    argv.insert(argv.begin(), {"/usr/bin/env", "ip", "netns", "exec", name_});
    return argv;
  }

  static ProgramResult sh(const std::string& command) { return run_program({"/bin/sh", "-c", command}); }

 private:
  std::string name_;
  std::string why_;
  bool created_ = false;
};

}  // namespace flowprobe::test
