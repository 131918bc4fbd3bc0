#pragma once
// Can the probe reach what it will send to, and write where it will write? Used by
// `flowprobe check`; each answer is a verdict and the reason in words an operator can act on.
#include <chrono>
#include <string>

namespace flowprobe::ops {

struct Verdict {
  bool ok = false;
  std::string detail;
};

// Resolves `host` and connects over TCP, waiting at most `timeout`.
Verdict check_tcp(const std::string& host, const std::string& port, std::chrono::milliseconds timeout);

// UDP has no handshake. This sends one empty datagram on a connected socket and waits
// `timeout` for an ICMP port/host-unreachable (which Linux reports as ECONNREFUSED /
// EHOSTUNREACH on the socket). Silence is "ok" but proves only that nothing refused.
Verdict check_udp(const std::string& host, const std::string& port, std::chrono::milliseconds timeout);

// A Linux interface's link as the kernel reports it in /sys/class/net/IFACE: exists,
// administratively up (IFF_UP), carrier, operstate and speed. ok only with a carrier:
// an af_packet port without one receives nothing.
Verdict check_interface_link(const std::string& iface);

// The local syslog socket --json-to-syslog writes to (/dev/log, or --syslog-socket).
Verdict check_local_syslog(const std::string& socket_path = "/dev/log");

// `dir` exists (or can be created when `create` is set) and a file can be created in it.
Verdict check_writable_dir(const std::string& dir, bool create);

// The directory of `file` is writable, and `file` itself when it exists.
Verdict check_writable_file(const std::string& file);

}  // namespace flowprobe::ops
