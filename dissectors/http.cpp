#include "dissectors/http.hpp"

#include <algorithm>
#include <cstring>

#include "dissectors/bytes.hpp"

namespace flowprobe::dissect {
namespace {

constexpr std::string_view kMethods[] = {"GET",  "POST",   "HEAD",     "PUT",       "DELETE", "OPTIONS", "CONNECT",
                                         "TRACE", "PATCH", "PROPFIND", "PROPPATCH", "MKCOL",  "COPY",    "MOVE",
                                         "LOCK", "UNLOCK", "REPORT",   "SEARCH",    "NOTIFY", "SUBSCRIBE", "M-SEARCH"};

bool is_token_char(char ch) { return (ch >= 'A' && ch <= 'Z') || ch == '-' || ch == '_'; }

// "METHOD SP target SP HTTP/1.x": method, target, and whether it looks like a request line.
bool split_request_line(std::string_view line, std::string_view& method, std::string_view& target) {
  const std::size_t sp = line.find(' ');
  if (sp == 0 || sp == std::string_view::npos || sp > 16) return false;
  method = line.substr(0, sp);
  if (!std::all_of(method.begin(), method.end(), is_token_char)) return false;
  std::string_view rest = line.substr(sp + 1);
  const std::size_t sp2 = rest.rfind(' ');
  if (sp2 != std::string_view::npos && rest.substr(sp2 + 1).starts_with("HTTP/")) rest = rest.substr(0, sp2);
  else if (rest.starts_with("HTTP/")) rest = {};  // "METHOD HTTP/1.1": no target at all
  target = rest;
  return true;
}

void on_request_line(std::string_view line, HttpMeta& m, bool overflow) {
  std::string_view method, target;
  if (!split_request_line(line, method, target)) return;
  m.method.assign(method);
  m.url.assign(target);
  if (overflow) m.url.truncated = true;
  m.has_request = true;
}

template <std::size_t N>
void set_header(BoundedString<N>& out, std::string_view value, bool overflow) {
  if (!out.empty()) return;  // the first occurrence wins
  out.assign(trim(value));
  if (overflow) out.truncated = true;
}

void on_request_header(std::string_view name, std::string_view value, HttpMeta& m, bool overflow) {
  if (iequals(name, "host")) set_header(m.host, value, overflow);
  else if (iequals(name, "user-agent")) set_header(m.user_agent, value, overflow);
  else if (iequals(name, "referer")) set_header(m.referer, value, overflow);
}

// Returns false when the line is not a status line.
bool on_status_line(std::string_view line, HttpMeta& m) {
  if (!line.starts_with("HTTP/") || line.size() < 12 || line[8] != ' ') return false;
  unsigned code = 0;
  for (int i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') return false;
    code = code * 10 + static_cast<unsigned>(line[i] - '0');
  }
  m.ret_code = static_cast<uint16_t>(code);
  m.has_response = true;
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (digit(line[5]) && line[6] == '.' && digit(line[7]))
    m.version = static_cast<uint8_t>((line[5] - '0') * 10 + (line[7] - '0'));
  return true;
}

}  // namespace

Parse HttpState::parse(const PacketContext& c, AppMetadata& meta) noexcept {
  meta.set_kind(AppKind::http);
  HttpMeta& m = meta.u.http;
  const bool client = c.from_client;
  Dir& d = dir[client ? 0 : 1];
  if (d.phase == 2) return (dir[0].phase == 2 && dir[1].phase == 2) ? Parse::done : Parse::cont;
  bool gap = false;
  std::span<const uint8_t> p = c.l4_proto == ipproto::tcp ? d.cursor.advance(c.tcp_seq, c.payload, gap) : c.payload;
  if (gap) return Parse::skip;  // a missing segment: headers after it cannot be trusted
  for (std::size_t i = 0; i < p.size() && d.phase != 2; ++i) {
    const char ch = static_cast<char>(p[i]);
    if (ch != '\n') {
      if (d.len < kLine) d.line[d.len++] = ch;
      else d.overflow = true;
      continue;
    }
    std::string_view line(d.line, d.len);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const bool overflow = d.overflow;
    d.len = 0;
    d.overflow = false;
    if (d.phase == 0) {
      if (line.empty()) continue;  // tolerate CRLF before a request
      if (client) {
        on_request_line(line, m, overflow);
        if (!m.has_request) return Parse::skip;
      } else if (!on_status_line(line, m)) {
        return Parse::skip;
      }
      d.phase = 1;
      continue;
    }
    if (line.empty()) {
      // End of headers. An interim 1xx (but 101) response is followed by the real one.
      d.phase = (!client && m.ret_code >= 100 && m.ret_code < 200 && m.ret_code != 101) ? 0 : 2;
      if (d.phase == 0) m.mime.clear();
      continue;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view name = line.substr(0, colon), value = line.substr(colon + 1);
    if (client) {
      on_request_header(name, value, m, overflow);
    } else if (iequals(name, "content-type")) {
      std::string_view v = trim(value);
      v = trim(v.substr(0, v.find(';')));
      set_header(m.mime, v, overflow);
    }
  }
  return (dir[0].phase == 2 && dir[1].phase == 2) ? Parse::done : Parse::cont;
}

Probe http_probe(const PacketContext& c) noexcept {
  const std::string_view s = as_text(c.payload.first(std::min<std::size_t>(c.payload.size(), 64)));
  if (s.starts_with("HTTP/1.")) return Probe::certain;  // picked up at the response
  for (std::string_view m : kMethods) {
    if (s.size() > m.size() && s.starts_with(m) && s[m.size()] == ' ') return Probe::certain;
    if (s.size() <= m.size() && m.starts_with(s)) return Probe::unsure;  // a tiny first segment
  }
  // Other methods: a token, a space, and "HTTP/1." later on the first line.
  std::string_view method, target;
  const std::string_view all = as_text(c.payload.first(std::min<std::size_t>(c.payload.size(), 1024)));
  const std::size_t eol = all.find('\n');
  if (eol == std::string_view::npos) return Probe::not_mine;
  std::string_view line = all.substr(0, eol);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (split_request_line(line, method, target) && method.size() >= 3 &&
      (line.find(" HTTP/1.") != std::string_view::npos || target.starts_with('/')))
    return Probe::certain;
  return Probe::not_mine;
}

const Dissector kHttpDissector{
    .name = "http",
    .kind = AppKind::http,
    .l4_mask = l4::tcp,
    .ports = {80, 8080, 8000, 3128, 8008, 0},
    .state_size = sizeof(HttpState),
    .state_align = alignof(HttpState),
    .probe = http_probe,
    .init = init_of<HttpState>(),
    .parse = parse_of<HttpState>(),
};

}  // namespace flowprobe::dissect
