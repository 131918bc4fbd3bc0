#pragma once
// An AlertBuffer that tests count alerts in by sid.
#include <cstdint>
#include <map>

#include "signatures/alert.hpp"

namespace flowprobe::test {

struct AlertCollector : sig::AlertBuffer {
  AlertCollector() : sig::AlertBuffer(1 << 16) {}
  std::map<uint32_t, int> by_sid() const {
    std::map<uint32_t, int> m;
    for (const auto& a : alerts()) ++m[a.sid];
    return m;
  }
  int count(uint32_t sid) const {
    int n = 0;
    for (const auto& a : alerts()) n += a.sid == sid;
    return n;
  }
};

}  // namespace flowprobe::test
