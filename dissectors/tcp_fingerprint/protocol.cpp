// TCP SYN and SYN/ACK fingerprints (p0f's raw signatures): the protocol's descriptor and its sightings' eve object ("event_type":"tcp_fingerprint").
#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>

#include "dissectors/tcp_fingerprint/tcp_fingerprint.hpp"
#include "dissectors/protocols.hpp"
#include "dissectors/tcp_fingerprint/p0f_db.hpp"
#include "export/eve.hpp"
#include "export/zeek_format.hpp"

namespace flowprobe::dissect {
namespace {

// p0f's raw_sig: ver:ttl+distance:olen:mss:wsize,scale:olayout:quirks:pclass, the
// distance counted from the next of 32/64/128/255 at or above the TTL seen.
std::string_view raw_sig(const AssetEvent& e, char (&sig)[320]) {
  const unsigned ttl = e.ttl, ittl = ttl <= 32 ? 32 : ttl <= 64 ? 64 : ttl <= 128 ? 128 : 255;
  char mss[8], win[24], dist[8] = "?";
  std::snprintf(mss, sizeof mss, "%u", e.tcp_mss);
  if (ittl - ttl <= 35) std::snprintf(dist, sizeof dist, "%u", ittl - ttl);  // p0f: farther is implausible
  const WindowMultiple multiple = window_multiple(e);
  if (multiple.n > 0) std::snprintf(win, sizeof win, "%s*%u", multiple.mtu ? "mtu" : "mss", multiple.n);
  else std::snprintf(win, sizeof win, "%u", e.tcp_window);
  const int n = std::snprintf(sig, sizeof sig, "%u:%u+%s:%u:%s:%s,%u:%s:%s:0", e.ip_version, ttl, dist,
                              e.ip_olen, mss, win, e.tcp_wscale == 0xFF ? 0u : e.tcp_wscale, e.class_id,
                              e.param_list);
  return {sig, std::min<std::size_t>(static_cast<std::size_t>(std::max(n, 0)), sizeof sig - 1)};
}

// Matched where the OS is written (on the exporter, for the sightings that are written),
// not on the RX core for every SYN: a match walks p0f's ~320 request signatures, about
// 200 ns (bench BM_P0fMatchSyn), which a SYN flood would pay per packet.
std::string_view os_of(const AssetEvent& e) {
  const P0fDb* db = p0f_db();
  if (db == nullptr) return "???";
  AssetEvent m = e;
  db->match(m);
  return db->os(m.u.tcp.label);
}

void write_event(const AssetEvent& e, JsonWriter& w) {
  std::array<char, 46> ip;
  std::array<char, 17> mac;
  const auto addr = [&](const std::array<uint8_t, 16>& a, uint8_t v) { return eve::addr(a, v, ip); };
  char buf[320];
  const std::string_view sig = raw_sig(e, buf);
  w.key("tcp_fingerprint");
  w.begin_object();
  w.key("packet");
  w.value_raw_string(e.op == 2 ? "syn+ack" : "syn");
  w.key("os");
  w.value_string(os_of(e));
  w.key("raw_sig");
  w.value_string(sig);
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

// p0f-k.log (spec §2.6): a row per SYN and SYN/ACK, describing its sender, with p0f's
// OS guess from its database (p0f_db.hpp) and the raw signature it was made from.
bool write_log_key(const AssetEvent& e, std::string& o) {
  using namespace zeek;
  put(o, e.op == 2 ? "syn+ack" : "syn");
  tab(o);
  put_addr(o, e.ip_version, e.src_ip);
  tab(o);
  put_mac(o, e.src_mac);
  tab(o);
  zeek_escape(os_of(e), o);
  tab(o);
  char buf[320];
  zeek_escape(raw_sig(e, buf), o);
  return true;
}

const AssetLog kP0fLog{
    .name = "p0f-k",
    .fields = "ts\tmod\tsrc_ip\tsrc_mac\tos\traw_sig",
    .types = "time\tstring\taddr\tstring\tstring\tstring",
    .write_key = write_log_key,
    .aggregate = false,
};

}  // namespace

const Protocol kTcpFingerprintProtocol{
    .name = "tcp_fingerprint",
    .kind = AppKind::tcp_fingerprint,
    .asset = &kTcpFingerprintAsset,
    .write_event = write_event,
    .asset_log = &kP0fLog,
};

}  // namespace flowprobe::dissect
