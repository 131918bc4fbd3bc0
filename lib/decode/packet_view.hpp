#pragma once
// The only thing stages after io/ know about a received packet: bytes and metadata.
// Tests and benchmarks build these directly, without DPDK.
#include <cstdint>
#include <span>

namespace flowprobe {

// Link-layer framing of the bytes, as pcap's DLT_* names it. Live ports are Ethernet.
enum class LinkType : uint8_t {
  ethernet,      // DLT_EN10MB
  raw_ip,        // DLT_RAW / LINKTYPE_RAW, IPv4 or IPv6 by version nibble
  null_loopback, // DLT_NULL / DLT_LOOP: 4-byte address family
  linux_sll,     // DLT_LINUX_SLL: 16-byte cooked header
  linux_sll2,    // DLT_LINUX_SLL2: 20-byte cooked header
};

struct PacketView {
  std::span<const uint8_t> bytes;  // captured bytes (may be shorter than on the wire)
  uint64_t ts_ns = 0;              // packet time, ns since the Unix epoch
  uint32_t rss_hash = 0;           // the NIC's RSS hash, 0 when none
  uint16_t port = 0;
  uint16_t queue = 0;
  LinkType link = LinkType::ethernet;
};

}  // namespace flowprobe
