#pragma once
// HTTP/1.x: every request (method, target, Host, User-Agent, Referer) and its response
// (status, Content-Type, Location, Server, body lengths) on a connection, keep-alive and
// pipelined, each a transaction (TxSink::emit) in request order, as Zeek's trans_depth
// counts them; the flow's metadata keeps the first. Headers are processed line by line as
// they arrive and bodies are followed by their framing (length, chunks, close), so a
// message split across any number of segments costs one bounded line buffer per direction.
// After a CONNECT's 2xx the flow goes back to the engine's probes (Parse::upgrade), so the
// protocol inside the tunnel is dissected on the same flow.
#include <array>
#include <cstdint>
#include <memory>

#include "dissectors/dissector.hpp"
#include "dissectors/protocol.hpp"
#include "dissectors/tcp_cursor.hpp"

namespace flowprobe::dissect {

struct HttpState {
  static constexpr std::size_t kLine = 512;    // longer lines keep their first kLine bytes
  static constexpr std::size_t kBlock = 2048;  // header lines kept for http.header & co.
  static constexpr std::size_t kBody = 4096;   // body bytes kept for http.request_body / file.data
  enum Phase : uint8_t { start_line, headers, body, finished };
  enum class Framing : uint8_t { none, length, chunked, until_close };
  // Requests waiting for their responses, oldest first (a ring): a client this far ahead
  // of its server has its oldest logged unanswered.
  static constexpr uint8_t kPending = 4;
  struct Dir {
    TcpCursor cursor;
    Phase phase = start_line;
    bool overflow = false;
    bool block_truncated = false;
    Framing framing = Framing::none;
    uint8_t chunk_state = 0;   // chunked: 0 size line, 1 data, 2 CRLF after data, 3 trailers
    uint16_t len = 0;
    uint16_t start_len = 0;
    uint16_t block_len = 0;
    uint16_t body_len = 0;
    uint64_t remaining = 0;    // length framing: body bytes still to come; chunked: of this chunk
    uint64_t chunk_size = 0;   // chunked: the size line being read
    uint64_t body_total = 0;   // body bytes of this message, dechunked
    char line[kLine];
    char start[kLine];
    char block[kBlock];
    char body[kBody];
  };
  Dir dir[2];
  Unbuilt<HttpMeta, kPending> pending;  // each built by start_tx
  uint64_t ts[kPending];       // when each began
  uint32_t seq[kPending];      // its place in the connection (0: the flow record's)
  uint32_t started = 0;        // transactions begun so far
  uint8_t head = 0, count = 0;
  // The transaction of the message each direction is reading (kNoSlot: none).
  static constexpr uint8_t kNoSlot = 0xFF;
  uint8_t slot[2] = {kNoSlot, kNoSlot};
  // A CONNECT was answered with a 2xx: what follows is the tunnelled protocol's (the
  // bytes of the segment that ended the answer, if any, are not seen by it).
  bool tunnel = false;

  Parse parse(const PacketContext& c, AppMetadata& m) noexcept;
  void finish(const PacketContext& c, AppMetadata& m) noexcept;

 private:
  uint8_t start_tx(const PacketContext& c, AppMetadata& meta) noexcept;
  uint8_t answered(const PacketContext& c, AppMetadata& meta) noexcept;
  void mirror(uint8_t i, AppMetadata& meta) noexcept;
  void emit_front(const PacketContext& c, AppMetadata& meta) noexcept;
  void end_message(int di, const PacketContext& c, AppMetadata& meta) noexcept;
  void end_body(int di, const PacketContext& c, AppMetadata& meta) noexcept;
  void end_headers(int di, const PacketContext& c, AppMetadata& meta) noexcept;
  std::size_t consume_body(int di, std::span<const uint8_t> q, const PacketContext& c, AppMetadata& meta) noexcept;
};
Probe http_probe(const PacketContext& c) noexcept;
extern const Dissector kHttpDissector;


// The rest of what the protocol owns (protocol.cpp puts them in its descriptor).
extern const std::span<const FieldDef> kHttpFields;  // fields.cpp: its -T rows
extern const ZeekLog kHttpLog;                        // zeek.cpp: http.log
void http_rule_buffers(const TxPartView& v, void* scratch, sig::AppBuffers& out) noexcept;  // rules.cpp
// Per-core scratch of the rule buffers (rules.cpp), made once when rules are loaded.
struct HttpShared {
  HttpShared();
  ~HttpShared();
  std::array<char, 512> uri{};   // the normalised URI handed to http.uri rules
  std::array<char, 128> host{};  // the normalised Host handed to http.host rules
  // One message's header-derived buffers, rebuilt per scan.
  std::array<char, 4096> hdr{}, names{}, raw_hdr{}, start{};
  std::array<char, 4> stat_code{};
  // http.request_header / http.response_header: each line as "name: value" (the block's
  // kBlock bytes give at most kBlock / 3 lines, each at most one byte longer than sent).
  std::array<char, 2 * HttpState::kBlock> header_lines{};
  std::array<std::span<const uint8_t>, HttpState::kBlock / 3> header_line_views{};
  // One zlib stream per core, its window allocated at start, for file.data.
  struct ZStream;
  std::unique_ptr<ZStream> zstream;
  std::array<char, 16384> inflated{};
};
void* http_create_rule_scratch() noexcept;
void http_destroy_rule_scratch(void* scratch) noexcept;

void http_write_eve(const AppMetadata& tx, uint32_t tx_id, uint8_t part, JsonWriter& w);  // eve.cpp

}  // namespace flowprobe::dissect
