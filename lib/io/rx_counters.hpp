#pragma once
// The RX loop's counter tables (no DPDK here, so that readers and tests see them).
#include <cstdint>

#include "core/counters.hpp"

namespace flowprobe {

// The RX loop's own counters (io), in the order of kRxCounterDefs; each other stage it
// drives has its table (decode, flow, inspect, assets).
struct RxCounters {
  uint64_t rx_packets = 0;
  uint64_t rx_bytes = 0;
  uint64_t multiseg_packets = 0;       // packets spread over chained mbufs (linearised)
  uint64_t tunnelled_packets = 0;      // packets whose flow is the inner one of a tunnel
  uint64_t decap_failed = 0;           // tunnel packets whose inner packet did not decode
  uint64_t carrier_packets = 0;        // tunnelled packets also counted in their carrier's flow
  uint64_t fragments_attributed = 0;   // non-first IP fragments counted in their datagram's flow
  uint64_t fragments_unattributed = 0;
  uint64_t records_enqueued = 0;
  uint64_t records_ring_full = 0;
};
inline constexpr CounterDef kRxCounterDefs[] = {
    {"packets.received", "packets received from the port", CounterKind::counter, CounterShow::always, "rx_packets"},
    {"packets.bytes", "captured bytes received", CounterKind::counter, CounterShow::always, "rx_bytes"},
    {"packets.multisegment", "packets spread over chained mbufs (linearised)", CounterKind::counter,
     CounterShow::nonzero},
    {"packets.tunnelled", "packets whose flow is the inner one of a tunnel"},
    {"packets.decap_failed", "tunnel packets whose inner packet did not decode (outer flow kept)",
     CounterKind::counter, CounterShow::nonzero},
    {"packets.carrier", "tunnelled packets also counted in their carrier's flow (--tunnel-mode both)",
     CounterKind::counter, CounterShow::nonzero},
    {"fragments.attributed", "non-first IP fragments counted in their datagram's flow", CounterKind::counter,
     CounterShow::nonzero},
    {"fragments.unattributed", "non-first IP fragments whose first fragment was not seen", CounterKind::counter,
     CounterShow::nonzero},
    {"records.enqueued", "flow records handed to the exporter ring"},
    {"records.dropped_ring_full", "flow records dropped because the exporter ring was full", CounterKind::counter,
     CounterShow::always, "records_ring_full"},
};
static_assert(sizeof(RxCounters) == sizeof(kRxCounterDefs) / sizeof(CounterDef) * sizeof(uint64_t));

// A side ring's counters (alerts, asset events): what went on it and what found it full.
struct RingCounters {
  uint64_t enqueued = 0;
  uint64_t ring_full = 0;
};
inline constexpr CounterDef kAlertRingCounterDefs[] = {
    {"alerts.enqueued", "alerts handed to the exporter ring"},
    {"alerts.dropped_ring_full", "alerts dropped because the exporter ring was full", CounterKind::counter,
     CounterShow::always, "alerts_ring_full"},
};
inline constexpr CounterDef kTxRingCounterDefs[] = {
    {"transactions.enqueued", "transaction records handed to the exporter ring"},
    {"transactions.dropped_ring_full", "transaction records dropped because the exporter ring was full"},
};
inline constexpr CounterDef kEventRingCounterDefs[] = {
    {"assets.events_enqueued", "asset events handed to the exporter ring", CounterKind::counter, CounterShow::always,
     "events_enqueued"},
    {"assets.dropped_ring_full", "asset events dropped because the exporter ring was full", CounterKind::counter,
     CounterShow::always, "events_ring_full"},
};

}  // namespace flowprobe
