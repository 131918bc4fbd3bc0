#pragma once
// Per-RX-core asset sightings. Every packet the RX core shows it goes through the asset
// parsers of the protocol table (dissectors/table.hpp, in its order): the first that
// claims it parses it into an event. What stays here is the common part of an event, the de-duplication
// (the same sighting within the window is counted, not sent again) and the counters.
// A fixed direct-mapped table remembers recent sightings; nothing is allocated per packet.
#include <array>
#include <cstdint>
#include <memory>
#include <span>

#include "assets/asset_event.hpp"
#include "core/counters.hpp"
#include "decode/decoder.hpp"

namespace flowprobe {

struct AssetConfig {
  uint64_t dedup_window_ns = 300'000'000'000ull;  // 0: every sighting is an event
  uint32_t dedup_slots = 65536;                   // power of two
  // The asset logs (--zeek-logs) count every sighting: repeats are sent too, marked
  // AssetEvent::repeat, for the exporter to leave out of the JSON events.
  bool send_repeats = false;
};

// Every packet shown is exactly one of: a sighting (then sent or suppressed), not a
// protocol the asset path reports, or malformed. The asset stage's counters, in the order
// of asset_counter_source's table ("assets.packets_seen" …, "assets.<protocol>").
struct AssetCounters {
  uint64_t packets = 0;
  uint64_t not_mine = 0;
  uint64_t malformed = 0;
  uint64_t sightings = 0;
  uint64_t suppressed = 0;  // sightings repeated within the window and not sent
  std::array<uint64_t, dissect::kProtocolCount + 1> by_kind{};  // sightings per AssetKind (its AppKind)
};
CounterSource asset_counter_source(const AssetCounters& c);

class AssetTracker {
 public:
  explicit AssetTracker(const AssetConfig& cfg);
  // A decoded packet of a tracked flow, or (`arp`) an ARP frame whose payload is the ARP
  // header and body. True when `out` holds an event to send.
  // `ethertype`: another non-IP frame the decoder handed over (CC-Link IE), its payload
  // what follows the EtherType.
  bool on_packet(const DecodedPacket& pkt, bool arp, uint64_t ts_ns, uint16_t port, AssetEvent& out,
                 uint16_t ethertype = 0) noexcept;
  const AssetCounters& counters() const { return counters_; }

 private:
  bool fresh(AssetEvent& e) noexcept;
  AssetConfig cfg_;
  std::unique_ptr<uint64_t[]> keys_;
  std::unique_ptr<uint64_t[]> seen_ns_;
  AssetCounters counters_;
};


}  // namespace flowprobe
