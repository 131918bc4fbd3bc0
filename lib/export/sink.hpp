#pragma once
// A sink takes batches of encoded records and accounts for each one: delivered, or
// failed with the reason kept in its counters. Nothing is lost without a count.
#include <cstdint>
#include <string>
#include <string_view>

namespace flowprobe {

struct SinkCounters {
  uint64_t delivered = 0;  // records written / acknowledged
  uint64_t failed = 0;     // records that could not be delivered
  uint64_t bytes = 0;      // bytes delivered
};

class Sink {
 public:
  virtual ~Sink() = default;
  // `batch` holds `count` records, each a JSON object followed by '\n'.
  virtual void write(std::string_view batch, uint32_t count) = 0;
  // Pushes buffered data out; called on idle and before exit.
  virtual void flush() = 0;
  virtual SinkCounters counters() const = 0;
  virtual std::string describe() const = 0;
  // Text of the first error seen, empty when none.
  virtual std::string last_error() const = 0;
};

}  // namespace flowprobe
