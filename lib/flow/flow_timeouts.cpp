#include "flow/flow_timeouts.hpp"

#include <algorithm>
#include <charconv>

namespace flowprobe {

namespace {
constexpr uint64_t kNs = 1'000'000'000ull;

bool to_number(std::string_view s, uint64_t max, uint64_t& out) {
  if (s.empty()) return false;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && p == s.data() + s.size() && out <= max;
}

bool is_conn_proto(int p) { return p == 1 || p == 6 || p == 17 || p == 58; }
}  // namespace

bool parse_flow_timeout_rule(std::string_view text, bool lifetime, std::vector<FlowTimeoutRule>& rules,
                             std::string& error) {
  const std::string what(text);
  const auto eq = text.rfind('=');
  if (eq == std::string_view::npos) {
    error = "'" + what + "': expected SELECTOR=SECONDS (e.g. tcp/22=60, other=300)";
    return false;
  }
  uint64_t seconds = 0;
  if (!to_number(text.substr(eq + 1), 31'536'000, seconds) || seconds == 0) {
    error = "'" + what + "': SECONDS must be 1 to 31536000";
    return false;
  }
  std::string_view sel = text.substr(0, eq);
  std::string_view ports;
  if (const auto slash = sel.find('/'); slash != std::string_view::npos) {
    ports = sel.substr(slash + 1);
    sel = sel.substr(0, slash);
    if (ports.empty()) {
      error = "'" + what + "': no port after '/'";
      return false;
    }
  }
  std::vector<int> protos;
  if (sel == "tcp") protos = {6};
  else if (sel == "udp") protos = {17};
  else if (sel == "icmp") protos = {1, 58};
  else if (sel == "icmpv6") protos = {58};
  else if (sel == "other") protos = {FlowTimeoutRule::kOtherProtocols};
  else if (uint64_t n = 0; to_number(sel, 255, n)) protos = {static_cast<int>(n)};
  else {
    error = "'" + what + "': the selector is tcp, udp, icmp, icmpv6, other or an IP protocol number 0-255, "
            "optionally /PORT[,PORT...] for tcp and udp";
    return false;
  }
  std::vector<int> port_list;
  if (!ports.empty()) {
    if (protos.size() != 1 || (protos[0] != 6 && protos[0] != 17)) {
      error = "'" + what + "': ports can be given for tcp and udp only";
      return false;
    }
    while (!ports.empty()) {
      const auto comma = ports.find(',');
      uint64_t port = 0;
      if (!to_number(ports.substr(0, comma), 65535, port)) {
        error = "'" + what + "': a port is 0 to 65535";
        return false;
      }
      port_list.push_back(static_cast<int>(port));
      ports = comma == std::string_view::npos ? std::string_view{} : ports.substr(comma + 1);
    }
  } else {
    port_list.push_back(-1);
  }
  for (int p : protos)
    for (int port : port_list) {
      FlowTimeoutRule r;
      r.proto = p;
      r.port = port;
      (lifetime ? r.active_ns : r.idle_ns) = seconds * kNs;
      rules.push_back(r);
    }
  return true;
}

uint8_t FlowTimeoutClasses::add_class(Timeouts t) {
  for (int i = 0; i < nclasses_; ++i)
    if (classes_[i].idle_ns == t.idle_ns && classes_[i].active_ns == t.active_ns) return static_cast<uint8_t>(i);
  if (nclasses_ == kMaxClasses) {
    if (error_.empty())
      error_ = "more than " + std::to_string(kMaxClasses) + " distinct idle/lifetime timeout pairs";
    return 0;
  }
  classes_[nclasses_] = t;
  return static_cast<uint8_t>(nclasses_++);
}

FlowTimeoutClasses::FlowTimeoutClasses(uint64_t idle_ns, uint64_t active_ns,
                                       const std::vector<FlowTimeoutRule>& rules) {
  add_class({idle_ns, active_ns});
  // Later rules win over earlier ones for the same selector (a command line after a profile).
  auto find = [&](int proto, int port, bool lifetime) -> uint64_t {
    uint64_t v = 0;
    for (const FlowTimeoutRule& r : rules)
      if (r.proto == proto && r.port == port && (lifetime ? r.active_ns : r.idle_ns) != 0)
        v = lifetime ? r.active_ns : r.idle_ns;
    return v;
  };
  auto resolve = [&](int proto, int port) {
    Timeouts t{idle_ns, active_ns};
    uint64_t* const field[2] = {&t.idle_ns, &t.active_ns};
    for (int lifetime = 0; lifetime < 2; ++lifetime) {
      uint64_t v = port >= 0 ? find(proto, port, lifetime) : 0;
      if (v == 0) v = find(proto, -1, lifetime);
      if (v == 0 && !is_conn_proto(proto)) v = find(FlowTimeoutRule::kOtherProtocols, -1, lifetime);
      if (v != 0) *field[lifetime] = v;
    }
    return t;
  };
  for (int p = 0; p < 256; ++p) by_proto_[p] = add_class(resolve(p, -1));
  for (const FlowTimeoutRule& r : rules) {
    if (r.port < 0 || r.proto > 255) continue;
    const bool seen = std::any_of(ports_.begin(), ports_.begin() + nports_, [&](const PortRule& pr) {
      return pr.proto == r.proto && pr.port == r.port;
    });
    if (seen) continue;
    const uint8_t cls = add_class(resolve(r.proto, r.port));
    if (nports_ == kMaxPortRules) {
      if (error_.empty()) error_ = "more than " + std::to_string(kMaxPortRules) + " ports with their own timeouts";
      break;
    }
    // A port whose timeouts are its protocol's needs no rule.
    if (cls == by_proto_[r.proto]) continue;
    ports_[nports_++] = PortRule{static_cast<uint8_t>(r.proto), cls, static_cast<uint16_t>(r.port)};
  }
  for (int i = 0; i < nports_; ++i) by_proto_[ports_[i].proto] |= kHasPorts;
}

uint64_t FlowTimeoutClasses::min_idle_ns() const noexcept {
  uint64_t m = UINT64_MAX;
  for (int i = 0; i < nclasses_; ++i) m = std::min(m, classes_[i].idle_ns);
  return m;
}

uint64_t FlowTimeoutClasses::max_idle_ns() const noexcept {
  uint64_t m = 0;
  for (int i = 0; i < nclasses_; ++i) m = std::max(m, classes_[i].idle_ns);
  return m;
}

}  // namespace flowprobe
