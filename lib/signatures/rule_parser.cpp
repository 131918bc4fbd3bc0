#include "signatures/rule_parser.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <limits>
#include <utility>

#include <hs/hs_compile.h>

#include "signatures/pcre_program.hpp"

namespace flowprobe::sig {

namespace {

constexpr std::array<BufferInfo, kBufferKindCount> kBuffers{{
    // name (sticky buffer), Suricata 4 content modifier, Suricata 4 sticky spelling
    {BufferKind::payload, "payload", "", "", AppProto::unknown, 0},
    {BufferKind::http_uri, "http.uri", "http_uri", "", AppProto::http, 'U'},
    {BufferKind::http_raw_uri, "http.uri.raw", "http_raw_uri", "", AppProto::http, 'I'},
    {BufferKind::http_method, "http.method", "http_method", "", AppProto::http, 'M'},
    {BufferKind::http_host, "http.host", "http_host", "", AppProto::http, 'W'},
    {BufferKind::http_raw_host, "http.host.raw", "http_raw_host", "", AppProto::http, 'Z'},
    {BufferKind::http_user_agent, "http.user_agent", "http_user_agent", "", AppProto::http, 'V'},
    {BufferKind::http_header, "http.header", "http_header", "", AppProto::http, 'H'},
    {BufferKind::http_raw_header, "http.header.raw", "http_raw_header", "", AppProto::http, 'D'},
    {BufferKind::http_cookie, "http.cookie", "http_cookie", "", AppProto::http, 'C'},
    {BufferKind::http_client_body, "http.request_body", "http_client_body", "", AppProto::http, 'P'},
    {BufferKind::http_file_data, "file.data", "http_server_body", "file_data", AppProto::unknown, 'Q'},
    {BufferKind::http_stat_code, "http.stat_code", "http_stat_code", "", AppProto::http, 'S'},
    {BufferKind::http_stat_msg, "http.stat_msg", "http_stat_msg", "", AppProto::http, 'Y'},
    {BufferKind::http_header_names, "http.header_names", "", "http_header_names", AppProto::http, 0},
    {BufferKind::http_content_type, "http.content_type", "", "http_content_type", AppProto::http, 0},
    {BufferKind::http_content_len, "http.content_len", "", "http_content_len", AppProto::http, 0},
    {BufferKind::http_referer, "http.referer", "", "http_referer", AppProto::http, 0},
    {BufferKind::http_accept, "http.accept", "", "http_accept", AppProto::http, 0},
    {BufferKind::http_accept_enc, "http.accept_enc", "", "http_accept_enc", AppProto::http, 0},
    {BufferKind::http_accept_lang, "http.accept_lang", "", "http_accept_lang", AppProto::http, 0},
    {BufferKind::http_connection, "http.connection", "", "http_connection", AppProto::http, 0},
    {BufferKind::http_protocol, "http.protocol", "", "http_protocol", AppProto::http, 0},
    {BufferKind::http_start, "http.start", "", "http_start", AppProto::http, 0},
    {BufferKind::http_request_line, "http.request_line", "", "http_request_line", AppProto::http, 0},
    {BufferKind::http_response_line, "http.response_line", "", "http_response_line", AppProto::http, 0},
    {BufferKind::http_server, "http.server", "", "", AppProto::http, 0},
    {BufferKind::http_location, "http.location", "", "", AppProto::http, 0},
    // The response's body only (file.data on a to_server rule is the request's);
    // http_server_body stays file.data's legacy spelling.
    {BufferKind::http_response_body, "http.response_body", "", "", AppProto::http, 0},
    {BufferKind::http_request_header, "http.request_header", "", "", AppProto::http, 0, true},
    {BufferKind::http_response_header, "http.response_header", "", "", AppProto::http, 0, true},
    {BufferKind::dns_query, "dns.query", "", "dns_query", AppProto::dns, 0},
    {BufferKind::tls_sni, "tls.sni", "", "tls_sni", AppProto::tls, 0},
    {BufferKind::tls_cert_subject, "tls.cert_subject", "", "tls_cert_subject", AppProto::tls, 0},
    {BufferKind::tls_cert_issuer, "tls.cert_issuer", "", "tls_cert_issuer", AppProto::tls, 0},
    {BufferKind::tls_cert_serial, "tls.cert_serial", "", "tls_cert_serial", AppProto::tls, 0},
    {BufferKind::tls_cert_fingerprint, "tls.cert_fingerprint", "", "tls_cert_fingerprint", AppProto::tls, 0},
    {BufferKind::tls_certs, "tls.certs", "", "", AppProto::tls, 0, true},
    // TLS or QUIC: the rule's header says which (unknown here lets both through).
    {BufferKind::ja3_hash, "ja3.hash", "", "ja3_hash", AppProto::unknown, 0},
    {BufferKind::ja3s_hash, "ja3s.hash", "", "ja3s_hash", AppProto::unknown, 0},
    {BufferKind::ja4_hash, "ja4.hash", "", "", AppProto::unknown, 0},
    {BufferKind::ja3_string, "ja3.string", "", "", AppProto::unknown, 0},
    {BufferKind::ja3s_string, "ja3s.string", "", "", AppProto::unknown, 0},
    {BufferKind::ssh_proto, "ssh.proto", "", "ssh_proto", AppProto::ssh, 0},
    {BufferKind::ssh_software, "ssh.software", "", "ssh_software", AppProto::ssh, 0},
}};

constexpr bool buffers_in_enum_order() {
  for (int i = 0; i < kBufferKindCount; ++i)
    if (static_cast<int>(kBuffers[static_cast<std::size_t>(i)].kind) != i) return false;
  return true;
}
static_assert(buffers_in_enum_order(), "kBuffers is indexed by BufferKind");

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

bool parse_i64(std::string_view s, int64_t lo, int64_t hi, int64_t& out) {
  s = trim(s);
  if (s.empty()) return false;
  int base = 10;
  bool neg = false;
  if (s.front() == '-') { neg = true; s.remove_prefix(1); }
  else if (s.front() == '+') s.remove_prefix(1);
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) { base = 16; s.remove_prefix(2); }
  uint64_t v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return false;
  if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return false;
  const int64_t sv = neg ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
  if (sv < lo || sv > hi) return false;
  out = sv;
  return true;
}

template <typename T>
bool parse_num(std::string_view s, int64_t lo, int64_t hi, T& out) {
  int64_t v;
  if (!parse_i64(s, lo, hi, v)) return false;
  out = static_cast<T>(v);
  return true;
}

// Splits on `sep` at bracket depth 0.
std::vector<std::string_view> split_top(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '[') ++depth;
    else if (s[i] == ']') --depth;
    else if (s[i] == sep && depth == 0) {
      out.push_back(trim(s.substr(start, i - start)));
      start = i + 1;
    }
  }
  out.push_back(trim(s.substr(start)));
  return out;
}

std::vector<std::string_view> split_plain(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      out.push_back(trim(s.substr(start, i - start)));
      start = i + 1;
    }
  }
  return out;
}

bool fail(RuleError& e, std::string reason, std::string_view detail = {}) {
  e.reason = std::move(reason);
  e.detail = std::string(detail);
  return false;
}

// ---- addresses and ports ---------------------------------------------------------

constexpr int kMaxVarDepth = 16;

bool parse_addr(std::string_view s, const RuleVars& vars, bool neg, int depth, std::vector<IpNet>& out,
                RuleError& err) {
  s = trim(s);
  if (depth > kMaxVarDepth) return fail(err, "malformed address", "variables nest too deep (a loop?)");
  if (s.empty()) return fail(err, "malformed address", "empty address");
  if (auto parts = split_top(s, ','); parts.size() > 1) {  // a list without brackets
    for (auto part : parts)
      if (!parse_addr(part, vars, neg, depth + 1, out, err)) return false;
    return true;
  }
  if (s.front() == '!') return parse_addr(s.substr(1), vars, !neg, depth + 1, out, err);
  if (s.front() == '[') {
    if (s.back() != ']') return fail(err, "malformed address", s);
    for (auto part : split_top(s.substr(1, s.size() - 2), ','))
      if (!parse_addr(part, vars, neg, depth + 1, out, err)) return false;
    return true;
  }
  if (s.front() == '$') {
    auto it = vars.find(s.substr(1));
    if (it == vars.end()) return fail(err, "undefined variable", s);
    return parse_addr(it->second, vars, neg, depth + 1, out, err);
  }
  if (s == "any") {
    if (neg) return fail(err, "malformed address", "negated 'any' matches nothing");
    IpNet v4, v6;
    v4.version = 4;
    v6.version = 6;
    out.push_back(v4);
    out.push_back(v6);
    return true;
  }
  IpNet net;
  net.negated = neg;
  std::string text(s);
  std::string prefix;
  if (auto slash = text.find('/'); slash != std::string::npos) {
    prefix = text.substr(slash + 1);
    text.resize(slash);
  }
  if (text.find(':') != std::string::npos) {
    in6_addr a6;
    if (inet_pton(AF_INET6, text.c_str(), &a6) != 1) return fail(err, "malformed address", s);
    std::memcpy(net.addr.data(), &a6, 16);
    net.version = 6;
    net.bits = 128;
  } else {
    in_addr a4;
    if (inet_pton(AF_INET, text.c_str(), &a4) != 1) return fail(err, "malformed address", s);
    std::memcpy(net.addr.data(), &a4, 4);
    net.version = 4;
    net.bits = 32;
  }
  if (!prefix.empty()) {
    int bits;
    if (net.version == 4 && prefix.find('.') != std::string::npos) {
      in_addr m;
      if (inet_pton(AF_INET, prefix.c_str(), &m) != 1) return fail(err, "malformed address", s);
      bits = __builtin_popcount(m.s_addr);
    } else if (!parse_num(prefix, 0, net.version == 4 ? 32 : 128, bits)) {
      return fail(err, "malformed address", s);
    }
    net.bits = static_cast<uint8_t>(bits);
  }
  out.push_back(net);
  return true;
}

bool parse_port(std::string_view s, const RuleVars& vars, bool neg, int depth, std::vector<PortRange>& out,
                bool& saw_any, RuleError& err) {
  s = trim(s);
  if (depth > kMaxVarDepth) return fail(err, "malformed port", "variables nest too deep (a loop?)");
  if (s.empty()) return fail(err, "malformed port", "empty port");
  if (auto parts = split_top(s, ','); parts.size() > 1) {  // "5800,!445": a list without brackets
    for (auto part : parts)
      if (!parse_port(part, vars, neg, depth + 1, out, saw_any, err)) return false;
    return true;
  }
  if (s.front() == '!') return parse_port(s.substr(1), vars, !neg, depth + 1, out, saw_any, err);
  if (s.front() == '[') {
    if (s.back() != ']') return fail(err, "malformed port", s);
    for (auto part : split_top(s.substr(1, s.size() - 2), ','))
      if (!parse_port(part, vars, neg, depth + 1, out, saw_any, err)) return false;
    return true;
  }
  if (s.front() == '$') {
    auto it = vars.find(s.substr(1));
    if (it == vars.end()) return fail(err, "undefined variable", s);
    return parse_port(it->second, vars, neg, depth + 1, out, saw_any, err);
  }
  PortRange r;
  r.negated = neg;
  if (s == "any") {
    if (neg) return fail(err, "malformed port", "negated 'any' matches nothing");
    saw_any = true;
    out.push_back(r);
    return true;
  }
  if (auto colon = s.find(':'); colon != std::string_view::npos) {
    auto lo = trim(s.substr(0, colon)), hi = trim(s.substr(colon + 1));
    if ((!lo.empty() && !parse_num(lo, 0, 65535, r.lo)) || (!hi.empty() && !parse_num(hi, 0, 65535, r.hi)) ||
        r.lo > r.hi)
      return fail(err, "malformed port", s);
  } else {
    if (!parse_num(s, 0, 65535, r.lo)) return fail(err, "malformed port", s);
    r.hi = r.lo;
  }
  out.push_back(r);
  return true;
}

bool parse_addr_list(std::string_view s, const RuleVars& vars, AddrList& out, RuleError& err) {
  if (trim(s) == "any") { out.any = true; return true; }
  out.any = false;
  return parse_addr(s, vars, false, 0, out.nets, err);
}

bool parse_port_list(std::string_view s, const RuleVars& vars, PortList& out, RuleError& err) {
  if (trim(s) == "any") { out.any = true; return true; }
  out.any = false;
  bool saw_any = false;
  return parse_port(s, vars, false, 0, out.ranges, saw_any, err);
}

// ---- option values ---------------------------------------------------------------

// Strips the quotes of a value, and a leading '!' into `negated`.
bool unquote(std::string_view v, bool& negated, std::string_view& inner) {
  v = trim(v);
  negated = false;
  if (!v.empty() && v.front() == '!') { negated = true; v = trim(v.substr(1)); }
  if (v.size() < 2 || v.front() != '"' || v.back() != '"') return false;
  inner = v.substr(1, v.size() - 2);
  return true;
}

// msg and similar: remove the backslash of \" \\ \; \:
std::string unescape_text(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) ++i;
    out.push_back(s[i]);
  }
  return out;
}

bool parse_range(std::string_view v, NumRange& r, bool dash_range, uint64_t max) {
  v = trim(v);
  auto num = [&](std::string_view s, uint64_t& out) {
    int64_t x;
    if (!parse_i64(s, 0, static_cast<int64_t>(max), x)) return false;
    out = static_cast<uint64_t>(x);
    return true;
  };
  if (auto p = v.find("<>"); p != std::string_view::npos) {
    r.op = NumRange::Op::between;
    return num(v.substr(0, p), r.a) && num(v.substr(p + 2), r.b) && r.a < r.b;
  }
  if (v.starts_with("<=")) { r.op = NumRange::Op::le; return num(v.substr(2), r.a); }
  if (v.starts_with(">=")) { r.op = NumRange::Op::ge; return num(v.substr(2), r.a); }
  if (v.starts_with("<")) { r.op = NumRange::Op::lt; return num(v.substr(1), r.a); }
  if (v.starts_with(">")) { r.op = NumRange::Op::gt; return num(v.substr(1), r.a); }
  if (v.starts_with("!")) { r.op = NumRange::Op::ne; return num(v.substr(1), r.a); }
  if (auto p = v.find('-'); dash_range && p != std::string_view::npos && p > 0) {
    // inclusive "A-B": stored as the exclusive A-1<>B+1
    uint64_t a, b;
    if (!num(v.substr(0, p), a) || !num(v.substr(p + 1), b) || a > b) return false;
    r.op = NumRange::Op::between;
    r.a = a == 0 ? 0 : a - 1;
    r.b = b + 1;
    if (a == 0) { r.op = NumRange::Op::le; r.a = b; }
    return true;
  }
  r.op = NumRange::Op::eq;
  return num(v, r.a);
}

constexpr int32_t kMaxOffset = 65535;  // Suricata keeps offsets, depths and distances in 16 bits

struct Pending {
  BufferKind kind;
  Item item;
  std::vector<Transform> transforms;
  int b64_parent = -1;  // base64_data keywords: index into seq_ of their base64_decode
  int instance = 0;     // multi-buffers: which naming of the keyword the item follows
};

class RuleBuilder {
 public:
  RuleBuilder(ParseContext& ctx, Rule& rule, RuleError& err) : ctx_(ctx), r_(rule), err_(err) {}

  bool option(std::string_view name, std::string_view value, bool has_value);
  bool finish();

 private:
  Item* last_content() {
    if (last_content_ < 0) return nullptr;
    return &seq_[static_cast<std::size_t>(last_content_)].item;
  }
  BufferKind current_kind() const {
    return sticky_ >= 0 ? static_cast<BufferKind>(sticky_) : BufferKind::payload;
  }
  // Buffer of the last content/pcre (for relative keywords), else the sticky one.
  BufferKind relative_kind() const {
    if (last_pattern_ >= 0) return seq_[static_cast<std::size_t>(last_pattern_)].kind;
    return current_kind();
  }
  bool content(std::string_view value, BufferKind kind);
  bool content_modifier(std::string_view name, std::string_view value, bool has_value);
  bool pcre(std::string_view value);
  bool byte_test(std::string_view value);
  bool byte_jump(std::string_view value);
  bool isdataat(std::string_view value);
  bool flow(std::string_view value);
  bool requires_(std::string_view value);
  bool flowbits(std::string_view value);
  bool threshold(std::string_view value, bool detection_filter);
  bool flags(std::string_view value);
  bool move_last_content(BufferKind kind, std::string_view name);
  bool transform(std::string_view name, std::string_view value, bool has_value);
  // Adds a keyword that reads the buffer of the pattern before it when relative, else the sticky one.
  void push(Item it) {
    const BufferKind k = it.relative ? relative_kind() : current_kind();
    add(k, std::move(it));
  }
  // Every keyword lands here: after base64_data, on the decoded bytes of the last base64_decode.
  void add(BufferKind k, Item it) {
    seq_.push_back({k, std::move(it), transforms_for(k), b64_data_ ? b64_decode_ : -1, instance_for(k)});
  }
  // A multi-buffer's items group by the naming of the keyword they follow (a relative
  // keyword by its pattern's); every other buffer's items form one group.
  int instance_for(BufferKind k) const {
    if (!kBuffers[static_cast<std::size_t>(k)].multi) return 0;
    if (sticky_ >= 0 && k == static_cast<BufferKind>(sticky_)) return sticky_naming_;
    if (last_pattern_ >= 0 && seq_[static_cast<std::size_t>(last_pattern_)].kind == k)
      return seq_[static_cast<std::size_t>(last_pattern_)].instance;
    return 0;
  }
  bool byte_extract(std::string_view value);
  bool define_var(std::string_view name, Item it, const std::string& malformed);
  bool byte_math(std::string_view value);
  bool base64_decode(std::string_view value, bool has_value);
  bool asn1(std::string_view value);
  bool flowint(std::string_view value);
  bool xbits(std::string_view value);
  bool dataset(std::string_view value, bool rep);
  int b64_decode_ = -1;    // seq_ index of the last base64_decode
  bool b64_data_ = false;  // base64_data named: keywords read the decoded bytes
  // A byte_extract variable named by `v` (usable on buffer `kind`): its slot, -1 when `v`
  // is not a name, -2 (error set) when it names no variable of that buffer.
  int variable(std::string_view v, BufferKind kind) {
    v = trim(v);
    if (v.empty() || !(std::isalpha(static_cast<unsigned char>(v[0])) || v[0] == '_')) return -1;
    for (std::size_t i = 0; i < vars_.size(); ++i)
      if (vars_[i].first == v) {
        if (seq_[vars_[i].second].kind != kind || (seq_[vars_[i].second].b64_parent >= 0) != b64_data_) {
          fail(err_, "byte_extract variable of another buffer", v);
          return -2;
        }
        return static_cast<int>(i);
      }
    fail(err_, "unknown byte_extract variable", v);
    return -2;
  }
  std::vector<std::pair<std::string, std::size_t>> vars_;  // name, index into seq_ of its byte_extract
  // The transforms an item on buffer `k` is checked through: the sticky buffer's, or those
  // of the pattern a relative keyword follows.
  std::vector<Transform> transforms_for(BufferKind k) const {
    if (sticky_ >= 0 && k == static_cast<BufferKind>(sticky_)) return sticky_transforms_;
    if (last_pattern_ >= 0 && seq_[static_cast<std::size_t>(last_pattern_)].kind == k)
      return seq_[static_cast<std::size_t>(last_pattern_)].transforms;
    return {};
  }

  ParseContext& ctx_;
  Rule& r_;
  RuleError& err_;
  std::vector<Pending> seq_;
  int sticky_ = -1;
  std::vector<Transform> sticky_transforms_;
  std::size_t sticky_start_ = 0;  // seq_ size when the sticky buffer was named
  int sticky_naming_ = 0;         // sticky buffer keywords named so far
  int last_content_ = -1;
  int last_pattern_ = -1;
  bool has_sid_ = false, has_msg_ = false;
  int explicit_priority_ = -1;
};

bool RuleBuilder::content(std::string_view value, BufferKind kind) {
  bool neg;
  std::string_view inner;
  if (!unquote(value, neg, inner)) return fail(err_, "malformed content", "content must be a quoted string");
  Item it;
  it.type = ItemType::content;
  it.negated = neg;
  std::string why;
  if (!decode_content(inner, it.pattern, why)) return fail(err_, "malformed content", why);
  if (it.pattern.empty()) return fail(err_, "malformed content", "empty content");
  if (it.pattern.size() > static_cast<std::size_t>(kMaxOffset)) return fail(err_, "malformed content", "content too long");
  add(kind, std::move(it));
  last_content_ = last_pattern_ = static_cast<int>(seq_.size() - 1);
  return true;
}

// Transforms follow their sticky buffer directly, before its first content (as Suricata
// requires), and apply in the order given.
bool RuleBuilder::transform(std::string_view name, std::string_view value, bool has_value) {
  if (sticky_ < 0) return fail(err_, "transform without a sticky buffer", name);
  if (seq_.size() != sticky_start_) return fail(err_, "transform after the buffer's first keyword", name);
  Transform t;
  static constexpr std::pair<std::string_view, TransformKind> kNames[] = {
      {"dotprefix", TransformKind::dotprefix}, {"to_lowercase", TransformKind::to_lowercase},
      {"to_uppercase", TransformKind::to_uppercase}, {"strip_whitespace", TransformKind::strip_whitespace},
      {"compress_whitespace", TransformKind::compress_whitespace}, {"url_decode", TransformKind::url_decode},
      {"xor", TransformKind::xor_key}, {"header_lowercase", TransformKind::header_lowercase},
      {"strip_pseudo_headers", TransformKind::strip_pseudo_headers}, {"to_md5", TransformKind::to_md5},
      {"to_sha1", TransformKind::to_sha1}, {"to_sha256", TransformKind::to_sha256},
      {"pcrexform", TransformKind::pcrexform}};
  for (const auto& [n, k] : kNames)
    if (n == name) t.kind = k;
  if (t.kind == TransformKind::xor_key) {
    bool neg;
    std::string_view inner;
    std::string why;
    if (!has_value || !unquote(value, neg, inner) || neg || inner.empty() || inner.size() % 2 ||
        !decode_content("|" + std::string(inner) + "|", t.key, why))
      return fail(err_, "malformed xor", value);
  } else if (t.kind == TransformKind::pcrexform) {
    // Suricata: a quoted PCRE (no /…/ flags) with a capture group; the buffer becomes
    // what the first group captured.
    bool neg;
    std::string_view inner;
    if (!has_value || !unquote(value, neg, inner) || neg || inner.empty())
      return fail(err_, "malformed pcrexform", "needs a quoted expression");
    std::string why;
    Pcre2Code re = compile_pcre2(std::string(inner), 0, why);
    if (!re) return fail(err_, "malformed pcrexform", why);
    uint32_t groups = 0;
    if (pcre2_pattern_info(re.get(), PCRE2_INFO_CAPTURECOUNT, &groups) != 0 || groups == 0)
      return fail(err_, "malformed pcrexform", "the expression has no capture group");
    t.key = std::string(inner);
    t.regex = std::shared_ptr<const void>(re.release(), [](const void* c) {
      pcre2_code_free(static_cast<pcre2_code*>(const_cast<void*>(c)));
    });
  } else if (has_value) {
    return fail(err_, "malformed transform", std::string(name) + " takes no value");
  }
  sticky_transforms_.push_back(std::move(t));
  return true;
}

bool RuleBuilder::move_last_content(BufferKind kind, std::string_view name) {
  if (last_content_ < 0) return fail(err_, "modifier without a content", name);
  if (sticky_ >= 0) return fail(err_, "content modifier after a sticky buffer", name);
  auto& p = seq_[static_cast<std::size_t>(last_content_)];
  if (p.kind != BufferKind::payload && p.kind != kind) return fail(err_, "content in two buffers", name);
  p.kind = kind;
  return true;
}

bool RuleBuilder::content_modifier(std::string_view name, std::string_view value, bool has_value) {
  Item* c = last_content();
  if (!c) return fail(err_, "modifier without a content", name);
  auto number = [&](int64_t lo, int64_t hi, int32_t& out, int8_t* var = nullptr) {
    if (var) {
      const int v = variable(value, seq_[static_cast<std::size_t>(last_content_)].kind);
      if (v == -2) return false;
      if (v >= 0) {
        *var = static_cast<int8_t>(v);
        out = static_cast<int32_t>(std::max<int64_t>(lo, 0));  // placeholder; the variable decides
        return true;
      }
    }
    if (!parse_num(value, lo, hi, out)) return fail(err_, "value out of range", std::string(name) + ":" + std::string(value));
    return true;
  };
  if (name == "nocase") {
    c->nocase = true;
    for (auto& ch : c->pattern) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return true;
  }
  if (name == "offset") { c->has_offset = true; return number(0, kMaxOffset, c->offset, &c->offset_var); }
  if (name == "depth") { c->has_depth = true; return number(1, kMaxOffset, c->depth, &c->depth_var); }
  if (name == "distance") { c->has_distance = true; return number(-kMaxOffset, kMaxOffset, c->distance, &c->distance_var); }
  if (name == "within") { c->has_within = true; return number(1, kMaxOffset, c->within, &c->within_var); }
  if (name == "startswith") { c->startswith = true; return true; }
  if (name == "endswith") { c->endswith = true; return true; }
  if (name == "rawbytes") return true;  // no normalisation happens on payload, so raw = normal
  if (name == "fast_pattern") {
    // "only" and "offset,length" tune the prefilter only; the whole content is still checked.
    if (has_value) {
      auto v = trim(value);
      if (v != "only") {
        auto parts = split_plain(v, ',');
        int32_t a, b;
        if (parts.size() != 2 || !parse_num(parts[0], 0, kMaxOffset, a) || !parse_num(parts[1], 1, kMaxOffset, b))
          return fail(err_, "malformed fast_pattern", value);
      }
    }
    c->fast_pattern = !c->negated;
    return true;
  }
  return fail(err_, "unsupported keyword: " + std::string(name));
}

bool RuleBuilder::isdataat(std::string_view value) {
  Item it;
  it.type = ItemType::isdataat;
  auto parts = split_plain(value, ',');
  auto v = parts[0];
  if (!v.empty() && v.front() == '!') { it.negated = true; v = trim(v.substr(1)); }
  for (std::size_t i = 1; i < parts.size(); ++i) {
    if (parts[i] == "relative") it.relative = true;
    else if (parts[i] == "rawbytes") {}
    else return fail(err_, "unsupported isdataat option", parts[i]);
  }
  if (const int var = variable(v, it.relative ? relative_kind() : current_kind()); var == -2) return false;
  else if (var >= 0) it.offset_var = static_cast<int8_t>(var);
  else if (!parse_num(v, 0, kMaxOffset, it.offset)) return fail(err_, "value out of range", "isdataat:" + std::string(value));
  push(std::move(it));
  return true;
}

bool parse_base(std::string_view s, uint8_t& base) {
  if (s == "dec") base = 10;
  else if (s == "hex") base = 16;
  else if (s == "oct") base = 8;
  else return false;
  return true;
}

// The options byte_test, byte_jump and byte_extract share.
enum class ByteOption { taken, other, bad };
ByteOption byte_option(std::string_view p, Item& it, bool& has_base) {
  if (p == "relative") it.relative = true;
  else if (p == "little") it.little_endian = true;
  else if (p == "big") it.little_endian = false;
  else if (p == "string") it.string = true;
  else if (parse_base(p, it.base)) has_base = true;
  else if (p.starts_with("bitmask")) {
    int64_t m;
    if (!parse_i64(p.substr(7), 1, std::numeric_limits<int64_t>::max(), m)) return ByteOption::bad;
    it.bitmask = static_cast<uint64_t>(m);
  } else {
    return ByteOption::other;
  }
  return ByteOption::taken;
}

bool RuleBuilder::byte_test(std::string_view value) {
  auto parts = split_plain(value, ',');
  if (parts.size() < 4) return fail(err_, "malformed byte_test", value);
  Item it;
  it.type = ItemType::byte_test;
  // 0 bytes is Suricata's "as many as there are": with `string`, the number that starts
  // at the offset, however long (its util-byte ByteExtractString with len 0).
  const bool relative = std::find(parts.begin() + 4, parts.end(), std::string_view("relative")) != parts.end();
  const BufferKind kind = relative ? relative_kind() : current_kind();
  // Suricata 7: the byte count may be a variable too.
  if (const int var = variable(parts[0], kind); var == -2) return false;
  else if (var >= 0) it.nbytes_var = static_cast<int8_t>(var), it.nbytes = 1;
  else if (!parse_num(parts[0], 0, 23, it.nbytes)) return fail(err_, "malformed byte_test", value);
  auto op = parts[1];
  if (!op.empty() && op.front() == '!') { it.negated = true; op = trim(op.substr(1)); }
  if (op.empty()) op = "=";  // "!" alone means "not equal"
  if (op == "<") it.op = '<';
  else if (op == ">") it.op = '>';
  else if (op == "=") it.op = '=';
  else if (op == "&") it.op = '&';
  else if (op == "^") it.op = '^';
  else if (op == "<=") it.op = 'l';
  else if (op == ">=") it.op = 'g';
  else return fail(err_, "malformed byte_test", value);
  int64_t v = 0;
  if (const int var = variable(parts[2], kind); var == -2) return false;
  else if (var >= 0) it.value_var = static_cast<int8_t>(var);
  else if (!parse_i64(parts[2], 0, std::numeric_limits<int64_t>::max(), v))
    return fail(err_, "value out of range", "byte_test:" + std::string(value));
  it.value = static_cast<uint64_t>(v);
  if (const int var = variable(parts[3], kind); var == -2) return false;
  else if (var >= 0) it.offset_var = static_cast<int8_t>(var);
  else if (!parse_num(parts[3], -kMaxOffset, kMaxOffset, it.offset))
    return fail(err_, "value out of range", "byte_test:" + std::string(value));
  bool has_base = false;
  for (std::size_t i = 4; i < parts.size(); ++i) {
    const auto p = parts[i];
    if (const auto o = byte_option(p, it, has_base); o == ByteOption::bad) return fail(err_, "malformed byte_test", value);
    else if (o == ByteOption::taken) {}
    else if (p == "dce") return fail(err_, "unsupported keyword: byte_test dce");
    else return fail(err_, "malformed byte_test", value);
  }
  if (!it.string && it.nbytes > 8) return fail(err_, "malformed byte_test", "more than 8 bytes without 'string'");
  if (!it.string && has_base) return fail(err_, "malformed byte_test", "a base without 'string'");
  push(std::move(it));
  return true;
}

// byte_extract:<bytes>,<offset>,<name>[,relative][,multiplier M][,big|little][,string[,hex|dec|oct]]
// [,align 2|4][,bitmask M]: reads a number into a variable that later keywords of the
// same buffer use for a value or an offset; the cursor moves past the bytes read.
bool RuleBuilder::byte_extract(std::string_view value) {
  auto parts = split_plain(value, ',');
  if (parts.size() < 3) return fail(err_, "malformed byte_extract", value);
  Item it;
  it.type = ItemType::byte_extract;
  if (!parse_num(parts[0], 1, 23, it.nbytes) || !parse_num(parts[1], -kMaxOffset, kMaxOffset, it.offset))
    return fail(err_, "malformed byte_extract", value);
  const std::string_view name = parts[2];
  if (name.empty() || !(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_'))
    return fail(err_, "malformed byte_extract", value);
  bool has_base = false;
  for (std::size_t i = 3; i < parts.size(); ++i) {
    const auto p = parts[i];
    if (const auto o = byte_option(p, it, has_base); o == ByteOption::bad) return fail(err_, "malformed byte_extract", value);
    else if (o == ByteOption::taken) {}
    else if (p.starts_with("multiplier")) {
      if (!parse_num(p.substr(10), 1, 65535, it.multiplier)) return fail(err_, "malformed byte_extract", value);
    } else if (p.starts_with("align")) {
      int32_t a;
      if (!parse_num(p.substr(5), 2, 4, a) || a == 3) return fail(err_, "malformed byte_extract", value);
      it.post_offset = a;  // the alignment, for byte_extract
    } else if (p == "dce") return fail(err_, "unsupported keyword: byte_extract dce");
    else return fail(err_, "malformed byte_extract", value);
  }
  if (!it.string && (it.nbytes > 8 || has_base)) return fail(err_, "malformed byte_extract", value);
  return define_var(name, std::move(it), "malformed byte_extract");
}

// The variable a byte_extract or byte_math item sets, then the item itself.
bool RuleBuilder::define_var(std::string_view name, Item it, const std::string& malformed) {
  for (const auto& v : vars_)
    if (v.first == name) return fail(err_, malformed, "variable named twice");
  if (vars_.size() >= static_cast<std::size_t>(kMaxByteVars)) return fail(err_, malformed, "too many variables");
  it.var = static_cast<int8_t>(vars_.size());
  vars_.emplace_back(std::string(name), seq_.size());
  push(std::move(it));
  return true;
}

// "key value" of an option list entry; the value is empty for a bare word.
std::pair<std::string_view, std::string_view> key_value(std::string_view p) {
  const auto sp = p.find_first_of(" \t");
  if (sp == std::string_view::npos) return {p, {}};
  return {p.substr(0, sp), trim(p.substr(sp))};
}

bool valid_flowbit_name(std::string_view n);

// byte_math:bytes N, offset O, oper +|-|*|/|<<|>>, rvalue V|var, result name[, relative]
// [, endian big|little][, string hex|dec|oct][, bitmask M] (Suricata 7, options in any
// order): reads a number, applies the operator and stores the result in a variable that
// later keywords of the buffer use as byte_extract's; the cursor moves past the bytes read.
bool RuleBuilder::byte_math(std::string_view value) {
  Item it;
  it.type = ItemType::byte_math;
  it.op = 0;
  bool has_bytes = false, has_offset = false, has_rvalue = false;
  std::string_view rvalue, result;
  for (auto p : split_plain(value, ',')) {
    const auto [k, v] = key_value(p);
    if (k == "bytes") {
      has_bytes = parse_num(v, 1, 10, it.nbytes);
      if (!has_bytes) return fail(err_, "malformed byte_math", value);
    } else if (k == "offset") {
      has_offset = parse_num(v, -kMaxOffset, kMaxOffset, it.offset);
      if (!has_offset) return fail(err_, "malformed byte_math", value);
    } else if (k == "oper") {
      if (v == "+" || v == "-" || v == "*" || v == "/") it.op = v[0];
      else if (v == "<<") it.op = 'l';
      else if (v == ">>") it.op = 'r';
      else return fail(err_, "malformed byte_math", value);
    } else if (k == "rvalue") {
      has_rvalue = true;
      rvalue = v;
    } else if (k == "result") {
      result = v;
    } else if (k == "endian") {
      if (v == "big") it.little_endian = false;
      else if (v == "little") it.little_endian = true;
      else if (v == "dce") return fail(err_, "unsupported keyword: byte_math dce");
      else return fail(err_, "malformed byte_math", value);
    } else if (k == "string") {
      it.string = true;
      if (!parse_base(v, it.base)) return fail(err_, "malformed byte_math", value);
    } else if (k == "bitmask") {
      int64_t m;
      if (!parse_i64(v, 1, 0xffffffffll, m)) return fail(err_, "malformed byte_math", value);
      it.bitmask = static_cast<uint64_t>(m);
    } else if (p == "relative") {
      it.relative = true;
    } else if (p == "dce") {
      return fail(err_, "unsupported keyword: byte_math dce");
    } else {
      return fail(err_, "malformed byte_math", value);
    }
  }
  if (!has_bytes || !has_offset || !it.op || !has_rvalue || result.empty())
    return fail(err_, "malformed byte_math", "needs bytes, offset, oper, rvalue and result");
  if (!it.string && it.nbytes > 8) return fail(err_, "malformed byte_math", "more than 8 bytes without 'string'");
  if ((it.op == 'l' || it.op == 'r') && it.nbytes > 4) return fail(err_, "malformed byte_math", "<< and >> read 1 to 4 bytes");
  const BufferKind kind = it.relative ? relative_kind() : current_kind();
  if (const int var = variable(rvalue, kind); var == -2) return false;
  else if (var >= 0) it.value_var = static_cast<int8_t>(var);
  else if (int64_t rv; parse_i64(rvalue, 0, 0xffffffffll, rv)) it.value = static_cast<uint64_t>(rv);
  else return fail(err_, "value out of range", "byte_math rvalue " + std::string(rvalue));
  if (!(std::isalpha(static_cast<unsigned char>(result[0])) || result[0] == '_'))
    return fail(err_, "malformed byte_math", "result must be a variable name");
  return define_var(result, std::move(it), "malformed byte_math");
}

// base64_decode[:bytes N][, offset O][, relative]: decodes from the offset (after the
// cursor when relative); the keywords after base64_data read the decoded bytes.
bool RuleBuilder::base64_decode(std::string_view value, bool has_value) {
  Item it;
  it.type = ItemType::base64_decode;
  if (b64_data_) return fail(err_, "malformed base64_decode", "inside base64_data");
  if (has_value && !trim(value).empty()) {
    for (auto p : split_plain(value, ',')) {
      const auto [k, v] = key_value(p);
      if (k == "bytes") {
        int64_t n;
        if (!parse_i64(v, 1, 0xffffffffll, n)) return fail(err_, "malformed base64_decode", value);
        it.value = static_cast<uint64_t>(n);
      } else if (k == "offset") {
        if (!parse_num(v, 0, kMaxOffset, it.offset)) return fail(err_, "malformed base64_decode", value);
      } else if (p == "relative") {
        it.relative = true;
      } else {
        return fail(err_, "malformed base64_decode", value);
      }
    }
  }
  push(std::move(it));
  b64_decode_ = static_cast<int>(seq_.size() - 1);
  return true;
}

// asn1: bitstring_overflow, double_overflow, oversize_length N, absolute_offset N,
// relative_offset N (Suricata's detect-asn1): decodes the BER element at the offset
// (the buffer's start by default) and its children; matches when one breaks a check.
bool RuleBuilder::asn1(std::string_view value) {
  Item it;
  it.type = ItemType::asn1;
  bool has_off = false;
  // Options are separated by commas, spaces or both ("oversize_length 132 absolute_offset 0").
  std::vector<std::string_view> tokens;
  for (auto p : split_plain(value, ','))
    for (auto t : split_plain(p, ' '))
      if (!t.empty()) tokens.push_back(t);
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const auto k = tokens[i];
    const bool takes_value = k == "oversize_length" || k == "absolute_offset" || k == "relative_offset";
    if (takes_value && i + 1 >= tokens.size()) return fail(err_, "malformed asn1", value);
    const auto v = takes_value ? tokens[++i] : std::string_view{};
    if (k == "bitstring_overflow") it.asn1_checks |= asn1_check::bitstring_overflow;
    else if (k == "double_overflow") it.asn1_checks |= asn1_check::double_overflow;
    else if (k == "oversize_length") {
      int64_t n;
      if (!parse_i64(v, 0, 0xffffffffll, n)) return fail(err_, "malformed asn1", value);
      it.asn1_checks |= asn1_check::oversize_length;
      it.value = static_cast<uint64_t>(n);
    } else if (k == "absolute_offset" || k == "relative_offset") {
      if (has_off) return fail(err_, "malformed asn1", "two offsets");
      has_off = true;
      if (!parse_num(v, k == "absolute_offset" ? 0 : -kMaxOffset, kMaxOffset, it.offset))
        return fail(err_, "malformed asn1", value);
      it.relative = k == "relative_offset";
      it.has_offset = true;
    } else {
      return fail(err_, "malformed asn1", value);
    }
  }
  if (!it.asn1_checks) return fail(err_, "malformed asn1", "no check named");
  push(std::move(it));
  return true;
}

bool valid_var_name(std::string_view n) {
  if (n.empty() || n.size() > 64 || !std::isalpha(static_cast<unsigned char>(n[0]))) return false;
  return std::all_of(n.begin(), n.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-' || c == '/';
  });
}

// flowint:name, op[, value|name] (Suricata's flow keywords).
bool RuleBuilder::flowint(std::string_view value) {
  auto parts = split_plain(value, ',');
  if (parts.size() < 2 || parts.size() > 3 || !valid_var_name(parts[0])) return fail(err_, "malformed flowint", value);
  FlowintOp op;
  static constexpr std::pair<std::string_view, FlowintOp::Op> kOps[] = {
      {"=", FlowintOp::Op::set}, {"+", FlowintOp::Op::add}, {"-", FlowintOp::Op::sub},
      {"==", FlowintOp::Op::eq}, {"!=", FlowintOp::Op::ne}, {"<", FlowintOp::Op::lt},
      {"<=", FlowintOp::Op::le}, {">", FlowintOp::Op::gt}, {">=", FlowintOp::Op::ge},
      {"isset", FlowintOp::Op::isset}, {"notset", FlowintOp::Op::notset}, {"isnotset", FlowintOp::Op::notset}};
  bool known = false;
  for (const auto& [n, o] : kOps)
    if (parts[1] == n) { op.op = o; known = true; }
  if (!known) return fail(err_, "malformed flowint", value);
  const bool unary = op.op == FlowintOp::Op::isset || op.op == FlowintOp::Op::notset;
  if (unary != (parts.size() == 2)) return fail(err_, "malformed flowint", value);
  op.var = ctx_.flowint_id(parts[0]);
  if (!unary) {
    const auto v = parts[2];
    if (!v.empty() && std::isdigit(static_cast<unsigned char>(v[0]))) {
      if (!parse_num(v, 0, 0xffffffffll, op.value)) return fail(err_, "value out of range", "flowint " + std::string(value));
    } else if (valid_var_name(v)) {
      op.value_var = ctx_.flowint_id(v);
    } else {
      return fail(err_, "malformed flowint", value);
    }
  }
  (op.is_condition() ? r_.flowint_conds : r_.flowint_actions).push_back(op);
  return true;
}

// xbits:set|unset|toggle|isset|isnotset,name,track ip_src|ip_dst|ip_pair[,expire N]; xbits:noalert.
bool RuleBuilder::xbits(std::string_view value) {
  auto parts = split_plain(value, ',');
  if (parts.size() == 1 && parts[0] == "noalert") {
    r_.noalert = true;
    return true;
  }
  if (parts.size() < 3 || parts.size() > 4) return fail(err_, "malformed xbits", value);
  XbitOp op;
  if (parts[0] == "set") op.cmd = XbitOp::Cmd::set;
  else if (parts[0] == "unset") op.cmd = XbitOp::Cmd::unset;
  else if (parts[0] == "toggle") op.cmd = XbitOp::Cmd::toggle;
  else if (parts[0] == "isset") op.cmd = XbitOp::Cmd::isset;
  else if (parts[0] == "isnotset") op.cmd = XbitOp::Cmd::isnotset;
  else return fail(err_, "malformed xbits", value);
  if (!valid_flowbit_name(parts[1])) return fail(err_, "malformed xbits", value);
  op.bit = ctx_.xbit_id(parts[1]);
  const auto track = trim(parts[2]);
  if (track == "track ip_src") op.track = XbitOp::Track::ip_src;
  else if (track == "track ip_dst") op.track = XbitOp::Track::ip_dst;
  else if (track == "track ip_pair") op.track = XbitOp::Track::ip_pair;
  else if (track.starts_with("track")) return fail(err_, "unsupported xbits track", track);
  else return fail(err_, "malformed xbits", value);
  if (parts.size() == 4) {
    if (!parts[3].starts_with("expire") || !parse_num(parts[3].substr(6), 1, 86'400 * 365, op.expire_s))
      return fail(err_, "malformed xbits", value);
  }
  (op.is_condition() ? r_.xbit_conds : r_.xbit_actions).push_back(op);
  return true;
}

// dataset:set|isset|isnotset,name[, type T][, load file][, state file][, save file]
// [, memcap N][, hashsize N]; datarep:name, op, value[, type T], load file[, …].
bool RuleBuilder::dataset(std::string_view value, bool rep) {
  if (sticky_ < 0 && !b64_data_) return fail(err_, rep ? "datarep without a sticky buffer" : "dataset without a sticky buffer");
  auto parts = split_plain(value, ',');
  Item it;
  it.type = ItemType::dataset;
  std::size_t first_opt;
  std::string_view name;
  if (rep) {
    if (parts.size() < 3) return fail(err_, "malformed datarep", value);
    name = parts[0];
    const auto o = parts[1];
    if (o == ">") it.op = '>';
    else if (o == "<") it.op = '<';
    else if (o == ">=") it.op = 'g';
    else if (o == "<=") it.op = 'l';
    else if (o == "==") it.op = '=';
    else return fail(err_, "malformed datarep", value);
    int64_t v;
    if (!parse_i64(parts[2], 0, 0xffffffffll, v)) return fail(err_, "malformed datarep", value);
    it.value = static_cast<uint64_t>(v);
    it.set_cmd = Item::SetCmd::rep;
    first_opt = 3;
  } else {
    if (parts.size() < 2) return fail(err_, "malformed dataset", value);
    if (parts[0] == "set") it.set_cmd = Item::SetCmd::set;
    else if (parts[0] == "isset") it.set_cmd = Item::SetCmd::isset;
    else if (parts[0] == "isnotset") it.set_cmd = Item::SetCmd::isnotset;
    else if (parts[0] == "unset") it.set_cmd = Item::SetCmd::unset;
    else return fail(err_, "malformed dataset", value);
    name = parts[1];
    first_opt = 2;
  }
  const std::string kw = rep ? "datarep" : "dataset";
  if (!valid_flowbit_name(name)) return fail(err_, "malformed " + kw, value);
  DatasetType type = DatasetType::string;
  bool has_type = false;
  std::string_view load;
  for (std::size_t i = first_opt; i < parts.size(); ++i) {
    const auto [k, v] = key_value(parts[i]);
    if (v.empty()) return fail(err_, "malformed " + kw, value);
    if (k == "type") {
      has_type = true;
      if (v == "string") type = DatasetType::string;
      else if (v == "md5") type = DatasetType::md5;
      else if (v == "sha256") type = DatasetType::sha256;
      else if (v == "ipv4") type = DatasetType::ipv4;
      else if (v == "ipv6" || v == "ip") type = DatasetType::ipv6;
      else return fail(err_, "unsupported " + kw + " type", v);
    } else if (k == "load" || k == "state") {
      load = v;  // state: read at start; flowprobe does not write it back
    } else if (k == "save" || k == "memcap" || k == "hashsize") {
      // save: written by Suricata at exit, not here; the table is sized from the file
    } else {
      return fail(err_, "malformed " + kw, value);
    }
  }
  const auto& sets = ctx_.datasets();
  const auto known = std::find_if(sets.begin(), sets.end(), [&](const DatasetSpec& d) { return d.name == name; });
  if (known == sets.end() && !has_type) return fail(err_, "malformed " + kw, "a set's first use needs its type");
  if (known != sets.end()) {  // a set named before keeps the type it was declared with
    if ((has_type && known->type != type) || known->rep != rep)
      return fail(err_, "dataset declared with another type", name);
    type = known->type;
  }
  if (rep && load.empty()) return fail(err_, "malformed datarep", "needs a load file");
  std::string why;
  if (!ctx_.dataset(name, type, rep, load, it.dataset, why)) return fail(err_, kw + " file unusable", why);
  add(b64_data_ ? current_kind() : static_cast<BufferKind>(sticky_), std::move(it));
  return true;
}

bool RuleBuilder::byte_jump(std::string_view value) {
  auto parts = split_plain(value, ',');
  if (parts.size() < 2) return fail(err_, "malformed byte_jump", value);
  Item it;
  it.type = ItemType::byte_jump;
  {
    const bool relative = std::find(parts.begin() + 2, parts.end(), std::string_view("relative")) != parts.end();
    if (const int var = variable(parts[0], relative ? relative_kind() : current_kind()); var == -2) return false;
    else if (var >= 0) it.nbytes_var = static_cast<int8_t>(var), it.nbytes = 1;
    else if (!parse_num(parts[0], 0, 10, it.nbytes)) return fail(err_, "malformed byte_jump", value);
    if (const int var = variable(parts[1], relative ? relative_kind() : current_kind()); var == -2) return false;
    else if (var >= 0) it.offset_var = static_cast<int8_t>(var);
    else if (!parse_num(parts[1], -kMaxOffset, kMaxOffset, it.offset))
      return fail(err_, "value out of range", "byte_jump:" + std::string(value));
  }
  bool has_base = false;
  for (std::size_t i = 2; i < parts.size(); ++i) {
    const auto p = parts[i];
    if (const auto o = byte_option(p, it, has_base); o == ByteOption::bad) return fail(err_, "malformed byte_jump", value);
    else if (o == ByteOption::taken) {}
    else if (p == "align") it.align = true;
    else if (p == "from_beginning") it.from_beginning = true;
    else if (p == "from_end") it.from_end = true;
    else if (p.starts_with("multiplier")) {
      if (!parse_num(p.substr(10), 1, 65535, it.multiplier)) return fail(err_, "value out of range", "byte_jump:" + std::string(value));
    } else if (p.starts_with("post_offset")) {
      if (!parse_num(p.substr(11), -kMaxOffset, kMaxOffset, it.post_offset))
        return fail(err_, "value out of range", "byte_jump:" + std::string(value));
    } else if (p == "dce") return fail(err_, "unsupported keyword: byte_jump dce");
    else return fail(err_, "malformed byte_jump", value);
  }
  if (it.nbytes == 0 && !it.from_end) return fail(err_, "malformed byte_jump", value);
  if (!it.string && it.nbytes > 8) return fail(err_, "malformed byte_jump", "more than 8 bytes without 'string'");
  push(std::move(it));
  return true;
}

bool RuleBuilder::pcre(std::string_view value) {
  bool neg;
  std::string_view inner;
  if (!unquote(value, neg, inner)) return fail(err_, "malformed pcre", "pcre must be a quoted \"/regex/flags\"");
  if (inner.empty() || inner.front() != '/') return fail(err_, "malformed pcre", "pcre must start with '/'");
  const auto last = inner.rfind('/');
  if (last == 0) return fail(err_, "malformed pcre", "pcre has no closing '/'");
  std::string_view pattern = inner.substr(1, last - 1);
  std::string_view fl = inner.substr(last + 1);
  Item it;
  it.type = ItemType::pcre;
  it.negated = neg;
  unsigned hs_flags = HS_FLAG_ALLOWEMPTY;
  uint32_t options = 0;
  bool anchored = false, extended = false, no_limit = false;
  int kind = -1;
  // Suricata's pcre flags: PCRE's own, R for relative, the buffer letters (kBuffers), B
  // (raw bytes: the payload is never normalised here) and O (no match limit).
  for (char f : fl) {
    switch (f) {
      case 'i': hs_flags |= HS_FLAG_CASELESS; options |= PCRE2_CASELESS; break;
      case 's': hs_flags |= HS_FLAG_DOTALL; options |= PCRE2_DOTALL; break;
      case 'm': hs_flags |= HS_FLAG_MULTILINE; options |= PCRE2_MULTILINE; break;
      case 'x': extended = true; options |= PCRE2_EXTENDED; break;
      case 'A': anchored = true; options |= PCRE2_ANCHORED; break;
      case 'E': options |= PCRE2_DOLLAR_ENDONLY; break;
      case 'G': options |= PCRE2_UNGREEDY; break;  // where a match ends, not whether there is one
      case 'R': it.relative = true; break;
      case 'B': break;
      case 'O': no_limit = true; break;
      default: {
        int found = -1;
        for (const auto& b : kBuffers)
          if (b.pcre_flag == f) found = static_cast<int>(b.kind);
        if (found < 0) return fail(err_, "unsupported pcre flag", std::string(1, f));
        if (kind >= 0 && kind != found) return fail(err_, "malformed pcre", "two buffer flags");
        kind = found;
      }
    }
  }
  std::string expr;
  if (extended) expr += "(?x)";
  if (anchored) expr += "\\A(?:";
  expr += pattern;
  if (anchored) expr += ")";
  it.pcre_index = ctx_.add_pcre({std::move(expr), hs_flags, std::string(pattern), options, no_limit});
  BufferKind k = kind >= 0 ? static_cast<BufferKind>(kind) : current_kind();
  if (kind >= 0 && sticky_ >= 0 && kind != sticky_) return fail(err_, "malformed pcre", "buffer flag differs from the sticky buffer");
  add(k, std::move(it));
  last_pattern_ = static_cast<int>(seq_.size() - 1);
  return true;
}

// Suricata 7's `requires: feature ja4, version >= 7.0`. A feature we have (the JA3/JA4
// fingerprints our TLS and QUIC dissectors compute) is met; any other rejects the rule,
// as Suricata skips a rule whose requirement its build lacks. Version clauses name
// Suricata's rule language, which the keywords themselves are checked against here.
bool RuleBuilder::requires_(std::string_view value) {
  for (std::string_view clause : split_plain(value, ',')) {
    clause = trim(clause);
    if (clause.starts_with("feature")) {
      const std::string_view f = trim(clause.substr(7));
      if (f != "ja3" && f != "ja4") return fail(err_, "requires a feature flowprobe lacks", std::string(f));
    } else if (!clause.starts_with("version")) {
      return fail(err_, "malformed requires", std::string(clause));
    }
  }
  return true;
}

bool RuleBuilder::flow(std::string_view value) {
  for (auto v : split_plain(value, ',')) {
    if (v == "to_server" || v == "from_client") r_.flow_dir = 1;
    else if (v == "to_client" || v == "from_server") r_.flow_dir = 2;
    else if (v == "established") r_.established = 1;
    else if (v == "not_established") r_.established = 0;
    else if (v == "stateless") {}
    else if (v == "only_stream") r_.stream = StreamUse::stream_only;
    else if (v == "no_stream") r_.stream = StreamUse::packet_only;
    else return fail(err_, "unsupported flow option", v);
  }
  return true;
}

bool valid_flowbit_name(std::string_view n) {
  if (n.empty() || n.size() > 64) return false;
  return std::all_of(n.begin(), n.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
}

bool RuleBuilder::flowbits(std::string_view value) {
  auto parts = split_plain(value, ',');
  const auto cmd = parts[0];
  if (cmd == "noalert") {
    if (parts.size() != 1) return fail(err_, "malformed flowbits", value);
    r_.noalert = true;
    return true;
  }
  FlowbitOp op;
  if (cmd == "set") op.cmd = FlowbitOp::Cmd::set;
  else if (cmd == "unset") op.cmd = FlowbitOp::Cmd::unset;
  else if (cmd == "toggle") op.cmd = FlowbitOp::Cmd::toggle;
  else if (cmd == "isset") op.cmd = FlowbitOp::Cmd::isset;
  else if (cmd == "isnotset") op.cmd = FlowbitOp::Cmd::isnotset;
  else return fail(err_, "malformed flowbits", value);
  if (parts.size() != 2) return fail(err_, "malformed flowbits", value);
  const auto names = parts[1];
  const bool any = names.find('|') != std::string_view::npos;
  const bool all = names.find('&') != std::string_view::npos;
  if (any && all) return fail(err_, "malformed flowbits", "mixes | and &");
  if ((any || all) && op.cmd != FlowbitOp::Cmd::isset && op.cmd != FlowbitOp::Cmd::isnotset)
    return fail(err_, "malformed flowbits", "| and & only for isset/isnotset");
  op.any_of = any;
  for (auto n : split_plain(names, any ? '|' : '&')) {
    if (!valid_flowbit_name(n)) return fail(err_, "malformed flowbits", value);
    op.bits.push_back(ctx_.flowbit_id(n));
  }
  if (op.cmd == FlowbitOp::Cmd::isset || op.cmd == FlowbitOp::Cmd::isnotset) r_.flowbit_conds.push_back(std::move(op));
  else r_.flowbit_actions.push_back(std::move(op));
  return true;
}

bool RuleBuilder::threshold(std::string_view value, bool detection_filter) {
  if (r_.threshold) return fail(err_, "malformed threshold", "more than one threshold/detection_filter");
  Threshold t;
  bool has_type = detection_filter, has_track = false, has_count = false, has_seconds = false;
  if (detection_filter) t.type = Threshold::Type::detection_filter;
  for (auto kv : split_plain(value, ',')) {
    auto sp = kv.find_first_of(" \t");
    if (sp == std::string_view::npos) return fail(err_, "malformed threshold", value);
    auto k = trim(kv.substr(0, sp)), v = trim(kv.substr(sp));
    if (k == "type" && !detection_filter) {
      has_type = true;
      if (v == "limit") t.type = Threshold::Type::limit;
      else if (v == "threshold") t.type = Threshold::Type::threshold;
      else if (v == "both") t.type = Threshold::Type::both;
      else return fail(err_, "malformed threshold", value);
    } else if (k == "track") {
      has_track = true;
      if (v == "by_src") t.track = Threshold::Track::by_src;
      else if (v == "by_dst") t.track = Threshold::Track::by_dst;
      else if (v == "by_rule") t.track = Threshold::Track::by_rule;
      else if (v == "by_both") t.track = Threshold::Track::by_both;
      else return fail(err_, "malformed threshold", value);
    } else if (k == "count") {
      has_count = true;
      if (!parse_num(v, 1, 1'000'000, t.count)) return fail(err_, "value out of range", "threshold count " + std::string(v));
    } else if (k == "seconds") {
      has_seconds = true;
      if (!parse_num(v, 1, 86'400 * 365, t.seconds)) return fail(err_, "value out of range", "threshold seconds " + std::string(v));
    } else {
      return fail(err_, "malformed threshold", value);
    }
  }
  if (!has_type || !has_track || !has_count || !has_seconds) return fail(err_, "malformed threshold", value);
  r_.threshold = t;
  return true;
}

bool RuleBuilder::flags(std::string_view value) {
  auto parts = split_plain(value, ',');
  if (parts.size() > 2) return fail(err_, "malformed flags", value);
  auto bit = [](char c) -> int {
    switch (c) {
      case 'F': return 0x01; case 'S': return 0x02; case 'R': return 0x04; case 'P': return 0x08;
      case 'A': return 0x10; case 'U': return 0x20; case 'E': case '2': return 0x40; case 'C': case '1': return 0x80;
      case '0': return 0;
      default: return -1;
    }
  };
  uint8_t set = 0;
  for (char c : parts[0]) {
    if (c == '+' || c == '*' || c == '!') {
      if (r_.flags_mode) return fail(err_, "malformed flags", value);
      r_.flags_mode = c;
      continue;
    }
    const int b = bit(c);
    if (b < 0) return fail(err_, "malformed flags", value);
    set = static_cast<uint8_t>(set | b);
  }
  uint8_t ignore = 0;
  if (parts.size() == 2)
    for (char c : parts[1]) {
      const int b = bit(c);
      if (b < 0) return fail(err_, "malformed flags", value);
      ignore = static_cast<uint8_t>(ignore | b);
    }
  r_.has_flags = true;
  r_.flags_set = set;
  r_.flags_mask = static_cast<uint8_t>(~ignore);
  return true;
}

const BufferInfo* find_buffer_keyword(std::string_view name, bool sticky) {
  for (const auto& b : kBuffers) {
    if (b.kind == BufferKind::payload) continue;
    if (sticky ? (b.name == name || (!b.sticky2.empty() && b.sticky2 == name)) : b.modifier == name) return &b;
  }
  return nullptr;
}

bool RuleBuilder::option(std::string_view name, std::string_view value, bool has_value) {
  auto need_value = [&]() {
    if (!has_value || value.empty()) return fail(err_, "missing value", name);
    return true;
  };
  if (name == "msg") {
    if (!need_value()) return false;
    bool neg;
    std::string_view inner;
    if (!unquote(value, neg, inner) || neg) return fail(err_, "malformed msg", value);
    r_.msg = unescape_text(inner);
    has_msg_ = true;
    return true;
  }
  if (name == "sid") { has_sid_ = true; return need_value() && (parse_num(value, 1, 0xffffffffll, r_.sid) || fail(err_, "value out of range", "sid:" + std::string(value))); }
  if (name == "rev") return need_value() && (parse_num(value, 0, 0xffffffffll, r_.rev) || fail(err_, "value out of range", "rev:" + std::string(value)));
  if (name == "gid") return need_value() && (parse_num(value, 0, 0xffffffffll, r_.gid) || fail(err_, "value out of range", "gid:" + std::string(value)));
  if (name == "priority") {
    if (!need_value() || !parse_num(value, 1, 255, explicit_priority_)) return fail(err_, "value out of range", "priority:" + std::string(value));
    return true;
  }
  if (name == "classtype") {
    if (!need_value()) return false;
    const int idx = ctx_.find_class(trim(value));
    if (idx < 0) return fail(err_, "unknown classtype", value);
    r_.class_index = static_cast<int16_t>(idx);
    return true;
  }
  if (name == "reference" || name == "metadata" || name == "target") return true;  // informational
  if (name == "requires") return need_value() && requires_(value);
  if (name == "content") return need_value() && content(value, current_kind());
  if (name == "uricontent") {
    if (sticky_ >= 0) return fail(err_, "content modifier after a sticky buffer", name);
    return need_value() && content(value, BufferKind::http_uri);
  }
  if (name == "nocase" || name == "offset" || name == "depth" || name == "distance" || name == "within" ||
      name == "fast_pattern" || name == "rawbytes" || name == "startswith" || name == "endswith") {
    if (name != "nocase" && name != "fast_pattern" && name != "rawbytes" && name != "startswith" &&
        name != "endswith" && !need_value())
      return false;
    return content_modifier(name, value, has_value);
  }
  if (name == "pcre") return need_value() && pcre(value);
  if (name == "isdataat") return need_value() && isdataat(value);
  if (name == "byte_test") return need_value() && byte_test(value);
  if (name == "byte_jump") return need_value() && byte_jump(value);
  if (name == "byte_extract") return need_value() && byte_extract(value);
  if (name == "flow") return need_value() && flow(value);
  if (name == "flowbits") return need_value() && flowbits(value);
  if (name == "threshold") return need_value() && threshold(value, false);
  if (name == "detection_filter") return need_value() && threshold(value, true);
  if (name == "flags") return need_value() && flags(value);
  if (name == "dsize") {
    NumRange nr;
    if (!need_value() || !parse_range(value, nr, false, 65535)) return fail(err_, "value out of range", "dsize:" + std::string(value));
    r_.dsize = nr;
    return true;
  }
  if (name == "itype" || name == "icode") {
    NumRange nr;
    if (!need_value() || !parse_range(value, nr, false, 255)) return fail(err_, "value out of range", std::string(name) + ":" + std::string(value));
    (name == "itype" ? r_.itype : r_.icode) = nr;
    return true;
  }
  if (name == "ip_proto") {
    if (!need_value()) return false;
    std::string_view v = trim(value);
    std::string prefix;
    while (!v.empty() && (v.front() == '!' || v.front() == '<' || v.front() == '>')) {
      prefix.push_back(v.front());
      v = trim(v.substr(1));
    }
    static constexpr std::pair<std::string_view, int> kNames[] = {
        {"ip", 0}, {"icmp", 1}, {"igmp", 2}, {"tcp", 6}, {"udp", 17}, {"ipv6", 41}, {"gre", 47}, {"esp", 50},
        {"ah", 51}, {"ipv6-icmp", 58}, {"icmpv6", 58}, {"pim", 103}, {"sctp", 132}};
    std::string number(v);
    for (const auto& [n, p] : kNames)
      if (v == n) number = std::to_string(p);
    NumRange nr;
    if (!parse_range(prefix + number, nr, false, 255)) return fail(err_, "value out of range", "ip_proto:" + std::string(value));
    r_.ip_proto = nr;
    return true;
  }
  if (name == "id" || name == "icmp_id") {
    NumRange nr;
    if (!need_value() || !parse_range(value, nr, false, 65535))
      return fail(err_, "value out of range", std::string(name) + ":" + std::string(value));
    (name == "id" ? r_.ip_id : r_.icmp_id) = nr;
    return true;
  }
  if (name == "stream_size") {
    if (!need_value()) return false;
    auto parts = split_plain(value, ',');
    Rule::StreamSize ss;
    if (parts.size() != 3) return fail(err_, "malformed stream_size", value);
    if (parts[0] == "client") ss.side = Rule::StreamSide::client;
    else if (parts[0] == "server") ss.side = Rule::StreamSide::server;
    else if (parts[0] == "both") ss.side = Rule::StreamSide::both;
    else if (parts[0] == "either") ss.side = Rule::StreamSide::either;
    else return fail(err_, "malformed stream_size", value);
    const std::string_view op = parts[1] == "=" ? "" : parts[1] == "!=" ? "!" : parts[1];
    if (op != "" && op != "!" && op != "<" && op != ">" && op != "<=" && op != ">=")
      return fail(err_, "malformed stream_size", value);
    if (!parse_range(std::string(op) + std::string(parts[2]), ss.range, false, 0xffffffffull))
      return fail(err_, "value out of range", "stream_size:" + std::string(value));
    if (r_.l4 != L4::tcp && r_.l4 != L4::ip) return fail(err_, "stream_size on a protocol without a stream");
    r_.stream_size = ss;
    return true;
  }
  if (name == "urilen" || name == "bsize") {
    if (!need_value()) return false;
    Item it;
    it.type = ItemType::bsize;
    BufferKind kind;
    std::string_view v = value;
    if (name == "urilen") {
      auto parts = split_plain(value, ',');
      v = parts[0];
      kind = BufferKind::http_uri;
      if (parts.size() == 2 && parts[1] == "raw") kind = BufferKind::http_raw_uri;
      else if (parts.size() == 2 && parts[1] != "norm") return fail(err_, "malformed urilen", value);
      else if (parts.size() > 2) return fail(err_, "malformed urilen", value);
    } else {
      if (sticky_ < 0) return fail(err_, "bsize without a sticky buffer");
      kind = static_cast<BufferKind>(sticky_);
    }
    if (!parse_range(v, it.range, name == "bsize", kMaxOffset)) return fail(err_, "value out of range", std::string(name) + ":" + std::string(value));
    add(kind, std::move(it));
    return true;
  }
  if (name == "base64_decode") return base64_decode(value, has_value);
  if (name == "base64_data") {
    if (has_value) return fail(err_, "malformed base64_data", "takes no value");
    if (b64_decode_ < 0) return fail(err_, "base64_data without base64_decode");
    b64_data_ = true;
    last_content_ = last_pattern_ = -1;  // relative keywords start at the decoded bytes' start
    return true;
  }
  if (name == "byte_math") return need_value() && byte_math(value);
  if (name == "asn1") return need_value() && asn1(value);
  if (name == "flowint") return need_value() && flowint(value);
  if (name == "xbits") return need_value() && xbits(value);
  if (name == "dataset") return need_value() && dataset(value, false);
  if (name == "datarep") return need_value() && dataset(value, true);
  if (const BufferInfo* b = find_buffer_keyword(name, true); b && !has_value) {
    b64_data_ = false;
    sticky_ = static_cast<int>(b->kind);
    sticky_transforms_.clear();
    sticky_start_ = seq_.size();
    ++sticky_naming_;
    last_content_ = -1;  // modifiers after a sticky buffer apply to contents that follow it
    return true;
  }
  if (name == "dotprefix" || name == "to_lowercase" || name == "to_uppercase" || name == "strip_whitespace" ||
      name == "compress_whitespace" || name == "url_decode" || name == "xor" || name == "header_lowercase" ||
      name == "strip_pseudo_headers" || name == "to_md5" || name == "to_sha1" || name == "to_sha256" || name == "pcrexform")
    return transform(name, value, has_value);
  if (const BufferInfo* b = find_buffer_keyword(name, false); b && !has_value) return move_last_content(b->kind, name);
  if (name == "tag") return true;  // extra packet logging only; alerts are unchanged
  if (name == "noalert") { r_.noalert = true; return true; }
  return fail(err_, "unsupported keyword: " + std::string(name));
}

bool RuleBuilder::finish() {
  if (!has_sid_) return fail(err_, "missing sid");
  if (!has_msg_) r_.msg.clear();
  // base64_data keywords go under their base64_decode (they read its decoded bytes).
  for (auto& p : seq_)
    if (p.b64_parent >= 0) seq_[static_cast<std::size_t>(p.b64_parent)].item.sub.push_back(std::move(p.item));
  // Group items by buffer (a multi-buffer: by naming), keeping their order inside each.
  std::vector<int> instance_of;  // r_.buffers' instances
  for (const auto& p : seq_) {
    if (p.b64_parent >= 0) continue;
    std::size_t i = 0;
    while (i < r_.buffers.size() && !(r_.buffers[i].kind == p.kind && r_.buffers[i].transforms == p.transforms &&
                                      instance_of[i] == p.instance))
      ++i;
    if (i == r_.buffers.size()) {
      r_.buffers.push_back({p.kind, p.transforms, {}});
      instance_of.push_back(p.instance);
    }
    r_.buffers[i].items.push_back(p.item);
  }
  const auto check_contents = [&](std::vector<Item>& items, const auto& self) -> bool {
    for (auto& it : items) {
      if (!it.sub.empty() && !self(it.sub, self)) return false;
      if (it.type != ItemType::content) continue;
      const bool absolute = it.has_offset || it.has_depth;
      it.relative = it.has_distance || it.has_within;
      if (absolute && it.relative) return fail(err_, "content mixes absolute and relative modifiers");
      if (it.startswith && (absolute || it.relative)) return fail(err_, "startswith with offset/depth/distance/within");
      const auto len = static_cast<int32_t>(it.pattern.size());
      if (it.has_depth && it.depth_var < 0 && it.depth < len) return fail(err_, "depth shorter than content");
      if (it.has_within && it.within_var < 0 && it.within < len) return fail(err_, "within shorter than content");
    }
    return true;
  };
  for (auto& b : r_.buffers) {
    if (!check_contents(b.items, check_contents)) return false;
    if (b.kind != BufferKind::payload) {
      const AppProto need = kBuffers[static_cast<std::size_t>(b.kind)].proto;
      if (need != AppProto::unknown && r_.app != AppProto::unknown && r_.app != need)
        return fail(err_, "buffer of another protocol", std::string(kBuffers[static_cast<std::size_t>(b.kind)].name));
      if (r_.l4 == L4::udp && need != AppProto::dns && need != AppProto::unknown && need != AppProto::quic)
        return fail(err_, "buffer of another protocol", "udp rule");
      if (r_.l4 == L4::icmp) return fail(err_, "buffer of another protocol", "icmp rule");
      // Suricata's file_data also reads SMTP attachments and SMB transfers; only HTTP
      // bodies and FTP data connections are kept here, so such a rule would never match:
      // say so instead.
      if (b.kind == BufferKind::http_file_data && r_.app != AppProto::unknown && r_.app != AppProto::http &&
          r_.app != AppProto::ftp_data)
        return fail(err_, "file_data outside HTTP and ftp-data (only their files are kept)", app_proto_name(r_.app));
    }
  }
  const bool has_payload = std::any_of(r_.buffers.begin(), r_.buffers.end(), [](auto& b) { return b.kind == BufferKind::payload; });
  // A payload part next to app-layer buffers is checked on the stream window of the
  // transaction's direction; it needs the stream, so never a per-packet property.
  if (has_payload && r_.buffers.size() > 1 && r_.dsize) return fail(err_, "dsize with app-layer buffers");
  if (r_.dsize && r_.stream == StreamUse::stream_only) return fail(err_, "dsize with only_stream");
  if (r_.dsize && has_payload) r_.stream = StreamUse::packet_only;  // dsize is a packet property
  if (r_.class_index >= 0) r_.priority = ctx_.classes()[static_cast<std::size_t>(r_.class_index)].priority;
  if (explicit_priority_ > 0) r_.priority = static_cast<uint8_t>(explicit_priority_);
  r_.ip_only = r_.buffers.empty() && r_.flow_dir == 0 && r_.established < 0 && !r_.dsize && !r_.has_flags &&
               !r_.itype && !r_.icode && !r_.ip_proto && !r_.ip_id && !r_.icmp_id && !r_.stream_size &&
               r_.flowbit_conds.empty() && r_.flowbit_actions.empty() && r_.flowint_conds.empty() &&
               r_.flowint_actions.empty() && r_.xbit_conds.empty() && r_.xbit_actions.empty() &&
               r_.stream == StreamUse::both;
  return true;
}

}  // namespace

std::string_view app_proto_name(AppProto p) {
  static constexpr std::array<std::string_view, kAppProtoCount> names{"", "http", "dns", "tls", "ftp", "smtp", "ssh", "smb", "quic", "ftp-data"};
  return names[static_cast<std::size_t>(p)];
}

const BufferInfo& buffer_info(BufferKind k) { return kBuffers[static_cast<std::size_t>(k)]; }

RuleVars default_rule_vars() {
  return {
      {"HOME_NET", "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]"},
      {"EXTERNAL_NET", "!$HOME_NET"},
      {"HTTP_SERVERS", "$HOME_NET"}, {"SMTP_SERVERS", "$HOME_NET"}, {"SQL_SERVERS", "$HOME_NET"},
      {"DNS_SERVERS", "$HOME_NET"}, {"TELNET_SERVERS", "$HOME_NET"}, {"AIM_SERVERS", "$EXTERNAL_NET"},
      {"DC_SERVERS", "$HOME_NET"}, {"DNP3_SERVER", "$HOME_NET"}, {"DNP3_CLIENT", "$HOME_NET"},
      {"MODBUS_CLIENT", "$HOME_NET"}, {"MODBUS_SERVER", "$HOME_NET"}, {"ENIP_CLIENT", "$HOME_NET"},
      {"ENIP_SERVER", "$HOME_NET"},
      {"HTTP_PORTS", "80"}, {"SHELLCODE_PORTS", "!80"}, {"ORACLE_PORTS", "1521"}, {"SSH_PORTS", "22"},
      {"DNP3_PORTS", "20000"}, {"MODBUS_PORTS", "502"}, {"FILE_DATA_PORTS", "[$HTTP_PORTS,110,143]"},
      {"FTP_PORTS", "21"}, {"GENEVE_PORTS", "6081"}, {"VXLAN_PORTS", "4789"}, {"TEREDO_PORTS", "3544"},
  };
}

bool ParseContext::add_classifications(std::string_view text, std::string& error) {
  int lineno = 0;
  while (!text.empty()) {
    auto nl = text.find('\n');
    auto line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++lineno;
    if (line.empty() || line.front() == '#') continue;
    constexpr std::string_view kPrefix = "config classification:";
    if (!line.starts_with(kPrefix)) {
      error = "line " + std::to_string(lineno) + ": expected 'config classification: name,description,priority'";
      return false;
    }
    auto parts = split_plain(line.substr(kPrefix.size()), ',');
    int prio;
    if (parts.size() != 3 || parts[0].empty() || !parse_num(parts[2], 1, 255, prio)) {
      error = "line " + std::to_string(lineno) + ": expected 'config classification: name,description,priority'";
      return false;
    }
    Classification c{std::string(parts[0]), std::string(parts[1]), static_cast<uint8_t>(prio)};
    if (auto it = class_index_.find(c.name); it != class_index_.end()) {
      classes_[static_cast<std::size_t>(it->second)] = std::move(c);  // a later file overrides
    } else {
      class_index_.emplace(c.name, static_cast<int>(classes_.size()));
      classes_.push_back(std::move(c));
    }
  }
  return true;
}

int ParseContext::find_class(std::string_view name) const {
  auto it = class_index_.find(name);
  return it == class_index_.end() ? -1 : it->second;
}

uint16_t ParseContext::flowbit_id(std::string_view name) {
  if (auto it = flowbit_index_.find(name); it != flowbit_index_.end()) return it->second;
  const auto id = static_cast<uint16_t>(flowbit_names_.size());
  flowbit_names_.emplace_back(name);
  flowbit_index_.emplace(std::string(name), id);
  return id;
}

uint16_t ParseContext::name_id(std::vector<std::string>& names, std::map<std::string, uint16_t, std::less<>>& index,
                               std::string_view name) {
  if (auto it = index.find(name); it != index.end()) return it->second;
  const auto id = static_cast<uint16_t>(names.size());
  names.emplace_back(name);
  index.emplace(std::string(name), id);
  return id;
}

bool parse_dataset_line(std::string_view line, DatasetType type, bool rep, std::string& value, uint32_t& reputation) {
  line = trim(line);
  reputation = 0;
  if (rep) {
    const auto comma = line.rfind(',');
    // The largest number marks a removed value (AtomicKeySet::kRemoved).
    if (comma == std::string_view::npos || !parse_num(line.substr(comma + 1), 0, 0xfffffffell, reputation)) return false;
    line = trim(line.substr(0, comma));
  } else if (type == DatasetType::string) {
    line = line.substr(0, line.find(','));  // Suricata 7 allows ",extra data" after a string
  }
  value.clear();
  switch (type) {
    case DatasetType::string: {
      value.resize(line.size());
      const auto n = base64_decode(reinterpret_cast<const uint8_t*>(line.data()), line.size(),
                                   reinterpret_cast<uint8_t*>(value.data()), value.size(), false);
      value.resize(n);
      return !line.empty();
    }
    case DatasetType::md5: case DatasetType::sha256: {
      const std::size_t want = type == DatasetType::md5 ? 32 : 64;
      std::string why;
      return line.size() == want && decode_content("|" + std::string(line) + "|", value, why);
    }
    case DatasetType::ipv4: case DatasetType::ipv6: {
      const std::string text(line);
      uint8_t a[16];
      if (inet_pton(AF_INET, text.c_str(), a) == 1) {
        if (type == DatasetType::ipv6) {  // Suricata's ip type keeps IPv4 as mapped IPv6
          uint8_t m[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a[0], a[1], a[2], a[3]};
          value.assign(reinterpret_cast<const char*>(m), 16);
        } else {
          value.assign(reinterpret_cast<const char*>(a), 4);
        }
        return true;
      }
      if (type == DatasetType::ipv6 && inet_pton(AF_INET6, text.c_str(), a) == 1) {
        value.assign(reinterpret_cast<const char*>(a), 16);
        return true;
      }
      return false;
    }
  }
  return false;
}

bool ParseContext::dataset(std::string_view name, DatasetType type, bool rep, std::string_view load, uint16_t& id,
                           std::string& error) {
  for (std::size_t i = 0; i < datasets_.size(); ++i) {
    const DatasetSpec& d = datasets_[i];
    if (d.name != name) continue;
    if (d.type != type || d.rep != rep) {
      error = std::string(name) + ": declared before with another type";
      return false;
    }
    if (!load.empty() && d.file.empty()) {
      error = std::string(name) + ": its file is named after its first use";
      return false;
    }
    id = static_cast<uint16_t>(i);
    return true;
  }
  DatasetSpec d;
  d.name = std::string(name);
  d.type = type;
  d.rep = rep;
  if (!load.empty()) {
    std::string path(load);
    if (path.front() != '/' && !rule_dir_.empty()) path = rule_dir_ + "/" + path;
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) {
      error = "cannot read " + path;
      return false;
    }
    d.file = path;
    char buf[4096];
    int lineno = 0;
    while (std::fgets(buf, sizeof buf, f)) {
      ++lineno;
      const std::string_view line = trim(buf);
      if (line.empty() || line.front() == '#') continue;
      std::pair<std::string, uint32_t> v;
      if (!parse_dataset_line(line, type, rep, v.first, v.second)) {
        error = path + ":" + std::to_string(lineno) + ": not a value of the set's type";
        std::fclose(f);
        return false;
      }
      d.values.push_back(std::move(v));
    }
    std::fclose(f);
  }
  id = static_cast<uint16_t>(datasets_.size());
  datasets_.push_back(std::move(d));
  return true;
}

std::string PcreSpec::key() const {
  return pattern + '\0' + std::to_string(pcre2_options) + (no_limit ? "O" : "");
}

uint32_t ParseContext::add_pcre(PcreSpec spec) {
  auto key = spec.key();
  if (auto it = pcre_index_.find(key); it != pcre_index_.end()) return it->second;
  const auto id = static_cast<uint32_t>(pcres_.size());
  pcres_.push_back(std::move(spec));
  pcre_index_.emplace(std::move(key), id);
  return id;
}

void ParseContext::truncate_pcres(std::size_t size) {
  while (pcres_.size() > size) {
    pcre_index_.erase(pcres_.back().key());
    pcres_.pop_back();
  }
}

bool decode_content(std::string_view s, std::string& out, std::string& error) {
  out.clear();
  bool hex = false;
  int nibble = -1;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '|') {
      if (hex && nibble >= 0) { error = "odd number of hex digits"; return false; }
      hex = !hex;
      continue;
    }
    if (hex) {
      if (c == ' ' || c == '\t') continue;  // Suricata pairs digits across spaces ("|3 a20|" = 3a 20)
      int v;
      if (c >= '0' && c <= '9') v = c - '0';
      else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
      else { error = std::string("bad hex digit '") + c + "'"; return false; }
      if (nibble < 0) nibble = v;
      else { out.push_back(static_cast<char>(nibble * 16 + v)); nibble = -1; }
      continue;
    }
    if (c == '\\') {
      if (i + 1 >= s.size()) { error = "trailing backslash"; return false; }
      const char n = s[++i];
      if (n != '"' && n != ';' && n != '\\' && n != ':' && n != '|') { error = std::string("bad escape '\\") + n + "'"; return false; }
      out.push_back(n);
      continue;
    }
    if (c == '"') { error = "unescaped quote"; return false; }
    out.push_back(c);
  }
  if (hex) { error = "unterminated hex (missing '|')"; return false; }
  return true;
}

bool parse_rule(std::string_view text, ParseContext& ctx, Rule& out, RuleError& err) {
  out = Rule{};
  text = trim(text);
  const auto open = text.find('(');
  if (open == std::string_view::npos || text.back() != ')') return fail(err, "malformed rule", "expected 'header (options)'");

  // ---- header
  std::vector<std::string_view> h;
  {
    auto head = trim(text.substr(0, open));
    std::size_t i = 0;
    while (i < head.size()) {
      while (i < head.size() && (head[i] == ' ' || head[i] == '\t')) ++i;
      if (i >= head.size()) break;
      std::size_t start = i;
      int depth = 0;
      while (i < head.size() && (depth > 0 || (head[i] != ' ' && head[i] != '\t'))) {
        if (head[i] == '[') ++depth;
        else if (head[i] == ']') --depth;
        ++i;
      }
      h.push_back(head.substr(start, i - start));
    }
  }
  if (h.size() != 7) return fail(err, "malformed rule", "header needs: action proto src sport dir dst dport");
  if (h[0] == "alert") out.action = Action::alert;
  else if (h[0] == "drop") out.action = Action::drop;
  else if (h[0] == "reject" || h[0] == "rejectsrc" || h[0] == "rejectdst" || h[0] == "rejectboth") out.action = Action::reject;
  else if (h[0] == "pass") out.action = Action::pass;
  else return fail(err, "unsupported action", h[0]);

  const auto proto = h[1];
  if (proto == "ip" || proto == "pkthdr") out.l4 = L4::ip;
  else if (proto == "tcp") out.l4 = L4::tcp;
  else if (proto == "tcp-pkt") { out.l4 = L4::tcp; out.stream = StreamUse::packet_only; }
  else if (proto == "tcp-stream") { out.l4 = L4::tcp; out.stream = StreamUse::stream_only; }
  else if (proto == "udp") out.l4 = L4::udp;
  else if (proto == "icmp" || proto == "icmpv4" || proto == "icmpv6") out.l4 = L4::icmp;
  else if (proto == "http" || proto == "http1") { out.l4 = L4::tcp; out.app = AppProto::http; }
  else if (proto == "tls" || proto == "ssl") { out.l4 = L4::tcp; out.app = AppProto::tls; }
  else if (proto == "ftp") { out.l4 = L4::tcp; out.app = AppProto::ftp; }
  else if (proto == "ftp-data") { out.l4 = L4::tcp; out.app = AppProto::ftp_data; }
  else if (proto == "smtp") { out.l4 = L4::tcp; out.app = AppProto::smtp; }
  else if (proto == "ssh") { out.l4 = L4::tcp; out.app = AppProto::ssh; }
  else if (proto == "smb") { out.l4 = L4::tcp; out.app = AppProto::smb; }
  else if (proto == "dns") { out.l4 = L4::ip; out.app = AppProto::dns; }
  else if (proto == "quic") { out.l4 = L4::udp; out.app = AppProto::quic; }
  else return fail(err, "unsupported protocol: " + std::string(proto));
  if (proto == "pkthdr") return fail(err, "unsupported protocol: pkthdr");

  if (!parse_addr_list(h[2], ctx.vars(), out.src, err) || !parse_port_list(h[3], ctx.vars(), out.sport, err) ||
      !parse_addr_list(h[5], ctx.vars(), out.dst, err) || !parse_port_list(h[6], ctx.vars(), out.dport, err))
    return false;
  // Ports on an ip rule only bind TCP/UDP packets (as in Suricata); ICMP has none at all.
  if (out.l4 == L4::icmp && (!out.sport.any || !out.dport.any)) return fail(err, "ports on a protocol without ports", proto);
  if (h[4] == "->") out.bidirectional = false;
  else if (h[4] == "<>") out.bidirectional = true;
  else return fail(err, "malformed rule", "direction must be -> or <>");

  // ---- options: split on ';' outside quotes; '\' escapes the next character
  const auto body = text.substr(open + 1, text.size() - open - 2);
  std::vector<std::string_view> opts;
  {
    bool quoted = false;
    std::size_t start = 0;
    for (std::size_t i = 0; i < body.size(); ++i) {
      const char c = body[i];
      if (c == '\\') { ++i; continue; }
      if (c == '"') quoted = !quoted;
      else if (c == ';' && !quoted) {
        opts.push_back(trim(body.substr(start, i - start)));
        start = i + 1;
      }
    }
    if (quoted) return fail(err, "unterminated quote");
    if (!trim(body.substr(std::min(start, body.size()))).empty())
      return fail(err, "malformed rule", "last option not terminated by ';'");
  }
  const std::size_t pcre_mark = ctx.pcres().size();
  RuleBuilder b(ctx, out, err);
  for (auto o : opts) {
    if (o.empty()) continue;
    const auto colon = o.find(':');
    const auto name = trim(o.substr(0, colon));
    const auto value = colon == std::string_view::npos ? std::string_view{} : trim(o.substr(colon + 1));
    if (!b.option(name, value, colon != std::string_view::npos)) {
      ctx.truncate_pcres(pcre_mark);
      return false;
    }
  }
  if (!b.finish()) {
    ctx.truncate_pcres(pcre_mark);
    return false;
  }
  return true;
}

// ---- matching helpers declared in rule.hpp ----------------------------------------

bool AddrList::matches(const uint8_t* ip, uint8_t version) const noexcept {
  if (any) return true;
  bool has_pos = false, pos = false;
  for (const auto& n : nets) {
    if (n.version != version) {
      if (!n.negated) has_pos = true;
      continue;
    }
    const int bits = n.bits;
    const int full = bits / 8, rest = bits % 8;
    bool in = std::memcmp(ip, n.addr.data(), static_cast<std::size_t>(full)) == 0;
    if (in && rest) {
      const auto mask = static_cast<uint8_t>(0xff << (8 - rest));
      in = (ip[full] & mask) == (n.addr[static_cast<std::size_t>(full)] & mask);
    }
    if (n.negated) {
      if (in) return false;
    } else {
      has_pos = true;
      pos = pos || in;
    }
  }
  return !has_pos || pos;
}

bool PortList::matches(uint16_t port) const noexcept {
  if (any) return true;
  bool has_pos = false, pos = false;
  for (const auto& r : ranges) {
    const bool in = port >= r.lo && port <= r.hi;
    if (r.negated) {
      if (in) return false;
    } else {
      has_pos = true;
      pos = pos || in;
    }
  }
  return !has_pos || pos;
}

bool NumRange::test(uint64_t v) const noexcept {
  switch (op) {
    case Op::eq: return v == a;
    case Op::ne: return v != a;
    case Op::lt: return v < a;
    case Op::le: return v <= a;
    case Op::gt: return v > a;
    case Op::ge: return v >= a;
    case Op::between: return v > a && v < b;
  }
  return false;
}

}  // namespace flowprobe::sig
