#pragma once
// Several sinks fed the same records (--kafka and -o, say). Each keeps its own
// accounting; the tee's counters are their sums and it balances when every one does.
#include <memory>
#include <vector>

#include "export/sink.hpp"

namespace flowprobe {

class TeeSink final : public Sink {
 public:
  explicit TeeSink(std::vector<std::unique_ptr<Sink>> sinks);
  void write(std::string_view batch, uint32_t count) override;
  void write_keyed(std::string_view batch, uint32_t count, std::string_view keys) override;
  void flush() override;
  void finish() override;
  SinkCounters counters() const override;
  std::string describe() const override;
  std::string last_error() const override;
  MessageKey message_key() const override;
  std::vector<std::pair<std::string, uint64_t>> extra_counters() const override;
  bool accounts_for(uint64_t encoded) const override;
  std::vector<const Sink*> parts() const override;
  uint64_t clock_deadline_ns() const override;
  void advance_clock(uint64_t packet_ns) override;

 private:
  std::vector<std::unique_ptr<Sink>> sinks_;
};

}  // namespace flowprobe
