#pragma once
// Every received packet ends in exactly one of these outcomes; the decode stage's
// counters (DecodeCounters) are indexed by them. Order is the order of the exit summary.
#include <array>
#include <cstdint>
#include <string_view>

#include "core/counters.hpp"

namespace flowprobe {

#define FLOWPROBE_DECODE_OUTCOMES(X)                                                 \
  /* tracked in a flow */                                                            \
  X(ipv4, "IPv4 packets tracked in a flow")                                          \
  X(ipv6, "IPv6 packets tracked in a flow")                                          \
  /* valid traffic that is not a flow (yet), counted by kind */                      \
  X(ipv4_fragment, "non-first IPv4 fragments (no L4 header)")                        \
  X(ipv6_fragment, "non-first IPv6 fragments (no L4 header)")                        \
  X(arp, "ARP frames")                                                               \
  X(lldp, "LLDP frames")                                                             \
  X(cclink_ie, "CC-Link IE Field/Control frames (EtherType 0x890F)")                 \
  X(llc, "IEEE 802.3 length-field frames (LLC/STP/CDP)")                             \
  X(mpls, "MPLS frames carrying neither IPv4 nor IPv6")                             \
  X(pppoe, "PPPoE discovery and PPP control frames")                                 \
  X(other_ethertype, "frames of another EtherType")                                  \
  X(other_link, "frames of an unsupported link layer or address family")             \
  /* malformed: counted, never read past */                                          \
  X(truncated_l2, "truncated link-layer header")                                     \
  X(truncated_vlan, "truncated 802.1Q/802.1ad tag")                                  \
  X(truncated_mpls, "truncated MPLS label stack")                                    \
  X(truncated_pppoe, "truncated PPPoE session header")                               \
  X(too_many_vlans, "more VLAN tags than the decoder follows")                       \
  X(bad_ip_version, "IP version field neither 4 nor 6")                              \
  X(truncated_ipv4, "truncated IPv4 header")                                         \
  X(bad_ipv4_header, "IPv4 header length or total length invalid")                  \
  X(truncated_ipv6, "truncated IPv6 header")                                         \
  X(bad_ipv6_ext, "truncated or invalid IPv6 extension header chain")                \
  X(truncated_tcp, "truncated TCP header")                                           \
  X(bad_tcp_header, "TCP data offset below 5 words or past the IP payload")         \
  X(truncated_udp, "truncated UDP header")                                           \
  X(truncated_icmp, "truncated ICMP/ICMPv6 header")

enum class DecodeOutcome : uint8_t {
#define FLOWPROBE_X(name, help) name,
  FLOWPROBE_DECODE_OUTCOMES(FLOWPROBE_X)
#undef FLOWPROBE_X
};

inline constexpr std::size_t kDecodeOutcomeCount = 0
#define FLOWPROBE_X(name, help) +1
    FLOWPROBE_DECODE_OUTCOMES(FLOWPROBE_X)
#undef FLOWPROBE_X
    ;

struct DecodeOutcomeInfo {
  std::string_view name;
  std::string_view help;
};

inline constexpr std::array<DecodeOutcomeInfo, kDecodeOutcomeCount> kDecodeOutcomeInfo{{
#define FLOWPROBE_X(name, help) {#name, help},
    FLOWPROBE_DECODE_OUTCOMES(FLOWPROBE_X)
#undef FLOWPROBE_X
}};

constexpr bool is_tracked(DecodeOutcome o) {
  return o == DecodeOutcome::ipv4 || o == DecodeOutcome::ipv6;
}

// The decode stage's counters: packets per outcome (every packet in exactly one).
struct DecodeCounters {
  std::array<uint64_t, kDecodeOutcomeCount> by_outcome{};
  uint64_t total() const noexcept {
    uint64_t n = 0;
    for (uint64_t v : by_outcome) n += v;
    return n;
  }
};
// The summary always shows the tracked outcomes, the others when they happened.
inline constexpr std::array<CounterDef, kDecodeOutcomeCount> kDecodeCounterDefs{{
#define FLOWPROBE_X(name, help)                                                                                   \
  {"decode." #name, help, CounterKind::counter,                                                                   \
   is_tracked(DecodeOutcome::name) ? CounterShow::always : CounterShow::nonzero},
    FLOWPROBE_DECODE_OUTCOMES(FLOWPROBE_X)
#undef FLOWPROBE_X
}};
static_assert(sizeof(DecodeCounters) == sizeof(uint64_t) * kDecodeOutcomeCount);

}  // namespace flowprobe
