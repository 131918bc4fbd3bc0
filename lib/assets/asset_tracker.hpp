#pragma once
// Per-RX-core asset sightings: parses ARP frames and ICMPv6 neighbour discovery, turns a
// finished DHCP flow's metadata into an event, and de-duplicates: the same sighting
// (kind, operation, addresses, names) within the window is counted, not sent again.
// A fixed direct-mapped table remembers recent sightings; nothing is allocated per packet.
#include <cstdint>
#include <memory>
#include <span>

#include "assets/asset_event.hpp"
#include "decode/decoder.hpp"
#include "dissectors/app_metadata.hpp"
#include "flow/flow_record.hpp"

namespace flowprobe {

struct AssetConfig {
  uint64_t dedup_window_ns = 300'000'000'000ull;  // 0: every sighting is an event
  uint32_t dedup_slots = 65536;                   // power of two
};

struct AssetCounters {
  uint64_t sightings = 0;
  uint64_t suppressed = 0;  // repeated within the window
  uint64_t malformed = 0;   // ARP/NDP too short or of another hardware/protocol type
};

class AssetTracker {
 public:
  explicit AssetTracker(const AssetConfig& cfg);
  // Each returns true when `out` holds an event to send.
  // `arp`: the ARP header and body (after the Ethernet/VLAN header).
  bool on_arp(const DecodedPacket& frame, std::span<const uint8_t> arp, uint64_t ts_ns, uint16_t port,
              AssetEvent& out) noexcept;
  // A decoded ICMPv6 packet; not neighbour discovery: false.
  bool on_icmpv6(const DecodedPacket& pkt, uint64_t ts_ns, uint16_t port, AssetEvent& out) noexcept;
  // A decoded UDP packet: NetBIOS name service (port 137) or SSDP (port 1900); else false.
  bool on_udp(const DecodedPacket& pkt, uint64_t ts_ns, uint16_t port, AssetEvent& out) noexcept;
  // A TCP SYN or SYN/ACK: its p0f raw signature (`l3`: the IP header, for DF, IP id and
  // options). Other segments: false.
  bool on_tcp(const DecodedPacket& pkt, std::span<const uint8_t> l3, uint64_t ts_ns, uint16_t port,
              AssetEvent& out) noexcept;
  // A finished flow whose dissector saw DHCP.
  bool on_dhcp(const FlowRecord& record, const dissect::DhcpMeta& dhcp, AssetEvent& out) noexcept;
  const AssetCounters& counters() const { return counters_; }

 private:
  bool fresh(const AssetEvent& e) noexcept;
  bool netbios(const DecodedPacket& pkt, AssetEvent& out) noexcept;
  bool ssdp(const DecodedPacket& pkt, AssetEvent& out) noexcept;
  AssetConfig cfg_;
  std::unique_ptr<uint64_t[]> keys_;
  std::unique_ptr<uint64_t[]> seen_ns_;
  AssetCounters counters_;
};

class JsonWriter;
// One JSON object: {"timestamp":…,"event_type":"arp","arp":{"hw_type":"ethernet",…}},
// and likewise "ndp" and "dhcp" (the README's "Asset events" lists every key).
void write_asset_json(const AssetEvent& e, JsonWriter& w);

}  // namespace flowprobe
