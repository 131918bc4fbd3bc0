#pragma once
// Running with --user NAME: root only for what needs it. The probe reads and writes
// everything as NAME (acting as NAME: effective ids and groups; files it creates are
// NAME's), returns to root to open the port (EAL, af_packet socket, promiscuous mode),
// and then drops root for good: groups, gid and uid (real, effective, saved) in every
// thread, which makes the kernel clear every capability; no_new_privs, set before any
// thread started, keeps any exec from bringing one back. As tcpdump -Z does, after
// opening its capture device.
#include <sys/types.h>

#include <string>
#include <vector>

namespace flowprobe::ops {

struct UserIdentity {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // the user's supplementary groups (initgroups' list)
};

// no_new_privs for the process: no exec can ever gain a privilege. It is per thread and
// inherited, so call it before any thread starts (librdkafka's, DPDK's, statistics).
bool forbid_new_privileges(std::string& error);

// Looks a user up by name (or numeric uid). False with `error` naming --user.
bool lookup_user(const std::string& name, UserIdentity& out, std::string& error);

// While alive, the process acts as `who` (setgroups, setegid, seteuid; the real and
// saved ids stay root). The destructor returns to root. ok() false with error() when a
// switch failed (the process is then unchanged).
class ActingAs {
 public:
  explicit ActingAs(const UserIdentity& who);
  ~ActingAs();
  ActingAs(const ActingAs&) = delete;
  ActingAs& operator=(const ActingAs&) = delete;
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

 private:
  std::vector<gid_t> root_groups_;
  bool switched_ = false;
  std::string error_;
};

// Drops root for good (see above) and checks that it cannot be regained. False with
// `error` when any step failed: the caller must stop rather than run half-privileged.
bool drop_privileges(const UserIdentity& who, std::string& error);

// "uid 65534 gid 65534 groups 65534, capabilities none, no_new_privs 1": what the kernel
// says of this process (/proc/self/status), for the log.
std::string describe_credentials();

}  // namespace flowprobe::ops
