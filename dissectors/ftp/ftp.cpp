#include "dissectors/ftp/ftp.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include "dissectors/bytes.hpp"

namespace flowprobe::dissect {
namespace {

// Zeek's FTP::guest_ids: logins whose password is no secret (an e-mail address, by custom).
bool is_guest(std::string_view user) {
  for (std::string_view g : {"anonymous", "ftp", "ftpuser", "guest"})
    if (iequals(user, g)) return true;
  return false;
}

// Zeek's file_cmds: commands whose argument names a file or directory.
bool is_file_command(std::string_view cmd) {
  for (std::string_view f : {"APPE", "CWD", "DELE", "MKD", "RETR", "RMD", "RNFR", "RNTO", "STOR", "STOU", "REST",
                             "SIZE", "MDTM"})
    if (cmd == f) return true;
  return false;
}

bool parse_uint(std::string_view s, uint32_t max, uint32_t& v) {
  v = 0;
  if (s.empty() || s.size() > 10) return false;
  for (char ch : s) {
    if (ch < '0' || ch > '9') return false;
    v = v * 10 + static_cast<uint32_t>(ch - '0');
  }
  return v <= max;
}

// "h1,h2,h3,h4,p1,p2" (PORT's argument, PASV's reply text around it).
bool parse_port_tuple(std::string_view s, FtpMeta& m) {
  uint32_t n[6];
  for (int i = 0; i < 6; ++i) {
    const std::size_t comma = i < 5 ? s.find(',') : s.size();
    if (comma == std::string_view::npos || !parse_uint(trim(s.substr(0, comma)), 255, n[i])) return false;
    s = i < 5 ? s.substr(comma + 1) : std::string_view();
  }
  m.data_host = {};
  for (int i = 0; i < 4; ++i) m.data_host[i] = static_cast<uint8_t>(n[i]);
  m.data_ip_version = 4;
  m.data_port = static_cast<uint16_t>(n[4] << 8 | n[5]);
  m.data_host_is_server = false;
  return true;
}

// "|af|addr|port|" (EPRT's argument; EPSV's reply has "(|||port|)", no address).
bool parse_extended(std::string_view s, FtpMeta& m) {
  if (s.size() < 5) return false;
  const char d = s[0];
  std::string_view parts[3];
  std::size_t at = 1;
  for (auto& part : parts) {
    const std::size_t end = s.find(d, at);
    if (end == std::string_view::npos) return false;
    part = s.substr(at, end - at);
    at = end + 1;
  }
  uint32_t port = 0;
  if (!parse_uint(parts[2], 65535, port)) return false;
  m.data_port = static_cast<uint16_t>(port);
  m.data_host = {};
  m.data_host_is_server = parts[1].empty();
  if (parts[1].empty()) return true;
  char text[64];
  if (parts[1].size() >= sizeof text) return false;
  std::memcpy(text, parts[1].data(), parts[1].size());
  text[parts[1].size()] = '\0';
  if (inet_pton(AF_INET, text, m.data_host.data()) == 1) m.data_ip_version = 4;
  else if (inet_pton(AF_INET6, text, m.data_host.data()) == 1) m.data_ip_version = 6;
  else return false;
  return true;
}

// Zeek's extract_path: the quoted name in a 257 reply ("\"/pub\" is current directory").
std::string_view quoted_path(std::string_view msg) {
  const std::size_t a = msg.find('"');
  if (a == std::string_view::npos) return {};
  const std::size_t b = msg.find('"', a + 1);
  return msg.substr(a + 1, b == std::string_view::npos ? std::string_view::npos : b - a - 1);
}

// Announces the data connection `tx` named, for the engine to give to ftp_data when it
// begins: from the server (PORT/EPRT) or the client (PASV/EPSV) to the address and port
// announced, as Zeek's add_expected_data_channel expects it.
void announce_data_channel(const FtpMeta& tx, const PacketContext& c) noexcept {
  if (!tx.has_data_channel || c.expect == nullptr || c.client_ip == nullptr || c.server_ip == nullptr) return;
  // An EPRT naming an address of the other family than the control connection's: no
  // connection between them can be told from the announcement.
  if (!tx.data_host_is_server && tx.data_ip_version != c.ip_version) return;
  const std::size_t n = c.ip_version == 6 ? 16 : 4;
  ExpectedFlow e;
  std::memcpy(e.orig.data(), tx.passive ? c.client_ip : c.server_ip, n);
  if (tx.data_host_is_server) std::memcpy(e.resp.data(), c.server_ip, n);
  else e.resp = tx.data_host;
  e.resp_port = tx.data_port;
  e.ip_version = c.ip_version;
  e.l4_proto = ipproto::tcp;
  e.kind = AppKind::ftp_data;
  c.expect->expect(e, c.ts_ns);
}

}  // namespace

void ftp_build_path(std::string_view dir, std::string_view name, BoundedString<256>& out) noexcept {
  // build_path: an absolute name, or the name under the directory.
  char joined[512];
  std::size_t n = 0;
  const auto add = [&](std::string_view s) {
    const std::size_t k = std::min(s.size(), sizeof joined - n);
    std::memcpy(joined + n, s.data(), k);
    n += k;
  };
  if (!name.empty() && name.front() == '/') {
    add(name);
  } else {
    add(dir.empty() ? std::string_view(".") : dir);
    add("/");
    add(name);
  }
  // compress_path: segments, ".." taking the one before it, "." and empty ones dropped
  // (a leading "." stays, as Zeek keeps "./pub").
  const std::string_view path(joined, n);
  const bool absolute = path.front() == '/';
  std::string_view segs[64];
  std::size_t count = 0;
  for (std::size_t at = 0; at <= path.size();) {
    const std::size_t end = std::min(path.find('/', at), path.size());
    const std::string_view s = path.substr(at, end - at);
    at = end + 1;
    if (s.empty() || (s == "." && (count > 0 || absolute))) continue;
    if (s == ".." && count > 0 && segs[count - 1] != "..") {
      --count;
      continue;
    }
    if (count < std::size(segs)) segs[count++] = s;
  }
  out.clear();
  if (absolute) out.push_back('/');
  for (std::size_t i = 0; i < count; ++i) {
    if (i) out.push_back('/');
    out.append(segs[i]);
  }
  if (out.empty() && absolute) out.push_back('/');
}

FtpMeta& FtpState::push(std::string_view command, uint64_t ts_ns, const PacketContext& c, AppMetadata& m) noexcept {
  if (count == kPending) emit_front(c, m);  // the oldest goes unanswered
  const uint8_t i = static_cast<uint8_t>((head + count) % kPending);
  pending[i] = FtpMeta{};
  pending[i].command.assign(command);
  ts[i] = ts_ns;
  ++count;
  return pending[i];
}

void FtpState::emit_front(const PacketContext& c, AppMetadata& m) noexcept {
  if (count == 0) return;
  FtpMeta& tx = pending[head];
  tx.user = user;
  tx.password = password;
  tx.password_sent = password_sent;
  tx.password_hidden = password_hidden;
  // Zeek builds a file command's path when it logs it, from the directory then current.
  if (is_file_command(tx.command.view())) ftp_build_path(cwd.view(), tx.arg.view(), tx.path);
  const bool greeting = tx.command.view() == "<init>";
  if (!greeting || tx.reply_code != 0) emit_tx(c.tx, AppKind::ftp, tx, ts[head]);
  // The flow record: its first client command, and the login as it stands.
  if (FtpMeta* f = m.ftp()) {
    if (!emitted && !greeting) {
      *f = tx;
      emitted = true;
    }
    f->user = user;
    f->password = password;
    f->password_sent = password_sent;
    f->password_hidden = password_hidden;
  }
  head = static_cast<uint8_t>((head + 1) % kPending);
  --count;
}

void FtpState::client_line(std::string_view line, const PacketContext& c, AppMetadata& m) noexcept {
  std::string_view verb, arg;
  split_verb(line, verb, arg);
  if (verb.empty()) return;
  char upper[16];
  const std::size_t n = std::min(verb.size(), sizeof upper);
  for (std::size_t i = 0; i < n; ++i) upper[i] = verb[i] >= 'a' && verb[i] <= 'z' ? static_cast<char>(verb[i] - 32) : verb[i];
  const std::string_view cmd(upper, n);
  FtpMeta& tx = push(cmd, c.ts_ns, c, m);
  if (cmd == "PASS") {
    password_sent = true;
    password_hidden = !is_guest(user.view());
    password.clear();
    if (password_hidden) {
      tx.arg_hidden = true;  // neither the record nor its copies carry it
      return;
    }
    password.assign(arg);
  }
  tx.arg.assign(arg);
  if (cmd == "USER") {
    user.assign(arg);
  } else if (cmd == "PORT" || cmd == "EPRT") {
    tx.has_data_channel = cmd == "PORT" ? parse_port_tuple(arg, tx) : parse_extended(arg, tx);
    tx.passive = false;
    announce_data_channel(tx, c);
  }
}

void FtpState::server_line(std::string_view line, const PacketContext& c, AppMetadata& m) noexcept {
  uint16_t code = 0;
  bool more = false;
  std::string_view text;
  const bool coded = reply_code(line, code, more, text);
  if (multi != 0) {
    // Inside a multi-line reply only a line "ddd text" ends it (servers that end it with
    // another code than they began are taken at their word, as Zeek does).
    if (!coded || more) return;
    multi = 0;
  } else if (!coded) {
    return;
  } else if (more) {
    multi = code;
    return;
  }
  if (count == 0) return;  // a reply nothing asked for
  FtpMeta& tx = pending[head];
  for (uint16_t& slot : tx.codes)
    if (slot == 0) {
      slot = code;
      break;
    }
  tx.reply_code = code;
  tx.reply_msg.assign(text);
  const std::string_view cmd = tx.command.view();
  if ((code == 227 && cmd == "PASV") || (code == 229 && cmd == "EPSV")) {
    // "227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)"; "229 … (|||port|)".
    const std::size_t open = text.find('(');
    const std::size_t close = text.rfind(')');
    if (code == 227) {
      // Some servers leave the parentheses out: the tuple starts at the first digit.
      std::size_t from = open != std::string_view::npos ? open + 1 : text.find_first_of("0123456789");
      const std::string_view inner =
          from == std::string_view::npos ? std::string_view()
                                         : text.substr(from, close != std::string_view::npos && close > from ? close - from : std::string_view::npos);
      tx.has_data_channel = parse_port_tuple(inner, tx);
    } else if (open != std::string_view::npos && close != std::string_view::npos && close > open) {
      tx.has_data_channel = parse_extended(text.substr(open + 1, close - open - 1), tx);
    }
    tx.passive = true;
    announce_data_channel(tx, c);
  }
  // The working directory (Zeek's directory_cmds).
  if (cmd == "CWD" && code == 250) {
    BoundedString<256> next;
    ftp_build_path(cwd.view(), tx.arg.view(), next);
    cwd = next;
  } else if (cmd == "CDUP" && (code == 200 || code == 250)) {
    BoundedString<256> next;
    ftp_build_path(cwd.view(), "/..", next);
    cwd = next;
  } else if ((cmd == "PWD" || cmd == "XPWD") && code == 257) {
    cwd.assign(quoted_path(text));
  }
  if (code < 200) return;  // preliminary: the final reply follows
  const bool tls = cmd == "AUTH" && code == 234;
  emit_front(c, m);
  if (tls) upgraded = true;
}

Parse FtpState::parse(const PacketContext& c, AppMetadata& meta) noexcept {
  meta.set_kind(AppKind::ftp);
  if (c.payload.empty()) return Parse::cont;
  if (!started) {
    // Zeek's shim: the server's greeting answers a command nobody sent.
    started = true;
    push("<init>", c.ts_ns, c, meta);
  }
  Dir& d = dir[c.from_client ? 0 : 1];
  bool gap = false;
  const auto fresh = d.cursor.advance(c.tcp_seq, c.payload, gap);
  if (gap) d.lines.gap(0);  // never stitch unrelated bytes together: go on at the next line
  d.lines.feed(fresh, [&](std::string_view line, bool) {
    if (upgraded) return;
    if (c.from_client) client_line(line, c, meta);
    else server_line(line, c, meta);
  });
  return upgraded ? Parse::upgrade : Parse::cont;
}

void FtpState::finish(const PacketContext& c, AppMetadata& m) noexcept {
  // Commands still waiting are logged with what they have, as Zeek's finalize_ftp does.
  while (count) emit_front(c, m);
}

Probe ftp_probe(const PacketContext& c) noexcept {
  if (c.l4_proto != ipproto::tcp) return Probe::not_mine;
  const std::string_view p = as_text(c.payload);
  const bool on_port = kFtpDissector.on_port(c.server_port);
  if (c.from_client) {
    // A capture that began after the greeting.
    const bool login = p.starts_with("USER ") || p.starts_with("user ") || p.starts_with("AUTH ");
    return login && on_port ? Probe::certain : Probe::not_mine;
  }
  return greeting_probe(p, on_port, "FTP");
}

const Dissector kFtpDissector{
    .name = "ftp",
    .kind = AppKind::ftp,
    .l4_mask = l4::tcp,
    .ports = {21, 2121, 0, 0, 0, 0},
    .state_size = sizeof(FtpState),
    .state_align = alignof(FtpState),
    .probe = ftp_probe,
    .init = init_of<FtpState>(),
    .parse = parse_of<FtpState>(),
    .finish = finish_of<FtpState>(),
};

}  // namespace flowprobe::dissect
