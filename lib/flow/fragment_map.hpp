#pragma once
// Non-first IP fragments carry no L4 header, hence no ports: alone they cannot find
// their flow. The first fragment's ports are remembered here under the datagram's
// identity (addresses, protocol, IP id, VLANs, tunnel id) for the reassembly timeout,
// so the fragments after it reach the same flow: its packets, bytes and
// SRC/DST_FRAGMENTS. Direct-mapped and fixed in size: a collision forgets the older
// datagram, whose later fragments are then counted as unattributed, as are fragments
// that arrive before their first one. One per RX core (and one in the dispatcher, so
// that a datagram's fragments reach the core that owns its flow); nothing is allocated
// per packet.
#include <cstdint>
#include <cstring>
#include <memory>

#include "decode/decoder.hpp"
#include "flow/flow_key.hpp"

namespace flowprobe {

class FragmentMap {
 public:
  // Linux's default ipfrag_time: a datagram whose fragments are further apart than this
  // is not reassembled by its receiver either.
  static constexpr uint64_t kTimeoutNs = 30'000'000'000ull;

  explicit FragmentMap(uint32_t slots = 4096) : slots_(std::make_unique<Slot[]>(slots)), mask_(slots - 1) {}

  // A first fragment (offset 0, more to come) that decoded with its ports.
  void remember(const DecodedPacket& pkt, uint64_t ts_ns) noexcept {
    const uint64_t tag = tag_of(pkt);
    slots_[tag & mask_] = Slot{tag, ts_ns + kTimeoutNs, pkt.src_port, pkt.dst_port};
  }

  // A non-first fragment: sets its ports from its datagram's first fragment and returns
  // true, or false when that first fragment was not seen (or was forgotten).
  bool recall(DecodedPacket& pkt, uint64_t ts_ns) const noexcept {
    const uint64_t tag = tag_of(pkt);
    const Slot& s = slots_[tag & mask_];
    if (s.tag != tag || ts_ns > s.expires_ns) return false;
    pkt.src_port = s.src_port;
    pkt.dst_port = s.dst_port;
    return true;
  }

 private:
  struct Slot {
    uint64_t tag = 0;  // 0: empty (tags are odd)
    uint64_t expires_ns = 0;
    uint16_t src_port = 0;
    uint16_t dst_port = 0;
  };

  // The flow key's hash over the datagram's identity: addresses in sending order (a
  // datagram has one sender) and the IP id where the ports would be.
  static uint64_t tag_of(const DecodedPacket& p) noexcept {
    FlowKey k;
    k.ip_lo = p.src_ip;
    k.ip_hi = p.dst_ip;
    k.port_lo = static_cast<uint16_t>(p.frag_id);
    k.port_hi = static_cast<uint16_t>(p.frag_id >> 16);
    k.vlan_outer = p.vlan_outer;
    k.vlan_inner = p.vlan_inner;
    k.tunnel_id = p.tunnel_id;
    k.proto = p.l4_proto;
    k.ip_version = p.ip_version;
    return hash_flow_key(k) | 1;
  }

  std::unique_ptr<Slot[]> slots_;
  uint64_t mask_;
};

}  // namespace flowprobe
