#pragma once
// A signature alert: plain data, fixed size, no pointers, so it can travel through the
// same per-core rings as FlowRecord. Texts (msg, classtype) stay in the engine and are
// looked up by index when the exporter writes the JSON (export/eve.hpp).
#include <array>
#include <cstdint>
#include <string>
#include <type_traits>

#include "signatures/rule.hpp"

namespace flowprobe::sig {

class SignatureEngine;

struct Alert {
  uint64_t ts_ns = 0;                // the packet's timestamp
  uint64_t flow_id = 0;              // FlowContext::flow_id
  uint32_t sid = 0, gid = 1, rev = 0;
  uint32_t rule_index = 0;           // SignatureEngine::rule(rule_index): msg, classtype
  std::array<uint8_t, 16> src_ip{};  // the packet's source (IPv4 in the first 4 bytes)
  std::array<uint8_t, 16> dst_ip{};
  uint16_t src_port = 0;            // ICMP: the type
  uint16_t dst_port = 0;            // ICMP: the code
  uint8_t ip_version = 0;
  uint8_t proto = 0;                 // IP protocol number
  Action action = Action::alert;
  uint8_t severity = 3;              // rule priority, else the classtype's
  int16_t class_index = -1;          // -1: no classtype
  AppProto app_proto = AppProto::unknown;
  bool to_server = true;             // direction of the packet or transaction that matched
  uint32_t generation = 0;           // which loaded rule set raised it (0 = the first; SIGHUP reloads count up)
};
static_assert(std::is_trivially_copyable_v<Alert>);
static_assert(sizeof(Alert) % 8 == 0 && sizeof(Alert) <= 96);

// Receives alerts on the RX core. Must not block (the RX loop forwards them to a ring).
class AlertSink {
 public:
  virtual ~AlertSink() = default;
  virtual void on_alert(const Alert& alert) noexcept = 0;
};

// Community ID v1 of a 5-tuple ("1:" + base64(sha1(seed, addrs, proto, ports))).
std::string community_id_v1(const uint8_t* src_ip, const uint8_t* dst_ip, uint8_t ip_version, uint8_t proto,
                            uint16_t src_port, uint16_t dst_port, uint16_t seed = 0);

}  // namespace flowprobe::sig
