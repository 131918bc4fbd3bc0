// The packet path: Hyperscan finds the candidate rules (their prefilter literal
// occurred), then each candidate's full condition is checked in rule order. Nothing
// here allocates: buffers, pools and tables are sized when the scanner is built.
#include <algorithm>
#include <cstring>

#include "core/digest.hpp"
#include "signatures/signature_engine.hpp"

namespace flowprobe::sig {

struct PerCoreScanner::StreamSlot {
  HsStream stream;
  uint64_t offset = 0;    // stream bytes fed so far
  uint32_t next_seq = 0;  // TCP sequence number expected next
  bool seq_known = false;
};

struct PerCoreScanner::PacketMeta {
  const uint8_t* src_ip = nullptr;
  const uint8_t* dst_ip = nullptr;
  uint16_t sport = 0, dport = 0;
  uint8_t proto = 0, ip_version = 0;
  bool to_server = true;
  uint8_t tcp_flags = 0;
  uint8_t icmp_type = 0, icmp_code = 0;
  bool has_icmp_id = false;
  uint16_t icmp_id = 0, ip_id = 0;
  uint32_t dsize = 0;
  uint64_t ts_ns = 0;
};

// One flow's flowint variables (ids into the engine's flowint names), from a per-core pool.
struct PerCoreScanner::FlowVarBlock {
  uint16_t ids[kMaxFlowints];
  uint32_t values[kMaxFlowints];
  uint8_t count = 0;
};

struct PerCoreScanner::ThresholdEntry {
  uint32_t rule_plus1 = 0;
  uint32_t count = 0;
  uint64_t key = 0;
  uint64_t window_start_ns = 0;
};

namespace {

constexpr std::size_t kMaxSegment = 256 * 1024;  // larger payloads are checked per packet only
constexpr int kBacktrackBudget = 2048;           // content/pcre attempts per rule check
constexpr int kMaxPcreEnds = 16;
constexpr std::size_t kBase64Room = 65535;  // Suricata's BASE64_DECODE_MAX

struct LowerTable {
  std::array<uint8_t, 256> t{};
  constexpr LowerTable() {
    for (int i = 0; i < 256; ++i) t[static_cast<std::size_t>(i)] = static_cast<uint8_t>(i >= 'A' && i <= 'Z' ? i + 32 : i);
  }
};
constexpr LowerTable kLower;

// First s in [from, last_start] where the pattern occurs, or -1.
int64_t find_at(const uint8_t* d, int64_t from, int64_t last_start, const std::string& pat, bool nocase) {
  const auto* p = reinterpret_cast<const uint8_t*>(pat.data());
  const auto plen = static_cast<int64_t>(pat.size());
  if (from > last_start) return -1;
  if (!nocase) {
    const uint8_t first = p[0];
    int64_t s = from;
    while (s <= last_start) {
      const void* hit = std::memchr(d + s, first, static_cast<std::size_t>(last_start - s + 1));
      if (!hit) return -1;
      s = static_cast<const uint8_t*>(hit) - d;
      if (std::memcmp(d + s, p, static_cast<std::size_t>(plen)) == 0) return s;
      ++s;
    }
    return -1;
  }
  for (int64_t s = from; s <= last_start; ++s) {
    if (kLower.t[d[s]] != p[0]) continue;
    int64_t k = 1;
    while (k < plen && kLower.t[d[s + k]] == p[k]) ++k;
    if (k == plen) return s;
  }
  return -1;
}

struct PcreEnds {
  uint64_t ends[kMaxPcreEnds];
  int n = 0;
};

int on_first(unsigned, unsigned long long, unsigned long long, unsigned, void* found) {
  *static_cast<bool*>(found) = true;
  return 1;  // one is enough
}

int on_pcre(unsigned, unsigned long long, unsigned long long to, unsigned, void* ctx) {
  auto* e = static_cast<PcreEnds*>(ctx);
  if (e->n > 0 && e->ends[e->n - 1] == to) return 0;
  e->ends[e->n++] = to;
  return e->n == kMaxPcreEnds ? 1 : 0;  // enough choices to backtrack over
}

// Suricata reads a string number with strtoull over the `nbytes` bytes (over the rest of
// the buffer when nbytes is 0): leading white space and a '+' are skipped, the digits
// stop at the first byte that is not one, none or an overflow is no match.
// `nbytes` is the item's, or the value of the variable it names.
bool read_number(const uint8_t* d, int64_t len, int64_t pos, const Item& it, int nbytes, uint64_t& v, bool mask = true) {
  if (pos < 0 || pos + nbytes > len || pos >= len) return false;
  v = 0;
  if (it.string) {
    const int64_t end = nbytes ? pos + nbytes : len;
    int64_t i = pos;
    while (i < end && (d[i] == ' ' || (d[i] >= '\t' && d[i] <= '\r'))) ++i;
    if (i < end && d[i] == '+') ++i;
    int digits = 0;
    for (; i < end; ++i) {
      const uint8_t c = d[i];
      int dv;
      if (c >= '0' && c <= '9') dv = c - '0';
      else if (c >= 'a' && c <= 'f') dv = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') dv = c - 'A' + 10;
      else break;
      if (dv >= it.base) break;
      if (v > (~uint64_t{0} - static_cast<uint64_t>(dv)) / it.base) return false;
      v = v * it.base + static_cast<uint64_t>(dv);
      ++digits;
    }
    if (digits == 0) return false;
  } else if (it.little_endian) {
    for (int i = nbytes - 1; i >= 0; --i) v = v << 8 | d[pos + i];
  } else {
    for (int i = 0; i < nbytes; ++i) v = v << 8 | d[pos + i];
  }
  if (mask && it.bitmask) {
    v &= it.bitmask;
    v >>= __builtin_ctzll(it.bitmask);
  }
  return true;
}

// asn1 (Suricata's detect-asn1 over der-parser): BER elements from `p`, each checked with
// its children; a malformed or truncated element ends the decoding (those before count).
struct Asn1Walk {
  const Item& it;
  int frames = 0;
  static constexpr int kMaxFrames = 30;  // Suricata's max_frames default

  // One element at p[0..n): its size in `used`; false when it does not decode.
  bool element(const uint8_t* p, std::size_t n, int depth, std::size_t& used, bool& hit) {
    if (depth > kMaxFrames || n < 2) return false;
    std::size_t i = 0;
    const uint8_t id = p[i++];
    uint32_t tag = id & 0x1f;
    if (tag == 0x1f) {  // high tag number: base-128 digits
      tag = 0;
      for (int k = 0;; ++k) {
        if (i >= n || k == 4) return false;
        tag = tag << 7 | (p[i] & 0x7f);
        if (!(p[i++] & 0x80)) break;
      }
    }
    if (i >= n) return false;
    const bool universal = (id & 0xc0) == 0, constructed = id & 0x20;
    uint64_t len = 0;
    bool indefinite = false;
    const uint8_t l0 = p[i++];
    if (l0 < 0x80) {
      len = l0;
    } else if (l0 == 0x80) {
      if (!constructed) return false;
      indefinite = true;
    } else {
      const int nb = l0 & 0x7f;
      if (nb > 8 || i + static_cast<std::size_t>(nb) > n) return false;
      for (int k = 0; k < nb; ++k) len = len << 8 | p[i++];
    }
    const uint8_t* content = p + i;
    std::size_t avail = n - i, content_len = 0;
    if (!indefinite) {
      if (len > avail) return false;  // truncated: der-parser gives up on it
      content_len = static_cast<std::size_t>(len);
    }
    if (check(universal, constructed, tag, len, content, indefinite ? 0 : content_len)) hit = true;
    if (constructed) {
      // Universal SEQUENCE/SET content must decode; an application or context element
      // whose content does not is kept whole (der-parser's unknown content), its children unchecked.
      std::size_t off = 0;
      const std::size_t limit = indefinite ? avail : content_len;
      bool child_hit = false, ok = true;
      while (off < limit) {
        if (indefinite && off + 2 <= limit && content[off] == 0 && content[off + 1] == 0) {
          off += 2;
          content_len = off;
          indefinite = false;
          break;
        }
        std::size_t u = 0;
        if (!element(content + off, limit - off, depth + 1, u, child_hit)) {
          ok = false;
          break;
        }
        off += u;
      }
      if (indefinite) return false;  // no end-of-contents
      if (!ok && universal) return false;
      if (ok && child_hit) hit = true;
    } else if (universal && tag == 3 && content_len == 0) {
      return false;  // a BIT STRING has at least its unused-bits octet
    }
    used = i + content_len;
    return true;
  }

  bool check(bool universal, bool constructed, uint32_t tag, uint64_t len, const uint8_t* c, std::size_t n) const {
    if ((it.asn1_checks & asn1_check::oversize_length) && (len > it.value || n > it.value)) return true;
    // bitstring_overflow: more unused bits than the string has
    if ((it.asn1_checks & asn1_check::bitstring_overflow) && universal && !constructed && tag == 3 && len > 0 &&
        c[0] > len * 8)
      return true;
    // double_overflow: a decimal REAL over 256 bytes (the MSASN1 overflow)
    if ((it.asn1_checks & asn1_check::double_overflow) && universal && !constructed && tag == 9 && len > 0 && n > 0 &&
        (c[0] & 0xc0) == 0 && (len > 256 || n > 256))
      return true;
    return false;
  }

  bool run(const uint8_t* p, std::size_t n) {
    while (n > 0 && frames++ < kMaxFrames) {
      std::size_t used = 0;
      bool hit = false;
      if (!element(p, n, 1, used, hit)) return false;
      if (hit) return true;
      p += used;
      n -= used;
    }
    return false;
  }
};

}  // namespace

// Checks a buffer's items in order with a cursor, retrying earlier matches when a
// later relative item fails, as Suricata's content inspection does.
struct Inspector {
  const SignatureEngine& engine;
  hs_scratch_t* scratch;
  Pcre2Scratch* re;  // null when the engine runs no pcre on PCRE2
  const uint8_t* d;
  int64_t len;
  int64_t base;  // stream offset of d[0]; absolute keywords are stream offsets
  int budget = kBacktrackBudget;
  uint64_t vars[kMaxByteVars] = {};  // byte_extract's values on the path being checked
  uint8_t* b64_room = nullptr;       // kBase64Room bytes for base64_decode (null: no rule decodes)
  ScannerCounters* counters = nullptr;

  // A keyword's number, or the byte_extract variable it names (clamped as Suricata's 32-bit use).
  int32_t val(int8_t var, int32_t number) const {
    return var < 0 ? number : static_cast<int32_t>(std::min<uint64_t>(vars[var], 1u << 30));
  }
  // byte_test / byte_jump's byte count: a variable's must be 1 to 8 (23 with `string`), else -1 (no match).
  int nbytes_of(const Item& it) const {
    if (it.nbytes_var < 0) return it.nbytes;
    const uint64_t n = vars[it.nbytes_var];
    return n >= 1 && n <= (it.string ? 23u : 8u) ? static_cast<int>(n) : -1;
  }

  // Suricata's pcre on PCRE2: the leftmost match from the cursor (relative) or the buffer's
  // start; a relative keyword after it that fails retries from one past the match start.
  // Hyperscan, where it compiled the expression, first rules out most buffers cheaply.
  bool run_pcre2(const PcreProgram& prog, const Item& it, const std::vector<Item>& items, std::size_t i,
                 int64_t start, int64_t cursor, bool next_relative) {
    const auto* subject = reinterpret_cast<PCRE2_SPTR>(d + start);
    const auto n = static_cast<PCRE2_SIZE>(len - start);
    if (prog.hs) {
      bool found = false;
      hs_scan(prog.hs.get(), reinterpret_cast<const char*>(subject), static_cast<unsigned>(n), 0, scratch, on_first,
              &found);
      if (!found) return it.negated && run(items, i + 1, cursor);
    }
    pcre2_match_context* mctx = prog.no_limit ? re->unlimited.get() : re->limited.get();
    for (PCRE2_SIZE from = 0; from <= n; --budget) {
      const int rc = pcre2_match(prog.pcre2.get(), subject, n, from, 0, re->match.get(), mctx);
      // No match, or PCRE2 gave up (match limit): no match either way, as in Suricata.
      if (rc < 0) return rc == PCRE2_ERROR_NOMATCH && from == 0 && it.negated && run(items, i + 1, cursor);
      if (it.negated) return false;
      const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(re->match.get());
      if (run(items, i + 1, start + static_cast<int64_t>(ov[1]))) return true;
      if (!next_relative || budget < 0) return false;
      from = ov[0] + 1;
    }
    return false;
  }

  bool run(const std::vector<Item>& items, std::size_t i, int64_t cursor) {
    if (i == items.size()) return true;
    if (--budget < 0) return false;
    const Item& it = items[i];
    const bool next_relative = i + 1 < items.size() && items[i + 1].relative;
    switch (it.type) {
      case ItemType::content: {
        const auto plen = static_cast<int64_t>(it.pattern.size());
        int64_t lo = 0, hi = len;
        const int32_t distance = val(it.distance_var, it.distance), within = val(it.within_var, it.within);
        const int32_t offset = val(it.offset_var, it.offset), depth = val(it.depth_var, it.depth);
        if (it.relative) {
          lo = cursor + (it.has_distance ? distance : 0);
          if (it.has_within) hi = std::min(hi, cursor + (it.has_distance ? distance : 0) + within);
          lo = std::max<int64_t>(lo, 0);
        } else {
          if (it.has_offset) lo = offset - base;
          if (it.has_depth) hi = std::min(hi, (it.has_offset ? offset : 0) + depth - base);
          if (it.startswith) {
            lo = -base;
            hi = std::min(hi, plen - base);
          }
          if (lo < 0) {
            if (it.startswith) return it.negated && run(items, i + 1, cursor);
            lo = 0;
          }
        }
        int64_t last = hi - plen;
        if (it.endswith) {
          if (len - plen < lo || len - plen > last) last = -1;
          else lo = last = len - plen;
        }
        if (it.negated) {
          if (last >= lo && find_at(d, lo, last, it.pattern, it.nocase) >= 0) return false;
          return run(items, i + 1, cursor);
        }
        for (int64_t s = lo; s <= last;) {
          s = find_at(d, s, last, it.pattern, it.nocase);
          if (s < 0) return false;
          if (run(items, i + 1, s + plen)) return true;
          if (!next_relative || budget < 0) return false;
          ++s;
        }
        return false;
      }
      case ItemType::pcre: {
        const int64_t start = it.relative ? cursor : 0;
        if (start > len) return it.negated && run(items, i + 1, cursor);
        const PcreProgram& prog = engine.pcres_[it.pcre_index];
        const auto* subject = reinterpret_cast<const char*>(d + start);
        const auto n = static_cast<unsigned>(len - start);
        if (prog.pcre2 && re) return run_pcre2(prog, it, items, i, start, cursor, next_relative);
        PcreEnds ends;
        if (prog.hs) hs_scan(prog.hs.get(), subject, n, 0, scratch, on_pcre, &ends);
        if (it.negated) return ends.n == 0 && run(items, i + 1, cursor);
        for (int k = 0; k < ends.n; ++k) {
          if (run(items, i + 1, start + static_cast<int64_t>(ends.ends[k]))) return true;
          if (!next_relative || budget < 0) return false;
        }
        return false;
      }
      case ItemType::isdataat: {
        const int32_t at = val(it.offset_var, it.offset);
        const bool ok = it.relative ? cursor + at <= len : at - base < len;
        return ok != it.negated && run(items, i + 1, cursor);
      }
      case ItemType::bsize:
        return it.range.test(static_cast<uint64_t>(len)) && run(items, i + 1, cursor);
      case ItemType::byte_test: {
        const int64_t pos = (it.relative ? cursor : -base) + val(it.offset_var, it.offset);
        uint64_t v;
        const int nbytes = nbytes_of(it);
        if (nbytes < 0 || !read_number(d, len, pos, it, nbytes, v)) return false;
        const uint64_t value = it.value_var < 0 ? it.value : vars[it.value_var];
        bool ok = false;
        switch (it.op) {
          case '<': ok = v < value; break;
          case '>': ok = v > value; break;
          case '=': ok = v == value; break;
          case '&': ok = (v & value) != 0; break;
          case '^': ok = (v ^ value) != 0; break;
          case 'l': ok = v <= value; break;
          case 'g': ok = v >= value; break;
        }
        return ok != it.negated && run(items, i + 1, cursor);
      }
      case ItemType::byte_extract: {
        const int64_t pos = (it.relative ? cursor : -base) + it.offset;
        uint64_t v;
        if (!read_number(d, len, pos, it, it.nbytes, v)) return false;
        v *= static_cast<uint64_t>(it.multiplier);
        if (it.post_offset > 1) v = (v + static_cast<uint64_t>(it.post_offset) - 1) / static_cast<uint64_t>(it.post_offset) *
                                     static_cast<uint64_t>(it.post_offset);  // align
        vars[it.var] = v;
        return run(items, i + 1, pos + it.nbytes);
      }
      case ItemType::byte_math: {
        const int64_t pos = (it.relative ? cursor : -base) + it.offset;
        uint64_t v;
        if (!read_number(d, len, pos, it, it.nbytes, v, false)) return false;
        const uint64_t r = it.value_var < 0 ? it.value : vars[it.value_var];
        switch (it.op) {
          case '+': v += r; break;
          case '-': v -= r; break;
          case '*': v *= r; break;
          case '/': if (r == 0) return false; v /= r; break;
          case 'l': v = r < 64 ? v << r : 0; break;
          case 'r': v = r < 64 ? v >> r : 0; break;
        }
        if (it.bitmask) {  // after the operation, as Suricata's byte_math
          v &= it.bitmask;
          if (v) v >>= __builtin_ctzll(it.bitmask);
        }
        vars[it.var] = v;
        return run(items, i + 1, pos + it.nbytes);
      }
      case ItemType::base64_decode: {
        if (!b64_room) return false;
        int64_t pos = (it.relative ? cursor : 0) + it.offset;
        if (pos < 0 || pos >= len) return false;
        int64_t n = len - pos;
        if (it.value) n = std::min<int64_t>(n, static_cast<int64_t>(it.value));
        const std::size_t got = base64_decode(d + pos, static_cast<std::size_t>(n), b64_room, kBase64Room, true);
        if (got == 0) return false;  // Suricata: nothing decoded is no match
        if (!it.sub.empty()) {
          Inspector decoded{engine, scratch, re, b64_room, static_cast<int64_t>(got), 0};
          decoded.counters = counters;
          decoded.budget = budget;
          const bool ok = decoded.run(it.sub, 0, 0);
          budget = decoded.budget;
          if (!ok) return false;
        }
        return run(items, i + 1, cursor);
      }
      case ItemType::asn1: {
        const int64_t pos = it.relative ? cursor + it.offset : (it.has_offset ? it.offset : 0) - base;
        if (pos < 0 || pos >= len) return false;
        Asn1Walk walk{it};
        return walk.run(d + pos, static_cast<std::size_t>(len - pos)) && run(items, i + 1, cursor);
      }
      case ItemType::dataset: {
        const Dataset& set = *engine.datasets_[it.dataset];
        const uint64_t key = dataset_key(set.type, {d, static_cast<std::size_t>(len)});
        uint32_t rep = 0;
        bool ok = false;
        switch (it.set_cmd) {
          case Item::SetCmd::isset: ok = key && set.set.find(key, rep); break;
          case Item::SetCmd::isnotset: ok = !key || !set.set.find(key, rep); break;
          case Item::SetCmd::set: {  // matches when the value is new, as Suricata's DatasetAdd
            if (!key) break;
            const auto r = set.set.insert(key, 0);
            if (r == AtomicKeySet::Insert::full && counters) ++counters->dataset_full;
            ok = r == AtomicKeySet::Insert::added;
            break;
          }
          case Item::SetCmd::unset:  // matches when the value was there, as Suricata's DatasetRemove
            ok = key && set.set.remove(key);
            break;
          case Item::SetCmd::rep:
            if (!key || !set.set.find(key, rep)) break;
            switch (it.op) {
              case '>': ok = rep > it.value; break;
              case '<': ok = rep < it.value; break;
              case 'g': ok = rep >= it.value; break;
              case 'l': ok = rep <= it.value; break;
              case '=': ok = rep == it.value; break;
            }
            break;
        }
        return ok && run(items, i + 1, cursor);
      }
      case ItemType::byte_jump: {
        const int64_t pos = (it.relative ? cursor : -base) + val(it.offset_var, it.offset);
        uint64_t v = 0;
        const int nbytes = nbytes_of(it);
        if (nbytes < 0 || (nbytes && !read_number(d, len, pos, it, nbytes, v))) return false;
        int64_t to = it.from_beginning ? 0 : it.from_end ? len : pos + nbytes;
        to += static_cast<int64_t>(std::min<uint64_t>(v, 1ull << 32)) * it.multiplier;
        if (it.align) to = (to + 3) & ~int64_t{3};
        to += it.post_offset;
        if (to < 0 || to > len) return false;
        return run(items, i + 1, to);
      }
    }
    return false;
  }
};

// ---- FlowContext ---------------------------------------------------------------------

void FlowContext::init(const DecodedPacket& p, uint64_t id) noexcept {
  *this = FlowContext{};
  flow_id = id;
  ip_version = p.ip_version;
  l4_proto = p.l4_proto;
  const bool synack = p.l4_proto == 6 && (p.tcp_flags & 0x12) == 0x12;
  client_ip = synack ? p.dst_ip : p.src_ip;
  server_ip = synack ? p.src_ip : p.dst_ip;
  client_port = synack ? p.dst_port : p.src_port;
  server_port = synack ? p.src_port : p.dst_port;
}

// ---- PerCoreScanner --------------------------------------------------------------------

PerCoreScanner::PerCoreScanner(const SignatureEngine& engine, const ScannerConfig& config)
    : engine_(engine), config_(config) {
  static_assert(sizeof(FlowVarBlock) == 52, "rules/README.md states the flowint block's size");
  if (engine.proto_scratch_) {
    hs_scratch_t* s = nullptr;
    if (hs_clone_scratch(engine.proto_scratch_.get(), &s) == HS_SUCCESS) scratch_.reset(s);
  }
  if (std::any_of(engine.pcres_.begin(), engine.pcres_.end(), [](const PcreProgram& p) { return p.pcre2 != nullptr; }) ||
      engine.has_pcrexform_)
    pcre2_ = std::make_unique<Pcre2Scratch>();
  if (engine.has_transforms_)
    for (auto& t : transformed_) t = std::make_unique_for_overwrite<uint8_t[]>(kTransformRoom);
  candidate_bits_.assign((engine.rules_.size() + 63) / 64 + 1, 0);
  candidates_.reserve(engine.rules_.size());
  if (engine.needs_stream_ && config_.stream_slots > 0 && config_.stream_window > 0) {
    // Every Hyperscan stream is opened here and reset on reuse: flows never allocate.
    slots_ = std::make_unique<StreamSlot[]>(config_.stream_slots);
    free_slots_.reserve(config_.stream_slots);
    for (uint32_t i = config_.stream_slots; i > 0; --i) {
      if (engine.tcp_stream_db_) {
        hs_stream_t* st = nullptr;
        if (hs_open_stream(engine.tcp_stream_db_.get(), 0, &st) != HS_SUCCESS) continue;
        slots_[i - 1].stream.reset(st);
      }
      free_slots_.push_back(i - 1);
    }
    // Not zeroed: a window is read only where it was written, and untouched pages of the
    // 16 MB cost no memory until a flow needs them (a reload builds one per core).
    windows_ = std::make_unique_for_overwrite<uint8_t[]>(static_cast<std::size_t>(config_.stream_slots) * config_.stream_window);
    linear_ = std::make_unique_for_overwrite<uint8_t[]>(config_.stream_window + kMaxSegment);
  }
  if (!engine.flowint_names_.empty()) {
    const uint32_t blocks = std::min<uint32_t>(config_.flowint_blocks, 65535);
    var_blocks_ = std::make_unique<FlowVarBlock[]>(blocks);
    free_var_blocks_.reserve(blocks);
    for (uint32_t i = blocks; i > 0; --i) free_var_blocks_.push_back(static_cast<uint16_t>(i - 1));
  }
  if (engine.has_base64_) base64_room_ = std::make_unique_for_overwrite<uint8_t[]>(kBase64Room);
  uint32_t n = 1;
  while (n < config_.threshold_slots) n <<= 1;
  config_.threshold_slots = n;
  thresholds_ = std::make_unique<ThresholdEntry[]>(n);
}

PerCoreScanner::~PerCoreScanner() = default;

int PerCoreScanner::on_literal(unsigned id, unsigned long long, unsigned long long, unsigned, void* self) {
  auto* s = static_cast<PerCoreScanner*>(self);
  const SignatureEngine& e = s->engine_;
  for (uint32_t i = e.literal_first_[id], end = e.literal_first_[id + 1]; i < end; ++i) s->add_candidate(e.literal_rules_[i]);
  return 0;
}

void PerCoreScanner::add_candidate(uint32_t rule) noexcept {
  uint64_t& w = candidate_bits_[rule >> 6];
  const uint64_t bit = 1ull << (rule & 63);
  if (w & bit) return;
  w |= bit;
  candidates_.push_back(rule);  // capacity is the rule count: never reallocates
}

uint32_t PerCoreScanner::acquire_slot() noexcept {
  if (free_slots_.empty()) return 0;
  const uint32_t s = free_slots_.back();
  free_slots_.pop_back();
  return s + 1;
}

void PerCoreScanner::release_slot(uint32_t slot) noexcept {
  StreamSlot& s = slots_[slot - 1];
  // No callback: a literal cannot end at end-of-data, so there is nothing to report.
  if (s.stream) hs_reset_stream(s.stream.get(), 0, nullptr, nullptr, nullptr);
  s.offset = 0;
  s.seq_known = false;
  free_slots_.push_back(slot - 1);
}

void PerCoreScanner::on_flow_end(FlowContext& ctx) noexcept {
  for (auto& slot : ctx.stream_slot) {
    if (slot) release_slot(slot);
    slot = 0;
  }
  if (ctx.var_block && var_blocks_) {
    var_blocks_[ctx.var_block - 1].count = 0;
    free_var_blocks_.push_back(static_cast<uint16_t>(ctx.var_block - 1));
  }
  ctx.var_block = 0;
}

PerCoreScanner::FlowVarBlock* PerCoreScanner::var_block(FlowContext& ctx, bool create) noexcept {
  if (!var_blocks_) return nullptr;
  if (!ctx.var_block) {
    if (!create || free_var_blocks_.empty()) return nullptr;
    ctx.var_block = static_cast<uint16_t>(free_var_blocks_.back() + 1);
    free_var_blocks_.pop_back();
    var_blocks_[ctx.var_block - 1].count = 0;
  }
  return &var_blocks_[ctx.var_block - 1];
}

const PerCoreScanner::FlowVarBlock* PerCoreScanner::var_block(const FlowContext& ctx) const noexcept {
  return var_blocks_ && ctx.var_block ? &var_blocks_[ctx.var_block - 1] : nullptr;
}

namespace {
// A flowint's value in a block: false when the flow never set it.
bool flowint_get(const uint16_t* ids, const uint32_t* values, uint8_t count, uint16_t var, uint32_t& v) {
  for (uint8_t i = 0; i < count; ++i)
    if (ids[i] == var) {
      v = values[i];
      return true;
    }
  return false;
}

// The xbits key of a bit for a packet: the tracked host (or the unordered pair), the bit.
uint64_t xbit_key(const XbitOp& op, const uint8_t* src, const uint8_t* dst) {
  uint64_t a[2], b[2];
  std::memcpy(a, src, 16);
  std::memcpy(b, dst, 16);
  auto h = [](const uint64_t* x) { return (x[0] * 0x9E3779B97F4A7C15ull) ^ (x[1] + 0x632BE59BD9B4E019ull) * 0xBF58476D1CE4E5B9ull; };
  uint64_t k = 0;
  switch (op.track) {
    case XbitOp::Track::ip_src: k = h(a); break;
    case XbitOp::Track::ip_dst: k = h(b); break;
    case XbitOp::Track::ip_pair: k = h(a) + h(b); break;  // order-free: either direction is the pair
  }
  // ip_src and ip_dst name the same host table (a bit set on a destination is seen on it as a source)
  k ^= (uint64_t{op.bit} + 1) * 0x94D049BB133111EBull + (op.track == XbitOp::Track::ip_pair ? 2 : 0);
  k ^= k >> 31;
  return k ? k : 1;
}
}  // namespace

bool PerCoreScanner::flowints_ok(const Rule& r, const FlowContext& ctx) const noexcept {
  if (r.flowint_conds.empty()) return true;
  const FlowVarBlock* b = var_block(ctx);
  static constexpr uint16_t kNone[1] = {0};
  static constexpr uint32_t kZero[1] = {0};
  const uint16_t* ids = b ? b->ids : kNone;
  const uint32_t* values = b ? b->values : kZero;
  const uint8_t count = b ? b->count : 0;
  for (const FlowintOp& c : r.flowint_conds) {
    uint32_t v = 0;
    const bool set = flowint_get(ids, values, count, c.var, v);
    if (c.op == FlowintOp::Op::isset) { if (!set) return false; continue; }
    if (c.op == FlowintOp::Op::notset) { if (set) return false; continue; }
    if (!set) return false;  // a compare on a variable never set does not match
    uint32_t t = c.value;
    if (c.value_var >= 0 && !flowint_get(ids, values, count, static_cast<uint16_t>(c.value_var), t)) t = 0;
    bool ok = false;
    switch (c.op) {
      case FlowintOp::Op::eq: ok = v == t; break;
      case FlowintOp::Op::ne: ok = v != t; break;
      case FlowintOp::Op::lt: ok = v < t; break;
      case FlowintOp::Op::le: ok = v <= t; break;
      case FlowintOp::Op::gt: ok = v > t; break;
      case FlowintOp::Op::ge: ok = v >= t; break;
      default: break;
    }
    if (!ok) return false;
  }
  return true;
}

bool PerCoreScanner::xbits_ok(const Rule& r, const PacketMeta& m) const noexcept {
  for (const XbitOp& c : r.xbit_conds) {
    const bool set = engine_.xbits_->isset(xbit_key(c, m.src_ip, m.dst_ip), m.ts_ns);
    if (set != (c.cmd == XbitOp::Cmd::isset)) return false;
  }
  return true;
}

void PerCoreScanner::update_tcp_state(const DecodedPacket& pkt, bool to_server, FlowContext& ctx) const noexcept {
  const bool first = !(ctx.state & (FlowContext::kSeenToServer | FlowContext::kSeenToClient));
  ctx.state |= to_server ? FlowContext::kSeenToServer : FlowContext::kSeenToClient;
  if (pkt.l4_proto != 6) {
    // Suricata calls a flow without handshake established once both sides have spoken.
    if ((ctx.state & FlowContext::kSeenToServer) && (ctx.state & FlowContext::kSeenToClient))
      ctx.state |= FlowContext::kEstablished;
    return;
  }
  const uint8_t f = pkt.tcp_flags;
  // Sequence space used per side (stream_size), as Suricata's next_seq - isn: a side
  // picked up without its SYN starts one before its first byte.
  const int dir = to_server ? 0 : 1;
  const auto seen = static_cast<uint8_t>(1u << dir);
  if (!(ctx.seq_known & seen)) {
    ctx.seq_known |= seen;
    ctx.isn[dir] = (f & 0x02) ? pkt.tcp_seq : pkt.tcp_seq - 1;
    ctx.next_seq[dir] = ctx.isn[dir] + 1;
  }
  const uint32_t end = pkt.tcp_seq + static_cast<uint32_t>(pkt.payload.size()) + ((f & 0x02) ? 1 : 0) + ((f & 0x01) ? 1 : 0);
  if (static_cast<int32_t>(end - ctx.next_seq[dir]) > 0) ctx.next_seq[dir] = end;
  if ((f & 0x02) && !(f & 0x10) && to_server) ctx.state |= FlowContext::kSyn;
  else if ((f & 0x12) == 0x12 && !to_server) ctx.state |= FlowContext::kSynAck;
  else if (first && !(f & 0x02) && config_.midstream) ctx.state |= FlowContext::kEstablished;
  else if ((f & 0x10) && !(f & 0x02) && (ctx.state & FlowContext::kSynAck)) ctx.state |= FlowContext::kEstablished;
}

bool PerCoreScanner::stream_size_ok(const Rule::StreamSize& s, const FlowContext& ctx) noexcept {
  if (ctx.l4_proto != 6) return false;
  const uint64_t client = ctx.next_seq[0] - ctx.isn[0], server = ctx.next_seq[1] - ctx.isn[1];
  switch (s.side) {
    case Rule::StreamSide::client: return s.range.test(client);
    case Rule::StreamSide::server: return s.range.test(server);
    case Rule::StreamSide::both: return s.range.test(client) && s.range.test(server);
    case Rule::StreamSide::either: return s.range.test(client) || s.range.test(server);
  }
  return false;
}

bool PerCoreScanner::gate_ok(const RuleGate& g, const PacketMeta& m, const FlowContext& ctx) noexcept {
  const uint8_t kind = m.proto == 6 ? 1 : m.proto == 17 ? 2 : (m.proto == 1 || m.proto == 58) ? 4 : 8;
  if (!(g.protos & kind)) return false;
  if ((g.flow_dir == 1 && !m.to_server) || (g.flow_dir == 2 && m.to_server)) return false;
  if (g.established >= 0 && (g.established == 1) != ctx.established()) return false;
  if (m.proto != 6 && m.proto != 17 && m.proto != 132) return true;  // as header_ok: no ports to compare
  const auto in = [](uint16_t p, uint16_t lo, uint16_t hi) { return p >= lo && p <= hi; };
  if (in(m.sport, g.sport_lo, g.sport_hi) && in(m.dport, g.dport_lo, g.dport_hi)) return true;
  return g.bidirectional && in(m.dport, g.sport_lo, g.sport_hi) && in(m.sport, g.dport_lo, g.dport_hi);
}

bool PerCoreScanner::header_ok(const Rule& r, const PacketMeta& m, const FlowContext& ctx, bool app_scan) const noexcept {
  switch (r.l4) {
    case L4::tcp: if (m.proto != 6) return false; break;
    case L4::udp: if (m.proto != 17) return false; break;
    case L4::icmp: if (m.proto != 1 && m.proto != 58) return false; break;
    case L4::ip: break;
  }
  // An app-layer scan carries its protocol's buffers, but TLS and QUIC share the
  // fingerprint buffers: the flow's protocol still decides an `alert quic` / `alert tls`.
  if (r.app != AppProto::unknown && ctx.app_proto != r.app && (!app_scan || ctx.app_proto != AppProto::unknown))
    return false;
  if (r.flow_dir == 1 && !m.to_server) return false;
  if (r.flow_dir == 2 && m.to_server) return false;
  if (r.established == 1 && !ctx.established()) return false;
  if (r.established == 0 && ctx.established()) return false;
  if (r.dsize && !app_scan && !r.dsize->test(m.dsize)) return false;
  if (r.has_flags && (m.proto != 6 || app_scan || !r.flags_pass(m.tcp_flags))) return false;
  if (r.itype && (app_scan || (m.proto != 1 && m.proto != 58) || !r.itype->test(m.icmp_type))) return false;
  if (r.icode && (app_scan || (m.proto != 1 && m.proto != 58) || !r.icode->test(m.icmp_code))) return false;
  if (r.ip_proto && !r.ip_proto->test(m.proto)) return false;
  if (r.ip_id && (app_scan || m.ip_version != 4 || !r.ip_id->test(m.ip_id))) return false;
  if (r.icmp_id && (app_scan || !m.has_icmp_id || !r.icmp_id->test(m.icmp_id))) return false;
  if (r.stream_size && !stream_size_ok(*r.stream_size, ctx)) return false;
  // Ports before addresses: cheaper, and what most candidates fail ($HOME_NET and
  // $EXTERNAL_NET pass nearly everything; a rule for port 3306 fails on port 443).
  const bool ports = m.proto == 6 || m.proto == 17 || m.proto == 132;  // others have none to compare
  auto side_ok = [&](const uint8_t* sa, uint16_t sp, const uint8_t* da, uint16_t dp) {
    if (ports && !(r.sport.matches(sp) && r.dport.matches(dp))) return false;
    return r.src.matches(sa, m.ip_version) && r.dst.matches(da, m.ip_version);
  };
  if (!side_ok(m.src_ip, m.sport, m.dst_ip, m.dport) &&
      !(r.bidirectional && side_ok(m.dst_ip, m.dport, m.src_ip, m.sport)))
    return false;
  return true;
}

bool PerCoreScanner::flowbits_ok(const Rule& r, const FlowContext& ctx) const noexcept {
  auto is_set = [&](uint16_t b) {
    for (uint8_t i = 0; i < ctx.nbits; ++i)
      if (ctx.bits[i] == b) return true;
    return false;
  };
  for (const auto& c : r.flowbit_conds) {
    const bool want = c.cmd == FlowbitOp::Cmd::isset;
    bool ok;
    if (c.any_of) {
      ok = false;
      for (uint16_t b : c.bits) ok = ok || (is_set(b) == want);
    } else {
      ok = true;
      for (uint16_t b : c.bits) ok = ok && (is_set(b) == want);
    }
    if (!ok) return false;
  }
  return true;
}

void PerCoreScanner::apply_actions(const Rule& r, const PacketMeta& m, FlowContext& ctx) noexcept {
  for (const FlowintOp& a : r.flowint_actions) {
    FlowVarBlock* b = var_block(ctx, true);
    if (!b) {
      ++counters_.flowint_dropped;
      continue;
    }
    uint32_t t = a.value;
    if (a.value_var >= 0 && !flowint_get(b->ids, b->values, b->count, static_cast<uint16_t>(a.value_var), t)) t = 0;
    int at = -1;
    for (uint8_t i = 0; i < b->count; ++i)
      if (b->ids[i] == a.var) at = i;
    if (at < 0) {
      if (a.op == FlowintOp::Op::sub) continue;  // Suricata: '-' on a variable never set does nothing
      if (b->count == kMaxFlowints) {
        ++counters_.flowint_dropped;
        continue;
      }
      at = b->count++;
      b->ids[at] = a.var;
      b->values[at] = 0;
    }
    uint32_t& v = b->values[at];
    switch (a.op) {
      case FlowintOp::Op::set: v = t; break;
      case FlowintOp::Op::add: v += t; break;  // 32-bit wrap, as Suricata's uint32_t
      case FlowintOp::Op::sub: v -= t; break;
      default: break;
    }
  }
  for (const XbitOp& a : r.xbit_actions) {
    const uint64_t key = xbit_key(a, m.src_ip, m.dst_ip);
    XbitTable& t = *engine_.xbits_;
    const bool set = a.cmd == XbitOp::Cmd::set || (a.cmd == XbitOp::Cmd::toggle && !t.isset(key, m.ts_ns));
    if (set) {
      if (t.set(key, m.ts_ns + uint64_t{a.expire_s} * 1'000'000'000ull, m.ts_ns)) ++counters_.xbits_evicted;
    } else {
      t.unset(key);
    }
  }
  apply_flowbits(r, ctx);
}

void PerCoreScanner::apply_flowbits(const Rule& r, FlowContext& ctx) noexcept {
  for (const auto& a : r.flowbit_actions) {
    for (uint16_t b : a.bits) {
      int at = -1;
      for (uint8_t i = 0; i < ctx.nbits; ++i)
        if (ctx.bits[i] == b) at = i;
      const bool set = a.cmd == FlowbitOp::Cmd::set || (a.cmd == FlowbitOp::Cmd::toggle && at < 0);
      if (set && at < 0) {
        if (ctx.nbits < kMaxFlowbits) ctx.bits[ctx.nbits++] = b;
        else { ++counters_.flowbits_overflow; ctx.bits_overflow = 1; }
      } else if (!set && at >= 0) {
        ctx.bits[static_cast<std::size_t>(at)] = ctx.bits[--ctx.nbits];
      }
    }
  }
}

bool PerCoreScanner::threshold_allows(uint32_t rule_index, const Rule& r, const PacketMeta& m) noexcept {
  if (!r.threshold) return true;
  const Threshold& t = *r.threshold;
  auto ip_hash = [&](const uint8_t* ip) {
    uint64_t a, b;
    std::memcpy(&a, ip, 8);
    std::memcpy(&b, ip + 8, 8);
    return (a * 0x9E3779B97F4A7C15ull) ^ (b + 0x632BE59BD9B4E019ull);
  };
  uint64_t key = 0;
  switch (t.track) {
    case Threshold::Track::by_src: key = ip_hash(m.src_ip); break;
    case Threshold::Track::by_dst: key = ip_hash(m.dst_ip); break;
    case Threshold::Track::by_rule: key = 0; break;
    case Threshold::Track::by_both: key = ip_hash(m.src_ip) ^ (ip_hash(m.dst_ip) << 1); break;
  }
  uint64_t h = (key ^ (uint64_t{rule_index} * 0xBF58476D1CE4E5B9ull)) * 0x94D049BB133111EBull;
  h ^= h >> 31;
  const uint32_t mask = config_.threshold_slots - 1;
  ThresholdEntry* e = nullptr;
  ThresholdEntry* oldest = nullptr;
  for (uint32_t probe = 0; probe < 4; ++probe) {
    ThresholdEntry& c = thresholds_[(h + probe) & mask];
    if (c.rule_plus1 == rule_index + 1 && c.key == key) { e = &c; break; }
    if (c.rule_plus1 == 0) { if (!oldest || oldest->rule_plus1 != 0) oldest = &c; continue; }
    if (!oldest || (oldest->rule_plus1 != 0 && c.window_start_ns < oldest->window_start_ns)) oldest = &c;
  }
  const uint64_t window = uint64_t{t.seconds} * 1'000'000'000ull;
  if (!e) {
    // A full neighbourhood forgets its oldest tracker: bounded memory over exactness.
    e = oldest;
    *e = ThresholdEntry{rule_index + 1, 0, key, m.ts_ns};
  }
  if (m.ts_ns - e->window_start_ns >= window) {
    e->window_start_ns = m.ts_ns;
    e->count = 0;
  }
  ++e->count;
  switch (t.type) {
    case Threshold::Type::limit: return e->count <= t.count;
    case Threshold::Type::both: return e->count == t.count;
    case Threshold::Type::detection_filter: return e->count > t.count;
    case Threshold::Type::threshold:
      if (e->count >= t.count) {
        e->count = 0;
        return true;
      }
      return false;
  }
  return true;
}

void PerCoreScanner::emit(uint32_t rule_index, const Rule& r, const PacketMeta& m, FlowContext& ctx,
                          AlertBuffer& sink) noexcept {
  Alert a;
  a.ts_ns = m.ts_ns;
  a.flow_id = ctx.flow_id;
  a.sid = r.sid;
  a.gid = r.gid;
  a.rev = r.rev;
  a.rule_index = rule_index;
  std::memcpy(a.src_ip.data(), m.src_ip, 16);
  std::memcpy(a.dst_ip.data(), m.dst_ip, 16);
  const bool icmp = m.proto == 1 || m.proto == 58;
  a.src_port = icmp ? m.icmp_type : m.sport;
  a.dst_port = icmp ? m.icmp_code : m.dport;
  a.ip_version = m.ip_version;
  a.proto = m.proto;
  a.action = r.action;
  a.severity = r.priority;
  a.class_index = r.class_index;
  a.app_proto = ctx.app_proto;
  a.to_server = m.to_server;
  for (auto& s : ctx.first_sids)
    if (s == 0) { s = r.sid; break; }
  if (ctx.alerts < 0xffff) ++ctx.alerts;
  ++counters_.alerts;
  sink.push(a);
}

// Suricata's transforms, in order, each from one room to the other; a result longer than
// the room is cut (counted).
std::span<const uint8_t> PerCoreScanner::apply_transforms(const std::vector<Transform>& chain,
                                                          std::span<const uint8_t> in) noexcept {
  const auto space = [](uint8_t c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
  const auto hex = [](uint8_t c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  int room = 0;
  for (const Transform& t : chain) {
    uint8_t* out = transformed_[room].get();
    std::size_t n = 0;
    const auto put = [&](uint8_t c) {
      if (n < kTransformRoom) out[n++] = c;
      else ++counters_.transform_truncated;
    };
    const auto digest = [&](const auto& d) {
      for (uint8_t c : d) put(c);
    };
    switch (t.kind) {
      case TransformKind::dotprefix:
        put('.');
        for (uint8_t c : in) put(c);
        break;
      case TransformKind::to_lowercase:
        for (uint8_t c : in) put(c >= 'A' && c <= 'Z' ? c + 32 : c);
        break;
      case TransformKind::to_uppercase:
        for (uint8_t c : in) put(c >= 'a' && c <= 'z' ? c - 32 : c);
        break;
      case TransformKind::strip_whitespace:
        for (uint8_t c : in)
          if (!space(c)) put(c);
        break;
      case TransformKind::compress_whitespace:  // a run of white space keeps its first byte
        for (std::size_t i = 0; i < in.size(); ++i)
          if (!space(in[i]) || i == 0 || !space(in[i - 1])) put(in[i]);
        break;
      case TransformKind::url_decode:
        for (std::size_t i = 0; i < in.size(); ++i) {
          if (in[i] == '%' && i + 2 < in.size() && hex(in[i + 1]) >= 0 && hex(in[i + 2]) >= 0) {
            put(static_cast<uint8_t>(hex(in[i + 1]) << 4 | hex(in[i + 2])));
            i += 2;
          } else {
            put(in[i] == '+' ? ' ' : in[i]);
          }
        }
        break;
      case TransformKind::xor_key:
        for (std::size_t i = 0; i < in.size(); ++i) put(in[i] ^ static_cast<uint8_t>(t.key[i % t.key.size()]));
        break;
      case TransformKind::header_lowercase: {  // header names only, up to each line's ':'
        bool name = true;
        for (uint8_t c : in) {
          put(name && c >= 'A' && c <= 'Z' ? c + 32 : c);
          if (c == ':') name = false;
          if (c == '\n') name = true;
        }
        break;
      }
      case TransformKind::strip_pseudo_headers: {  // HTTP/2's ":method: GET" lines go
        for (std::size_t line = 0; line < in.size();) {
          std::size_t end = line;
          while (end < in.size() && in[end] != '\n') ++end;
          end = std::min(end + 1, in.size());  // the line with its '\n'
          if (in[line] != ':')
            for (std::size_t k = line; k < end; ++k) put(in[k]);
          line = end;
        }
        break;
      }
      case TransformKind::to_md5: { Md5 h; h.update(in); digest(h.finish()); break; }
      case TransformKind::to_sha1: { Sha1 h; h.update(in); digest(h.finish()); break; }
      case TransformKind::to_sha256: { Sha256 h; h.update(in); digest(h.finish()); break; }
      case TransformKind::pcrexform: {
        // The first group of the leftmost match (Suricata 7); no match (or PCRE2's match
        // limit) leaves the buffer as it was.
        const auto* code = static_cast<const pcre2_code*>(t.regex.get());
        std::span<const uint8_t> result = in;
        if (code != nullptr && pcre2_ != nullptr &&
            pcre2_match(code, in.data(), in.size(), 0, 0, pcre2_->capture.get(), pcre2_->limited.get()) > 0) {
          const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(pcre2_->capture.get());
          const bool group = pcre2_get_ovector_count(pcre2_->capture.get()) > 1 && ov[2] != PCRE2_UNSET;
          result = group ? in.subspan(ov[2], ov[3] - ov[2]) : in.subspan(ov[0], ov[1] - ov[0]);
        }
        for (uint8_t c : result) put(c);
        break;
      }
    }
    in = {out, n};
    room ^= 1;
  }
  return in;
}

void PerCoreScanner::run_candidates(const PacketMeta& m, FlowContext& ctx, AlertBuffer& sink, const uint8_t* payload,
                                    uint32_t payload_len, const uint8_t* window, uint32_t window_len,
                                    uint64_t window_base, bool stream_active, const AppBuffers* app) noexcept {
  const auto inspector = [&](const uint8_t* d, int64_t n, int64_t base) {
    Inspector in{engine_, scratch_.get(), pcre2_.get(), d, n, base};
    in.b64_room = base64_room_.get();
    in.counters = &counters_;
    return in;
  };
  // Rule order is evaluation order (flowbit writers first), whatever order Hyperscan reported.
  std::sort(candidates_.begin(), candidates_.end());
  counters_.candidates += candidates_.size();
  for (uint32_t idx : candidates_) {
    candidate_bits_[idx >> 6] = 0;  // cheaper than a per-bit clear; all bits of the word are candidates or 0
  }
  for (uint32_t idx : candidates_) {
    if (!gate_ok(engine_.gates_[idx], m, ctx)) continue;
    const Rule& r = engine_.rules_[idx];
    if (app && !tx_needs::runs_at(r.tx_needs, scan_part_)) continue;
    if (!header_ok(r, m, ctx, app != nullptr) || !flowbits_ok(r, ctx) || !flowints_ok(r, ctx) ||
        (!r.xbit_conds.empty() && !xbits_ok(r, m)))
      continue;
    bool matched = true;
    for (const auto& b : r.buffers) {
      if (app && b.kind == BufferKind::payload) {
        Inspector in = inspector(window, window_len, static_cast<int64_t>(window_base));
        if (!window || !in.run(b.items, 0, 0)) { matched = false; break; }
        continue;
      }
      if (app) {
        // A multi-buffer matches when one instance holds all of the group's items.
        bool any = false;
        for (const auto raw : app->instances(b.kind)) {
          const auto data = b.transforms.empty() ? raw : apply_transforms(b.transforms, raw);
          Inspector in = inspector(data.data(), static_cast<int64_t>(data.size()), 0);
          if ((any = in.run(b.items, 0, 0))) break;
        }
        if (!any) { matched = false; break; }
        continue;
      }
      bool ok = false;
      if (r.stream != StreamUse::stream_only || !stream_active) {
        Inspector in = inspector(payload, payload_len, 0);
        ok = payload != nullptr && r.stream != StreamUse::stream_only && in.run(b.items, 0, 0);
      }
      if (!ok && stream_active && window && r.stream != StreamUse::packet_only) {
        Inspector in = inspector(window, window_len, static_cast<int64_t>(window_base));
        ok = in.run(b.items, 0, 0);
      }
      if (!ok) { matched = false; break; }
    }
    if (!matched) continue;
    apply_actions(r, m, ctx);
    if (r.action == Action::pass) break;  // a pass rule silences the rest for this packet
    if (r.noalert || !threshold_allows(idx, r, m)) {
      ++counters_.suppressed;
      continue;
    }
    emit(idx, r, m, ctx, sink);
  }
  candidates_.clear();
}

void PerCoreScanner::scan_packet(const DecodedPacket& pkt, uint64_t ts_ns, FlowContext& ctx, AlertBuffer& sink) noexcept {
  if (pkt.ip_version != 4 && pkt.ip_version != 6) return;
  ++counters_.packets;
  counters_.bytes += pkt.payload.size();
  const bool to_server = std::memcmp(pkt.src_ip.data(), ctx.client_ip.data(), 16) == 0 && pkt.src_port == ctx.client_port &&
                         (std::memcmp(pkt.src_ip.data(), pkt.dst_ip.data(), 16) != 0 || pkt.dst_port == ctx.server_port);
  const bool first_in_dir = !(ctx.state & (to_server ? FlowContext::kSeenToServer : FlowContext::kSeenToClient));
  update_tcp_state(pkt, to_server, ctx);

  PacketMeta m;
  m.src_ip = pkt.src_ip.data();
  m.dst_ip = pkt.dst_ip.data();
  m.sport = pkt.src_port;
  m.dport = pkt.dst_port;
  m.proto = pkt.l4_proto;
  m.ip_version = pkt.ip_version;
  m.to_server = to_server;
  m.tcp_flags = pkt.tcp_flags;
  m.icmp_type = pkt.icmp_type;
  m.icmp_code = pkt.icmp_code;
  if (pkt.ip_version == 4 && pkt.l3.size() >= 6) m.ip_id = static_cast<uint16_t>(pkt.l3[4] << 8 | pkt.l3[5]);
  // The identifier of the ICMP messages that have one (echo, timestamp, information,
  // address mask; ICMPv6 echo): the 2 bytes after type, code and checksum.
  const uint8_t t = pkt.icmp_type;
  if (((pkt.l4_proto == 1 && (t == 0 || t == 8 || (t >= 13 && t <= 18))) ||
       (pkt.l4_proto == 58 && (t == 128 || t == 129))) &&
      pkt.payload.data() != nullptr) {
    m.has_icmp_id = true;
    m.icmp_id = static_cast<uint16_t>(pkt.payload.data()[-4] << 8 | pkt.payload.data()[-3]);
  }
  m.dsize = static_cast<uint32_t>(pkt.payload.size());
  m.ts_ns = ts_ns;

  const uint8_t* payload = pkt.payload.data();
  auto len = static_cast<uint32_t>(pkt.payload.size());
  if ((ctx.state & FlowContext::kEncrypted) && !config_.inspect_encrypted) [[unlikely]] {
    // Ciphertext: no content rule can mean anything there. Its stream slots go back.
    if (len > 0) ++counters_.encrypted_skipped;
    len = 0;
    for (int dir = 0; dir < 2; ++dir)
      if (ctx.stream_slot[dir]) {
        release_slot(ctx.stream_slot[dir]);
        ctx.stream_slot[dir] = 0;
        ctx.state |= dir == 0 ? FlowContext::kStreamDone0 : FlowContext::kStreamDone1;
      }
  }
  hs_scratch_t* scratch = scratch_.get();
  bool stream_active = false;
  const uint8_t* window = nullptr;
  uint32_t window_len = 0;
  uint64_t window_base = 0;
  StreamSlot* slot = nullptr;
  const uint8_t* seg = payload;
  uint32_t seg_len = len;
  bool inspect_payload = len > 0;

  if (len > 0 && pkt.l4_proto == 6) {
    const int dir = to_server ? 0 : 1;
    const uint8_t done_bit = dir == 0 ? FlowContext::kStreamDone0 : FlowContext::kStreamDone1;
    if (slots_ && !(ctx.state & done_bit)) {
      if (!ctx.stream_slot[dir]) {
        ctx.stream_slot[dir] = acquire_slot();
        if (!ctx.stream_slot[dir]) ++counters_.stream_pool_exhausted;
      }
      if (ctx.stream_slot[dir]) slot = &slots_[ctx.stream_slot[dir] - 1];
    }
    if (slot) {
      // Retransmitted bytes were matched already; a gap is matched across (counted).
      if (slot->seq_known) {
        const auto ahead = static_cast<int32_t>(pkt.tcp_seq - slot->next_seq);
        if (ahead < 0) {
          const auto overlap = static_cast<uint32_t>(-static_cast<int64_t>(ahead));
          if (overlap >= len) { seg_len = 0; inspect_payload = false; }
          else { seg += overlap; seg_len -= overlap; }
        } else if (ahead > 0) {
          ++counters_.stream_gaps;
        }
      }
      if (seg_len > 0) {
        slot->seq_known = true;
        slot->next_seq = pkt.tcp_seq + len;
        if (slot->stream &&
            hs_scan_stream(slot->stream.get(), reinterpret_cast<const char*>(seg), seg_len, 0, scratch, on_literal, this) != HS_SUCCESS)
          ++counters_.scan_errors;
        stream_active = true;
      }
    } else if (engine_.tcp_block_db_) {
      if (hs_scan(engine_.tcp_block_db_.get(), reinterpret_cast<const char*>(payload), len, 0, scratch, on_literal, this) != HS_SUCCESS)
        ++counters_.scan_errors;
    }
    if (inspect_payload) {
      for (uint32_t idx : engine_.unfiltered_tcp_) add_candidate(idx);
      if (len <= SignatureEngine::kDsizeIndexMax && !engine_.dsize_tcp_.empty())
        for (uint32_t idx : engine_.dsize_tcp_[len]) add_candidate(idx);
    }
  } else if (len > 0) {
    // The port group's database when the packet has ports (SignatureEngine::other_dbs_).
    const hs_database_t* db = engine_.other_block_db_.get();
    if (!engine_.other_group_of_port_.empty() && (pkt.l4_proto == 17 || pkt.l4_proto == 132)) {
      const uint8_t a = engine_.other_group_of_port_[pkt.src_port], b = engine_.other_group_of_port_[pkt.dst_port];
      if (a == 0 || b == 0 || a == b) db = engine_.other_dbs_[a ? a : b].get();
    }
    if (db && hs_scan(db, reinterpret_cast<const char*>(payload), len, 0, scratch, on_literal, this) != HS_SUCCESS)
      ++counters_.scan_errors;
    for (uint32_t idx : engine_.unfiltered_other_)
      if (engine_.rules_[idx].l4 != L4::udp || pkt.l4_proto == 17) add_candidate(idx);
    if (len <= SignatureEngine::kDsizeIndexMax && !engine_.dsize_other_.empty())
      for (uint32_t idx : engine_.dsize_other_[len]) add_candidate(idx);
  }
  // Rules without a literal would be candidates on every packet: check their header
  // (protocol, ports, flags, flow) here, so only those that can match are sorted and run.
  const std::vector<uint32_t>& header_only = pkt.l4_proto == 6    ? engine_.header_only_tcp_[pkt.tcp_flags]
                                             : pkt.l4_proto == 17 ? engine_.header_only_udp_
                                             : (pkt.l4_proto == 1 || pkt.l4_proto == 58) ? engine_.header_only_icmp_
                                                                                         : engine_.header_only_other_;
  for (uint32_t idx : header_only)
    if (header_ok(engine_.rules_[idx], m, ctx, false)) add_candidate(idx);
  if (first_in_dir)
    for (uint32_t idx : engine_.ip_only_) add_candidate(idx);

  if (stream_active && !candidates_.empty() && seg_len <= kMaxSegment) {
    window = linear_.get();
    window_len = linearize(ctx.stream_slot[to_server ? 0 : 1], seg, seg_len, window_base);
  }
  if (!candidates_.empty())
    run_candidates(m, ctx, sink, inspect_payload ? payload : nullptr, inspect_payload ? len : 0, window, window_len,
                   window_base, stream_active, nullptr);

  if (stream_active) {
    const uint32_t W = config_.stream_window;
    const int dir = to_server ? 0 : 1;
    uint8_t* ring = windows_.get() + static_cast<std::size_t>(ctx.stream_slot[dir] - 1) * W;
    const uint32_t n = std::min(seg_len, W);
    uint64_t o = slot->offset + seg_len - n;
    const uint8_t* src = seg + seg_len - n;
    const auto at = static_cast<uint32_t>(o % W);
    const uint32_t first = std::min(n, W - at);
    std::memcpy(ring + at, src, first);
    std::memcpy(ring, src + first, n - first);
    slot->offset += seg_len;
    if (slot->offset >= config_.stream_depth) {
      ++counters_.stream_depth_reached;
      release_slot(ctx.stream_slot[dir]);
      ctx.stream_slot[dir] = 0;
      ctx.state |= dir == 0 ? FlowContext::kStreamDone0 : FlowContext::kStreamDone1;
    }
  }
}

uint32_t PerCoreScanner::linearize(uint32_t slot_plus1, const uint8_t* seg, uint32_t seg_len, uint64_t& base) noexcept {
  // The window is the retained tail of the stream followed by this segment, so that a
  // rule whose contents straddle segments is checked on contiguous bytes.
  const StreamSlot& slot = slots_[slot_plus1 - 1];
  const uint32_t W = config_.stream_window;
  const auto prev = static_cast<uint32_t>(std::min<uint64_t>(slot.offset, W));
  const uint8_t* ring = windows_.get() + static_cast<std::size_t>(slot_plus1 - 1) * W;
  const auto start = static_cast<uint32_t>((slot.offset - prev) % W);
  const uint32_t first = std::min(prev, W - start);
  std::memcpy(linear_.get(), ring + start, first);
  std::memcpy(linear_.get() + first, ring, prev - first);
  if (seg_len) std::memcpy(linear_.get() + prev, seg, seg_len);
  base = slot.offset - prev;
  return prev + seg_len;
}

void PerCoreScanner::scan_buffers(const AppBuffers& buffers, bool to_server, uint64_t ts_ns, FlowContext& ctx,
                                  AlertBuffer& sink, TxPart part) noexcept {
  scan_part_ = part;
  PacketMeta m;
  m.src_ip = to_server ? ctx.client_ip.data() : ctx.server_ip.data();
  m.dst_ip = to_server ? ctx.server_ip.data() : ctx.client_ip.data();
  m.sport = to_server ? ctx.client_port : ctx.server_port;
  m.dport = to_server ? ctx.server_port : ctx.client_port;
  m.proto = ctx.l4_proto;
  m.ip_version = ctx.ip_version;
  m.to_server = to_server;
  m.ts_ns = ts_ns;
  for (int k = 1; k < kBufferKindCount; ++k) {
    const auto kind = static_cast<BufferKind>(k);
    if (!buffers.has(kind)) continue;
    const auto& db = engine_.app_dbs_[static_cast<std::size_t>(k)];
    if (!db) continue;
    for (const auto data : buffers.instances(kind))
      if (!data.empty() &&
          hs_scan(db.get(), reinterpret_cast<const char*>(data.data()), static_cast<unsigned>(data.size()), 0,
                  scratch_.get(), on_literal, this) != HS_SUCCESS)
        ++counters_.scan_errors;
  }
  for (uint32_t idx : engine_.unfiltered_app_) {
    bool all = true;
    for (const auto& b : engine_.rules_[idx].buffers) all = all && (b.kind == BufferKind::payload || buffers.has(b.kind));
    if (all) add_candidate(idx);
  }
  if (candidates_.empty()) return;
  // Payload parts of app-layer rules read the stream window of the transaction's direction.
  const uint8_t* window = nullptr;
  uint32_t window_len = 0;
  uint64_t window_base = 0;
  if (const uint32_t slot = ctx.stream_slot[to_server ? 0 : 1]; slot && slots_) {
    window = linear_.get();
    window_len = linearize(slot, nullptr, 0, window_base);
  }
  run_candidates(m, ctx, sink, nullptr, 0, window, window_len, window_base, false, &buffers);
}

}  // namespace flowprobe::sig
