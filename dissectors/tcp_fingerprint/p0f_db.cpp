#include "dissectors/tcp_fingerprint/p0f_db.hpp"

#include <charconv>
#include <fstream>

#include "dissectors/tcp_fingerprint/tcp_fingerprint.hpp"

namespace flowprobe::dissect {

namespace {

const P0fDb* g_db = nullptr;

constexpr uint32_t kDf = 1, kNzId = 2, kZeroId = 4, kEcn = 8, kNzMbz = 16, kFlow = 32, kZeroSeq = 64, kNzAck = 128,
                   kZeroAck = 256, kNzUrg = 512, kUrg = 1024, kPush = 2048, kTs1 = 4096, kTs2 = 8192,
                   kOptEol = 16384, kExws = 32768, kBad = 65536;
constexpr unsigned kMaxDist = 35;  // p0f's MAX_DIST

uint64_t hash_text(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (const char c : s) h = (h ^ static_cast<uint8_t>(c)) * 0x100000001b3ull;
  return h;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// The next ':'-separated field of `s` (consumed).
std::string_view field(std::string_view& s, char sep = ':') {
  const std::size_t at = s.find(sep);
  const std::string_view f = s.substr(0, at);
  s = at == std::string_view::npos ? std::string_view() : s.substr(at + 1);
  return f;
}

bool number(std::string_view s, int32_t lo, int32_t hi, int32_t& out) {
  if (s.empty()) return false;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && out >= lo && out <= hi;
}

}  // namespace

uint32_t p0f_quirk_bit(std::string_view q) {
  static constexpr std::pair<std::string_view, uint32_t> kNames[] = {
      {"df", kDf},       {"id+", kNzId},     {"id-", kZeroId},  {"ecn", kEcn},     {"0+", kNzMbz},    {"flow", kFlow},
      {"seq-", kZeroSeq}, {"ack+", kNzAck},  {"ack-", kZeroAck}, {"uptr+", kNzUrg}, {"urgf+", kUrg},  {"pushf+", kPush},
      {"ts1-", kTs1},    {"ts2+", kTs2},     {"opt+", kOptEol}, {"exws", kExws},   {"bad", kBad}};
  for (const auto& [name, bit] : kNames)
    if (name == q) return bit;
  return 0;
}

void set_p0f_db(const P0fDb* db) { g_db = db; }
const P0fDb* p0f_db() { return g_db; }

std::unique_ptr<P0fDb> P0fDb::load(const std::string& path, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = path + ": cannot be read";
    return nullptr;
  }
  return parse(in, path, error);
}

std::unique_ptr<P0fDb> P0fDb::parse(std::istream& in, const std::string& path, std::string& error) {
  auto db = std::unique_ptr<P0fDb>(new P0fDb);
  enum { other, request, response } section = other;
  bool have_label = false;
  std::string line;
  for (unsigned no = 1; std::getline(in, line); ++no) {
    const auto bad = [&](const char* why) {
      error = path + ":" + std::to_string(no) + ": " + why;
      return nullptr;
    };
    if (line.size() > kMaxLine) return bad("line too long");
    const std::string_view l = trim(line);
    if (l.empty() || l.front() == ';') continue;
    if (l.front() == '[') {
      section = l == "[tcp:request]" ? request : l == "[tcp:response]" ? response : other;
      have_label = false;
      continue;
    }
    if (section == other) continue;
    const std::size_t eq = l.find('=');
    if (eq == std::string_view::npos) return bad("expected 'key = value'");
    const std::string_view key = trim(l.substr(0, eq));
    std::string_view val = trim(l.substr(eq + 1));
    if (key == "label") {
      // type:class:name:flavor, type s(pecific) or g(eneric), class "!" for a userland tool.
      const std::string_view type = field(val), cls = field(val), name = field(val);
      if ((type != "s" && type != "g") || cls.empty() || name.empty()) return bad("malformed label");
      if (db->labels_.size() >= 65535) return bad("too many labels");
      Label lab;
      lab.generic = type == "g";
      lab.userland = cls == "!";
      lab.os = std::string(name);
      if (!val.empty()) lab.os.append(" ").append(val);
      db->labels_.push_back(std::move(lab));
      have_label = true;
      continue;
    }
    if (key != "sig") continue;  // sys = …
    if (!have_label) return bad("signature before any label");
    if (db->sigs_.size() >= kMaxSigs) return bad("too many signatures");
    Sig s;
    s.syn = section == request;
    s.label = static_cast<uint16_t>(db->labels_.size());
    const std::string_view ver = field(val), ttl = field(val), olen = field(val), mss = field(val);
    std::string_view wsize = field(val), layout = field(val), quirks = field(val), pclass = val;
    const std::string_view win = field(wsize, ','), scale = wsize;
    int32_t n = 0;
    if (ver == "4") s.ver = 4;
    else if (ver == "6") s.ver = 6;
    else if (ver != "*") return bad("bad IP version");
    // Initial TTL: N, N- (a bad TTL: only an upper bound) or N+D.
    std::string_view t = ttl;
    if (t.ends_with('-')) {
      s.bad_ttl = true;
      t.remove_suffix(1);
    }
    int32_t add = 0;
    if (const std::size_t plus = t.find('+'); plus != std::string_view::npos) {
      if (!number(t.substr(plus + 1), 0, 255, add)) return bad("bad TTL distance");
      t = t.substr(0, plus);
    }
    if (!number(t, 1, 255, n) || n + add > 255) return bad("bad initial TTL");
    s.ittl = static_cast<uint8_t>(n + add);
    if (!number(olen, 0, 255, n)) return bad("bad IP option length");
    s.olen = static_cast<uint8_t>(n);
    if (mss != "*") {
      if (!number(mss, 0, 65535, n)) return bad("bad MSS");
      s.mss = n;
    }
    if (win == "*") {
      s.win_type = win_any;
    } else if (win.starts_with('%')) {
      if (!number(win.substr(1), 2, 65535, n)) return bad("bad window modulo");
      s.win_type = win_mod;
      s.win = static_cast<uint16_t>(n);
    } else if (win.starts_with("mss*") || win.starts_with("mtu*")) {
      if (!number(win.substr(4), 1, 1000, n)) return bad("bad window multiple");
      s.win_type = win[1] == 's' ? win_mss : win_mtu;
      s.win = static_cast<uint16_t>(n);
    } else {
      if (!number(win, 0, 65535, n)) return bad("bad window");
      s.win = static_cast<uint16_t>(n);
    }
    if (scale != "*") {
      if (!number(scale, 0, 255, n)) return bad("bad window scale");
      s.wscale = n;
    }
    s.layout = std::string(layout);
    s.layout_hash = hash_text(layout);
    for (std::string_view q = quirks; !q.empty();) {
      const uint32_t bit = p0f_quirk_bit(field(q, ','));
      if (bit == 0) return bad("unknown quirk");
      s.quirks |= bit;
    }
    if (pclass == "0") s.pclass = 0;
    else if (pclass == "+") s.pclass = 1;
    else if (pclass != "*") return bad("bad payload class");
    db->sigs_.push_back(std::move(s));
  }
  if (db->sigs_.empty()) {
    error = path + ": no [tcp:request] or [tcp:response] signatures";
    return nullptr;
  }
  return db;
}

void P0fDb::match(AssetEvent& e) const noexcept {
  e.u.tcp = {};
  const bool syn = e.op == 1;
  const std::string_view layout = e.class_id;
  const uint64_t layout_hash = hash_text(layout);
  uint32_t quirks = 0;
  for (std::string_view q = e.param_list; !q.empty();) quirks |= p0f_quirk_bit(field(q, ','));
  const unsigned ttl = e.ttl;
  const int32_t mss = e.tcp_mss, wscale = e.tcp_wscale == 0xFF ? 0 : e.tcp_wscale;
  const WindowMultiple multi = window_multiple(e);
  const Sig* generic = nullptr;
  const Sig* fuzzy_match = nullptr;
  for (const Sig& s : sigs_) {
    if (s.syn != syn || s.layout_hash != layout_hash || s.layout != layout) continue;
    bool fuzzy = false;
    uint32_t ref_quirks = s.quirks;
    // A signature for either IP version drops the other version's quirks.
    if (s.ver == -1) ref_quirks &= e.ip_version == 4 ? ~kFlow : ~(kDf | kNzId | kZeroId);
    if (ref_quirks != quirks) {
      const uint32_t deleted = (ref_quirks ^ quirks) & ref_quirks, added = (ref_quirks ^ quirks) & quirks;
      if (fuzzy_match || (deleted & ~(kDf | kNzId)) || (added & ~(kZeroId | kEcn))) continue;
      fuzzy = true;
    }
    if (s.olen != e.ip_olen) continue;
    if (s.bad_ttl) {
      if (s.ittl < ttl) continue;
    } else if (s.ittl < ttl || s.ittl - ttl > kMaxDist) {
      fuzzy = true;
    }
    if (s.mss != -1 && s.mss != mss) continue;
    if (s.wscale != -1 && s.wscale != wscale) continue;
    if (s.pclass != -1 && s.pclass != 0) continue;  // a SYN's payload: none
    switch (s.win_type) {
      case win_normal:
        if (s.win != e.tcp_window) continue;
        break;
      case win_mod:
        if (e.tcp_window % s.win) continue;
        break;
      case win_mss:
        if (multi.mtu || s.win != multi.n) continue;
        break;
      case win_mtu:
        if (!multi.mtu || s.win != multi.n) continue;
        break;
      case win_any: break;
    }
    if (!fuzzy) {
      if (!labels_[s.label - 1].generic) {
        e.u.tcp.label = s.label;
        return;
      }
      if (generic == nullptr) generic = &s;
    } else if (fuzzy_match == nullptr) {
      fuzzy_match = &s;
    }
  }
  if (generic != nullptr) {
    e.u.tcp.label = generic->label;
    e.u.tcp.generic = 1;
    return;
  }
  if (fuzzy_match != nullptr && !labels_[fuzzy_match->label - 1].userland) {
    e.u.tcp.label = fuzzy_match->label;
    e.u.tcp.fuzzy = 1;
  }
}

std::string_view P0fDb::os(uint16_t label) const noexcept {
  if (label == 0 || label > labels_.size() || labels_[label - 1].userland) return "???";
  return labels_[label - 1].os;
}

}  // namespace flowprobe::dissect
