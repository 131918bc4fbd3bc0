#pragma once
// The parsed form of one Suricata-syntax rule. Plain data: the parser fills it, the
// compiler (signature_engine.cpp) reads it and adds the Hyperscan ids. Nothing here
// is touched on the packet path except through const references.
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flowprobe::sig {

// Application protocol of a flow as the signature engine names it. The caller (nDPI /
// dissectors) sets FlowContext::app_proto; `alert http …` rules need it.
enum class AppProto : uint8_t { unknown = 0, http, dns, tls, ftp, smtp, ssh, smb, quic, ftp_data };
inline constexpr int kAppProtoCount = 10;
std::string_view app_proto_name(AppProto p);  // "http", …; "" for unknown

// What a content/pcre inspects. `payload` is the L4 payload (TCP: each segment and the
// reassembled stream); the others are filled by dissectors, one span per transaction.
enum class BufferKind : uint8_t {
  payload = 0,
  http_uri, http_raw_uri, http_method, http_host, http_raw_host, http_user_agent, http_header,
  http_raw_header, http_cookie, http_client_body, http_file_data, http_stat_code, http_stat_msg,
  http_header_names, http_content_type, http_content_len, http_referer, http_accept,
  http_accept_enc, http_accept_lang, http_connection, http_protocol, http_start,
  http_request_line, http_response_line,
  http_server, http_location, http_response_body,  // Suricata 7's response-side buffers
  http_request_header, http_response_header,      // multi-buffers: each header line, "name: value"
  dns_query,
  tls_sni, tls_cert_subject, tls_cert_issuer,
  tls_cert_serial, tls_cert_fingerprint,  // "5C:19:…" (DER bytes, upper case) / SHA-1 "4a:a3:…" (lower case)
  tls_certs,                              // multi-buffer: each certificate of the server's chain, DER
  ja3_hash, ja3s_hash, ja4_hash,  // TLS and QUIC fingerprints (the dissector computes them)
  ja3_string, ja3s_string,        // the strings JA3/JA3S hash
  ssh_proto, ssh_software,        // an SSH banner's parts, each direction's once
  count
};
inline constexpr int kBufferKindCount = static_cast<int>(BufferKind::count);

// The points of a transaction at which its app-layer buffers are scanned.
enum class TxPart : uint8_t { request, request_body, response, response_body };
namespace tx_needs {
inline constexpr uint8_t request_only = 1;   // URI, method, host, user agent, request line…
inline constexpr uint8_t response_only = 2;  // status code/message, response line, server body
inline constexpr uint8_t request_body = 4;
inline constexpr uint8_t response_body = 8;
// Whether a rule with `needs` is evaluated at `part`. Rules on buffers of either side
// (headers, cookies…) run on both the request and the response.
constexpr bool runs_at(uint8_t needs, TxPart part) {
  switch (part) {
    case TxPart::request: return !(needs & (response_only | request_body));
    case TxPart::request_body: return (needs & request_body) && !(needs & response_only);
    case TxPart::response: return !(needs & response_body) && ((needs & response_only) || !(needs & request_only));
    case TxPart::response_body: return needs & response_body;
  }
  return false;
}
}  // namespace tx_needs

struct BufferInfo {
  BufferKind kind;
  std::string_view name;      // also the Suricata 5+ sticky buffer keyword
  std::string_view modifier;  // Suricata 4 content modifier, applies to the content before ("" when none)
  std::string_view sticky2;   // Suricata 4 sticky spelling, applies to what follows ("" when none)
  AppProto proto;             // the protocol whose dissector fills it
  char pcre_flag;             // pcre modifier letter selecting it (0 when none)
  // Suricata 7's multi-buffers: a transaction carries several instances (each certificate,
  // each header line); the items after one naming of the keyword must all match within one
  // instance, and naming it again starts another set that may match another instance.
  bool multi = false;
};
// Indexed by BufferKind.
const BufferInfo& buffer_info(BufferKind k);

enum class Action : uint8_t { alert = 0, drop, reject, pass };

// One address or network, possibly negated. IPv4 sits in the first 4 bytes.
struct IpNet {
  std::array<uint8_t, 16> addr{};
  uint8_t bits = 0;      // prefix length
  uint8_t version = 4;
  bool negated = false;
};
// Matches when (no positive entry, or one positive entry matches) and no negated entry
// matches: how Suricata reads "[10.0.0.0/8,!10.1.2.3]" once negations are distributed.
struct AddrList {
  bool any = true;
  std::vector<IpNet> nets;
  bool matches(const uint8_t* ip, uint8_t version) const noexcept;
};

struct PortRange {
  uint16_t lo = 0, hi = 65535;
  bool negated = false;
};
struct PortList {
  bool any = true;
  std::vector<PortRange> ranges;
  bool matches(uint16_t port) const noexcept;
};

// "N", "<N", ">N", "<=N", ">=N", "!N", "A<>B" (exclusive, as Suricata's dsize/urilen), "A-B" (bsize, inclusive).
struct NumRange {
  enum class Op : uint8_t { eq, ne, lt, le, gt, ge, between } op = Op::eq;
  uint64_t a = 0, b = 0;
  bool test(uint64_t v) const noexcept;
};

enum class ItemType : uint8_t {
  content, pcre, byte_test, byte_jump, isdataat, bsize, byte_extract, byte_math, base64_decode, asn1, dataset
};
inline constexpr int kMaxByteVars = 8;  // byte_extract / byte_math variables per rule

// asn1's checks (Suricata's detect-asn1): bits of Item::asn1_checks.
namespace asn1_check {
inline constexpr uint8_t bitstring_overflow = 1, double_overflow = 2, oversize_length = 4;
}

// One inspection step on a buffer, evaluated in rule order with a cursor (the end of
// the previous match) so that distance/within/relative work as in Suricata.
struct Item {
  ItemType type = ItemType::content;
  bool negated = false;
  bool relative = false;     // distance/within, pcre R, byte_* relative, isdataat relative
  // content
  bool nocase = false;
  bool has_offset = false, has_depth = false, has_distance = false, has_within = false;
  bool startswith = false, endswith = false;
  bool fast_pattern = false;
  int32_t offset = 0, depth = 0, distance = 0, within = 0;
  std::string pattern;       // raw bytes; lower-cased when nocase
  // pcre: index into SignatureEngine's pcre databases
  uint32_t pcre_index = 0;
  // byte_test / byte_jump
  uint8_t nbytes = 0;
  bool little_endian = false;
  bool string = false;
  uint8_t base = 10;
  char op = '=';             // byte_test: < > = & ^ (<= >= as l g); byte_math: + - * / and << >> as l r
  uint64_t value = 0;
  uint64_t bitmask = 0;
  int32_t multiplier = 1;
  int32_t post_offset = 0;
  bool align = false;
  bool from_beginning = false;
  bool from_end = false;
  // isdataat (value in `offset`) / bsize
  NumRange range;
  // byte_extract: the variable it sets; elsewhere the variable a value is read from
  // instead of the number (-1: none), as byte_extract's names in Suricata.
  int8_t var = -1;
  int8_t value_var = -1, offset_var = -1, depth_var = -1, distance_var = -1, within_var = -1, nbytes_var = -1;
  // base64_decode: `value` bytes at most (0: the rest) from `offset`; `sub` are the
  // base64_data keywords, checked on the decoded bytes.
  std::vector<Item> sub;
  // asn1: asn1_check bits, oversize_length's bound in `value`, absolute_offset /
  // relative_offset (`relative`) in `offset` (has_offset: an offset was given).
  uint8_t asn1_checks = 0;
  // dataset / datarep: the set (SignatureEngine::datasets()), its command, and for
  // datarep the comparison with the value's reputation (`op`, `value`).
  uint16_t dataset = 0;
  enum class SetCmd : uint8_t { isset, isnotset, set, unset, rep } set_cmd = SetCmd::isset;
};

// Suricata's transforms: applied in order to a sticky buffer before its items are checked.
enum class TransformKind : uint8_t {
  dotprefix, to_lowercase, to_uppercase, strip_whitespace, compress_whitespace, url_decode, xor_key,
  header_lowercase, strip_pseudo_headers, to_md5, to_sha1, to_sha256, pcrexform
};
struct Transform {
  TransformKind kind = TransformKind::dotprefix;
  std::string key;  // xor: the key's bytes; pcrexform: the expression
  // pcrexform: the expression compiled by PCRE2 at load (pcre2_code), shared by copies.
  std::shared_ptr<const void> regex;
  bool operator==(const Transform& o) const { return kind == o.kind && key == o.key; }
};

struct BufferSpec {
  BufferKind kind = BufferKind::payload;
  std::vector<Transform> transforms;  // a buffer with transforms is another buffer to Suricata
  std::vector<Item> items;
};

struct FlowbitOp {
  enum class Cmd : uint8_t { set, unset, toggle, isset, isnotset } cmd = Cmd::set;
  std::vector<uint16_t> bits;  // ids into SignatureEngine's flowbit names
  bool any_of = false;         // "a|b": isset if any is set / isnotset if any is not set
};

// flowint: a per-flow unsigned 32-bit counter. Compares and isset/notset are conditions;
// `=`, `+`, `-` happen once the whole rule matched (Suricata's post-match list).
struct FlowintOp {
  enum class Op : uint8_t { set, add, sub, eq, ne, lt, le, gt, ge, isset, notset } op = Op::isset;
  uint16_t var = 0;          // id into SignatureEngine's flowint names
  uint32_t value = 0;
  int32_t value_var = -1;    // another flowint as the operand (unset reads as 0)
  bool is_condition() const { return op >= Op::eq; }
};

// xbits: bits kept per host (ip_src, ip_dst) or host pair, with an expiry in packet time.
struct XbitOp {
  enum class Cmd : uint8_t { set, unset, toggle, isset, isnotset } cmd = Cmd::set;
  enum class Track : uint8_t { ip_src, ip_dst, ip_pair } track = Track::ip_src;
  uint16_t bit = 0;          // id into SignatureEngine's xbit names
  uint32_t expire_s = 30;    // Suricata's default
  bool is_condition() const { return cmd == Cmd::isset || cmd == Cmd::isnotset; }
};

struct Threshold {
  enum class Type : uint8_t { limit, threshold, both, detection_filter } type = Type::limit;
  enum class Track : uint8_t { by_src, by_dst, by_rule, by_both } track = Track::by_src;
  uint32_t count = 1;
  uint32_t seconds = 60;
};

// Which of a TCP flow's data a payload rule reads (header protocol tcp-pkt / tcp-stream,
// dsize, flow:no_stream/only_stream).
enum class StreamUse : uint8_t { both = 0, packet_only, stream_only };

enum class L4 : uint8_t { ip = 0, tcp, udp, icmp };

struct Rule {
  // identity and output
  uint32_t sid = 0, gid = 1, rev = 0;
  std::string msg;
  int16_t class_index = -1;  // into SignatureEngine::classifications(); -1 none
  uint8_t priority = 3;      // severity in eve: rule priority, else the classtype's
  Action action = Action::alert;
  std::string file;
  uint32_t line = 0;

  // header
  L4 l4 = L4::ip;
  AppProto app = AppProto::unknown;  // app-layer protocol named in the header
  StreamUse stream = StreamUse::both;
  AddrList src, dst;
  PortList sport, dport;
  bool bidirectional = false;
  // Which part of an HTTP transaction the rule's buffers need (TxNeeds bits): the scan of
  // that part, and no other, evaluates it (Suricata's inspection progress).
  uint8_t tx_needs = 0;

  // per-packet conditions
  uint8_t flow_dir = 0;         // 0 any, 1 to_server, 2 to_client
  int8_t established = -1;      // -1 any, 1 established, 0 not_established
  std::optional<NumRange> dsize;
  bool has_flags = false;
  uint8_t flags_set = 0, flags_mask = 0;  // TCP: (flags & mask) == set, after the ignore mask
  char flags_mode = 0;                    // 0 exact, '+' all these and any other, '*' any of, '!' none of
  // The `flags` test for one TCP flags byte (true when the rule has none).
  bool flags_pass(uint8_t tcp_flags) const {
    if (!has_flags) return true;
    const auto f = static_cast<uint8_t>(tcp_flags & flags_mask);
    switch (flags_mode) {
      case 0: return f == flags_set;
      case '+': return (f & flags_set) == flags_set;
      case '*': return (f & flags_set) != 0;
      case '!': return (f & flags_set) == 0;
    }
    return false;
  }
  std::optional<NumRange> itype, icode;
  std::optional<NumRange> ip_proto;  // ip_proto: the IP protocol number
  std::optional<NumRange> ip_id;     // id: the IPv4 identification
  std::optional<NumRange> icmp_id;   // icmp_id: an ICMP echo/timestamp/info/address identifier
  // stream_size: the TCP sequence space a side has used so far (its SYN and data, as
  // Suricata's next_seq - isn), compared with `range`.
  enum class StreamSide : uint8_t { client, server, both, either };
  struct StreamSize {
    StreamSide side = StreamSide::client;
    NumRange range;
  };
  std::optional<StreamSize> stream_size;

  std::vector<BufferSpec> buffers;  // in order of first use
  std::vector<FlowbitOp> flowbit_conds, flowbit_actions;
  std::vector<FlowintOp> flowint_conds, flowint_actions;
  std::vector<XbitOp> xbit_conds, xbit_actions;
  bool noalert = false;
  std::optional<Threshold> threshold;
  bool ip_only = false;  // nothing but header: Suricata alerts once per flow direction

  // set by the compiler: the literal that prefilters the rule, or none (checked on every scan)
  int prefilter_buffer = -1;  // index into buffers
  int prefilter_item = -1;    // index into buffers[prefilter_buffer].items
  // The literal Hyperscan looks for in the raw buffer: the item's own, or for a transformed
  // buffer one the raw bytes must hold when the transformed ones hold the item's (dotprefix
  // drops the leading '.', case transforms make it caseless).
  std::string prefilter_pattern;
  bool prefilter_nocase = false;
};

}  // namespace flowprobe::sig
