// libFuzzer target for the packet decoder: the input is decoded as every link type.
// AddressSanitizer catches reads past the span; the checks below catch a decoder that
// points the payload outside it or reports a tracked packet with fields out of range.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "decode/decoder.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace flowprobe;
  static constexpr LinkType kLinks[] = {LinkType::ethernet, LinkType::raw_ip, LinkType::null_loopback,
                                        LinkType::linux_sll, LinkType::linux_sll2};
  for (const LinkType link : kLinks) {
    PacketView pv;
    pv.bytes = {data, size};
    pv.link = link;
    DecodedPacket d;
    const DecodeOutcome o = decode(pv, d);
    check(static_cast<size_t>(o) < kDecodeOutcomeCount);
    if (!d.payload.empty()) {
      check(d.payload.data() >= data && d.payload.data() + d.payload.size() <= data + size);
    }
    check(d.vlan_count <= kMaxVlanTags);
    if (is_tracked(o)) {
      check(d.ip_version == (o == DecodeOutcome::ipv4 ? 4 : 6));
      if (d.ip_version == 4) {
        for (size_t i = 4; i < 16; ++i) check(d.src_ip[i] == 0 && d.dst_ip[i] == 0);
      }
      if (d.l4_proto != ipproto::tcp && d.l4_proto != ipproto::udp) check(d.src_port == 0 && d.dst_port == 0);
    }
  }
  return 0;
}
