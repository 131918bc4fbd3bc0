// Loading and compiling: rule files -> parsed rules -> Hyperscan databases.
#include "signatures/signature_engine.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

namespace flowprobe::sig {

namespace {

// Suricata's default classification.config, so that classtype works without a file.
constexpr std::string_view kDefaultClassifications = R"(
config classification: not-suspicious,Not Suspicious Traffic,3
config classification: unknown,Unknown Traffic,3
config classification: bad-unknown,Potentially Bad Traffic, 2
config classification: attempted-recon,Attempted Information Leak,2
config classification: successful-recon-limited,Information Leak,2
config classification: successful-recon-largescale,Large Scale Information Leak,2
config classification: attempted-dos,Attempted Denial of Service,2
config classification: successful-dos,Denial of Service,2
config classification: attempted-user,Attempted User Privilege Gain,1
config classification: unsuccessful-user,Unsuccessful User Privilege Gain,1
config classification: successful-user,Successful User Privilege Gain,1
config classification: attempted-admin,Attempted Administrator Privilege Gain,1
config classification: successful-admin,Successful Administrator Privilege Gain,1
config classification: rpc-portmap-decode,Decode of an RPC Query,2
config classification: shellcode-detect,Executable Code was Detected,1
config classification: string-detect,A Suspicious String was Detected,3
config classification: suspicious-filename-detect,A Suspicious Filename was Detected,2
config classification: suspicious-login,An Attempted Login Using a Suspicious Username was Detected,2
config classification: system-call-detect,A System Call was Detected,2
config classification: tcp-connection,A TCP Connection was Detected,4
config classification: trojan-activity,A Network Trojan was Detected, 1
config classification: unusual-client-port-connection,A Client was Using an Unusual Port,2
config classification: network-scan,Detection of a Network Scan,3
config classification: denial-of-service,Detection of a Denial of Service Attack,2
config classification: non-standard-protocol,Detection of a Non-Standard Protocol or Event,2
config classification: protocol-command-decode,Generic Protocol Command Decode,3
config classification: web-application-activity,Access to a Potentially Vulnerable Web Application,2
config classification: web-application-attack,Web Application Attack,1
config classification: misc-activity,Misc activity,3
config classification: misc-attack,Misc Attack,2
config classification: icmp-event,Generic ICMP event,3
config classification: inappropriate-content,Inappropriate Content was Detected,1
config classification: policy-violation,Potential Corporate Privacy Violation,1
config classification: default-login-attempt,Attempt to Login By a Default Username and Password,2
config classification: targeted-activity,Targeted Malicious Activity was Detected,1
config classification: exploit-kit,Exploit Kit Activity Detected,1
config classification: external-ip-check,Device Retrieving External IP Address Detected,2
config classification: domain-c2,Domain Observed Used for C2 Detected,1
config classification: pup-activity,Possibly Unwanted Program Detected,2
config classification: credential-theft,Successful Credential Theft Detected,1
config classification: social-engineering,Possible Social Engineering Attempted,2
config classification: coin-mining,Crypto Currency Mining Activity Detected,2
config classification: command-and-control,Malware Command and Control Activity Detected,1
)";

// Calls f on an item list and on every list nested in it (base64_data's keywords).
template <typename F>
void for_each_list(const std::vector<Item>& items, const F& f) {
  f(items);
  for (const auto& it : items)
    if (!it.sub.empty()) for_each_list(it.sub, f);
}

constexpr std::size_t kXbitSlots = 1 << 16;  // 1 MiB, shared by every core

void rep_warning(LoadReport& r, std::string w) {
  if (std::find(r.warnings.begin(), r.warnings.end(), w) == r.warnings.end()) r.warnings.push_back(std::move(w));
}

struct SourceRule {
  std::string file;
  uint32_t line;
  std::string text;
};

// Splits a rules file into rules: '#' lines and blank lines are skipped, a trailing
// backslash continues a rule on the next line; a rule's line is its first line.
void split_rules(std::string_view text, const std::string& file, std::vector<SourceRule>& out) {
  uint32_t lineno = 0;
  std::string pending;
  uint32_t pending_line = 0;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++lineno;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    if (pending.empty()) {
      std::string_view t = line;
      while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
      if (t.empty() || t.front() == '#') continue;
      pending_line = lineno;
    }
    if (!line.empty() && line.back() == '\\') {
      line.remove_suffix(1);
      pending.append(line);
      continue;
    }
    pending.append(line);
    out.push_back({file, pending_line, std::move(pending)});
    pending.clear();
  }
  if (!pending.empty()) out.push_back({file, pending_line, std::move(pending)});
}

bool read_file(const std::filesystem::path& p, std::string& out, std::string& error) {
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    error = "cannot read " + p.string();
    return false;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

// Suricata orders flowbit writers before readers so that a bit set by one rule is seen
// by the next on the same packet: set-only, set-and-read, read-only, then the rest.
// flowint and xbits are ordered the same way (Suricata's flowint and xbits sort keys).
int flowbits_rank(const Rule& r) {
  const bool sets = !r.flowbit_actions.empty() || !r.flowint_actions.empty() || !r.xbit_actions.empty();
  const bool reads = !r.flowbit_conds.empty() || !r.flowint_conds.empty() || !r.xbit_conds.empty();
  if (sets && !reads) return 0;
  if (sets && reads) return 1;
  if (reads) return 2;
  return 3;
}

int action_rank(const Rule& r) { return r.action == Action::pass ? 0 : 1; }

// Suricata's PatternStrength: a byte seen for the first time in the pattern scores 3
// (a letter), 4 (printable, 00, 01, FF) or 6 (any other); a repeated byte scores 1. So
// |00 01 86 A0| (20) beats |00 00 00 00| (7), which matches in nearly every binary payload.
uint32_t pattern_strength(std::string_view p) {
  bool seen[256] = {};
  uint32_t s = 0;
  for (unsigned char c : p) {
    if (seen[c]) {
      ++s;
      continue;
    }
    seen[c] = true;
    s += std::isalpha(c) ? 3 : (std::isprint(c) || c == 0x00 || c == 0x01 || c == 0xff) ? 4 : 6;
  }
  return s;
}

// The literal that prefilters the rule, chosen as Suricata chooses its fast pattern: the
// one marked fast_pattern, else the longest, and among the longest the strongest (see
// pattern_strength). Exact ties go to the later content: in a stream, the last piece to
// arrive is the one that can complete the rule.
// A rule with app-layer buffers is only checked when a dissector hands them over, so its
// literal must come from one of them, never from the payload.
// The literal a transformed buffer's content implies in the raw buffer, when one does:
// dotprefix only adds a leading '.', the case transforms only change letters. False for
// the others (a hash, removed white space…): such a content cannot prefilter.
bool raw_literal(const BufferSpec& b, const Item& it, std::string& pattern, bool& nocase) {
  pattern = it.pattern;
  nocase = it.nocase;
  for (const Transform& t : b.transforms) {
    switch (t.kind) {
      case TransformKind::dotprefix:
        if (!pattern.empty() && pattern.front() == '.') pattern.erase(0, 1);
        break;
      case TransformKind::to_lowercase: case TransformKind::to_uppercase: case TransformKind::header_lowercase:
        nocase = true;
        break;
      default: return false;
    }
  }
  if (nocase)
    for (auto& c : pattern) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return !pattern.empty();
}

void choose_prefilter(Rule& r) {
  int best_b = -1, best_i = -1;
  std::size_t best_len = 0;
  uint32_t best_strength = 0;
  bool best_fp = false;
  const bool app = std::any_of(r.buffers.begin(), r.buffers.end(), [](auto& b) { return b.kind != BufferKind::payload; });
  for (std::size_t b = 0; b < r.buffers.size(); ++b) {
    if (app && r.buffers[b].kind == BufferKind::payload) continue;
    for (std::size_t i = 0; i < r.buffers[b].items.size(); ++i) {
      const Item& it = r.buffers[b].items[i];
      if (it.type != ItemType::content || it.negated) continue;
      std::string raw;
      bool raw_nocase;
      if (!r.buffers[b].transforms.empty() && !raw_literal(r.buffers[b], it, raw, raw_nocase)) continue;
      const uint32_t strength = pattern_strength(it.pattern);
      bool better;
      if (it.fast_pattern != best_fp) better = it.fast_pattern;
      else if (it.pattern.size() != best_len) better = it.pattern.size() > best_len;
      else better = strength >= best_strength;
      if (best_b < 0 || better) {
        best_b = static_cast<int>(b);
        best_i = static_cast<int>(i);
        best_len = it.pattern.size();
        best_strength = strength;
        best_fp = it.fast_pattern;
      }
    }
  }
  r.prefilter_buffer = best_b;
  r.prefilter_item = best_i;
  if (best_b >= 0) {
    const BufferSpec& b = r.buffers[static_cast<std::size_t>(best_b)];
    raw_literal(b, b.items[static_cast<std::size_t>(best_i)], r.prefilter_pattern, r.prefilter_nocase);
  }
}

// The payload sizes a rule's dsize accepts, when they are few (an exact size or a narrow
// range: such a rule is a candidate on few packets) and within [0, kDsizeIndexMax]. Wide
// ranges (dsize:<500) would make it a candidate on most packets: those keep their literal.
bool dsize_bounds(const Rule& r, uint64_t& lo, uint64_t& hi) {
  constexpr uint64_t kMaxWidth = 32;
  if (!r.dsize) return false;
  const NumRange& d = *r.dsize;
  switch (d.op) {
    case NumRange::Op::eq: lo = hi = d.a; break;
    case NumRange::Op::lt: if (d.a == 0) return false; lo = 0; hi = d.a - 1; break;
    case NumRange::Op::le: lo = 0; hi = d.a; break;
    case NumRange::Op::between: if (d.b <= d.a + 1) return false; lo = d.a + 1; hi = d.b - 1; break;
    default: return false;  // open above: stays with its literal in Hyperscan
  }
  return hi <= SignatureEngine::kDsizeIndexMax && hi - lo < kMaxWidth;
}

bool tcp_capable(const Rule& r) { return r.l4 == L4::tcp || r.l4 == L4::ip; }
bool other_capable(const Rule& r) {
  if (r.stream == StreamUse::stream_only) return false;
  return r.l4 == L4::udp || r.l4 == L4::icmp || (r.l4 == L4::ip && (r.app == AppProto::unknown || r.app == AppProto::dns));
}

// One database's prefilter literals. Rules that share a literal (the same bytes and
// case flag) share one Hyperscan id, which stands for their list of rules: ET Open has
// dozens of RPC rules on the same 4 bytes, and one report per occurrence instead of one
// per rule was most of the callback work.
struct LiteralSet {
  std::vector<std::string> patterns;
  std::vector<unsigned> flags, ids;
  std::map<std::pair<std::string, unsigned>, unsigned> index;  // (pattern, flags) -> literal id
  // `lit_rules`: the rules of each literal id, shared by every set of the engine.
  void add(const Rule& r, uint32_t rule, std::vector<std::vector<uint32_t>>& lit_rules) {
    const unsigned f = r.prefilter_nocase ? HS_FLAG_CASELESS : 0u;
    const auto [pos, fresh] = index.try_emplace({r.prefilter_pattern, f}, static_cast<unsigned>(lit_rules.size()));
    if (fresh) {
      patterns.push_back(r.prefilter_pattern);
      flags.push_back(f);
      ids.push_back(pos->second);
      lit_rules.emplace_back();
    }
    lit_rules[pos->second].push_back(rule);
  }
};

// The ports a rule's packets must carry on one side, when they are few: the explicit
// destination ports, else the explicit source ports (both sides' for `<>`). Empty when
// the rule may see any port (any, ranges, negations).
std::vector<uint16_t> narrow_ports(const Rule& r) {
  constexpr std::size_t kMaxPorts = 32;
  const auto explicit_ports = [](const PortList& l, std::vector<uint16_t>& out) {
    if (l.any || l.ranges.empty()) return false;
    for (const auto& pr : l.ranges) {
      if (pr.negated || pr.hi - pr.lo >= 8) return false;
      for (unsigned p = pr.lo; p <= pr.hi; ++p) out.push_back(static_cast<uint16_t>(p));
    }
    return out.size() <= kMaxPorts;
  };
  std::vector<uint16_t> ports;
  if (r.bidirectional) {
    std::vector<uint16_t> other;
    if (!explicit_ports(r.dport, ports) || !explicit_ports(r.sport, other)) return {};
    ports.insert(ports.end(), other.begin(), other.end());
  } else if (!explicit_ports(r.dport, ports)) {
    ports.clear();
    if (!explicit_ports(r.sport, ports)) return {};
  }
  std::sort(ports.begin(), ports.end());
  ports.erase(std::unique(ports.begin(), ports.end()), ports.end());
  return ports;
}

// Splits `lits` by port group: ports named by at least 8 narrow rules (at most 32, the
// most named first) get a group. `group_of_port` maps each port to its group (1-based;
// left empty when no port qualifies); `sets[0]` holds the literals of rules any port may
// carry (or a port without a group), `sets[g]` those plus group g's.
void port_groups(const LiteralSet& lits, const std::vector<Rule>& rules,
                 const std::vector<std::vector<uint32_t>>& lit_rules, std::vector<uint8_t>& group_of_port,
                 std::vector<LiteralSet>& sets) {
  constexpr std::size_t kMinGroup = 8, kMaxGroups = 32;
  std::map<uint16_t, std::size_t> port_rules;
  std::vector<std::vector<uint16_t>> narrow(rules.size());
  std::vector<bool> seen(rules.size());
  for (unsigned id : lits.ids)
    for (uint32_t idx : lit_rules[id])
      if (!seen[idx]) {
        seen[idx] = true;
        narrow[idx] = narrow_ports(rules[idx]);
        for (uint16_t p : narrow[idx]) ++port_rules[p];
      }
  std::vector<std::pair<std::size_t, uint16_t>> by_count;
  for (const auto& [port, n] : port_rules)
    if (n >= kMinGroup) by_count.emplace_back(n, port);
  std::sort(by_count.rbegin(), by_count.rend());
  if (by_count.size() > kMaxGroups) by_count.resize(kMaxGroups);
  if (by_count.empty()) return;
  group_of_port.assign(65536, 0);
  for (std::size_t g = 0; g < by_count.size(); ++g) group_of_port[by_count[g].second] = static_cast<uint8_t>(g + 1);
  sets.resize(by_count.size() + 1);
  for (std::size_t i = 0; i < lits.ids.size(); ++i) {
    const unsigned id = lits.ids[i];
    bool wide = false;
    std::vector<uint8_t> groups;
    for (uint32_t idx : lit_rules[id]) {
      const auto& ports = narrow[idx];
      bool all_grouped = !ports.empty();
      for (uint16_t p : ports) all_grouped = all_grouped && group_of_port[p] != 0;
      if (!all_grouped) {
        wide = true;
        break;
      }
      for (uint16_t p : ports) groups.push_back(group_of_port[p]);
    }
    const auto put = [&](LiteralSet& set) {
      set.patterns.push_back(lits.patterns[i]);
      set.flags.push_back(lits.flags[i]);
      set.ids.push_back(id);
    };
    if (wide) {
      for (auto& set : sets) put(set);  // the base, and every group's database
      continue;
    }
    std::sort(groups.begin(), groups.end());
    groups.erase(std::unique(groups.begin(), groups.end()), groups.end());
    for (uint8_t g : groups) put(sets[g]);
  }
}

// Which part of an HTTP transaction fills each of the rule's buffers (Rule::tx_needs).
uint8_t tx_needs_of(const Rule& r) {
  uint8_t needs = 0;
  for (const auto& b : r.buffers) {
    switch (b.kind) {
      case BufferKind::http_uri: case BufferKind::http_raw_uri: case BufferKind::http_method:
      case BufferKind::http_host: case BufferKind::http_raw_host: case BufferKind::http_user_agent:
      case BufferKind::http_referer: case BufferKind::http_accept: case BufferKind::http_accept_enc:
      case BufferKind::http_accept_lang: case BufferKind::http_request_line: case BufferKind::http_request_header:
        needs |= tx_needs::request_only;
        break;
      case BufferKind::http_client_body:
        needs |= tx_needs::request_only | tx_needs::request_body;
        break;
      case BufferKind::http_stat_code: case BufferKind::http_stat_msg: case BufferKind::http_response_line:
      case BufferKind::http_server: case BufferKind::http_location: case BufferKind::http_response_header:
        needs |= tx_needs::response_only;
        break;
      case BufferKind::http_response_body:
        needs |= tx_needs::response_only | tx_needs::response_body;
        break;
      case BufferKind::http_file_data:
        // ftp-data: the file in the direction it travels (STOR up, RETR down), either
        // unless the rule says which.
        if (r.app == AppProto::ftp_data) {
          needs |= r.flow_dir == 1   ? tx_needs::request_body
                   : r.flow_dir == 2 ? tx_needs::response_body
                                     : tx_needs::request_body | tx_needs::response_body;
          break;
        }
        // HTTP: the request's body on a to_server rule (Suricata 5+).
        needs |= r.flow_dir == 1 ? tx_needs::request_only | tx_needs::request_body
                                 : tx_needs::response_only | tx_needs::response_body;
        break;
      default:
        break;
    }
  }
  return needs;
}


bool compile_literals(const LiteralSet& set, unsigned mode, HsDatabase& out, std::string& error) {
  if (set.patterns.empty()) return true;
  std::vector<const char*> exprs;
  std::vector<std::size_t> lens;
  for (const auto& p : set.patterns) {
    exprs.push_back(p.data());
    lens.push_back(p.size());
  }
  hs_database_t* db = nullptr;
  hs_compile_error_t* err = nullptr;
  if (hs_compile_lit_multi(exprs.data(), set.flags.data(), set.ids.data(), lens.data(),
                           static_cast<unsigned>(exprs.size()), mode, nullptr, &db, &err) != HS_SUCCESS) {
    HsCompileError guard(err);
    error = std::string("Hyperscan cannot compile the literal database: ") + (err ? err->message : "?");
    return false;
  }
  out.reset(db);
  return true;
}

std::size_t db_size(const HsDatabase& db) {
  std::size_t n = 0;
  if (db) hs_database_size(db.get(), &n);
  return n;
}

}  // namespace

class EngineBuilder {
 public:
  static std::unique_ptr<SignatureEngine> build(const std::vector<SourceRule>& sources,
                                                const std::vector<std::string>& class_texts, const RuleVars& vars,
                                                std::string& error, LoadReport* report, const LoadOptions& options);
};

std::unique_ptr<SignatureEngine> EngineBuilder::build(const std::vector<SourceRule>& sources,
                                                      const std::vector<std::string>& class_texts,
                                                      const RuleVars& vars, std::string& error, LoadReport* report,
                                                      const LoadOptions& options) {
  LoadReport local;
  LoadReport& rep = report ? *report : local;
  rep = LoadReport{};
  const auto t0 = std::chrono::steady_clock::now();

  ParseContext ctx(vars);
  if (!ctx.add_classifications(kDefaultClassifications, error)) return nullptr;
  for (const auto& t : class_texts)
    if (!ctx.add_classifications(t, error)) {
      error = "classification.config: " + error;
      return nullptr;
    }

  auto reject = [&](const std::string& file, uint32_t line, uint32_t sid, std::string reason, std::string detail) {
    rep.rejections.push_back({file, line, sid, std::move(reason), std::move(detail)});
  };

  std::vector<Rule> parsed;
  parsed.reserve(sources.size());
  std::map<std::pair<uint32_t, uint32_t>, std::size_t> by_sid;  // (gid, sid) -> index into parsed
  for (const auto& s : sources) {
    Rule r;
    RuleError e;
    ctx.set_rule_dir(std::filesystem::path(s.file).parent_path().string());
    if (!parse_rule(s.text, ctx, r, e)) {
      // Best effort: name the sid even in a rejected rule so the operator can find it.
      uint32_t sid = 0;
      if (auto p = s.text.find("sid:"); p != std::string::npos) sid = static_cast<uint32_t>(std::strtoul(s.text.c_str() + p + 4, nullptr, 10));
      reject(s.file, s.line, sid, e.reason, e.detail);
      continue;
    }
    r.file = s.file;
    r.line = s.line;
    // A sid seen before: as Suricata, the later rule replaces the earlier unless the
    // earlier has the higher rev (a set updated by appending a new revision just works).
    if (const auto [it, fresh] = by_sid.try_emplace({r.gid, r.sid}, parsed.size()); !fresh) {
      Rule& earlier = parsed[it->second];
      const bool later_wins = r.rev >= earlier.rev;
      const Rule& lost = later_wins ? earlier : r;
      const Rule& kept = later_wins ? r : earlier;
      rep.duplicates.push_back({lost.file, lost.line, lost.sid, "duplicate sid",
                                "rev " + std::to_string(lost.rev) + " dropped for rev " + std::to_string(kept.rev) +
                                    " at " + kept.file + ":" + std::to_string(kept.line)});
      if (later_wins) earlier = std::move(r);
      continue;
    }
    parsed.push_back(std::move(r));
  }
  const auto t1 = std::chrono::steady_clock::now();
  rep.parse_seconds = std::chrono::duration<double>(t1 - t0).count();

  auto engine = std::unique_ptr<SignatureEngine>(new SignatureEngine());
  engine->classes_ = ctx.classes();
  engine->flowbit_names_ = ctx.flowbit_names();
  engine->flowint_names_ = ctx.flowint_names();
  engine->xbit_names_ = ctx.xbit_names();

  // ---- pcre: Hyperscan where it answers as PCRE would, PCRE2 where the match end
  // places a relative keyword after it, where Hyperscan refuses the expression or cannot
  // honour a flag (pcre_program.hpp); compiled in parallel (they are independent).
  const auto& pcres = ctx.pcres();
  std::vector<uint8_t> needs_pcre2(pcres.size(), 0);
  for (const auto& r : parsed)
    for (const auto& b : r.buffers)
      for_each_list(b.items, [&](const std::vector<Item>& items) {
        for (std::size_t i = 0; i < items.size(); ++i)
          if (items[i].type == ItemType::pcre && i + 1 < items.size() && items[i + 1].relative)
            needs_pcre2[items[i].pcre_index] = 1;
      });
  std::vector<std::string> pcre_errors(pcres.size());
  engine->pcres_.resize(pcres.size());
  if (options.compile && !pcres.empty()) {
    std::atomic<std::size_t> next{0};
    auto worker = [&]() {
      for (std::size_t i = next++; i < pcres.size(); i = next++) {
        PcreProgram& prog = engine->pcres_[i];
        prog.no_limit = pcres[i].no_limit;
        hs_database_t* db = nullptr;
        hs_compile_error_t* err = nullptr;
        if (hs_compile(pcres[i].expression.c_str(), pcres[i].hs_flags, HS_MODE_BLOCK, nullptr, &db, &err) != HS_SUCCESS) {
          HsCompileError guard(err);
        } else {
          prog.hs.reset(db);  // with PCRE2 too, a prefilter: $ without /E matches a superset
        }
        if (!prog.hs || needs_pcre2[i] || (pcres[i].pcre2_options & PCRE2_DOLLAR_ENDONLY))
          prog.pcre2 = compile_pcre2(pcres[i].pattern, pcres[i].pcre2_options, pcre_errors[i]);
      }
    };
    const unsigned n = std::clamp(std::thread::hardware_concurrency(), 1u, 16u);
    std::vector<std::thread> threads;
    for (unsigned i = 1; i < n; ++i) threads.emplace_back(worker);
    worker();
    for (auto& t : threads) t.join();
  }
  rep.pcre_count = static_cast<uint32_t>(pcres.size());
  rep.pcre2_count = static_cast<uint32_t>(
      std::count_if(engine->pcres_.begin(), engine->pcres_.end(), [](const PcreProgram& p) { return p.pcre2 != nullptr; }));

  // ---- drop rules whose pcre PCRE2 cannot compile (Suricata would not load them either); order the rest
  std::vector<Rule> rules;
  rules.reserve(parsed.size());
  for (auto& r : parsed) {
    std::string bad;
    for (const auto& b : r.buffers)
      for_each_list(b.items, [&](const std::vector<Item>& items) {
        for (const auto& it : items)
          if (it.type == ItemType::pcre && !pcre_errors[it.pcre_index].empty() && bad.empty())
            bad = pcre_errors[it.pcre_index];
      });
    if (!bad.empty()) {
      reject(r.file, r.line, r.sid, "pcre that PCRE2 cannot compile", bad);
      continue;
    }
    rules.push_back(std::move(r));
  }
  std::stable_sort(rules.begin(), rules.end(), [](const Rule& a, const Rule& b) {
    if (action_rank(a) != action_rank(b)) return action_rank(a) < action_rank(b);
    return flowbits_rank(a) < flowbits_rank(b);
  });

  // ---- prefilter literals per database
  LiteralSet tcp_lits, other_lits;
  std::array<LiteralSet, kBufferKindCount> app_lits;
  std::vector<std::vector<uint32_t>> lit_rules;
  std::vector<uint32_t> header_only;  // rules without a buffer, indexed below by L4 and TCP flags
  for (uint32_t idx = 0; idx < rules.size(); ++idx) {
    Rule& r = rules[idx];
    r.tx_needs = tx_needs_of(r);
    choose_prefilter(r);
    const bool payload = std::all_of(r.buffers.begin(), r.buffers.end(), [](auto& b) { return b.kind == BufferKind::payload; });
    if (r.buffers.empty()) {
      (r.ip_only ? engine->ip_only_ : header_only).push_back(idx);
      continue;
    }
    if (r.prefilter_buffer < 0) {
      if (tcp_capable(r) && std::any_of(r.buffers.begin(), r.buffers.end(), [](auto& b) { return b.kind == BufferKind::payload; }))
        engine->needs_stream_ = true;
      if (payload) {
        if (tcp_capable(r)) engine->unfiltered_tcp_.push_back(idx);
        if (other_capable(r)) engine->unfiltered_other_.push_back(idx);
      } else {
        engine->unfiltered_app_.push_back(idx);
      }
      continue;
    }
    if (tcp_capable(r) && std::any_of(r.buffers.begin(), r.buffers.end(), [](auto& b) { return b.kind == BufferKind::payload; }))
      engine->needs_stream_ = true;
    const auto& pb = r.buffers[static_cast<std::size_t>(r.prefilter_buffer)];
    if (uint64_t lo, hi; payload && dsize_bounds(r, lo, hi)) {
      if (engine->dsize_tcp_.empty()) {
        engine->dsize_tcp_.resize(SignatureEngine::kDsizeIndexMax + 1);
        engine->dsize_other_.resize(SignatureEngine::kDsizeIndexMax + 1);
      }
      for (uint64_t v = std::max<uint64_t>(lo, 1); v <= hi; ++v) {
        if (tcp_capable(r)) engine->dsize_tcp_[v].push_back(idx);
        if (other_capable(r)) engine->dsize_other_[v].push_back(idx);
      }
      continue;
    }
    if (pb.kind == BufferKind::payload) {
      if (tcp_capable(r)) tcp_lits.add(r, idx, lit_rules);
      if (other_capable(r)) other_lits.add(r, idx, lit_rules);
    } else {
      app_lits[static_cast<std::size_t>(pb.kind)].add(r, idx, lit_rules);
    }
  }
  for (uint32_t idx : header_only) {
    const Rule& r = rules[idx];
    if (r.l4 == L4::tcp || r.l4 == L4::ip)
      for (unsigned flags = 0; flags < 256; ++flags)
        if (r.flags_pass(static_cast<uint8_t>(flags))) engine->header_only_tcp_[flags].push_back(idx);
    if (r.has_flags) continue;  // only TCP has flags to pass
    if (r.l4 == L4::udp || r.l4 == L4::ip) engine->header_only_udp_.push_back(idx);
    if (r.l4 == L4::icmp || r.l4 == L4::ip) engine->header_only_icmp_.push_back(idx);
    if (r.l4 == L4::ip) engine->header_only_other_.push_back(idx);
  }
  // Flattened: literal id i stands for literal_rules_[literal_first_[i] .. literal_first_[i + 1]).
  engine->literal_first_.reserve(lit_rules.size() + 1);
  for (const auto& list : lit_rules) {
    engine->literal_first_.push_back(static_cast<uint32_t>(engine->literal_rules_.size()));
    engine->literal_rules_.insert(engine->literal_rules_.end(), list.begin(), list.end());
  }
  engine->literal_first_.push_back(static_cast<uint32_t>(engine->literal_rules_.size()));
  if (options.compile) {
    // Block databases report each rule once per buffer (SINGLEMATCH); the stream one
    // must report every occurrence, since later segments bring new chances.
    auto single = [](LiteralSet s) {
      for (auto& f : s.flags) f |= HS_FLAG_SINGLEMATCH;
      return s;
    };
    if (!compile_literals(tcp_lits, HS_MODE_STREAM, engine->tcp_stream_db_, error) ||
        !compile_literals(single(tcp_lits), HS_MODE_BLOCK, engine->tcp_block_db_, error) ||
        !compile_literals(single(other_lits), HS_MODE_BLOCK, engine->other_block_db_, error))
      return nullptr;
    // Port groups of the non-TCP literals (SignatureEngine::other_dbs_).
    std::vector<LiteralSet> sets;
    port_groups(other_lits, rules, lit_rules, engine->other_group_of_port_, sets);
    engine->other_dbs_.resize(sets.size());
    for (std::size_t g = 0; g < sets.size(); ++g)
      if (!compile_literals(single(sets[g]), HS_MODE_BLOCK, engine->other_dbs_[g], error)) return nullptr;
    for (int k = 0; k < kBufferKindCount; ++k)
      if (!compile_literals(single(app_lits[static_cast<std::size_t>(k)]), HS_MODE_BLOCK,
                            engine->app_dbs_[static_cast<std::size_t>(k)], error))
        return nullptr;

    // One prototype scratch big enough for every database; each core clones it.
    hs_scratch_t* scratch = nullptr;
    auto grow = [&](const HsDatabase& db) {
      if (db && hs_alloc_scratch(db.get(), &scratch) != HS_SUCCESS) {
        error = "Hyperscan cannot allocate scratch";
        return false;
      }
      return true;
    };
    bool ok = grow(engine->tcp_stream_db_) && grow(engine->tcp_block_db_) && grow(engine->other_block_db_);
    for (const auto& db : engine->other_dbs_) ok = ok && grow(db);
    for (const auto& db : engine->app_dbs_) ok = ok && grow(db);
    for (const auto& p : engine->pcres_) ok = ok && grow(p.hs);
    engine->proto_scratch_.reset(scratch);
    if (!ok) return nullptr;

    std::size_t bytes = db_size(engine->tcp_stream_db_) + db_size(engine->tcp_block_db_) + db_size(engine->other_block_db_);
    for (const auto& db : engine->app_dbs_) bytes += db_size(db);
    for (const auto& p : engine->pcres_) bytes += db_size(p.hs);
    for (const auto& db : engine->other_dbs_) bytes += db_size(db);
    rep.database_bytes = bytes;
    if (engine->tcp_stream_db_) hs_stream_size(engine->tcp_stream_db_.get(), &rep.stream_state_bytes);
  }
  for (const Rule& r : rules)
    for (const auto& b : r.buffers) {
      engine->has_transforms_ = engine->has_transforms_ || !b.transforms.empty();
      for (const Transform& t : b.transforms)
        engine->has_pcrexform_ = engine->has_pcrexform_ || t.kind == TransformKind::pcrexform;
      for (const auto& it : b.items) engine->has_base64_ = engine->has_base64_ || it.type == ItemType::base64_decode;
    }
  // Shared tables: each dataset sized for its file and what rules may add, the xbits
  // table when a rule uses xbits (kXbitSlots * 16 bytes).
  std::vector<uint8_t> dataset_used(ctx.datasets().size(), 0);
  for (const Rule& r : rules)
    for (const auto& b : r.buffers)
      for_each_list(b.items, [&](const std::vector<Item>& items) {
        for (const auto& it : items)
          if (it.type == ItemType::dataset) dataset_used[it.dataset] = 1;
      });
  for (std::size_t i = 0; i < ctx.datasets().size(); ++i) {
    const DatasetSpec& d = ctx.datasets()[i];
    // Room for dataset:set: 65,536 slots of 12 bytes (768 KiB), or twice the file's values;
    // a set only rejected rules named gets none.
    constexpr std::size_t kMinSlots = 65536;
    const std::size_t slots = dataset_used[i] ? std::max(kMinSlots, d.values.size() * 2) : 0;
    auto ds = std::make_unique<Dataset>(Dataset{d.name, d.type, d.rep, d.values.size(), AtomicKeySet(slots)});
    if (!dataset_used[i]) {
      engine->datasets_.push_back(std::move(ds));
      continue;
    }
    for (const auto& [value, reputation] : d.values) {
      const uint64_t key = dataset_key(d.type, {reinterpret_cast<const uint8_t*>(value.data()), value.size()});
      if (key && ds->set.insert(key, reputation) == AtomicKeySet::Insert::full)
        rep_warning(rep, "dataset " + d.name + ": a value found no room in its table");
    }
    engine->datasets_.push_back(std::move(ds));
  }
  // As Suricata's flowbit analysis: a bit that rules check but none sets is a rule set
  // missing its setter (a disabled rule, a file not loaded); the checks then never pass.
  {
    std::vector<uint32_t> checked_by(ctx.flowbit_names().size(), 0), xchecked_by(ctx.xbit_names().size(), 0);
    std::vector<uint8_t> set(checked_by.size(), 0), xset(xchecked_by.size(), 0);
    for (const Rule& r : rules) {
      for (const auto& a : r.flowbit_actions)
        if (a.cmd != FlowbitOp::Cmd::unset)
          for (uint16_t b : a.bits) set[b] = 1;
      for (const auto& c : r.flowbit_conds)
        for (uint16_t b : c.bits) checked_by[b] = checked_by[b] ? checked_by[b] : r.sid;
      for (const auto& a : r.xbit_actions)
        if (a.cmd != XbitOp::Cmd::unset) xset[a.bit] = 1;
      for (const auto& c : r.xbit_conds) xchecked_by[c.bit] = xchecked_by[c.bit] ? xchecked_by[c.bit] : r.sid;
    }
    const auto warn = [&](const char* what, const std::vector<std::string>& names, const std::vector<uint32_t>& by,
                          const std::vector<uint8_t>& is_set) {
      std::string list;
      std::size_t n = 0;
      for (std::size_t i = 0; i < names.size(); ++i)
        if (by[i] && !is_set[i] && n++ < 5) list += (list.empty() ? "" : ", ") + names[i] + " (sid " + std::to_string(by[i]) + ")";
      if (n)
        rep_warning(rep, std::to_string(n) + " " + what + " checked but never set: " + list + (n > 5 ? ", …" : ""));
    };
    warn("flowbits", ctx.flowbit_names(), checked_by, set);
    warn("xbits", ctx.xbit_names(), xchecked_by, xset);
  }
  if (std::any_of(rules.begin(), rules.end(), [](const Rule& r) { return !r.xbit_conds.empty() || !r.xbit_actions.empty(); }))
    engine->xbits_ = std::make_unique<XbitTable>(kXbitSlots);
  engine->rules_ = std::move(rules);
  engine->gates_.reserve(engine->rules_.size());
  for (const Rule& r : engine->rules_) engine->gates_.push_back(RuleGate::of(r));
  rep.accepted = static_cast<uint32_t>(engine->rules_.size());
  rep.rejected = static_cast<uint32_t>(rep.rejections.size());
  rep.compile_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  return engine;
}

RuleGate RuleGate::of(const Rule& r) noexcept {
  RuleGate g;
  switch (r.l4) {
    case L4::tcp: g.protos = 1; break;
    case L4::udp: g.protos = 2; break;
    case L4::icmp: g.protos = 4; break;
    case L4::ip: g.protos = 0xff; break;
  }
  g.flow_dir = r.flow_dir;
  g.established = r.established;
  g.bidirectional = r.bidirectional;
  // The hull of the positive ranges: a port outside it matches none of them.
  const auto hull = [](const PortList& l, uint16_t& lo, uint16_t& hi) {
    if (l.any) return;
    bool has_pos = false;
    uint16_t a = 65535, b = 0;
    for (const auto& pr : l.ranges)
      if (!pr.negated) {
        has_pos = true;
        a = std::min(a, pr.lo);
        b = std::max(b, pr.hi);
      }
    if (has_pos) lo = a, hi = b;
  };
  hull(r.sport, g.sport_lo, g.sport_hi);
  hull(r.dport, g.dport_lo, g.dport_hi);
  return g;
}

std::unique_ptr<SignatureEngine> SignatureEngine::load(const std::vector<std::string>& paths, const RuleVars& vars,
                                                       std::string& error, LoadReport* report,
                                                       const LoadOptions& options) {
  namespace fs = std::filesystem;
  std::vector<SourceRule> sources;
  std::vector<std::string> class_texts;
  std::set<fs::path> class_files;
  for (const auto& c : options.classification_files) class_files.insert(c);
  std::vector<fs::path> files;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<fs::path> found;
      for (const auto& e : fs::directory_iterator(p, ec))
        if (e.is_regular_file() && e.path().extension() == ".rules") found.push_back(e.path());
      if (ec) {
        error = "cannot list " + p + ": " + ec.message();
        return nullptr;
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
      if (options.classification_files.empty() && fs::exists(fs::path(p) / "classification.config"))
        class_files.insert(fs::path(p) / "classification.config");
    } else if (fs::is_regular_file(p, ec)) {
      files.emplace_back(p);
      const auto sibling = fs::path(p).parent_path() / "classification.config";
      if (options.classification_files.empty() && fs::exists(sibling)) class_files.insert(sibling);
    } else {
      error = "cannot read " + p + ": no such file or directory";
      return nullptr;
    }
  }
  for (const auto& c : class_files) {
    std::string text;
    if (!read_file(c, text, error)) return nullptr;
    class_texts.push_back(std::move(text));
  }
  for (const auto& f : files) {
    std::string text;
    if (!read_file(f, text, error)) return nullptr;
    split_rules(text, f.string(), sources);
  }
  return EngineBuilder::build(sources, class_texts, vars, error, report, options);
}

std::unique_ptr<SignatureEngine> SignatureEngine::load_text(std::string_view text, const RuleVars& vars,
                                                            std::string& error, LoadReport* report,
                                                            const LoadOptions& options, std::string_view name) {
  std::vector<SourceRule> sources;
  split_rules(text, std::string(name), sources);
  std::vector<std::string> class_texts;
  for (const auto& c : options.classification_files) {
    std::string t;
    if (!read_file(c, t, error)) return nullptr;
    class_texts.push_back(std::move(t));
  }
  return EngineBuilder::build(sources, class_texts, vars, error, report, options);
}

SignatureEngine::~SignatureEngine() = default;

int SignatureEngine::find_sid(uint32_t sid) const noexcept {
  for (std::size_t i = 0; i < rules_.size(); ++i)
    if (rules_[i].sid == sid && rules_[i].gid == 1) return static_cast<int>(i);
  return -1;
}

std::string LoadReport::summary(int examples, int max_reasons) const {
  std::ostringstream out;
  out << "rules: " << accepted << " accepted, " << rejected << " rejected";
  if (!duplicates.empty()) out << ", " << duplicates.size() << " duplicate sids (the later rule kept)";
  out << "\n";
  std::map<std::string, std::vector<const Rejection*>> by_reason;
  for (const auto& r : rejections) by_reason[r.reason].push_back(&r);
  std::vector<std::pair<std::string, std::vector<const Rejection*>>> sorted(by_reason.begin(), by_reason.end());
  std::stable_sort(sorted.begin(), sorted.end(), [](auto& a, auto& b) { return a.second.size() > b.second.size(); });
  int shown = 0;
  for (const auto& [reason, list] : sorted) {
    if (max_reasons >= 0 && shown++ == max_reasons) {
      out << "  (" << sorted.size() - static_cast<std::size_t>(max_reasons)
          << " more reasons: 'flowprobe check --rules' lists them all)\n";
      break;
    }
    out << "  " << list.size() << "  " << reason << "\n";
    for (int i = 0; i < examples && i < static_cast<int>(list.size()); ++i) {
      const auto* r = list[static_cast<std::size_t>(i)];
      out << "      " << r->file << ":" << r->line;
      if (r->sid) out << " sid " << r->sid;
      if (!r->detail.empty()) out << ": " << r->detail;
      out << "\n";
    }
  }
  for (int i = 0; i < examples && i < static_cast<int>(duplicates.size()); ++i) {
    const auto& d = duplicates[static_cast<std::size_t>(i)];
    out << "  duplicate sid " << d.sid << " " << d.file << ":" << d.line << ": " << d.detail << "\n";
  }
  for (const auto& w : warnings) out << "warning: " << w << "\n";
  return out.str();
}

// ---- shared tables ---------------------------------------------------------------------

namespace {
std::size_t pow2_at_least(std::size_t n) {
  std::size_t c = 1;
  while (c < n) c <<= 1;
  return c;
}
uint64_t mix64(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}
}  // namespace

AtomicKeySet::AtomicKeySet(std::size_t min_capacity) {
  const std::size_t n = pow2_at_least(std::max<std::size_t>(min_capacity, kProbe));
  keys_ = std::make_unique<std::atomic<uint64_t>[]>(n);
  values_ = std::make_unique<std::atomic<uint32_t>[]>(n);
  mask_ = n - 1;
}

AtomicKeySet::Insert AtomicKeySet::insert(uint64_t key, uint32_t value) noexcept {
  for (unsigned p = 0; p < kProbe; ++p) {
    auto& slot = keys_[(mix64(key) + p) & mask_];
    uint64_t cur = slot.load(std::memory_order_acquire);
    if (cur == 0 && slot.compare_exchange_strong(cur, key, std::memory_order_acq_rel)) {
      values_[(mix64(key) + p) & mask_].store(value, std::memory_order_release);
      return Insert::added;
    }
    if (cur == key) {  // (also when another core just claimed it)
      uint32_t removed = kRemoved;
      return values_[(mix64(key) + p) & mask_].compare_exchange_strong(removed, value, std::memory_order_acq_rel)
                 ? Insert::added
                 : Insert::present;
    }
  }
  return Insert::full;
}

bool AtomicKeySet::find(uint64_t key, uint32_t& value) const noexcept {
  for (unsigned p = 0; p < kProbe; ++p) {
    const std::size_t i = (mix64(key) + p) & mask_;
    const uint64_t cur = keys_[i].load(std::memory_order_acquire);
    if (cur == key) {
      value = values_[i].load(std::memory_order_acquire);
      return value != kRemoved;
    }
    if (cur == 0) return false;  // slots are never freed: the key would be here
  }
  return false;
}

bool AtomicKeySet::remove(uint64_t key) noexcept {
  for (unsigned p = 0; p < kProbe; ++p) {
    const std::size_t i = (mix64(key) + p) & mask_;
    const uint64_t cur = keys_[i].load(std::memory_order_acquire);
    if (cur == key) {
      uint32_t v = values_[i].load(std::memory_order_acquire);
      while (v != kRemoved)
        if (values_[i].compare_exchange_weak(v, kRemoved, std::memory_order_acq_rel)) return true;
      return false;
    }
    if (cur == 0) return false;
  }
  return false;
}

XbitTable::XbitTable(std::size_t capacity) {
  const std::size_t n = pow2_at_least(std::max<std::size_t>(capacity, kProbe));
  keys_ = std::make_unique<std::atomic<uint64_t>[]>(n);
  expires_ = std::make_unique<std::atomic<uint64_t>[]>(n);
  mask_ = n - 1;
}

bool XbitTable::isset(uint64_t key, uint64_t now_ns) const noexcept {
  for (unsigned p = 0; p < kProbe; ++p) {
    const std::size_t i = (mix64(key) + p) & mask_;
    if (keys_[i].load(std::memory_order_acquire) == key) return expires_[i].load(std::memory_order_acquire) > now_ns;
  }
  return false;
}

bool XbitTable::set(uint64_t key, uint64_t expire_ns, uint64_t now_ns) noexcept {
  std::size_t victim = SIZE_MAX;
  uint64_t victim_expiry = UINT64_MAX;
  for (unsigned p = 0; p < kProbe; ++p) {
    const std::size_t i = (mix64(key) + p) & mask_;
    if (keys_[i].load(std::memory_order_acquire) == key) {
      expires_[i].store(expire_ns, std::memory_order_release);
      return false;
    }
    const uint64_t e = expires_[i].load(std::memory_order_acquire);
    if (e <= now_ns) {  // empty (0) or expired: free to take
      if (victim_expiry != 0) victim = i, victim_expiry = 0;
    } else if (e < victim_expiry) {
      victim = i, victim_expiry = e;
    }
  }
  // Races between cores on one slot lose one of the bits, as an eviction would.
  expires_[victim].store(0, std::memory_order_release);
  keys_[victim].store(key, std::memory_order_release);
  expires_[victim].store(expire_ns, std::memory_order_release);
  return victim_expiry != 0;
}

void XbitTable::unset(uint64_t key) noexcept {
  for (unsigned p = 0; p < kProbe; ++p) {
    const std::size_t i = (mix64(key) + p) & mask_;
    if (keys_[i].load(std::memory_order_acquire) == key) expires_[i].store(0, std::memory_order_release);
  }
}

uint64_t dataset_key(DatasetType type, std::span<const uint8_t> v) noexcept {
  uint8_t addr[16];
  switch (type) {
    case DatasetType::md5: if (v.size() != 16) return 0; break;
    case DatasetType::sha256: if (v.size() != 32) return 0; break;
    case DatasetType::ipv4: case DatasetType::ipv6: {
      const std::size_t want = type == DatasetType::ipv4 ? 4 : 16;
      if (v.size() == want) break;
      // A text buffer ("192.0.2.1" in http.host): the address it spells.
      char text[64];
      if (v.size() >= sizeof text) return 0;
      std::memcpy(text, v.data(), v.size());
      text[v.size()] = 0;
      uint8_t a4[4];
      if (inet_pton(AF_INET, text, a4) == 1) {
        if (type == DatasetType::ipv4) std::memcpy(addr, a4, 4);
        else {
          const uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a4[0], a4[1], a4[2], a4[3]};
          std::memcpy(addr, mapped, 16);
        }
      } else if (type != DatasetType::ipv6 || inet_pton(AF_INET6, text, addr) != 1) {
        return 0;
      }
      v = {addr, want};
      break;
    }
    case DatasetType::string: break;
  }
  uint64_t h = 0xcbf29ce484222325ull ^ static_cast<uint64_t>(type);
  for (uint8_t c : v) h = (h ^ c) * 0x100000001b3ull;
  h = mix64(h ^ v.size());
  return h ? h : 1;
}

int run_rules_check(const std::vector<std::string>& rule_paths, std::FILE* out) {
  std::string error;
  LoadReport report;
  auto engine = SignatureEngine::load(rule_paths, default_rule_vars(), error, &report);
  if (!engine) {
    std::fprintf(out, "rules: error: %s\n", error.c_str());
    return 1;
  }
  const std::string s = report.summary();
  std::fputs(s.c_str(), out);
  std::fprintf(out, "hyperscan: %zu bytes of databases (%u pcre, %u of them on PCRE2), %zu bytes of stream state per direction, "
                    "compiled in %.2f s\n",
               report.database_bytes, report.pcre_count, report.pcre2_count, report.stream_state_bytes,
               report.compile_seconds);
  return 0;
}

}  // namespace flowprobe::sig
