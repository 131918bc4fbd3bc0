#include "dissectors/ftp_data/ftp_data.hpp"

namespace flowprobe::dissect {

Parse FtpDataState::parse(const PacketContext& c, AppMetadata& m) noexcept {
  m.set_kind(AppKind::ftp_data);
  // Without rules there is nothing to read in a file's bytes: the flow keeps its name.
  if (!wants_parts(c.tx)) return Parse::done;
  bool gap = false;
  const auto fresh = dir[c.from_client ? 0 : 1].advance(c.tcp_seq, c.payload, gap);
  if (fresh.empty()) return Parse::cont;
  TxPartView v;
  v.kind = AppKind::ftp_data;
  // A download (RETR, LIST) flows from the server in passive mode, from the connecting
  // server in active mode: the direction is the data connection's own.
  v.part = c.from_client ? sig::TxPart::request_body : sig::TxPart::response_body;
  v.to_server = c.from_client;
  v.body = std::string_view(reinterpret_cast<const char*>(fresh.data()), fresh.size());
  c.tx->part(v);
  return Parse::cont;
}

namespace {
// Only an announcement (ExpectedFlows) makes a flow ftp-data.
Probe ftp_data_probe(const PacketContext&) noexcept { return Probe::not_mine; }
}  // namespace

const Dissector kFtpDataDissector{
    .name = "ftp_data",
    .kind = AppKind::ftp_data,
    .l4_mask = l4::tcp,
    .ports = {},
    .state_size = sizeof(FtpDataState),
    .state_align = alignof(FtpDataState),
    .probe = ftp_data_probe,
    .init = init_of<FtpDataState>(),
    .parse = parse_of<FtpDataState>(),
};

}  // namespace flowprobe::dissect
