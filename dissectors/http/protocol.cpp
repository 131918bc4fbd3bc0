// HTTP/1.x: the protocol's descriptor (dissectors/table.hpp lists it).
#include "dissectors/http/http.hpp"
#include "dissectors/protocols.hpp"

namespace flowprobe::dissect {
namespace {

std::string_view server_name(const AppMetadata& app) noexcept {
  const HttpMeta* h = app.http();
  return h ? h->host.view() : std::string_view();
}

}  // namespace

const Protocol kHttpProtocol{
    .name = "http",
    .kind = AppKind::http,
    .flow = &kHttpDissector,
    .fields = kHttpFields,
    .zeek_service = "http",
    .zeek_log = &kHttpLog,
    .rule_proto = sig::AppProto::http,
    .rule_buffers = http_rule_buffers,
    .create_rule_scratch = http_create_rule_scratch,
    .destroy_rule_scratch = http_destroy_rule_scratch,
    .server_name = server_name,
    .eve_type = "http",
    .write_eve = http_write_eve,
};

}  // namespace flowprobe::dissect
