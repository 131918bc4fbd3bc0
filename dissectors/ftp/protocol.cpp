// FTP (control connection): the protocol's descriptor (dissectors/table.hpp lists it).
#include "dissectors/ftp/ftp.hpp"
#include "dissectors/protocols.hpp"

namespace flowprobe::dissect {

// No sticky buffers: ftp.command and ftp.command_data are Suricata 8's, and Suricata 7
// has none for FTP; rules name the protocol (alert ftp …) and match its bytes.
const Protocol kFtpProtocol{
    .name = "ftp",
    .kind = AppKind::ftp,
    .flow = &kFtpDissector,
    .fields = kFtpFields,
    .zeek_service = "ftp",
    .zeek_log = &kFtpLog,
    .rule_proto = sig::AppProto::ftp,
    .eve_type = "ftp",
    .write_eve = ftp_write_eve,
};

}  // namespace flowprobe::dissect
