#pragma once
// Faults in memory a hot core will write, once, on the thread that makes it, by writing
// zeros to it: the RX core then takes no page fault at its first write to each page. (On
// the development VM, madvise(MADV_POPULATE_WRITE) mapped the pages but left the one pass
// over the merged corpus 35 % slower than writing them: bench/RESULTS.md, issue #17.)
// Only for memory that is zero or not yet used.
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace flowprobe {

inline void prefault(void* p, std::size_t bytes) noexcept { std::memset(p, 0, bytes); }

}  // namespace flowprobe
