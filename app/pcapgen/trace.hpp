#pragma once
// An in-memory capture built flow by flow (each flow scripted on its own clock), then
// merged into one time-ordered packet list with per-flow ground truth.
#include <cstdint>
#include <vector>

#include "net.hpp"
#include "pcap_writer.hpp"
#include "truth.hpp"

namespace pcapgen {

inline constexpr uint64_t kUs = 1000, kMs = 1000 * kUs, kSec = 1000 * kMs;

class Trace {
 public:
  // Registers a flow (counters and times are filled by finalize()); returns its id.
  int add_flow(FlowTruth meta);
  void set_close(int flow, std::string how) { flows_.at(static_cast<std::size_t>(flow)).close = std::move(how); }

  // A packet of `flow` (-1 for frames that belong to no IP flow, e.g. ARP).
  void add(uint64_t ts_ns, int flow, Dir dir, Frame frame);

  // Orders packets by time (stable: a flow's own order is kept), makes times strictly
  // increasing at 1 µs resolution, and computes each flow's truth.
  void finalize();

  void write(PcapWriter& w) const;

  // Flows in order of their first packet (valid after finalize()).
  std::vector<FlowTruth> flows_by_start() const;
  uint64_t packet_count() const { return packets_.size(); }
  uint64_t non_ip_count() const { return non_ip_; }

 private:
  struct Packet {
    uint64_t ts_ns;
    int flow;
    Dir dir;
    Frame frame;
  };
  std::vector<FlowTruth> flows_;
  std::vector<Packet> packets_;
  uint64_t non_ip_ = 0;
};

}  // namespace pcapgen
