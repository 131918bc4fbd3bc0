#pragma once
// Per-RX-core application layer: nDPI plus our dissectors, behind the flow table's
// 32-bit per-flow handle (FlowHit::ext). A flow takes an L7 slot at its first packet;
// the slot holds the dissectors' and nDPI's handles (their per-flow parser state lives
// in their own pools and is freed as soon as they are done) and the results, which the
// flow's records carry when it ends. Slots come from one allocation whose pages are
// touched only as slots are first used (LIFO reuse keeps the touched set small).
//
// Per tracked packet:   l7.on_packet(table.on_packet(...), decoded, ts_ns)
// In emit_flow:         const AppMetadata* app = l7.on_flow_end(record, ext)
#include <array>
#include <cstdint>
#include <memory>
#include <span>

#include "decode/decoder.hpp"
#include "dissectors/engine.hpp"
#include "dpi/ndpi_module.hpp"
#include "flow/flow_table.hpp"
#include "signatures/signature_engine.hpp"

namespace flowprobe::dpi {

// Rule protocols (alert ftp, smtp, smb) that only nDPI's verdict gives a flow: no
// dissector of ours names them, so without nDPI (--no-dpi) their rules cannot match.
bool app_proto_needs_ndpi(sig::AppProto p) noexcept;

struct L7Config {
  bool enabled = true;            // the engine runs (nDPI and/or rules need it)
  bool use_ndpi = true;           // false: dissectors (and rules) only (--no-dpi with --rules)
  uint32_t max_flows = 262'144;   // flows with L7 results per core (slots); <= the flow table
  NdpiConfig ndpi;                // ndpi.max_flows: flows in nDPI detection at once
  bool ndpi_stop_when_known = false;  // see NdpiConfig::stop_when_known
  dissect::EngineConfig dissectors;
  // Signatures (--rules): compiled once, shared read-only by every core; nullptr = none.
  const sig::SignatureEngine* rules = nullptr;
  sig::ScannerConfig scanner;
};

struct L7Counters {
  uint64_t slots_exhausted = 0;   // flows exported without L7 results: no free slot
  uint64_t ndpi_pool_exhausted = 0;
  uint64_t flows_classified = 0;  // flows that ended with a known nDPI protocol
  uint64_t flows_unknown = 0;
  uint64_t flows_with_metadata = 0;  // flows whose record carried dissector metadata
};

class L7Engine {
 public:
  // `alerts` receives the alerts of this core's flows (when cfg.rules is set).
  L7Engine(const L7Config& cfg, sig::AlertSink* alerts = nullptr, uint16_t core = 0);
  ~L7Engine();
  L7Engine(const L7Engine&) = delete;
  L7Engine& operator=(const L7Engine&) = delete;

  void on_packet(const FlowHit& hit, const DecodedPacket& pkt, uint64_t ts_ns) noexcept;
  // Writes the flow's L7 result into `record`; returns its dissector metadata (valid
  // until the next call) or nullptr. Frees the slot unless the flow goes on
  // (record.end_cause == active_timeout).
  const dissect::AppMetadata* on_flow_end(FlowRecord& record, uint32_t ext) noexcept;

  // Rule reload, on the RX core at a burst boundary: flows keep their state but give
  // their TCP stream slots back to the old scanner and forget flowbits (they index the
  // old rule set). Returns the old scanner for the main lcore to free.
  std::unique_ptr<sig::PerCoreScanner> swap_scanner(std::unique_ptr<sig::PerCoreScanner> next) noexcept;

  L7Counters counters() const;
  const dissect::EngineCounters& dissector_counters() const { return dissectors_.counters(); }
  const sig::ScannerCounters* scanner_counters() const { return scanner_ ? &scanner_->counters() : nullptr; }
  uint32_t slots_in_use() const { return capacity_ - free_top_; }
  static std::size_t slot_bytes();

 private:
  struct Slot;
  Slot* slot(uint32_t i) noexcept;
  // Which transactions the flow's dissector had completed: compared before and after a
  // packet so that rules on its buffers run once per transaction.
  struct TxFlags {
    dissect::AppKind kind = dissect::AppKind::none;
    bool request = false;   // HTTP request, DNS query, TLS ClientHello
    bool response = false;  // HTTP response, DNS response, TLS certificate
    bool server_hello = false;  // TLS/QUIC ServerHello (JA3S)
  };
  static TxFlags tx_flags(const dissect::AppMetadata& m) noexcept;
  // Marks the flow encrypted for the scanner (ScannerConfig::inspect_encrypted) once its
  // TLS carries application data or its QUIC turns to short-header packets.
  static void note_ciphertext(Slot& s, const DecodedPacket& pkt) noexcept;
  // A DNS flow's record keeps its first transaction; a client reusing the 5-tuple for
  // more queries still has each one checked by dns.query rules.
  void scan_later_dns_query(Slot& s, const DecodedPacket& pkt, uint64_t ts_ns) noexcept;
  void scan_ssh_banners(Slot& s, uint64_t ts_ns) noexcept;
  void scan_transactions(Slot& s, TxFlags before, uint64_t ts_ns) noexcept;
  // HTTP: the request's own buffers (URI, method, host, user agent, referer), and the
  // buffers of one message's start line and header lines (headers, raw headers, cookie,
  // header names, content type/length, accept*, connection, protocol, start, status).
  void set_request_buffers(sig::AppBuffers& b, const dissect::HttpMeta& h) noexcept;
  void set_message_buffers(sig::AppBuffers& b, const dissect::HttpMeta& h, const dissect::TxView::Message& msg,
                           bool request) noexcept;
  void set_stat_code(sig::AppBuffers& b, const dissect::HttpMeta& h) noexcept;
  void scan_http(Slot& s, const dissect::HttpMeta& h, bool new_request, bool new_response, uint64_t ts_ns) noexcept;

  uint32_t capacity_;
  std::byte* mem_;  // capacity_ slots, mmap'd
  std::unique_ptr<uint32_t[]> free_;
  uint32_t free_top_ = 0;
  uint32_t high_water_ = 0;  // slots [0, high_water_) have been used at least once
  dissect::DissectorEngine dissectors_;
  NdpiModule ndpi_;
  bool ndpi_on_;
  std::unique_ptr<sig::PerCoreScanner> scanner_;
  sig::AlertSink* alerts_;
  uint64_t next_flow_id_;
  std::array<char, 512> uri_{};   // the normalised URI handed to http.uri rules
  std::array<char, 128> host_{};  // the normalised Host handed to http.host rules
  std::array<char, 64> cert_serial_{}, cert_fingerprint_{};  // tls.cert_serial / tls.cert_fingerprint text
  // One HTTP message's header-derived buffers (set_message_buffers), rebuilt per scan.
  std::array<char, 4096> hdr_{}, names_{}, raw_hdr_{}, start_{};
  std::array<char, 4> stat_code_{};
  // A response body sent with Content-Encoding gzip or deflate, inflated for file.data
  // (as libhtp does for Suricata): one zlib stream per core, its window allocated at start.
  std::string_view inflate_body(std::string_view body) noexcept;
  struct ZStream;
  std::unique_ptr<ZStream> zstream_;
  std::array<char, 16384> inflated_{};
  L7Counters counters_;
};

}  // namespace flowprobe::dpi
