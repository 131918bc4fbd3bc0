#pragma once
// DNS over UDP and TCP, and the protocols that share its message format: mDNS (5353),
// LLMNR (5355) and NetBIOS name service (137, names in NetBIOS first-level encoding).
// Records the first question and the first response of a flow.
#include <cstdint>
#include <span>

#include "dissectors/dissector.hpp"
#include "dissectors/protocol.hpp"

namespace flowprobe::dissect {

// Parses one whole DNS message into `m` (query from a query, rcode/answers from a response).
// Returns false when the header is unusable. Exposed for tests and fuzzing.
bool parse_dns_message(std::span<const uint8_t> msg, DnsMeta& m, bool netbios);

struct DnsState {
  // DNS over TCP: messages are length-prefixed and may span segments; the first
  // kTcpKeep bytes of the current message per direction are kept (a truncated message
  // is parsed as far as it goes).
  static constexpr std::size_t kTcpKeep = 768;
  struct TcpDir {
    uint16_t msg_len = 0;
    uint16_t have = 0;        // bytes of the current message seen (counted past kTcpKeep)
    uint8_t prefix_have = 0;  // bytes of the 2-byte length prefix seen
    uint8_t prefix0 = 0;
    uint8_t buf[kTcpKeep];
  };
  TcpDir dir[2];
  Parse parse(const PacketContext& c, AppMetadata& m) noexcept;
};

Probe dns_probe(const PacketContext& c) noexcept;
extern const Dissector kDnsDissector;


// The rest of what the protocol owns (protocol.cpp puts them in its descriptor).
extern const std::span<const FieldDef> kDnsFields;  // fields.cpp: its -T rows
extern const ZeekLog kDnsLog;                        // zeek.cpp: dns.log
void dns_rule_buffers(const TxPartView& v, void* shared, sig::AppBuffers& out) noexcept;  // rules.cpp

}  // namespace flowprobe::dissect
