#include "dpi/l7_engine.hpp"

#include <sys/mman.h>

extern "C" {
#include <ndpi/ndpi_protocol_ids.h>
}

#include <algorithm>
#include <cstring>
#include <new>
#include <stdexcept>

#include "core/prefault.hpp"
#include "dissectors/protocols.hpp"


namespace flowprobe::dpi {

struct L7Engine::Slot {
  bool in_use;            // between acquire and release (rule reloads walk the used slots)
  dissect::FlowDissect dissect;
  FlowDpi dpi;
  DpiResult result;
  sig::FlowContext sig;   // signature state: flowbits, TCP stream slots, alert count
  uint16_t vlan;          // the flow's (the inner tag in QinQ), for its transaction records
  std::array<uint8_t, 6> client_mac, server_mac;  // likewise (http.log's orig/resp_l2_addr)
  dissect::AppMetadata app;
};

std::size_t L7Engine::slot_bytes() { return sizeof(Slot); }

namespace {
constexpr uint32_t kPrefaultSlots = 32768;  // ~45 MB

sig::AppProto app_proto_of(dissect::AppKind k) {
  const dissect::Protocol* p = dissect::protocol_of(k);
  return p != nullptr ? p->rule_proto : sig::AppProto::unknown;
}

// The rule protocols no dissector of ours parses (smb, say) come from nDPI's
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

// Anonymous mmap: untouched slots cost address space, not memory.
std::byte* map_slots(std::size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) throw std::runtime_error("L7: cannot reserve " + std::to_string(bytes >> 20) + " MiB for flow slots");
  return static_cast<std::byte*>(p);
}
}  // namespace

// The protocols app_proto_of(DpiResult) gives that app_proto_of(AppKind) never does:
// those no dissector of the table names.
bool app_proto_needs_ndpi(sig::AppProto p) noexcept {
  if (p == sig::AppProto::unknown) return false;
  for (const dissect::Protocol* d : dissect::kProtocols)
    if (d->rule_proto == p) return false;
  return true;
}

L7Engine::L7Engine(const L7Config& cfg, uint16_t core)
    : capacity_(cfg.max_flows == 0 ? 1 : cfg.max_flows),
      mem_(map_slots(std::size_t{capacity_} * sizeof(Slot))),
      free_(std::make_unique<uint32_t[]>(capacity_)),
      dissectors_([&] {
        dissect::EngineConfig d = cfg.dissectors;
        d.tx = this;  // transactions (counted, and records when wanted); parts for the rules
        d.prefault = true;  // as the L7 slots below
        return d;
      }()),
      ndpi_([&] {
        NdpiConfig c = cfg.ndpi;
        c.fill_names = false;  // records carry ids; the exporter names them
        c.stop_when_known = cfg.ndpi_stop_when_known;
        return c;
      }()),
      ndpi_on_(cfg.use_ndpi),
      scanner_(cfg.rules ? std::make_unique<sig::PerCoreScanner>(*cfg.rules, cfg.scanner) : nullptr),
      tx_records_(cfg.transactions),
      core_(core) {
  parts_wanted = scanner_ != nullptr;  // rule buffers need the parts
  if (scanner_)
    for (std::size_t i = 0; i < dissect::kProtocolCount; ++i)
      if (dissect::kProtocols[i]->create_rule_scratch) rule_scratch_[i] = dissect::kProtocols[i]->create_rule_scratch();
  for (uint32_t i = 0; i < capacity_; ++i) free_[i] = capacity_ - 1 - i;
  free_top_ = capacity_;
  // Fault in the slots a busy core reuses all the time now, on the main lcore, rather
  // than one page fault per new flow on the RX core; beyond them memory stays lazy.
  prefault(mem_, std::size_t{std::min(capacity_, kPrefaultSlots)} * sizeof(Slot));
}

L7Engine::~L7Engine() {
  // Flows still holding parser or nDPI state give it back before the pools go away.
  std::unique_ptr<bool[]> is_free = std::make_unique<bool[]>(capacity_);
  for (uint32_t i = 0; i < free_top_; ++i) is_free[free_[i]] = true;
  for (uint32_t i = 0; i < capacity_; ++i) {
    if (is_free[i]) continue;
    Slot* s = slot(i);
    cur_ = nullptr;  // nothing is scanned any more
    dissectors_.on_flow_end(s->dissect, s->app);
    ndpi_.on_flow_end(s->dpi, s->result);
    if (scanner_) scanner_->on_flow_end(s->sig);
  }
  for (std::size_t i = 0; i < dissect::kProtocolCount; ++i)
    if (rule_scratch_[i]) dissect::kProtocols[i]->destroy_rule_scratch(rule_scratch_[i]);
  munmap(mem_, std::size_t{capacity_} * sizeof(Slot));
}

L7Engine::Slot* L7Engine::slot(uint32_t i) noexcept {
  return reinterpret_cast<Slot*>(mem_ + std::size_t{i} * sizeof(Slot));
}

// A connection that switched protocols in band (STARTTLS, an HTTP CONNECT tunnel) is the
// new protocol's for the rules from then on, as Suricata changes a flow's app-layer
// protocol: `alert smtp` matches the mail inside the tunnel, `alert http` no longer does.
void L7Engine::follow_switch(Slot& s) noexcept {
  if (s.app.outer == dissect::AppKind::none) return;
  const sig::AppProto p = app_proto_of(s.app.kind);
  if (p != sig::AppProto::unknown) s.sig.app_proto = p;
}

void L7Engine::part(const dissect::TxPartView& v) noexcept {
  if (cur_ == nullptr || !scanner_) return;
  const dissect::Protocol* p = dissect::protocol_of(v.kind);
  if (p == nullptr || p->rule_buffers == nullptr) return;
  // The packet that completes a transaction part may be the one that named the protocol.
  if (cur_->sig.app_proto == sig::AppProto::unknown) cur_->sig.app_proto = p->rule_proto;
  counters_.parts_truncated += v.truncated;
  follow_switch(*cur_);
  sig::AppBuffers b;
  p->rule_buffers(v, rule_scratch_[dissect::protocol_index(v.kind)], b);
  if (b.present_mask()) scanner_->scan_buffers(b, v.to_server, cur_ts_, cur_->sig, output_.alerts(), v.part);
}

void L7Engine::emit(dissect::AppKind kind, const void* tx, std::size_t size, uint64_t ts_ns) noexcept {
  if (cur_ == nullptr) return;
  ++counters_.transactions;
  if (cur_->app.transactions < UINT16_MAX) ++cur_->app.transactions;
  if (!tx_records_) return;
  dpi::TxRecord* r = output_.add_tx();
  if (r == nullptr) {
    ++counters_.tx_dropped;
    return;
  }
  const sig::FlowContext& f = cur_->sig;
  r->flow_id = f.flow_id;
  r->ts_ns = ts_ns ? ts_ns : cur_ts_;
  r->src_ip = f.client_ip;
  r->dst_ip = f.server_ip;
  r->src_port = f.client_port;
  r->dst_port = f.server_port;
  r->vlan = cur_->vlan;
  r->src_mac = cur_->client_mac;
  r->dst_mac = cur_->server_mac;
  r->ip_version = f.ip_version;
  r->protocol = f.l4_proto;
  r->depth = cur_->app.transactions;
  r->rx_core = core_;
  r->words = tx_words(kind);
  r->app.kind = kind;
  r->app.outer = dissect::AppKind::none;
  r->app.transactions = 0;
  std::memcpy(static_cast<void*>(&r->app.u), tx, std::min(size, sizeof r->app.u));
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
  const dissect::Protocol* p = dissect::protocol_of(kind);
  if (p != nullptr && p->encrypted != nullptr && !pkt.payload.empty() && p->encrypted(pkt.payload))
    s.sig.state |= sig::FlowContext::kEncrypted;
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
    s->app.outer = dissect::AppKind::none;
    s->app.transactions = 0;
    s->vlan = pkt.vlan_inner ? pkt.vlan_inner : pkt.vlan_outer;
    s->sig = sig::FlowContext{};
    s->sig.init(pkt, hit.flow_id);  // the flow's id (and client) for alerts and the record
    // The client as sig.init chose it: the receiver of a SYN-ACK seen first.
    const bool synack = pkt.l4_proto == 6 && (pkt.tcp_flags & 0x12) == 0x12;
    s->client_mac = synack ? pkt.dst_mac : pkt.src_mac;
    s->server_mac = synack ? pkt.src_mac : pkt.dst_mac;
    // A connection another flow announced (FTP's data channel) is its protocol's from here.
    dissectors_.on_flow_start(s->dissect, s->app, pkt, ts_ns);
  }
  Slot* s = slot(ext);
  // Rules on the dissectors' buffers run as each transaction part completes (part()).
  cur_ = s;
  cur_ts_ = ts_ns;
  dissectors_.on_packet(s->dissect, s->app, pkt, hit.from_client, ts_ns);
  follow_switch(*s);
  // With rules, nDPI runs before the payload scan: a rule's app-layer protocol (alert smb,
  // alert smtp …) must be known on the packet that decides it, e.g. an SMB negotiate.
  if (ndpi_on_ && !s->dpi.finished) ndpi_.on_packet(s->dpi, s->result, pkt.l3, pkt.l4_proto, ts_ns);
  if (!scanner_) return;
  if (s->sig.app_proto == sig::AppProto::unknown) {
    s->sig.app_proto = app_proto_of(s->app.kind);
    if (s->sig.app_proto == sig::AppProto::unknown) s->sig.app_proto = app_proto_of(s->result);
  }
  note_ciphertext(*s, pkt);
  scanner_->scan_packet(pkt, ts_ns, s->sig, output_.alerts());
}

void L7Engine::on_flow_end(L7Record& out, uint32_t ext) noexcept {
  FlowRecord& r = out.flow;
  if (ext == kNoFlowExt || ext >= capacity_) return;
  Slot* s = slot(ext);
  const bool goes_on = r.end_cause == FlowEndCause::active_timeout;
  if (!goes_on) {
    // The dissector reports what it still held (a message whose header lines never ended
    // is judged on what it had).
    cur_ = s;
    cur_ts_ = r.last_ns;
    dissectors_.on_flow_end(s->dissect, s->app);
    ndpi_.on_flow_end(s->dpi, s->result);
    if (scanner_) scanner_->on_flow_end(s->sig);
  }
  if (scanner_) {
    r.alerts = s->sig.alerts;
    for (int i = 0; i < sig::kFirstSids; ++i) r.first_sids[i] = s->sig.first_sids[i];
  }
  r.flow_id = s->sig.flow_id;
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
  if (has_app) {
    r.l7_flags |= kL7HasApp;
    out.app = s->app;
  }
  if (goes_on) {
    s->app.transactions = 0;  // the next record counts the transactions of its own period
  } else {
    ++((d.master | d.app) != 0 ? counters_.flows_classified : counters_.flows_unknown);
    counters_.flows_with_metadata += has_app;
    s->in_use = false;
    free_[free_top_++] = ext;
  }
}

std::unique_ptr<sig::PerCoreScanner> L7Engine::swap_scanner(std::unique_ptr<sig::PerCoreScanner> next) noexcept {
  if (scanner_) {
    // The rule sets this core ran add up: a reload must not lose the alerts counted
    // before it (the summary balances them against those queued).
    const sig::ScannerCounters& c = scanner_->counters();
    uint64_t add[sizeof c / sizeof(uint64_t)], sum[sizeof c / sizeof(uint64_t)];
    std::memcpy(add, &c, sizeof c);
    std::memcpy(sum, &retired_scanners_, sizeof sum);
    for (std::size_t i = 0; i < std::size(sum); ++i) sum[i] += add[i];
    std::memcpy(&retired_scanners_, sum, sizeof sum);
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

void L7Engine::finish_flows(std::span<const FinishedFlow> flows) noexcept {
  for (const FinishedFlow& f : flows) {
    L7Record* out = output_.add_flow();
    if (out == nullptr) return;  // the caller takes the output when half full: cannot happen
    out->flow = f.record;
    on_flow_end(*out, f.ext);
  }
}

L7Counters L7Engine::counters() const {
  L7Counters c = counters_;
  c.ndpi_pool_exhausted = ndpi_.pool_exhausted();
  c.alerts_dropped = output_.alerts().dropped();
  return c;
}

void L7Engine::counter_sources(std::vector<CounterSource>& out) const {
  out.push_back({kL7CounterDefs, this, [](const void* self, uint64_t* v) {
                   const L7Counters c = static_cast<const L7Engine*>(self)->counters();
                   std::memcpy(v, &c, sizeof c);
                 }});
  out.push_back(dissect::engine_counter_source(dissectors_.counters()));
  // Every scanner this core ran: the retired ones' sums plus the one in use.
  if (scanner_)
    out.push_back({sig::kScannerCounterDefs, this, [](const void* self, uint64_t* v) {
                     const auto* e = static_cast<const L7Engine*>(self);
                     constexpr std::size_t n = sizeof(sig::ScannerCounters) / sizeof(uint64_t);
                     uint64_t now[n] = {};
                     if (const sig::ScannerCounters* c = e->scanner_counters()) std::memcpy(now, c, sizeof now);
                     std::memcpy(v, &e->retired_scanners_, sizeof now);
                     for (std::size_t i = 0; i < n; ++i) v[i] += now[i];
                   }});
}

}  // namespace flowprobe::dpi
