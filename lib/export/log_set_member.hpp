#pragma once
// A JSON-lines file that belongs to the closed log sets (--alerts-output inside
// --zeek-logs DIR with --zeek-logs-rotate): it closes with the Zeek logs, at the same
// boundary and into the same set (eve.json beside conn.log, as the OsecT sensor's cycle
// holds it), instead of rotating on its own clock. The exporter moves the set's clock
// with each alert (clock_deadline_ns/advance_clock), so an alert past a boundary opens
// the next set.
#include <memory>

#include "export/rotating_file_sink.hpp"
#include "export/zeek_logs.hpp"

namespace flowprobe {

class LogSetMemberSink final : public Sink {
 public:
  // `file` must lie in zeek.dir(); `zeek` outlives this sink.
  LogSetMemberSink(std::unique_ptr<RotatingFileSink> file, ZeekLogWriter& zeek);

  void write(std::string_view batch, uint32_t count) override { file_->write(batch, count); }
  void flush() override { file_->flush(); }
  void finish() override { file_->finish(); }
  SinkCounters counters() const override { return file_->counters(); }
  std::string describe() const override { return file_->describe() + ", closed with the Zeek log sets"; }
  std::string last_error() const override { return file_->last_error(); }
  std::vector<std::pair<std::string, uint64_t>> extra_counters() const override { return file_->extra_counters(); }
  uint64_t clock_deadline_ns() const override { return zeek_.next_rotation_ns(); }
  void advance_clock(uint64_t packet_ns) override { zeek_.advance_clock(packet_ns); }
  bool accounts_for(uint64_t encoded) const override { return file_->accounts_for(encoded); }

 private:
  std::unique_ptr<RotatingFileSink> file_;
  ZeekLogWriter& zeek_;
};

}  // namespace flowprobe
