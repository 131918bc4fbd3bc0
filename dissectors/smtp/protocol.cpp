// SMTP: the protocol's descriptor (dissectors/table.hpp lists it).
#include "dissectors/protocols.hpp"
#include "dissectors/smtp/smtp.hpp"

namespace flowprobe::dissect {

// No sticky buffers: smtp.helo, smtp.mail_from and smtp.rcpt_to are Suricata 8's, and
// Suricata 7 has none for SMTP; rules name the protocol (alert smtp …) and match its bytes.
const Protocol kSmtpProtocol{
    .name = "smtp",
    .kind = AppKind::smtp,
    .flow = &kSmtpDissector,
    .fields = kSmtpFields,
    .zeek_service = "smtp",
    .zeek_log = &kSmtpLog,
    .rule_proto = sig::AppProto::smtp,
    .eve_type = "smtp",
    .write_eve = smtp_write_eve,
};

}  // namespace flowprobe::dissect
