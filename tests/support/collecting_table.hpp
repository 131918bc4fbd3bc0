#pragma once
// A FlowTable whose finished flows are taken after every call into `out.records`, as the
// RX loop takes them: tests read the records in the order they ended.
#include <vector>

#include "flow/flow_table.hpp"

namespace flowprobe::test {

struct Collect {
  std::vector<FlowRecord> records;
};

class CollectingTable : public FlowTable {
 public:
  CollectingTable(const FlowTableConfig& config, Collect& out, uint16_t rx_core = 0)
      : FlowTable(config, rx_core), out_(out) {}
  FlowHit on_packet(const DecodedPacket& pkt, uint64_t ts_ns, uint16_t port) noexcept {
    const FlowHit h = FlowTable::on_packet(pkt, ts_ns, port);
    take();
    return h;
  }
  FlowHit on_packet(const DecodedPacket& pkt, const Keyed& keyed, uint64_t ts_ns, uint16_t port) noexcept {
    const FlowHit h = FlowTable::on_packet(pkt, keyed, ts_ns, port);
    take();
    return h;
  }
  void expire(uint64_t now_ns) noexcept {
    while (FlowTable::expire(now_ns)) take();
    take();
  }
  void flush(FlowEndCause cause) noexcept {
    while (FlowTable::flush(cause)) take();
    take();
  }

 private:
  void take() {
    for (const FinishedFlow& f : finished()) out_.records.push_back(f.record);
    clear_finished();
  }
  Collect& out_;
};

}  // namespace flowprobe::test
