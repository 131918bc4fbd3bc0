#include "assets/asset_tracker.hpp"

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

#include "dissectors/asset_table.hpp"
#include "export/json_writer.hpp"

namespace flowprobe {

namespace {
// A hash of the bytes that make two sightings the same, eight at a time (an event is
// about 500 bytes, and a SYN makes one on every connection): multiply-xorshift per word.
uint64_t mix(uint64_t h, const void* p, std::size_t n) {
  const auto* b = static_cast<const uint8_t*>(p);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, b + i, 8);
    h = (h ^ w) * 0x9E3779B97F4A7C15ull;
    h ^= h >> 29;
  }
  for (; i < n; ++i) h = (h ^ b[i]) * 0x100000001b3ull;
  return h;
}

// The fields every sighting starts from: its time, VLAN, port, sender MAC and addresses.
// Zeroed bytes first, padding included, so that the de-duplication hash is stable. The
// destination MAC and the ports are left to the dissectors that report them, so that
// kinds that do not (ARP, NDP, NetBIOS-NS, SSDP) de-duplicate across them.
void begin_event(AssetEvent& out, AssetKind kind, const DecodedPacket& p, uint64_t ts_ns, uint16_t port) {
  std::memset(static_cast<void*>(&out), 0, sizeof out);
  out.tcp_wscale = 0xFF;
  out.ts_ns = ts_ns;
  out.kind = kind;
  out.vlan = p.vlan_inner ? p.vlan_inner : p.vlan_outer;
  out.input_port = port;
  out.ip_version = p.ip_version;
  out.l4_proto = p.l4_proto;
  out.src_mac = p.src_mac;
  out.src_ip = p.src_ip;
  out.dst_ip = p.dst_ip;
}
}  // namespace

AssetTracker::AssetTracker(const AssetConfig& cfg) : cfg_(cfg) {
  cfg_.dedup_slots = static_cast<uint32_t>(std::bit_ceil(std::max<uint32_t>(cfg_.dedup_slots, 16)));
  keys_ = std::make_unique<uint64_t[]>(cfg_.dedup_slots);
  seen_ns_ = std::make_unique<uint64_t[]>(cfg_.dedup_slots);
}

bool AssetTracker::on_packet(const DecodedPacket& p, bool arp, uint64_t ts_ns, uint16_t port, AssetEvent& out) noexcept {
  ++counters_.packets;
  // Every asset dissector wants an ARP frame, UDP, ICMPv6 or a TCP SYN: the rest of the
  // traffic (TCP segments above all) leaves after one compare, not nine probes.
  if (!arp && p.l4_proto != 17 && p.l4_proto != 58 && !(p.l4_proto == 6 && (p.tcp_flags & 0x02))) {
    ++counters_.not_mine;
    return false;
  }
  const dissect::AssetPacket in{p, arp};
  for (const dissect::AssetDissector* d : dissect::kAssetDissectors) {
    if (!d->may_want(in) || !d->probe(in)) continue;
    begin_event(out, d->kind, p, ts_ns, port);
    switch (d->parse(in, out)) {
      case dissect::AssetParse::event:
        ++counters_.by_kind[static_cast<std::size_t>(d->kind)];
        return fresh(out);
      case dissect::AssetParse::malformed: ++counters_.malformed; return false;
      case dissect::AssetParse::not_mine: ++counters_.not_mine; return false;
    }
  }
  ++counters_.not_mine;
  return false;
}

bool AssetTracker::fresh(const AssetEvent& e) noexcept {
  ++counters_.sightings;
  if (cfg_.dedup_window_ns == 0) return true;
  // Everything but the time identifies the sighting, except what changes from one
  // packet of the same sighting to the next: a TCP fingerprint belongs to its sender
  // whatever the connection (peer and ports do not count), a CC-Link station's cyclic
  // frames differ only by their sequence number, a browser's announcements by their
  // update count.
  AssetEvent key;
  std::memcpy(static_cast<void*>(&key), &e, sizeof key);  // bytes as they are, padding included
  if (e.kind == AssetKind::tcp_fingerprint) {
    key.dst_ip = {};
    key.src_port = key.dst_port = 0;
  } else if (e.kind == AssetKind::cclink_ief_basic) {
    key.u.cclink.frame_sequence_no = 0;
  } else if (e.kind == AssetKind::cifs_browser) {
    key.u.cifs.update_count = 0;
  }
  constexpr std::size_t kFrom = offsetof(AssetEvent, kind), kTo = offsetof(AssetEvent, u) + sizeof(AssetEvent::Fields);
  uint64_t h = mix(0xcbf29ce484222325ull, reinterpret_cast<const uint8_t*>(&key) + kFrom, kTo - kFrom);
  h |= 1;  // 0 marks an empty slot
  const std::size_t slot = (h >> 17) & (cfg_.dedup_slots - 1);
  if (keys_[slot] == h && e.ts_ns >= seen_ns_[slot] && e.ts_ns - seen_ns_[slot] < cfg_.dedup_window_ns) {
    ++counters_.suppressed;
    return false;
  }
  keys_[slot] = h;
  seen_ns_[slot] = e.ts_ns;
  return true;
}

namespace {
// Suricata prints MACs in lower case.
std::string_view mac_lower(const std::array<uint8_t, 6>& m, std::array<char, 17>& buf) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 6; ++i) {
    buf[i * 3] = kHex[m[i] >> 4];
    buf[i * 3 + 1] = kHex[m[i] & 15];
    if (i < 5) buf[i * 3 + 2] = ':';
  }
  return {buf.data(), 17};
}

// Suricata's names: types 1..8, the rest "unknown".
const char* dhcp_type_name(unsigned t) {
  static const char* const kNames[] = {"unknown", "discover", "offer", "request", "decline",
                                       "ack",     "nak",      "release", "inform"};
  return t < std::size(kNames) ? kNames[t] : "unknown";
}

// Suricata logs only the requested parameters it has names for.
const char* dhcp_param_name(unsigned code) {
  switch (code) {
    case 1: return "subnet_mask";
    case 3: return "router";
    case 6: return "dns_server";
    case 15: return "domain";
    case 35: return "arp_timeout";
    case 42: return "ntp_server";
    case 66: return "tftp_server_name";
    case 150: return "tftp_server_ip";
  }
  return nullptr;
}

// RFC 8415 7.3, lower case.
const char* dhcpv6_type_name(unsigned t) {
  static const char* const kNames[] = {"unknown", "solicit", "advertise", "request", "confirm", "renew", "rebind",
                                       "reply", "release", "decline", "reconfigure", "information_request",
                                       "relay_forw", "relay_repl"};
  return t < std::size(kNames) ? kNames[t] : "unknown";
}

// [MS-RAP] 2.5.5.2.1 server type bits, Wireshark's short names.
constexpr const char* kServerTypeBits[32] = {
    "workstation", "server", "sql_server", "domain_controller", "backup_controller", "time_source", "apple",
    "novell", "domain_member", "print_queue", "dialin", "xenix", "nt_workstation", "wfw", "", "nt_server",
    "potential_browser", "backup_browser", "master_browser", "domain_master_browser", "osf", "vms",
    "windows_95", "dfs", "", "", "", "", "", "", "local_list_only", "domain_enum"};

// "aa:bb:…", Suricata's format_addr_hex.
std::string hex_bytes(const uint8_t* p, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    if (i) s.push_back(':');
    s.push_back(kHex[p[i] >> 4]);
    s.push_back(kHex[p[i] & 15]);
  }
  return s;
}

// A JSON string as eve writes it: control bytes (a host name's trailing NUL) as \u00XX
// rather than dropped, bytes above 0x7f as their Latin-1 code point so the line stays
// valid UTF-8.
std::string eve_string(std::string_view v) {
  std::string s = "\"";
  for (char ch : v) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      s.push_back('\\');
      s.push_back(ch);
    } else if (c < 0x20 || c >= 0x7f) {
      char b[8];
      std::snprintf(b, sizeof b, "\\u%04x", c);
      s.append(b);
    } else {
      s.push_back(ch);
    }
  }
  s.push_back('"');
  return s;
}

// p0f's detect_win_multi: the window as a multiple of the MSS (less 12 with
// timestamps), of a 1500-byte MTU's MSS, or of the MTU; {0, ""} when none divides it.
// (p0f also tries a SYN/ACK's peer MSS, which needs the SYN: not done here.)
std::pair<unsigned, const char*> window_multiple(const AssetEvent& e) {
  const unsigned win = e.tcp_window, mss = e.tcp_mss;
  if (win == 0 || mss < 100) return {0, ""};
  const auto div = [&](unsigned d) { return d != 0 && win % d == 0; };
  if (div(mss)) return {win / mss, "mss"};
  if (e.ts1_nonzero && div(mss - 12)) return {win / (mss - 12), "mss"};
  if (div(1460)) return {win / 1460, "mss"};
  if (div(1448)) return {win / 1448, "mss"};
  if (e.ip_version == 6 && div(1440)) return {win / 1440, "mss"};
  if (e.ip_version == 6 && div(1428)) return {win / 1428, "mss"};
  if (div(mss + 40)) return {win / (mss + 40), "mtu"};
  if (div(mss + e.tot_hdr)) return {win / (mss + e.tot_hdr), "mtu"};
  if (e.ip_version == 6 && div(mss + 60)) return {win / (mss + 60), "mtu"};
  if (div(1500)) return {win / 1500, "mtu"};
  return {0, ""};
}

const char* ndp_name(unsigned t) {
  switch (t) {
    case 133: return "router_solicitation";
    case 134: return "router_advertisement";
    case 135: return "neighbor_solicitation";
    case 136: return "neighbor_advertisement";
  }
  return "unknown";
}
}  // namespace

void write_asset_json(const AssetEvent& e, JsonWriter& w) {
  std::array<char, 64> ts;
  std::array<char, 46> ip;
  std::array<char, 17> mac;
  const auto addr = [&](const std::array<uint8_t, 16>& a, uint8_t v) {
    return v == 6 ? format_ipv6(a.data(), ip) : format_ipv4(a.data(), ip);
  };
  std::array<char, 46> ip4buf;
  const auto ip4 = [&](const std::array<uint8_t, 4>& a) { return std::string(format_ipv4(a.data(), ip4buf)); };
  // The eve envelope of the kinds added later: VLAN, addresses, ports, protocol, MACs.
  const auto eve_head = [&](std::string_view type) {
    w.value_raw_string(type);
    if (e.vlan) {
      w.key("vlan");
      w.value_uint(e.vlan);
    }
    w.key("src_ip");
    w.value_raw_string(addr(e.src_ip, e.ip_version));
    w.key("src_port");
    w.value_uint(e.src_port);
    w.key("dest_ip");
    w.value_raw_string(addr(e.dst_ip, e.ip_version));
    w.key("dest_port");
    w.value_uint(e.dst_port);
    w.key("proto");
    w.value_raw_string(e.l4_proto == 17 ? "UDP" : e.l4_proto == 6 ? "TCP" : "other");
    w.key("ether");
    w.begin_object();
    w.key("src_mac");
    w.value_raw_string(mac_lower(e.src_mac, mac));
    w.key("dest_mac");
    w.value_raw_string(mac_lower(e.dst_mac, mac));
    w.end_object();
  };
  // The sender's MAC and address, closing most kinds' objects.
  const auto sender = [&] {
    w.key("src_mac");
    w.value_raw_string(mac_lower(e.src_mac, mac));
    w.key("src_ip");
    w.value_raw_string(addr(e.src_ip, e.ip_version));
  };
  w.begin_object();
  w.key("timestamp");
  w.value_raw_string(format_eve_timestamp(e.ts_ns, ts));
  w.key("event_type");
  switch (e.kind) {
    case AssetKind::arp:
      w.value_raw_string("arp");
      if (e.vlan) {
        w.key("vlan");
        w.value_uint(e.vlan);
      }
      w.key("arp");
      w.begin_object();
      w.key("hw_type");
      w.value_raw_string("ethernet");
      w.key("proto_type");
      w.value_raw_string("ipv4");
      w.key("opcode");
      w.value_raw_string(e.op == 1 ? "request" : e.op == 2 ? "reply" : e.op == 3 ? "rarp_request" : e.op == 4 ? "rarp_reply" : "unknown");
      w.key("src_mac");
      w.value_raw_string(mac_lower(e.src_mac, mac));
      w.key("src_ip");
      w.value_raw_string(addr(e.src_ip, 4));
      w.key("dest_mac");
      w.value_raw_string(mac_lower(e.dst_mac, mac));
      w.key("dest_ip");
      w.value_raw_string(addr(e.dst_ip, 4));
      w.end_object();
      break;
    case AssetKind::ndp:
      w.value_raw_string("ndp");
      w.key("ndp");
      w.begin_object();
      w.key("type");
      w.value_raw_string(ndp_name(e.op));
      w.key("src_mac");
      w.value_raw_string(mac_lower(e.src_mac, mac));
      w.key("src_ip");
      w.value_raw_string(addr(e.src_ip, 6));
      if (e.op >= 135) {
        w.key("target_ip");
        w.value_raw_string(addr(e.dst_ip, 6));
      }
      if (e.dst_mac != std::array<uint8_t, 6>{}) {
        w.key("link_layer_address");
        w.value_raw_string(mac_lower(e.dst_mac, mac));
      }
      w.end_object();
      break;
    case AssetKind::netbios_ns: {
      static const char* const kOps[] = {"query", "", "", "", "", "registration", "release", "wack", "refresh", "refresh"};
      const unsigned op = e.op & 15;
      w.value_raw_string("netbios_ns");
      w.key("netbios_ns");
      w.begin_object();
      w.key("opcode");
      w.value_raw_string(op < std::size(kOps) && kOps[op][0] ? kOps[op] : "other");
      w.key("response");
      w.value_raw_string(e.op >= 16 ? "yes" : "no");
      w.key("name");
      w.value_string(e.host_name);
      w.key("service_type");
      w.value_uint(e.msg_types);
      w.key("ttl");
      w.value_uint(e.ttl);
      sender();
      w.end_object();
      break;
    }
    case AssetKind::ssdp:
      w.value_raw_string("ssdp");
      w.key("ssdp");
      w.begin_object();
      w.key("method");
      w.value_string(e.class_id);
      w.key("server");
      w.value_string(e.host_name);
      w.key("user_agent");
      w.value_string(e.param_list);
      sender();
      w.end_object();
      break;
    case AssetKind::tcp_fingerprint: {
      // p0f's raw_sig: ver:ttl+distance:olen:mss:wsize,scale:olayout:quirks:pclass, the
      // distance counted from the next of 32/64/128/255 at or above the TTL seen.
      const unsigned ttl = e.ttl, ittl = ttl <= 32 ? 32 : ttl <= 64 ? 64 : ttl <= 128 ? 128 : 255;
      char sig[320];
      char mss[8], win[24], dist[8] = "?";
      std::snprintf(mss, sizeof mss, "%u", e.tcp_mss);
      if (ittl - ttl <= 35) std::snprintf(dist, sizeof dist, "%u", ittl - ttl);  // p0f: farther is implausible
      const auto [multiple, unit] = window_multiple(e);
      if (multiple > 0) std::snprintf(win, sizeof win, "%s*%u", unit, multiple);
      else std::snprintf(win, sizeof win, "%u", e.tcp_window);
      const int n = std::snprintf(sig, sizeof sig, "%u:%u+%s:%u:%s:%s,%u:%s:%s:0", e.ip_version, ttl, dist,
                                  e.ip_olen, mss, win, e.tcp_wscale == 0xFF ? 0u : e.tcp_wscale, e.class_id,
                                  e.param_list);
      w.value_raw_string("tcp_fingerprint");
      w.key("tcp_fingerprint");
      w.begin_object();
      w.key("packet");
      w.value_raw_string(e.op == 2 ? "syn+ack" : "syn");
      w.key("raw_sig");
      w.value_string(std::string_view(sig, static_cast<std::size_t>(std::max(n, 0))));
      w.key("ttl");
      w.value_uint(e.ttl);
      w.key("window");
      w.value_uint(e.tcp_window);
      w.key("mss");
      w.value_uint(e.tcp_mss);
      w.key("options");
      w.value_string(e.class_id);
      w.key("quirks");
      w.value_string(e.param_list);
      w.key("src_mac");
      w.value_raw_string(mac_lower(e.src_mac, mac));
      w.key("src_ip");
      w.value_raw_string(addr(e.src_ip, e.ip_version));
      w.key("src_port");
      w.value_uint(e.src_port);
      w.key("dest_ip");
      w.value_raw_string(addr(e.dst_ip, e.ip_version));
      w.key("dest_port");
      w.value_uint(e.dst_port);
      w.end_object();
      break;
    }
    case AssetKind::dhcp: {
      // Suricata's eve "dhcp" with `extended: yes` (rust/src/dhcp/logger.rs).
      const DhcpFields& d = e.u.dhcp;
      eve_head("dhcp");
      w.key("dhcp");
      w.begin_object();
      w.key("type");
      w.value_raw_string(d.bootp_op == 1 ? "request" : d.bootp_op == 2 ? "reply" : "<unknown>");
      w.key("id");
      w.value_uint(d.xid);
      w.key("client_mac");
      w.value_raw_string(hex_bytes(d.client_mac.data(), d.client_mac_len));
      w.key("assigned_ip");
      w.value_raw_string(ip4(d.assigned_ip));
      w.key("client_ip");
      w.value_raw_string(ip4(d.client_ip));
      if (d.bootp_op == 2) {
        w.key("relay_ip");
        w.value_raw_string(ip4(d.relay_ip));
        w.key("next_server_ip");
        w.value_raw_string(ip4(d.next_server_ip));
      }
      if (d.client_id_len) {
        w.key("client_id");
        w.value_raw_string(hex_bytes(d.client_id, d.client_id_len));
      }
      if (d.msg_type) {
        w.key("dhcp_type");
        w.value_raw_string(dhcp_type_name(d.msg_type));
      }
      if (d.host_name_len) {
        w.key("hostname");
        w.value_json(eve_string(std::string_view(e.host_name, d.host_name_len)));
      }
      if (e.class_id[0]) {
        w.key("vendor_class_identifier");
        w.value_json(eve_string(e.class_id));
      }
      if (d.present & DhcpFields::kHasRequested) {
        w.key("requested_ip");
        w.value_raw_string(ip4(d.requested_ip));
      }
      if (d.n_params) {
        std::string a = "[";
        for (unsigned i = 0; i < d.n_params; ++i)
          if (const char* n = dhcp_param_name(d.params[i])) a.append(a.size() > 1 ? ",\"" : "\"").append(n).append("\"");
        w.key("params");
        w.value_json(a + "]");
      }
      if (d.present & DhcpFields::kHasLease) {
        w.key("lease_time");
        w.value_uint(d.lease_time);
      }
      if (d.present & DhcpFields::kHasRenewal) {
        w.key("renewal_time");
        w.value_uint(d.renewal_time);
      }
      if (d.present & DhcpFields::kHasRebinding) {
        w.key("rebinding_time");
        w.value_uint(d.rebinding_time);
      }
      if (d.present & DhcpFields::kHasSubnet) {
        w.key("subnet_mask");
        w.value_raw_string(ip4(d.subnet_mask));
      }
      const auto list = [&](const char* k, const std::array<std::array<uint8_t, 4>, 4>& v, unsigned n) {
        std::string a = "[";
        for (unsigned i = 0; i < n; ++i) a.append(i ? ",\"" : "\"").append(ip4(v[i])).append("\"");
        w.key(k);
        w.value_json(a + "]");
      };
      if (d.present & DhcpFields::kHasRouters) list("routers", d.routers, d.n_routers);
      if (d.present & DhcpFields::kHasDns) list("dns_servers", d.dns_servers, d.n_dns);
      w.end_object();
      break;
    }
    case AssetKind::dhcpv6: {
      const Dhcpv6Fields& d = e.u.dhcpv6;
      eve_head("dhcpv6");
      w.key("dhcpv6");
      w.begin_object();
      w.key("type");
      w.value_raw_string(dhcpv6_type_name(d.msg_type));
      w.key("transaction_id");
      w.value_uint(d.transaction_id);
      if (d.hop_count) {
        w.key("relay_hop_count");
        w.value_uint(d.hop_count);
      }
      if (d.duid_len) {
        w.key("client_duid");
        w.value_raw_string(hex_bytes(d.duid, d.duid_len));
      }
      if (d.has_lladdr) {
        w.key("client_mac");
        w.value_raw_string(mac_lower(d.lladdr, mac));
      }
      if (d.has_fqdn) {
        w.key("client_fqdn");
        w.value_json(eve_string(e.host_name));
        w.key("fqdn_flags");
        w.value_uint(d.fqdn_flags);
      }
      if (d.n_oro) {
        std::string a = "[";
        for (unsigned i = 0; i < d.n_oro; ++i) a.append(i ? "," : "").append(std::to_string(d.oro[i]));
        w.key("option_request");
        w.value_json(a + "]");
      }
      if (d.has_vendor_class) {
        w.key("vendor_enterprise");
        w.value_uint(d.enterprise);
        w.key("vendor_class");
        w.value_json(eve_string(e.class_id));
      }
      w.end_object();
      break;
    }
    case AssetKind::cifs_browser: {
      const CifsBrowserFields& c = e.u.cifs;
      eve_head("cifs_browser");
      w.key("cifs_browser");
      w.begin_object();
      w.key("command");
      w.value_raw_string(c.command == 1    ? "host_announcement"
                         : c.command == 12 ? "domain_announcement"
                                           : "local_master_announcement");
      w.key("server_name");
      w.value_json(eve_string(e.host_name));
      char buf[32];
      std::snprintf(buf, sizeof buf, "%u.%u", c.os_major, c.os_minor);
      w.key("os_version");
      w.value_raw_string(buf);
      std::snprintf(buf, sizeof buf, "0x%08x", c.server_type);
      w.key("server_type");
      w.value_raw_string(buf);
      std::string a = "[";
      for (unsigned bit = 0; bit < 32; ++bit)
        if ((c.server_type >> bit & 1) && kServerTypeBits[bit][0])
          a.append(a.size() > 1 ? ",\"" : "\"").append(kServerTypeBits[bit]).append("\"");
      w.key("server_types");
      w.value_json(a + "]");
      std::snprintf(buf, sizeof buf, "%u.%u", c.browser_major, c.browser_minor);
      w.key("browser_version");
      w.value_raw_string(buf);
      w.key("comment");
      w.value_json(eve_string(e.class_id));
      w.key("periodicity_ms");
      w.value_uint(c.periodicity_ms);
      w.key("netbios_source");
      w.value_json(eve_string(e.param_list));
      w.end_object();
      break;
    }
    case AssetKind::cclink_ief_basic: {
      const CclinkFields& c = e.u.cclink;
      const bool cyclic = e.src_port == 61450 || e.dst_port == 61450;
      eve_head("cclink_ief_basic");
      w.key("cclink_ief_basic");
      w.begin_object();
      w.key("pdu");
      w.value_raw_string(cyclic ? (c.response ? "cyclic_response" : "cyclic_request")
                                : (c.response ? "slmp_response" : "slmp_request"));
      char buf[16];
      const auto hex16 = [&](const char* k, unsigned v) {
        std::snprintf(buf, sizeof buf, "0x%04x", v);
        w.key(k);
        w.value_raw_string(buf);
      };
      if (!c.response) {
        hex16("command", c.command);
        if (c.command == 0x0E70) {
          w.key("command_name");
          w.value_raw_string("cyclic");
        }
        hex16("sub_command", c.sub_command);
      } else {
        hex16("end_code", c.end_code);
      }
      if (cyclic && (c.response || c.command == 0x0E70)) {
        w.key("protocol_version");
        w.value_uint(c.protocol_version);
        w.key("frame_sequence_no");
        w.value_uint(c.frame_sequence_no);
        w.key("group_no");
        w.value_uint(c.group_no);
        w.key(c.response ? "slave_id" : "master_id");
        w.value_raw_string(ip4(c.node_id));
        w.key("unit_info");
        w.value_raw_string(c.unit_info == 1 ? "running" : c.unit_info == 0 ? "stopped" : c.unit_info == 2 ? "stopped_by_user" : "other");
        if (!c.response) {
          w.key("occupied_stations");
          w.value_uint(c.occupied_stations);
          w.key("parameter_no");
          w.value_uint(c.parameter_no);
          hex16("cyclic_state", c.cyclic_state);
        } else {
          hex16("vendor_code", c.vendor_code);
          std::snprintf(buf, sizeof buf, "0x%08x", c.model_code);
          w.key("model_code");
          w.value_raw_string(buf);
          hex16("equipment_version", c.equipment_version);
        }
      }
      w.end_object();
      break;
    }
  }
  w.end_object();
}

}  // namespace flowprobe
