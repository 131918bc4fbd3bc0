// An HTTP transaction in eve ("event_type":"http"), in Suricata's shape: the request's
// hostname, url, user agent, referer, method and protocol; the response's content type,
// status, redirect and body length.
#include "dissectors/http/http.hpp"
#include "export/eve.hpp"

namespace flowprobe::dissect {

void http_write_eve(const AppMetadata& tx, uint32_t, uint8_t, JsonWriter& w) {
  const HttpMeta* h = tx.http();
  if (h == nullptr) return;
  const auto text = [&](std::string_view key, std::string_view v) {
    if (v.empty()) return;
    w.key(key);
    w.value_string(v);
  };
  w.key("http");
  w.begin_object();
  text("hostname", h->host.view());
  text("url", h->url.view());
  text("http_user_agent", h->user_agent.view());
  text("http_content_type", h->mime.view());
  text("http_refer", h->referer.view());
  text("http_method", h->method.view());
  const auto version = [&](std::string_view key, uint8_t v) {
    if (v == 0) return;
    const char buf[] = {'H', 'T', 'T', 'P', '/', static_cast<char>('0' + v / 10), '.', static_cast<char>('0' + v % 10)};
    w.key(key);
    w.value_raw_string(std::string_view(buf, sizeof buf));
  };
  version("protocol", h->request_version ? h->request_version : h->version);
  if (h->has_response) {
    w.key("status");
    w.value_uint(h->ret_code);
  }
  text("redirect", h->location.view());
  text("server", h->server.view());
  if (h->has_response) {
    w.key("length");
    w.value_uint(h->response_body_len);
  }
  w.end_object();
}

}  // namespace flowprobe::dissect
