#pragma once
// What travels through an RX core's ring to the exporter: 8-byte words, each record a
// FlowRecord, followed by its dissector metadata when record.l7_flags has kL7HasApp.
// One bulk enqueue per record, so the exporter finds both parts or neither, and flows
// without metadata (most of them) cost 200 bytes, not 1.4 KB.
#include <bit>
#include <cstdint>

#include "dpi/inspect_output.hpp"

namespace flowprobe {

// A record and its metadata, as the inspect stage finished them.
using ExportItem = dpi::L7Record;

inline constexpr unsigned kFlowWords = sizeof(FlowRecord) / 8;
inline constexpr unsigned kItemWords = sizeof(ExportItem) / 8;
static_assert(sizeof(FlowRecord) % 8 == 0 && sizeof(ExportItem) % 8 == 0);
static_assert(offsetof(ExportItem, app) == sizeof(FlowRecord), "the metadata words follow the record's");

inline unsigned words_of(const FlowRecord& r) { return (r.l7_flags & kL7HasApp) ? kItemWords : kFlowWords; }

// Ring size in words for `records` plain records (a power of two, as rte_ring wants).
inline unsigned ring_words(unsigned records) {
  return static_cast<unsigned>(std::bit_ceil(uint64_t{records} * kFlowWords + kItemWords));
}

}  // namespace flowprobe
