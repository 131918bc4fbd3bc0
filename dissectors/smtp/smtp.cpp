#include "dissectors/smtp/smtp.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include "dissectors/bytes.hpp"

namespace flowprobe::dissect {
namespace {

// The header a folded line continues (SmtpState::header); `past`: the header lines ended.
enum Header : uint8_t { none, date, from, to, subject, msg_id, user_agent, cc, reply_to, received, past = 0xFF };

template <std::size_t N>
void set_once(BoundedString<N>& out, std::string_view v) {
  if (out.empty()) out.assign(v);
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

bool ip_char(char ch) {
  return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F') || ch == ':' || ch == '.';
}

// An IPv4 or IPv6 address as text: its version (and bytes in `out`), 0 when it is none.
uint8_t parse_ip(std::string_view t, std::array<uint8_t, 16>& out) {
  char buf[INET6_ADDRSTRLEN];
  if (t.size() < 7 || t.size() >= sizeof buf) return 0;
  std::memcpy(buf, t.data(), t.size());
  buf[t.size()] = '\0';
  out = {};
  if (t.find(':') == std::string_view::npos) return inet_pton(AF_INET, buf, out.data()) == 1 ? 4 : 0;
  return inet_pton(AF_INET6, buf, out.data()) == 1 ? 6 : 0;
}

// Calls f(address, version) for each IP address in `s`, in order. `wrapped`: only those
// between a matching pair of brackets, parentheses, braces or spaces (or alone), as
// Zeek's extract_ip_addresses(s, T) finds them in a Received header.
template <typename F>
void each_ip(std::string_view s, bool wrapped, F&& f) {
  const auto pair = [](char open, char close) {
    return (open == '[' && close == ']') || (open == '(' && close == ')') || (open == '{' && close == '}') ||
           (open == ' ' && close == ' ');
  };
  for (std::size_t i = 0; i < s.size();) {
    if (!ip_char(s[i])) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < s.size() && ip_char(s[j])) ++j;
    std::array<uint8_t, 16> ip;
    const uint8_t v = parse_ip(s.substr(i, j - i), ip);
    const bool wraps = (i == 0 && j == s.size()) || (i > 0 && j < s.size() && pair(s[i - 1], s[j]));
    if (v != 0 && (!wrapped || wraps)) f(ip, v);
    i = j;
  }
}

}  // namespace

void SmtpState::received_text(std::string_view text) noexcept {
  each_ip(text, true, [&](const std::array<uint8_t, 16>& ip, uint8_t v) {
    if (rcv_ips < 2) {
      rcv_ip[rcv_ips] = ip;
      rcv_version[rcv_ips] = v;
    }
    if (rcv_ips < UINT8_MAX) ++rcv_ips;
  });
}

// A Received header ended: its hop joins the path (Zeek: the second wrapped address when
// it has two, else the first; none: no hop), unless it repeats the last one.
void SmtpState::end_received() noexcept {
  if (rcv_ips == 0) return;
  const int k = rcv_ips > 1 ? 1 : 0;
  const bool v6 = rcv_version[k] == 6;
  rcv_ips = 0;
  if (tx.hop_count > 0) {
    const int last = tx.hop_count - 1;
    if (tx.hops[last] == rcv_ip[k] && ((tx.hop_v6 >> last) & 1) == v6) return;
  }
  if (tx.hop_count == SmtpMeta::kHops) {
    tx.hops_truncated = true;
    return;
  }
  tx.hops[tx.hop_count] = rcv_ip[k];
  if (v6) tx.hop_v6 = static_cast<uint8_t>(tx.hop_v6 | (1u << tx.hop_count));
  ++tx.hop_count;
}

std::string_view smtp_address(std::string_view arg) noexcept {
  const std::size_t colon = arg.find(':');
  std::string_view a = colon == std::string_view::npos ? arg : arg.substr(colon + 1);
  a = trim(a);
  if (!a.empty() && a.front() == '<') {
    const std::size_t close = a.find('>');
    return a.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1);
  }
  return a.substr(0, a.find(' '));  // parameters (SIZE=, BODY=) follow the address
}

void SmtpState::push(Cmd k) noexcept {
  if (count == kPending) {  // a client this far ahead of its server: the oldest is forgotten
    head = static_cast<uint8_t>((head + 1) % kPending);
    --count;
  }
  pending[(head + count) % kPending] = k;
  ++count;
}

void SmtpState::emit(const PacketContext& c, AppMetadata& m) noexcept {
  if (header == Header::received) end_received();  // a message that ended in its header lines
  if (!activity) return;
  emit_tx(c.tx, AppKind::smtp, tx, start_ns ? start_ns : c.ts_ns);
  // The flow record keeps its first mail, as nProbe's SMTP fields do.
  if (!emitted && m.smtp() != nullptr) m.u.smtp = tx;
  emitted = true;
  tx = SmtpMeta{};
  tx.helo = helo;
  activity = false;
  start_ns = 0;
  header = Header::none;
  rcv_ips = 0;
  bdat_lines.len = 0;
  bdat_lines.raw = 0;
}

// A line of the message: its header lines, up to the first empty one, are read; the
// body is not. `header` remembers the field a folded line continues.
void SmtpState::message_line(std::string_view line) noexcept {
  if (tx.has_data && header == Header::past) return;  // the body is not read
  tx.has_data = true;
  const bool folded = !line.empty() && (line.front() == ' ' || line.front() == '\t');
  if (header == Header::received && !folded) end_received();
  if (line.empty()) {
    header = Header::past;
    return;
  }
  if (folded) {  // continues the last header
    const std::string_view more = trim(line);
    const auto add = [&](auto& field) {
      field.push_back(' ');
      field.append(more);
    };
    switch (header) {
      case Header::date: add(tx.date); break;
      case Header::from: add(tx.from); break;
      case Header::to: add(tx.to); break;
      case Header::subject: add(tx.subject); break;
      case Header::msg_id: add(tx.msg_id); break;
      case Header::user_agent: add(tx.user_agent); break;
      case Header::cc: add(tx.cc); break;
      case Header::reply_to: add(tx.reply_to); break;
      case Header::received:
        add(tx.first_received);
        received_text(line);
        break;
      default: break;
    }
    return;
  }
  header = Header::none;
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return;
  const std::string_view name = trim(line.substr(0, colon)), value = trim(line.substr(colon + 1));
  const auto keep = [&](auto& field, Header h) {
    if (!field.empty()) return;  // the first occurrence
    field.assign(value);
    header = h;
  };
  if (iequals(name, "date")) keep(tx.date, Header::date);
  else if (iequals(name, "from")) keep(tx.from, Header::from);
  else if (iequals(name, "to")) keep(tx.to, Header::to);
  else if (iequals(name, "subject")) keep(tx.subject, Header::subject);
  else if (iequals(name, "message-id")) keep(tx.msg_id, Header::msg_id);
  else if (iequals(name, "user-agent") || iequals(name, "x-mailer") || iequals(name, "x-user-agent"))
    keep(tx.user_agent, Header::user_agent);
  else if (iequals(name, "cc")) keep(tx.cc, Header::cc);
  else if (iequals(name, "reply-to")) keep(tx.reply_to, Header::reply_to);
  else if (iequals(name, "received")) {
    // Each overwrites the last: the message's last one is the hop nearest the sender.
    tx.first_received.assign(value);
    header = Header::received;
    rcv_ips = 0;
    received_text(value);
  } else if (iequals(name, "x-originating-ip") && tx.x_originating_ip_version == 0) {
    // Its first address, wrapped or not ("[10.1.2.3]").
    each_ip(value, false, [&](const std::array<uint8_t, 16>& ip, uint8_t v) {
      if (tx.x_originating_ip_version != 0) return;
      tx.x_originating_ip = ip;
      tx.x_originating_ip_version = v;
    });
  }
}

void SmtpState::client_line(std::string_view line, const PacketContext& c, AppMetadata& m) noexcept {
  if (mode == Mode::data) {
    if (line == ".") {
      mode = Mode::command;
      push(Cmd::data_end);
      return;
    }
    message_line(line.starts_with("..") ? line.substr(1) : line);  // dot-stuffing (RFC 5321 4.5.2)
    return;
  }
  std::string_view verb, arg;
  split_verb(line, verb, arg);
  if (iequals(verb, "HELO") || iequals(verb, "EHLO")) {
    helo.assign(arg);
    tx.helo = helo;
    push(Cmd::other);
  } else if (iequals(verb, "MAIL") && starts_with_ci(arg, "FROM:")) {
    emit(c, m);  // the last mail, if its end was not seen
    tx.mail_from.assign(smtp_address(arg));
    activity = true;
    if (start_ns == 0) start_ns = c.ts_ns;
    push(Cmd::other);
  } else if (iequals(verb, "RCPT") && starts_with_ci(arg, "TO:")) {
    const std::string_view a = smtp_address(arg);
    bool seen = false;
    for (std::size_t at = 0; at <= tx.rcpt_to.len && !a.empty();) {
      const std::string_view list = tx.rcpt_to.view();
      const std::size_t end = std::min(list.find(',', at), list.size());
      seen = seen || list.substr(at, end - at) == a;
      at = end + 1;
    }
    if (!seen && !a.empty()) {
      if (!tx.rcpt_to.empty()) tx.rcpt_to.push_back(',');
      tx.rcpt_to.append(a);
    }
    ++tx.rcpt_count;
    activity = true;
    if (start_ns == 0) start_ns = c.ts_ns;
    push(Cmd::other);
  } else if (iequals(verb, "DATA")) {
    mode = Mode::data;  // the client sends its message once the server says 354
    push(Cmd::data);
  } else if (iequals(verb, "BDAT")) {
    // "BDAT <size> [LAST]": size bytes of the message follow the line, as they are.
    uint64_t n = 0;
    std::size_t i = 0;
    for (; i < arg.size() && arg[i] >= '0' && arg[i] <= '9' && n < (uint64_t{1} << 40); ++i)
      n = n * 10 + static_cast<uint64_t>(arg[i] - '0');
    dir[0].lines.raw = n;
    tx.has_data = true;
    const std::string_view rest = trim(arg.substr(i));
    push(iequals(rest, "LAST") ? Cmd::bdat_last : Cmd::other);
  } else if (iequals(verb, "STARTTLS")) {
    push(Cmd::starttls);
  } else {
    push(Cmd::other);
  }
}

void SmtpState::server_line(std::string_view line, const PacketContext& c, AppMetadata& m) noexcept {
  uint16_t code = 0;
  bool more = false;
  std::string_view text;
  if (!reply_code(line, code, more, text)) return;
  // Zeek's last_reply: every reply line overwrites it ("250 OK").
  tx.last_reply.assign(line.substr(0, 3));
  tx.last_reply.push_back(' ');
  tx.last_reply.append(text);
  if (more || count == 0) return;  // a reply goes on, or nothing asked (the greeting)
  const Cmd k = pending[head];
  head = static_cast<uint8_t>((head + 1) % kPending);
  --count;
  switch (k) {
    case Cmd::data:
      if (code != 354 && mode == Mode::data) mode = Mode::command;  // refused: no message follows
      break;
    case Cmd::data_end:
    case Cmd::bdat_last:
      emit(c, m);
      break;
    case Cmd::starttls:
      if (code == 220) {
        tx.tls = true;
        activity = true;
        if (start_ns == 0) start_ns = c.ts_ns;
        emit(c, m);
        upgraded = true;
      }
      break;
    case Cmd::other: break;
  }
}

Parse SmtpState::parse(const PacketContext& c, AppMetadata& meta) noexcept {
  meta.set_kind(AppKind::smtp);
  if (c.payload.empty()) return Parse::cont;
  Dir& d = dir[c.from_client ? 0 : 1];
  bool gap = false;
  const uint32_t expected = d.cursor.next;
  const auto fresh = d.cursor.advance(c.tcp_seq, c.payload, gap);
  if (gap) {  // never stitch unrelated bytes together: go on at the next line
    const bool in_chunk = d.lines.raw > 0;
    d.lines.gap(c.tcp_seq - expected);
    if (in_chunk) bdat_lines.gap(0);  // the message's header lines lost some bytes
  }
  if (c.from_client) {
    d.lines.feed(
        fresh, [&](std::string_view line, bool) { client_line(line, c, meta); },
        [&](std::span<const uint8_t> chunk) {
          bdat_lines.feed(chunk, [&](std::string_view line, bool) { message_line(line); });
        });
  } else {
    d.lines.feed(fresh, [&](std::string_view line, bool) {
      if (!upgraded) server_line(line, c, meta);
    });
  }
  return upgraded ? Parse::upgrade : Parse::cont;
}

void SmtpState::finish(const PacketContext& c, AppMetadata& m) noexcept {
  emit(c, m);
  // A session without a mail still tells its HELO (and the server's last word).
  if (!emitted && m.smtp() != nullptr) m.u.smtp = tx;
}

Probe smtp_probe(const PacketContext& c) noexcept {
  if (c.l4_proto != ipproto::tcp) return Probe::not_mine;
  const std::string_view p = as_text(c.payload);
  const bool on_port = kSmtpDissector.on_port(c.server_port);
  if (c.from_client) {
    if (starts_with_ci(p, "EHLO ") || starts_with_ci(p, "HELO ")) return Probe::certain;
    return Probe::not_mine;
  }
  // The server speaks first: "220 mail.example.com ESMTP Postfix".
  return greeting_probe(p, on_port, "SMTP");
}

const Dissector kSmtpDissector{
    .name = "smtp",
    .kind = AppKind::smtp,
    .l4_mask = l4::tcp,
    .ports = {25, 587, 2525, 0, 0, 0},
    .state_size = sizeof(SmtpState),
    .state_align = alignof(SmtpState),
    .probe = smtp_probe,
    .init = init_of<SmtpState>(),
    .parse = parse_of<SmtpState>(),
    .finish = finish_of<SmtpState>(),
};

}  // namespace flowprobe::dissect
