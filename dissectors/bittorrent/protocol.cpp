// BitTorrent: no dissector of ours. nDPI reads the handshake's info hash and the L7
// engine keeps it as this protocol's metadata when no dissector spoke.
#include "dissectors/protocols.hpp"
#include "export/field_format.hpp"

namespace flowprobe::dissect {
namespace {

using W = JsonWriter;
using R = FlowRecord;
using C = ExportContext;

constexpr FieldDef kRows[] = {
    {"BITTORRENT_HASH", kNtopPen, 189, JsonType::string, {}, "BitTorrent info hash (40 hex, from nDPI), empty when none",
     [](const R&, const C& c, W& w) {
       const BitTorrentMeta* bt = c.app ? c.app->bittorrent() : nullptr;
       if (!bt) return w.value_raw_string({});
       field::hex_text(bt->info_hash.data(), bt->info_hash.size(), w);
     }},
};

}  // namespace

const Protocol kBittorrentProtocol{
    .name = "bittorrent",
    .kind = AppKind::bittorrent,
    .fields = kRows,
};

}  // namespace flowprobe::dissect
