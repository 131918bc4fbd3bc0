#include "summary.hpp"

#include <cinttypes>
#include <cstring>
#include <string>

#include "dissectors/protocols.hpp"

namespace flowprobe {

namespace {
void line(std::FILE* out, std::string_view name, uint64_t v) {
  std::fprintf(out, "  %-36.*s %" PRIu64 "\n", static_cast<int>(name.size()), name.data(), v);
}

// Every counter of `defs` the way its table says to show it.
void table(std::FILE* out, std::span<const CounterDef> defs, std::span<const uint64_t> values) {
  for (std::size_t i = 0; i < defs.size() && i < values.size(); ++i) {
    const CounterDef& d = defs[i];
    if (d.name.empty() || d.show == CounterShow::never || (d.show == CounterShow::nonzero && values[i] == 0)) continue;
    line(out, d.name, values[i]);
  }
}

uint64_t decoded_total(const CounterSchema& schema, std::span<const uint64_t> values) {
  uint64_t n = 0;
  for (std::size_t i = 0; i < schema.defs.size() && i < values.size(); ++i)
    if (schema.defs[i].name.starts_with("decode.")) n += values[i];
  return n;
}
}  // namespace

bool print_summary(std::FILE* out, const InputSpec& input, const RunReport& r, const Sink& sink,
                   const Sink* alert_sink, const Sink* event_sink, const Sink* tx_sink) {
  std::fprintf(out, "flowprobe summary\n");
  std::fprintf(out, "  %-36s %s (%s, %s)\n", "input", input.text.c_str(), input_kind_name(input.kind),
               link_type_name(input.link));
  if (input.kind == InputSpec::Kind::pcap_file) {
    line(out, "input.readable_packets", input.expected_packets);
    if (input.truncated)
      std::fprintf(out, "  %-36s yes: read %" PRIu64 " packets, then: %s\n", "input.truncated",
                   input.expected_packets, input.truncation.c_str());
    std::fprintf(out, "  %-36s %s\n", "input.complete", r.input_complete ? "yes" : "no");
  }
  if (r.stopped_by_signal) std::fprintf(out, "  %-36s yes\n", "stopped_by_signal");
  std::fprintf(out, "  %-36s %s (%zu RX cores)%s%s\n", "rx.mode", rx_mode_name(r.rx_mode), r.per_core.size(),
               r.rss_detail.empty() ? "" : ": ", r.rss_detail.c_str());
  if (r.rx_mode == RxMode::software_dispatch) {
    line(out, "packets.dispatched", r.dispatched);
    line(out, "packets.dropped_dispatch_full", r.dispatch_dropped);
  }
  // Every stage's counters on the RX cores, summed, table by table (core/counters.hpp).
  table(out, r.rx_schema.defs, r.rx);
  if (alert_sink) {
    line(out, "rules.reloads", r.rule_reloads);
    line(out, "rules.reload_failed", r.rule_reload_failed);
  }
  // The exporter's, for the outputs it has.
  const ExportCounters& e = r.exporter;
  line(out, "records.encoded", e.records_encoded);
  if (alert_sink) line(out, "alerts.encoded", e.alerts_encoded);
  if (event_sink) line(out, "assets.events_encoded", e.events_encoded);
  if (tx_sink) {
    line(out, "transactions.encoded", e.transactions_encoded);
    line(out, "transactions.eve_records", e.transactions_eve);
  }
  // What the sinks delivered.
  if (alert_sink) {
    line(out, "alerts.delivered", alert_sink->counters().delivered);
    line(out, "alerts.failed", alert_sink->counters().failed);
  }
  if (event_sink) {
    line(out, "assets.delivered", event_sink->counters().delivered);
    line(out, "assets.failed", event_sink->counters().failed);
  }
  if (tx_sink) {
    line(out, "transactions.delivered", tx_sink->counters().delivered);
    line(out, "transactions.failed", tx_sink->counters().failed);
  }
  const SinkCounters sc = sink.counters();
  line(out, "sink.delivered", sc.delivered);
  line(out, "sink.failed", sc.failed);
  line(out, "sink.bytes", sc.bytes);
  for (const auto& [name, value] : sink.extra_counters()) line(out, "sink." + name, value);
  if (!sink.last_error().empty()) std::fprintf(out, "  %-36s %s\n", "sink.error", sink.last_error().c_str());
  for (const PortReport& p : r.ports) {
    std::fprintf(out, "  port %u (%s, %s)\n", p.port_id, p.name.c_str(), p.driver.c_str());
    line(out, "port.ipackets", p.ipackets);
    line(out, "port.imissed", p.imissed);
    line(out, "port.ierrors", p.ierrors);
    line(out, "port.rx_nombuf", p.rx_nombuf);
  }
  // Per RX core: the packets it decoded (its own share when dispatched), its rate, and
  // what it lost (records to a full exporter ring, its packets to a full dispatch ring).
  for (std::size_t c = 0; c < r.per_core.size(); ++c) {
    const double secs = c < r.core_seconds.size() ? r.core_seconds[c] : 0;
    const uint64_t pkts = decoded_total(r.rx_schema, r.per_core[c]);
    const double mpps = secs > 0 ? static_cast<double>(pkts) / secs / 1e6 : 0;
    const uint64_t drops = c < r.core_drops.size() ? r.core_drops[c] : r.core_value(c, "records.dropped_ring_full");
    std::fprintf(out, "  rx_core %zu: packets %" PRIu64 " seconds %.3f mpps %.3f drops %" PRIu64, c, pkts, secs, mpps,
                 drops);
    if (r.rx_mode == RxMode::software_dispatch && c == 0)
      std::fprintf(out, " read %" PRIu64 " dispatched %" PRIu64, r.core_value(c, "packets.received"), r.dispatched);
    std::fputc('\n', out);
  }
  std::fprintf(out, "  %-36s %.3f\n", "wall_seconds", r.wall_seconds);

  // Every packet received in exactly one decode outcome on one RX core, or dropped at
  // dispatch; every record enqueued or counted as dropped; every enqueued record encoded
  // and delivered or counted as failed; likewise alerts and asset events.
  const auto v = [&](std::string_view name) { return r.rx_value(name); };
  uint64_t kinds = 0;
  for (const dissect::Protocol* p : dissect::kProtocols)
    if (p->asset != nullptr) kinds += v("assets." + std::string(p->name));
  const bool ok =
      decoded_total(r.rx_schema, r.rx) + r.dispatch_dropped == v("packets.received") &&
      v("flows.records") == v("records.enqueued") + v("records.dropped_ring_full") + v("flows.records_not_taken") &&
      v("flows.records_not_taken") == 0 && e.records_encoded == v("records.enqueued") &&
      sink.accounts_for(e.records_encoded) &&
      (alert_sink == nullptr ||
       (v("alerts.raised") == v("alerts.enqueued") + v("alerts.dropped_ring_full") + v("alerts.dropped_output_full") &&
        e.alerts_encoded == v("alerts.enqueued") && alert_sink->accounts_for(e.alerts_encoded))) &&
      (event_sink == nullptr ||
       (v("assets.packets_seen") == v("assets.not_asset_protocol") + v("assets.malformed") + v("assets.sightings") &&
        v("assets.sightings") == kinds &&
        v("assets.sightings") ==
            v("assets.suppressed_repeats") + v("assets.events_enqueued") + v("assets.dropped_ring_full") &&
        e.events_encoded == v("assets.events_enqueued") && event_sink->accounts_for(e.events_encoded))) &&
      // Transactions: each completed one became a record (or was counted as dropped), and
      // each record was encoded (a DNS one as two eve records) and delivered or counted.
      (r.rx_schema.find("transactions.enqueued") == CounterSchema::npos ||
       (v("transactions.completed") ==
            v("transactions.enqueued") + v("transactions.dropped_ring_full") + v("transactions.dropped_output_full") &&
        e.transactions_dequeued == v("transactions.enqueued") &&
        (tx_sink == nullptr ||
         (e.transactions_encoded == e.transactions_dequeued && tx_sink->accounts_for(e.transactions_eve)))));
  std::fprintf(out, "  %-36s %s\n", "accounting", ok ? "ok" : "MISMATCH");
  return ok;
}

}  // namespace flowprobe
