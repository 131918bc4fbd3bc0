#include "report/record_reader.hpp"

#include <arpa/inet.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstring>
#include <new>
#include <string>
#include <type_traits>
#include <vector>

#include "export/field_registry.hpp"
#include "export/geo.hpp"

namespace flowprobe::report {

namespace {

namespace od = simdjson::ondemand;
using detail::TextOut;

// Slot ids of the key table: Field values, then the keys that are not Fields.
enum Slot : uint8_t {
  k_src6 = 64, k_dst6,
  ev_timestamp, ev_event_type, ev_src_ip, ev_src_port, ev_dest_ip, ev_dest_port, ev_proto, ev_app_proto,
  ev_alert, ev_http,
  k_none = 255
};

struct LabelOf {
  Field field;
  std::string_view label;
  std::string_view fallback_key;  // numeric key when the registry has no such label
};
constexpr LabelOf kLabels[] = {
    {Field::src_addr, "IPV4_SRC_ADDR", "8"},
    {Field::dst_addr, "IPV4_DST_ADDR", "12"},
    {Field::src_port, "L4_SRC_PORT", "7"},
    {Field::dst_port, "L4_DST_PORT", "11"},
    {Field::protocol, "PROTOCOL", "4"},
    {Field::in_bytes, "IN_BYTES", "1"},
    {Field::out_bytes, "OUT_BYTES", "23"},
    {Field::first_switched, "FIRST_SWITCHED", "22"},
    {Field::last_switched, "LAST_SWITCHED", "21"},
    {Field::l7_proto, "L7_PROTO", "35632.57590"},
    {Field::l7_proto_name, "L7_PROTO_NAME", "35632.57591"},
    {Field::l7_category, "L7_PROTO_CATEGORY", "35632.57973"},
    {Field::l7_risk_name, "L7_PROTO_RISK_NAME", "35632.57982"},
    {Field::src_country, "SRC_IP_COUNTRY", "35632.57573"},
    {Field::dst_country, "DST_IP_COUNTRY", "35632.57575"},
    {Field::src_as, "SRC_AS", "16"},
    {Field::dst_as, "DST_AS", "17"},
    {Field::src_as_map, "SRC_AS_MAP", "35632.57915"},
    {Field::dst_as_map, "DST_AS_MAP", "35632.57916"},
    {Field::dns_query, "DNS_QUERY", "35632.57677"},
    {Field::dns_response, "DNS_RESPONSE", "35632.57870"},
    {Field::dns_ret_code, "DNS_RET_CODE", "35632.57680"},
    {Field::http_method, "HTTP_METHOD", "35632.57832"},
    {Field::http_host, "HTTP_HOST", "35632.57659"},
    {Field::http_url, "HTTP_URL", "35632.57652"},
    {Field::tls_server_name, "TLS_SERVER_NAME", "35632.57660"},
    {Field::tls_version, "TLS_VERSION", "35632.57967"},
    {Field::tls_cipher, "TLS_CIPHER", "35632.57965"},
    {Field::tls_unsafe_cipher, "TLS_UNSAFE_CIPHER", "35632.57966"},
    {Field::client_tcp_flags, "CLIENT_TCP_FLAGS", "35632.57550"},
    {Field::server_tcp_flags, "SERVER_TCP_FLAGS", "35632.57551"},
    {Field::conn_state, "CONN_STATE", "CONN_STATE"},
    {Field::community_id, "COMMUNITY_ID", "COMMUNITY_ID"},
    {Field::alerts, "ALERTS", "ALERTS"},
    {Field::instance_name, "NPROBE_INSTANCE_NAME", "35632.57594"},
};
static_assert(std::size(kLabels) == kFieldCount);

// A key as the table compares it: up to 24 bytes in three little-endian words, zero
// past its length. Longer keys are not ours.
struct KeyWords {
  uint64_t w0 = 0, w1 = 0, w2 = 0;
  uint32_t len = 0;
  bool operator==(const KeyWords&) const = default;
};

// The bytes of `w` before its first '"' (SWAR zero-byte search on w ^ '"'*0x01..), and
// that byte's index, 8 when there is none.
inline uint64_t before_quote(uint64_t w, uint32_t& at) {
  const uint64_t x = w ^ 0x2222222222222222ull;
  const uint64_t found = (x - 0x0101010101010101ull) & ~x & 0x8080808080808080ull;
  if (found == 0) {
    at = 8;
    return w;
  }
  at = static_cast<uint32_t>(__builtin_ctzll(found) / 8);
  return w & ((uint64_t{1} << (at * 8)) - 1);
}

// Loads the key starting at `p` (just past its opening quote): its bytes up to the closing
// quote, at most 24 of them. The input has simdjson's padding after every document, so
// reading 24 bytes from a key inside one never leaves the buffer. Built in registers and
// returned whole: storing the words one by one and reading the struct back stalled the
// store-to-load forwarding and cost a third of the reader's time.
inline bool load_key(const char* p, KeyWords& k) {
  uint64_t r0, r1, r2;
  std::memcpy(&r0, p, 8);
  std::memcpy(&r1, p + 8, 8);
  std::memcpy(&r2, p + 16, 8);
  uint32_t at;
  const uint64_t w0 = before_quote(r0, at);
  if (at < 8) {
    k = KeyWords{w0, 0, 0, at};
    return true;
  }
  const uint64_t w1 = before_quote(r1, at);
  if (at < 8) {
    k = KeyWords{w0, w1, 0, 8 + at};
    return true;
  }
  const uint64_t w2 = before_quote(r2, at);
  if (at < 8) {
    k = KeyWords{w0, w1, w2, 16 + at};
    return true;
  }
  return false;  // longer than 24 bytes
}

inline std::size_t key_hash(const KeyWords& k) {
  uint64_t h = k.w0 * 0x9E3779B97F4A7C15ull ^ k.w1 * 0xC2B2AE3D27D4EB4Full ^ k.w2 * 0x165667B19E3779F9ull ^ k.len;
  return static_cast<std::size_t>(h ^ (h >> 29) ^ (h >> 47));
}

// Open addressing over a power of two: the key set is fixed at start, a lookup is a
// multiply-shift hash and one or two three-word compares (the per-key cost of the reader).
class KeyTable {
 public:
  void add(std::string_view key, uint8_t slot) {
    if (key.size() > 24) return;
    char buf[24 + 64] = {};
    std::memcpy(buf, key.data(), key.size());
    buf[key.size()] = '"';
    KeyWords k;
    load_key(buf, k);
    if (find(k) != k_none) return;  // the first meaning wins (eve keys before aliases)
    for (std::size_t i = key_hash(k);; ++i) {
      const std::size_t at = i & (kSize - 1);
      if (slots_[at] == k_none) {
        slots_[at] = slot;
        keys_[at] = k;
        return;
      }
    }
  }
  uint8_t find(const KeyWords& k) const {
    for (std::size_t i = key_hash(k);; ++i) {
      const std::size_t at = i & (kSize - 1);
      if (slots_[at] == k_none) return k_none;
      if (keys_[at] == k) return slots_[at];
    }
  }

 private:
  static constexpr std::size_t kSize = 512;  // about 170 keys: a third full, probes stay short
  std::array<uint8_t, kSize> slots_ = [] {
    std::array<uint8_t, kSize> s{};
    s.fill(k_none);
    return s;
  }();
  std::array<KeyWords, kSize> keys_{};
};

void add_field_keys(KeyTable& t, const FieldDef& f, uint8_t slot) {
  t.add(f.label, slot);
  for (std::string_view a : f.aliases)
    if (!a.empty()) t.add(a, slot);
  t.add(numeric_key(f), slot);
  if (f.pen == kNtopPen) {
    t.add(std::to_string(kNtopBaseId + f.id), slot);           // older nProbe: bare NFv9 id
    t.add(std::to_string(kNtopPen) + "." + std::to_string(f.id), slot);  // "35632.118", as ntopng accepts
  }
}

const KeyTable& key_table() {
  static const KeyTable table = [] {
    KeyTable t;
    const std::pair<std::string_view, uint8_t> eve[] = {
        {"timestamp", ev_timestamp}, {"event_type", ev_event_type}, {"src_ip", ev_src_ip},
        {"src_port", ev_src_port},   {"dest_ip", ev_dest_ip},       {"dest_port", ev_dest_port},
        {"proto", ev_proto},         {"app_proto", ev_app_proto},   {"alert", ev_alert},
        {"http", ev_http},           {"community_id", static_cast<uint8_t>(Field::community_id)}};
    for (const auto& [k, s] : eve) t.add(k, s);
    for (const LabelOf& l : kLabels) {
      if (const FieldDef* f = find_field(l.label)) add_field_keys(t, *f, static_cast<uint8_t>(l.field));
      else t.add(l.label, static_cast<uint8_t>(l.field));
      t.add(l.fallback_key, static_cast<uint8_t>(l.field));
    }
    if (const FieldDef* f = find_field("IPV6_SRC_ADDR")) add_field_keys(t, *f, k_src6);
    if (const FieldDef* f = find_field("IPV6_DST_ADDR")) add_field_keys(t, *f, k_dst6);
    t.add("27", k_src6);
    t.add("28", k_dst6);
    return t;
  }();
  return table;
}

// The key of a field as written (flowprobe's keys never need unescaping).
std::string_view raw_key(od::field& f) {
  const char* k = f.key().raw();
  const char* end = static_cast<const char*>(std::memchr(k, '"', 256));
  return end ? std::string_view(k, static_cast<std::size_t>(end - k)) : std::string_view();
}

bool parse_digits(std::string_view s, uint64_t& out) {
  if (s.empty() || s.size() > 19) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  out = v;
  return true;
}

inline bool json_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// The fast paths below read the value's token as stage 1 delimited it (up to the next
// structural character, trailing blanks included) and fall back to simdjson's own typed
// reads for anything unusual. The token is already validated (UTF-8, no unescaped
// control characters) by stage 1.

// Where the first '"' or '\\' of a string's text is, from `p` (just past its opening
// quote), 16 bytes at a time; nullptr when there is none before `end` (a string the
// stream cut short). Reading up to 15 bytes past `end` stays inside simdjson's padding.
inline const char* quote_or_backslash(const char* p, const char* end) {
#if defined(__SSE2__)
  const __m128i q = _mm_set1_epi8('"');
  const __m128i bs = _mm_set1_epi8('\\');
  for (; p < end; p += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const unsigned m = static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(x, q), _mm_cmpeq_epi8(x, bs))));
    if (m) {
      const char* at = p + __builtin_ctz(m);
      return at < end ? at : nullptr;
    }
  }
  return nullptr;
#else
  for (; p < end; p += 8) {  // SWAR zero-byte search on w ^ '"'*0x01.. and w ^ '\\'*0x01..
    uint64_t w;
    std::memcpy(&w, p, 8);
    const uint64_t x = w ^ 0x2222222222222222ull, y = w ^ 0x5c5c5c5c5c5c5c5cull;
    const uint64_t m = ((x - 0x0101010101010101ull) & ~x | (y - 0x0101010101010101ull) & ~y) & 0x8080808080808080ull;
    if (m) {
      const char* at = p + __builtin_ctzll(m) / 8;
      return at < end ? at : nullptr;
    }
  }
  return nullptr;
#endif
}

// Numbers are JSON integers in flowprobe's output, but nProbe writes some as strings
// ("35632.57680":"0"); both read. Anything else is a bad value.
[[gnu::noinline]] bool get_number_slow(od::value v, uint64_t& out) {
  // nProbe's digits in a string, as it writes some keys in every record: the token is the
  // quoted text (its bounds validated by stage 1); plain digits are read in place and the
  // value consumed as a raw string, instead of being typed and copied first. Anything
  // else (an escape, a letter) takes the path below, which sees the value untouched.
  const std::string_view tok = v.raw_json_token();
  if (tok.size() >= 2 && tok[0] == '"') {
    std::size_t m = tok.size();
    while (m > 2 && json_space(tok[m - 1])) --m;
    const std::string_view text = tok.substr(1, m - 2);
    uint64_t n = 0;
    od::raw_json_string raw;
    if (tok[m - 1] == '"' && (text.empty() || parse_digits(text, n)) && !v.get_raw_json_string().get(raw)) {
      out = n;
      return true;
    }
  }
  od::json_type t;
  if (v.type().get(t)) return false;
  if (t == od::json_type::number) {
    double d;  // a negative or fractional number: keep its integer part, clamped at 0
    if (v.get_double().get(d)) return false;
    out = d > 0 ? static_cast<uint64_t>(d) : 0;
    return true;
  }
  if (t == od::json_type::string) {
    std::string_view s;
    if (v.get_string().get(s)) return false;
    if (s.empty()) {
      out = 0;
      return true;
    }
    return parse_digits(s, out);
  }
  if (t == od::json_type::null) {
    out = 0;
    return true;
  }
  return false;
}

[[gnu::noinline]] bool get_text_slow(od::value v, std::string_view& out) {
  if (!v.get_string().get(out)) return true;
  od::json_type t;
  if (v.type().get(t)) return false;
  if (t == od::json_type::null) {
    out = {};
    return true;
  }
  if (t == od::json_type::number) {  // "L7_PROTO":7 from a hand-written feed
    const std::string_view raw = v.raw_json_token();
    out = raw.substr(0, raw.find_first_of(" \t\r\n,}]"));
    return true;
  }
  return false;
}

// Numbers: simdjson's own unsigned parse, which consumes the value (a value read through
// its raw token and left unconsumed costs On-Demand a skip at the next key, about what
// consuming it costs, so reading the token with a faster digit loop gained nothing).
inline bool get_number(od::value& v, uint64_t& out) { return !v.get_uint64().get(out) || get_number_slow(v, out); }

// Whether p[0..n) holds a backslash, 16 bytes at a time: reads up to 15 bytes past the
// end, inside the document and its padding.
inline bool has_backslash(const char* p, std::size_t n) {
#if defined(__SSE2__)
  const __m128i bs = _mm_set1_epi8('\\');
  for (;; p += 16, n -= 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const auto m = static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, bs)));
    if (n <= 16) return (m & ((uint32_t{1} << n) - 1)) != 0;
    if (m != 0) return true;
  }
#else
  return std::memchr(p, '\\', n) != nullptr;
#endif
}

// A string with an escape, or one whose token ends in blanks: its text up to the closing
// quote, unescaped into the reader's buffer when it has a backslash.
[[gnu::noinline]] bool get_text_rest(od::raw_json_string raw, std::string_view& out, TextOut& to) {
  const char* p = raw.raw();
  const char* at = quote_or_backslash(p, to.end);
  if (at == nullptr) return false;
  if (*at == '"') {
    out = std::string_view(p, static_cast<std::size_t>(at - p));
    return true;
  }
  return !to.parser->unescape(raw, to.at).get(out);
}

// Strings: consumed as a raw JSON string, then a view into the input when there is no
// escape (nothing copied: most of the reader's cost was once unescaping strings that
// have nothing to unescape), else unescaped into the reader's buffer. Both live until the
// next record, as the reader's views do. The value's token, as stage 1 delimited it (the
// string and any blanks up to the next structural character), gives the closing quote,
// so only a backslash is looked for. Inlined: as a call its register saves and restores
// were a third of its cost.
inline bool get_text(od::value& v, std::string_view& out, TextOut& to) {
  const std::string_view tok = v.raw_json_token();
  od::raw_json_string raw;
  if (v.get_raw_json_string().get(raw)) [[unlikely]]
    return get_text_slow(v, out);  // not a string: not consumed
  const std::size_t n = tok.size();  // >= 2: a string token holds both its quotes
  if (tok[n - 1] == '"' && !has_backslash(tok.data() + 1, n - 2)) [[likely]] {
    out = std::string_view(tok.data() + 1, n - 2);
    return true;
  }
  return get_text_rest(raw, out, to);
}

}  // namespace

std::size_t IpKeyHash::operator()(const IpKey& k) const noexcept {
  uint64_t a, b;
  std::memcpy(&a, k.b.data(), 8);
  std::memcpy(&b, k.b.data() + 8, 8);
  uint64_t h = (a ^ (b * 0x9E3779B97F4A7C15ull) ^ k.v) * 0xff51afd7ed558ccdull;
  return static_cast<std::size_t>(h ^ (h >> 32));
}

namespace {
// IPv6 text (or anything else with a colon) through inet_pton; v = 0 when it is not one.
[[gnu::noinline]] IpKey parse_ip6(std::string_view s) {
  IpKey k;
  if (s.find(':') == std::string_view::npos || s.size() >= 46) return k;
  char buf[46];
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = 0;
  if (inet_pton(AF_INET6, buf, k.b.data()) == 1) k.v = 6;
  return k;
}

// A dotted quad in b[0..n), b zero from n to 16: 1 to 3 digits up to 255 per part, a dot
// after each of the first three parts, then the end. The zeros stop the digit steps, so
// none checks the length.
inline bool parse_quad(const unsigned char* b, std::size_t n, IpKey& k) {
  std::size_t i = 0;
  for (std::size_t part = 0; part < 4; ++part) {
    unsigned v = b[i] - 0x30u;
    if (v > 9) return false;
    unsigned d = b[++i] - 0x30u;
    if (d <= 9) {
      v = v * 10 + d;
      d = b[++i] - 0x30u;
      if (d <= 9) {
        v = v * 10 + d;
        ++i;
      }
    }
    if (v > 255 || (part < 3 && b[i++] != '.')) return false;
    k.b[part] = static_cast<uint8_t>(v);
  }
  return i == n;
}

// parse_ip for text followed by at least 16 readable bytes (the reader's text lies in its
// input or its unescape buffer, both ended by simdjson's padding): the text is copied to a
// zero-filled 16 bytes with one masked vector load and parsed there.
inline IpKey parse_ip_padded(std::string_view s) {
  IpKey k;
  const std::size_t n = s.size();
  if (n - 7 <= 8) {
    alignas(16) unsigned char b[16];
#if defined(__SSE2__)
    const __m128i at = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m128i keep = _mm_cmpgt_epi8(_mm_set1_epi8(static_cast<char>(n)), at);
    _mm_store_si128(reinterpret_cast<__m128i*>(b),
                    _mm_and_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data())), keep));
#else
    std::memset(b, 0, sizeof b);
    std::memcpy(b, s.data(), n);
#endif
    if (parse_quad(b, n, k)) [[likely]] {
      k.v = 4;
      return k;
    }
  }
  return parse_ip6(s);
}
}  // namespace

IpKey parse_ip(std::string_view s) {
  if (s.size() - 7 > 8) return parse_ip6(s);
  alignas(16) char buf[16] = {};
  std::memcpy(buf, s.data(), s.size());
  return parse_ip_padded(std::string_view(buf, s.size()));
}

std::string ip_text(const IpKey& k) {
  char buf[INET6_ADDRSTRLEN] = "";
  if (k.v == 4) inet_ntop(AF_INET, k.b.data(), buf, sizeof(buf));
  else if (k.v == 6) inet_ntop(AF_INET6, k.b.data(), buf, sizeof(buf));
  return buf;
}

bool is_private(const IpKey& k) { return k.v != 0 && !is_global_address(k.b.data(), k.v); }

std::string_view field_label(Field f) { return kLabels[static_cast<int>(f)].label; }

bool is_skip(LineKind k) { return k >= LineKind::not_json; }

std::string_view line_kind_text(LineKind k) {
  switch (k) {
    case LineKind::flow: return "flow records";
    case LineKind::alert: return "alerts";
    case LineKind::http_tx: return "HTTP transactions";
    case LineKind::eve_other: return "eve records of other types (not used by these reports)";
    case LineKind::blank: return "blank lines";
    case LineKind::not_json: return "not JSON";
    case LineKind::truncated: return "truncated or malformed JSON";
    case LineKind::not_object: return "JSON but not an object";
    case LineKind::other_tool: return "not a flowprobe record (no flow or eve keys)";
    case LineKind::bad_value: return "a known field with a value of the wrong type";
    case LineKind::count_: break;
  }
  return "?";
}

bool parse_eve_time(std::string_view s, int64_t& out) {
  // YYYY-MM-DDTHH:MM:SS[.frac][Z|+hhmm|+hh:mm]
  if (s.size() < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') || s[13] != ':' || s[16] != ':')
    return false;
  const auto num = [&](std::size_t at, std::size_t n, int& v) {
    v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      v = v * 10 + (s[i] - '0');
    }
    return true;
  };
  int y, mo, d, h, mi, se;
  if (!num(0, 4, y) || !num(5, 2, mo) || !num(8, 2, d) || !num(11, 2, h) || !num(14, 2, mi) || !num(17, 2, se))
    return false;
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return false;
  std::size_t i = 19;
  if (i < s.size() && s[i] == '.')
    for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
    }
  int64_t offset = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int oh = 0, om = 0;
    const bool colon = i + 3 < s.size() && s[i + 3] == ':';
    if (i + 3 > s.size() || !num(i + 1, 2, oh)) return false;
    if (i + (colon ? 6 : 5) <= s.size() && !num(i + (colon ? 4 : 3), 2, om)) return false;
    offset = (oh * 3600 + om * 60) * (s[i] == '-' ? -1 : 1);
  }
  namespace chr = std::chrono;
  const chr::sys_days date{chr::year{static_cast<int>(y)} / chr::month{static_cast<unsigned>(mo)} /
                           chr::day{static_cast<unsigned>(d)}};
  out = date.time_since_epoch().count() * 86400 + h * 3600 + mi * 60 + se - offset;
  return true;
}

RecordReader::RecordReader() {
  (void)key_table();
  // The slot after the last: `""` as a key's first two bytes, which no key has (an empty
  // key's closing quote is followed by its colon or a blank), so the loop needs no bound.
  ShapeSlot& sentinel = shape_[kShapeSlots];
  sentinel.key[0] = sentinel.key[1] = '"';
  sentinel.mask = 3;
}

void RecordReader::text_begin(const od::parser& p, const char* input, std::size_t size) {
  if (unescaped_size_ < size + simdjson::SIMDJSON_PADDING) {
    unescaped_size_ = std::max<std::size_t>(size + simdjson::SIMDJSON_PADDING, 4096);
    unescaped_ = std::make_unique_for_overwrite<uint8_t[]>(unescaped_size_);
  }
  text_ = TextOut{&p, unescaped_.get(), input + size};
}

void RecordReader::read(std::string_view line, std::size_t capacity, Visitor& visitor) {
  std::size_t b = 0;
  while (b < line.size() && (line[b] == ' ' || line[b] == '\t' || line[b] == '\r')) ++b;
  std::size_t e = line.size();
  while (e > b && (line[e - 1] == ' ' || line[e - 1] == '\t' || line[e - 1] == '\r')) --e;
  if (b == e) return visitor.on_record(LineKind::blank, *this);
  const char first = line[b];
  if (first != '{' && first != '[' && first != '"' && !(first >= '0' && first <= '9') && first != '-' &&
      first != 't' && first != 'f' && first != 'n')
    return visitor.on_record(LineKind::not_json, *this);
  const LineKind broken = first == '{' || first == '[' ? LineKind::truncated : LineKind::not_json;
  od::document doc;
  if (parser_.iterate(line.data() + b, e - b, capacity - b).get(doc)) return visitor.on_record(broken, *this);
  text_begin(parser_, line.data() + b, e - b);
  od::json_type t;
  if (doc.type().get(t)) return visitor.on_record(broken, *this);
  if (t == od::json_type::object) {
    od::object obj;
    if (doc.get_object().get(obj)) return visitor.on_record(broken, *this);
    const LineKind k = parse_object(obj);
    // On-Demand validates lazily: a record is only whole once the document ends.
    const char* rest = nullptr;
    if (k != LineKind::truncated && k != LineKind::bad_value && !doc.current_location().get(rest))
      return visitor.on_record(LineKind::truncated, *this);
    return visitor.on_record(k, *this);
  }
  if (t == od::json_type::array) {
    od::array a;
    if (doc.get_array().get(a)) return visitor.on_record(broken, *this);
    for (auto element : a) {
      od::object obj;
      od::json_type et;
      if (element.type().get(et)) return visitor.on_record(LineKind::truncated, *this);
      if (et != od::json_type::object) {
        visitor.on_record(LineKind::not_object, *this);
        continue;
      }
      if (element.get_object().get(obj)) return visitor.on_record(LineKind::truncated, *this);
      const LineKind k = parse_object(obj);
      visitor.on_record(k, *this);
      if (k == LineKind::truncated) return;
    }
    return;
  }
  // A scalar that parses whole is JSON, but no record; "not json" starting with n is not.
  bool ok = false;
  switch (t) {
    case od::json_type::null: {
      bool is_null = false;
      ok = !doc.is_null().get(is_null) && is_null;
      break;
    }
    case od::json_type::boolean: {
      bool b;
      ok = !doc.get_bool().get(b);
      break;
    }
    case od::json_type::number: {
      double d;
      ok = !doc.get_double().get(d);
      break;
    }
    case od::json_type::string: {
      std::string_view s;
      ok = !doc.get_string().get(s);
      break;
    }
    default: break;
  }
  const char* rest = nullptr;
  if (ok && !doc.current_location().get(rest)) ok = false;
  return visitor.on_record(ok ? LineKind::not_object : LineKind::not_json, *this);
}

namespace {
// A window of read_lines: one stage 1 over this many bytes, the batch size of every stream
// (simdjson reallocates a parser whose batch size changes). 32 KiB to 1 MiB read at the
// same speed in report_bench; the smaller window keeps the parser's buffers small and a
// damaged line's window short.
constexpr std::size_t kWindow = 256u << 10;
// Streams restarted after a line read alone, per window, before its other lines are read
// one by one: a window of damaged lines must not run stage 1 over itself once per line.
constexpr int kRestarts = 4;

std::size_t line_end(std::string_view text, std::size_t from) {
  const void* nl = std::memchr(text.data() + from, '\n', text.size() - from);
  return nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - text.data()) : text.size();
}
}  // namespace

void RecordReader::read_each_line(std::string_view lines, std::size_t capacity, Visitor& visitor) {
  for (std::size_t start = 0; start < lines.size();) {
    const std::size_t end = line_end(lines, start);
    read(lines.substr(start, end - start), capacity - start, visitor);
    start = end + 1;
  }
}

void RecordReader::read_lines(std::string_view lines, std::size_t capacity, Visitor& visitor) {
  for (std::size_t pos = 0; pos < lines.size();) {
    std::size_t end = lines.size();
    if (end - pos > kWindow) {
      const void* nl = memrchr(lines.data() + pos, '\n', kWindow);
      if (nl == nullptr) {  // a line longer than a window is read alone
        end = std::min(line_end(lines, pos + kWindow) + 1, lines.size());
        read_each_line(lines.substr(pos, end - pos), capacity - pos, visitor);
        pos = end;
        continue;
      }
      end = static_cast<std::size_t>(static_cast<const char*>(nl) - lines.data()) + 1;
    }
    const std::string_view window = lines.substr(pos, end - pos);
    std::size_t done = 0;
    for (int restarts = 0; done < window.size(); ++restarts) {
      if (restarts > kRestarts) {
        read_each_line(window.substr(done), capacity - pos - done, visitor);
        break;
      }
      done += stream_window(window.substr(done), visitor);
      if (done < window.size()) {  // the line the stream could not vouch for, alone
        const std::size_t e = line_end(window, done);
        read(window.substr(done, e - done), capacity - pos - done, visitor);
        done = std::min(e + 1, window.size());
      }
    }
    pos = end;
  }
}

std::size_t RecordReader::stream_window(std::string_view lines, Visitor& visitor) {
  const char* base = lines.data();
  const std::size_t len = lines.size();
  std::size_t line = 0;  // the start of the first line not yet handed to the visitor
  // Lines of blanks from `line` up to `to`, each a blank line; false at anything else.
  const auto blanks_until = [&](std::size_t to) {
    for (std::size_t i = line; i < to; ++i) {
      if (base[i] == '\n') {
        visitor.on_record(LineKind::blank, *this);
        line = i + 1;
      } else if (!json_space(base[i])) {
        return false;
      }
    }
    return true;
  };
  od::document_stream docs;
  if (stream_parser_.iterate_many(base, len, kWindow).get(docs)) return 0;
  text_begin(stream_parser_, base, len);
  for (auto it = docs.begin(); it != docs.end(); ++it) {
    od::document_reference doc;
    if ((*it).get(doc)) return line;
    const std::size_t start = it.current_index();
    if (start >= len || base[start] != '{' || !blanks_until(start)) return line;
    od::object obj;
    if (doc.get_object().get(obj)) return line;
    const LineKind k = parse_object(obj);
    if (k == LineKind::truncated || k == LineKind::bad_value) return line;  // read() names it
    // The record is its line's only content: the first newline after its start comes
    // after its end (nothing but blanks from there to the next document's first byte).
    const char* next = base + len;
    const char* at = nullptr;
    if (!doc.current_location().get(at)) next = at;
    const char* nl = static_cast<const char*>(std::memchr(base + start, '\n', static_cast<std::size_t>(next - (base + start))));
    if (nl == nullptr && next != base + len) return line;  // another document on the same line
    if (nl != nullptr)
      for (const char* p = nl + 1; p < next; ++p)
        if (!json_space(*p)) return line;  // an object over several lines
    visitor.on_record(k, *this);
    line = nl ? static_cast<std::size_t>(nl - base) + 1 : len;
  }
  // After the last record: blank lines, or a line the stream left out (a truncated last
  // record is no document to it).
  if (!blanks_until(len)) return line;
  if (line < len) visitor.on_record(LineKind::blank, *this);  // blanks without a newline
  return len;
}

namespace {
// Whether the key at `key` (just past its opening quote) is the one `shape` holds: the
// bytes `mask` selects, its closing quote included, all equal. Reads 16 bytes from `key`,
// 32 when the key is longer than 15: a key inside a document is followed by at least its
// value and simdjson's padding. Most keys ("8", "35632.57590", "IN_BYTES") need one compare.
inline bool shape_match(const char* shape, uint32_t mask, const char* key) {
#if defined(__SSE2__)
  const auto* k = reinterpret_cast<const __m128i*>(key);
  const auto* w = reinterpret_cast<const __m128i*>(shape);
  const auto lo = static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(k), _mm_load_si128(w))));
  if (((lo ^ 0xFFFFu) & mask & 0xFFFFu) != 0) return false;
  if ((mask >> 16) == 0) [[likely]] return true;
  const __m128i k1 = _mm_loadu_si128(k + 1);
  const auto hi = static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(k1, _mm_load_si128(w + 1))));
  return ((hi ^ 0xFFFFu) & (mask >> 16)) == 0;
#else
  return std::memcmp(shape, key, static_cast<std::size_t>(std::popcount(mask))) == 0;
#endif
}
}  // namespace

namespace {
// What a key's slot does with its value: store it at `offset` in the FlowRec as a string
// view or as a number of the member's width, or (`special`) go through the switch below
// (IPv6 addresses, eve keys), or nothing (`none`: On-Demand skips the value). Flow fields
// are plain stores, so that one record's loop is a short run of predictable branches.
enum class OpKind : uint8_t { none, text, u64, u32, u16, u8, boolean, special };
struct SlotOp {
  OpKind kind = OpKind::none;
  uint16_t offset = 0;
};
#define FP_OP(field, kind, member) \
  ops[static_cast<int>(Field::field)] = SlotOp{OpKind::kind, static_cast<uint16_t>(offsetof(FlowRec, member))}
const std::array<SlotOp, 256>& slot_ops() {
  static const std::array<SlotOp, 256> table = [] {
    std::array<SlotOp, 256> ops{};
    FP_OP(src_addr, text, src_text);
    FP_OP(dst_addr, text, dst_text);
    FP_OP(src_port, u16, src_port);
    FP_OP(dst_port, u16, dst_port);
    FP_OP(protocol, u8, protocol);
    FP_OP(in_bytes, u64, in_bytes);
    FP_OP(out_bytes, u64, out_bytes);
    FP_OP(first_switched, u64, first);
    FP_OP(last_switched, u64, last);
    FP_OP(l7_proto, text, l7_proto);
    FP_OP(l7_proto_name, text, l7_name);
    FP_OP(l7_category, text, l7_category);
    FP_OP(l7_risk_name, text, l7_risk_name);
    FP_OP(src_country, text, src_country);
    FP_OP(dst_country, text, dst_country);
    FP_OP(src_as, u32, src_as);
    FP_OP(dst_as, u32, dst_as);
    FP_OP(src_as_map, text, src_as_map);
    FP_OP(dst_as_map, text, dst_as_map);
    FP_OP(dns_query, text, dns_query);
    FP_OP(dns_response, text, dns_response);
    FP_OP(dns_ret_code, u32, dns_ret_code);
    FP_OP(http_method, text, http_method);
    FP_OP(http_host, text, http_host);
    FP_OP(http_url, text, http_url);
    FP_OP(tls_server_name, text, tls_sni);
    FP_OP(tls_version, u32, tls_version);
    FP_OP(tls_cipher, u32, tls_cipher);
    FP_OP(tls_unsafe_cipher, boolean, tls_unsafe);
    FP_OP(client_tcp_flags, u32, client_flags);
    FP_OP(server_tcp_flags, u32, server_flags);
    FP_OP(conn_state, text, conn_state);
    FP_OP(community_id, text, community_id);
    FP_OP(alerts, u32, alerts);
    FP_OP(instance_name, text, instance);
    for (int s = 0; s < kFieldCount; ++s)
      if (ops[static_cast<std::size_t>(s)].kind == OpKind::none) std::abort();  // a Field without its member
    for (int s = k_src6; s < k_none; ++s) ops[static_cast<std::size_t>(s)].kind = OpKind::special;
    ops[k_none] = SlotOp{};
    return ops;
  }();
  return table;
}
#undef FP_OP
static_assert(std::is_standard_layout_v<FlowRec> && std::is_trivially_copyable_v<FlowRec>);
static_assert(sizeof(FlowRec::dns_ret_code) == 4 && sizeof(FlowRec::src_as) == 4 && sizeof(FlowRec::tls_unsafe) == 1);
static_assert(sizeof(FlowRec::first) == 8 && sizeof(FlowRec::src_port) == 2 && sizeof(FlowRec::protocol) == 1);
}  // namespace

void RecordReader::remember_key(ShapeSlot& s, const char* key, uint8_t slot) {
  const void* q = std::memchr(key, '"', s.key.size());
  if (q == nullptr) {  // longer than a slot holds: compared every time (it is not a table key)
    s = ShapeSlot{};
    return;
  }
  const std::size_t len = static_cast<std::size_t>(static_cast<const char*>(q) - key) + 1;  // with its quote
  s.key.fill(0);
  std::memcpy(s.key.data(), key, len);
  s.mask = len == 32 ? UINT32_MAX : (uint32_t{1} << len) - 1;
  s.slot = slot;
  const SlotOp op = slot_ops()[slot];
  s.kind = static_cast<uint8_t>(op.kind);
  s.offset = op.offset;
  s.bit = slot < kFieldCount ? uint64_t{1} << slot : 0;
}

void RecordReader::reset_fields(uint64_t fields) {
  const auto& ops = slot_ops();
  auto* base = reinterpret_cast<unsigned char*>(&flow_);
  for (uint64_t left = fields; left != 0; left &= left - 1) {
    const int slot = std::countr_zero(left);
    const SlotOp op = ops[static_cast<std::size_t>(slot)];
    switch (op.kind) {
      case OpKind::text: std::memset(base + op.offset, 0, sizeof(std::string_view)); break;
      case OpKind::u64: std::memset(base + op.offset, 0, 8); break;
      case OpKind::u32: std::memset(base + op.offset, 0, 4); break;
      case OpKind::u16: std::memset(base + op.offset, 0, 2); break;
      case OpKind::u8:
      case OpKind::boolean: std::memset(base + op.offset, 0, 1); break;
      default: break;
    }
  }
  if (fields >> static_cast<int>(Field::dns_ret_code) & 1) flow_.dns_ret_code = FlowRec{}.dns_ret_code;
}

LineKind RecordReader::parse_object(od::object obj) {
  const KeyTable& table = key_table();
  auto* const base = reinterpret_cast<unsigned char*>(&flow_);
  // The FlowRec is not zeroed per record: this record's fields overwrite the previous
  // one's, and at the end the members of fields the previous record had and this one has
  // not are reset (`dirty_`), which for records of one template is nothing. Zeroing its
  // 430 bytes per record was 55 instructions of `rep stos` and more cycles.
  eve_type_ = {};
  text_.at = unescaped_.get();
  bool is_eve = false, bad = false, eve_reset = false, v6_key = false;
  std::string_view src6, dst6, eve_ts;
  uint64_t present = 0;
  // Fields were written but the loop stopped early: reset them all at the next record.
  const auto stopped = [&](LineKind k) {
    dirty_ = ~uint64_t{0} >> (64 - kFieldCount);
    flow_.present = present;
    flow_.src = flow_.dst = IpKey{};
    return k;
  };
  ShapeSlot* shape = shape_.data();
  ShapeSlot* const shape_end = shape_.data() + kShapeSlots;  // the sentinel, which matches no key
  for (auto field_result : obj) {
    if (field_result.error()) return stopped(LineKind::truncated);
    od::field& field = field_result.value_unsafe();
    const char* key = field.key().raw();
    const ShapeSlot* op;
    if (shape_match(shape->key.data(), shape->mask, key)) [[likely]] {
      op = shape++;
    } else {
      KeyWords kw;
      const uint8_t slot = load_key(key, kw) ? table.find(kw) : uint8_t{k_none};
      ShapeSlot* into = shape != shape_end ? shape++ : &unshaped_;  // past the last slot: not remembered
      remember_key(*into, key, slot);
      op = into;
    }
    // A reference, and the slow paths take their own copy: a value whose address reached
    // a call lived in memory, stored and reloaded per field.
    od::value& v = field.value();
    present |= op->bit;
    const auto kind = static_cast<OpKind>(op->kind);
    if (kind == OpKind::text) {  // read straight into the member (a local view went through the stack)
      bad |= !get_text(v, *std::launder(reinterpret_cast<std::string_view*>(base + op->offset)), text_);
      continue;
    }
    uint64_t n = 0;
    if (kind == OpKind::u64) {
      bad |= !get_number(v, n);
      std::memcpy(base + op->offset, &n, 8);
      continue;
    }
    if (kind == OpKind::u32) {
      bad |= !get_number(v, n);
      const auto x = static_cast<uint32_t>(n);
      std::memcpy(base + op->offset, &x, 4);
      continue;
    }
    if (kind == OpKind::u16) {
      bad |= !get_number(v, n);
      const auto x = static_cast<uint16_t>(n);
      std::memcpy(base + op->offset, &x, 2);
      continue;
    }
    if (kind == OpKind::u8 || kind == OpKind::boolean) {
      bad |= !get_number(v, n);
      const auto x = static_cast<uint8_t>(kind == OpKind::boolean ? n != 0 : n);
      std::memcpy(base + op->offset, &x, 1);
      continue;
    }
    if (kind == OpKind::none) continue;  // On-Demand skips the value
    if (op->slot >= ev_timestamp && !eve_reset) {  // eve records are few: reset their parts only then
      alert_ = AlertRec{};
      tx_ = HttpTxRec{};
      eve_reset = true;
    }
    switch (op->slot) {
      case k_src6: v6_key = true; bad |= !get_text(v, src6, text_); break;
      case k_dst6: v6_key = true; bad |= !get_text(v, dst6, text_); break;
      case ev_timestamp: bad |= !get_text(v, eve_ts, text_); break;
      case ev_event_type: is_eve = true; bad |= !get_text(v, eve_type_, text_); break;
      case ev_src_ip: bad |= !get_text(v, alert_.src_text, text_); break;
      case ev_dest_ip: bad |= !get_text(v, alert_.dst_text, text_); break;
      case ev_src_port: bad |= !get_number(v, n); alert_.src_port = static_cast<uint16_t>(n); break;
      case ev_dest_port: bad |= !get_number(v, n); alert_.dst_port = static_cast<uint16_t>(n); break;
      case ev_proto: bad |= !get_text(v, alert_.proto, text_); break;
      case ev_app_proto: bad |= !get_text(v, alert_.app_proto, text_); break;
      case ev_alert: {
        od::object a;
        if (v.get_object().get(a)) {
          bad = true;
          break;
        }
        for (auto af_result : a) {
          if (af_result.error()) return stopped(LineKind::truncated);
          od::field& af = af_result.value_unsafe();
          const std::string_view k = raw_key(af);
          od::value& av = af.value();
          if (k == "signature_id") bad |= !get_number(av, n), alert_.sid = static_cast<uint32_t>(n);
          else if (k == "severity") bad |= !get_number(av, n), alert_.severity = static_cast<int>(n);
          else if (k == "signature") bad |= !get_text(av, alert_.signature, text_);
          else if (k == "category") bad |= !get_text(av, alert_.category, text_);
          else if (k == "action") bad |= !get_text(av, alert_.action, text_);
        }
        break;
      }
      case ev_http: {
        od::object h;
        if (v.get_object().get(h)) {
          bad = true;
          break;
        }
        for (auto hf_result : h) {
          if (hf_result.error()) return stopped(LineKind::truncated);
          od::field& hf = hf_result.value_unsafe();
          const std::string_view k = raw_key(hf);
          od::value& hv = hf.value();
          if (k == "http_method") bad |= !get_text(hv, tx_.method, text_);
          else if (k == "hostname") bad |= !get_text(hv, tx_.hostname, text_);
          else if (k == "url") bad |= !get_text(hv, tx_.url, text_);
          else if (k == "length") bad |= !get_number(hv, tx_.length);
        }
        break;
      }
      default: break;
    }
  }
  // Reset what the previous record set and this one did not, as zeroing would have.
  if (const uint64_t stale = dirty_ & ~present) [[unlikely]] reset_fields(stale);
  dirty_ = present;
  flow_.present = present;
  const bool any_flow_key = v6_key || (present & ~(uint64_t{1} << static_cast<int>(Field::community_id))) != 0;
  // A record that is no flow leaves no addresses behind.
  const auto not_flow = [&](LineKind k) {
    flow_.src = flow_.dst = IpKey{};
    return k;
  };
  if (bad) return not_flow(LineKind::bad_value);
  if (is_eve) {
    flow_.src = flow_.dst = IpKey{};
    if (!eve_reset) {
      alert_ = AlertRec{};
      tx_ = HttpTxRec{};
    }
    int64_t ts = 0;
    if (!parse_eve_time(eve_ts, ts)) return eve_ts.empty() ? LineKind::other_tool : LineKind::bad_value;
    if (eve_type_ == "alert") {
      alert_.ts = ts;
      alert_.src = parse_ip_padded(alert_.src_text);
      alert_.dst = parse_ip_padded(alert_.dst_text);
      alert_.community_id = flow_.community_id;
      if (!alert_.src.valid() || !alert_.dst.valid()) return LineKind::bad_value;
      return LineKind::alert;
    }
    if (eve_type_ == "http") {
      tx_.ts = ts;
      tx_.src = parse_ip_padded(alert_.src_text);
      tx_.dst = parse_ip_padded(alert_.dst_text);
      return LineKind::http_tx;
    }
    return LineKind::eve_other;
  }
  if (!any_flow_key || !flow_.has(Field::first_switched)) return not_flow(LineKind::other_tool);
  // IPv4 flows carry "::" in the IPv6 keys and IPv6 flows "0.0.0.0" in the IPv4 ones.
  flow_.src = parse_ip_padded(flow_.src_text);
  flow_.dst = parse_ip_padded(flow_.dst_text);
  const bool v4_unset = !flow_.src.valid() || (flow_.src.v == 4 && flow_.src_text == "0.0.0.0" && !src6.empty());
  if (v4_unset && !src6.empty() && src6 != "::") {
    flow_.src_text = src6;
    flow_.dst_text = dst6;
    flow_.src = parse_ip_padded(src6);
    flow_.dst = parse_ip_padded(dst6);
  }
  flow_.present |= uint64_t{1} << static_cast<int>(Field::src_addr) | uint64_t{1} << static_cast<int>(Field::dst_addr);
  dirty_ = flow_.present;
  if (!flow_.src.valid() || !flow_.dst.valid()) return LineKind::bad_value;
  if (!flow_.has(Field::last_switched)) {
    flow_.last = flow_.first;
    dirty_ |= uint64_t{1} << static_cast<int>(Field::last_switched);
  }
  return LineKind::flow;
}

}  // namespace flowprobe::report
