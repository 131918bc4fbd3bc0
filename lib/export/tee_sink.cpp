#include "export/tee_sink.hpp"

#include <algorithm>

namespace flowprobe {

TeeSink::TeeSink(std::vector<std::unique_ptr<Sink>> sinks) : sinks_(std::move(sinks)) {}

void TeeSink::write(std::string_view batch, uint32_t count) {
  for (auto& s : sinks_) s->write(batch, count);
}

void TeeSink::write_keyed(std::string_view batch, uint32_t count, std::string_view keys) {
  for (auto& s : sinks_) {
    if (s->message_key() != MessageKey::none) s->write_keyed(batch, count, keys);
    else s->write(batch, count);
  }
}

void TeeSink::flush() {
  for (auto& s : sinks_) s->flush();
}

void TeeSink::finish() {
  for (auto& s : sinks_) s->finish();
}

SinkCounters TeeSink::counters() const {
  SinkCounters sum;
  for (const auto& s : sinks_) {
    const SinkCounters c = s->counters();
    sum.delivered += c.delivered;
    sum.failed += c.failed;
    sum.bytes += c.bytes;
  }
  return sum;
}

std::string TeeSink::describe() const {
  std::string d;
  for (const auto& s : sinks_) d += (d.empty() ? "" : " + ") + s->describe();
  return d;
}

std::string TeeSink::last_error() const {
  for (const auto& s : sinks_)
    if (std::string e = s->last_error(); !e.empty()) return e;
  return {};
}

MessageKey TeeSink::message_key() const {
  // Keys are computed once per record; every keyed sink gets the same kind (one --kafka-key).
  for (const auto& s : sinks_)
    if (s->message_key() != MessageKey::none) return s->message_key();
  return MessageKey::none;
}

std::vector<std::pair<std::string, uint64_t>> TeeSink::extra_counters() const {
  std::vector<std::pair<std::string, uint64_t>> all;
  for (std::size_t i = 0; i < sinks_.size(); ++i) {
    const std::string prefix = "sink" + std::to_string(i) + ".";
    const SinkCounters c = sinks_[i]->counters();
    all.emplace_back(prefix + "delivered", c.delivered);
    all.emplace_back(prefix + "failed", c.failed);
    for (auto& [name, v] : sinks_[i]->extra_counters()) all.emplace_back(prefix + name, v);
  }
  return all;
}

bool TeeSink::accounts_for(uint64_t encoded) const {
  for (const auto& s : sinks_)
    if (!s->accounts_for(encoded)) return false;
  return true;
}

std::vector<const Sink*> TeeSink::parts() const {
  std::vector<const Sink*> out;
  for (const auto& s : sinks_)
    for (const Sink* p : s->parts()) out.push_back(p);
  return out;
}

uint64_t TeeSink::clock_deadline_ns() const {
  uint64_t d = UINT64_MAX;
  for (const auto& s : sinks_) d = std::min(d, s->clock_deadline_ns());
  return d;
}

void TeeSink::advance_clock(uint64_t packet_ns) {
  for (auto& s : sinks_) s->advance_clock(packet_ns);
}

}  // namespace flowprobe
