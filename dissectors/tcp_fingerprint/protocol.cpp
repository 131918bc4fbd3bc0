// TCP SYN and SYN/ACK fingerprints (p0f's raw signatures): the protocol's descriptor and its sightings' eve object ("event_type":"tcp_fingerprint").
#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>

#include "dissectors/tcp_fingerprint/tcp_fingerprint.hpp"
#include "dissectors/protocols.hpp"
#include "export/eve.hpp"

namespace flowprobe::dissect {
namespace {

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

void write_event(const AssetEvent& e, JsonWriter& w) {
  std::array<char, 46> ip;
  std::array<char, 17> mac;
  const auto addr = [&](const std::array<uint8_t, 16>& a, uint8_t v) { return eve::addr(a, v, ip); };
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
  w.value_raw_string(eve::mac_lower(e.src_mac, mac));
  w.key("src_ip");
  w.value_raw_string(addr(e.src_ip, e.ip_version));
  w.key("src_port");
  w.value_uint(e.src_port);
  w.key("dest_ip");
  w.value_raw_string(addr(e.dst_ip, e.ip_version));
  w.key("dest_port");
  w.value_uint(e.dst_port);
  w.end_object();
}

}  // namespace

const Protocol kTcpFingerprintProtocol{
    .name = "tcp_fingerprint",
    .kind = AppKind::tcp_fingerprint,
    .asset = &kTcpFingerprintAsset,
    .write_event = write_event,
};

}  // namespace flowprobe::dissect
