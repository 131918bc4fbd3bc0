#pragma once
// Shared body of the asset dissectors' libFuzzer targets. The first bytes choose the
// packet's shape (ARP frame or not, L4 protocol, ports, ICMPv6 type, TCP flags); the
// rest is the payload (and, for TCP, the options), given to probe() and, when it says
// "mine", to parse(), so AddressSanitizer sees every read the dissector makes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>

#include "dissectors/asset_dissector.hpp"

namespace flowprobe::dissect {

inline int fuzz_asset(const AssetDissector& d, const uint8_t* data, size_t size) {
  if (size < 8) return 0;
  DecodedPacket p;
  const uint8_t shape = data[0];
  p.ip_version = shape & 1 ? 6 : 4;
  p.l4_proto = (shape >> 1) % 3 == 0 ? 17 : (shape >> 1) % 3 == 1 ? 6 : 58;
  // Ports: the dissector's well-known ones most of the time, anything otherwise.
  static constexpr uint16_t kPorts[] = {67, 68, 137, 138, 546, 547, 1900, 61450, 61451, 80};
  p.src_port = data[1] < 200 ? kPorts[data[1] % 10] : static_cast<uint16_t>(data[1] << 8 | data[2]);
  p.dst_port = data[3] < 200 ? kPorts[data[3] % 10] : static_cast<uint16_t>(data[3] << 8 | data[2]);
  p.icmp_type = static_cast<uint8_t>(133 + data[4] % 5);
  p.tcp_flags = data[5];
  p.ttl = data[6];
  const std::size_t opts = p.l4_proto == 6 ? data[7] % 41 : 0;
  std::span<const uint8_t> rest(data + 8, size - 8);
  const std::size_t o = opts < rest.size() ? opts : rest.size();
  p.tcp_options = rest.first(o);
  p.payload = rest.subspan(o);
  p.l3 = rest;  // the IP header's place: whatever bytes there are
  AssetEvent e;
  for (int kind : {0, 1, 2}) {  // IP, ARP, another EtherType's frame
    const AssetPacket in{p, kind == 1, static_cast<uint16_t>(kind == 2 ? 0x890F : 0)};
    if (!d.probe(in)) continue;
    std::memset(static_cast<void*>(&e), 0, sizeof e);
    const AssetParse r = d.parse(in, e);
    if (r == AssetParse::event) {
      // Every text the exporter reads must end within its buffer.
      if (!std::memchr(e.host_name, 0, sizeof e.host_name) || !std::memchr(e.class_id, 0, sizeof e.class_id) ||
          !std::memchr(e.param_list, 0, sizeof e.param_list))
        std::abort();
    }
  }
  return 0;
}

}  // namespace flowprobe::dissect
