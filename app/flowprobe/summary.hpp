#pragma once
#include <cstdio>

#include "export/sink.hpp"
#include "io/input.hpp"
#include "io/probe.hpp"

namespace flowprobe {

// The exit summary: every counter, one "name value" per line, so people and tests can
// read it. Returns false if the accounting does not add up.
bool print_summary(std::FILE* out, const InputSpec& input, const RunReport& report, const Sink& sink,
                   const Sink* alert_sink = nullptr, const Sink* event_sink = nullptr, const Sink* tx_sink = nullptr);

}  // namespace flowprobe
