#pragma once
// An AlertSink that keeps every alert, for tests that count alerts by sid.
#include <cstdint>
#include <map>
#include <vector>

#include "signatures/alert.hpp"

namespace flowprobe::test {

struct AlertCollector : sig::AlertSink {
  std::vector<sig::Alert> alerts;
  void on_alert(const sig::Alert& a) noexcept override { alerts.push_back(a); }
  std::map<uint32_t, int> by_sid() const {
    std::map<uint32_t, int> m;
    for (const auto& a : alerts) ++m[a.sid];
    return m;
  }
  int count(uint32_t sid) const {
    int n = 0;
    for (const auto& a : alerts) n += a.sid == sid;
    return n;
  }
};

}  // namespace flowprobe::test
