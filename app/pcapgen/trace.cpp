#include "trace.hpp"

#include <algorithm>

namespace pcapgen {

int Trace::add_flow(FlowTruth meta) {
  flows_.push_back(std::move(meta));
  return static_cast<int>(flows_.size() - 1);
}

void Trace::add(uint64_t ts_ns, int flow, Dir dir, Frame frame) {
  packets_.push_back(Packet{ts_ns, flow, dir, std::move(frame)});
}

void Trace::finalize() {
  std::stable_sort(packets_.begin(), packets_.end(),
                   [](const Packet& a, const Packet& b) { return a.ts_ns < b.ts_ns; });
  uint64_t prev = 0;
  for (Packet& p : packets_) {
    p.ts_ns -= p.ts_ns % kUs;  // same bytes in µs and ns pcaps
    if (p.ts_ns <= prev && prev != 0) p.ts_ns = prev + kUs;
    prev = p.ts_ns;
  }
  non_ip_ = 0;
  for (FlowTruth& f : flows_) {
    f.pkts[0] = f.pkts[1] = f.ip_bytes[0] = f.ip_bytes[1] = 0;
    f.tcp_flags[0] = f.tcp_flags[1] = 0;
    f.first_ns = f.last_ns = f.max_gap_ns = 0;
  }
  for (const Packet& p : packets_) {
    if (p.flow < 0) {
      ++non_ip_;
      continue;
    }
    FlowTruth& f = flows_[static_cast<std::size_t>(p.flow)];
    const int d = idx(p.dir);
    if (f.pkts[0] + f.pkts[1] == 0) {
      f.first_ns = p.ts_ns;
    } else {
      f.max_gap_ns = std::max(f.max_gap_ns, p.ts_ns - f.last_ns);
    }
    f.last_ns = p.ts_ns;
    ++f.pkts[d];
    f.ip_bytes[d] += p.frame.ip_len;
    f.tcp_flags[d] |= p.frame.tcp_flags;
  }
}

void Trace::write(PcapWriter& w) const {
  for (const Packet& p : packets_) w.write(p.ts_ns, p.frame.bytes);
}

std::vector<FlowTruth> Trace::flows_by_start() const {
  std::vector<FlowTruth> out;
  for (const FlowTruth& f : flows_)
    if (f.pkts[0] + f.pkts[1] > 0) out.push_back(f);
  std::stable_sort(out.begin(), out.end(),
                   [](const FlowTruth& a, const FlowTruth& b) { return a.first_ns < b.first_ns; });
  return out;
}

}  // namespace pcapgen
