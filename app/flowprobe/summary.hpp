#pragma once
#include <cstdio>
#include <string>

#include "export/retention.hpp"
#include "export/sink.hpp"
#include "io/input.hpp"
#include "io/probe.hpp"

namespace flowprobe {

class LogDelivery;

// The one verdict on a capture-file input: read to its end, or why not.
struct InputVerdict {
  enum class State {
    not_a_file,   // a live port: no end to reach
    complete,     // every readable packet was read
    damaged,      // every readable packet was read, and the rest of the file is damaged or cut
    stopped,      // a signal or --max-packets stopped the replay, as asked
    short_read,   // the replay ended before the file did: packets were not read
  };
  State state = State::not_a_file;
  uint64_t read = 0;   // packets the port took from the file: received, or lost in the PMD with a count
  std::string text;    // "yes", or "no: " and why
};
InputVerdict input_verdict(const InputSpec& input, const RunReport& report);

struct SummaryVerdict {
  bool balanced = false;  // every packet, flow and record accounted for
  uint64_t lost = 0;      // records (flows, alerts, events) and Zeek rows that went nowhere
};

// The exit summary: every counter, one "name value" per line, so people and tests can
// read it, ending with "accounting ok|MISMATCH" and, last, "lost N" with where it was lost.
SummaryVerdict print_summary(std::FILE* out, const InputSpec& input, const RunReport& report, const Sink& sink,
                             const Sink* alert_sink = nullptr, const Sink* event_sink = nullptr,
                             const Retention* retention = nullptr, uint64_t zeek_rows_lost = 0,
                             const Sink* tx_sink = nullptr, const LogDelivery* delivery = nullptr);

}  // namespace flowprobe
