#pragma once
// BitTorrent: no dissector of ours; the L7 engine fills this from nDPI's verdict.
#include <array>
#include <cstdint>

#include "dissectors/bounded_string.hpp"

namespace flowprobe::dissect {

struct BitTorrentMeta {
  std::array<uint8_t, 20> info_hash{};  // BITTORRENT_HASH: the handshake's info hash (SHA-1)
};

}  // namespace flowprobe::dissect
