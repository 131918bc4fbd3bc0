// http.log as Zeek writes it (base scripts, default columns): one row per transaction.
#include <algorithm>
#include <cstdio>
#include <cstring>

#include "dissectors/http/http.hpp"
#include "export/json_writer.hpp"
#include "export/zeek_format.hpp"

namespace flowprobe::dissect {
namespace {

using namespace flowprobe::zeek;

constexpr std::string_view kColumns =
    "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\ttrans_depth\tmethod\thost\turi\treferrer\tversion\t"
    "user_agent\torigin\trequest_body_len\tresponse_body_len\tstatus_code\tstatus_msg\tinfo_code\tinfo_msg\t"
    "tags\tusername\tpassword\tproxied\torig_fuids\torig_filenames\torig_mime_types\tresp_fuids\t"
    "resp_filenames\tresp_mime_types";
// The OsecT sensor's http.log (spec §2.7): HTTP scripts loaded without files/entities
// (no file columns), the mac-logging policy's two columns last.
constexpr std::string_view kOsectColumns =
    "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\ttrans_depth\tmethod\thost\turi\treferrer\tversion\t"
    "user_agent\torigin\trequest_body_len\tresponse_body_len\tstatus_code\tstatus_msg\tinfo_code\tinfo_msg\t"
    "tags\tusername\tpassword\tproxied\torig_l2_addr\tresp_l2_addr";
constexpr std::string_view kTypes =
    "time\tstring\taddr\tport\taddr\tport\tcount\tstring\tstring\tstring\tstring\tstring\tstring\tstring\t"
    "count\tcount\tcount\tstring\tcount\tstring\tset[enum]\tstring\tstring\tset[string]\tvector[string]\t"
    "vector[string]\tvector[string]\tvector[string]\tvector[string]\tvector[string]";


void write_row(const ZeekRowSource& s, std::string& o) {
  const HttpMeta& h = *s.app.http();
  put_conn_id(o, s);
  tab(o);
  // trans_depth: the transaction's place in its connection (a response without a request
  // we saw has its own).
  put_count(o, s.depth);
  tab(o);
  put_str_or_unset(o, h.method.view());
  tab(o);
  put_str_or_unset(o, h.host.view());
  tab(o);
  // Zeek logs the URI with %XX escapes decoded.
  if (!h.has_request && h.url.empty()) {
    unset(o);
  } else {
    char decoded[sizeof(h.url.data)];
    std::size_t n = 0;
    const std::string_view u = h.url.view();
    for (std::size_t i = 0; i < u.size(); ++i) {
      auto hexval = [](char c) -> int {
        return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      };
      if (u[i] == '%' && i + 2 < u.size() && hexval(u[i + 1]) >= 0 && hexval(u[i + 2]) >= 0) {
        decoded[n++] = static_cast<char>(hexval(u[i + 1]) << 4 | hexval(u[i + 2]));
        i += 2;
      } else {
        decoded[n++] = u[i];
      }
    }
    zeek_escape(std::string_view(decoded, n), o);
  }
  tab(o);
  put_str_or_unset(o, h.referer.view());
  tab(o);
  // version: the request line's (Zeek's http_request), replaced by the response's
  // status line when one came (http_reply).
  if (const uint8_t v = h.version != 0 ? h.version : h.request_version; v != 0) {
    o.push_back(static_cast<char>('0' + v / 10));
    o.push_back('.');
    o.push_back(static_cast<char>('0' + v % 10));
  } else {
    unset(o);
  }
  tab(o);
  put_str_or_unset(o, h.user_agent.view());
  tab(o);
  put_str_or_unset(o, h.origin.view());
  // Body lengths: dechunked, before any Content-Encoding is undone.
  tab(o);
  put_count(o, h.request_body_len);
  tab(o);
  put_count(o, h.response_body_len);
  tab(o);
  // status_code/status_msg: the last reply's, a 1xx too (Zeek's http_reply).
  if (h.has_response) put_count(o, h.ret_code);
  else unset(o);
  tab(o);
  if (h.has_response) put_str_or_unset(o, h.status_msg.view());
  else unset(o);
  tab(o);
  if (h.info_code != 0) {
    put_count(o, h.info_code);
    tab(o);
    put_str_or_unset(o, h.info_msg.view());
  } else {
    put(o, "-\t-");
  }
  // tags: Zeek's base scripts add none. password: never kept (Zeek's default too).
  put(o, "\t(empty)\t");
  put_str_or_unset(o, h.username.view());
  put(o, "\t-\t");
  if (h.proxied.empty()) {
    unset(o);
  } else {
    std::string_view rest = h.proxied.view();
    for (bool first = true; !rest.empty(); first = false) {
      const std::size_t nl = rest.find('\n');
      if (!first) o.push_back(',');
      zeek_escape(rest.substr(0, nl), o, true);
      rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    }
  }
  tab(o);
  if (s.profile == LogProfile::osect) {
    put_mac_or_unset(o, s.orig_l2);
    tab(o);
    put_mac_or_unset(o, s.resp_l2);
    return;
  }
  // orig/resp fuids, filenames, mime_types: Zeek's file analysis, which we do not do.
  put(o, "-\t-\t-\t-\t-\t-");
}

}  // namespace

const ZeekLog kHttpLog{"http", kColumns, kTypes, write_row, false, kOsectColumns};

}  // namespace flowprobe::dissect
