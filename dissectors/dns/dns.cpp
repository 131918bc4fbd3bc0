#include "dissectors/dns/dns.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "core/ip_text.hpp"
#include "dissectors/bytes.hpp"

namespace flowprobe::dissect {
namespace {

constexpr uint16_t kPortDns = 53, kPortMdns = 5353, kPortLlmnr = 5355, kPortNbns = 137;

constexpr char kHex[] = "0123456789abcdef";

// One byte of a name as logged: lower case (names compare case-blind, as Zeek logs
// them), printable ASCII as itself, the rest as \xNN. Returns the bytes written to `p`.
inline std::size_t escape_name_byte(uint8_t ch, char* p) {
  if (ch >= 'A' && ch <= 'Z') ch = static_cast<uint8_t>(ch + 32);
  if (ch > 0x20 && ch < 0x7f) {
    *p = static_cast<char>(ch);
    return 1;
  }
  p[0] = '\\';
  p[1] = 'x';
  p[2] = kHex[ch >> 4];
  p[3] = kHex[ch & 15];
  return 4;
}

template <std::size_t N>
void append_escaped(BoundedString<N>& out, uint8_t ch) {
  char esc[4];
  out.append(std::string_view(esc, escape_name_byte(ch, esc)));
}

// One label (at most 63 bytes), escaped, in one append.
template <std::size_t N>
void append_label(BoundedString<N>& out, const uint8_t* p, std::size_t len) {
  char buf[4 * 63];
  std::size_t n = 0;
  for (std::size_t i = 0; i < len; ++i) n += escape_name_byte(p[i], buf + n);
  out.append(std::string_view(buf, n));
}

// Reads the (possibly compressed) name at `off` of `msg` into `out`; returns the offset
// just past the name in the original position, or 0 on a malformed name. Pointer hops
// are bounded so a loop of pointers ends.
template <std::size_t N>
std::size_t read_name(std::span<const uint8_t> msg, std::size_t off, BoundedString<N>* out) {
  std::size_t end = 0;
  int hops = 0;
  bool first = true;
  while (true) {
    if (off >= msg.size()) return 0;
    const uint8_t len = msg[off];
    if ((len & 0xC0) == 0xC0) {
      if (off + 1 >= msg.size() || ++hops > 16) return 0;
      if (!end) end = off + 2;
      off = static_cast<std::size_t>(len & 0x3F) << 8 | msg[off + 1];
      continue;
    }
    if (len & 0xC0) return 0;  // 0x40/0x80 label types are obsolete
    if (len == 0) {
      if (!end) end = off + 1;
      return end;
    }
    if (off + 1 + len > msg.size()) return 0;
    if (out) {
      if (!first) out->push_back('.');
      append_label(*out, msg.data() + off + 1, len);
    }
    first = false;
    off += 1 + len;
  }
}

// NetBIOS first-level encoding: 32 letters 'A'..'P' carry 16 bytes, the last a suffix.
void decode_netbios(BoundedString<256>& name) {
  std::string_view v = name.view();
  const std::size_t dot = v.find('.');
  std::string_view first = v.substr(0, dot);
  if (first.size() != 32) return;
  char decoded[16];
  for (int i = 0; i < 16; ++i) {
    // Labels were lower-cased on the way in; the encoding's letters are 'A'..'P'.
    const char hi = static_cast<char>(first[2 * i] & ~0x20), lo = static_cast<char>(first[2 * i + 1] & ~0x20);
    if (hi < 'A' || hi > 'P' || lo < 'A' || lo > 'P') return;
    decoded[i] = static_cast<char>((hi - 'A') << 4 | (lo - 'A'));
  }
  std::size_t n = 15;
  while (n > 0 && (decoded[n - 1] == ' ' || decoded[n - 1] == '\0')) --n;
  BoundedString<256> out;
  for (std::size_t i = 0; i < n; ++i) {
    const auto ch = static_cast<uint8_t>(decoded[i]);
    if (ch > 0x20 && ch < 0x7f) out.push_back(static_cast<char>(ch));  // NetBIOS names keep their case
    else append_escaped(out, ch);
  }
  if (dot != std::string_view::npos) out.append(v.substr(dot));
  name = out;
}

// Appends one answer's rdata in Zeek's dns.log wording.
void append_answer(std::span<const uint8_t> msg, uint16_t type, std::size_t rd_off, uint16_t rd_len,
                   BoundedString<256>& out) {
  auto rd = msg.subspan(rd_off, rd_len);
  char tmp[64];
  std::array<char, 46> ip;
  if (!out.empty()) out.push_back(',');
  switch (type) {
    case 1:  // A
      if (rd.size() == 4) out.append(format_ipv4(rd.data(), ip));
      return;
    case 28:  // AAAA
      if (rd.size() == 16) out.append(format_ipv6(rd.data(), ip));
      return;
    case 2: case 5: case 12: case 39:  // NS, CNAME, PTR, DNAME
    case 6:                            // SOA: its primary name server
      read_name(msg, rd_off, &out);
      return;
    case 15:  // MX: preference, exchange
      if (rd.size() > 2) read_name(msg, rd_off + 2, &out);
      return;
    case 16: {  // TXT: "TXT <len> <text>" of the first string
      if (rd.empty()) return;
      const std::size_t n = std::min<std::size_t>(rd[0], rd.size() - 1);
      std::snprintf(tmp, sizeof tmp, "TXT %zu ", n);
      out.append(tmp);
      out.append(as_text(rd.subspan(1, n)));
      return;
    }
    case 46:  // RRSIG: type covered, signer's name
      if (rd.size() > 18) {
        std::snprintf(tmp, sizeof tmp, "RRSIG %u ", static_cast<unsigned>(rd[0] << 8 | rd[1]));
        out.append(tmp);
        read_name(msg, rd_off + 18, &out);
      }
      return;
    case 48:  // DNSKEY: algorithm
      if (rd.size() >= 4) {
        std::snprintf(tmp, sizeof tmp, "DNSKEY %u", rd[3]);
        out.append(tmp);
      }
      return;
    case 43:  // DS: algorithm, digest type
      if (rd.size() >= 4) {
        std::snprintf(tmp, sizeof tmp, "DS %u %u", rd[2], rd[3]);
        out.append(tmp);
      }
      return;
    case 44: {  // SSHFP: algorithm, fingerprint type, fingerprint
      if (rd.size() < 2) return;
      out.append("SSHFP: ");
      for (std::size_t i = 2; i < rd.size(); ++i) {
        std::snprintf(tmp, sizeof tmp, "%02x", rd[i]);
        out.append(tmp);
      }
      return;
    }
    case 65534:  // BIND's private record announcing zone signing progress
      out.append("BIND9 signing signal");
      return;
    default:
      std::snprintf(tmp, sizeof tmp, "<unknown type=%u>", type);
      out.append(tmp);
      return;
  }
}

}  // namespace

bool parse_dns_message(std::span<const uint8_t> msg, DnsMeta& m, bool netbios) {
  Reader r(msg);
  const uint16_t id = r.u16(), flags = r.u16(), qd = r.u16(), an = r.u16();
  r.skip(4);
  if (!r.ok()) return false;
  const bool response = flags & 0x8000;
  std::size_t off = 12;
  // First question (names are read against the whole message for compression).
  if (qd > 0 && m.query.empty()) {
    BoundedString<256> name;
    const std::size_t next = read_name(msg, off, &name);
    if (next && next + 4 <= msg.size()) {
      if (netbios) decode_netbios(name);
      m.query = name;
      m.query_type = static_cast<uint16_t>(msg[next] << 8 | msg[next + 1]);
      m.qclass = static_cast<uint16_t>(msg[next + 2] << 8 | msg[next + 3]);
    }
  }
  if (!response) {
    if (!m.has_query) {
      m.query_id = id;
      m.query_flags = flags;
    }
    m.has_query = true;
    return true;
  }
  if (m.has_response) return true;
  m.has_response = true;
  if (!m.has_query) m.query_id = id;
  m.ret_code = static_cast<uint8_t>(flags & 0x0F);
  m.response_flags = flags;
  m.rejected = m.ret_code != 0 && qd == 0;
  m.num_answers = an;
  for (uint16_t i = 0; i < qd; ++i) {  // skip every question
    const std::size_t next = read_name<1>(msg, off, nullptr);
    if (!next || next + 4 > msg.size()) return true;
    off = next + 4;
  }
  for (uint16_t i = 0; i < an && !m.answers.truncated; ++i) {
    BoundedString<256> owner;
    const std::size_t next = read_name(msg, off, i < DnsMeta::kAnswers ? &owner : nullptr);
    if (!next || next + 10 > msg.size()) break;
    Reader rr(msg.subspan(next));
    const uint16_t type = rr.u16();
    rr.skip(2);
    const uint32_t ttl = rr.u32();
    const uint16_t rdlen = rr.u16();
    if (next + 10 + rdlen > msg.size()) break;
    if (i == 0) m.ttl_answer = ttl;
    const uint16_t before = m.answers.len;
    append_answer(msg, type, next + 10, rdlen, m.answers);
    if (i < DnsMeta::kAnswers) {
      const int k = m.answers_kept++;
      const uint16_t start = static_cast<uint16_t>(before + (before ? 1 : 0));  // past the ','
      m.answer_type[k] = type;
      m.answer_ttl[k] = ttl;
      m.answer_off[k] = start;
      m.answer_len[k] = static_cast<uint16_t>(m.answers.len > start ? m.answers.len - start : 0);
      m.name_off[k] = m.answer_names.len;
      m.answer_names.append(owner.view());
      m.name_len[k] = static_cast<uint16_t>(m.answer_names.len - m.name_off[k]);
    }
    off = next + 10 + rdlen;
  }
  return true;
}

namespace {

uint8_t flavour_of(const PacketContext& c) {
  auto is = [&](uint16_t p) { return c.server_port == p || c.client_port == p; };
  if (is(kPortMdns)) return 1;
  if (is(kPortLlmnr)) return 2;
  if (is(kPortNbns)) return 3;
  return 0;
}

bool plausible_header(std::span<const uint8_t> p) {
  if (p.size() < 12) return false;
  const uint8_t opcode = (p[2] >> 3) & 0x0F;
  const uint16_t qd = static_cast<uint16_t>(p[4] << 8 | p[5]);
  const uint16_t an = static_cast<uint16_t>(p[6] << 8 | p[7]);
  return (opcode <= 2 || opcode == 4 || opcode == 5) && qd <= 16 && an <= 512;
}

// A header and one complete question with a sensible class: enough to guess off-port.
bool well_formed_question(std::span<const uint8_t> p) {
  if (!plausible_header(p) || (p[4] << 8 | p[5]) != 1) return false;
  const std::size_t next = read_name<1>(p, 12, nullptr);
  if (!next || next + 4 > p.size()) return false;
  const uint16_t qclass = static_cast<uint16_t>((p[next + 2] << 8 | p[next + 3]) & 0x7FFF);
  return qclass == 1 || qclass == 255 || qclass == 3;
}

}  // namespace

// One whole message: a query waits for its response; a response completes the query with
// its id (or stands alone); each completed query/response is a transaction.
void DnsState::on_message(std::span<const uint8_t> msg, uint8_t flavour, const PacketContext& c) noexcept {
  DnsMeta one;
  one.flavour = flavour;
  if (!parse_dns_message(msg, one, flavour == 3)) return;
  if (one.has_query) {
    one.query_ns = c.ts_ns;
    if (wants_parts(c.tx) && !one.query.empty()) {  // dns.query, for every query
      TxPartView v;
      v.kind = AppKind::dns;
      v.part = sig::TxPart::request;
      v.tx = &one;
      c.tx->part(v);
    }
    if (count == kPending) emit_oldest(c);  // never answered, as far as we can tell
    new (&pending[(head + count++) % kPending]) DnsMeta(one);  // the slot is unbuilt until now
    return;
  }
  for (uint8_t k = 0; k < count; ++k) {
    DnsMeta& q = pending[(head + k) % kPending];
    if (q.query_id != one.query_id || q.has_response) continue;
    q.has_response = true;
    q.ret_code = one.ret_code;
    q.response_flags = one.response_flags;
    q.rejected = one.rejected;
    q.num_answers = one.num_answers;
    q.answers = one.answers;
    q.ttl_answer = one.ttl_answer;
    // The answers one by one (eve's answers, dns.log's TTLs) come with the response too.
    q.answers_kept = one.answers_kept;
    std::copy_n(one.answer_type, DnsMeta::kAnswers, q.answer_type);
    std::copy_n(one.answer_ttl, DnsMeta::kAnswers, q.answer_ttl);
    std::copy_n(one.answer_off, DnsMeta::kAnswers, q.answer_off);
    std::copy_n(one.answer_len, DnsMeta::kAnswers, q.answer_len);
    std::copy_n(one.name_off, DnsMeta::kAnswers, q.name_off);
    std::copy_n(one.name_len, DnsMeta::kAnswers, q.name_len);
    q.answer_names = one.answer_names;
    if (c.ts_ns > q.query_ns) q.rtt_us = static_cast<uint32_t>(std::min<uint64_t>((c.ts_ns - q.query_ns) / 1000, UINT32_MAX));
    // Answered in order as a rule; one answered out of order waits for those before it, so
    // transactions leave in the order of their queries.
    while (count && pending[head].has_response) emit_oldest(c);
    return;
  }
  emit_tx(c.tx, AppKind::dns, one, c.ts_ns);  // a response to a query we did not see
}

void DnsState::emit_oldest(const PacketContext& c) noexcept {
  const DnsMeta& q = pending[head];
  emit_tx(c.tx, AppKind::dns, q, q.query_ns);
  head = static_cast<uint8_t>((head + 1) % kPending);
  --count;
}

void DnsState::finish(const PacketContext& c, AppMetadata&) noexcept {
  while (count) emit_oldest(c);  // queries that got no response
}

Probe dns_probe(const PacketContext& c) noexcept {
  if (c.l4_proto == ipproto::tcp) {
    if (c.server_port != kPortDns && c.server_port != kPortLlmnr) return Probe::not_mine;
    if (c.payload.size() < 2) return Probe::unsure;
    const std::size_t len = static_cast<std::size_t>(c.payload[0] << 8 | c.payload[1]);
    if (len < 12) return Probe::not_mine;
    return c.payload.size() < 14 || plausible_header(c.payload.subspan(2)) ? Probe::certain : Probe::not_mine;
  }
  const bool on_port = kDnsDissector.on_port(c.server_port) ||
                       (kDnsDissector.on_port(c.client_port) && c.client_port != kPortDns);
  if (on_port && plausible_header(c.payload)) return Probe::certain;
  return well_formed_question(c.payload) ? Probe::unsure : Probe::not_mine;
}

Parse DnsState::parse(const PacketContext& c, AppMetadata& meta) noexcept {
  meta.set_kind(AppKind::dns);
  DnsMeta& m = meta.u.dns;
  const uint8_t flavour = flavour_of(c);
  m.flavour = flavour;
  const bool netbios = flavour == 3;
  // Packet times of the first query and response, for Zeek's rtt.
  const bool had_query = m.has_query, had_response = m.has_response;
  const auto note_times = [&] {
    if (!had_query && m.has_query) m.query_ns = c.ts_ns;
    if (!had_response && m.has_response && m.has_query && c.ts_ns > m.query_ns)
      m.rtt_us = static_cast<uint32_t>(std::min<uint64_t>((c.ts_ns - m.query_ns) / 1000, UINT32_MAX));
  };
  if (c.l4_proto != ipproto::tcp) {
    on_message(c.payload, flavour, c);
    if (!parse_dns_message(c.payload, m, netbios)) return Parse::cont;
    note_times();
    return Parse::cont;  // a client may send more queries on the same 5-tuple
  }
  TcpDir& d = dir[c.from_client ? 0 : 1];
  std::span<const uint8_t> p = c.payload;
  while (!p.empty()) {
    if (d.prefix_have < 2) {
      if (d.prefix_have == 0) d.prefix0 = p[0];
      else d.msg_len = static_cast<uint16_t>(d.prefix0 << 8 | p[0]);
      ++d.prefix_have;
      p = p.subspan(1);
      if (d.prefix_have == 2) {
        if (d.msg_len < 12) return Parse::skip;
        d.have = 0;
      }
      continue;
    }
    const std::size_t take = std::min<std::size_t>(p.size(), d.msg_len - d.have);
    if (d.have < kTcpKeep) {
      const std::size_t keep = std::min<std::size_t>(take, kTcpKeep - d.have);
      std::memcpy(d.buf + d.have, p.data(), keep);
    }
    d.have = static_cast<uint16_t>(d.have + take);
    p = p.subspan(take);
    if (d.have == d.msg_len) {
      const std::span<const uint8_t> msg{d.buf, std::min<std::size_t>(d.msg_len, kTcpKeep)};
      on_message(msg, flavour, c);
      parse_dns_message(msg, m, netbios);
      note_times();
      d.prefix_have = 0;
    }
  }
  return Parse::cont;
}

const Dissector kDnsDissector{
    .name = "dns",
    .kind = AppKind::dns,
    .l4_mask = l4::both,
    .ports = {kPortDns, kPortMdns, kPortLlmnr, kPortNbns, 0, 0},
    .state_size = sizeof(DnsState),
    .state_align = alignof(DnsState),
    .probe = dns_probe,
    .init = init_of<DnsState>(),
    .parse = parse_of<DnsState>(),
    .finish = finish_of<DnsState>(),
    // Followed for the flow's lifetime (every query on a 5-tuple), and DNS flows are many.
    .default_slots = 16384,
    .prefault_slots = 2048,
};

}  // namespace flowprobe::dissect
