#pragma once
// The dissector contract (DESIGN.md): a constant descriptor per protocol. probe() looks
// at a flow's first payloads and says whether the protocol is certainly, possibly or not
// this one; parse() consumes each later payload into the flow's fixed-size state and its
// AppMetadata. No dissector allocates, keeps pointers into packets, or reads outside the
// payload span it is given.
#include <array>
#include <new>
#include <cstdint>
#include <span>
#include <string_view>

#include "decode/decoder.hpp"
#include "dissectors/app_metadata.hpp"
#include "dissectors/expected_flows.hpp"
#include "signatures/rule.hpp"

namespace flowprobe::dissect {

enum class Probe : uint8_t { not_mine, unsure, certain };
// cont: wants more packets; done: has what it came for (state is released);
// skip: cannot follow this flow (gap, garbage); state is released, metadata kept;
// upgrade: the connection switched protocols in band (STARTTLS, AUTH TLS, an HTTP CONNECT
// tunnel): state is released, metadata kept (the next protocol's part replaces it, and
// AppMetadata::outer names it), and the next payloads are probed afresh.
enum class Parse : uint8_t { cont, done, skip, upgrade };

// What a dissector hands the rules when part of a transaction completes (TxSink::part):
// the transaction so far and views into the dissector's state, valid during the call only
// (a packet may complete several parts, e.g. pipelined HTTP requests, each overwriting
// the last). Which fields are set depends on the protocol; its rule_buffers
// (dissectors/<name>/rules.cpp) knows.
struct TxPartView {
  AppKind kind = AppKind::none;
  sig::TxPart part = sig::TxPart::request;  // request, request_body, response, response_body
  uint8_t step = 0;                         // the protocol's own event (TLS: hello or certificate)
  bool to_server = true;                    // sent by the client
  bool truncated = false;                   // header lines beyond the parser's bound were left out
  bool incomplete = false;                  // the message ended (flow end, gap) before it was whole
  const void* tx = nullptr;                 // the transaction so far, as the protocol's Meta type
  std::string_view start_line;              // HTTP: "GET / HTTP/1.1", "HTTP/1.1 200 OK" (no CRLF)
  std::string_view header_block;            // HTTP: the header lines, each ending in CRLF, no empty line
  std::string_view body;                    // HTTP: dechunked, still compressed if it was
  std::string_view text;                    // TLS/QUIC: the JA3/JA3S string (whole); SSH: a banner
  std::span<const uint8_t> data;            // TLS: one certificate of the chain, DER
};

// A JA3 (or JA3S) string as the hash was computed over it, bounded.
struct Ja3Text {
  static constexpr std::size_t kMax = 1536;
  char text[kMax];
  std::size_t n = 0;
  bool cut = false;
  void add(std::string_view v) noexcept {
    const std::size_t k = v.size() <= kMax - n ? v.size() : kMax - n;
    for (std::size_t i = 0; i < k; ++i) text[n + i] = v[i];
    n += k;
    cut = cut || k < v.size();
  }
  std::string_view view() const noexcept { return {text, n}; }
};

// Where a dissector reports what it completed, as it completes it (the inspect driver,
// lib/dpi, implements it; a dissector never sees io):
//   part()  a part of a transaction, for the rules' buffers; only when `parts` (rules are
//           loaded): without, no header line, body or JA3 text is kept at all;
//   emit()  a finished transaction (an HTTP request and its response, a DNS query and its
//           answer, a handshake, …), as its protocol's Meta type. Always: the flow record
//           counts them; the driver keeps them as records when someone reads them.
// Null in PacketContext when nobody asks (a test driving a dissector alone).
class TxSink {
 public:
  virtual ~TxSink() = default;
  virtual void part(const TxPartView& v) noexcept = 0;
  // `ts_ns`: when the transaction began (its request, its query, its first hello).
  virtual void emit(AppKind kind, const void* tx, std::size_t size, uint64_t ts_ns) noexcept = 0;
  bool parts_wanted = false;
  // Scratch for a JA3/JA3S string while a hello is parsed (TxPartView::text points here).
  Ja3Text ja3;
};

// Emits `tx` (a protocol's Meta) when there is a sink.
template <typename Meta>
void emit_tx(TxSink* sink, AppKind kind, const Meta& tx, uint64_t ts_ns) noexcept {
  if (sink != nullptr) sink->emit(kind, &tx, sizeof tx, ts_ns);
}
// Whether the rules want transaction parts (and so header lines, bodies, JA3 texts kept).
inline bool wants_parts(const TxSink* sink) noexcept { return sink != nullptr && sink->parts_wanted; }

// What a dissector sees of one packet. `from_client` is relative to the flow's initiator.
struct PacketContext {
  std::span<const uint8_t> payload;
  uint64_t ts_ns = 0;
  uint32_t tcp_seq = 0;
  uint16_t client_port = 0;
  uint16_t server_port = 0;
  // The flow's addresses (IPv4 in the first 4 bytes), valid during the call: for a
  // dissector that announces another connection (FTP's data channel).
  const uint8_t* client_ip = nullptr;
  const uint8_t* server_ip = nullptr;
  uint8_t ip_version = 4;
  uint8_t l4_proto = 0;
  uint8_t tcp_flags = 0;
  bool from_client = true;
  // The dissector's per-engine context (Dissector::create_shared), set by the engine
  // before parse(); null for dissectors that have none.
  void* shared = nullptr;
  // Where the dissector reports completed transaction parts; null when nobody asks.
  TxSink* tx = nullptr;
  // Where a dissector announces a connection it expects (dissectors/expected_flows.hpp),
  // set by the engine; null when nobody keeps them.
  const Expecter* expect = nullptr;
  // The call is the flow's end (or the engine giving the dissector up), not a packet:
  // Dissector::finish reports what it still holds.
  bool flow_end = false;
};

inline PacketContext make_context(const DecodedPacket& p, bool from_client, uint64_t ts_ns = 0) {
  PacketContext c;
  c.payload = p.payload;
  c.ts_ns = ts_ns;
  c.tcp_seq = p.tcp_seq;
  c.client_port = from_client ? p.src_port : p.dst_port;
  c.server_port = from_client ? p.dst_port : p.src_port;
  c.client_ip = from_client ? p.src_ip.data() : p.dst_ip.data();
  c.server_ip = from_client ? p.dst_ip.data() : p.src_ip.data();
  c.ip_version = p.ip_version;
  c.l4_proto = p.l4_proto;
  c.tcp_flags = p.tcp_flags;
  c.from_client = from_client;
  return c;
}

namespace l4 {
inline constexpr uint8_t tcp = 1, udp = 2, both = 3;
}

struct Dissector {
  std::string_view name;
  AppKind kind;
  uint8_t l4_mask;                     // l4::tcp | l4::udp
  std::array<uint16_t, 6> ports;       // default server (or client) ports, 0 = unused
  uint32_t state_size;                 // bytes of per-flow state (a pool slot)
  uint32_t state_align;
  Probe (*probe)(const PacketContext&) noexcept;
  void (*init)(void* state) noexcept;  // constructs the state in a free slot
  Parse (*parse)(void* state, const PacketContext&, AppMetadata&) noexcept;
  // Optional context shared by all flows of one engine (one per RX core): handles that
  // are costly to make, such as QUIC's cipher contexts, made once when the engine starts
  // so that parse() never allocates. create_shared may return null (parse then sees null).
  void* (*create_shared)() noexcept = nullptr;
  void (*destroy_shared)(void*) noexcept = nullptr;
  // Called once when the engine releases the state (done, skip, the flow's end; c.flow_end
  // set, no payload): reports what the state still holds, e.g. a message whose header
  // lines never ended. Optional.
  void (*finish)(void* state, const PacketContext& c, AppMetadata& m) noexcept = nullptr;
  // Flows it can follow at once per core when the configuration does not say (0: the
  // engine's default); slots are touched only as they are first used.
  uint32_t default_slots = 0;
  // Slots faulted in when the probe starts (EngineConfig::prefault). For the states that
  // live as long as their connection (HTTP, DNS: every transaction is followed): a state
  // released after a handshake is reused, last freed first, while its pages are warm.
  uint32_t prefault_slots = 0;

  constexpr bool handles_l4(uint8_t proto) const {
    return (proto == ipproto::tcp && (l4_mask & l4::tcp)) || (proto == ipproto::udp && (l4_mask & l4::udp));
  }
  constexpr bool on_port(uint16_t port) const {
    for (uint16_t p : ports)
      if (p != 0 && p == port) return true;
    return false;
  }
};

// N values of T in a state type that are not built with it: each is built (`make`) when
// it is first used, so a state's init touches none of them. For the transactions a state
// keeps waiting (HTTP requests, DNS queries): building four at each new flow wrote some
// fifty cache lines per flow that most flows never use (issue #17's cost).
template <typename T, std::size_t N>
union Unbuilt {
  Unbuilt() noexcept {}
  T& make(std::size_t i) noexcept { return *new (&v[i]) T{}; }
  T& operator[](std::size_t i) noexcept { return v[i]; }
  const T& operator[](std::size_t i) const noexcept { return v[i]; }
  T v[N];
};

// Builds the type-erased init/parse pair for a state type S with a member
// `Parse parse(const PacketContext&, AppMetadata&) noexcept`.
template <typename S>
constexpr void (*init_of())(void*) noexcept {
  // Default-initialisation: members with initialisers get them, byte buffers stay as
  // they are (never read past their fill level), so a 10 KB TLS slot costs no memset.
  return [](void* p) noexcept { new (p) S; };
}
template <typename S>
constexpr Parse (*parse_of())(void*, const PacketContext&, AppMetadata&) noexcept {
  return [](void* p, const PacketContext& c, AppMetadata& m) noexcept { return static_cast<S*>(p)->parse(c, m); };
}
// The same for a member `void finish(const PacketContext&, AppMetadata&) noexcept`.
template <typename S>
constexpr void (*finish_of())(void*, const PacketContext&, AppMetadata&) noexcept {
  return [](void* p, const PacketContext& c, AppMetadata& m) noexcept { static_cast<S*>(p)->finish(c, m); };
}

}  // namespace flowprobe::dissect
