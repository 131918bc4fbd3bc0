#include "dpi/l7_engine.hpp"

#include <sys/mman.h>

extern "C" {
#include <ndpi/ndpi_protocol_ids.h>
}

#include <algorithm>
#include <cstring>
#include <new>
#include <stdexcept>

#include "dissectors/dns.hpp"


namespace flowprobe::dpi {

struct L7Engine::Slot {
  bool in_use;            // between acquire and release (rule reloads walk the used slots)
  dissect::FlowDissect dissect;
  FlowDpi dpi;
  DpiResult result;
  sig::FlowContext sig;   // signature state: flowbits, TCP stream slots, alert count
  dissect::AppMetadata app;
};

std::size_t L7Engine::slot_bytes() { return sizeof(Slot); }

namespace {
constexpr uint32_t kPrefaultSlots = 32768;  // ~45 MB

sig::AppProto app_proto_of(dissect::AppKind k) {
  switch (k) {
    case dissect::AppKind::dns: return sig::AppProto::dns;
    case dissect::AppKind::http: return sig::AppProto::http;
    case dissect::AppKind::tls: return sig::AppProto::tls;
    case dissect::AppKind::quic: return sig::AppProto::quic;
    default: return sig::AppProto::unknown;
  }
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

L7Engine::L7Engine(const L7Config& cfg, sig::AlertSink* alerts, uint16_t core)
    : capacity_(cfg.max_flows == 0 ? 1 : cfg.max_flows),
      mem_(map_slots(std::size_t{capacity_} * sizeof(Slot))),
      free_(std::make_unique<uint32_t[]>(capacity_)),
      dissectors_(cfg.dissectors),
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
    if (scanner_) {
      s->sig = sig::FlowContext{};
      s->sig.init(pkt, next_flow_id_++);
    }
  }
  Slot* s = slot(ext);
  if (!scanner_) {
    dissectors_.on_packet(s->dissect, s->app, pkt, hit.from_client, ts_ns);
  } else if (s->dissect.status == dissect::FlowDissect::Status::finished || pkt.payload.empty()) {
    note_ciphertext(*s, pkt);
    scanner_->scan_packet(pkt, ts_ns, s->sig, *alerts_);
    if (s->app.kind == dissect::AppKind::dns && pkt.l4_proto == 17 && hit.from_client && !pkt.payload.empty())
      scan_later_dns_query(*s, pkt, ts_ns);
  } else {
    // Rules on the dissectors' buffers run once per transaction, when it completes:
    // compare what the dissector knew before this packet with what it knows after.
    const TxFlags before = tx_flags(s->app);
    dissectors_.on_packet(s->dissect, s->app, pkt, hit.from_client, ts_ns);
    // A dns/http/tls rule's header needs the flow's protocol before its payload is scanned.
    if (s->sig.app_proto == sig::AppProto::unknown) s->sig.app_proto = app_proto_of(s->app.kind);
    note_ciphertext(*s, pkt);
    scanner_->scan_packet(pkt, ts_ns, s->sig, *alerts_);
    scan_transactions(*s, before, ts_ns);
  }
  if (ndpi_on_ && !s->dpi.finished) ndpi_.on_packet(s->dpi, s->result, pkt.l3, pkt.l4_proto, ts_ns);
}

const dissect::AppMetadata* L7Engine::on_flow_end(FlowRecord& r, uint32_t ext) noexcept {
  if (ext == kNoFlowExt || ext >= capacity_) return nullptr;
  Slot* s = slot(ext);
  const bool goes_on = r.end_cause == FlowEndCause::active_timeout;
  if (!goes_on) {
    dissectors_.on_flow_end(s->dissect);
    ndpi_.on_flow_end(s->dpi, s->result);
    if (scanner_) scanner_->on_flow_end(s->sig);
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
  if (const auto* h = m.http()) return {m.kind, h->has_request, h->has_response};
  if (const auto* d = m.dns()) return {m.kind, d->has_query, d->has_response};
  if (const auto* t = m.tls()) return {m.kind, t->has_client_hello, t->has_certificate, t->has_server_hello};
  return {m.kind, false, false};
}

namespace {
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

void L7Engine::scan_transactions(Slot& s, TxFlags before, uint64_t ts_ns) noexcept {
  const dissect::AppMetadata& m = s.app;
  if (m.kind == dissect::AppKind::none) return;
  const TxFlags now = tx_flags(m);
  if (before.kind != now.kind) before = TxFlags{};
  const bool new_request = now.request && !before.request;
  const bool new_response = now.response && !before.response;
  const bool new_server_hello = now.server_hello && !before.server_hello;
  if (!new_request && !new_response && !new_server_hello) return;
  sig::AppBuffers up, down;  // client->server, server->client
  if (const auto* h = m.http()) {
    if (new_request) {
      const std::size_t n = normalize_uri(h->url.view(), uri_.data(), uri_.size());
      up.set(sig::BufferKind::http_uri, n ? std::string_view(uri_.data(), n) : h->url.view());
      up.set(sig::BufferKind::http_raw_uri, h->url.view());
      up.set(sig::BufferKind::http_method, h->method.view());
      // http.host is lower case without the port, as libhtp normalises it; .raw as sent.
      const std::string_view raw_host = h->host.view();
      std::size_t hn = 0;
      for (char ch : raw_host) {
        if (ch == ':' && raw_host.front() != '[') break;
        if (hn == host_.size()) break;
        host_[hn++] = static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
      }
      up.set(sig::BufferKind::http_host, std::string_view(host_.data(), hn));
      up.set(sig::BufferKind::http_raw_host, raw_host);
      if (!h->user_agent.empty()) up.set(sig::BufferKind::http_user_agent, h->user_agent.view());
      if (!h->referer.empty()) up.set(sig::BufferKind::http_referer, h->referer.view());
    }
    if (new_response && !h->mime.empty()) down.set(sig::BufferKind::http_content_type, h->mime.view());
  } else if (const auto* d = m.dns()) {
    if (new_request && !d->query.empty()) up.set(sig::BufferKind::dns_query, d->query.view());
  } else if (const auto* t = m.tls()) {
    if (new_request) {
      if (!t->server_name.empty()) up.set(sig::BufferKind::tls_sni, t->server_name.view());
      if (!t->ja3c.empty()) up.set(sig::BufferKind::ja3_hash, t->ja3c.view());
      if (!t->ja4c.empty()) up.set(sig::BufferKind::ja4_hash, t->ja4c.view());
    }
    if (new_server_hello && !t->ja3s.empty()) down.set(sig::BufferKind::ja3s_hash, t->ja3s.view());
    if (new_response) {
      down.set(sig::BufferKind::tls_cert_subject, t->cert_subject.view());
      down.set(sig::BufferKind::tls_cert_issuer, t->cert_issuer.view());
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
