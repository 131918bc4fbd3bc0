#pragma once
// DHCP (BOOTP with the magic cookie): message types, host name (option 12), parameter
// request list (55), class id (60), requested address (50), client MAC and the address
// a server assigned. A DHCP exchange spans several 5-tuples (broadcast, then unicast),
// so each flow records what its own messages carried.
#include <cstdint>
#include <span>

#include "dissectors/dissector.hpp"

namespace flowprobe::dissect {

bool parse_dhcp_message(std::span<const uint8_t> msg, DhcpMeta& m);

struct DhcpState {
  uint8_t messages = 0;
  Parse parse(const PacketContext& c, AppMetadata& m) noexcept;
};

Probe dhcp_probe(const PacketContext& c) noexcept;
extern const Dissector kDhcpDissector;

}  // namespace flowprobe::dissect
