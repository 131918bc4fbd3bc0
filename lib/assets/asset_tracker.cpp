#include "assets/asset_tracker.hpp"

#include <algorithm>
#include <bit>
#include <string_view>
#include <utility>
#include <cstdio>
#include <cstring>

#include "export/json_writer.hpp"

namespace flowprobe {

namespace {
uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

// FNV-1a over the bytes that make two sightings the same.
uint64_t mix(uint64_t h, const void* p, std::size_t n) {
  const auto* b = static_cast<const uint8_t*>(p);
  for (std::size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 0x100000001b3ull;
  return h;
}

template <std::size_t N>
void copy_text(char (&dst)[N], std::string_view s) {
  const std::size_t n = s.size() < N - 1 ? s.size() : N - 1;
  if (n) std::memcpy(dst, s.data(), n);  // an absent header is an empty view with no data
  dst[n] = '\0';
}
// The fields every packet sighting starts from: its time, VLAN, port and addresses.
void begin_event(AssetEvent& out, AssetKind kind, const DecodedPacket& p, uint64_t ts_ns, uint16_t port) {
  out = AssetEvent{};
  out.ts_ns = ts_ns;
  out.kind = kind;
  out.vlan = p.vlan_inner ? p.vlan_inner : p.vlan_outer;
  out.input_port = port;
  out.ip_version = p.ip_version;
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

bool AssetTracker::fresh(const AssetEvent& e) noexcept {
  ++counters_.sightings;
  if (cfg_.dedup_window_ns == 0) return true;
  // Everything but the time identifies the sighting; a TCP fingerprint belongs to its
  // sender whatever the connection, so the peer and the ports do not count.
  AssetEvent key = e;
  if (e.kind == AssetKind::tcp_fingerprint) {
    key.dst_ip = {};
    key.src_port = key.dst_port = 0;
  }
  uint64_t h = mix(0xcbf29ce484222325ull, reinterpret_cast<const uint8_t*>(&key) + sizeof(key.ts_ns), sizeof(key) - sizeof(key.ts_ns));
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

bool AssetTracker::on_arp(const DecodedPacket& frame, std::span<const uint8_t> a, uint64_t ts_ns, uint16_t port,
                          AssetEvent& out) noexcept {
  // Ethernet/IPv4 ARP only (htype 1, ptype 0x0800, hlen 6, plen 4): 28 bytes.
  if (a.size() < 28 || be16(a.data()) != 1 || be16(a.data() + 2) != 0x0800 || a[4] != 6 || a[5] != 4) {
    ++counters_.malformed;
    return false;
  }
  begin_event(out, AssetKind::arp, frame, ts_ns, port);
  out.op = static_cast<uint8_t>(be16(a.data() + 6));
  out.ip_version = 4;
  out.src_ip = out.dst_ip = {};  // the addresses are the ARP body's, not an IP header's
  std::memcpy(out.src_mac.data(), a.data() + 8, 6);
  std::memcpy(out.src_ip.data(), a.data() + 14, 4);
  std::memcpy(out.dst_mac.data(), a.data() + 18, 6);
  std::memcpy(out.dst_ip.data(), a.data() + 24, 4);
  return fresh(out);
}

bool AssetTracker::on_icmpv6(const DecodedPacket& p, uint64_t ts_ns, uint16_t port, AssetEvent& out) noexcept {
  if (p.ip_version != 6 || p.l4_proto != 58 || p.icmp_type < 133 || p.icmp_type > 136) return false;
  // The payload starts after the ICMPv6 type, code and checksum. Router solicitation:
  // 4 reserved bytes; advertisement: 12; neighbour solicitation/advertisement: 4 + target.
  const std::span<const uint8_t> m = p.payload;
  const std::size_t fixed = p.icmp_type == 133 ? 4 : p.icmp_type == 134 ? 12 : 20;
  if (m.size() < fixed) {
    ++counters_.malformed;
    return false;
  }
  begin_event(out, AssetKind::ndp, p, ts_ns, port);
  out.op = p.icmp_type;
  out.dst_ip = {};
  if (p.icmp_type >= 135) std::memcpy(out.dst_ip.data(), m.data() + 4, 16);  // target address
  // Options: type 1 source / 2 target link-layer address, length in units of 8 bytes.
  for (std::size_t off = fixed; off + 2 <= m.size();) {
    const uint8_t type = m[off], len8 = m[off + 1];
    if (len8 == 0 || off + len8 * 8u > m.size()) break;
    if ((type == 1 || type == 2) && len8 == 1) std::memcpy(out.dst_mac.data(), m.data() + off + 2, 6);
    off += len8 * 8u;
  }
  return fresh(out);
}

bool AssetTracker::on_udp(const DecodedPacket& p, uint64_t ts_ns, uint16_t port, AssetEvent& out) noexcept {
  if (p.l4_proto != 17) return false;
  const bool nb = p.src_port == 137 || p.dst_port == 137;
  // SSDP by its request line (some devices search on other ports, e.g. Plex's 32412),
  // answers by their source port.
  const std::string_view head(reinterpret_cast<const char*>(p.payload.data()), std::min<std::size_t>(p.payload.size(), 17));
  const bool ss = !nb && (head.starts_with("M-SEARCH * HTTP/1") || head.starts_with("NOTIFY * HTTP/1") ||
                          (p.src_port == 1900 && head.starts_with("HTTP/1.")));
  if (!nb && !ss) return false;
  begin_event(out, nb ? AssetKind::netbios_ns : AssetKind::ssdp, p, ts_ns, port);
  if (!(nb ? netbios(p, out) : ssdp(p, out))) {
    ++counters_.malformed;
    return false;
  }
  return fresh(out);
}

// NetBIOS name service (RFC 1002 4.2): a 12-byte header, then the question (or, in a
// response, the answer) name in first-level encoding: 0x20, 32 letters 'A'..'P' carrying
// 16 bytes (15 of name, space padded, and the service type), then the scope labels.
bool AssetTracker::netbios(const DecodedPacket& p, AssetEvent& out) noexcept {
  const std::span<const uint8_t> m = p.payload;
  if (m.size() < 12 + 34) return false;
  const uint16_t flags = be16(m.data() + 2);
  const bool response = flags & 0x8000;
  out.op = static_cast<uint8_t>(((flags >> 11) & 0xF) + (response ? 16 : 0));
  if (m[12] != 0x20) return false;
  char name[16];
  for (int i = 0; i < 16; ++i) {
    const uint8_t hi = m[13 + 2 * i], lo = m[14 + 2 * i];
    if (hi < 'A' || hi > 'P' || lo < 'A' || lo > 'P') return false;
    name[i] = static_cast<char>((hi - 'A') << 4 | (lo - 'A'));
  }
  int len = 15;
  while (len > 0 && (name[len - 1] == ' ' || name[len - 1] == '\0')) --len;
  for (int i = 0; i < len; ++i)
    if (static_cast<unsigned char>(name[i]) < 0x20 || static_cast<unsigned char>(name[i]) > 0x7e) name[i] = '?';
  copy_text(out.host_name, std::string_view(name, static_cast<std::size_t>(len)));
  out.msg_types = static_cast<uint8_t>(name[15]);
  // Skip the scope labels to the record's type and class, then (answers, and the
  // additional record of a registration) a TTL.
  std::size_t off = 45;
  while (off < m.size() && m[off] != 0) off += 1u + m[off];
  off += 1;  // the terminating zero
  const uint16_t qd = be16(m.data() + 4), an = be16(m.data() + 6), ar = be16(m.data() + 10);
  if (response && an > 0 && off + 8 <= m.size()) {
    out.ttl = static_cast<uint32_t>(m[off + 4]) << 24 | m[off + 5] << 16 | m[off + 6] << 8 | m[off + 7];
  } else if (qd > 0 && ar > 0 && off + 4 + 12 <= m.size()) {
    // The additional record repeats the name by a 2-byte pointer: type, class, TTL follow.
    const std::size_t rr = off + 4;
    if ((m[rr] & 0xC0) == 0xC0) out.ttl = static_cast<uint32_t>(m[rr + 6]) << 24 | m[rr + 7] << 16 | m[rr + 8] << 8 | m[rr + 9];
  }
  return true;
}

// SSDP: HTTP-shaped text over UDP. The method (NOTIFY, M-SEARCH, or HTTP/1.1 for an
// answer), then the SERVER and USER-AGENT headers.
bool AssetTracker::ssdp(const DecodedPacket& p, AssetEvent& out) noexcept {
  const std::string_view t(reinterpret_cast<const char*>(p.payload.data()), p.payload.size());
  const std::size_t sp = t.find(' ');
  if (sp == std::string_view::npos || sp == 0 || sp > 16) return false;
  const std::string_view method = t.substr(0, sp);
  if (method != "NOTIFY" && method != "M-SEARCH" && !method.starts_with("HTTP/")) return false;
  copy_text(out.class_id, method.starts_with("HTTP/") ? std::string_view("response") : method);
  const auto header = [&](std::string_view name) -> std::string_view {
    for (std::size_t at = t.find('\n'); at != std::string_view::npos && at + 1 < t.size(); at = t.find('\n', at + 1)) {
      const std::string_view line = t.substr(at + 1, t.find('\n', at + 1) - at - 1);
      if (line.size() <= name.size() || line[name.size()] != ':') continue;
      bool same = true;
      for (std::size_t i = 0; i < name.size() && same; ++i)
        same = (line[i] | 0x20) == (name[i] | 0x20);
      if (!same) continue;
      std::string_view v = line.substr(name.size() + 1);
      while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
      while (!v.empty() && (v.back() == '\r' || v.back() == ' ')) v.remove_suffix(1);
      return v;
    }
    return {};
  };
  copy_text(out.host_name, header("SERVER"));
  copy_text(out.param_list, header("USER-AGENT"));
  return true;
}

// p0f v3's raw signature of a SYN (or SYN/ACK): ver:ittl:olen:mss:wsize,scale:olayout:
// quirks:pclass. The option layout and quirks use p0f's names.
bool AssetTracker::on_tcp(const DecodedPacket& p, std::span<const uint8_t> l3, uint64_t ts_ns, uint16_t port,
                          AssetEvent& out) noexcept {
  if (p.l4_proto != 6 || !(p.tcp_flags & 0x02) || (p.tcp_flags & 0x04)) return false;  // SYN, not RST
  begin_event(out, AssetKind::tcp_fingerprint, p, ts_ns, port);
  out.op = (p.tcp_flags & 0x10) ? 2 : 1;
  out.src_port = p.src_port;
  out.dst_port = p.dst_port;
  out.tcp_window = p.tcp_window;
  out.ttl = p.ttl;
  std::string_view layout_sep;
  std::size_t lo = 0, qo = 0;
  const auto add = [](auto& dst, std::size_t& at, std::string_view sep, std::string_view what) {
    for (std::string_view part : {sep, what})
      for (char c : part)
        if (at + 1 < sizeof dst) dst[at++] = c;
    dst[at] = '\0';
  };
  // Options: kind, length, data; EOL ends the list (p0f counts the padding after it).
  const std::span<const uint8_t> o = p.tcp_options;
  bool ts1_zero = false, bad = false;
  for (std::size_t i = 0; i < o.size();) {
    const uint8_t kind = o[i];
    char name[16];
    std::string_view n;
    std::size_t len = 1;
    if (kind == 0) {
      const int k = std::snprintf(name, sizeof name, "eol+%zu", o.size() - i - 1);
      n = {name, static_cast<std::size_t>(k)};
      add(out.class_id, lo, layout_sep, n);
      break;
    }
    if (kind != 1) {
      if (i + 1 >= o.size() || o[i + 1] < 2 || i + o[i + 1] > o.size()) {
        bad = true;
        break;
      }
      len = o[i + 1];
    }
    switch (kind) {
      case 1: n = "nop"; break;
      case 2:
        n = "mss";
        if (len == 4) out.tcp_mss = be16(o.data() + i + 2);
        break;
      case 3:
        n = "ws";
        if (len == 3) out.tcp_wscale = o[i + 2];
        break;
      case 4: n = "sok"; break;
      case 5: n = "sack"; break;
      case 8:
        n = "ts";
        if (len == 10) {
          ts1_zero = o[i + 2] == 0 && o[i + 3] == 0 && o[i + 4] == 0 && o[i + 5] == 0;
          out.ts1_nonzero = !ts1_zero;
        }
        break;
      default: {
        const int k = std::snprintf(name, sizeof name, "?%u", kind);
        n = {name, static_cast<std::size_t>(k)};
      }
    }
    add(out.class_id, lo, layout_sep, n);
    layout_sep = ",";
    i += len;
  }
  // Quirks from the IP header (DF, IP id) and the TCP header.
  std::string_view qsep;
  const auto quirk = [&](std::string_view q) {
    add(out.param_list, qo, qsep, q);
    qsep = ",";
  };
  if (p.ip_version == 4 && l3.size() >= 20) {
    const bool df = l3[6] & 0x40;
    const uint16_t id = be16(l3.data() + 4);
    out.ip_olen = static_cast<uint8_t>((l3[0] & 0x0F) * 4 - 20);
    out.tot_hdr = static_cast<uint16_t>((l3[0] & 0x0F) * 4 + 20 + o.size());
    if (df) quirk("df");
    if (df && id != 0) quirk("id+");
    if (!df && id == 0) quirk("id-");
    if (l3[1] & 0x03) quirk("ecn");
  } else if (p.ip_version == 6 && l3.size() >= 40) {
    out.tot_hdr = static_cast<uint16_t>(40 + 20 + o.size());
    if ((l3[1] & 0x0F) || l3[2] || l3[3]) quirk("flow");
    if ((l3[1] >> 4) & 0x03) quirk("ecn");
  }
  if (p.tcp_flags & 0xC0) quirk("ecn");  // ECE/CWR on a SYN
  if (p.tcp_seq == 0) quirk("seq-");
  if (out.op == 1 && p.tcp_ack != 0) quirk("ack+");
  if (out.op == 2 && p.tcp_ack == 0) quirk("ack-");
  if (p.tcp_flags & 0x08) quirk("pushf+");
  if (ts1_zero) quirk("ts1-");
  if (out.tcp_wscale != 0xFF && out.tcp_wscale > 14) quirk("exws");
  if (bad) quirk("bad");
  return fresh(out);
}

bool AssetTracker::on_dhcp(const FlowRecord& r, const dissect::DhcpMeta& d, AssetEvent& out) noexcept {
  out = AssetEvent{};
  out.ts_ns = r.first_ns;
  out.kind = AssetKind::dhcp;
  out.op = d.first_msg_type;
  out.vlan = r.vlan;
  out.input_port = r.input_port;
  out.ip_version = 4;
  out.src_mac = d.client_mac;
  out.src_ip = r.src_ip;
  out.dst_ip = r.dst_ip;
  out.requested_ip = d.requested_ip;
  out.assigned_ip = d.assigned_ip;
  out.msg_types = d.msg_types;
  copy_text(out.host_name, d.host_name.view());
  copy_text(out.class_id, d.class_id.view());
  copy_text(out.param_list, d.param_list.view());
  return fresh(out);
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

const char* dhcp_type_name(unsigned t) {
  static const char* const kNames[] = {"",        "discover", "offer",   "request", "decline", "ack",
                                       "nak",     "release",  "inform",  "forcerenew", "leasequery",
                                       "leaseunassigned", "leaseunknown", "leaseactive", "bulkleasequery",
                                       "leasequerydone"};
  return t < std::size(kNames) ? kNames[t] : "unknown";
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
      w.value_raw_string("dhcp");
      w.key("dhcp");
      w.begin_object();
      w.key("client_mac");
      w.value_raw_string(mac_lower(e.src_mac, mac));
      w.key("client_ip");
      w.value_raw_string(addr(e.src_ip, 4));
      w.key("server_ip");
      w.value_raw_string(addr(e.dst_ip, 4));
      std::array<uint8_t, 16> a{};
      std::memcpy(a.data(), e.requested_ip.data(), 4);
      w.key("requested_ip");
      w.value_raw_string(addr(a, 4));
      std::memcpy(a.data(), e.assigned_ip.data(), 4);
      w.key("assigned_ip");
      w.value_raw_string(addr(a, 4));
      w.key("hostname");
      w.value_string(e.host_name);
      w.key("vendor_class_identifier");
      w.value_string(e.class_id);
      w.key("params");
      w.value_string(e.param_list);
      w.key("dhcp_types");
      std::string types;  // exporter side: at most 15 short names
      for (unsigned t = 1; t < 16; ++t)
        if (e.msg_types & (1u << t)) {
          if (!types.empty()) types += ',';
          types += dhcp_type_name(t);
        }
      w.value_raw_string(types);
      w.end_object();
      break;
    }
  }
  w.end_object();
}

}  // namespace flowprobe
