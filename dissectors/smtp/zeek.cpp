// smtp.log as Zeek writes it (base scripts, default columns): one row per mail.
#include <algorithm>
#include <cstring>

#include "dissectors/smtp/smtp.hpp"
#include "export/zeek_format.hpp"

namespace flowprobe::dissect {
namespace {

using namespace flowprobe::zeek;

constexpr std::string_view kColumns =
    "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\ttrans_depth\thelo\tmailfrom\trcptto\tdate\tfrom\tto\tcc\t"
    "reply_to\tmsg_id\tin_reply_to\tsubject\tx_originating_ip\tfirst_received\tsecond_received\tlast_reply\tpath\t"
    "user_agent\ttls\tfuids";
constexpr std::string_view kTypes =
    "time\tstring\taddr\tport\taddr\tport\tcount\tstring\tstring\tset[string]\tstring\tstring\tset[string]\t"
    "set[string]\tstring\tstring\tstring\tstring\taddr\tstring\tstring\tstring\tvector[addr]\tstring\tbool\t"
    "vector[string]";

// A set[string] from a ',' separated list, each element trimmed (Zeek's
// split_mime_email_addresses for To; our RCPT TO list); "-" when there is none.
void put_set(std::string& o, std::string_view list) {
  bool any = false;
  for (std::size_t at = 0; at < list.size();) {
    const std::size_t end = std::min(list.find(',', at), list.size());
    std::string_view e = list.substr(at, end - at);
    at = end + 1;
    while (!e.empty() && (e.front() == ' ' || e.front() == '\t')) e.remove_prefix(1);
    while (!e.empty() && (e.back() == ' ' || e.back() == '\t')) e.remove_suffix(1);
    if (e.empty()) continue;
    if (any) o.push_back(',');
    zeek_escape(e, o, true);
    any = true;
  }
  if (!any) unset(o);
}

void write_row(const ZeekRowSource& src, std::string& o) {
  const SmtpMeta& s = *src.app.smtp();
  put_conn_id(o, src);
  tab(o);
  put_count(o, src.depth ? src.depth : 1);
  tab(o);
  put_str_or_unset(o, s.helo.view());
  tab(o);
  put_str_or_unset(o, s.mail_from.view());
  tab(o);
  put_set(o, s.rcpt_to.view());
  tab(o);
  put_str_or_unset(o, s.date.view());
  tab(o);
  put_str_or_unset(o, s.from.view());
  tab(o);
  put_set(o, s.to.view());
  tab(o);
  put_set(o, s.cc.view());
  tab(o);
  put_str_or_unset(o, s.reply_to.view());
  tab(o);
  put_str_or_unset(o, s.msg_id.view());
  // in_reply_to: not kept (SmtpMeta has no room left).
  put(o, "\t-\t");
  put_str_or_unset(o, s.subject.view());
  tab(o);
  if (s.x_originating_ip_version != 0) put_addr(o, s.x_originating_ip_version, s.x_originating_ip);
  else unset(o);
  tab(o);
  put_str_or_unset(o, s.first_received.view());
  // second_received: not kept.
  put(o, "\t-\t");
  put_str_or_unset(o, s.last_reply.view());
  tab(o);
  // path: the connection's ends, server first, as Zeek begins it, then the hops of the
  // Received headers (a hop equal to the one before it left out).
  put_addr(o, src.ip_version, src.resp_h);
  o.push_back(',');
  put_addr(o, src.ip_version, src.orig_h);
  for (uint8_t i = 0; i < s.hop_count; ++i) {
    const uint8_t v = (s.hop_v6 >> i) & 1 ? 6 : 4;
    if (i == 0 && v == src.ip_version && s.hops[0] == src.orig_h) continue;
    o.push_back(',');
    put_addr(o, v, s.hops[i]);
  }
  tab(o);
  put_str_or_unset(o, s.user_agent.view());
  tab(o);
  put_bool(o, s.tls);
  // fuids: Zeek's file analysis, which we do not do.
  put(o, "\t(empty)");
}

}  // namespace

const ZeekLog kSmtpLog{"smtp", kColumns, kTypes, write_row};

}  // namespace flowprobe::dissect
