#include "dpi/l7_engine.hpp"

#include <sys/mman.h>
#include <zlib.h>

extern "C" {
#include <ndpi/ndpi_protocol_ids.h>
}

#include <algorithm>
#include <cstring>
#include <new>
#include <stdexcept>

#include "dissectors/bytes.hpp"
#include "dissectors/dns.hpp"


namespace flowprobe::dpi {

struct L7Engine::Slot {
  bool in_use;            // between acquire and release (rule reloads walk the used slots)
  dissect::FlowDissect dissect;
  FlowDpi dpi;
  DpiResult result;
  sig::FlowContext sig;   // signature state: flowbits, TCP stream slots, alert count
  dissect::AppMetadata app;
  uint8_t ssh_banners;    // bit 0: the client's SSH banner was scanned, bit 1: the server's
};

std::size_t L7Engine::slot_bytes() { return sizeof(Slot); }

namespace {

// "AB:CD:…" of `n` bytes into `out` (room for 21 bytes); `digits` picks the case.
std::string_view colon_hex(const uint8_t* p, std::size_t n, const char* digits, std::array<char, 64>& out) {
  std::size_t k = 0;
  for (std::size_t i = 0; i < n && k + 3 <= out.size(); ++i) {
    if (i) out[k++] = ':';
    out[k++] = digits[p[i] >> 4];
    out[k++] = digits[p[i] & 15];
  }
  return {out.data(), k};
}
constexpr uint32_t kPrefaultSlots = 32768;  // ~45 MB

sig::AppProto app_proto_of(dissect::AppKind k) {
  switch (k) {
    case dissect::AppKind::dns: return sig::AppProto::dns;
    case dissect::AppKind::http: return sig::AppProto::http;
    case dissect::AppKind::tls: return sig::AppProto::tls;
    case dissect::AppKind::quic: return sig::AppProto::quic;
    case dissect::AppKind::ssh: return sig::AppProto::ssh;
    default: return sig::AppProto::unknown;
  }
}

// The rule protocols our dissectors do not parse (ftp, smtp, smb) come from nDPI's
// verdict, as do the others on flows our dissectors did not pick up (mid-stream starts).
// Master first: "TLS.Google" is tls, "HTTP.Facebook" http.
sig::AppProto app_proto_of(const DpiResult& r) {
  for (const uint16_t id : {r.master, r.app}) {
    switch (id) {
      case NDPI_PROTOCOL_FTP_CONTROL: return sig::AppProto::ftp;
      case NDPI_PROTOCOL_MAIL_SMTP: return sig::AppProto::smtp;
      case NDPI_PROTOCOL_SSH: return sig::AppProto::ssh;
      case NDPI_PROTOCOL_SMBV1:
      case NDPI_PROTOCOL_SMBV23: return sig::AppProto::smb;
      case NDPI_PROTOCOL_HTTP:
      case NDPI_PROTOCOL_HTTP_CONNECT:
      case NDPI_PROTOCOL_HTTP_PROXY: return sig::AppProto::http;
      case NDPI_PROTOCOL_TLS: return sig::AppProto::tls;
      case NDPI_PROTOCOL_DNS: return sig::AppProto::dns;
      case NDPI_PROTOCOL_QUIC: return sig::AppProto::quic;
      default: break;
    }
  }
  return sig::AppProto::unknown;
}

// Once its handshake is parsed, a packet that starts a TLS application-data record
// (type 23) or is a QUIC short-header packet says the flow is now encrypted.
bool is_ciphertext(dissect::AppKind kind, std::span<const uint8_t> p) {
  if (p.empty()) return false;
  if (kind == dissect::AppKind::tls) return p.size() >= 3 && p[0] == 23 && p[1] == 3;
  if (kind == dissect::AppKind::quic) return (p[0] & 0x80) == 0;
  return false;
}

// Anonymous mmap: untouched slots cost address space, not memory.
std::byte* map_slots(std::size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) throw std::runtime_error("L7: cannot reserve " + std::to_string(bytes >> 20) + " MiB for flow slots");
  return static_cast<std::byte*>(p);
}
}  // namespace

// The protocols app_proto_of(DpiResult) gives that app_proto_of(AppKind) never does.
bool app_proto_needs_ndpi(sig::AppProto p) noexcept {
  return p == sig::AppProto::ftp || p == sig::AppProto::smtp || p == sig::AppProto::smb;
}

struct L7Engine::ZStream {
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

std::string_view L7Engine::inflate_body(std::string_view body) noexcept {
  if (!zstream_ || !zstream_->ok || body.empty()) return body;
  z_stream& z = zstream_->z;
  // zlib/gzip first; "deflate" is often sent raw, so a header error retries without one.
  for (int bits : {15 + 32, -15}) {
    if (inflateReset2(&z, bits) != Z_OK) return body;
    z.next_in = reinterpret_cast<unsigned char*>(const_cast<char*>(body.data()));
    z.avail_in = static_cast<uInt>(body.size());
    z.next_out = reinterpret_cast<unsigned char*>(inflated_.data());
    z.avail_out = static_cast<uInt>(inflated_.size());
    const int rc = inflate(&z, Z_SYNC_FLUSH);
    // Whatever came out counts (a body cut at the 4 KB bound stops mid-stream).
    if (const std::size_t n = inflated_.size() - z.avail_out; n > 0) return {inflated_.data(), n};
    if (rc != Z_DATA_ERROR) break;
  }
  return body;  // not compressed after all: matched as sent
}

L7Engine::L7Engine(const L7Config& cfg, sig::AlertSink* alerts, uint16_t core)
    : capacity_(cfg.max_flows == 0 ? 1 : cfg.max_flows),
      mem_(map_slots(std::size_t{capacity_} * sizeof(Slot))),
      free_(std::make_unique<uint32_t[]>(capacity_)),
      dissectors_([&] {
        dissect::EngineConfig d = cfg.dissectors;
        d.report_transactions = cfg.rules != nullptr && alerts != nullptr;  // rule buffers need them
        return d;
      }()),
      ndpi_([&] {
        NdpiConfig c = cfg.ndpi;
        c.fill_names = false;  // records carry ids; the exporter names them
        c.stop_when_known = cfg.ndpi_stop_when_known;
        return c;
      }()),
      ndpi_on_(cfg.use_ndpi),
      scanner_(cfg.rules && alerts ? std::make_unique<sig::PerCoreScanner>(*cfg.rules, cfg.scanner) : nullptr),
      alerts_(alerts),
      next_flow_id_((uint64_t{core} << 48) + 1) {
  if (scanner_) zstream_ = std::make_unique<ZStream>();
  for (uint32_t i = 0; i < capacity_; ++i) free_[i] = capacity_ - 1 - i;
  free_top_ = capacity_;
  // Fault in the slots a busy core reuses all the time now, on the main lcore, rather
  // than one page fault per new flow on the RX core; beyond them memory stays lazy.
  std::memset(mem_, 0, std::size_t{std::min(capacity_, kPrefaultSlots)} * sizeof(Slot));
}

L7Engine::~L7Engine() {
  // Flows still holding parser or nDPI state give it back before the pools go away.
  std::unique_ptr<bool[]> is_free = std::make_unique<bool[]>(capacity_);
  for (uint32_t i = 0; i < free_top_; ++i) is_free[free_[i]] = true;
  for (uint32_t i = 0; i < capacity_; ++i) {
    if (is_free[i]) continue;
    Slot* s = slot(i);
    dissectors_.on_flow_end(s->dissect);
    ndpi_.on_flow_end(s->dpi, s->result);
    if (scanner_) scanner_->on_flow_end(s->sig);
  }
  munmap(mem_, std::size_t{capacity_} * sizeof(Slot));
}

L7Engine::Slot* L7Engine::slot(uint32_t i) noexcept {
  return reinterpret_cast<Slot*>(mem_ + std::size_t{i} * sizeof(Slot));
}

void L7Engine::scan_later_dns_query(Slot& s, const DecodedPacket& pkt, uint64_t ts_ns) noexcept {
  dissect::DnsMeta later;
  const bool netbios = pkt.src_port == 137 || pkt.dst_port == 137;
  if (!dissect::parse_dns_message(pkt.payload, later, netbios) || !later.has_query || later.query.empty()) return;
  sig::AppBuffers up;
  up.set(sig::BufferKind::dns_query, later.query.view());
  scanner_->scan_buffers(up, true, ts_ns, s.sig, *alerts_);
}

// ssh.proto and ssh.software, once per side, from the identification line the SSH
// dissector kept ("SSH-<proto>-<software>[ <comments>]", RFC 4253 4.2), as Suricata's.
void L7Engine::scan_ssh_banners(Slot& s, uint64_t ts_ns) noexcept {
  const dissect::SshMeta* m = s.app.ssh();
  if (m == nullptr) return;
  for (const bool client : {true, false}) {
    const uint8_t bit = client ? 1 : 2;
    const std::string_view line = (client ? m->client_signature : m->server_signature).view();
    if ((s.ssh_banners & bit) || line.empty()) continue;
    s.ssh_banners |= bit;
    const std::size_t dash = line.find('-', 4);
    if (dash == std::string_view::npos) continue;
    const std::string_view rest = line.substr(dash + 1);
    sig::AppBuffers b;
    b.set(sig::BufferKind::ssh_proto, line.substr(4, dash - 4));
    b.set(sig::BufferKind::ssh_software, rest.substr(0, rest.find(' ')));
    scanner_->scan_buffers(b, client, ts_ns, s.sig, *alerts_);
  }
}

void L7Engine::note_ciphertext(Slot& s, const DecodedPacket& pkt) noexcept {
  if (s.sig.state & sig::FlowContext::kEncrypted) return;
  dissect::AppKind kind = s.app.kind;
  // A flow picked up after its handshake: our dissectors saw no hello, nDPI knows it
  // from its records.
  if (kind == dissect::AppKind::none) {
    const auto is = [&](uint16_t id) { return s.result.master == id || s.result.app == id; };
    kind = is(NDPI_PROTOCOL_TLS) ? dissect::AppKind::tls : is(NDPI_PROTOCOL_QUIC) ? dissect::AppKind::quic : kind;
  }
  if (is_ciphertext(kind, pkt.payload)) s.sig.state |= sig::FlowContext::kEncrypted;
}

void L7Engine::on_packet(const FlowHit& hit, const DecodedPacket& pkt, uint64_t ts_ns) noexcept {
  uint32_t& ext = *hit.ext;
  if (ext == kNoFlowExt) {
    if (!hit.created) return;  // the flow found no slot when it began
    if (free_top_ == 0) {
      ++counters_.slots_exhausted;
      return;
    }
    ext = free_[--free_top_];
    high_water_ = std::max(high_water_, ext + 1);
    // Only the small headers are reset; the metadata's live part is zeroed when a
    // dissector picks it (AppMetadata::set_kind).
    Slot* s = slot(ext);
    s->in_use = true;
    s->dissect = dissect::FlowDissect{};
    s->dpi = FlowDpi{};
    s->result = DpiResult{};
    s->app.kind = dissect::AppKind::none;
    s->ssh_banners = 0;
    if (scanner_) {
      s->sig = sig::FlowContext{};
      s->sig.init(pkt, next_flow_id_++);
    }
  }
  Slot* s = slot(ext);
  if (!scanner_) {
    dissectors_.on_packet(s->dissect, s->app, pkt, hit.from_client, ts_ns);
    if (ndpi_on_ && !s->dpi.finished) ndpi_.on_packet(s->dpi, s->result, pkt.l3, pkt.l4_proto, ts_ns);
    return;
  }
  // With rules, nDPI runs before the scan: a rule's app-layer protocol (alert smb, alert
  // smtp …) must be known on the packet that decides it, e.g. an SMB negotiate.
  const bool dissecting = s->dissect.status != dissect::FlowDissect::Status::finished &&
                          !(pkt.payload.empty() && !(pkt.tcp_flags & 0x05));  // a FIN/RST may end an HTTP body
  // Rules on the dissectors' buffers run once per transaction, when it completes:
  // compare what the dissector knew before this packet with what it knows after.
  TxFlags before{};
  if (dissecting) {
    before = tx_flags(s->app);
    dissectors_.on_packet(s->dissect, s->app, pkt, hit.from_client, ts_ns);
  }
  if (ndpi_on_ && !s->dpi.finished) ndpi_.on_packet(s->dpi, s->result, pkt.l3, pkt.l4_proto, ts_ns);
  if (s->sig.app_proto == sig::AppProto::unknown) {
    s->sig.app_proto = app_proto_of(s->app.kind);
    if (s->sig.app_proto == sig::AppProto::unknown) s->sig.app_proto = app_proto_of(s->result);
  }
  note_ciphertext(*s, pkt);
  scanner_->scan_packet(pkt, ts_ns, s->sig, *alerts_);
  if (s->app.kind == dissect::AppKind::ssh && s->ssh_banners != 3) scan_ssh_banners(*s, ts_ns);
  if (dissecting) {
    scan_transactions(*s, before, ts_ns);
  } else if (s->app.kind == dissect::AppKind::dns && pkt.l4_proto == 17 && hit.from_client && !pkt.payload.empty()) {
    scan_later_dns_query(*s, pkt, ts_ns);
  }
}

const dissect::AppMetadata* L7Engine::on_flow_end(FlowRecord& r, uint32_t ext) noexcept {
  if (ext == kNoFlowExt || ext >= capacity_) return nullptr;
  Slot* s = slot(ext);
  const bool goes_on = r.end_cause == FlowEndCause::active_timeout;
  if (!goes_on) {
    dissectors_.on_flow_end(s->dissect);
    ndpi_.on_flow_end(s->dpi, s->result);
    if (scanner_) {
      // An HTTP message whose header lines never ended (capture cut, gap, timeout) is
      // still judged on what it had: the request line, the status line.
      if (const auto* h = s->app.http()) {
        if (h->has_request && !h->request_headers_done) {
          sig::AppBuffers up;
          set_request_buffers(up, *h);
          scanner_->scan_buffers(up, true, r.last_ns, s->sig, *alerts_, sig::TxPart::request);
        }
        if (h->has_response && !h->response_headers_done) {
          sig::AppBuffers down;
          if (h->has_request) set_request_buffers(down, *h);
          set_stat_code(down, *h);
          scanner_->scan_buffers(down, false, r.last_ns, s->sig, *alerts_, sig::TxPart::response);
        }
      }
      scanner_->on_flow_end(s->sig);
    }
  }
  if (scanner_) {
    r.alerts = s->sig.alerts;
    for (int i = 0; i < sig::kFirstSids; ++i) r.first_sids[i] = s->sig.first_sids[i];
  }
  const DpiResult& d = s->result;
  r.l7_master = d.master;
  r.l7_app = d.app;
  r.l7_category = d.category_id;
  r.l7_confidence = d.confidence;
  r.l7_risk = d.risk;
  r.l7_flags = static_cast<uint8_t>(kL7Present | (d.guessed ? kL7Guessed : 0));
  if (d.has_bt_hash && s->app.kind == dissect::AppKind::none) {
    s->app.set_kind(dissect::AppKind::bittorrent);
    std::memcpy(s->app.u.bittorrent.info_hash.data(), d.bt_hash, sizeof d.bt_hash);
  }
  const bool has_app = s->app.kind != dissect::AppKind::none;
  if (has_app) r.l7_flags |= kL7HasApp;
  if (!goes_on) {
    ++((d.master | d.app) != 0 ? counters_.flows_classified : counters_.flows_unknown);
    counters_.flows_with_metadata += has_app;
    s->in_use = false;
    free_[free_top_++] = ext;  // the slot stays readable until the next acquire
  }
  return has_app ? &s->app : nullptr;
}

L7Engine::TxFlags L7Engine::tx_flags(const dissect::AppMetadata& m) noexcept {
  // An HTTP message is scanned once its header lines are complete.
  if (const auto* h = m.http())
    return {m.kind, h->has_request && h->request_headers_done, h->has_response && h->response_headers_done};
  if (const auto* d = m.dns()) return {m.kind, d->has_query, d->has_response};
  if (const auto* t = m.tls()) return {m.kind, t->has_client_hello, t->has_certificate, t->has_server_hello};
  return {m.kind, false, false};
}

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
    if (colon != std::string_view::npos) f(line.substr(0, colon), dissect::trim(line.substr(colon + 1)));
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

}  // namespace

void L7Engine::set_request_buffers(sig::AppBuffers& up, const dissect::HttpMeta& h) noexcept {
  const std::size_t n = normalize_uri(h.url.view(), uri_.data(), uri_.size());
  up.set(sig::BufferKind::http_uri, n ? std::string_view(uri_.data(), n) : h.url.view());
  up.set(sig::BufferKind::http_raw_uri, h.url.view());
  up.set(sig::BufferKind::http_method, h.method.view());
  // http.host is lower case without the port, as libhtp normalises it; .raw as sent.
  const std::string_view raw_host = h.host.view();
  std::size_t hn = 0;
  for (char ch : raw_host) {
    if (ch == ':' && raw_host.front() != '[') break;
    if (hn == host_.size()) break;
    host_[hn++] = static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
  }
  up.set(sig::BufferKind::http_host, std::string_view(host_.data(), hn));
  up.set(sig::BufferKind::http_raw_host, raw_host);
  if (!h.user_agent.empty()) up.set(sig::BufferKind::http_user_agent, h.user_agent.view());
  if (!h.referer.empty()) up.set(sig::BufferKind::http_referer, h.referer.view());
}

void L7Engine::set_message_buffers(sig::AppBuffers& b, const dissect::HttpMeta& h, const dissect::TxView::Message& msg,
                                   bool request) noexcept {
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
  Out hdr{hdr_.data(), hdr_.size()}, names{names_.data(), names_.size()}, raw{raw_hdr_.data(), raw_hdr_.size()},
      start{start_.data(), start_.size()};
  names.add("\r\n");
  const std::string_view block = msg.header_block;
  for_each_header(block, [&](std::string_view name, std::string_view value) {
    names.add(name);
    names.add("\r\n");
    // As Suricata's http.header: "Name: value" lines, the cookie left to http.cookie.
    if (dissect::iequals(name, request ? "cookie" : "set-cookie")) {
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
    if (dissect::iequals(name, "content-length")) keep(K::http_content_len);
    else if (dissect::iequals(name, "content-type")) keep(K::http_content_type);
    else if (dissect::iequals(name, "connection")) keep(K::http_connection);
    else if (request && dissect::iequals(name, "accept")) keep(K::http_accept);
    else if (request && dissect::iequals(name, "accept-encoding")) keep(K::http_accept_enc);
    else if (request && dissect::iequals(name, "accept-language")) keep(K::http_accept_lang);
  });
  names.add("\r\n");
  raw.add(block);
  raw.add("\r\n");
  start.add(msg.start_line);
  start.add("\r\n");
  start.add(block);
  start.add("\r\n");
  if (hdr.n) b.set(K::http_header, hdr.view());
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
    set_stat_code(b, h);
    if (line.size() > 13) b.set(K::http_stat_msg, line.substr(13));
  }
}

namespace {
// Whether a message's header lines say Content-Encoding gzip or deflate.
bool content_encoded(std::string_view block) {
  bool encoded = false;
  for_each_header(block, [&](std::string_view name, std::string_view v) {
    if (!dissect::iequals(name, "content-encoding")) return;
    for (std::size_t i = 0; i + 4 <= v.size(); ++i)
      encoded = encoded || dissect::iequals(v.substr(i, 4), "gzip") ||
                (i + 7 <= v.size() && dissect::iequals(v.substr(i, 7), "deflate"));
  });
  return encoded;
}
}  // namespace

void L7Engine::set_stat_code(sig::AppBuffers& b, const dissect::HttpMeta& h) noexcept {
  if (h.ret_code < 100 || h.ret_code > 999) return;
  stat_code_ = {static_cast<char>('0' + h.ret_code / 100), static_cast<char>('0' + h.ret_code / 10 % 10),
                static_cast<char>('0' + h.ret_code % 10), 0};
  b.set(sig::BufferKind::http_stat_code, std::string_view(stat_code_.data(), 3));
}

void L7Engine::scan_http(Slot& s, const dissect::HttpMeta& h, bool new_request, bool new_response, uint64_t ts_ns) noexcept {
  using sig::TxPart;
  const dissect::TxView& tx = dissectors_.last_tx();
  const dissect::TxView::Message &req = tx.msg[0], &resp = tx.msg[1];
  if (new_request || (req.body_done && h.has_request)) {
    sig::AppBuffers up;
    set_request_buffers(up, h);
    set_message_buffers(up, h, req, true);
    if (new_request) scanner_->scan_buffers(up, true, ts_ns, s.sig, *alerts_, TxPart::request);
    if (req.body_done) {
      up.set(sig::BufferKind::http_client_body, req.body);
      up.set(sig::BufferKind::http_file_data, req.body);
      scanner_->scan_buffers(up, true, ts_ns, s.sig, *alerts_, TxPart::request_body);
    }
  }
  if (new_response || (resp.body_done && h.has_response)) {
    // The request's own buffers come along: a rule may pair a URI with a status code.
    sig::AppBuffers down;
    if (h.has_request) set_request_buffers(down, h);
    set_message_buffers(down, h, resp, false);
    if (new_response) scanner_->scan_buffers(down, false, ts_ns, s.sig, *alerts_, TxPart::response);
    if (resp.body_done) {
      down.set(sig::BufferKind::http_file_data, content_encoded(resp.header_block) ? inflate_body(resp.body) : resp.body);
      scanner_->scan_buffers(down, false, ts_ns, s.sig, *alerts_, TxPart::response_body);
    }
  }
}

void L7Engine::scan_transactions(Slot& s, TxFlags before, uint64_t ts_ns) noexcept {
  const dissect::AppMetadata& m = s.app;
  if (m.kind == dissect::AppKind::none) return;
  const TxFlags now = tx_flags(m);
  if (before.kind != now.kind) before = TxFlags{};
  const bool new_request = now.request && !before.request;
  const bool new_response = now.response && !before.response;
  const bool new_server_hello = now.server_hello && !before.server_hello;
  // HTTP bodies complete on packets of their own.
  const bool http_body = m.kind == dissect::AppKind::http && dissectors_.last_tx().any();
  if (!new_request && !new_response && !new_server_hello && !http_body) return;
  sig::AppBuffers up, down;  // client->server, server->client
  if (const auto* h = m.http()) {
    scan_http(s, *h, new_request, new_response, ts_ns);
    return;
  } else if (const auto* d = m.dns()) {
    if (new_request && !d->query.empty()) up.set(sig::BufferKind::dns_query, d->query.view());
  } else if (const auto* t = m.tls()) {
    if (new_request) {
      if (!t->server_name.empty()) up.set(sig::BufferKind::tls_sni, t->server_name.view());
      if (!t->ja3c.empty()) up.set(sig::BufferKind::ja3_hash, t->ja3c.view());
      if (!t->ja4c.empty()) up.set(sig::BufferKind::ja4_hash, t->ja4c.view());
      if (const dissect::Ja3Text& j = dissectors_.last_tx().ja3[0]; j.n && !j.cut) up.set(sig::BufferKind::ja3_string, j.view());
    }
    if (new_server_hello && !t->ja3s.empty()) down.set(sig::BufferKind::ja3s_hash, t->ja3s.view());
    if (const dissect::Ja3Text& j = dissectors_.last_tx().ja3[1]; new_server_hello && j.n && !j.cut)
      down.set(sig::BufferKind::ja3s_string, j.view());
    if (new_response) {
      down.set(sig::BufferKind::tls_cert_subject, t->cert_subject.view());
      down.set(sig::BufferKind::tls_cert_issuer, t->cert_issuer.view());
      // Suricata's spellings: the serial's bytes in upper case, the SHA-1 in lower, ':' between.
      if (t->cert_serial_len)
        down.set(sig::BufferKind::tls_cert_serial,
                 colon_hex(t->cert_serial.data(), t->cert_serial_len, "0123456789ABCDEF", cert_serial_));
      if (t->has_certificate)
        down.set(sig::BufferKind::tls_cert_fingerprint,
                 colon_hex(t->cert_sha1.data(), t->cert_sha1.size(), "0123456789abcdef", cert_fingerprint_));
    }
  }
  if (up.present_mask()) scanner_->scan_buffers(up, true, ts_ns, s.sig, *alerts_);
  if (down.present_mask()) scanner_->scan_buffers(down, false, ts_ns, s.sig, *alerts_);
}

std::unique_ptr<sig::PerCoreScanner> L7Engine::swap_scanner(std::unique_ptr<sig::PerCoreScanner> next) noexcept {
  if (scanner_) {
    // The free stack hands out low indices first, so only the slots below the high-water
    // mark have ever been touched: the walk never faults in the untouched part.
    for (uint32_t i = 0; i < high_water_; ++i) {
      Slot* s = slot(i);
      if (!s->in_use) continue;
      scanner_->on_flow_end(s->sig);
      s->sig.nbits = 0;
      s->sig.bits_overflow = 0;
    }
  }
  scanner_.swap(next);
  return next;
}

L7Counters L7Engine::counters() const {
  L7Counters c = counters_;
  c.ndpi_pool_exhausted = ndpi_.pool_exhausted();
  return c;
}

}  // namespace flowprobe::dpi
