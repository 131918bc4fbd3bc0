#pragma once
// A sink takes batches of encoded records and accounts for each one: delivered, or
// failed with the reason kept in its counters, or (for sinks with a spool) kept on disk
// for a later attempt. Nothing is lost without a count.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flowprobe {

struct SinkCounters {
  uint64_t delivered = 0;  // records written / acknowledged
  uint64_t failed = 0;     // records that could not be delivered (and were not kept)
  uint64_t bytes = 0;      // bytes delivered
};

// What a sink may ask the exporter to attach to each record (Kafka's message key, so
// that partitioning keeps a flow's records together).
enum class MessageKey { none, flow, src_addr };

class Sink {
 public:
  virtual ~Sink() = default;
  // `batch` holds `count` records, each a JSON object followed by '\n'.
  virtual void write(std::string_view batch, uint32_t count) = 0;
  // Pushes buffered data out; called on idle (every ~100 ms) and before exit. Never
  // waits long: a receiver that is down is the spool's business, not the caller's.
  virtual void flush() = 0;
  virtual SinkCounters counters() const = 0;
  virtual std::string describe() const = 0;
  // Text of the first error seen, empty when none.
  virtual std::string last_error() const = 0;

  // --- optional parts; the defaults suit a plain file ---

  virtual MessageKey message_key() const { return MessageKey::none; }
  // As write(), with `keys` holding one key per record, each followed by '\n', when
  // message_key() is not none.
  virtual void write_keyed(std::string_view batch, uint32_t count, std::string_view /*keys*/) {
    write(batch, count);
  }
  // Called once at the end of the run: deliver what can be delivered within the sink's
  // own time limit, keep the rest in its spool, and settle every counter.
  virtual void finish() { flush(); }
  // Packet time, for sinks that rotate on it (--rotate-age): the exporter calls
  // advance_clock(t) before the first record whose time t reaches clock_deadline_ns(), so
  // that record is the first of the next file; a replay rotates where a live run would.
  virtual uint64_t clock_deadline_ns() const { return UINT64_MAX; }
  virtual void advance_clock(uint64_t /*packet_ns*/) {}
  // Sink-specific counters for the exit summary ("spool.appended", "kafka.retried"...).
  virtual std::vector<std::pair<std::string, uint64_t>> extra_counters() const { return {}; }
  // True when every record handed to this sink (`encoded`) is accounted for: delivered,
  // failed, or kept for later (minus what an earlier run left and this one sent).
  // The sinks this one is made of (a tee's members; itself otherwise), for statistics
  // per sink. Read them on the thread that drives this sink.
  virtual std::vector<const Sink*> parts() const { return {this}; }
  virtual bool accounts_for(uint64_t encoded) const {
    const SinkCounters c = counters();
    return c.delivered + c.failed == encoded;
  }
};

}  // namespace flowprobe
