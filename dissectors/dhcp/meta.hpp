#pragma once
// What the DHCP dissector learns of a flow's messages, and of each message: a
// transaction record carries one message (`msg`), a flow record its messages' summary.
// Bounds: host name 64, class id 64, parameter list 64 (',' joined decimal).
#include <array>
#include <cstdint>

#include "dissectors/bounded_string.hpp"

namespace flowprobe::dissect {

// One message as Suricata's eve "dhcp" reports it (an asset sighting carries the same).
// Plain bytes, so the asset path's de-duplication hash sees every field.
struct DhcpFields {
  uint32_t xid = 0;
  uint32_t lease_time = 0, renewal_time = 0, rebinding_time = 0;  // options 51, 58, 59
  std::array<uint8_t, 4> client_ip{}, assigned_ip{}, next_server_ip{}, relay_ip{};  // ciaddr yiaddr siaddr giaddr
  std::array<uint8_t, 4> requested_ip{}, subnet_mask{}, server_id{};               // options 50, 1, 54
  std::array<std::array<uint8_t, 4>, 4> routers{}, dns_servers{};                  // options 3, 6
  std::array<uint8_t, 16> client_mac{};  // chaddr, client_mac_len bytes
  uint8_t client_mac_len = 0;
  uint8_t bootp_op = 0;        // 1 request, 2 reply
  uint8_t msg_type = 0;        // option 53
  uint8_t n_routers = 0, n_dns = 0;
  uint8_t host_name_len = 0;   // option 12 as sent (it may hold a NUL)
  uint8_t client_id_len = 0;   // option 61 after its type byte
  uint8_t n_params = 0;        // option 55
  uint8_t present = 0;         // kHas* bits: options seen, whatever their value
  uint8_t reserved[3] = {};
  uint8_t client_id[32] = {};
  uint8_t params[48] = {};
  static constexpr uint8_t kHasLease = 1, kHasRenewal = 2, kHasRebinding = 4, kHasSubnet = 8, kHasRequested = 16,
                           kHasServerId = 32, kHasRouters = 64, kHasDns = 128;
};

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
  // The last message in full (in a transaction record: its own message).
  DhcpFields msg;
  char msg_host_name[64] = {};   // option 12 as sent (msg.host_name_len bytes, may hold a NUL)
  char msg_class_id[128] = {};   // option 60
};

}  // namespace flowprobe::dissect
