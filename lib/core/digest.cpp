#include "core/digest.hpp"

namespace flowprobe {

void to_hex(std::span<const uint8_t> d, char* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < d.size(); ++i) {
    out[2 * i] = kHex[d[i] >> 4];
    out[2 * i + 1] = kHex[d[i] & 15];
  }
}

}  // namespace flowprobe
