#pragma once
// CIFS browser announcements sightings: the per-packet parser (cifs_browser.cpp) and the descriptor (protocol.cpp).
#include "dissectors/asset_dissector.hpp"

namespace flowprobe::dissect {

extern const AssetDissector kCifsBrowserAsset;

}  // namespace flowprobe::dissect
