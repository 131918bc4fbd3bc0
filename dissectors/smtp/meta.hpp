#pragma once
// What the SMTP dissector learns of one mail (a transaction, as Zeek's smtp.log rows and
// Suricata's smtp events count them): the envelope (HELO, MAIL FROM, RCPT TO), the first
// headers of the message, the server's last reply and whether the session went to TLS.
// A flow record carries its first mail. Bounds: helo 96, mail_from 96, rcpt_to 192
// (addresses ',' joined), date 48, from 96, to 192, subject 128, msg_id 96, user_agent 64,
// last_reply 96, cc 64, reply_to 48, first_received 136, 4 Received hops: the largest part
// (HTTP's) leaves no more. In-Reply-To and Zeek's second_received are not kept.
#include <array>
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
  BoundedString<64> cc;          // Cc, as written (Zeek splits it at ',')
  BoundedString<48> reply_to;    // Reply-To
  // The last Received header of the message: the hop nearest the sender, which Zeek's
  // smtp.log calls first_received.
  BoundedString<136> first_received;
  // The mail's path as the Received headers tell it, in header order (nearest hop first):
  // of each, the address Zeek's find_address_in_smtp_header picks (the second wrapped
  // address when there are two, else the first), a repeat of the last one left out.
  // IPv4 addresses fill the first 4 bytes; bit i of hop_v6 marks hop i as IPv6.
  static constexpr uint8_t kHops = 4;
  std::array<std::array<uint8_t, 16>, kHops> hops{};
  uint8_t hop_count = 0;
  uint8_t hop_v6 = 0;
  bool hops_truncated = false;   // more Received hops than kHops
  uint8_t x_originating_ip_version = 0;  // 4 or 6; 0: no X-Originating-IP address
  std::array<uint8_t, 16> x_originating_ip{};
  uint16_t rcpt_count = 0;       // RCPT TO commands (addresses, repeats included)
  bool tls = false;              // STARTTLS accepted: what follows is TLS
  bool has_data = false;         // a message body was sent (DATA or BDAT)
};

}  // namespace flowprobe::dissect
