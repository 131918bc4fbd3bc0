#pragma once
// DNS over UDP and TCP, and the protocols that share its message format: mDNS (5353),
// LLMNR (5355) and NetBIOS name service (137, names in NetBIOS first-level encoding).
// Every query and its response (matched by id, several on one 5-tuple, over UDP or TCP)
// is a transaction (TxSink::emit); the flow's metadata keeps the first question and the
// first response.
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
  // Queries waiting for their responses, oldest first (a ring).
  static constexpr uint8_t kPending = 4;
  Unbuilt<DnsMeta, kPending> pending;  // each set when its query is seen
  uint8_t head = 0, count = 0;

  Parse parse(const PacketContext& c, AppMetadata& m) noexcept;
  void finish(const PacketContext& c, AppMetadata& m) noexcept;

 private:
  void on_message(std::span<const uint8_t> msg, uint8_t flavour, const PacketContext& c) noexcept;
  void emit_oldest(const PacketContext& c) noexcept;
};

Probe dns_probe(const PacketContext& c) noexcept;
extern const Dissector kDnsDissector;


// Zeek's (and eve's) names of a query type and a response code; `tmp` holds a number's.
std::string_view dns_qtype_name(uint16_t type, char (&tmp)[24]);
std::string_view dns_rcode_name(uint8_t rcode, char (&tmp)[24]);

// The rest of what the protocol owns (protocol.cpp puts them in its descriptor).
extern const std::span<const FieldDef> kDnsFields;  // fields.cpp: its -T rows
extern const ZeekLog kDnsLog;                        // zeek.cpp: dns.log
void dns_rule_buffers(const TxPartView& v, void* shared, sig::AppBuffers& out) noexcept;  // rules.cpp

EveParts dns_eve_parts(const AppMetadata& tx) noexcept;  // eve.cpp: its query and its response
void dns_write_eve(const AppMetadata& tx, uint32_t tx_id, uint8_t part, JsonWriter& w);

}  // namespace flowprobe::dissect
