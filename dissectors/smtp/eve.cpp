// A mail in eve ("event_type":"smtp"), in Suricata's shape: the envelope in "smtp"
// (helo, mail_from and rcpt_to with their angle brackets, as Suricata logs them) and the
// message's headers in "email".
#include <algorithm>
#include <cstring>

#include "dissectors/smtp/smtp.hpp"
#include "export/eve.hpp"

namespace flowprobe::dissect {
namespace {

// Each element of a ',' separated list as a JSON string, optionally in < >.
void string_list(JsonWriter& w, std::string_view list, bool brackets) {
  w.value_json("[");
  bool first = true;
  char buf[256];
  for (std::size_t at = 0; at < list.size();) {
    const std::size_t end = std::min(list.find(',', at), list.size());
    std::string_view e = list.substr(at, end - at);
    at = end + 1;
    while (!e.empty() && e.front() == ' ') e.remove_prefix(1);
    if (e.empty()) continue;
    if (!first) w.value_json(",");
    first = false;
    if (brackets && e.size() + 2 <= sizeof buf) {
      buf[0] = '<';
      std::memcpy(buf + 1, e.data(), e.size());
      buf[e.size() + 1] = '>';
      e = std::string_view(buf, e.size() + 2);
    }
    w.value_string(e);
  }
  w.value_json("]");
}

}  // namespace

void smtp_write_eve(const AppMetadata& tx, uint32_t, uint8_t, JsonWriter& w) {
  const SmtpMeta* s = tx.smtp();
  if (s == nullptr) return;
  w.key("smtp");
  w.begin_object();
  if (!s->helo.empty()) {
    w.key("helo");
    w.value_string(s->helo.view());
  }
  if (!s->mail_from.empty()) {
    char buf[sizeof s->mail_from.data + 2];
    buf[0] = '<';
    std::memcpy(buf + 1, s->mail_from.data, s->mail_from.len);
    buf[s->mail_from.len + 1] = '>';
    w.key("mail_from");
    w.value_string(std::string_view(buf, s->mail_from.len + 2u));
  }
  if (!s->rcpt_to.empty()) {
    w.key("rcpt_to");
    string_list(w, s->rcpt_to.view(), true);
  }
  w.end_object();
  if (!s->has_data) return;
  w.key("email");
  w.begin_object();
  w.key("status");
  w.value_raw_string("PARSED_BODY_MESSAGE");
  const auto text = [&](std::string_view key, std::string_view v) {
    if (v.empty()) return;
    w.key(key);
    w.value_string(v);
  };
  text("from", s->from.view());
  if (!s->to.empty()) {
    w.key("to");
    string_list(w, s->to.view(), false);
  }
  if (!s->cc.empty()) {
    w.key("cc");
    string_list(w, s->cc.view(), false);
  }
  text("date", s->date.view());
  text("subject", s->subject.view());
  text("message_id", s->msg_id.view());
  text("x_mailer", s->user_agent.view());
  w.end_object();
}

}  // namespace flowprobe::dissect
