#pragma once
// `flowprobe check`: with the options of a run, tests each part without capturing.
#include <cstdio>

#include "options.hpp"

namespace flowprobe {

// Prints one verdict line per item ("<item>: ok|FAIL|note - <reason>") on `out`.
// Returns the exit code: 0 when nothing failed, 1 otherwise.
int run_check(const Options& options, std::FILE* out);

}  // namespace flowprobe
