#pragma once
// Follows one direction of a TCP stream without reassembly buffers: drops bytes already
// seen (retransmissions, overlaps) and reports a gap when bytes are missing, so a parser
// never stitches unrelated data together.
#include <cstdint>
#include <span>

namespace flowprobe::dissect {

struct TcpCursor {
  uint32_t next = 0;
  bool known = false;

  // The new bytes of `payload` at sequence `seq`; `gap` is set when bytes before it are missing.
  std::span<const uint8_t> advance(uint32_t seq, std::span<const uint8_t> payload, bool& gap) {
    gap = false;
    const uint32_t len = static_cast<uint32_t>(payload.size());
    if (!known) {
      known = true;
      next = seq + len;
      return payload;
    }
    const int32_t diff = static_cast<int32_t>(seq - next);
    if (diff > 0) {
      gap = true;
      next = seq + len;
      return payload;
    }
    const uint32_t old = static_cast<uint32_t>(-static_cast<int64_t>(diff));
    if (old >= len) return {};
    next = seq + len;
    return payload.subspan(old);
  }
};

}  // namespace flowprobe::dissect
