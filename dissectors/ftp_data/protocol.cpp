// FTP's data connections: the protocol's descriptor (dissectors/table.hpp lists it).
#include "dissectors/ftp_data/ftp_data.hpp"
#include "dissectors/protocols.hpp"

namespace flowprobe::dissect {

const Protocol kFtpDataProtocol{
    .name = "ftp_data",
    .kind = AppKind::ftp_data,
    .flow = &kFtpDataDissector,
    .zeek_service = "ftp-data",
    .rule_proto = sig::AppProto::ftp_data,
    .rule_buffers = ftp_data_rule_buffers,
};

}  // namespace flowprobe::dissect
