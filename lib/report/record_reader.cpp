#include "report/record_reader.hpp"

#include <arpa/inet.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstring>
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
[[gnu::noinline]] bool get_number_slow(od::value& v, uint64_t& out) {
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

bool get_text_slow(od::value& v, std::string_view& out) {
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

// Numbers: simdjson's own unsigned parse, which consumes the value (a value read
// through its raw token and left unconsumed costs On-Demand a skip at the next key).
inline bool get_number(od::value& v, uint64_t& out) { return !v.get_uint64().get(out) || get_number_slow(v, out); }

// Strings: consumed as a raw JSON string, then a view into the input up to the closing
// quote when there is no escape (nothing copied: most of the reader's cost was once
// unescaping strings that have nothing to unescape), else unescaped into the reader's
// buffer. Both live until the next record, as the reader's views do.
[[gnu::noinline]] bool get_text(od::value& v, std::string_view& out, TextOut& to) {
  od::raw_json_string raw;
  if (v.get_raw_json_string().get(raw)) return get_text_slow(v, out);  // not a string: not consumed
  const char* p = raw.raw();
  const char* at = quote_or_backslash(p, to.end);
  if (at == nullptr) return false;
  if (*at == '"') {
    out = std::string_view(p, static_cast<std::size_t>(at - p));
    return true;
  }
  return !to.parser->unescape(raw, to.at).get(out);
}

}  // namespace

std::size_t IpKeyHash::operator()(const IpKey& k) const noexcept {
  uint64_t a, b;
  std::memcpy(&a, k.b.data(), 8);
  std::memcpy(&b, k.b.data() + 8, 8);
  uint64_t h = (a ^ (b * 0x9E3779B97F4A7C15ull) ^ k.v) * 0xff51afd7ed558ccdull;
  return static_cast<std::size_t>(h ^ (h >> 32));
}

IpKey parse_ip(std::string_view s) {
  IpKey k;
  // Dotted quad by hand, a part at a time (this runs twice per record): 1 to 3 digits up
  // to 255, then a dot or, after the fourth, the end.
  if (s.size() >= 7 && s.size() <= 15) {
    const char* p = s.data();
    const char* const e = p + s.size();
    for (int part = 0;; ++part) {
      unsigned v = static_cast<unsigned char>(*p) - '0';
      if (v > 9) break;
      ++p;
      unsigned d;
      if (p != e && (d = static_cast<unsigned char>(*p) - '0') <= 9) {
        v = v * 10 + d;
        ++p;
        if (p != e && (d = static_cast<unsigned char>(*p) - '0') <= 9) {
          v = v * 10 + d;
          ++p;
        }
      }
      if (v > 255) break;
      k.b[static_cast<std::size_t>(part)] = static_cast<uint8_t>(v);
      if (part == 3) {
        if (p == e) {
          k.v = 4;
          return k;
        }
        break;
      }
      if (p == e || *p != '.' || ++p == e) break;
    }
  }
  k = IpKey{};
  if (s.find(':') == std::string_view::npos || s.size() >= 46) return k;
  char buf[46];
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = 0;
  if (inet_pton(AF_INET6, buf, k.b.data()) == 1) k.v = 6;
  return k;
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

RecordReader::RecordReader() { (void)key_table(); }

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
// bytes `mask` selects, its closing quote included, all equal. Reads 32 bytes from `key`:
// a key inside a document is followed by at least its value and simdjson's padding.
inline bool shape_match(const char* shape, uint32_t mask, const char* key) {
#if defined(__SSE2__)
  const auto* k = reinterpret_cast<const __m128i*>(key);
  const auto* w = reinterpret_cast<const __m128i*>(shape);
  const uint32_t eq = static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(k), _mm_load_si128(w)))) |
                      static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(k + 1), _mm_load_si128(w + 1)))) << 16;
  return (eq & mask) == mask;
#else
  return std::memcmp(shape, key, static_cast<std::size_t>(std::popcount(mask))) == 0;
#endif
}
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
}

LineKind RecordReader::parse_object(od::object obj) {
  const KeyTable& table = key_table();
  // Zeroed in place: `flow_ = FlowRec{}` built the record on the stack and copied it over
  // (rep stos then rep movs, 8 % of the reader's samples in perf annotate).
  static_assert(std::is_trivially_copyable_v<FlowRec>);
  std::memset(static_cast<void*>(&flow_), 0, sizeof flow_);
  flow_.dns_ret_code = FlowRec{}.dns_ret_code;
  eve_type_ = {};
  text_.at = unescaped_.get();
  bool is_eve = false, bad = false, eve_reset = false;
  std::string_view src6, dst6, eve_ts;
  bool any_flow_key = false;
  std::size_t index = 0;
  for (auto field_result : obj) {
    if (field_result.error()) return LineKind::truncated;
    od::field& field = field_result.value_unsafe();
    const char* key = field.key().raw();
    ShapeSlot* shape = index < shape_.size() ? &shape_[index] : nullptr;
    uint8_t slot;
    if (shape && shape_match(shape->key.data(), shape->mask, key)) {
      slot = shape->slot;
    } else {
      KeyWords kw;
      slot = load_key(key, kw) ? table.find(kw) : uint8_t{k_none};
      if (shape) remember_key(*shape, key, slot);
    }
    ++index;
    if (slot == k_none) continue;  // On-Demand skips the value
    if (slot >= ev_timestamp && !eve_reset) {  // eve records are few: reset their parts only then
      alert_ = AlertRec{};
      tx_ = HttpTxRec{};
      eve_reset = true;
    }
    od::value& v = field.value();  // a reference: copying the value read it back through a store-forwarding stall
    uint64_t n = 0;
    std::string_view s;
    if (slot < kFieldCount) {
      const Field f = static_cast<Field>(slot);
      if (f != Field::community_id) any_flow_key = true;
      flow_.present |= uint64_t{1} << slot;
      switch (f) {
        case Field::src_addr: bad |= !get_text(v, flow_.src_text, text_); break;
        case Field::dst_addr: bad |= !get_text(v, flow_.dst_text, text_); break;
        case Field::src_port: bad |= !get_number(v, n); flow_.src_port = static_cast<uint16_t>(n); break;
        case Field::dst_port: bad |= !get_number(v, n); flow_.dst_port = static_cast<uint16_t>(n); break;
        case Field::protocol: bad |= !get_number(v, n); flow_.protocol = static_cast<uint8_t>(n); break;
        case Field::in_bytes: bad |= !get_number(v, flow_.in_bytes); break;
        case Field::out_bytes: bad |= !get_number(v, flow_.out_bytes); break;
        case Field::first_switched: bad |= !get_number(v, n); flow_.first = static_cast<int64_t>(n); break;
        case Field::last_switched: bad |= !get_number(v, n); flow_.last = static_cast<int64_t>(n); break;
        case Field::l7_proto: bad |= !get_text(v, flow_.l7_proto, text_); break;
        case Field::l7_proto_name: bad |= !get_text(v, flow_.l7_name, text_); break;
        case Field::l7_category: bad |= !get_text(v, flow_.l7_category, text_); break;
        case Field::l7_risk_name: bad |= !get_text(v, flow_.l7_risk_name, text_); break;
        case Field::src_country: bad |= !get_text(v, flow_.src_country, text_); break;
        case Field::dst_country: bad |= !get_text(v, flow_.dst_country, text_); break;
        case Field::src_as: bad |= !get_number(v, n); flow_.src_as = static_cast<uint32_t>(n); break;
        case Field::dst_as: bad |= !get_number(v, n); flow_.dst_as = static_cast<uint32_t>(n); break;
        case Field::src_as_map: bad |= !get_text(v, flow_.src_as_map, text_); break;
        case Field::dst_as_map: bad |= !get_text(v, flow_.dst_as_map, text_); break;
        case Field::dns_query: bad |= !get_text(v, flow_.dns_query, text_); break;
        case Field::dns_response: bad |= !get_text(v, flow_.dns_response, text_); break;
        case Field::dns_ret_code:
          bad |= !get_number(v, n);
          flow_.dns_ret_code = static_cast<int>(n);
          break;
        case Field::http_method: bad |= !get_text(v, flow_.http_method, text_); break;
        case Field::http_host: bad |= !get_text(v, flow_.http_host, text_); break;
        case Field::http_url: bad |= !get_text(v, flow_.http_url, text_); break;
        case Field::tls_server_name: bad |= !get_text(v, flow_.tls_sni, text_); break;
        case Field::tls_version: bad |= !get_number(v, n); flow_.tls_version = static_cast<uint32_t>(n); break;
        case Field::tls_cipher: bad |= !get_number(v, n); flow_.tls_cipher = static_cast<uint32_t>(n); break;
        case Field::tls_unsafe_cipher: bad |= !get_number(v, n); flow_.tls_unsafe = n != 0; break;
        case Field::client_tcp_flags: bad |= !get_number(v, n); flow_.client_flags = static_cast<uint32_t>(n); break;
        case Field::server_tcp_flags: bad |= !get_number(v, n); flow_.server_flags = static_cast<uint32_t>(n); break;
        case Field::conn_state: bad |= !get_text(v, flow_.conn_state, text_); break;
        case Field::community_id: bad |= !get_text(v, flow_.community_id, text_); break;
        case Field::alerts: bad |= !get_number(v, n); flow_.alerts = static_cast<uint32_t>(n); break;
        case Field::instance_name: bad |= !get_text(v, flow_.instance, text_); break;
        case Field::count_: break;
      }
      continue;
    }
    switch (slot) {
      case k_src6: any_flow_key = true; bad |= !get_text(v, src6, text_); break;
      case k_dst6: any_flow_key = true; bad |= !get_text(v, dst6, text_); break;
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
          if (af_result.error()) return LineKind::truncated;
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
          if (hf_result.error()) return LineKind::truncated;
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
  if (bad) return LineKind::bad_value;
  if (is_eve) {
    if (!eve_reset) {
      alert_ = AlertRec{};
      tx_ = HttpTxRec{};
    }
    int64_t ts = 0;
    if (!parse_eve_time(eve_ts, ts)) return eve_ts.empty() ? LineKind::other_tool : LineKind::bad_value;
    if (eve_type_ == "alert") {
      alert_.ts = ts;
      alert_.src = parse_ip(alert_.src_text);
      alert_.dst = parse_ip(alert_.dst_text);
      alert_.community_id = flow_.community_id;
      if (!alert_.src.valid() || !alert_.dst.valid()) return LineKind::bad_value;
      return LineKind::alert;
    }
    if (eve_type_ == "http") {
      tx_.ts = ts;
      tx_.src = parse_ip(alert_.src_text);
      tx_.dst = parse_ip(alert_.dst_text);
      return LineKind::http_tx;
    }
    return LineKind::eve_other;
  }
  if (!any_flow_key || !flow_.has(Field::first_switched)) return LineKind::other_tool;
  // IPv4 flows carry "::" in the IPv6 keys and IPv6 flows "0.0.0.0" in the IPv4 ones.
  flow_.src = parse_ip(flow_.src_text);
  flow_.dst = parse_ip(flow_.dst_text);
  const bool v4_unset = !flow_.src.valid() || (flow_.src.v == 4 && flow_.src_text == "0.0.0.0" && !src6.empty());
  if (v4_unset && !src6.empty() && src6 != "::") {
    flow_.src_text = src6;
    flow_.dst_text = dst6;
    flow_.src = parse_ip(src6);
    flow_.dst = parse_ip(dst6);
  }
  if (!flow_.src.valid() || !flow_.dst.valid()) return LineKind::bad_value;
  flow_.present |= uint64_t{1} << static_cast<int>(Field::src_addr) | uint64_t{1} << static_cast<int>(Field::dst_addr);
  if (!flow_.has(Field::last_switched)) flow_.last = flow_.first;
  return LineKind::flow;
}

}  // namespace flowprobe::report
