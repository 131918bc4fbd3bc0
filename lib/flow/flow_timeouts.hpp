#pragma once
// Timeout classes: flows of some IP protocols or TCP/UDP ports get their own idle and
// lifetime timeouts (Zeek's per-port inactivity timeouts, YAF's timeouts for what it
// logs). A flow's class is chosen once, when it is created, by a table lookup built at
// start; the packet path only reads the class's two timeouts.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace flowprobe {

// One selector and what it sets. proto kOtherProtocols stands for every IP protocol but
// TCP, UDP, ICMP and ICMPv6 (the flows the OsecT sensor's YAF logs); port < 0 for any.
// A timeout of 0 leaves it to the less specific rules (port, then protocol, then
// "other", then the table's -d/-t).
struct FlowTimeoutRule {
  static constexpr int kOtherProtocols = 256;
  int proto = 0;
  int port = -1;
  uint64_t idle_ns = 0;
  uint64_t active_ns = 0;
};

// Parses "SELECTOR=SECONDS" as --idle-timeout-for / --lifetime-timeout-for take it, and
// adds one rule per protocol and port it names (`lifetime` says which timeout is set).
// SELECTOR: tcp | udp | icmp (ICMP and ICMPv6) | icmpv6 | other | 0-255 (an IP protocol
// number), optionally /PORT[,PORT...] for tcp and udp. False with `error` set when it
// does not parse; SECONDS is 1 to 31,536,000.
bool parse_flow_timeout_rule(std::string_view text, bool lifetime, std::vector<FlowTimeoutRule>& rules,
                             std::string& error);

// The rules resolved into classes: class 0 holds the table's -d/-t, the others each a
// distinct (idle, lifetime) pair some rule gives. Lookup at flow creation: the
// protocol's class, or, for a protocol with port rules, the class of a port rule either
// of the flow's ports matches.
class FlowTimeoutClasses {
 public:
  static constexpr int kMaxClasses = 16;
  static constexpr int kMaxPortRules = 64;
  struct Timeouts {
    uint64_t idle_ns;
    uint64_t active_ns;
  };

  FlowTimeoutClasses(uint64_t idle_ns, uint64_t active_ns, const std::vector<FlowTimeoutRule>& rules);

  // Empty when the rules fit; otherwise why not (too many classes or port rules).
  const std::string& error() const noexcept { return error_; }

  uint8_t class_of(uint8_t proto, uint16_t port_a, uint16_t port_b) const noexcept {
    const uint8_t c = by_proto_[proto];
    if (!(c & kHasPorts)) [[likely]]
      return c;
    for (int i = 0; i < nports_; ++i)
      if (ports_[i].proto == proto && (ports_[i].port == port_a || ports_[i].port == port_b)) return ports_[i].cls;
    return c & ~kHasPorts;
  }
  int count() const noexcept { return nclasses_; }
  const Timeouts& operator[](int cls) const noexcept { return classes_[cls]; }
  uint64_t min_idle_ns() const noexcept;
  uint64_t max_idle_ns() const noexcept;

 private:
  static constexpr uint8_t kHasPorts = 0x80;
  struct PortRule {
    uint8_t proto;
    uint8_t cls;
    uint16_t port;
  };
  uint8_t add_class(Timeouts t);

  std::array<Timeouts, kMaxClasses> classes_{};
  int nclasses_ = 0;
  std::array<uint8_t, 256> by_proto_{};
  std::array<PortRule, kMaxPortRules> ports_{};
  int nports_ = 0;
  std::string error_;
};

}  // namespace flowprobe
