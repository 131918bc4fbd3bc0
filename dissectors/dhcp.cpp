#include "dissectors/dhcp.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "dissectors/bytes.hpp"

namespace flowprobe::dissect {
namespace {

constexpr std::size_t kOptionsOffset = 240;  // fixed BOOTP header + magic cookie
constexpr uint8_t kCookie[4] = {99, 130, 83, 99};

bool has_cookie(std::span<const uint8_t> p) {
  return p.size() >= kOptionsOffset && std::equal(kCookie, kCookie + 4, p.begin() + 236);
}

}  // namespace

bool parse_dhcp_message(std::span<const uint8_t> msg, DhcpMeta& m) {
  if (!has_cookie(msg)) return false;
  const uint8_t op = msg[0];
  if (msg[1] == 1 && msg[2] == 6) std::copy_n(msg.begin() + 28, 6, m.client_mac.begin());
  Reader r(msg.subspan(kOptionsOffset));
  uint8_t type = 0;
  while (r.remaining()) {
    const uint8_t code = r.u8();
    if (code == 0) continue;
    if (code == 255) break;
    auto v = r.bytes(r.u8());
    if (!r.ok()) break;
    switch (code) {
      case 53: if (v.size() == 1) type = v[0]; break;
      case 12: if (m.host_name.empty()) m.host_name.assign(as_text(v)); break;
      case 60: if (m.class_id.empty()) m.class_id.assign(as_text(v)); break;
      case 50: if (v.size() == 4) std::copy_n(v.begin(), 4, m.requested_ip.begin()); break;
      case 55:
        if (m.param_list.empty()) {
          char tmp[5];
          for (std::size_t i = 0; i < v.size(); ++i) {
            const int n = std::snprintf(tmp, sizeof tmp, "%s%u", i ? "," : "", v[i]);
            m.param_list.append(std::string_view(tmp, static_cast<std::size_t>(n)));
          }
        }
        break;
      default: break;
    }
  }
  if (type >= 1 && type <= 15) m.msg_types = static_cast<uint16_t>(m.msg_types | 1u << type);
  if (!m.first_msg_type) m.first_msg_type = type;
  if (type) m.last_msg_type = type;
  if (op == 2 && (type == 2 || type == 5)) std::copy_n(msg.begin() + 16, 4, m.assigned_ip.begin());
  return true;
}

Probe dhcp_probe(const PacketContext& c) noexcept {
  const bool ports = (c.server_port == 67 || c.server_port == 68) && (c.client_port == 67 || c.client_port == 68);
  if (!ports || c.payload.size() < kOptionsOffset) return Probe::not_mine;
  return has_cookie(c.payload) && (c.payload[0] == 1 || c.payload[0] == 2) ? Probe::certain : Probe::not_mine;
}

Parse DhcpState::parse(const PacketContext& c, AppMetadata& meta) noexcept {
  meta.set_kind(AppKind::dhcp);
  DhcpMeta& m = meta.u.dhcp;
  if (!parse_dhcp_message(c.payload, m)) return Parse::cont;
  // ACK/NAK end an exchange; past a few messages a flow adds nothing new.
  if (++messages >= 8 || m.last_msg_type == 5 || m.last_msg_type == 6) return Parse::done;
  return Parse::cont;
}

const Dissector kDhcpDissector{
    .name = "dhcp",
    .kind = AppKind::dhcp,
    .l4_mask = l4::udp,
    .ports = {67, 68, 0, 0, 0, 0},
    .state_size = sizeof(DhcpState),
    .state_align = alignof(DhcpState),
    .probe = dhcp_probe,
    .init = init_of<DhcpState>(),
    .parse = parse_of<DhcpState>(),
};

}  // namespace flowprobe::dissect
