// HTTP's -T template rows: the flow's first request and its response.
#include <algorithm>

#include "dissectors/http/http.hpp"
#include "dissectors/protocols.hpp"
#include "export/field_format.hpp"

namespace flowprobe::dissect {
namespace {

using W = JsonWriter;
using R = FlowRecord;
using C = ExportContext;
const HttpMeta* http(const C& c) { return c.app ? c.app->http() : nullptr; }

// HTTP_SITE: the server's name without its host part (www.example.com -> example.com);
// addresses and two-label names stay whole.
std::string_view site_of(std::string_view host) {
  if (host.empty() || host.front() == '[' || std::count(host.begin(), host.end(), '.') < 2) return host;
  if (std::all_of(host.begin(), host.end(), [](char ch) { return (ch >= '0' && ch <= '9') || ch == '.' || ch == ':'; }))
    return host;
  return host.substr(host.find('.') + 1);
}

constexpr FieldDef kRows[] = {
    {"HTTP_REQUESTS", 0, 0, JsonType::number, {}, "HTTP requests (transactions) on the flow; the other HTTP_ fields are the first's",
     [](const R&, const C& c, W& w) { w.value_uint(http(c) ? c.app->transactions : 0); }},
    {"HTTP_URL", kNtopPen, 180, JsonType::string, {}, "HTTP request URL (as sent)",
     [](const R&, const C& c, W& w) { field::str(http(c) ? &http(c)->url : nullptr, w); }},
    {"HTTP_RET_CODE", kNtopPen, 181, JsonType::string, {}, "HTTP status code, a string as nProbe sends it",
     [](const R&, const C& c, W& w) { field::uint_as_string(http(c) ? http(c)->ret_code : 0, w); }},
    {"HTTP_REFERER", kNtopPen, 182, JsonType::string, {}, "HTTP Referer",
     [](const R&, const C& c, W& w) { field::str(http(c) ? &http(c)->referer : nullptr, w); }},
    {"HTTP_USER_AGENT", kNtopPen, 183, JsonType::string, {"HTTP_UA"}, "HTTP User-Agent",
     [](const R&, const C& c, W& w) { field::str(http(c) ? &http(c)->user_agent : nullptr, w); }},
    {"HTTP_MIME", kNtopPen, 184, JsonType::string, {}, "HTTP response Content-Type",
     [](const R&, const C& c, W& w) { field::str(http(c) ? &http(c)->mime : nullptr, w); }},
    {"HTTP_HOST", kNtopPen, 187, JsonType::string, {}, "HTTP Host header",
     [](const R&, const C& c, W& w) { field::str(http(c) ? &http(c)->host : nullptr, w); }},
    {"HTTP_METHOD", kNtopPen, 360, JsonType::string, {}, "HTTP request method",
     [](const R&, const C& c, W& w) { field::str(http(c) ? &http(c)->method : nullptr, w); }},
    // The name any protocol gives the server (descriptor's server_name: HTTP Host, TLS
    // SNI), else the server's address, as nProbe.
    {"HTTP_SITE", kNtopPen, 361, JsonType::string, {}, "server name without its host part (HTTP Host, else TLS SNI, else the server's address, as nProbe)",
     [](const R& r, const C& c, W& w) {
       const Protocol* p = c.app ? protocol_of(c.app->kind) : nullptr;
       const std::string_view name = p && p->server_name ? p->server_name(*c.app) : std::string_view();
       if (!name.empty()) return w.value_string(site_of(name));
       std::array<char, 46> buf;
       w.value_raw_string(r.ip_version == 6 ? format_ipv6(r.dst_ip.data(), buf) : format_ipv4(r.dst_ip.data(), buf));
     }},
};

}  // namespace

const std::span<const FieldDef> kHttpFields = kRows;

}  // namespace flowprobe::dissect
