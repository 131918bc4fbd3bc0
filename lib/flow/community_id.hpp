#pragma once
// Community ID flow hash v1 (as Zeek and Suricata emit it), so SIEM users can join our
// records with theirs: "1:" + base64(SHA-1(seed, saddr, daddr, proto, 0, sport, dport)),
// endpoints ordered, ICMP type/code mapped to ports. Computed on the exporter core.
#include <array>
#include <cstdint>
#include <string_view>

#include "flow/flow_record.hpp"

namespace flowprobe {

using CommunityIdText = std::array<char, 32>;  // "1:" + 28 base64 characters

std::string_view community_id(const FlowRecord& r, CommunityIdText& out, uint16_t seed = 0) noexcept;

}  // namespace flowprobe
