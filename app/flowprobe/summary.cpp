#include "summary.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstring>
#include <string>
#include <vector>

#include "dissectors/protocols.hpp"
#include "export/log_delivery.hpp"

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

InputVerdict input_verdict(const InputSpec& input, const RunReport& r) {
  InputVerdict v;
  if (input.capture.empty()) return v;
  v.read = r.rx_value("packets.received");
  for (const PortReport& p : r.ports) v.read += p.rx_nombuf + p.ierrors;
  // net_pcap counts the damaged record that ends a file among its ierrors, too.
  if (!input.replay_loop) v.read = std::min(v.read, input.expected_packets);
  const std::string of = std::to_string(v.read) + " of " + std::to_string(input.expected_packets) + " packets";
  if (input.replay_loop) {
    v.state = InputVerdict::State::stopped;
    v.text = "no: replayed in a loop, " + std::to_string(v.read) + " packets (" +
             std::to_string(input.expected_packets) + " a pass) until --max-packets or a signal";
  } else if (v.read < input.expected_packets && r.stopped_by_signal) {
    v.state = InputVerdict::State::stopped;
    v.text = "no: stopped by a signal after " + of;
  } else if (v.read < input.expected_packets && r.input_complete) {
    v.state = InputVerdict::State::stopped;  // only --max-packets ends a run early without a signal
    v.text = "no: --max-packets stopped the replay after " + of;
  } else if (v.read < input.expected_packets || !r.input_complete) {
    v.state = InputVerdict::State::short_read;
    v.text = "no: read " + of + " the file holds; the input ended before the file did";
  } else if (input.truncated) {
    v.state = InputVerdict::State::damaged;
    v.text = "no: the file is damaged at byte " + std::to_string(input.damaged_at) + " of " +
             std::to_string(input.file_bytes) + " (" + input.truncation + "); the " +
             std::to_string(input.expected_packets) + " packets before it were replayed";
  } else {
    v.state = InputVerdict::State::complete;
    v.text = "yes";
  }
  return v;
}

SummaryVerdict print_summary(std::FILE* out, const InputSpec& input, const RunReport& r, const Sink& sink,
                             const Sink* alert_sink, const Sink* event_sink, const Retention* retention,
                             uint64_t zeek_rows_lost, const Sink* tx_sink,
                             const LogDelivery* delivery) {
  std::fprintf(out, "flowprobe summary\n");
  std::fprintf(out, "  %-36s %s (%s, %s)\n", "input", input.text.c_str(), input_kind_name(input.kind),
               link_type_name(input.link));
  const InputVerdict verdict = input_verdict(input, r);
  if (!input.capture.empty()) {
    if (input.reader == InputSpec::Reader::libpcap)
      std::fprintf(out, "  %-36s libpcap\n", "input.reader");
    else
      std::fprintf(out, "  %-36s flowprobe pcapng reader: %u interfaces in %u sections (libpcap: %s)\n", "input.reader",
                   input.interfaces, input.sections, input.libpcap_refusal.c_str());
    line(out, "input.readable_packets", input.expected_packets);
    for (const InputSpec::NotReplayed& n : input.not_replayed)
      line(out, ("input.not_replayed." + n.link_name).c_str(), n.packets);
    if (input.cut_packets) line(out, "input.cut_to_262144_bytes", input.cut_packets);
    std::fprintf(out, "  %-36s %s\n", "input.complete", verdict.text.c_str());
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
    line(out, "rules.sets_retired", r.rule_sets_retired);
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
  if (retention != nullptr) {
    line(out, "retention.deleted_files", retention->counters().deleted_files);
    line(out, "retention.deleted_bytes", retention->counters().deleted_bytes);
    if (retention->counters().delete_errors) line(out, "retention.delete_errors", retention->counters().delete_errors);
  }
  if (delivery != nullptr) {
    // Closed log sets: an archive still queued is kept for the next run (not lost), but
    // the run did not deliver it: the exit status says so (1).
    const LogDeliveryCounters d = delivery->counters();
    line(out, "log_sets.closed", d.sets);
    if (!delivery->config().sets_dir.empty()) line(out, "log_sets.recovered", d.recovered);
    if (!delivery->config().postprocess.empty()) {
      line(out, "log_sets.postprocess_ok", d.postprocess_ok);
      line(out, "log_sets.postprocess_failed", d.postprocess_failed);
    }
    if (delivery->config().upload.active()) {
      line(out, "log_sets.packed", d.packed);
      line(out, "log_sets.pack_failed", d.pack_failed);
      line(out, "log_sets.carried_in", d.carried_in);
      line(out, "log_sets.uploaded", d.uploaded);
      line(out, "log_sets.upload_failures", d.upload_failures);
      line(out, "log_sets.deleted_before_upload", d.vanished);
      std::fprintf(out, "  %-36s %" PRIu64 "%s\n", "log_sets.queued", d.pending,
                   d.pending ? (" (in " + delivery->config().queue_dir.string() + ", sent by the next run)").c_str() : "");
    }
    if (!delivery->last_error().empty())
      std::fprintf(out, "  %-36s %s\n", "log_sets.error", delivery->last_error().c_str());
  }
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

  // Every packet of a capture file read (unless the run was asked to stop early); every
  // packet received in exactly one decode outcome on one RX core, or dropped at
  // dispatch; every record enqueued or counted as dropped; every enqueued record encoded
  // and delivered or counted as failed; likewise alerts, asset events and transactions.
  const auto v = [&](std::string_view name) { return r.rx_value(name); };
  uint64_t kinds = 0;
  for (const dissect::Protocol* p : dissect::kProtocols)
    if (p->asset != nullptr) kinds += v("assets." + std::string(p->name));
  const bool ok =
      verdict.state != InputVerdict::State::short_read &&
      decoded_total(r.rx_schema, r.rx) + r.dispatch_dropped == v("packets.received") &&
      v("flows.records") == v("records.enqueued") + v("records.dropped_ring_full") + v("flows.records_not_taken") &&
      v("flows.records_not_taken") == 0 && e.records_encoded == v("records.enqueued") &&
      sink.accounts_for(e.records_encoded) &&
      (alert_sink == nullptr ||
       (v("alerts.raised") == v("alerts.enqueued") + v("alerts.dropped_ring_full") + v("alerts.dropped_output_full") &&
        e.alerts_encoded == v("alerts.enqueued") && alert_sink->accounts_for(e.alerts_encoded))) &&
      // Asset sightings: each one was sent, suppressed as a repeat, or dropped; each sent one
      // was taken, and written as JSON unless it was a repeat sent only for the asset logs.
      (r.rx_schema.find("assets.events_enqueued") == CounterSchema::npos ||
       (v("assets.packets_seen") == v("assets.not_asset_protocol") + v("assets.malformed") + v("assets.sightings") &&
        v("assets.sightings") == kinds &&
        v("assets.sightings") ==
            v("assets.suppressed_repeats") + v("assets.events_enqueued") + v("assets.dropped_ring_full") &&
        e.events_dequeued == v("assets.events_enqueued") &&
        (event_sink == nullptr ||
         (e.events_encoded + e.events_repeats == e.events_dequeued && event_sink->accounts_for(e.events_encoded))))) &&
      // Transactions: each completed one became a record (or was counted as dropped), and
      // each record was encoded (a DNS one as two eve records) and delivered or counted.
      (r.rx_schema.find("transactions.enqueued") == CounterSchema::npos ||
       (v("transactions.completed") ==
            v("transactions.enqueued") + v("transactions.dropped_ring_full") + v("transactions.dropped_output_full") &&
        e.transactions_dequeued == v("transactions.enqueued") &&
        (tx_sink == nullptr ||
         (e.transactions_encoded == e.transactions_dequeued && tx_sink->accounts_for(e.transactions_eve)))));
  std::fprintf(out, "  %-36s %s\n", "accounting", ok ? "ok" : "MISMATCH");

  // Last, what went nowhere: records dropped at a full ring or that a sink could neither
  // deliver nor keep in its spool (a tee counts each of its sinks). Kept in a spool is not
  // lost. The exit status is 1 when this is not 0.
  struct Loss {
    const char* what;
    uint64_t ring, failed;
  };
  std::vector<Loss> losses = {{"flows", v("records.dropped_ring_full"), sc.failed}};
  if (alert_sink)
    losses.push_back({"alerts", v("alerts.dropped_ring_full") + v("alerts.dropped_output_full"),
                      alert_sink->counters().failed});
  if (event_sink) losses.push_back({"events", v("assets.dropped_ring_full"), event_sink->counters().failed});
  if (tx_sink)
    losses.push_back({"transactions", v("transactions.dropped_ring_full") + v("transactions.dropped_output_full"),
                      tx_sink->counters().failed});
  SummaryVerdict verdict_out{ok, zeek_rows_lost};
  std::string where;
  for (const Loss& l : losses) {
    verdict_out.lost += l.ring + l.failed;
    if (l.ring + l.failed == 0) continue;
    where += where.empty() ? "" : ", ";
    where += std::string(l.what) + ": " + std::to_string(l.failed) + " not delivered, " + std::to_string(l.ring) +
             " dropped at a full ring";
  }
  if (delivery != nullptr) {
    const LogDeliveryCounters d = delivery->counters();
    if (const uint64_t sets = d.pack_failed + d.vanished) {
      verdict_out.lost += sets;
      where += (where.empty() ? "" : ", ") + std::to_string(sets) + " closed log sets not delivered (" +
               std::to_string(d.pack_failed) + " not packed, " + std::to_string(d.vanished) +
               " deleted before upload)";
    }
  }
  if (zeek_rows_lost) where += (where.empty() ? "" : ", ") + std::to_string(zeek_rows_lost) + " zeek log rows not written";
  if (verdict_out.lost == 0) std::fprintf(out, "  %-36s 0\n", "lost");
  else std::fprintf(out, "  %-36s %" PRIu64 " (%s)\n", "lost", verdict_out.lost, where.c_str());
  return verdict_out;
}

}  // namespace flowprobe
