#include "dissectors/tls/tls.hpp"

#include <algorithm>
#include <cstdio>
#include <chrono>
#include <cstring>

#include "dissectors/bytes.hpp"
#include "core/digest.hpp"

namespace flowprobe::dissect {
namespace {

constexpr bool is_grease(uint16_t v) { return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff); }

// JA3 strings are hashed as they are produced; the text itself is written only where
// a caller asks for it (the ja3.string rule buffer, TxSink).
class Ja3Writer {
 public:
  explicit Ja3Writer(Ja3Text* text = nullptr) : text_(text) {
    if (text_) text_->n = 0;
  }
  void number(unsigned v) {
    // Hand-rolled decimal: snprintf per value dominated the ClientHello's cost.
    char tmp[8];
    char* e = tmp + sizeof tmp;
    char* b = e;
    do {
      *--b = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v);
    if (sep_) *--b = '-';
    put(std::string_view(b, static_cast<std::size_t>(e - b)));
    sep_ = true;
  }
  void field() {
    put(std::string_view(","));
    sep_ = false;
  }
  void finish(BoundedString<33>& out) {
    char hex[32];
    to_hex(md5_.finish(), hex);
    out.assign(std::string_view(hex, 32));
  }

 private:
  void put(std::string_view v) {
    md5_.update(v);
    if (text_) text_->add(v);
  }
  Md5 md5_;
  Ja3Text* text_;
  bool sep_ = false;
};

// A bounded list of 16-bit values (cipher suites, extension types) for JA4's sorting.
struct U16List {
  static constexpr std::size_t kMax = 128;
  uint16_t v[kMax];
  std::size_t n = 0;
  void push(uint16_t x) {
    if (n < kMax) v[n++] = x;
  }
};

// First 12 hex chars of SHA-256 over "xxxx,xxxx,..." (and "_" + `tail` when not empty).
void ja4_hash(const U16List& list, const U16List* tail, char out[12]) {
  if (list.n == 0) {
    std::memset(out, '0', 12);
    return;
  }
  Sha256 h;
  auto put = [&h](const U16List& l) {
    static constexpr char kHex[] = "0123456789abcdef";
    for (std::size_t i = 0; i < l.n; ++i) {
      const char tmp[5] = {',', kHex[l.v[i] >> 12], kHex[(l.v[i] >> 8) & 15], kHex[(l.v[i] >> 4) & 15], kHex[l.v[i] & 15]};
      h.update(i ? std::string_view(tmp, 5) : std::string_view(tmp + 1, 4));
    }
  };
  put(list);
  if (tail && tail->n) {
    h.update(std::string_view("_"));
    put(*tail);
  }
  char hex[64];
  to_hex(h.finish(), hex);
  std::memcpy(out, hex, 12);
}

const char* ja4_version(uint16_t v) {
  switch (v) {
    case 0x0304: return "13";
    case 0x0303: return "12";
    case 0x0302: return "11";
    case 0x0301: return "10";
    case 0x0300: return "s3";
    case 0x0002: return "s2";
    case 0xfeff: return "d1";
    case 0xfefd: return "d2";
    case 0xfefc: return "d3";
    default: return "00";
  }
}

bool is_alnum(uint8_t ch) { return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'); }

}  // namespace

bool parse_client_hello(std::span<const uint8_t> body, TlsMeta& m, bool quic, Ja3Text* ja3_text) {
  Reader r(body);
  const uint16_t legacy = r.u16();
  r.skip(32);
  r.skip(r.u8());
  Reader ciphers = r.sub(r.u16());
  r.skip(r.u8());  // compression methods
  if (!r.ok()) return false;
  Reader exts = r.remaining() >= 2 ? r.sub(r.u16()) : Reader();

  Ja3Writer ja3(ja3_text);
  U16List ja4_ciphers, ja4_exts, sig_algs;
  ja3.number(legacy);
  ja3.field();
  while (ciphers.remaining() >= 2) {
    const uint16_t c = ciphers.u16();
    if (is_grease(c)) continue;
    ja3.number(c);
    ja4_ciphers.push(c);
  }
  ja3.field();

  uint16_t max_version = 0;
  bool sni = false;
  std::span<const uint8_t> groups, formats, first_alpn;
  std::size_t ext_count = 0;
  while (exts.remaining() >= 4) {
    const uint16_t type = exts.u16();
    Reader e = exts.sub(exts.u16());
    if (!exts.ok()) break;
    if (is_grease(type)) continue;
    ja3.number(type);
    ++ext_count;
    if (type != 0x0000 && type != 0x0010) ja4_exts.push(type);
    switch (type) {
      case 0x0000: {  // server_name
        Reader list = e.sub(e.u16());
        while (list.remaining() >= 3) {
          const uint8_t kind = list.u8();
          auto name = list.bytes(list.u16());
          if (kind == 0 && list.ok() && m.server_name.empty()) m.server_name.assign(as_text(name));
        }
        sni = true;
        break;
      }
      case 0x000a: groups = e.bytes(e.remaining()); break;
      case 0x000b: formats = e.bytes(e.remaining()); break;
      case 0x000d: {
        Reader list = e.sub(e.u16());
        while (list.remaining() >= 2) sig_algs.push(list.u16());
        break;
      }
      case 0x0010: {  // ALPN
        Reader list = e.sub(e.u16());
        m.alpn.clear();
        while (list.remaining() >= 1) {
          auto proto = list.bytes(list.u8());
          if (!list.ok()) break;
          if (first_alpn.empty()) first_alpn = proto;
          if (!m.alpn.empty()) m.alpn.push_back(',');
          m.alpn.append(as_text(proto));
        }
        break;
      }
      case 0x002b: {  // supported_versions
        Reader list = e.sub(e.u8());
        while (list.remaining() >= 2) {
          const uint16_t v = list.u16();
          if (!is_grease(v)) max_version = std::max(max_version, v);
        }
        break;
      }
      default: break;
    }
  }
  ja3.field();
  Reader g(groups);
  Reader glist = g.sub(g.u16());
  while (glist.remaining() >= 2) {
    const uint16_t v = glist.u16();
    if (!is_grease(v)) ja3.number(v);
  }
  ja3.field();
  Reader f(formats);
  Reader flist = f.sub(f.u8());
  while (flist.remaining() >= 1) ja3.number(flist.u8());
  ja3.finish(m.ja3c);

  m.client_version = max_version ? max_version : legacy;
  // JA4_a: t|q, version, d|i, #ciphers, #extensions, ALPN first+last char.
  char a[11];
  char alpn2[3] = "00";
  if (!first_alpn.empty()) {
    const uint8_t f0 = first_alpn.front(), fl = first_alpn.back();
    if (is_alnum(f0) && is_alnum(fl)) {
      alpn2[0] = static_cast<char>(f0);
      alpn2[1] = static_cast<char>(fl);
    } else {
      char h0[2], hl[2];
      to_hex(first_alpn.first(1), h0);
      to_hex(first_alpn.last(1), hl);
      alpn2[0] = h0[0];
      alpn2[1] = hl[1];
    }
  }
  std::snprintf(a, sizeof a, "%c%s%c%02zu%02zu%s", quic ? 'q' : 't', ja4_version(m.client_version), sni ? 'd' : 'i',
                std::min<std::size_t>(ja4_ciphers.n, 99), std::min<std::size_t>(ext_count, 99), alpn2);
  std::sort(ja4_ciphers.v, ja4_ciphers.v + ja4_ciphers.n);
  std::sort(ja4_exts.v, ja4_exts.v + ja4_exts.n);
  char b[12], c[12];
  ja4_hash(ja4_ciphers, nullptr, b);
  ja4_hash(ja4_exts, &sig_algs, c);
  m.ja4c.assign(std::string_view(a, 10));
  m.ja4c.push_back('_');
  m.ja4c.append(std::string_view(b, 12));
  m.ja4c.push_back('_');
  m.ja4c.append(std::string_view(c, 12));
  m.has_client_hello = true;
  return r.ok();
}

bool parse_server_hello(std::span<const uint8_t> body, TlsMeta& m, Ja3Text* ja3_text) {
  Reader r(body);
  const uint16_t legacy = r.u16();
  r.skip(32);
  r.skip(r.u8());
  const uint16_t cipher = r.u16();
  r.skip(1);
  if (!r.ok()) return false;
  Reader exts = r.remaining() >= 2 ? r.sub(r.u16()) : Reader();
  Ja3Writer ja3(ja3_text);
  ja3.number(legacy);
  ja3.field();
  ja3.number(cipher);
  ja3.field();
  uint16_t version = legacy;
  while (exts.remaining() >= 4) {
    const uint16_t type = exts.u16();
    Reader e = exts.sub(exts.u16());
    if (!exts.ok()) break;
    if (is_grease(type)) continue;
    ja3.number(type);
    if (type == 0x002b && e.remaining() >= 2) {
      version = e.u16();
    } else if (type == 0x0010) {
      Reader list = e.sub(e.u16());
      auto proto = list.bytes(list.u8());
      if (list.ok()) m.alpn_negotiated.assign(as_text(proto));
    }
  }
  ja3.finish(m.ja3s);
  m.version = version;
  m.cipher = cipher;
  m.unsafe_cipher = tls_cipher_is_unsafe(cipher);
  m.has_server_hello = true;
  return true;
}

bool tls_cipher_is_unsafe(uint16_t c) {
  // NULL, export, anonymous, RC4, DES and 3DES suites (RFC 7465, RFC 8996 era guidance).
  static constexpr uint16_t kUnsafe[] = {
      0x0000, 0x0001, 0x0002, 0x0003, 0x0004, 0x0005, 0x0006, 0x0008, 0x0009, 0x000a, 0x000b, 0x000c,
      0x000d, 0x000e, 0x000f, 0x0010, 0x0011, 0x0012, 0x0013, 0x0014, 0x0015, 0x0016, 0x0017, 0x0018,
      0x0019, 0x001a, 0x001b, 0x002c, 0x002d, 0x002e, 0x0034, 0x003a, 0x003b, 0x006c, 0x006d, 0x0064,
      0x0062, 0xc001, 0xc002, 0xc003, 0xc006, 0xc007, 0xc008, 0xc00b, 0xc00c, 0xc00d, 0xc010, 0xc011,
      0xc012, 0xc015, 0xc016, 0xc017, 0xc018, 0xc019, 0xc01a, 0xc01b, 0xc01c};
  return std::find(std::begin(kUnsafe), std::end(kUnsafe), c) != std::end(kUnsafe);
}

namespace {

// DER: one TLV; `content` gets the value. Long lengths up to 4 bytes.
bool der_next(Reader& r, uint8_t& tag, Reader& content) {
  tag = r.u8();
  std::size_t len = r.u8();
  if (len & 0x80) {
    const int n = len & 0x7f;
    if (n == 0 || n > 4) return false;
    len = 0;
    for (int i = 0; i < n; ++i) len = len << 8 | r.u8();
  }
  content = r.sub(len);
  return r.ok();
}

// Distinguished name as "C=US, O=..., CN=..." in wire order (nDPI's wording).
template <std::size_t N>
void der_name(Reader name, BoundedString<N>& out) {
  out.clear();
  uint8_t tag;
  Reader set;
  while (name.remaining() && der_next(name, tag, set)) {
    Reader atv;
    while (set.remaining() && der_next(set, tag, atv)) {
      Reader oid, val;
      if (!der_next(atv, tag, oid) || tag != 0x06 || !der_next(atv, tag, val)) break;
      auto o = oid.whole();
      const char* label = nullptr;
      static constexpr uint8_t kEmail[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01};
      if (o.size() == 3 && o[0] == 0x55 && o[1] == 0x04) {
        switch (o[2]) {
          case 3: label = "CN"; break;
          case 6: label = "C"; break;
          case 7: label = "L"; break;
          case 8: label = "ST"; break;
          case 10: label = "O"; break;
          case 11: label = "OU"; break;
          default: break;
        }
      } else if (o.size() == sizeof kEmail && std::equal(o.begin(), o.end(), kEmail)) {
        label = "emailAddress";
      }
      if (!label) continue;
      if (!out.empty()) out.append(", ");
      out.append(label);
      out.push_back('=');
      out.append(as_text(val.whole()));
    }
  }
}

// UTCTime (YYMMDDHHMMSSZ) or GeneralizedTime (YYYYMMDDHHMMSSZ) to epoch seconds.
int64_t der_time(uint8_t tag, std::span<const uint8_t> v) {
  auto num = [&](std::size_t at, std::size_t n) {
    int64_t x = 0;
    for (std::size_t i = at; i < at + n && i < v.size(); ++i) x = x * 10 + (v[i] - '0');
    return x;
  };
  std::size_t o;
  int64_t year;
  if (tag == 0x17 && v.size() >= 12) {
    year = num(0, 2);
    year += year < 50 ? 2000 : 1900;
    o = 2;
  } else if (tag == 0x18 && v.size() >= 14) {
    year = num(0, 4);
    o = 4;
  } else {
    return 0;
  }
  const int64_t mon = num(o, 2), day = num(o + 2, 2);
  if (mon < 1 || mon > 12 || day < 1 || day > 31) return 0;
  namespace chr = std::chrono;
  const chr::sys_days date{chr::year{static_cast<int>(year)} / chr::month{static_cast<unsigned>(mon)} /
                           chr::day{static_cast<unsigned>(day)}};
  return date.time_since_epoch().count() * 86400 + num(o + 4, 2) * 3600 + num(o + 6, 2) * 60 + num(o + 8, 2);
}

}  // namespace

bool parse_certificate(std::span<const uint8_t> der, TlsMeta& m) {
  Sha1 sha;
  sha.update(der);
  m.cert_sha1 = sha.finish();
  m.has_certificate = true;
  Reader r(der);
  uint8_t tag;
  Reader cert, tbs, field;
  if (!der_next(r, tag, cert) || tag != 0x30 || !der_next(cert, tag, tbs) || tag != 0x30) return false;
  if (!der_next(tbs, tag, field)) return false;
  if (tag == 0xa0 && !der_next(tbs, tag, field)) return false;  // [0] version, then serial
  if (const auto serial = field.whole(); tag == 0x02 && !serial.empty()) {
    m.cert_serial_len = static_cast<uint8_t>(std::min(serial.size(), m.cert_serial.size()));
    std::copy_n(serial.begin(), m.cert_serial_len, m.cert_serial.begin());
  }
  if (!der_next(tbs, tag, field)) return false;                  // signature algorithm
  Reader issuer, validity, subject;
  if (!der_next(tbs, tag, issuer) || !der_next(tbs, tag, validity) || !der_next(tbs, tag, subject)) return false;
  der_name(issuer, m.cert_issuer);
  der_name(subject, m.cert_subject);
  Reader t;
  if (der_next(validity, tag, t)) m.cert_not_before = der_time(tag, t.whole());
  if (der_next(validity, tag, t)) m.cert_not_after = der_time(tag, t.whole());
  return true;
}

std::size_t tls_chain_certs(std::span<const uint8_t> list, std::span<std::span<const uint8_t>> out) noexcept {
  Reader r(list);
  std::size_t n = 0;
  while (r.remaining() >= 3) {
    auto cert = r.bytes(r.u24());
    if (!r.ok()) break;
    if (n < out.size()) out[n] = cert;
    ++n;
  }
  return n;
}

void report_tls_step(TxSink* tx, AppKind kind, TlsStep step, const TlsMeta& m, const Ja3Text* text,
                     std::span<const uint8_t> chain, bool chain_cut) {
  if (tx == nullptr) return;
  TxPartView v;
  v.data = chain;
  v.truncated = chain_cut;
  v.kind = kind;
  v.step = static_cast<uint8_t>(step);
  v.to_server = step == TlsStep::client_hello;
  v.part = v.to_server ? sig::TxPart::request : sig::TxPart::response;
  v.tx = &m;
  if (text != nullptr && text->n && !text->cut) v.text = text->view();
  tx->part(v);
}

bool TlsState::complete(const TlsMeta& m) const {
  if (!m.has_client_hello || !m.has_server_hello) return false;
  if (m.version >= 0x0304 && m.version != 0xfeff && m.version != 0xfefd) return true;  // the rest is encrypted
  return m.has_certificate || dir[1].encrypted || dir[1].hello_done;
}

// Gathers handshake bytes and handles each complete message. False: give up the flow.
bool TlsState::feed_handshake(Dir& d, bool client, std::span<const uint8_t> p, TlsMeta& m) {
  uint8_t* buf = client ? cbuf : sbuf;
  const std::size_t cap = client ? kClientBuf : kServerBuf;
  while (!p.empty()) {
    if (d.hs_skip) {
      const std::size_t n = std::min<std::size_t>(d.hs_skip, p.size());
      d.hs_skip -= static_cast<uint32_t>(n);
      p = p.subspan(n);
      continue;
    }
    const std::size_t n = std::min(cap - d.hs_len, p.size());
    std::memcpy(buf + d.hs_len, p.data(), n);
    d.hs_len = static_cast<uint16_t>(d.hs_len + n);
    p = p.subspan(n);
    while (d.hs_len >= 4) {
      const uint8_t type = buf[0];
      const std::size_t len = std::size_t{buf[1]} << 16 | std::size_t{buf[2]} << 8 | buf[3];
      std::span<const uint8_t> body(buf + 4, std::min<std::size_t>(len, d.hs_len - 4));
      const bool whole = 4 + len <= d.hs_len;
      if (!whole && 4 + len <= cap) break;  // wait for the rest
      if (!whole && d.hs_len < cap) break;  // oversized: fill the buffer first
      if (type == 1 && client && !m.has_client_hello) {
        if (!whole) return false;  // a ClientHello larger than the buffer: no honest JA3
        Ja3Text* j = ja3_scratch(tx_);
        parse_client_hello(body, m, false, j);
        if (m.has_client_hello) report_tls_step(tx_, AppKind::tls, TlsStep::client_hello, m, j);
      } else if (type == 2 && !client && !m.has_server_hello) {
        Ja3Text* j = ja3_scratch(tx_);
        parse_server_hello(body, m, j);
        if (m.version >= 0x0304) d.encrypted = true;
        if (m.has_server_hello) report_tls_step(tx_, AppKind::tls, TlsStep::server_hello, m, j);
      } else if (type == 11 && !client && !m.has_certificate) {
        // certificate_list<3>, then the first ASN.1.cert<3>; it may be whole even when
        // the chain is not. The rules' tls.certs see the list as far as the buffer holds
        // it (kServerBuf: 99 % of the corpus' Certificate messages are whole); a chain
        // cut there, or longer than kMaxChainCerts, is a truncated part.
        Reader r(body);
        const std::size_t list_len = r.u24();
        auto first = r.bytes(r.u24());
        if (r.ok()) parse_certificate(first, m);
        else m.has_certificate = true;  // larger than the buffer: leave the fields empty
        std::span<const uint8_t> list = body.size() >= 3 ? body.subspan(3) : std::span<const uint8_t>();
        bool cut = list_len > list.size();
        list = list.first(std::min(list_len, list.size()));
        cut = cut || tls_chain_certs(list, {}) > kMaxChainCerts;
        report_tls_step(tx_, AppKind::tls, TlsStep::certificate, m, nullptr, list, cut);
      } else if (type == 14 && !client) {
        d.hello_done = true;
      }
      if (whole) {
        const std::size_t used = 4 + len;
        std::memmove(buf, buf + used, d.hs_len - used);
        d.hs_len = static_cast<uint16_t>(d.hs_len - used);
      } else {
        d.hs_skip = static_cast<uint32_t>(4 + len - d.hs_len);
        d.hs_len = 0;
      }
      if (d.encrypted) return true;
    }
  }
  return true;
}

bool TlsState::feed_records(Dir& d, bool client, std::span<const uint8_t> p, TlsMeta& m) {
  while (!p.empty()) {
    if (d.hdr_have < 5) {
      d.hdr[d.hdr_have++] = p[0];
      p = p.subspan(1);
      if (d.hdr_have < 5) continue;
      d.rec_type = d.hdr[0];
      d.rec_left = static_cast<uint16_t>(d.hdr[3] << 8 | d.hdr[4]);
      const bool sane = d.rec_type >= 20 && d.rec_type <= 24 && d.hdr[1] == 3 && d.rec_left <= 18432;
      if (!sane) return false;
      if (d.rec_left == 0) d.hdr_have = 0;
      continue;
    }
    const std::size_t n = std::min<std::size_t>(d.rec_left, p.size());
    if (d.rec_type == 22 && !d.encrypted && !feed_handshake(d, client, p.first(n), m)) return false;
    if (d.rec_type == 20) d.encrypted = true;
    d.rec_left = static_cast<uint16_t>(d.rec_left - n);
    p = p.subspan(n);
    if (d.rec_left == 0) d.hdr_have = 0;
  }
  return true;
}

Parse TlsState::parse(const PacketContext& c, AppMetadata& meta) noexcept {
  meta.set_kind(AppKind::tls);
  tx_ = c.tx;
  if (start_ns == 0) start_ns = c.ts_ns;
  TlsMeta& m = meta.u.tls;
  if (!oriented && c.payload.size() >= 6 && c.payload[0] == 22) {
    // A capture that starts with the server's packets makes the server look like the
    // initiator; the hello type says who is who.
    swapped = (c.payload[5] == 1 && !c.from_client) || (c.payload[5] == 2 && c.from_client);
    oriented = true;
  }
  const bool client = c.from_client != swapped;
  Dir& d = dir[client ? 0 : 1];
  bool gap = false;
  auto p = d.cursor.advance(c.tcp_seq, c.payload, gap);
  if (gap) return m.has_client_hello ? Parse::done : Parse::skip;
  if (!feed_records(d, client, p, m)) return m.has_client_hello ? Parse::done : Parse::skip;
  if (complete(m) || (dir[0].encrypted && dir[1].encrypted)) return Parse::done;
  return Parse::cont;
}

void TlsState::finish(const PacketContext& c, AppMetadata& meta) noexcept {
  if (const TlsMeta* t = meta.tls(); t && (t->has_client_hello || t->has_server_hello))
    emit_tx(c.tx, AppKind::tls, *t, start_ns);
}

Probe tls_probe(const PacketContext& c) noexcept {
  auto p = c.payload;
  if (c.l4_proto != ipproto::tcp || p.empty()) return Probe::not_mine;
  if (p[0] != 22) return Probe::not_mine;
  if (p.size() < 6) return Probe::unsure;
  if (p[1] != 3 || p[2] > 4) return Probe::not_mine;
  const uint8_t hs = p[5];  // either hello: the capture may begin with the server's side
  return hs == 1 || hs == 2 ? Probe::certain : Probe::not_mine;
}

const Dissector kTlsDissector{
    .name = "tls",
    .kind = AppKind::tls,
    .l4_mask = l4::tcp,
    .ports = {443, 465, 993, 995, 636, 8443},
    .state_size = sizeof(TlsState),
    .state_align = alignof(TlsState),
    .probe = tls_probe,
    .init = init_of<TlsState>(),
    .parse = parse_of<TlsState>(),
    .finish = finish_of<TlsState>(),
};

}  // namespace flowprobe::dissect
