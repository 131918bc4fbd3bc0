#include "ops/reachability.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <net/if.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace flowprobe::ops {

namespace {

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

struct AddrList {
  addrinfo* list = nullptr;
  ~AddrList() {
    if (list) ::freeaddrinfo(list);
  }
};

std::string endpoint(const std::string& host, const std::string& port) {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + port;
}

bool resolve(const std::string& host, const std::string& port, int socktype, AddrList& out, Verdict& v) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = socktype;
  const int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &out.list);
  if (rc != 0) {
    v = {false, endpoint(host, port) + ": cannot resolve '" + host + "': " + ::gai_strerror(rc)};
    return false;
  }
  return true;
}

int remaining_ms(std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

// The first line of a sysfs attribute; "" when it cannot be read (the kernel refuses
// carrier and speed with EINVAL while the interface is down).
std::string sysfs_attribute(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::string s;
  if (!in || !std::getline(in, s)) return "";
  return s;
}

}  // namespace

Verdict check_interface_link(const std::string& iface) {
  namespace fs = std::filesystem;
  const fs::path sys = fs::path("/sys/class/net") / iface;
  const std::string name = "Linux interface '" + iface + "'";
  std::error_code ec;
  if (iface.empty() || iface.find('/') != std::string::npos || !fs::exists(sys, ec))
    return {false, name + " does not exist (ip -br link lists them)"};
  const unsigned long flags = std::strtoul(sysfs_attribute(sys / "flags").c_str(), nullptr, 16);
  const std::string operstate = sysfs_attribute(sys / "operstate");
  if ((flags & IFF_UP) == 0)
    return {false, name + " is administratively down (operstate " + operstate + "): ip link set " + iface + " up"};
  const std::string carrier = sysfs_attribute(sys / "carrier");
  if (carrier != "1")
    return {false, name + " is up but has no carrier (operstate " + operstate +
                       "): no link partner; is the cable, the mirror session or the tap there?"};
  std::string detail = name + " (af_packet): carrier on, operstate " + operstate;
  // "unknown" is what drivers without link reporting (dummy, tun, some virtual NICs) say.
  if (operstate == "unknown") detail += " (the driver does not report it)";
  const long speed = std::strtol(sysfs_attribute(sys / "speed").c_str(), nullptr, 10);
  const std::string duplex = sysfs_attribute(sys / "duplex");
  if (speed > 0)
    detail += ", " + std::to_string(speed) + " Mb/s" + (duplex.empty() || duplex == "unknown" ? "" : " " + duplex + " duplex");
  else
    detail += ", speed not reported by the driver";
  return {true, detail};
}

Verdict check_tcp(const std::string& host, const std::string& port, std::chrono::milliseconds timeout) {
  Verdict v;
  AddrList addrs;
  if (!resolve(host, port, SOCK_STREAM, addrs, v)) return v;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string why = "no address";
  for (addrinfo* a = addrs.list; a != nullptr; a = a->ai_next) {
    Fd s{::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol)};
    if (s.fd < 0) {
      why = std::strerror(errno);
      continue;
    }
    int rc = ::connect(s.fd, a->ai_addr, a->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd p{s.fd, POLLOUT, 0};
      rc = ::poll(&p, 1, remaining_ms(deadline));
      if (rc == 0) {
        why = "no answer within " + std::to_string(timeout.count()) + " ms (filtered, or the host is down)";
        continue;
      }
      int err = 0;
      socklen_t len = sizeof(err);
      ::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) {
        why = std::strerror(err);
        continue;
      }
      rc = 0;
    }
    if (rc == 0) return {true, "tcp://" + endpoint(host, port) + ": connected"};
    why = std::strerror(errno);
  }
  return {false, "tcp://" + endpoint(host, port) + ": cannot connect: " + why};
}

Verdict check_udp(const std::string& host, const std::string& port, std::chrono::milliseconds timeout) {
  Verdict v;
  AddrList addrs;
  if (!resolve(host, port, SOCK_DGRAM, addrs, v)) return v;
  const addrinfo* a = addrs.list;
  const std::string where = "udp://" + endpoint(host, port);
  Fd s{::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol)};
  if (s.fd < 0) return {false, where + ": socket: " + std::strerror(errno)};
  if (::connect(s.fd, a->ai_addr, a->ai_addrlen) != 0) return {false, where + ": " + std::strerror(errno)};
  // An empty datagram: a syslog receiver has nothing to log, an unreachable port answers
  // with ICMP, which the kernel reports on this connected socket.
  if (::send(s.fd, "", 0, 0) < 0) return {false, where + ": send: " + std::strerror(errno)};
  pollfd p{s.fd, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) > 0) {
    char byte;
    if (::recv(s.fd, &byte, 1, MSG_DONTWAIT) < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
      return {false, where + ": " + std::strerror(errno) + " (ICMP unreachable: nothing listens there)"};
  }
  return {true, where + ": no ICMP unreachable within " + std::to_string(timeout.count()) +
                    " ms; UDP has no handshake, so this cannot prove a receiver is listening (a firewall may drop "
                    "both the datagrams and the ICMP)"};
}

Verdict check_local_syslog(const std::string& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return {false, path + ": " + std::string(std::strerror(errno)) + " (no local syslog daemon?)"};
  if (!S_ISSOCK(st.st_mode)) return {false, path + " is not a socket"};
  Fd s{::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  std::strncpy(un.sun_path, path.c_str(), sizeof(un.sun_path) - 1);
  // A datagram socket whose daemon is gone refuses the connect.
  if (s.fd >= 0 && ::connect(s.fd, reinterpret_cast<const sockaddr*>(&un), sizeof(un)) != 0)
    return {false, path + ": " + std::string(std::strerror(errno))};
  return {true, path + " accepts messages"};
}

Verdict check_writable_dir(const std::string& dir, bool create) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    if (!create) return {false, dir + ": does not exist"};
    // The sinks create their directory; the nearest existing parent must allow it.
    fs::path p = fs::absolute(dir, ec);
    while (!p.empty() && !fs::exists(p, ec) && p != p.parent_path()) p = p.parent_path();
    Verdict parent = check_writable_dir(p.string(), false);
    if (!parent.ok) return {false, dir + ": does not exist and cannot be created: " + parent.detail};
    return {true, dir + ": does not exist yet; " + p.string() + " allows creating it"};
  }
  if (!fs::is_directory(dir, ec)) return {false, dir + ": not a directory"};
  // Creating a file is the only honest test (root passes access(2) on a read-only mount).
  std::string tmpl = (fs::path(dir) / ".flowprobe-check-XXXXXX").string();
  const int fd = ::mkstemp(tmpl.data());
  if (fd < 0) return {false, dir + ": cannot create a file: " + std::strerror(errno)};
  ::close(fd);
  ::unlink(tmpl.c_str());
  return {true, dir + ": writable"};
}

Verdict check_writable_file(const std::string& file) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path p = fs::absolute(file, ec);
  if (fs::exists(p, ec)) {
    if (fs::is_directory(p, ec)) return {false, file + ": is a directory"};
    const int fd = ::open(p.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0) return {false, file + ": cannot open for writing: " + std::strerror(errno)};
    ::close(fd);
    return {true, file + ": exists and is writable"};
  }
  Verdict d = check_writable_dir(p.parent_path().string(), false);
  d.detail = file + ": " + (d.ok ? "can be created (" + d.detail + ")" : d.detail);
  return d;
}

}  // namespace flowprobe::ops
