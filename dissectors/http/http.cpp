#include "dissectors/http/http.hpp"

#include <algorithm>
#include <cstring>

#include "core/base64.hpp"
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

// "HTTP/x.y" as x*10+y; 0 when it is not one.
uint8_t http_version(std::string_view v) {
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (v.size() < 8 || !v.starts_with("HTTP/") || !digit(v[5]) || v[6] != '.' || !digit(v[7])) return 0;
  return static_cast<uint8_t>((v[5] - '0') * 10 + (v[7] - '0'));
}

void on_request_line(std::string_view line, HttpMeta& m, bool overflow) {
  std::string_view method, target;
  if (!split_request_line(line, method, target)) return;
  m.method.assign(method);
  m.url.assign(target);
  if (overflow) m.url.truncated = true;
  m.has_request = true;
  m.request_version = http_version(line.substr(std::min(line.size(), line.rfind(' ') + 1)));
}

template <std::size_t N>
void set_header(BoundedString<N>& out, std::string_view value, bool overflow) {
  if (!out.empty()) return;  // the first occurrence wins
  out.assign(trim(value));
  if (overflow) out.truncated = true;
}

// The headers Zeek's HTTP::proxy_headers names: a request that carries one went through a proxy.
constexpr std::string_view kProxyHeaders[] = {"FORWARDED", "X-FORWARDED-FOR", "X-FORWARDED-FROM", "CLIENT-IP",
                                              "VIA",       "XROXY-CONNECTION", "PROXY-CONNECTION"};

// Zeek's base/protocols/http/main.zeek: "Basic" and one blank, the rest base64; the user is
// what precedes the first ':' of the decoded value.
void on_authorization(std::string_view value, HttpMeta& m) {
  if (value.size() < 6 || !iequals(value.substr(0, 5), "basic") || value[5] != ' ') return;
  std::string_view b64 = value.substr(6);
  if (!b64.empty() && (b64.front() == ' ' || b64.front() == '\t')) b64.remove_prefix(1);
  uint8_t decoded[192];
  const std::size_t n = base64_decode(reinterpret_cast<const uint8_t*>(b64.data()), b64.size(), decoded,
                                      sizeof decoded, false);
  const std::string_view userpass(reinterpret_cast<const char*>(decoded), n);
  const std::size_t colon = userpass.find(':');
  m.username.clear();
  if (colon != std::string_view::npos) {
    m.username.assign(userpass.substr(0, colon));
  } else {
    m.username.assign("<problem-decoding> (");
    m.username.append(value);
    m.username.append(")");
  }
}

void on_proxy_header(std::string_view name, std::string_view value, HttpMeta& m) {
  if (!m.proxied.empty()) m.proxied.push_back('\n');
  for (char c : name) m.proxied.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c);
  m.proxied.append(" -> ");
  m.proxied.append(value);
}

void on_request_header(std::string_view name, std::string_view value, HttpMeta& m, bool overflow) {
  if (iequals(name, "host")) set_header(m.host, value, overflow);
  else if (iequals(name, "user-agent")) set_header(m.user_agent, value, overflow);
  else if (iequals(name, "referer")) set_header(m.referer, value, overflow);
  else if (iequals(name, "origin")) set_header(m.origin, value, overflow);
  else if (iequals(name, "authorization") || iequals(name, "proxy-authorization")) on_authorization(trim(value), m);
  else if (std::any_of(std::begin(kProxyHeaders), std::end(kProxyHeaders),
                       [&](std::string_view p) { return iequals(name, p); }))
    on_proxy_header(name, trim(value), m);
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
  m.version = http_version(line);
  m.status_msg.assign(line.size() > 13 ? trim(line.substr(13)) : std::string_view());
  return true;
}

void on_response_header(std::string_view name, std::string_view value, HttpMeta& m, bool overflow) {
  if (iequals(name, "content-type")) {
    std::string_view v = trim(value);
    set_header(m.mime, trim(v.substr(0, v.find(';'))), overflow);
  } else if (iequals(name, "location")) {
    set_header(m.location, value, overflow);
  } else if (iequals(name, "server")) {
    set_header(m.server, value, overflow);
  }
}

}  // namespace

namespace {

using Dir = HttpState::Dir;

// One message's part for the rules (TxSink::part): its start line and header lines, and
// its body when `body` (the headers again: rules on headers and body are judged together).
void report(const Dir& d, const PacketContext& c, int di, const HttpMeta& tx, bool body, bool incomplete = false) {
  if (!wants_parts(c.tx)) return;
  TxPartView v;
  v.kind = AppKind::http;
  v.to_server = di == 0;
  v.part = di == 0 ? (body ? sig::TxPart::request_body : sig::TxPart::request)
                   : (body ? sig::TxPart::response_body : sig::TxPart::response);
  v.tx = &tx;
  v.truncated = d.block_truncated;
  v.incomplete = incomplete;
  v.start_line = {d.start, d.start_len};
  v.header_block = {d.block, d.block_len};
  if (body) v.body = {d.body, d.body_len};
  c.tx->part(v);
}

// Keeps body bytes (for the rules) up to the bound, and counts them all.
void keep_body(Dir& d, std::span<const uint8_t> q, bool keep) {
  d.body_total += q.size();
  if (!keep) return;
  const std::size_t n = std::min(q.size(), HttpState::kBody - d.body_len);
  std::memcpy(d.body + d.body_len, q.data(), n);
  d.body_len = static_cast<uint16_t>(d.body_len + n);
}

int hex_value(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

// The header line as it goes into the block (CRLF-terminated), while there is room.
void keep_line(Dir& d, std::string_view line, bool cut) {
  if (cut || d.block_len + line.size() + 2 > HttpState::kBlock) {
    d.block_truncated = true;
    if (d.block_len + line.size() + 2 > HttpState::kBlock) return;
  }
  std::memcpy(d.block + d.block_len, line.data(), line.size());
  d.block_len = static_cast<uint16_t>(d.block_len + line.size());
  d.block[d.block_len++] = '\r';
  d.block[d.block_len++] = '\n';
}

// Headers that frame the body.
void note_framing(Dir& d, std::string_view name, std::string_view value) {
  using F = HttpState::Framing;
  if (iequals(name, "transfer-encoding")) {
    const std::string_view v = trim(value);
    if (v.size() >= 7 && iequals(v.substr(v.size() - 7), "chunked")) d.framing = F::chunked;
  } else if (iequals(name, "content-length") && d.framing != F::chunked) {
    uint64_t n = 0;
    bool digits = false;
    for (char ch : trim(value)) {
      if (ch < '0' || ch > '9' || n > (uint64_t{1} << 40)) { digits = false; break; }
      n = n * 10 + static_cast<uint64_t>(ch - '0');
      digits = true;
    }
    if (digits) {
      d.framing = F::length;
      d.remaining = n;
    }
  }
}

}  // namespace

// ---- transactions ------------------------------------------------------------------------

uint8_t HttpState::start_tx(const PacketContext& c, AppMetadata& meta) noexcept {
  if (count == kPending) emit_front(c, meta);  // a client far ahead of its server: the oldest goes unanswered
  const uint8_t i = static_cast<uint8_t>((head + count) % kPending);
  pending.make(i);
  seq[i] = started++;
  ts[i] = c.ts_ns;
  ++count;
  return i;
}

uint8_t HttpState::answered(const PacketContext& c, AppMetadata& meta) noexcept {
  // A response that no request we saw asked for (the capture began mid-connection) is a
  // transaction of its own, as Zeek logs it.
  if (count == 0) return start_tx(c, meta);
  return head;
}

void HttpState::mirror(uint8_t i, AppMetadata& meta) noexcept {
  // The flow record keeps its first transaction, as nProbe's HTTP fields do.
  if (seq[i] == 0) meta.u.http = pending[i];
}

void HttpState::emit_front(const PacketContext& c, AppMetadata& meta) noexcept {
  if (count == 0) return;
  mirror(head, meta);
  emit_tx(c.tx, AppKind::http, pending[head], ts[head]);
  // A message still being read whose transaction leaves goes on without one.
  if (slot[0] == head) slot[0] = kNoSlot;
  if (slot[1] == head) slot[1] = kNoSlot;
  head = static_cast<uint8_t>((head + 1) % kPending);
  --count;
}

// ---- messages ----------------------------------------------------------------------------

// A message (headers and body) is over: its body length goes to its transaction, a
// response ends its transaction, and the direction waits for the next message (or, after
// a protocol switch, stops).
void HttpState::end_message(int di, const PacketContext& c, AppMetadata& meta) noexcept {
  Dir& d = dir[di];
  const uint8_t i = slot[di];
  slot[di] = kNoSlot;
  d.phase = start_line;
  if (i == kNoSlot) return;
  if (di == 0) {
    pending[i].request_body_len = d.body_total;
    mirror(i, meta);
    return;
  }
  HttpMeta& tx = pending[i];
  tx.response_body_len = d.body_total;
  // After 101 Switching Protocols, or a CONNECT's 2xx, the connection is no longer HTTP.
  // A CONNECT tunnel carries another protocol end to end (TLS to an HTTPS site, SMTP to a
  // mail server): parse() hands the flow back to the probes, as Zeek analyses the tunnel.
  const bool connect = tx.method.view() == "CONNECT" && tx.ret_code / 100 == 2;
  while (count && head != i) emit_front(c, meta);  // (i is the head: responses answer in order)
  emit_front(c, meta);
  if (connect || tx.ret_code == 101) dir[0].phase = dir[1].phase = finished;
  tunnel = tunnel || connect;
}

// Reports a finished message body and ends the message.
void HttpState::end_body(int di, const PacketContext& c, AppMetadata& meta) noexcept {
  if (slot[di] != kNoSlot) report(dir[di], c, di, pending[slot[di]], true);
  end_message(di, c, meta);
}

// Consumes body bytes of `q` by the message's framing; returns how many it used.
std::size_t HttpState::consume_body(int di, std::span<const uint8_t> q, const PacketContext& c, AppMetadata& meta) noexcept {
  Dir& d = dir[di];
  const bool keep = wants_parts(c.tx) && d.body_len < kBody;
  if (d.framing == Framing::length) {
    const std::size_t n = static_cast<std::size_t>(std::min<uint64_t>(q.size(), d.remaining));
    keep_body(d, q.first(n), keep);
    d.remaining -= n;
    if (d.remaining == 0) end_body(di, c, meta);
    return n;
  }
  if (d.framing == Framing::until_close) {
    keep_body(d, q, keep);
    if (c.tcp_flags & 0x05) end_body(di, c, meta);  // FIN or RST
    return q.size();
  }
  // Chunked: size line (hex, extensions after ';' ignored), data, CRLF, ..., 0, trailers.
  std::size_t i = 0;
  while (i < q.size() && d.phase == body) {
    const char ch = static_cast<char>(q[i]);
    switch (d.chunk_state) {
      case 0:  // size digits
      case 4: {  // rest of the size line
        ++i;
        const int v = hex_value(ch);
        if (d.chunk_state == 0 && v >= 0) {
          if (d.chunk_size > (uint64_t{1} << 40)) {  // nonsense: the direction cannot be followed
            end_body(di, c, meta);
            d.phase = finished;
            break;
          }
          d.chunk_size = d.chunk_size * 16 + static_cast<uint64_t>(v);
        } else if (ch == '\n') {
          d.remaining = d.chunk_size;
          d.chunk_size = 0;
          d.chunk_state = d.remaining ? 1 : 3;
          d.len = 0;
        } else {
          d.chunk_state = 4;
        }
        break;
      }
      case 1: {  // data
        const std::size_t n = static_cast<std::size_t>(std::min<uint64_t>(q.size() - i, d.remaining));
        keep_body(d, q.subspan(i, n), wants_parts(c.tx) && d.body_len < kBody);
        i += n;
        d.remaining -= n;
        if (d.remaining == 0) d.chunk_state = 2;
        break;
      }
      case 2:  // CRLF after the data
        ++i;
        if (ch == '\n') d.chunk_state = 0;
        break;
      default:  // trailers: an empty line ends the message
        ++i;
        if (ch == '\n') {
          if (d.len == 0) end_body(di, c, meta);
          d.len = 0;
        } else if (ch != '\r') {
          d.len = 1;
        }
        break;
    }
  }
  return i;
}

// A message's start line and header lines are complete.
void HttpState::end_headers(int di, const PacketContext& c, AppMetadata& meta) noexcept {
  const uint8_t i = slot[di];
  if (i == kNoSlot) return;
  HttpMeta& tx = pending[i];
  (di == 0 ? tx.request_headers_done : tx.response_headers_done) = true;
  mirror(i, meta);
  report(dir[di], c, di, tx, false);
}

Parse HttpState::parse(const PacketContext& c, AppMetadata& meta) noexcept {
  meta.set_kind(AppKind::http);
  const bool client = c.from_client;
  const int di = client ? 0 : 1;
  Dir& d = dir[di];
  const auto progress = [&] {
    if (dir[0].phase != finished || dir[1].phase != finished) return Parse::cont;
    return tunnel ? Parse::upgrade : Parse::done;
  };
  if (d.phase == finished) return progress();
  if (c.payload.empty()) {
    // A FIN or RST (the engine hands those on without payload) ends a body that runs
    // until the connection closes, and header lines cut off by the close (Suricata
    // judges those too).
    if (c.tcp_flags & 0x05) {
      if (d.phase == body && d.framing == Framing::until_close) end_body(di, c, meta);
      if (d.phase == headers) {
        if (d.len) keep_line(d, std::string_view(d.line, d.len), d.overflow);  // a last line without CRLF
        end_headers(di, c, meta);
        end_message(di, c, meta);
      }
      if (dir[di].phase == start_line) dir[di].phase = finished;  // nothing more comes this way
    }
    return progress();
  }
  bool gap = false;
  std::span<const uint8_t> p = c.l4_proto == ipproto::tcp ? d.cursor.advance(c.tcp_seq, c.payload, gap) : c.payload;
  if (gap) {
    // A missing segment: a body ends with what it had; after it, message boundaries cannot
    // be found again, so the direction is given up (its transactions so far stand).
    if (d.phase == body) end_body(di, c, meta);
    d.phase = finished;
    return progress();
  }
  const bool keep = wants_parts(c.tx);
  std::size_t i = 0;
  while (i < p.size() && d.phase != finished) {
    if (d.phase == body) {
      i += consume_body(di, p.subspan(i), c, meta);
      continue;
    }
    const char ch = static_cast<char>(p[i++]);
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
    if (d.phase == start_line) {
      if (line.empty()) continue;  // tolerate CRLF before a message
      if (client) {
        HttpMeta probe_tx;
        on_request_line(line, probe_tx, overflow);
        if (!probe_tx.has_request) {
          // Not a request line: the first message makes the flow not HTTP; a later one ends
          // what can be followed.
          if (started == 0) return Parse::skip;
          d.phase = finished;
          break;
        }
        slot[0] = start_tx(c, meta);
        pending[slot[0]] = probe_tx;
        mirror(slot[0], meta);
      } else {
        HttpMeta status;
        if (!on_status_line(line, status)) {
          if (started == 0) return Parse::skip;
          d.phase = finished;
          break;
        }
        slot[1] = answered(c, meta);
        HttpMeta& tx = pending[slot[1]];
        if (status.ret_code >= 100 && status.ret_code < 200) {
          // A 1xx reply (101 too): Zeek keeps its code and message as info_code/info_msg.
          tx.info_code = status.ret_code;
          tx.info_msg.assign(status.status_msg.view());
        }
        tx.ret_code = status.ret_code;
        tx.has_response = true;
        tx.version = status.version;
        tx.status_msg = status.status_msg;
        tx.mime.clear();
        tx.location.clear();
        tx.server.clear();
        mirror(slot[1], meta);
      }
      if (keep) {
        std::memcpy(d.start, line.data(), line.size());
        d.start_len = static_cast<uint16_t>(line.size());
      }
      d.block_len = 0;
      d.block_truncated = false;
      d.framing = Framing::none;
      d.remaining = 0;
      d.body_len = 0;
      d.body_total = 0;
      d.phase = headers;
      continue;
    }
    if (line.empty()) {
      // End of headers. An interim 1xx (but 101) response is followed by the real one.
      static const HttpMeta kNone;
      const HttpMeta& tx = slot[di] != kNoSlot ? pending[slot[di]] : kNone;
      if (!client && tx.ret_code >= 100 && tx.ret_code < 200 && tx.ret_code != 101) {
        d.phase = start_line;
        continue;
      }
      end_headers(di, c, meta);
      // What follows: no body (requests without a length, HEAD answers, 1xx/204/304),
      // a length, chunks, or (responses only) everything until the connection closes.
      const bool bodiless = !client && (tx.ret_code == 101 || tx.ret_code == 204 || tx.ret_code == 304 ||
                                        tx.method.view() == "HEAD" ||
                                        (tx.method.view() == "CONNECT" && tx.ret_code / 100 == 2));
      if (bodiless || (d.framing == Framing::length && d.remaining == 0)) d.framing = Framing::none;
      else if (d.framing == Framing::none && !client) d.framing = Framing::until_close;
      d.chunk_state = 0;
      d.chunk_size = 0;
      if (d.framing == Framing::none) end_message(di, c, meta);
      else d.phase = body;
      continue;
    }
    if (keep) keep_line(d, line, overflow);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view name = line.substr(0, colon), value = line.substr(colon + 1);
    note_framing(d, name, value);
    if (slot[di] == kNoSlot) continue;
    if (client) on_request_header(name, value, pending[slot[di]], overflow);
    else on_response_header(name, value, pending[slot[di]], overflow);
  }
  return progress();
}

void HttpState::finish(const PacketContext& c, AppMetadata& meta) noexcept {
  // A message whose header lines never ended (capture cut, gap, timeout) is still judged
  // on what it had: the request line, the status line.
  for (int di = 0; di < 2; ++di) {
    if (slot[di] == kNoSlot) continue;
    if (dir[di].phase == headers) report(dir[di], c, di, pending[slot[di]], false, true);
    if (dir[di].phase == body) (di == 0 ? pending[slot[di]].request_body_len : pending[slot[di]].response_body_len) = dir[di].body_total;
  }
  // The flow's end: every transaction still open is logged with what it has.
  while (count) emit_front(c, meta);
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
    .finish = finish_of<HttpState>(),
    // Followed for the connection's lifetime (every request of a keep-alive connection).
    .default_slots = 16384,
    .prefault_slots = 1024,
};

}  // namespace flowprobe::dissect
