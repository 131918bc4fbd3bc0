#include "dissectors/dhcp/dhcp.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "dissectors/dhcp/dhcp.hpp"
#include "dissectors/bytes.hpp"

namespace flowprobe::dissect {
namespace {

constexpr std::size_t kOptionsOffset = 240;  // fixed BOOTP header + magic cookie
constexpr uint8_t kCookie[4] = {99, 130, 83, 99};

bool has_cookie(std::span<const uint8_t> p) {
  return p.size() >= kOptionsOffset && std::equal(kCookie, kCookie + 4, p.begin() + 236);
}

// Calls f(code, value) for every option: those after the cookie, then, when option 52
// says so, those in the BOOTP file (1) and sname (2) fields (RFC 2132 9.3). Stops at
// the end option or the first option that runs past its area.
template <typename F>
void for_each_option(std::span<const uint8_t> msg, F&& f) {
  uint8_t overload = 0;
  const auto walk = [&](std::span<const uint8_t> area) {
    Reader r(area);
    while (r.remaining()) {
      const uint8_t code = r.u8();
      if (code == 0) continue;
      if (code == 255) break;
      auto v = r.bytes(r.u8());
      if (!r.ok()) break;
      if (code == 52 && v.size() == 1) overload = v[0];
      f(code, v);
    }
  };
  walk(msg.subspan(kOptionsOffset));
  if (overload & 1) walk(msg.subspan(108, 128));
  if (overload & 2) walk(msg.subspan(44, 64));
}

}  // namespace

bool parse_dhcp_message(std::span<const uint8_t> msg, DhcpMeta& m) {
  if (!has_cookie(msg)) return false;
  const uint8_t op = msg[0];
  if (msg[1] == 1 && msg[2] == 6) std::copy_n(msg.begin() + 28, 6, m.client_mac.begin());
  uint8_t type = 0;
  for_each_option(msg, [&](uint8_t code, std::span<const uint8_t> v) {
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
  });
  if (type >= 1 && type <= 15) m.msg_types = static_cast<uint16_t>(m.msg_types | 1u << type);
  if (!m.first_msg_type) m.first_msg_type = type;
  if (type) m.last_msg_type = type;
  if (op == 2 && (type == 2 || type == 5)) std::copy_n(msg.begin() + 16, 4, m.assigned_ip.begin());
  return true;
}

bool parse_dhcp_fields(std::span<const uint8_t> msg, DhcpFields& f, char (&host_name)[64], char (&class_id)[128]) {
  if (!has_cookie(msg)) return false;
  f.bootp_op = msg[0];
  f.xid = be32(msg.data() + 4);
  std::copy_n(msg.begin() + 12, 4, f.client_ip.begin());
  std::copy_n(msg.begin() + 16, 4, f.assigned_ip.begin());
  std::copy_n(msg.begin() + 20, 4, f.next_server_ip.begin());
  std::copy_n(msg.begin() + 24, 4, f.relay_ip.begin());
  f.client_mac_len = std::min<uint8_t>(msg[2], 16);
  std::copy_n(msg.begin() + 28, f.client_mac_len, f.client_mac.begin());
  const auto addr4 = [](std::span<const uint8_t> v, std::array<uint8_t, 4>& a) {
    if (v.size() < 4) return false;
    std::copy_n(v.begin(), 4, a.begin());
    return true;
  };
  const auto addrs = [](std::span<const uint8_t> v, std::array<std::array<uint8_t, 4>, 4>& a, uint8_t& n) {
    for (std::size_t i = 0; i + 4 <= v.size() && n < a.size(); i += 4) std::copy_n(v.begin() + i, 4, a[n++].begin());
  };
  for_each_option(msg, [&](uint8_t code, std::span<const uint8_t> v) {
    switch (code) {
      case 53: if (v.size() == 1) f.msg_type = v[0]; break;
      case 12:
        if (!f.host_name_len && !v.empty()) {
          f.host_name_len = static_cast<uint8_t>(std::min<std::size_t>(v.size(), sizeof host_name - 1));
          std::memcpy(host_name, v.data(), f.host_name_len);
          host_name[f.host_name_len] = '\0';
        }
        break;
      case 60: if (!class_id[0]) copy_text(class_id, as_text(v)); break;
      case 50: if (addr4(v, f.requested_ip)) f.present |= DhcpFields::kHasRequested; break;
      case 1: if (addr4(v, f.subnet_mask)) f.present |= DhcpFields::kHasSubnet; break;
      case 54: if (addr4(v, f.server_id)) f.present |= DhcpFields::kHasServerId; break;
      case 3: f.present |= DhcpFields::kHasRouters; addrs(v, f.routers, f.n_routers); break;
      case 6: f.present |= DhcpFields::kHasDns; addrs(v, f.dns_servers, f.n_dns); break;
      case 51: if (v.size() == 4) { f.lease_time = be32(v.data()); f.present |= DhcpFields::kHasLease; } break;
      case 58: if (v.size() == 4) { f.renewal_time = be32(v.data()); f.present |= DhcpFields::kHasRenewal; } break;
      case 59: if (v.size() == 4) { f.rebinding_time = be32(v.data()); f.present |= DhcpFields::kHasRebinding; } break;
      case 55:
        if (!f.n_params) {
          f.n_params = static_cast<uint8_t>(std::min<std::size_t>(v.size(), sizeof f.params));
          std::copy_n(v.begin(), f.n_params, f.params);
        }
        break;
      case 61:  // a type byte (1: Ethernet), then the identifier
        if (!v.empty() && !f.client_id_len) {
          f.client_id_len = static_cast<uint8_t>(std::min<std::size_t>(v.size() - 1, sizeof f.client_id));
          std::copy_n(v.begin() + 1, f.client_id_len, f.client_id);
        }
        break;
      default: break;
    }
  });
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
  // Each message is a transaction, in Suricata's eve terms.
  m.msg = DhcpFields{};
  std::memset(m.msg_host_name, 0, sizeof m.msg_host_name);
  std::memset(m.msg_class_id, 0, sizeof m.msg_class_id);
  if (parse_dhcp_fields(c.payload, m.msg, m.msg_host_name, m.msg_class_id)) emit_tx(c.tx, AppKind::dhcp, m, c.ts_ns);
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

// The asset side: every message between ports 67 and 68 (relays use 67 on both ends).
namespace {
bool dhcp_asset_probe(const AssetPacket& a) noexcept {
  const DecodedPacket& p = a.pkt;
  return !a.arp && p.l4_proto == 17 && (p.src_port == 67 || p.src_port == 68) && (p.dst_port == 67 || p.dst_port == 68);
}

AssetParse dhcp_asset_parse(const AssetPacket& in, AssetEvent& out) noexcept {
  out.dst_mac = in.pkt.dst_mac;
  out.src_port = in.pkt.src_port;
  out.dst_port = in.pkt.dst_port;
  if (!parse_dhcp_fields(in.pkt.payload, out.u.dhcp, out.host_name, out.class_id)) return AssetParse::malformed;
  out.op = out.u.dhcp.msg_type;
  return AssetParse::event;
}
}  // namespace

const AssetDissector kDhcpAsset{"dhcp", AssetKind::dhcp, asset_on::udp, {67, 68}, dhcp_asset_probe, dhcp_asset_parse};

}  // namespace flowprobe::dissect
