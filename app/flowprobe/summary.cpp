#include "summary.hpp"

#include <algorithm>
#include <cinttypes>
#include <string>
#include <vector>

namespace flowprobe {

namespace {
void line(std::FILE* out, const char* name, uint64_t v) { std::fprintf(out, "  %-36s %" PRIu64 "\n", name, v); }
uint64_t asset_kinds_total(const RxCounters& c) {
  uint64_t n = 0;
#define FLOWPROBE_X(name, help) n += c.name;
  FLOWPROBE_ASSET_KIND_COUNTERS(FLOWPROBE_X)
#undef FLOWPROBE_X
  return n;
}
}  // namespace

InputVerdict input_verdict(const InputSpec& input, const RunReport& r) {
  InputVerdict v;
  if (input.capture.empty()) return v;
  v.read = r.rx.rx_packets;
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
                             uint64_t zeek_rows_lost) {
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
  line(out, "packets.received", r.rx.rx_packets);
  if (r.rx_mode == RxMode::software_dispatch) {
    line(out, "packets.dispatched", r.dispatched);
    line(out, "packets.dropped_dispatch_full", r.dispatch_dropped);
  }
  line(out, "packets.bytes", r.rx.rx_bytes);
  for (std::size_t i = 0; i < kDecodeOutcomeCount; ++i) {
    if (r.rx.decode[i] == 0 && !is_tracked(static_cast<DecodeOutcome>(i))) continue;
    const std::string name = "decode." + std::string(kDecodeOutcomeInfo[i].name);
    line(out, name.c_str(), r.rx.decode[i]);
  }
  if (r.rx.multiseg_packets) line(out, "packets.multisegment", r.rx.multiseg_packets);
  line(out, "packets.tunnelled", r.rx.tunnelled_packets);
  if (r.rx.decap_failed) line(out, "packets.decap_failed", r.rx.decap_failed);
  if (r.rx.fragments_attributed + r.rx.fragments_unattributed) {
    line(out, "fragments.attributed", r.rx.fragments_attributed);
    line(out, "fragments.unattributed", r.rx.fragments_unattributed);
  }
  line(out, "flows.created", r.rx.flows.created);
  line(out, "flows.records", r.rx.flows.records());
  for (int c = 0; c < kFlowEndCauseCount; ++c) {
    const std::string name = "flows.ended." + std::string(flow_end_cause_name(static_cast<FlowEndCause>(c)));
    line(out, name.c_str(), r.rx.flows.ended[c]);
  }
  if (r.rx.l7_classified + r.rx.l7_unknown + r.rx.l7_slots_exhausted) {
    line(out, "l7.classified", r.rx.l7_classified);
    line(out, "l7.unknown", r.rx.l7_unknown);
    line(out, "l7.with_metadata", r.rx.l7_with_metadata);
    line(out, "l7.slots_exhausted", r.rx.l7_slots_exhausted);
    line(out, "l7.ndpi_pool_exhausted", r.rx.l7_ndpi_pool_exhausted);
  }
  if (alert_sink) {
    line(out, "alerts.raised", r.rx.sig_alerts);
    line(out, "alerts.suppressed", r.rx.sig_suppressed);
    line(out, "alerts.enqueued", r.rx.alerts_enqueued);
    line(out, "alerts.dropped_ring_full", r.rx.alerts_ring_full);
    line(out, "alerts.encoded", r.exporter.alerts_encoded);
    line(out, "alerts.delivered", alert_sink->counters().delivered);
    line(out, "alerts.failed", alert_sink->counters().failed);
    line(out, "signatures.stream_pool_exhausted", r.rx.sig_stream_pool_exhausted);
    line(out, "signatures.encrypted_skipped", r.rx.sig_encrypted_skipped);
    line(out, "rules.reloads", r.rule_reloads);
    line(out, "rules.reload_failed", r.rule_reload_failed);
    line(out, "rules.sets_retired", r.rule_sets_retired);
    if (r.rx.sig_scan_errors) line(out, "signatures.scan_errors", r.rx.sig_scan_errors);
    // Rule state that did not fit its bounds: printed when it happened.
    if (r.rx.sig_flowbits_overflow) line(out, "signatures.flowbits_overflow", r.rx.sig_flowbits_overflow);
    if (r.rx.sig_flowint_dropped) line(out, "signatures.flowint_dropped", r.rx.sig_flowint_dropped);
    if (r.rx.sig_xbits_evicted) line(out, "signatures.xbits_evicted", r.rx.sig_xbits_evicted);
    if (r.rx.sig_dataset_full) line(out, "signatures.dataset_full", r.rx.sig_dataset_full);
  }
  if (event_sink) {
    line(out, "assets.packets_seen", r.rx.asset_packets);
    line(out, "assets.not_asset_protocol", r.rx.asset_not_mine);
    line(out, "assets.malformed", r.rx.asset_malformed);
    line(out, "assets.sightings", r.rx.asset_sightings);
#define FLOWPROBE_X(name, help) line(out, ("assets." + std::string(#name + 6)).c_str(), r.rx.name);  // less "asset_"
    FLOWPROBE_ASSET_KIND_COUNTERS(FLOWPROBE_X)
#undef FLOWPROBE_X
    line(out, "assets.suppressed_repeats", r.rx.asset_suppressed);
    line(out, "assets.events_enqueued", r.rx.events_enqueued);
    line(out, "assets.dropped_ring_full", r.rx.events_ring_full);
    line(out, "assets.events_encoded", r.exporter.events_encoded);
    line(out, "assets.delivered", event_sink->counters().delivered);
    line(out, "assets.failed", event_sink->counters().failed);
  }
  line(out, "records.enqueued", r.rx.records_enqueued);
  line(out, "records.dropped_ring_full", r.rx.records_ring_full);
  line(out, "records.encoded", r.exporter.records_encoded);
  const SinkCounters sc = sink.counters();
  line(out, "sink.delivered", sc.delivered);
  line(out, "sink.failed", sc.failed);
  line(out, "sink.bytes", sc.bytes);
  for (const auto& [name, value] : sink.extra_counters()) line(out, ("sink." + name).c_str(), value);
  if (!sink.last_error().empty()) std::fprintf(out, "  %-36s %s\n", "sink.error", sink.last_error().c_str());
  if (retention != nullptr) {
    line(out, "retention.deleted_files", retention->counters().deleted_files);
    line(out, "retention.deleted_bytes", retention->counters().deleted_bytes);
    if (retention->counters().delete_errors) line(out, "retention.delete_errors", retention->counters().delete_errors);
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
    const uint64_t pkts = r.per_core[c].decoded_total();
    const double mpps = secs > 0 ? static_cast<double>(pkts) / secs / 1e6 : 0;
    const uint64_t drops = c < r.core_drops.size() ? r.core_drops[c] : r.per_core[c].records_ring_full;
    std::fprintf(out, "  rx_core %zu: packets %" PRIu64 " seconds %.3f mpps %.3f drops %" PRIu64, c, pkts, secs, mpps,
                 drops);
    if (r.rx_mode == RxMode::software_dispatch && c == 0)
      std::fprintf(out, " read %" PRIu64 " dispatched %" PRIu64, r.per_core[c].rx_packets, r.dispatched);
    std::fputc('\n', out);
  }
  std::fprintf(out, "  %-36s %.3f\n", "wall_seconds", r.wall_seconds);

  // Every packet of a capture file read (unless the run was asked to stop early); every
  // packet received in exactly one decode outcome on one RX core, or dropped at
  // dispatch; every record enqueued or counted as dropped; every enqueued record encoded
  // and delivered or counted as failed.
  const bool ok = verdict.state != InputVerdict::State::short_read &&
                  r.rx.decoded_total() + r.dispatch_dropped == r.rx.rx_packets &&
                  r.rx.flows.records() == r.rx.records_enqueued + r.rx.records_ring_full &&
                  r.exporter.records_encoded == r.rx.records_enqueued &&
                  sink.accounts_for(r.exporter.records_encoded) &&
                  (alert_sink == nullptr ||
                   (r.rx.sig_alerts == r.rx.alerts_enqueued + r.rx.alerts_ring_full &&
                    r.exporter.alerts_encoded == r.rx.alerts_enqueued && alert_sink->accounts_for(r.exporter.alerts_encoded))) &&
                  (event_sink == nullptr ||
                   (r.rx.asset_packets == r.rx.asset_not_mine + r.rx.asset_malformed + r.rx.asset_sightings &&
                    r.rx.asset_sightings == asset_kinds_total(r.rx) &&
                    r.rx.asset_sightings == r.rx.asset_suppressed + r.rx.events_enqueued + r.rx.events_ring_full &&
                    r.exporter.events_encoded == r.rx.events_enqueued && event_sink->accounts_for(r.exporter.events_encoded)));
  std::fprintf(out, "  %-36s %s\n", "accounting", ok ? "ok" : "MISMATCH");

  // Last, what went nowhere: records dropped at a full ring or that a sink could neither
  // deliver nor keep in its spool (a tee counts each of its sinks). Kept in a spool is not
  // lost. The exit status is 1 when this is not 0.
  struct Loss {
    const char* what;
    uint64_t ring, failed;
  };
  std::vector<Loss> losses = {{"flows", r.rx.records_ring_full, sc.failed}};
  if (alert_sink) losses.push_back({"alerts", r.rx.alerts_ring_full, alert_sink->counters().failed});
  if (event_sink) losses.push_back({"events", r.rx.events_ring_full, event_sink->counters().failed});
  SummaryVerdict v{ok, zeek_rows_lost};
  std::string where;
  for (const Loss& l : losses) {
    v.lost += l.ring + l.failed;
    if (l.ring + l.failed == 0) continue;
    where += where.empty() ? "" : ", ";
    where += std::string(l.what) + ": " + std::to_string(l.failed) + " not delivered, " + std::to_string(l.ring) +
             " dropped at a full ring";
  }
  if (zeek_rows_lost) where += (where.empty() ? "" : ", ") + std::to_string(zeek_rows_lost) + " zeek log rows not written";
  if (v.lost == 0) std::fprintf(out, "  %-36s 0\n", "lost");
  else std::fprintf(out, "  %-36s %" PRIu64 " (%s)\n", "lost", v.lost, where.c_str());
  return v;
}

}  // namespace flowprobe
