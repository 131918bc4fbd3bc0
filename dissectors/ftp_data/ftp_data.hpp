#pragma once
// FTP's data connections (RFC 959 3.2): a file, a directory listing. Nothing in their
// bytes says what they are, so no probe recognises one; the FTP dissector announces each
// (PORT/EPRT from the client, the reply to PASV/EPSV) in the engine's expected flows
// (dissectors/expected_flows.hpp), and the flow that then begins is this protocol's from
// its first packet: conn.log's service `ftp-data`, the rule protocol `ftp-data`. With rules
// loaded, each new stretch of bytes is handed to them as file.data (Suricata's ftp-data
// files), one TCP segment at a time: a pattern split across two segments is not seen.
#include "dissectors/dissector.hpp"
#include "dissectors/protocol.hpp"
#include "dissectors/tcp_cursor.hpp"

namespace flowprobe::dissect {

struct FtpDataState {
  TcpCursor dir[2];  // client, server: retransmitted bytes are not scanned twice
  Parse parse(const PacketContext& c, AppMetadata& m) noexcept;
};

extern const Dissector kFtpDataDissector;
void ftp_data_rule_buffers(const TxPartView& v, void* scratch, sig::AppBuffers& out) noexcept;  // rules.cpp

}  // namespace flowprobe::dissect
