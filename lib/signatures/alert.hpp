#pragma once
// A signature alert: plain data, fixed size, no pointers, so it can travel through the
// same per-core rings as FlowRecord. Texts (msg, classtype) stay in the engine and are
// looked up by index when the exporter writes the JSON (export/eve.hpp).
#include <array>
#include <cstdint>
#include <memory>
#include <span>
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

// Where a scan puts the alerts it raises: plain storage on the RX core, no callback. The
// owner (the inspect stage) hands what it holds to io with the burst's other output and
// clears it. Allocated once; an alert that finds it full is counted, not kept.
class AlertBuffer {
 public:
  explicit AlertBuffer(std::size_t capacity = 1024) : buf_(std::make_unique<Alert[]>(capacity)), cap_(capacity) {}
  void push(const Alert& a) noexcept {
    if (n_ < cap_) buf_[n_++] = a;
    else ++dropped_;
  }
  std::span<const Alert> alerts() const noexcept { return {buf_.get(), n_}; }
  std::size_t size() const noexcept { return n_; }
  bool half_full() const noexcept { return n_ >= cap_ / 2; }
  void clear() noexcept { n_ = 0; }
  uint64_t dropped() const noexcept { return dropped_; }  // alerts that found it full

 private:
  std::unique_ptr<Alert[]> buf_;
  std::size_t cap_;
  std::size_t n_ = 0;
  uint64_t dropped_ = 0;
};

// Community ID v1 of a 5-tuple ("1:" + base64(sha1(seed, addrs, proto, ports))).
std::string community_id_v1(const uint8_t* src_ip, const uint8_t* dst_ip, uint8_t ip_version, uint8_t proto,
                            uint16_t src_port, uint16_t dst_port, uint16_t seed = 0);

}  // namespace flowprobe::sig
