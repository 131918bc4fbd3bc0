#include "ops/privileges.hpp"

#include <grp.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace flowprobe::ops {

namespace {
std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }
}  // namespace

bool forbid_new_privileges(std::string& error) {
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0) return true;
  error = errno_text("--user: prctl(PR_SET_NO_NEW_PRIVS)");
  return false;
}

bool lookup_user(const std::string& name, UserIdentity& out, std::string& error) {
  passwd pw{};
  passwd* found = nullptr;
  std::vector<char> buf(16384);
  int rc = ::getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found);
  if (found == nullptr && !name.empty() && name.find_first_not_of("0123456789") == std::string::npos)
    rc = ::getpwuid_r(static_cast<uid_t>(std::stoul(name)), &pw, buf.data(), buf.size(), &found);
  if (found == nullptr) {
    error = "--user '" + name + "': " + (rc != 0 ? std::string(std::strerror(rc)) : "no such user") +
            " (create it: useradd --system --no-create-home --shell /usr/sbin/nologin " + name + ")";
    return false;
  }
  out.name = pw.pw_name;
  out.uid = pw.pw_uid;
  out.gid = pw.pw_gid;
  int n = 64;
  out.groups.assign(static_cast<std::size_t>(n), 0);
  if (::getgrouplist(pw.pw_name, pw.pw_gid, out.groups.data(), &n) < 0) {
    out.groups.assign(static_cast<std::size_t>(n), 0);
    ::getgrouplist(pw.pw_name, pw.pw_gid, out.groups.data(), &n);
  }
  out.groups.resize(static_cast<std::size_t>(n));
  return true;
}

ActingAs::ActingAs(const UserIdentity& who) {
  const int n = ::getgroups(0, nullptr);
  root_groups_.assign(static_cast<std::size_t>(n > 0 ? n : 0), 0);
  if (n > 0) ::getgroups(n, root_groups_.data());
  // glibc applies each of these to every thread of the process.
  if (::setgroups(who.groups.size(), who.groups.data()) != 0) {
    error_ = errno_text("--user: setgroups");
    return;
  }
  if (::setegid(who.gid) != 0) {
    error_ = errno_text("--user: setegid");
    ::setgroups(root_groups_.size(), root_groups_.data());
    return;
  }
  if (::seteuid(who.uid) != 0) {
    error_ = errno_text("--user: seteuid");
    ::setegid(0);
    ::setgroups(root_groups_.size(), root_groups_.data());
    return;
  }
  switched_ = true;
}

ActingAs::~ActingAs() {
  if (!switched_) return;
  // The saved uid is still 0: these cannot fail for a process that started as root.
  [[maybe_unused]] const int a = ::seteuid(0);
  [[maybe_unused]] const int b = ::setegid(0);
  [[maybe_unused]] const int c = ::setgroups(root_groups_.size(), root_groups_.data());
}

bool drop_privileges(const UserIdentity& who, std::string& error) {
  if (::setgroups(who.groups.size(), who.groups.data()) != 0) {
    error = errno_text("--user: setgroups");
    return false;
  }
  if (::setresgid(who.gid, who.gid, who.gid) != 0) {
    error = errno_text("--user: setresgid");
    return false;
  }
  if (::setresuid(who.uid, who.uid, who.uid) != 0) {
    error = errno_text("--user: setresuid");
    return false;
  }
  if (!forbid_new_privileges(error)) return false;  // already set for every thread; this one again is harmless
  // Proof rather than trust: neither id can come back.
  if (who.uid != 0 && (::setuid(0) == 0 || ::seteuid(0) == 0)) {
    error = "--user: root could be regained after dropping it; stopping";
    return false;
  }
  return true;
}

std::string describe_credentials() {
  std::ifstream in("/proc/self/status");
  std::string uid, gid, groups, cap_eff, cap_prm, nnp;
  const auto first = [](const std::string& v) { return v.substr(0, v.find_first_of(" \t")); };
  for (std::string line; std::getline(in, line);) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = line.substr(0, colon);
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    if (key == "Uid") uid = first(value);
    else if (key == "Gid") gid = first(value);
    else if (key == "Groups") groups = value;
    else if (key == "CapEff") cap_eff = value;
    else if (key == "CapPrm") cap_prm = value;
    else if (key == "NoNewPrivs") nnp = value;
  }
  while (!groups.empty() && (groups.back() == ' ' || groups.back() == '\t')) groups.pop_back();
  const bool no_caps = cap_eff.find_first_not_of('0') == std::string::npos &&
                       cap_prm.find_first_not_of('0') == std::string::npos;
  return "uid " + uid + " gid " + gid + " groups " + (groups.empty() ? "none" : groups) + ", capabilities " +
         (no_caps ? "none" : "effective " + cap_eff + " permitted " + cap_prm) + ", no_new_privs " + nnp;
}

}  // namespace flowprobe::ops
