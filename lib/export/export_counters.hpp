#pragma once
// The exporter's counters (the main lcore's), in the order of kExportCounterDefs.
#include <cstdint>

#include "core/counters.hpp"

namespace flowprobe {

struct ExportCounters {
  uint64_t records_dequeued = 0;
  uint64_t records_encoded = 0;
  uint64_t alerts_encoded = 0;
  uint64_t events_encoded = 0;
  uint64_t events_dequeued = 0;  // asset events taken from the rings (for JSON and/or the asset logs)
  uint64_t events_repeats = 0;   // of those, repeats sent only for the asset logs (not JSON)
  uint64_t transactions_dequeued = 0;  // transaction records taken from the rings (for eve and/or Zeek logs)
  uint64_t transactions_encoded = 0;   // of those, encoded as eve
  uint64_t transactions_eve = 0;       // eve records they made (a DNS transaction makes two)
};
inline constexpr CounterDef kExportCounterDefs[] = {
    {"records.dequeued", "flow records taken from the rings", CounterKind::counter, CounterShow::never,
     "exporter_records_dequeued"},
    {"records.encoded", "flow records encoded as JSON by the exporter", CounterKind::counter, CounterShow::always,
     "exporter_records_encoded"},
    {"alerts.encoded", "alerts encoded as eve JSON", CounterKind::counter, CounterShow::always,
     "exporter_alerts_encoded"},
    {"assets.events_encoded", "asset events encoded as JSON", CounterKind::counter, CounterShow::always,
     "exporter_events_encoded"},
    {"assets.events_dequeued", "asset events taken from the rings", CounterKind::counter, CounterShow::never,
     "exporter_events_dequeued"},
    {"assets.events_repeats", "repeated sightings taken for the asset logs only", CounterKind::counter,
     CounterShow::never, "exporter_events_repeats"},
    {"transactions.dequeued", "transaction records taken from the rings", CounterKind::counter, CounterShow::never,
     "exporter_transactions_dequeued"},
    {"transactions.encoded", "transaction records encoded as eve JSON", CounterKind::counter, CounterShow::always,
     "exporter_transactions_encoded"},
    {"transactions.eve_records", "eve records the transactions made (a DNS one makes two)", CounterKind::counter,
     CounterShow::always, "exporter_transactions_eve_records"},
};
static_assert(sizeof(ExportCounters) == sizeof(kExportCounterDefs) / sizeof(CounterDef) * sizeof(uint64_t));

}  // namespace flowprobe
