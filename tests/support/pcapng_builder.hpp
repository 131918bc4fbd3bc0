#pragma once
// Writes pcapng files block by block, in either byte order, for tests of the capture
// readers: what libpcap refuses (interfaces that differ, sections in both byte orders)
// and damage at a chosen byte.
#include <cstdint>
#include <vector>

namespace flowprobe::test {

using Bytes = std::vector<uint8_t>;

// Writes pcapng blocks in one byte order.
struct PcapngBuilder {
  bool big = false;
  Bytes out;

  void u16(Bytes& b, uint16_t v) const {
    for (int i = 0; i < 2; ++i) b.push_back(static_cast<uint8_t>(big ? v >> (8 - 8 * i) : v >> (8 * i)));
  }
  void u32(Bytes& b, uint32_t v) const {
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(big ? v >> (24 - 8 * i) : v >> (8 * i)));
  }
  void u64(Bytes& b, uint64_t v) const {
    if (big) {
      u32(b, static_cast<uint32_t>(v >> 32));
      u32(b, static_cast<uint32_t>(v));
    } else {
      u32(b, static_cast<uint32_t>(v));
      u32(b, static_cast<uint32_t>(v >> 32));
    }
  }
  static void pad(Bytes& b) {
    while (b.size() % 4) b.push_back(0);
  }
  void block(uint32_t type, const Bytes& body) {
    u32(out, type);
    u32(out, static_cast<uint32_t>(body.size() + 12));
    out.insert(out.end(), body.begin(), body.end());
    u32(out, static_cast<uint32_t>(body.size() + 12));
  }
  void section(uint16_t major = 1, uint16_t minor = 0) {
    Bytes b;
    u32(b, 0x1A2B3C4D);
    u16(b, major);
    u16(b, minor);
    u64(b, ~uint64_t{0});
    block(0x0A0D0D0A, b);
  }
  // tsresol < 0: none written (microseconds); tsoffset 0: none written.
  void interface(uint16_t linktype, uint32_t snaplen, int tsresol = -1, int64_t tsoffset = 0) {
    Bytes b;
    u16(b, linktype);
    u16(b, 0);
    u32(b, snaplen);
    if (tsresol >= 0) {
      u16(b, 9);
      u16(b, 1);
      b.push_back(static_cast<uint8_t>(tsresol));
      pad(b);
    }
    if (tsoffset != 0) {
      u16(b, 14);
      u16(b, 8);
      u64(b, static_cast<uint64_t>(tsoffset));
    }
    u16(b, 0);
    u16(b, 0);
    block(1, b);
  }
  void enhanced(uint32_t iface, uint64_t ts, const Bytes& data, uint32_t origlen = 0) {
    Bytes b;
    u32(b, iface);
    u32(b, static_cast<uint32_t>(ts >> 32));
    u32(b, static_cast<uint32_t>(ts));
    u32(b, static_cast<uint32_t>(data.size()));
    u32(b, origlen ? origlen : static_cast<uint32_t>(data.size()));
    b.insert(b.end(), data.begin(), data.end());
    pad(b);
    block(6, b);
  }
  void simple(const Bytes& data, uint32_t origlen) {
    Bytes b;
    u32(b, origlen);
    b.insert(b.end(), data.begin(), data.end());
    pad(b);
    block(3, b);
  }
  void obsolete(uint16_t iface, uint64_t ts, const Bytes& data) {
    Bytes b;
    u16(b, iface);
    u16(b, 0);
    u32(b, static_cast<uint32_t>(ts >> 32));
    u32(b, static_cast<uint32_t>(ts));
    u32(b, static_cast<uint32_t>(data.size()));
    u32(b, static_cast<uint32_t>(data.size()));
    b.insert(b.end(), data.begin(), data.end());
    pad(b);
    block(2, b);
  }
};

using Builder = PcapngBuilder;

}  // namespace flowprobe::test
