#pragma once
// What the DHCP dissector learns of a flow's messages. Bounds: host name 64, class id 64,
// parameter list 64 (',' joined decimal).
#include <array>
#include <cstdint>

#include "dissectors/bounded_string.hpp"

namespace flowprobe::dissect {

struct DhcpMeta {
  BoundedString<64> host_name;   // option 12
  BoundedString<64> class_id;    // option 60
  BoundedString<64> param_list;  // option 55, ',' joined decimal
  std::array<uint8_t, 6> client_mac{};
  std::array<uint8_t, 4> requested_ip{};  // option 50
  std::array<uint8_t, 4> assigned_ip{};   // yiaddr of the OFFER/ACK
  uint16_t msg_types = 0;        // bit n set when DHCP message type n (1..15) was seen
  uint8_t first_msg_type = 0;    // option 53 of the first message
  uint8_t last_msg_type = 0;
};

}  // namespace flowprobe::dissect
