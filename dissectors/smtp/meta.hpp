#pragma once
// What the SMTP dissector learns of one mail (a transaction, as Zeek's smtp.log rows and
// Suricata's smtp events count them): the envelope (HELO, MAIL FROM, RCPT TO), the first
// headers of the message, the server's last reply and whether the session went to TLS.
// A flow record carries its first mail. Bounds: helo 96, mail_from 96, rcpt_to 192
// (addresses ',' joined), date 48, from 96, to 192, subject 128, msg_id 96, user_agent 64,
// last_reply 96.
#include <cstdint>

#include "dissectors/bounded_string.hpp"

namespace flowprobe::dissect {

struct SmtpMeta {
  BoundedString<96> helo;        // the HELO/EHLO argument of the session
  BoundedString<96> mail_from;   // the MAIL FROM address, without < >
  BoundedString<192> rcpt_to;    // RCPT TO addresses, without < >, ',' joined, each once
  BoundedString<48> date;        // the message's Date header
  BoundedString<96> from;        // From
  BoundedString<192> to;         // To, as written (Zeek splits it at ',')
  BoundedString<128> subject;    // Subject
  BoundedString<96> msg_id;      // Message-ID
  BoundedString<64> user_agent;  // User-Agent, X-Mailer or X-User-Agent
  BoundedString<96> last_reply;  // the server's last reply line, "250 2.0.0 Ok: queued"
  uint16_t rcpt_count = 0;       // RCPT TO commands (addresses, repeats included)
  bool tls = false;              // STARTTLS accepted: what follows is TLS
  bool has_data = false;         // a message body was sent (DATA or BDAT)
};

}  // namespace flowprobe::dissect
