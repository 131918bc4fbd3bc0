#pragma once
#include <cstdio>

#include "export/retention.hpp"
#include "export/sink.hpp"
#include "io/input.hpp"
#include "io/probe.hpp"

namespace flowprobe {

struct SummaryVerdict {
  bool balanced = false;  // every packet, flow and record accounted for
  uint64_t lost = 0;      // records (flows, alerts, events) and Zeek rows that went nowhere
};

// The exit summary: every counter, one "name value" per line, so people and tests can
// read it, ending with "accounting ok|MISMATCH" and, last, "lost N" with where it was lost.
SummaryVerdict print_summary(std::FILE* out, const InputSpec& input, const RunReport& report, const Sink& sink,
                             const Sink* alert_sink = nullptr, const Sink* event_sink = nullptr,
                             const Retention* retention = nullptr, uint64_t zeek_rows_lost = 0);

}  // namespace flowprobe
