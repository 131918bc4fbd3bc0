#pragma once
// Counters are owned by one lcore each and summed by the reader; declared once here as
// X-macro tables so the summary, tests and (later) the stats endpoint agree on names.
#include <array>
#include <atomic>
#include <cstdint>
#include <string_view>

#include "decode/decode_outcome.hpp"
#include "flow/flow_table.hpp"

namespace flowprobe {

// Sightings per asset kind (AssetKind, lib/assets/asset_event.hpp).
#define FLOWPROBE_ASSET_KIND_COUNTERS(X)                                               \
  X(asset_arp, "ARP request/reply sightings")                                                \
  X(asset_ndp, "IPv6 neighbour discovery sightings")                                         \
  X(asset_dhcp, "DHCP message sightings")                                                    \
  X(asset_dhcpv6, "DHCPv6 message sightings")                                                \
  X(asset_netbios_ns, "NetBIOS name service sightings")                                      \
  X(asset_cifs_browser, "CIFS browser announcement sightings")                               \
  X(asset_ssdp, "SSDP sightings")                                                            \
  X(asset_tcp_fingerprint, "TCP SYN and SYN/ACK fingerprints")                               \
  X(asset_cclink_ief_basic, "CC-Link IE Field Basic / SLMP sightings")

#define FLOWPROBE_RX_COUNTERS(X)                                                       \
  X(rx_packets, "packets received from the port")                                      \
  X(rx_bytes, "captured bytes received")                                               \
  X(multiseg_packets, "packets spread over chained mbufs (linearised)")                \
  X(tunnelled_packets, "packets whose flow is the inner one of a tunnel")              \
  X(decap_failed, "tunnel packets whose inner packet did not decode (outer flow kept)") \
  X(fragments_attributed, "non-first IP fragments counted in their datagram's flow")      \
  X(fragments_unattributed, "non-first IP fragments whose first fragment was not seen")   \
  X(records_enqueued, "flow records handed to the exporter ring")                      \
  X(records_ring_full, "flow records dropped because the exporter ring was full")    \
  X(l7_classified, "flows that ended with a protocol nDPI knows")                      \
  X(l7_unknown, "flows nDPI could not classify")                                       \
  X(l7_with_metadata, "flows whose record carried dissector metadata")                 \
  X(l7_slots_exhausted, "flows exported without L7 results: no free L7 slot")          \
  X(l7_ndpi_pool_exhausted, "flows not given to nDPI: its per-core pool was full")      \
  X(sig_alerts, "signature alerts raised")                                             \
  X(sig_suppressed, "signature matches silenced by threshold or noalert")              \
  X(sig_stream_pool_exhausted, "TCP segments matched alone: no free stream slot")      \
  X(sig_encrypted_skipped, "payloads of encrypted flows left to header-only rules")      \
  X(sig_scan_errors, "Hyperscan scan errors")                                          \
  X(sig_flowbits_overflow, "flowbits not set: the flow held 16 already")                \
  X(sig_flowint_dropped, "flowint writes lost: no free block, or a 9th on a flow")      \
  X(sig_xbits_evicted, "live xbits replaced for lack of room")                          \
  X(sig_dataset_full, "dataset:set values that found no room")                          \
  X(alerts_enqueued, "alerts handed to the exporter ring")                             \
  X(alerts_ring_full, "alerts dropped because the exporter ring was full")             \
  X(asset_packets, "packets shown to the asset dissectors (ARP frames, tracked IP)")   \
  X(asset_not_mine, "of those, not a protocol the asset path reports")                 \
  X(asset_malformed, "of those, claimed by an asset dissector but malformed or cut")    \
  X(asset_sightings, "of those, asset sightings (the kinds below)")                    \
  X(asset_suppressed, "sightings repeated within the de-duplication window")           \
  FLOWPROBE_ASSET_KIND_COUNTERS(X)                                                     \
  X(events_enqueued, "asset events handed to the exporter ring")                       \
  X(events_ring_full, "asset events dropped because the exporter ring was full")

#define FLOWPROBE_EXPORT_COUNTERS(X)                                                   \
  X(records_dequeued, "flow records taken from the rings")                             \
  X(records_encoded, "flow records encoded as JSON")                                   \
  X(alerts_encoded, "alerts encoded as eve JSON")                                      \
  X(events_encoded, "asset events encoded as JSON")

struct alignas(64) RxCounters {
#define FLOWPROBE_X(name, help) uint64_t name = 0;
  FLOWPROBE_RX_COUNTERS(FLOWPROBE_X)
#undef FLOWPROBE_X
  std::array<uint64_t, kDecodeOutcomeCount> decode{};
  FlowTableCounters flows;  // copied from the RX core's table when it stops
  uint64_t flows_active = 0;

  void add(const RxCounters& o) {
#define FLOWPROBE_X(name, help) name += o.name;
    FLOWPROBE_RX_COUNTERS(FLOWPROBE_X)
#undef FLOWPROBE_X
    for (std::size_t i = 0; i < decode.size(); ++i) decode[i] += o.decode[i];
    flows.created += o.flows.created;
    for (int i = 0; i < kFlowEndCauseCount; ++i) flows.ended[i] += o.flows.ended[i];
    flows_active += o.flows_active;
  }
  uint64_t decoded_total() const {
    uint64_t n = 0;
    for (uint64_t v : decode) n += v;
    return n;
  }
};

struct alignas(64) ExportCounters {
#define FLOWPROBE_X(name, help) uint64_t name = 0;
  FLOWPROBE_EXPORT_COUNTERS(FLOWPROBE_X)
#undef FLOWPROBE_X
};

// The part of an RX core's counters that readers on other threads (the statistics
// thread) may see while the core runs. The core copies its plain counters here every
// few ms of TSC with relaxed stores: no lock, no allocation, and no cache line shared
// with a reader between publications. Each value is an aligned 64-bit word, so a reader
// never sees a torn value; values of one core may be a few ms apart from each other.
#define FLOWPROBE_RX_LIVE_COUNTERS(X)                                      \
  X(rx_packets, "packets received")                                        \
  X(rx_bytes, "captured bytes received")                                   \
  X(records_enqueued, "flow records handed to the exporter ring")          \
  X(records_ring_full, "flow records dropped: exporter ring full")         \
  X(flows_created, "flows created")                                        \
  X(flows_records, "flow records emitted by the table (all end causes)")   \
  X(flows_table_full, "flows ended early because the table was full")      \
  X(flows_active, "flows in the table now")

struct RxLiveValues {
#define FLOWPROBE_X(name, help) uint64_t name = 0;
  FLOWPROBE_RX_LIVE_COUNTERS(FLOWPROBE_X)
#undef FLOWPROBE_X
};

struct alignas(64) RxLive {
#define FLOWPROBE_X(name, help) std::atomic<uint64_t> name{0};
  FLOWPROBE_RX_LIVE_COUNTERS(FLOWPROBE_X)
#undef FLOWPROBE_X

  // Called by the owning RX core only.
  void publish(const RxCounters& c, const FlowTableCounters& f, uint64_t active) noexcept {
    constexpr auto r = std::memory_order_relaxed;
    rx_packets.store(c.rx_packets, r);
    rx_bytes.store(c.rx_bytes, r);
    records_enqueued.store(c.records_enqueued, r);
    records_ring_full.store(c.records_ring_full, r);
    flows_created.store(f.created, r);
    flows_records.store(f.records(), r);
    flows_table_full.store(f.ended[static_cast<int>(FlowEndCause::table_full)], r);
    flows_active.store(active, r);
  }
  RxLiveValues load() const noexcept {
    RxLiveValues v;
#define FLOWPROBE_X(name, help) v.name = name.load(std::memory_order_relaxed);
    FLOWPROBE_RX_LIVE_COUNTERS(FLOWPROBE_X)
#undef FLOWPROBE_X
    return v;
  }
};

}  // namespace flowprobe
