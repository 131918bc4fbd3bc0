#pragma once
// Cuts one direction of a line-based protocol (SMTP, FTP, and the next text protocols)
// into lines, in a bounded buffer: a line split across segments is gathered, a longer
// one keeps its first N-1 bytes and is marked cut. A protocol may ask for raw bytes
// between lines (SMTP's BDAT chunks): set `raw` from the line callback and they go to the
// raw callback instead. No allocation; the TcpCursor in front of it drops retransmissions
// and tells it of gaps.
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

#include "dissectors/dissector.hpp"

namespace flowprobe::dissect {

template <std::size_t N>
struct LineReader {
  uint64_t raw = 0;  // bytes still to hand over raw before the next line
  uint16_t len = 0;
  bool cut = false;
  bool resync = false;  // after a gap: bytes up to the next line end are dropped
  char buf[N];

  // `lost` bytes went missing (a TCP gap) and reading goes on, as Zeek's analyzers go on
  // after a content gap. Raw bytes still due count the lost ones first. When the gap fell
  // inside a line, what follows it up to the next line end is its tail and is dropped;
  // after a whole line (or raw chunk), the next segment is taken to begin one: clients and
  // servers send whole lines. The protocol may have lost a command or a reply.
  void gap(uint64_t lost) {
    raw -= lost < raw ? lost : raw;
    if (raw > 0) return;
    resync = len > 0 || cut;
    len = 0;
    cut = false;
  }

  // on_line(std::string_view line, bool cut): the line without its CR LF (or bare LF).
  // on_raw(std::span<const uint8_t>): raw bytes, while `raw` lasts.
  template <typename OnLine, typename OnRaw>
  void feed(std::span<const uint8_t> p, OnLine&& on_line, OnRaw&& on_raw) {
    while (!p.empty()) {
      if (resync) {
        const auto* nl = static_cast<const uint8_t*>(std::memchr(p.data(), '\n', p.size()));
        if (!nl) return;
        p = p.subspan(static_cast<std::size_t>(nl - p.data()) + 1);
        resync = false;
        continue;
      }
      if (raw > 0) {
        const std::size_t n = raw < p.size() ? static_cast<std::size_t>(raw) : p.size();
        on_raw(p.first(n));
        raw -= n;
        p = p.subspan(n);
        continue;
      }
      const auto* nl = static_cast<const uint8_t*>(std::memchr(p.data(), '\n', p.size()));
      const std::size_t take = nl ? static_cast<std::size_t>(nl - p.data()) + 1 : p.size();
      const std::size_t room = N - 1 - len;
      const std::size_t keep = take < room ? take : room;
      std::memcpy(buf + len, p.data(), keep);
      len = static_cast<uint16_t>(len + keep);
      cut = cut || keep < take;
      p = p.subspan(take);
      if (!nl) return;
      std::string_view line(buf, len);
      while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
      const bool was_cut = cut;
      len = 0;
      cut = false;
      on_line(line, was_cut);
    }
  }
  template <typename OnLine>
  void feed(std::span<const uint8_t> p, OnLine&& on_line) {
    feed(p, on_line, [](std::span<const uint8_t>) {});
  }
};

// "VERB rest": the verb and what follows the first space (both without surrounding blanks).
inline void split_verb(std::string_view line, std::string_view& verb, std::string_view& arg) {
  const std::size_t sp = line.find(' ');
  verb = line.substr(0, sp);
  arg = sp == std::string_view::npos ? std::string_view() : line.substr(sp + 1);
  while (!arg.empty() && (arg.front() == ' ' || arg.front() == '\t')) arg.remove_prefix(1);
  while (!arg.empty() && (arg.back() == ' ' || arg.back() == '\t')) arg.remove_suffix(1);
}

// A reply line of SMTP or FTP (RFC 5321 4.2, RFC 959 4.2): "250 text" (last line) or
// "250-text" (more follow). False when the line does not start with three digits.
inline bool reply_code(std::string_view line, uint16_t& code, bool& more, std::string_view& text) {
  if (line.size() < 3) return false;
  for (int i = 0; i < 3; ++i)
    if (line[i] < '0' || line[i] > '9') return false;
  if (line.size() > 3 && line[3] != ' ' && line[3] != '-') return false;
  code = static_cast<uint16_t>((line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0'));
  more = line.size() > 3 && line[3] == '-';
  text = line.size() > 4 ? line.substr(4) : std::string_view();
  return true;
}

// A server's greeting, "220 name …" (SMTP, FTP): certain on the protocol's own port,
// a guess elsewhere when its first line has `word` in it ("SMTP" in "ESMTP Postfix").
inline Probe greeting_probe(std::string_view p, bool on_port, std::string_view word) {
  if (!p.starts_with("220") || p.size() < 4 || (p[3] != ' ' && p[3] != '-')) return Probe::not_mine;
  if (on_port) return Probe::certain;
  return p.substr(0, p.find('\n')).find(word) != std::string_view::npos ? Probe::unsure : Probe::not_mine;
}

}  // namespace flowprobe::dissect
