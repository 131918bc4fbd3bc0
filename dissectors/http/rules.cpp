// HTTP's sticky buffers for the rules: what each part of a transaction offers, as
// Suricata's libhtp-based buffers show it (http.uri normalised, http.host lower case,
// http.header without cookies, file.data inflated, …). The scratch space (HttpShared) is
// made once per core when rules are loaded, so nothing is allocated per transaction.
#include <zlib.h>

#include <algorithm>
#include <cstring>

#include "dissectors/bytes.hpp"
#include "dissectors/http/http.hpp"
#include "signatures/signature_engine.hpp"

namespace flowprobe::dissect {

struct HttpShared::ZStream {
  z_stream z{};
  bool ok = false;
  ZStream() {
    ok = inflateInit2(&z, 15 + 32) == Z_OK;  // zlib or gzip, by the header
    // zlib allocates its window on the first inflate: do that here, not on an RX core.
    static const unsigned char kTiny[] = {120, 156, 171, 0, 0, 0, 121, 0, 121};  // zlib("x")
    unsigned char out[8];
    z.next_in = const_cast<unsigned char*>(kTiny);
    z.avail_in = sizeof kTiny;
    z.next_out = out;
    z.avail_out = sizeof out;
    if (ok) (void)inflate(&z, Z_SYNC_FLUSH);
  }
  ~ZStream() {
    if (ok) inflateEnd(&z);
  }
};

HttpShared::HttpShared() : zstream(std::make_unique<ZStream>()) {}
HttpShared::~HttpShared() = default;

void* http_create_rule_scratch() noexcept {
  try {
    return new HttpShared;
  } catch (...) {
    return nullptr;
  }
}
void http_destroy_rule_scratch(void* p) noexcept { delete static_cast<HttpShared*>(p); }

namespace {

// Calls f(name, value) for each "Name: value" line of an HTTP header block (lines end in
// CRLF; the value trimmed); lines without a colon are skipped.
template <typename F>
void for_each_header(std::string_view block, F&& f) {
  std::size_t at = 0;
  while (at < block.size()) {
    const std::size_t eol = std::min(block.find("\r\n", at), block.size());
    const std::string_view line = block.substr(at, eol - at);
    at = eol + 2;
    const std::size_t colon = line.find(':');
    if (colon != std::string_view::npos) f(line.substr(0, colon), trim(line.substr(colon + 1)));
  }
}

// libhtp's normalised path, as Suricata's http.uri sees it: "." and ".." segments and
// empty segments removed (RFC 3986 5.2.4), the query kept as sent. Writes into `out`
// (no allocation); returns the length.
std::size_t normalize_uri(std::string_view uri, char* out, std::size_t cap) {
  const std::size_t q = std::min(uri.find('?'), uri.size());
  const std::string_view path = uri.substr(0, q), rest = uri.substr(q);
  std::size_t starts[128];  // where each kept segment starts in `out`
  std::size_t nseg = 0, n = 0;
  const bool absolute = !path.empty() && path.front() == '/';
  std::size_t i = 0;
  while (i <= path.size()) {
    const std::size_t j = std::min(path.find('/', i), path.size());
    const std::string_view seg = path.substr(i, j - i);
    if (seg == "..") {
      if (nseg) n = starts[--nseg];
    } else if (seg != "." && !(seg.empty() && j != path.size() && i != 0) && !(seg.empty() && i == 0 && absolute)) {
      if (nseg == std::size(starts) || n + seg.size() + 1 > cap) return 0;
      starts[nseg++] = n;
      if (absolute || n) out[n++] = '/';
      std::memcpy(out + n, seg.data(), seg.size());
      n += seg.size();
    }
    if (j == path.size()) break;
    i = j + 1;
  }
  if (absolute && n == 0 && cap) out[n++] = '/';
  if (n + rest.size() > cap) return 0;
  std::memcpy(out + n, rest.data(), rest.size());
  return n + rest.size();
}

// The request's own buffers: URI, method, host, user agent, referer.
void set_request_buffers(sig::AppBuffers& up, const HttpMeta& h, HttpShared& sh) {
  const std::size_t n = normalize_uri(h.url.view(), sh.uri.data(), sh.uri.size());
  up.set(sig::BufferKind::http_uri, n ? std::string_view(sh.uri.data(), n) : h.url.view());
  up.set(sig::BufferKind::http_raw_uri, h.url.view());
  up.set(sig::BufferKind::http_method, h.method.view());
  // http.host is lower case without the port, as libhtp normalises it; .raw as sent.
  const std::string_view raw_host = h.host.view();
  std::size_t hn = 0;
  for (char ch : raw_host) {
    if (ch == ':' && raw_host.front() != '[') break;
    if (hn == sh.host.size()) break;
    sh.host[hn++] = static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
  }
  up.set(sig::BufferKind::http_host, std::string_view(sh.host.data(), hn));
  up.set(sig::BufferKind::http_raw_host, raw_host);
  if (!h.user_agent.empty()) up.set(sig::BufferKind::http_user_agent, h.user_agent.view());
  if (!h.referer.empty()) up.set(sig::BufferKind::http_referer, h.referer.view());
}

void set_stat_code(sig::AppBuffers& b, const HttpMeta& h, HttpShared& sh) {
  if (h.ret_code < 100 || h.ret_code > 999) return;
  sh.stat_code = {static_cast<char>('0' + h.ret_code / 100), static_cast<char>('0' + h.ret_code / 10 % 10),
                  static_cast<char>('0' + h.ret_code % 10), 0};
  b.set(sig::BufferKind::http_stat_code, std::string_view(sh.stat_code.data(), 3));
}

// The buffers of one message's start line and header lines: headers, raw headers,
// cookie, header names, content type/length, accept*, connection, protocol, start, the
// request or response line and, for a response, the status.
void set_message_buffers(sig::AppBuffers& b, const HttpMeta& h, const TxPartView& msg, bool request, HttpShared& sh) {
  using K = sig::BufferKind;
  // Bounded appends into one scratch array.
  struct Out {
    char* p;
    std::size_t cap, n = 0;
    void add(std::string_view v) {
      const std::size_t k = std::min(v.size(), cap - n);
      std::memcpy(p + n, v.data(), k);
      n += k;
    }
    std::string_view view() const { return {p, n}; }
  };
  Out hdr{sh.hdr.data(), sh.hdr.size()}, names{sh.names.data(), sh.names.size()}, raw{sh.raw_hdr.data(), sh.raw_hdr.size()},
      start{sh.start.data(), sh.start.size()}, lines{sh.header_lines.data(), sh.header_lines.size()};
  std::size_t nlines = 0;
  names.add("\r\n");
  const std::string_view block = msg.header_block;
  for_each_header(block, [&](std::string_view name, std::string_view value) {
    names.add(name);
    names.add("\r\n");
    // Suricata 7's http.request_header / http.response_header: one buffer per line, the
    // name as sent, ": ", the value trimmed; cookies included.
    if (nlines < sh.header_line_views.size()) {
      const std::size_t at = lines.n;
      lines.add(name);
      lines.add(": ");
      lines.add(value);
      sh.header_line_views[nlines++] = {reinterpret_cast<const uint8_t*>(lines.p + at), lines.n - at};
    }
    // As Suricata's http.header: "Name: value" lines, the cookie left to http.cookie.
    if (iequals(name, request ? "cookie" : "set-cookie")) {
      if (!b.has(K::http_cookie)) b.set(K::http_cookie, value);
      return;
    }
    hdr.add(name);
    hdr.add(": ");
    hdr.add(value);
    hdr.add("\r\n");
    const auto keep = [&](K kind) {
      if (!b.has(kind)) b.set(kind, value);
    };
    if (iequals(name, "content-length")) keep(K::http_content_len);
    else if (iequals(name, "content-type")) keep(K::http_content_type);
    else if (iequals(name, "connection")) keep(K::http_connection);
    else if (request && iequals(name, "accept")) keep(K::http_accept);
    else if (request && iequals(name, "accept-encoding")) keep(K::http_accept_enc);
    else if (request && iequals(name, "accept-language")) keep(K::http_accept_lang);
    else if (!request && iequals(name, "server")) keep(K::http_server);
    else if (!request && iequals(name, "location")) keep(K::http_location);
  });
  names.add("\r\n");
  raw.add(block);
  raw.add("\r\n");
  start.add(msg.start_line);
  start.add("\r\n");
  start.add(block);
  start.add("\r\n");
  if (hdr.n) b.set(K::http_header, hdr.view());
  b.set_multi(request ? K::http_request_header : K::http_response_header,
              std::span<const std::span<const uint8_t>>(sh.header_line_views.data(), nlines));
  b.set(K::http_raw_header, raw.view());
  b.set(K::http_header_names, names.view());
  b.set(K::http_start, start.view());
  const std::string_view line = msg.start_line;
  if (request) {
    b.set(K::http_request_line, line);
    const std::size_t sp = line.rfind(' ');
    if (sp != std::string_view::npos && line.substr(sp + 1).starts_with("HTTP/")) b.set(K::http_protocol, line.substr(sp + 1));
  } else {
    b.set(K::http_response_line, line);
    b.set(K::http_protocol, line.substr(0, line.find(' ')));
    // "HTTP/1.1 200 OK": the code as three digits, the message after it.
    set_stat_code(b, h, sh);
    if (line.size() > 13) b.set(K::http_stat_msg, line.substr(13));
  }
}

// Whether a message's header lines say Content-Encoding gzip or deflate.
bool content_encoded(std::string_view block) {
  bool encoded = false;
  for_each_header(block, [&](std::string_view name, std::string_view v) {
    if (!iequals(name, "content-encoding")) return;
    for (std::size_t i = 0; i + 4 <= v.size(); ++i)
      encoded = encoded || iequals(v.substr(i, 4), "gzip") || (i + 7 <= v.size() && iequals(v.substr(i, 7), "deflate"));
  });
  return encoded;
}

// A response body sent with Content-Encoding gzip or deflate, inflated for file.data (as
// libhtp does for Suricata) into the per-core buffer; the body as sent when it is not.
std::string_view inflate_body(std::string_view body, HttpShared& sh) {
  if (!sh.zstream || !sh.zstream->ok || body.empty()) return body;
  z_stream& z = sh.zstream->z;
  // zlib/gzip first; "deflate" is often sent raw, so a header error retries without one.
  for (int bits : {15 + 32, -15}) {
    if (inflateReset2(&z, bits) != Z_OK) return body;
    z.next_in = reinterpret_cast<unsigned char*>(const_cast<char*>(body.data()));
    z.avail_in = static_cast<uInt>(body.size());
    z.next_out = reinterpret_cast<unsigned char*>(sh.inflated.data());
    z.avail_out = static_cast<uInt>(sh.inflated.size());
    const int rc = inflate(&z, Z_SYNC_FLUSH);
    // Whatever came out counts (a body cut at the 4 KB bound stops mid-stream).
    if (const std::size_t n = sh.inflated.size() - z.avail_out; n > 0) return {sh.inflated.data(), n};
    if (rc != Z_DATA_ERROR) break;
  }
  return body;  // not compressed after all: matched as sent
}

}  // namespace

void http_rule_buffers(const TxPartView& v, void* shared, sig::AppBuffers& b) noexcept {
  if (shared == nullptr || v.tx == nullptr) return;
  HttpShared& sh = *static_cast<HttpShared*>(shared);
  const HttpMeta& h = *static_cast<const HttpMeta*>(v.tx);
  using sig::TxPart;
  switch (v.part) {
    case TxPart::request:
    case TxPart::request_body:
      set_request_buffers(b, h, sh);
      // A request whose header lines never ended is judged on its request line alone.
      if (!v.incomplete) set_message_buffers(b, h, v, true, sh);
      if (v.part == TxPart::request_body) {
        b.set(sig::BufferKind::http_client_body, v.body);
        b.set(sig::BufferKind::http_file_data, v.body);
      }
      return;
    case TxPart::response:
    case TxPart::response_body:
      // The request's own buffers come along: a rule may pair a URI with a status code.
      if (h.has_request) set_request_buffers(b, h, sh);
      if (v.incomplete) {
        set_stat_code(b, h, sh);
        return;
      }
      set_message_buffers(b, h, v, false, sh);
      if (v.part == TxPart::response_body) {
        const std::string_view body = content_encoded(v.header_block) ? inflate_body(v.body, sh) : v.body;
        b.set(sig::BufferKind::http_file_data, body);
        b.set(sig::BufferKind::http_response_body, body);
      }
      return;
  }
}

}  // namespace flowprobe::dissect
