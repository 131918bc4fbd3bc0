// libFuzzer target for flowprobe's pcapng reader (lib/io/pcapng_reader), which reads
// the captures libpcap refuses. The input's first byte picks whether the rest is the
// whole file, or blocks after a valid section header and interface (little or big
// endian), so that the fuzzer spends its time past the header. AddressSanitizer catches
// a read past a block; the checks catch a packet that disagrees with its interface.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "io/pcapng_reader.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

void put32(std::vector<uint8_t>& b, uint32_t v, bool big) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(big ? v >> (24 - 8 * i) : v >> (8 * i)));
}

std::vector<uint8_t> header(bool big) {
  std::vector<uint8_t> b;
  // Section Header Block: magic, version 1.0, section length -1, no options.
  put32(b, 0x0A0D0D0A, big);
  put32(b, 28, big);
  put32(b, 0x1A2B3C4D, big);
  put32(b, big ? 0x00010000 : 0x00000001, big);
  put32(b, 0xffffffff, big);
  put32(b, 0xffffffff, big);
  put32(b, 28, big);
  // Interface Description Block: Ethernet, snaplen 1500, if_tsresol 10^-9.
  put32(b, 1, big);
  put32(b, 32, big);
  put32(b, big ? 0x00010000 : 0x00000001, big);
  put32(b, 1500, big);
  put32(b, big ? 0x00090001 : 0x00010009, big);
  b.insert(b.end(), {9, 0, 0, 0});
  put32(b, 0, big);
  put32(b, 32, big);
  return b;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace flowprobe;
  if (size == 0) return 0;
  std::vector<uint8_t> file;
  if (data[0] % 3 != 0) file = header(data[0] % 3 == 2);
  file.insert(file.end(), data + 1, data + size);
  if (file.empty()) return 0;
  std::FILE* f = fmemopen(file.data(), file.size(), "rb");
  if (f == nullptr) return 0;
  PcapngReader reader(f);
  PcapngPacket p;
  PcapngReader::Next n;
  uint64_t packets = 0;
  volatile uint8_t sink = 0;
  while ((n = reader.next(p)) == PcapngReader::Next::packet) {
    ++packets;
    check(p.interface < reader.interfaces().size());
    check(p.link_type == reader.interfaces()[p.interface].link_type);
    check(p.caplen <= PcapngReader::kMaxPacket && p.origlen >= p.caplen);
    for (uint32_t i = 0; i < p.caplen; ++i) sink = sink + p.data[i];
  }
  check(packets == reader.packets());
  check(reader.offset() <= file.size());
  check((n == PcapngReader::Next::damaged) == !reader.error().empty());
  std::fclose(f);
  return 0;
}
