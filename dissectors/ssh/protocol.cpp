// SSH: the protocol's descriptor (dissectors/table.hpp lists it).
#include "dissectors/protocols.hpp"
#include "dissectors/ssh/ssh.hpp"

namespace flowprobe::dissect {

const Protocol kSshProtocol{
    .name = "ssh",
    .kind = AppKind::ssh,
    .flow = &kSshDissector,
    .fields = kSshFields,
    .zeek_service = "ssh",
    .zeek_log = &kSshLog,
    .rule_proto = sig::AppProto::ssh,
    .rule_buffers = ssh_rule_buffers,
    .eve_type = "ssh",
    .write_eve = ssh_write_eve,
};

}  // namespace flowprobe::dissect
