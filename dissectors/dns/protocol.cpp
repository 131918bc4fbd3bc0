// DNS (and mDNS, LLMNR, NetBIOS-NS): the protocol's descriptor (dissectors/table.hpp lists it).
#include "dissectors/dns/dns.hpp"
#include "dissectors/protocols.hpp"

namespace flowprobe::dissect {

const Protocol kDnsProtocol{
    .name = "dns",
    .kind = AppKind::dns,
    .flow = &kDnsDissector,
    .fields = kDnsFields,
    .zeek_service = "dns",
    .zeek_log = &kDnsLog,
    .rule_proto = sig::AppProto::dns,
    .rule_buffers = dns_rule_buffers,
    .eve_type = "dns",
    .eve_parts = dns_eve_parts,
    .write_eve = dns_write_eve,
};

}  // namespace flowprobe::dissect
