#include "assets/asset_tracker.hpp"

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

#include "dissectors/protocols.hpp"

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

CounterSource asset_counter_source(const AssetCounters& c) {
  static const CounterDefList defs = [] {
    CounterDefList d;
    d.add("assets.packets_seen", "packets shown to the asset parsers (ARP frames, tracked IP)");
    d.add("assets.not_asset_protocol", "of those, not a protocol the asset path reports");
    d.add("assets.malformed", "of those, claimed by an asset parser but malformed or cut");
    d.add("assets.sightings", "of those, asset sightings (by protocol below)");
    d.add("assets.suppressed_repeats", "sightings repeated within the de-duplication window");
    d.add("", "", CounterKind::counter, CounterShow::never);  // AppKind::none
    for (const dissect::Protocol* p : dissect::kProtocols) {
      if (p->asset == nullptr) d.add("", "", CounterKind::counter, CounterShow::never);
      else d.add("assets." + std::string(p->name), std::string(p->name) + " sightings");
    }
    return d;
  }();
  static_assert(sizeof(AssetCounters) == (5 + dissect::kProtocolCount + 1) * sizeof(uint64_t));
  return counter_source(defs.defs(), c);
}

AssetTracker::AssetTracker(const AssetConfig& cfg) : cfg_(cfg) {
  cfg_.dedup_slots = static_cast<uint32_t>(std::bit_ceil(std::max<uint32_t>(cfg_.dedup_slots, 16)));
  keys_ = std::make_unique<uint64_t[]>(cfg_.dedup_slots);
  seen_ns_ = std::make_unique<uint64_t[]>(cfg_.dedup_slots);
}

bool AssetTracker::on_packet(const DecodedPacket& p, bool arp, uint64_t ts_ns, uint16_t port, AssetEvent& out,
                             uint16_t ethertype) noexcept {
  ++counters_.packets;
  // Every asset dissector wants an ARP frame, UDP, ICMPv6 or a TCP SYN: the rest of the
  // traffic (TCP segments above all) leaves after one compare, not nine probes.
  if (!arp && ethertype == 0 && p.l4_proto != 17 && p.l4_proto != 58 && !(p.l4_proto == 6 && (p.tcp_flags & 0x02))) {
    ++counters_.not_mine;
    return false;
  }
  const dissect::AssetPacket in{p, arp, ethertype};
  for (const dissect::Protocol* proto : dissect::kProtocols) {
    const dissect::AssetDissector* d = proto->asset;
    if (d == nullptr || !d->may_want(in) || !d->probe(in)) continue;
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

bool AssetTracker::fresh(AssetEvent& e) noexcept {
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
    if (cfg_.send_repeats) {
      e.repeat = 1;
      return true;
    }
    ++counters_.suppressed;
    return false;
  }
  keys_[slot] = h;
  seen_ns_[slot] = e.ts_ns;
  return true;
}

}  // namespace flowprobe
