// QUIC: the protocol's descriptor (dissectors/table.hpp lists it). Its handshake is TLS:
// the TLS folder's template rows, ssl.log and rule buffers read it too.
#include "dissectors/protocols.hpp"
#include "dissectors/quic/quic.hpp"
#include "dissectors/tls/tls.hpp"

namespace flowprobe::dissect {
namespace {

// After the handshake, a short-header packet is 1-RTT traffic.
bool encrypted(std::span<const uint8_t> p) noexcept { return !p.empty() && (p[0] & 0x80) == 0; }

}  // namespace

const Protocol kQuicProtocol{
    .name = "quic",
    .kind = AppKind::quic,
    .flow = &kQuicDissector,
    .zeek_service = "quic,ssl",
    .zeek_log = &kSslLog,
    .rule_proto = sig::AppProto::quic,
    .rule_buffers = tls_rule_buffers,
    .create_rule_scratch = tls_create_rule_scratch,
    .destroy_rule_scratch = tls_destroy_rule_scratch,
    .encrypted = encrypted,
    .server_name = tls_server_name,
    .eve_type = "quic",
    .write_eve = tls_write_eve,
};

}  // namespace flowprobe::dissect
