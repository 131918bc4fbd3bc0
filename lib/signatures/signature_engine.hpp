#pragma once
// Signature matching: Suricata-syntax rules compiled into Hyperscan databases.
//
// Integration (what the RX loop does):
//
//   // start (or SIGHUP, off the packet path): load and compile once, share read-only
//   std::string error;
//   sig::LoadReport report;
//   auto engine = sig::SignatureEngine::load({"rules/"}, sig::default_rule_vars(), error, &report);
//   if (!engine) die(error);                     // unreadable file, bad classification.config
//   log(report.summary());                       // "rules: N accepted, M rejected" + reasons
//
//   // per RX core: one scanner (owns the Hyperscan scratch, the stream pool and the
//   // threshold table; allocates nothing after construction)
//   sig::PerCoreScanner scanner(*engine, sig::ScannerConfig{});
//
//   // per flow: a FlowContext lives next to the flow entry (plain data, 128 bytes)
//   ctx.init(first_decoded_packet, flow_id);     // client = initiator
//   ctx.app_proto = sig::AppProto::http;         // when nDPI / a dissector knows it
//
//   // per packet (decode outcome ipv4/ipv6): payload rules; TCP runs in Hyperscan
//   // stream mode per direction so that a content split across segments matches
//   scanner.scan_packet(decoded, pkt.ts_ns, ctx, alerts);   // sig::AlertBuffer alerts;
//
//   // per dissected transaction (HTTP request/response, DNS query, TLS client hello)
//   sig::AppBuffers tx;
//   tx.set(sig::BufferKind::http_uri, uri_bytes);
//   tx.set(sig::BufferKind::http_host, host_bytes);
//   scanner.scan_buffers(tx, /*to_server=*/true, pkt.ts_ns, ctx, alerts);
//
//   // flow end (FIN/RST/timeout/eviction): gives the stream slots back to the pool
//   scanner.on_flow_end(ctx);
//
// Alerts land in the AlertBuffer given to each scan as fixed-size `Alert` records
// (alert.hpp); the exporter turns them into eve JSON (export/eve.hpp).
// FlowContext::alerts and first_sids give the flow record its alert count and sids.
//
// Reload: build a new engine with load(), then give each RX core a new PerCoreScanner
// for it at a burst boundary; flows keep their FlowContext but must call
// PerCoreScanner::on_flow_end on the old scanner first (stream state belongs to it).
#include <array>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/counters.hpp"
#include "decode/decoder.hpp"
#include "signatures/alert.hpp"
#include "signatures/hs_handles.hpp"
#include "signatures/pcre_program.hpp"
#include "signatures/rule.hpp"
#include "signatures/rule_parser.hpp"

namespace flowprobe::sig {

// ---- loading -----------------------------------------------------------------------

struct Rejection {
  std::string file;
  uint32_t line = 0;
  uint32_t sid = 0;  // 0 when the rule was too broken to tell
  std::string reason;
  std::string detail;
};

struct LoadReport {
  uint32_t accepted = 0;
  uint32_t rejected = 0;
  std::vector<Rejection> rejections;
  // Rules dropped for a (gid, sid) loaded again: counted apart from the rejections (not
  // in `rejected`, nor in `accepted`). The later rule wins unless the earlier has a higher rev.
  std::vector<Rejection> duplicates;
  std::vector<std::string> warnings;
  double parse_seconds = 0;
  double compile_seconds = 0;
  std::size_t database_bytes = 0;     // all Hyperscan databases together
  std::size_t stream_state_bytes = 0; // one Hyperscan stream (per TCP flow direction)
  uint32_t pcre_count = 0;
  uint32_t pcre2_count = 0;           // of those, run on PCRE2 (pcre_program.hpp)

  // "rules: N accepted, M rejected[, D duplicate sids]" then one line per reason, most
  // frequent first (the first `max_reasons` when >= 0), with up to `examples` file:line samples each.
  std::string summary(int examples = 3, int max_reasons = -1) const;
};

struct LoadOptions {
  // classification.config files to read; when empty, a built-in copy of Suricata's
  // default is used plus any classification.config found next to the rule files.
  std::vector<std::string> classification_files;
  bool compile = true;  // false: parse only (the fuzz target)
};

// ---- buffers handed over by dissectors ------------------------------------------------

using BufferInstances = std::span<const std::span<const uint8_t>>;

class AppBuffers {
 public:
  void set(BufferKind k, std::span<const uint8_t> data) noexcept {
    data_[static_cast<std::size_t>(k)] = data;
    present_ |= 1ull << static_cast<unsigned>(k);
    multi_mask_ &= ~(1ull << static_cast<unsigned>(k));
  }
  void set(BufferKind k, std::string_view s) noexcept {
    set(k, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
  }
  // A multi-buffer's instances (tls.certs: each certificate; http.*_header: each line),
  // in wire order; `instances` and what it points to must outlive the scan. Up to
  // kMaxMulti kinds in one set of buffers (a transaction part has one or two); none:
  // the buffer is absent.
  static constexpr std::size_t kMaxMulti = 4;
  void set_multi(BufferKind k, BufferInstances instances) noexcept {
    if (instances.empty()) return;
    const auto bit = 1ull << static_cast<unsigned>(k);
    std::size_t i = 0;
    while (i < nmulti_ && multi_[i].kind != k) ++i;
    if (i == nmulti_) {
      if (nmulti_ == kMaxMulti) return;
      ++nmulti_;
    }
    multi_[i] = {k, instances};
    data_[static_cast<std::size_t>(k)] = instances[0];
    present_ |= bit;
    multi_mask_ |= bit;
  }
  bool has(BufferKind k) const noexcept { return present_ >> static_cast<unsigned>(k) & 1; }
  // The first (or only) instance.
  std::span<const uint8_t> get(BufferKind k) const noexcept { return data_[static_cast<std::size_t>(k)]; }
  // Every instance: one for a buffer set with set(), none when absent.
  BufferInstances instances(BufferKind k) const noexcept {
    if (!has(k)) return {};
    if (multi_mask_ >> static_cast<unsigned>(k) & 1)
      for (std::size_t i = 0; i < nmulti_; ++i)
        if (multi_[i].kind == k) return multi_[i].instances;
    return {&data_[static_cast<std::size_t>(k)], 1};
  }
  uint64_t present_mask() const noexcept { return present_; }
  void clear() noexcept { present_ = multi_mask_ = 0; nmulti_ = 0; }

 private:
  struct Multi {
    BufferKind kind = BufferKind::payload;
    BufferInstances instances;
  };
  std::array<std::span<const uint8_t>, kBufferKindCount> data_{};
  uint64_t present_ = 0, multi_mask_ = 0;
  std::array<Multi, kMaxMulti> multi_{};
  std::size_t nmulti_ = 0;
};
static_assert(kBufferKindCount <= 64);

// ---- per-flow state (owned by the flow table entry) -----------------------------------

inline constexpr int kMaxFlowbits = 16;
inline constexpr int kFirstSids = 4;
inline constexpr int kMaxFlowints = 8;  // flowint variables one flow holds (a FlowVarBlock)

struct FlowContext {
  uint64_t flow_id = 0;
  std::array<uint8_t, 16> client_ip{};
  std::array<uint8_t, 16> server_ip{};
  uint16_t client_port = 0;
  uint16_t server_port = 0;
  uint8_t ip_version = 0;
  uint8_t l4_proto = 0;
  AppProto app_proto = AppProto::unknown;
  uint8_t state = 0;                      // kState* bits below
  uint32_t stream_slot[2] = {0, 0};       // stream pool index + 1 per direction (0: none)
  uint8_t nbits = 0;                      // flowbits set
  uint8_t bits_overflow = 0;              // a set that did not fit (counted, not applied)
  uint16_t alerts = 0;                    // alerts raised on this flow (saturates)
  std::array<uint16_t, kMaxFlowbits> bits{};
  std::array<uint32_t, kFirstSids> first_sids{};  // sids of the first alerts, 0 = none
  // TCP sequence space per direction (client, server) for stream_size: first and next.
  uint32_t isn[2] = {0, 0}, next_seq[2] = {0, 0};
  uint8_t seq_known = 0;  // bit per direction
  uint8_t reserved_ = 0;
  uint16_t var_block = 0;  // the flow's flowint block in its scanner's pool + 1 (0: none yet)

  static constexpr uint8_t kSyn = 1, kSynAck = 2, kEstablished = 4, kSeenToServer = 8, kSeenToClient = 16,
                           kStreamDone0 = 32, kStreamDone1 = 64,
                           kEncrypted = 128;  // set by the L7 engine (see ScannerConfig::inspect_encrypted)
  // Sets identity from the flow's first packet: its sender is the client, except a
  // lone SYN/ACK (the SYN was missed), whose receiver is.
  void init(const DecodedPacket& first, uint64_t id) noexcept;
  bool established() const noexcept { return state & kEstablished; }
};
// The rule state every flow carries with --rules: two cache lines, whatever the rule set.
// The rest is per core and bounded: stream slots (Hyperscan stream state + window) for TCP
// directions in stream mode, flowint blocks, threshold trackers (ScannerConfig).
static_assert(sizeof(FlowContext) == 128);

// ---- tables every RX core shares ------------------------------------------------------

// A fixed-size open-addressing set of 64-bit keys (a value's hash, never 0) with a 32-bit
// number each, shared by the RX cores without a lock: a slot is claimed by compare-and-
// swap and never freed; a removed key keeps its slot with the number kRemoved, and comes
// back there when added again. Sized at load; a full neighbourhood refuses the insert
// (counted by the caller). Datasets (their files' values, those `dataset:set` adds and
// `dataset:unset` removes) live here.
class AtomicKeySet {
 public:
  static constexpr unsigned kProbe = 16;
  static constexpr uint32_t kRemoved = 0xffffffff;  // so a reputation is at most kRemoved - 1
  explicit AtomicKeySet(std::size_t min_capacity);
  enum class Insert : uint8_t { added, present, full };
  Insert insert(uint64_t key, uint32_t value) noexcept;
  bool find(uint64_t key, uint32_t& value) const noexcept;
  // True when the key was present and this call removed it.
  bool remove(uint64_t key) noexcept;
  std::size_t capacity() const noexcept { return mask_ + 1; }

 private:
  std::unique_ptr<std::atomic<uint64_t>[]> keys_;
  std::unique_ptr<std::atomic<uint32_t>[]> values_;
  std::size_t mask_ = 0;
};

// xbits: a bit per (name, host or host pair), each with an expiry in packet time, in one
// table for all RX cores (Suricata keeps them in its host and ippair tables). Fixed size;
// a set that finds its neighbourhood full of live bits replaces the one expiring first
// (counted in ScannerCounters::xbits_evicted).
class XbitTable {
 public:
  explicit XbitTable(std::size_t capacity);
  bool isset(uint64_t key, uint64_t now_ns) const noexcept;
  // Returns true when a live bit was evicted to make room.
  bool set(uint64_t key, uint64_t expire_ns, uint64_t now_ns) noexcept;
  void unset(uint64_t key) noexcept;
  std::size_t capacity() const noexcept { return mask_ + 1; }

 private:
  static constexpr unsigned kProbe = 8;
  std::unique_ptr<std::atomic<uint64_t>[]> keys_, expires_;
  std::size_t mask_ = 0;
};

struct Dataset {
  std::string name;
  DatasetType type = DatasetType::string;
  bool rep = false;
  std::size_t loaded = 0;  // values read from the file
  mutable AtomicKeySet set;  // dataset:set and unset change it on the packet path (atomics)
};
// The key a buffer's value has in a set of this type (0 when the bytes are no value of
// the type: an md5 set sees a buffer of another length, an address set no address).
uint64_t dataset_key(DatasetType type, std::span<const uint8_t> value) noexcept;

// ---- the compiled rule set ------------------------------------------------------------

// The cheap part of a rule's header, 12 bytes in one dense array: most candidates a
// literal brings fail on protocol, direction, establishment or ports, and checking those
// here spares a cold read of the rule itself. Over-approximates: the port bounds are the
// hull of the rule's positive port ranges (negations only in the full check).
struct RuleGate {
  uint8_t protos = 0xff;       // bit per packet kind a rule's L4 allows: 1 TCP, 2 UDP, 4 ICMP, 8 other
  uint8_t flow_dir = 0;        // as Rule::flow_dir
  int8_t established = -1;     // as Rule::established
  uint8_t bidirectional = 0;
  uint16_t sport_lo = 0, sport_hi = 65535, dport_lo = 0, dport_hi = 65535;
  static RuleGate of(const Rule& r) noexcept;
};
static_assert(sizeof(RuleGate) == 12);

// Where a rule's prefilter literal lives.
enum class DbKind : uint8_t { tcp_stream, tcp_block, other_block, app };

class SignatureEngine {
 public:
  // Payload rules whose dsize allows no more than this many bytes are indexed by size.
  static constexpr uint32_t kDsizeIndexMax = 2048;
  // Loads rule files and directories (every *.rules inside, sorted). Rules that fail
  // are counted in `report` and skipped; `error` is set (and nullptr returned) only
  // when a path cannot be read or the databases cannot be built at all.
  static std::unique_ptr<SignatureEngine> load(const std::vector<std::string>& paths, const RuleVars& vars,
                                               std::string& error, LoadReport* report = nullptr,
                                               const LoadOptions& options = {});
  // Same, from text (tests, fuzzing); `name` stands for the file in rejections.
  static std::unique_ptr<SignatureEngine> load_text(std::string_view text, const RuleVars& vars,
                                                    std::string& error, LoadReport* report = nullptr,
                                                    const LoadOptions& options = {},
                                                    std::string_view name = "<text>");
  ~SignatureEngine();
  SignatureEngine(const SignatureEngine&) = delete;
  SignatureEngine& operator=(const SignatureEngine&) = delete;

  std::size_t rule_count() const noexcept { return rules_.size(); }
  const Rule& rule(uint32_t index) const noexcept { return rules_[index]; }
  const std::vector<Classification>& classifications() const noexcept { return classes_; }
  const std::vector<std::string>& flowbit_names() const noexcept { return flowbit_names_; }
  const std::vector<std::string>& flowint_names() const noexcept { return flowint_names_; }
  const std::vector<std::string>& xbit_names() const noexcept { return xbit_names_; }
  const std::vector<std::unique_ptr<Dataset>>& datasets() const noexcept { return datasets_; }
  // Index of the rule with this sid (gid 1), or -1.
  int find_sid(uint32_t sid) const noexcept;

 private:
  friend class PerCoreScanner;
  friend class EngineBuilder;
  friend struct Inspector;
  SignatureEngine() = default;

  std::vector<Rule> rules_;
  std::vector<RuleGate> gates_;  // gates_[i] is rules_[i]'s header in brief
  std::vector<Classification> classes_;
  std::vector<std::string> flowbit_names_, flowint_names_, xbit_names_;
  // Shared by every RX core, written on the packet path through atomics (the engine is
  // otherwise read-only there): dataset values, xbits.
  std::vector<std::unique_ptr<Dataset>> datasets_;
  std::unique_ptr<XbitTable> xbits_;
  bool has_base64_ = false;   // some rule decodes base64: scanners keep room for it
  std::vector<PcreProgram> pcres_;  // by Item::pcre_index
  HsDatabase tcp_stream_db_, tcp_block_db_, other_block_db_;
  // Port groups of the non-TCP block database, as Suricata's per-port signature groups:
  // most UDP rules name one port (ET Open: 1,346 of 1,561 are for port 53), so a packet
  // with neither port in a group scans only the literals of rules that any port may
  // carry (other_dbs_[0]); one grouped port scans other_dbs_[group] (those plus the
  // group's); two different groups, or a protocol without ports, other_block_db_ (all).
  std::vector<uint8_t> other_group_of_port_;  // 65536 entries, 0 = no group; empty = no groups
  std::vector<HsDatabase> other_dbs_;
  std::array<HsDatabase, kBufferKindCount> app_dbs_;
  HsScratch proto_scratch_;  // sized for every database; scanners clone it
  bool needs_stream_ = false; // some rule reads TCP payload: scanners keep stream windows
  bool has_transforms_ = false;  // some buffer is transformed: scanners keep room for the result
  bool has_pcrexform_ = false;   // and some by pcrexform: scanners keep PCRE2 match data
  // Rules without a literal to prefilter on, checked on every scan of their kind.
  std::vector<uint32_t> unfiltered_tcp_, unfiltered_other_, unfiltered_app_, ip_only_;
  // Rules without a buffer (and not IP-only), by what a packet's L4 allows: TCP by its flags byte (a flags:S
  // scan detector is no candidate for the ACKs that make up most traffic), then UDP,
  // ICMP and other protocols.
  std::array<std::vector<uint32_t>, 256> header_only_tcp_;
  std::vector<uint32_t> header_only_udp_, header_only_icmp_, header_only_other_;
  // Payload rules whose dsize bounds the payload to at most kDsizeIndexMax bytes, by
  // payload size: they are candidates on exactly the packets of a size they accept, and
  // stay out of the Hyperscan databases, where their short literals (ET's 570-odd dsize
  // rules often prefilter on one or two bytes) cost half the scanning.
  std::vector<std::vector<uint32_t>> dsize_tcp_, dsize_other_;  // [payload size] -> rules
  // Hyperscan literal id -> the rules it prefilters (see LiteralSet in the .cpp).
  std::vector<uint32_t> literal_first_, literal_rules_;
};

// ---- per-core scanning ----------------------------------------------------------------

struct ScannerConfig {
  uint32_t stream_slots = 4096;        // TCP flow directions matched in stream mode at once
  uint32_t stream_window = 4096;       // stream bytes kept per direction to check constraints
  uint64_t stream_depth = 1 << 20;     // stream bytes per direction matched in stream mode
  uint32_t threshold_slots = 4096;     // threshold/detection_filter trackers
  uint32_t flowint_blocks = 4096;      // flows holding flowint variables at once (at most 65535)
  bool midstream = true;               // a TCP flow picked up without its SYN counts as established
  // Suricata's tls encryption-handling "default": once a flow carries encrypted records
  // (TLS application data, QUIC short-header packets), content rules no longer look at
  // its payload; header-only rules and the TLS/QUIC handshake buffers still do.
  bool inspect_encrypted = false;
};

// The signature stage's counters, in the order of kScannerCounterDefs.
struct ScannerCounters {
  uint64_t packets = 0;
  uint64_t bytes = 0;
  uint64_t candidates = 0;             // rules whose prefilter hit
  uint64_t alerts = 0;
  uint64_t suppressed = 0;             // matched but silenced by threshold/noalert
  uint64_t stream_pool_exhausted = 0;  // TCP segments matched per packet for lack of a slot
  uint64_t stream_depth_reached = 0;
  uint64_t encrypted_skipped = 0;  // payload packets of encrypted flows not given to content rules
  uint64_t stream_gaps = 0;
  uint64_t flowbits_overflow = 0;
  uint64_t scan_errors = 0;
  uint64_t transform_truncated = 0;  // transformed buffers cut at kTransformRoom bytes
  uint64_t flowint_dropped = 0;      // flowint writes lost: no free block, or a 9th variable on a flow
  uint64_t xbits_evicted = 0;        // live xbits replaced for lack of room
  uint64_t dataset_full = 0;         // dataset:set values that found no room
};
inline constexpr CounterDef kScannerCounterDefs[] = {
    {"signatures.packets", "packets matched against the rules", CounterKind::counter, CounterShow::never},
    {"signatures.bytes", "payload bytes matched against the rules", CounterKind::counter, CounterShow::never},
    {"signatures.candidates", "rules whose prefilter literal hit", CounterKind::counter, CounterShow::never},
    {"alerts.raised", "signature alerts raised", CounterKind::counter, CounterShow::always, "sig_alerts"},
    {"alerts.suppressed", "signature matches silenced by threshold or noalert", CounterKind::counter,
     CounterShow::always, "sig_suppressed"},
    {"signatures.stream_pool_exhausted", "TCP segments matched alone: no free stream slot"},
    {"signatures.stream_depth_reached", "TCP directions past the stream depth (matched per packet)",
     CounterKind::counter, CounterShow::nonzero},
    {"signatures.encrypted_skipped", "payloads of encrypted flows left to header-only rules"},
    {"signatures.stream_gaps", "TCP stream gaps (a missing segment restarts the stream match)", CounterKind::counter,
     CounterShow::nonzero},
    {"signatures.flowbits_overflow", "flowbit sets that did not fit a flow's flowbits", CounterKind::counter,
     CounterShow::nonzero},
    {"signatures.scan_errors", "Hyperscan scan errors", CounterKind::counter, CounterShow::nonzero},
    {"signatures.transform_truncated", "transformed buffers cut at the transform room", CounterKind::counter,
     CounterShow::nonzero},
    {"signatures.flowint_dropped", "flowint writes lost: no free block, or a 9th variable on a flow",
     CounterKind::counter, CounterShow::nonzero},
    {"signatures.xbits_evicted", "live xbits replaced for lack of room", CounterKind::counter, CounterShow::nonzero},
    {"signatures.dataset_full", "dataset:set values that found no room", CounterKind::counter, CounterShow::nonzero},
};
static_assert(sizeof(ScannerCounters) == sizeof(kScannerCounterDefs) / sizeof(CounterDef) * sizeof(uint64_t));

class PerCoreScanner {
 public:
  PerCoreScanner(const SignatureEngine& engine, const ScannerConfig& config = {});
  ~PerCoreScanner();
  PerCoreScanner(const PerCoreScanner&) = delete;
  PerCoreScanner& operator=(const PerCoreScanner&) = delete;

  // One decoded IPv4/IPv6 packet of the flow `ctx` (whose init() ran on its first packet).
  void scan_packet(const DecodedPacket& pkt, uint64_t ts_ns, FlowContext& ctx, AlertBuffer& sink) noexcept;
  // One transaction's dissector buffers, sent by the client when `to_server`. `part` says
  // how far the transaction is (HTTP: headers, then body, each way); rules run at the part
  // their buffers need (Rule::tx_needs), so one transaction alerts each rule once.
  void scan_buffers(const AppBuffers& buffers, bool to_server, uint64_t ts_ns, FlowContext& ctx,
                    AlertBuffer& sink, TxPart part) noexcept;
  void scan_buffers(const AppBuffers& buffers, bool to_server, uint64_t ts_ns, FlowContext& ctx,
                    AlertBuffer& sink) noexcept {
    scan_buffers(buffers, to_server, ts_ns, ctx, sink, to_server ? TxPart::request : TxPart::response);
  }
  void scan_buffer(BufferKind kind, std::span<const uint8_t> data, bool to_server, uint64_t ts_ns,
                   FlowContext& ctx, AlertBuffer& sink) noexcept {
    AppBuffers b;
    b.set(kind, data);
    scan_buffers(b, to_server, ts_ns, ctx, sink);
  }
  // The flow is over: its stream slots go back to the pool.
  void on_flow_end(FlowContext& ctx) noexcept;

  const ScannerCounters& counters() const noexcept { return counters_; }
  uint32_t free_stream_slots() const noexcept { return static_cast<uint32_t>(free_slots_.size()); }

 private:
  struct StreamSlot;
  struct PacketMeta;
  struct ThresholdEntry;
  friend struct Inspector;

  static int on_literal(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void* self);
  void add_candidate(uint32_t rule) noexcept;
  void run_candidates(const PacketMeta& m, FlowContext& ctx, AlertBuffer& sink, const uint8_t* payload,
                      uint32_t payload_len, const uint8_t* window, uint32_t window_len, uint64_t window_base,
                      bool stream_active, const AppBuffers* app) noexcept;
  // RuleGate: the checks of header_ok that need no cold read of the rule (conservative).
  static bool gate_ok(const RuleGate& g, const PacketMeta& m, const FlowContext& ctx) noexcept;
  static bool stream_size_ok(const Rule::StreamSize& s, const FlowContext& ctx) noexcept;
  bool header_ok(const Rule& r, const PacketMeta& m, const FlowContext& ctx, bool app_scan) const noexcept;
  bool flowbits_ok(const Rule& r, const FlowContext& ctx) const noexcept;
  bool flowints_ok(const Rule& r, const FlowContext& ctx) const noexcept;
  bool xbits_ok(const Rule& r, const PacketMeta& m) const noexcept;
  // The writes of a rule that matched: flowbits, flowint (=, +, -), xbits.
  void apply_actions(const Rule& r, const PacketMeta& m, FlowContext& ctx) noexcept;
  void apply_flowbits(const Rule& r, FlowContext& ctx) noexcept;
  struct FlowVarBlock;
  FlowVarBlock* var_block(FlowContext& ctx, bool create) noexcept;
  const FlowVarBlock* var_block(const FlowContext& ctx) const noexcept;
  bool threshold_allows(uint32_t rule_index, const Rule& r, const PacketMeta& m) noexcept;
  void emit(uint32_t rule_index, const Rule& r, const PacketMeta& m, FlowContext& ctx, AlertBuffer& sink) noexcept;
  void update_tcp_state(const DecodedPacket& pkt, bool to_server, FlowContext& ctx) const noexcept;
  uint32_t linearize(uint32_t slot_plus1, const uint8_t* seg, uint32_t seg_len, uint64_t& base) noexcept;
  uint32_t acquire_slot() noexcept;
  void release_slot(uint32_t slot) noexcept;

  const SignatureEngine& engine_;
  ScannerConfig config_;
  HsScratch scratch_;
  std::unique_ptr<Pcre2Scratch> pcre2_;  // when some pcre runs on PCRE2
  // Two buffers a transform chain alternates between (when the engine has transforms).
  static constexpr std::size_t kTransformRoom = 65536 + 64;
  std::unique_ptr<uint8_t[]> transformed_[2];
  std::span<const uint8_t> apply_transforms(const std::vector<Transform>& chain, std::span<const uint8_t> in) noexcept;
  std::vector<uint64_t> candidate_bits_;
  std::vector<uint32_t> candidates_;
  TxPart scan_part_ = TxPart::request;  // of the scan_buffers call in progress
  std::unique_ptr<StreamSlot[]> slots_;
  std::vector<uint32_t> free_slots_;
  std::unique_ptr<uint8_t[]> windows_;     // stream_slots * stream_window bytes
  std::unique_ptr<uint8_t[]> linear_;      // one window + one maximal segment, for checking
  std::unique_ptr<ThresholdEntry[]> thresholds_;
  std::unique_ptr<FlowVarBlock[]> var_blocks_;
  std::vector<uint16_t> free_var_blocks_;
  std::unique_ptr<uint8_t[]> base64_room_;  // kBase64Room bytes, when some rule decodes base64
  ScannerCounters counters_;
};

// `flowprobe check --rules …`: loads and compiles, prints the summary to `out`.
// Returns 0 when every path was readable and the databases built (rejected rules do
// not make it fail), 1 otherwise.
int run_rules_check(const std::vector<std::string>& rule_paths, std::FILE* out);

}  // namespace flowprobe::sig
