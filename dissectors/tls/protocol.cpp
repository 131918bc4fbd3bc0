// TLS: the protocol's descriptor (dissectors/table.hpp lists it).
#include "dissectors/protocols.hpp"
#include "dissectors/tls/tls.hpp"

namespace flowprobe::dissect {
namespace {

// Once its handshake is parsed, a packet that starts a TLS application-data record (type
// 23) says the flow is now encrypted.
bool encrypted(std::span<const uint8_t> p) noexcept { return p.size() >= 3 && p[0] == 23 && p[1] == 3; }

}  // namespace

std::string_view tls_server_name(const AppMetadata& app) noexcept {
  const TlsMeta* t = app.part<TlsMeta>();
  return t ? t->server_name.view() : std::string_view();
}

const Protocol kTlsProtocol{
    .name = "tls",
    .kind = AppKind::tls,
    .flow = &kTlsDissector,
    .fields = kTlsFields,
    .zeek_service = "ssl",
    .zeek_log = &kSslLog,
    .rule_proto = sig::AppProto::tls,
    .rule_buffers = tls_rule_buffers,
    .create_rule_scratch = tls_create_rule_scratch,
    .destroy_rule_scratch = tls_destroy_rule_scratch,
    .encrypted = encrypted,
    .server_name = tls_server_name,
    .eve_type = "tls",
    .write_eve = tls_write_eve,
};

}  // namespace flowprobe::dissect
