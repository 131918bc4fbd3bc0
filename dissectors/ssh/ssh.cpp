#include "dissectors/ssh/ssh.hpp"

#include <algorithm>
#include <cstring>

#include "core/digest.hpp"
#include "dissectors/bytes.hpp"

namespace flowprobe::dissect {
namespace {

constexpr uint8_t kMsgKexinit = 20;

// Keeps the line without its CR LF; non-printable bytes become '?', so the flow record's
// JSON carries only what the line said in text.
void set_line(BoundedString<128>& out, std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  out.clear();
  for (char ch : line) out.push_back(ch >= 0x20 && ch < 0x7f ? ch : '?');
}

// A KEXINIT's first eight name-lists: kex, host key, enc c2s, enc s2c, mac c2s, mac s2c,
// comp c2s, comp s2c.
bool kexinit_lists(std::span<const uint8_t> payload, std::string_view (&lists)[8]) {
  Reader r(payload);
  if (r.u8() != kMsgKexinit) return false;
  r.skip(16);  // cookie
  for (auto& l : lists) {
    const uint32_t n = r.u32();
    l = as_text(r.bytes(n));
  }
  return r.ok();
}

// Zeek's find_alg: the client's first algorithm the server also lists.
std::string_view find_alg(std::string_view client, std::string_view server) {
  const auto contains = [](std::string_view list, std::string_view name) {
    for (std::size_t at = 0; at <= list.size();) {
      const std::size_t end = std::min(list.find(',', at), list.size());
      if (list.substr(at, end - at) == name) return true;
      at = end + 1;
    }
    return false;
  };
  for (std::size_t at = 0; at < client.size();) {
    const std::size_t end = std::min(client.find(',', at), client.size());
    const std::string_view name = client.substr(at, end - at);
    if (!name.empty() && contains(server, name)) return name;
    at = end + 1;
  }
  return "Algorithm negotiation failed";
}

template <std::size_t N>
void bidirectional(const std::string_view (&c)[8], const std::string_view (&s)[8], int i, BoundedString<N>& out) {
  const std::string_view to_server = find_alg(c[i], s[i]), to_client = find_alg(c[i + 1], s[i + 1]);
  out.clear();
  if (to_server == to_client) return out.append(to_server);
  out.append("To server: ");
  out.append(to_server);
  out.append(", to client: ");
  out.append(to_client);
}

}  // namespace

bool ssh_negotiate(std::span<const uint8_t> client_kexinit, std::span<const uint8_t> server_kexinit, SshMeta& m) {
  std::string_view c[8], s[8];
  if (!kexinit_lists(client_kexinit, c) || !kexinit_lists(server_kexinit, s)) return false;
  m.kex_alg.assign(find_alg(c[0], s[0]));
  m.host_key_alg.assign(find_alg(c[1], s[1]));
  bidirectional(c, s, 2, m.cipher_alg);
  bidirectional(c, s, 4, m.mac_alg);
  bidirectional(c, s, 6, m.compression_alg);
  return true;
}

bool ssh_kexinit_hassh(std::span<const uint8_t> payload, bool client, BoundedString<33>& hassh) {
  std::string_view lists[8];
  if (!kexinit_lists(payload, lists)) return false;
  const int side = client ? 0 : 1;
  Md5 md5;
  md5.update(lists[0]);
  for (int i : {2, 4, 6}) {
    md5.update(std::string_view(";"));
    md5.update(lists[i + side]);
  }
  char hex[32];
  to_hex(md5.finish(), hex);
  hassh.assign(std::string_view(hex, 32));
  return true;
}

void SshState::feed(Dir& d, bool client, std::span<const uint8_t> p, SshMeta& m, TxSink* tx) {
  while (!p.empty() && d.phase != Dir::Phase::finished) {
    if (d.phase == Dir::Phase::line) {
      const auto* nl = static_cast<const uint8_t*>(std::memchr(p.data(), '\n', p.size()));
      const std::size_t take = nl ? static_cast<std::size_t>(nl - p.data()) + 1 : p.size();
      if (d.have + take > kMaxLine + 2) {  // no line end where one must be: not SSH after all
        d.phase = Dir::Phase::finished;
        return;
      }
      std::memcpy(d.buf + d.have, p.data(), take);
      d.have = static_cast<uint16_t>(d.have + take);
      p = p.subspan(take);
      if (!nl) return;
      const std::string_view line(reinterpret_cast<const char*>(d.buf), d.have);
      d.have = 0;
      if (line.starts_with("SSH-")) {
        BoundedString<128>& kept = client ? m.client_signature : m.server_signature;
        set_line(kept, line);
        d.phase = Dir::Phase::kexinit;
        if (tx != nullptr) {  // ssh.proto / ssh.software, once per side
          TxPartView v;
          v.kind = AppKind::ssh;
          v.part = client ? sig::TxPart::request : sig::TxPart::response;
          v.to_server = client;
          v.tx = &m;
          v.text = kept.view();
          tx->part(v);
        }
      } else if (client || ++d.other_lines > 16) {  // only a server may say something first
        d.phase = Dir::Phase::finished;
      }
      continue;
    }
    // The first binary packet: uint32 packet_length, byte padding_length, payload, padding.
    if (d.have < 4) {
      const std::size_t take = std::min<std::size_t>(4 - d.have, p.size());
      std::memcpy(d.buf + d.have, p.data(), take);
      d.have = static_cast<uint16_t>(d.have + take);
      p = p.subspan(take);
      continue;
    }
    const uint32_t len = uint32_t{d.buf[0]} << 24 | uint32_t{d.buf[1]} << 16 | uint32_t{d.buf[2]} << 8 | d.buf[3];
    if (len < 2 || len > kBuf - 4) {  // not a packet, or a KEXINIT larger than we keep
      d.phase = Dir::Phase::finished;
      return;
    }
    const std::size_t want = 4 + std::size_t{len};
    const std::size_t take = std::min(want - d.have, p.size());
    std::memcpy(d.buf + d.have, p.data(), take);
    d.have = static_cast<uint16_t>(d.have + take);
    p = p.subspan(take);
    if (d.have < want) return;
    const uint8_t padding = d.buf[4];
    if (want >= 5 + std::size_t{padding} &&
        ssh_kexinit_hassh({d.buf + 5, want - 5 - padding}, client, client ? m.hassh_client : m.hassh_server))
      d.kexinit_len = static_cast<uint16_t>(want - 5 - padding);
    d.phase = Dir::Phase::finished;
  }
}

Parse SshState::parse(const PacketContext& c, AppMetadata& meta) noexcept {
  meta.set_kind(AppKind::ssh);
  if (c.payload.empty()) return Parse::cont;
  if (start_ns == 0) start_ns = c.ts_ns;
  Dir& d = dir[c.from_client ? 0 : 1];
  if (d.phase == Dir::Phase::finished) return Parse::cont;
  bool gap = false;
  const auto fresh = d.cursor.advance(c.tcp_seq, c.payload, gap);
  if (gap) d.phase = Dir::Phase::finished;  // never stitch unrelated bytes together
  else feed(d, c.from_client, fresh, meta.u.ssh, c.tx);
  if (dir[0].phase != Dir::Phase::finished || dir[1].phase != Dir::Phase::finished) return Parse::cont;
  if (dir[0].kexinit_len && dir[1].kexinit_len)
    ssh_negotiate({dir[0].buf + 5, dir[0].kexinit_len}, {dir[1].buf + 5, dir[1].kexinit_len}, meta.u.ssh);
  return Parse::done;
}

void SshState::finish(const PacketContext& c, AppMetadata& meta) noexcept {
  if (const SshMeta* s = meta.ssh(); s && (!s->client_signature.empty() || !s->server_signature.empty()))
    emit_tx(c.tx, AppKind::ssh, *s, start_ns);
}

Probe ssh_probe(const PacketContext& c) noexcept {
  if (c.l4_proto != ipproto::tcp) return Probe::not_mine;
  const std::string_view p = as_text(c.payload);
  if (p.starts_with("SSH-")) return Probe::certain;
  // A server may send other lines before its identification (RFC 4253 4.2).
  return !c.from_client && p.substr(0, 1024).find("\nSSH-") != std::string_view::npos ? Probe::certain
                                                                                       : Probe::not_mine;
}

const Dissector kSshDissector{
    .name = "ssh",
    .kind = AppKind::ssh,
    .l4_mask = l4::tcp,
    .ports = {22, 0, 0, 0, 0, 0},
    .state_size = sizeof(SshState),
    .state_align = alignof(SshState),
    .probe = ssh_probe,
    .init = init_of<SshState>(),
    .parse = parse_of<SshState>(),
    .finish = finish_of<SshState>(),
};

}  // namespace flowprobe::dissect
