// Truth from another tool: every suricata-verify case in ../shared/corpus/suricata-verify
// whose rules the engine loads is replayed through decode + a flow map + the signature
// scanner, and the alert counts that its test.yaml expects (`event_type: alert` filters)
// are compared with ours. Cases and filters we cannot judge are listed with the reason.
//
// Until the dissectors feed the scanner in the probe, this test plays their part with
// small extractors: HTTP request/response lines and headers, DNS query names, TLS SNI.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <pcap/pcap.h>
#include <simdjson.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "decode/decoder.hpp"
#include "export/eve.hpp"
#include "export/json_writer.hpp"
#include "flow/flow_key.hpp"
#include "signatures/signature_engine.hpp"
#include "tests/support/json_path.hpp"
#include "tests/support/run_program.hpp"

namespace fs = std::filesystem;
using namespace flowprobe;
using namespace flowprobe::sig;

namespace {

// Cases the probe passes end to end (2026-12-06: 28: the scanner's 25 plus
// http-close-headers, whose response headers reach http_header when the server closes,
// tls-duplicate-hello, whose ja3.string comes from the TLS dissector, and
// ssh-banner-only, whose ssh.proto/ssh.software come from the SSH dissector).
constexpr int kProbeFloor = 28;

// ---- the subset of test.yaml we need ----------------------------------------------------

struct Filter {
  int count = -1;
  std::vector<std::pair<std::string, std::string>> match;
};

struct Spec {
  std::vector<std::string> args;
  bool requires_features = false;
  std::vector<Filter> filters;
};

std::string strip(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  s = s.substr(i);
  if (s.size() >= 2 && ((s.front() == '"' && s.back() == '"') || (s.front() == '\'' && s.back() == '\'')))
    s = s.substr(1, s.size() - 2);
  return s;
}

// A scalar as YAML reads it: quotes removed, and in double quotes \uXXXX escapes (a DHCP
// host name's "nas1\u0000") turned into the character (U+0000..U+007F only).
std::string yaml_value(const std::string& raw) {
  std::string t = raw;
  while (!t.empty() && t.front() == ' ') t.erase(0, 1);
  const bool dq = !t.empty() && t.front() == '"';
  std::string v = strip(raw);
  if (!dq) return v;
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\' && i + 5 < v.size() && v[i + 1] == 'u') {
      const unsigned cp = static_cast<unsigned>(std::stoul(v.substr(i + 2, 4), nullptr, 16));
      if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
        i += 5;
        continue;
      }
    }
    out.push_back(v[i]);
  }
  return out;
}

int indent_of(const std::string& l) {
  int n = 0;
  while (n < static_cast<int>(l.size()) && l[static_cast<std::size_t>(n)] == ' ') ++n;
  return n;
}

Spec read_yaml(const fs::path& p) {
  Spec spec;
  std::ifstream in(p);
  std::string line, section;
  Filter* cur = nullptr;
  int match_indent = -1, last_key_indent = -1;
  bool features_list = false;
  while (std::getline(in, line)) {
    if (auto h = line.find('#'); h != std::string::npos && (h == 0 || line[h - 1] == ' ')) line.resize(h);
    if (strip(line).empty()) continue;
    const int ind = indent_of(line);
    const std::string t = strip(line);
    if (ind == 0 && !t.starts_with("- ")) {  // a top-level key; "- item" at column 0 continues its list
      section = t.substr(0, t.find(':'));
      cur = nullptr;
      match_indent = -1;
      continue;
    }
    if (section == "args" && t.starts_with("- ")) spec.args.push_back(strip(t.substr(2)));
    if (section == "requires" && t.starts_with("features")) features_list = true;
    else if (section == "requires" && features_list && t.starts_with("- ")) {
      // Build features the probe has: the JA3 and JA4 fingerprints.
      const std::string f = strip(t.substr(2));
      if (f != "HAVE_JA3" && f != "HAVE_JA4") spec.requires_features = true;
    } else if (section == "requires") {
      features_list = false;
    }
    if (section != "checks") continue;
    if (t.starts_with("- ")) {
      cur = nullptr;
      match_indent = -1;
      if (t == "- filter:") {
        spec.filters.emplace_back();
        cur = &spec.filters.back();
      }
      continue;
    }
    if (!cur) continue;
    if (match_indent >= 0 && ind > match_indent) {
      const auto c = t.find(':');
      const bool key = c != std::string::npos && t.find(' ') > c;  // "key: value", not "text: more"
      if (key) cur->match.emplace_back(strip(t.substr(0, c)), yaml_value(t.substr(c + 1)));
      // A plain scalar folded onto the next line (a long issuer DN): one space joins them.
      else if (!cur->match.empty() && ind > last_key_indent) cur->match.back().second += " " + t;
      if (key) last_key_indent = ind;
      continue;
    }
    match_indent = -1;
    if (t.starts_with("count:")) cur->count = std::stoi(strip(t.substr(6)));
    else if (t == "match:") match_indent = ind;
  }
  return spec;
}

// ---- stand-ins for the dissectors ---------------------------------------------------------

std::string_view sv(const std::string& s) { return s; }

struct HttpTx {
  std::string method, uri, raw_uri, host, ua, headers, raw_headers, cookie, stat_code, stat_msg, names, content_type;
};

// libhtp's normalised path: "." and ".." segments removed (RFC 3986 5.2.4).
std::string normalize_path(const std::string& uri) {
  const auto q = uri.find('?');
  std::string path = uri.substr(0, q), rest = q == std::string::npos ? "" : uri.substr(q);
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i <= path.size()) {
    const auto j = path.find('/', i);
    const std::string seg = path.substr(i, j == std::string::npos ? std::string::npos : j - i);
    if (seg == "..") { if (!out.empty()) out.pop_back(); }
    else if (seg != "." && !(seg.empty() && j != std::string::npos && i != 0)) out.push_back(seg);
    if (j == std::string::npos) break;
    i = j + 1;
  }
  std::string r;
  for (std::size_t k = 0; k < out.size(); ++k) r += (k ? "/" : "") + out[k];
  if (!path.empty() && path[0] == '/' && (r.empty() || r[0] != '/')) r = "/" + r;
  return r + rest;
}

// Parses "start line, headers, empty line"; false when incomplete.
bool parse_http(std::string_view raw, bool request, HttpTx& tx) {
  // Lines may end in a bare LF, as libhtp tolerates: work on an LF-only copy.
  std::string lf;
  for (std::size_t i = 0; i < raw.size(); ++i)
    if (!(raw[i] == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n')) lf.push_back(raw[i]);
  std::string_view data = lf;
  const auto end = data.find("\n\n");
  if (end == std::string_view::npos) return false;
  auto eol = data.find('\n');
  std::string_view first = data.substr(0, eol);
  const auto sp1 = first.find(' ');
  if (sp1 == std::string_view::npos) return false;
  const auto sp2 = first.rfind(' ');
  if (request) {
    tx.method = std::string(first.substr(0, sp1));
    tx.raw_uri = std::string(first.substr(sp1 + 1, (sp2 > sp1 ? sp2 : first.size()) - sp1 - 1));
    tx.uri = normalize_path(tx.raw_uri);
  } else {
    auto rest = first.substr(sp1 + 1);
    const auto sp = rest.find(' ');
    tx.stat_code = std::string(rest.substr(0, sp));
    if (sp != std::string_view::npos) tx.stat_msg = std::string(rest.substr(sp + 1));
  }
  std::string_view hdrs = eol >= end ? std::string_view{} : data.substr(eol + 1, end - eol);
  tx.names = "\r\n";
  while (!hdrs.empty()) {
    const auto e = hdrs.find('\n');
    std::string_view h = hdrs.substr(0, e);
    hdrs = e == std::string_view::npos ? std::string_view{} : hdrs.substr(e + 1);
    tx.raw_headers += std::string(h) + "\r\n";
    const auto c = h.find(':');
    if (c == std::string_view::npos) continue;
    std::string name(h.substr(0, c));
    std::string_view value = h.substr(c + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
    tx.names += name + "\r\n";
    if (lower == "host") tx.host = std::string(value);
    else if (lower == "user-agent") tx.ua = std::string(value);
    else if (lower == "content-type") tx.content_type = std::string(value);
    if (lower == "cookie" || lower == "set-cookie") { tx.cookie = std::string(value); continue; }  // Suricata keeps cookies out of http_header
    tx.headers += name + ": " + std::string(value) + "\r\n";
  }
  tx.names += "\r\n";
  std::transform(tx.host.begin(), tx.host.end(), tx.host.begin(), [](unsigned char ch) { return std::tolower(ch); });
  return true;
}

void fill(const HttpTx& tx, bool request, AppBuffers& b) {
  if (request) {
    b.set(BufferKind::http_method, sv(tx.method));
    b.set(BufferKind::http_uri, sv(tx.uri));
    b.set(BufferKind::http_raw_uri, sv(tx.raw_uri));
    if (!tx.host.empty()) b.set(BufferKind::http_host, sv(tx.host));
    if (!tx.ua.empty()) b.set(BufferKind::http_user_agent, sv(tx.ua));
  } else {
    b.set(BufferKind::http_stat_code, sv(tx.stat_code));
    b.set(BufferKind::http_stat_msg, sv(tx.stat_msg));
  }
  b.set(BufferKind::http_header, sv(tx.headers));
  b.set(BufferKind::http_raw_header, sv(tx.raw_headers));
  b.set(BufferKind::http_header_names, sv(tx.names));
  if (!tx.cookie.empty()) b.set(BufferKind::http_cookie, sv(tx.cookie));
  if (!tx.content_type.empty()) b.set(BufferKind::http_content_type, sv(tx.content_type));
}

// Query names of a DNS message, dotted.
std::vector<std::string> dns_queries(std::span<const uint8_t> m) {
  std::vector<std::string> out;
  if (m.size() < 12) return out;
  const int qd = m[4] << 8 | m[5];
  std::size_t p = 12;
  for (int q = 0; q < qd && p < m.size(); ++q) {
    std::string name;
    while (p < m.size() && m[p] != 0) {
      if ((m[p] & 0xc0) != 0) return out;  // compression in a question: not expected here
      const std::size_t n = m[p++];
      if (p + n > m.size()) return out;
      if (!name.empty()) name.push_back('.');
      name.append(reinterpret_cast<const char*>(&m[p]), n);
      p += n;
    }
    p += 5;
    out.push_back(name);
  }
  return out;
}

// SNI of a complete TLS ClientHello record, or "".
std::string tls_sni(std::span<const uint8_t> d) {
  if (d.size() < 9 || d[0] != 0x16 || d[5] != 0x01) return {};
  std::size_t p = 9 + 2 + 32;
  auto need = [&](std::size_t n) { return p + n <= d.size(); };
  if (!need(1)) return {};
  p += 1 + d[p];
  if (!need(2)) return {};
  p += 2 + (d[p] << 8 | d[p + 1]);
  if (!need(1)) return {};
  p += 1 + d[p];
  if (!need(2)) return {};
  const std::size_t ext_end = p + 2 + (d[p] << 8 | d[p + 1]);
  p += 2;
  while (p + 4 <= std::min(ext_end, d.size())) {
    const int type = d[p] << 8 | d[p + 1];
    const std::size_t len = d[p + 2] << 8 | d[p + 3];
    p += 4;
    if (type == 0 && p + 5 <= d.size()) {
      const std::size_t n = d[p + 3] << 8 | d[p + 4];
      if (p + 5 + n <= d.size()) return std::string(reinterpret_cast<const char*>(&d[p + 5]), n);
    }
    p += len;
  }
  return {};
}

struct FlowState {
  FlowContext ctx;
  std::string pending[2];  // app-layer bytes waiting for a complete message, per direction
  bool app_done[2] = {false, false};
};

struct KeyHash {
  std::size_t operator()(const FlowKey& k) const noexcept { return hash_flow_key(k); }
};


LinkType link_of(int dlt) {
  switch (dlt) {
    case DLT_RAW: return LinkType::raw_ip;
    case DLT_NULL: case DLT_LOOP: return LinkType::null_loopback;
    case DLT_LINUX_SLL: return LinkType::linux_sll;
#ifdef DLT_LINUX_SLL2
    case DLT_LINUX_SLL2: return LinkType::linux_sll2;
#endif
    default: return LinkType::ethernet;
  }
}

// Replays one pcap; returns the alerts as eve JSON lines.
std::vector<std::string> replay(const fs::path& pcap_path, const SignatureEngine& engine, bool midstream, std::string& error) {
  char errbuf[PCAP_ERRBUF_SIZE];
  pcap_t* pc = pcap_open_offline(pcap_path.c_str(), errbuf);
  if (!pc) {
    error = errbuf;
    return {};
  }
  ScannerConfig cfg;
  cfg.midstream = midstream;
  cfg.stream_slots = 64;
  PerCoreScanner scanner(engine, cfg);
  AlertBuffer sink(1 << 16);
  std::unordered_map<FlowKey, FlowState, KeyHash> flows;
  const LinkType link = link_of(pcap_datalink(pc));
  pcap_pkthdr* h;
  const u_char* data;
  uint64_t next_id = 1;
  while (pcap_next_ex(pc, &h, &data) == 1) {
    PacketView pv;
    pv.bytes = std::span<const uint8_t>(data, h->caplen);
    pv.ts_ns = static_cast<uint64_t>(h->ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(h->ts.tv_usec) * 1000;
    pv.link = link;
    DecodedPacket dp;
    const DecodeOutcome o = decode(pv, dp);
    if (o != DecodeOutcome::ipv4 && o != DecodeOutcome::ipv6) continue;
    KeySide side;
    const FlowKey key = make_flow_key(dp, side);
    auto [it, fresh] = flows.try_emplace(key);
    FlowState& fs = it->second;
    if (fresh) fs.ctx.init(dp, next_id++);
    const bool to_server = std::memcmp(dp.src_ip.data(), fs.ctx.client_ip.data(), 16) == 0 && dp.src_port == fs.ctx.client_port;
    const int dir = to_server ? 0 : 1;
    const auto pl = dp.payload;
    const std::string_view text(reinterpret_cast<const char*>(pl.data()), pl.size());

    // Protocol detection (nDPI's part) before the packet scan, as the probe will do it.
    // Content first, ports last (suricata-verify sends HTTP from port 53 on purpose).
    if (fs.ctx.app_proto == AppProto::unknown && !pl.empty()) {
      if (dp.l4_proto == 6 && (text.starts_with("GET ") || text.starts_with("POST ") || text.starts_with("HEAD ") ||
                               text.starts_with("PUT ") || text.starts_with("HTTP/1.")))
        fs.ctx.app_proto = AppProto::http;
      else if (dp.l4_proto == 6 && pl.size() > 5 && pl[0] == 0x16 && pl[1] == 3) fs.ctx.app_proto = AppProto::tls;
      else if (dp.src_port == 53 || dp.dst_port == 53) fs.ctx.app_proto = AppProto::dns;
    }
    scanner.scan_packet(dp, pv.ts_ns, fs.ctx, sink);
    if (pl.empty()) {
      // A FIN ends a message that the peer never terminated with an empty line.
      HttpTx tx;
      AppBuffers b;
      if ((dp.tcp_flags & tcpflag::fin) && fs.ctx.app_proto == AppProto::http && !fs.pending[dir].empty() &&
          parse_http(fs.pending[dir] + "\n\n", to_server, tx)) {
        fill(tx, to_server, b);
        scanner.scan_buffers(b, to_server, pv.ts_ns, fs.ctx, sink);
        fs.pending[dir].clear();
      }
      continue;
    }

    AppBuffers b;
    switch (fs.ctx.app_proto) {
      case AppProto::dns: {
        auto msg = pl;
        if (dp.l4_proto == 6) {  // DNS over TCP: a length prefix; messages may span segments
          fs.pending[dir].append(text);
          const auto& p = fs.pending[dir];
          if (p.size() < 2 || p.size() < 2u + (static_cast<uint8_t>(p[0]) << 8 | static_cast<uint8_t>(p[1]))) break;
          msg = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(p.data()) + 2, p.size() - 2);
        }
        if (msg.size() >= 3 && !(msg[2] & 0x80))  // queries only, as dns.query inspects requests
          for (const auto& q : dns_queries(msg)) {
            b.clear();
            b.set(BufferKind::dns_query, sv(q));
            scanner.scan_buffers(b, to_server, pv.ts_ns, fs.ctx, sink);
          }
        if (dp.l4_proto == 6) fs.pending[dir].clear();
        break;
      }
      case AppProto::http: {
        fs.pending[dir].append(text);
        HttpTx tx;
        if (parse_http(fs.pending[dir], to_server, tx)) {
          fill(tx, to_server, b);
          scanner.scan_buffers(b, to_server, pv.ts_ns, fs.ctx, sink);
          fs.pending[dir].clear();
        } else if (fs.pending[dir].size() > 65536) {
          fs.pending[dir].clear();
        }
        break;
      }
      case AppProto::tls: {
        if (!to_server || fs.app_done[0]) break;
        fs.pending[0].append(text);
        const auto& p = fs.pending[0];
        if (p.size() >= 5 && p.size() >= 5u + (static_cast<uint8_t>(p[3]) << 8 | static_cast<uint8_t>(p[4]))) {
          const std::string sni = tls_sni(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(p.data()), p.size()));
          if (!sni.empty()) {
            b.set(BufferKind::tls_sni, sv(sni));
            scanner.scan_buffers(b, true, pv.ts_ns, fs.ctx, sink);
          }
          fs.app_done[0] = true;
        }
        break;
      }
      default: break;
    }
  }
  pcap_close(pc);
  for (auto& [k, f] : flows) scanner.on_flow_end(f.ctx);
  std::vector<std::string> out;
  for (const auto& a : sink.alerts()) {
    std::string line;
    JsonWriter w(line);
    flowprobe::write_alert_json(a, engine, w);
    out.push_back(std::move(line));
  }
  return out;
}

// Value of a dotted key in an eve record as text, or false when we do not write that key.
bool lookup(simdjson::dom::element doc, const std::string& dotted, std::string& out) {
  return flowprobe::test::json_path(doc, dotted, out);
}

// Counts the alert lines each filter of test.yaml selects. `judged`: filters whose keys
// we write; `why`: the mismatches. False when a line is not JSON.
// With `keys_optional`, a record without one of the filter's keys simply does not match
// (eve leaves out what a message lacks: a request has no lease_time); the filter is
// judged when each of its keys is found in some record.
bool judge(const std::vector<const Filter*>& alert_filters, const std::vector<std::string>& lines, int& judged,
           std::string& why, bool keys_optional = false) {
    simdjson::dom::parser parser;
    std::vector<simdjson::dom::element> docs;
    std::vector<simdjson::dom::document> storage(lines.size());
    for (std::size_t i = 0; i < lines.size(); ++i) {
      simdjson::dom::element d;
      if (parser.parse_into_document(storage[i], lines[i]).get(d) != simdjson::SUCCESS) {
        ADD_FAILURE() << "not JSON: " << lines[i];
        return false;
      }
      docs.push_back(d);
    }
    judged = 0;
    for (const Filter* f : alert_filters) {
      bool supported = true;
      int count = 0;
      std::vector<bool> found(f->match.size(), false);
      for (const auto& d : docs) {
        bool all = true;
        for (std::size_t i = 0; i < f->match.size(); ++i) {
          const auto& [k, v] = f->match[i];
          std::string got;
          if (!lookup(d, k, got)) {
            if (keys_optional) { all = false; continue; }
            supported = false;
            break;
          }
          found[i] = true;
          if (got != v) all = false;
        }
        if (!supported) break;
        count += all;
      }
      if (keys_optional && !docs.empty())
        for (bool k : found) supported = supported && k;
      if (docs.empty())  // nothing to look keys up in: judge the keys we know we write
        for (const auto& [k, v] : f->match)
          if (k != "event_type" && k != "alert.signature_id" && k != "src_port" && k != "dest_port") supported = false;
      if (!supported || f->count < 0) continue;
      ++judged;
      if (count != f->count) {
        std::string keys;
        for (const auto& [k, v] : f->match)
          if (k != "event_type") keys += " " + k + "=" + v;
        why += " [" + (keys.empty() ? std::string(" all") : keys) + ": expected " + std::to_string(f->count) + ", got " +
               std::to_string(count) + "]";
      }
    }
  return true;
}

// What the case needs to run: its pcap, its rules, and whether Suricata ran it midstream.
struct Case {
  std::string name;
  Spec spec;
  std::vector<const Filter*> alert_filters;
  fs::path pcap;
  bool midstream = false;
};

// Every case with alert checks that we can run: rules that all load, a pcap, no
// build-feature requirement. The others are listed in `skipped` with the reason.
std::vector<Case> runnable_cases(std::vector<std::string>& skipped, std::size_t& total) {
  const fs::path root = flowprobe::test::shared_dir() / "corpus" / "suricata-verify" / "tests";
  std::vector<fs::path> dirs;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file() && e.path().filename() == "test.yaml") dirs.push_back(e.path().parent_path());
  std::sort(dirs.begin(), dirs.end());
  total = dirs.size();
  std::vector<Case> cases;
  cases.reserve(dirs.size());
  for (const auto& dir : dirs) {
    Case c;
    c.name = fs::relative(dir, root).string();
    c.spec = read_yaml(dir / "test.yaml");
    if (c.spec.requires_features) { skipped.push_back(c.name + ": requires build features flowprobe lacks"); continue; }
    if (!fs::exists(dir / "test.rules")) { skipped.push_back(c.name + ": no test.rules"); continue; }
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().extension() == ".pcap" || e.path().extension() == ".pcapng") c.pcap = e.path();
    if (c.pcap.empty()) { skipped.push_back(c.name + ": no pcap"); continue; }
    std::string error;
    LoadReport report;
    auto engine = SignatureEngine::load({(dir / "test.rules").string()}, default_rule_vars(), error, &report);
    if (!engine) { skipped.push_back(c.name + ": " + error); continue; }
    if (report.rejected > 0) {
      const auto& r = report.rejections.front();
      skipped.push_back(c.name + ": rule not supported (line " + std::to_string(r.line) + ": " + r.reason +
                        (r.detail.empty() ? "" : " " + r.detail) + ")");
      continue;
    }
    for (const auto& a : c.spec.args)
      if (a.find("stream.midstream=true") != std::string::npos) c.midstream = true;
    cases.push_back(std::move(c));
  }
  // Filters point into each case's spec: take them once the vector no longer moves.
  std::vector<Case> with_alerts;
  for (Case& c : cases) {
    bool any = false;
    for (const auto& f : c.spec.filters)
      for (const auto& [k, v] : f.match) any = any || (k == "event_type" && v == "alert");
    if (!any) { skipped.push_back(c.name + ": no alert checks"); continue; }
    with_alerts.push_back(std::move(c));
  }
  for (Case& c : with_alerts)
    for (const auto& f : c.spec.filters)
      for (const auto& [k, v] : f.match)
        if (k == "event_type" && v == "alert") c.alert_filters.push_back(&f);
  return with_alerts;
}

// Runs every runnable case through `alerts_of` and compares with test.yaml.
void check_cases(const char* what, const std::function<std::vector<std::string>(const Case&, std::string&)>& alerts_of,
                 int floor) {
  std::vector<std::string> skipped, failures;
  std::size_t total = 0;
  std::vector<Case> cases = runnable_cases(skipped, total);
  int passed = 0, failed = 0;
  for (const Case& c : cases) {
    std::string error;
    const auto lines = alerts_of(c, error);
    if (!error.empty()) { skipped.push_back(c.name + ": " + error); continue; }
    int judged = 0;
    std::string why;
    ASSERT_TRUE(judge(c.alert_filters, lines, judged, why));
    if (judged == 0) { skipped.push_back(c.name + ": its alert checks use eve keys we do not write (pcap_cnt, verdict)"); continue; }
    if (why.empty()) ++passed;
    else {
      ++failed;
      failures.push_back(c.name + ":" + why);
    }
  }
  std::printf("suricata-verify (%s): %d passed, %d failed, %zu skipped of %zu cases\n", what, passed, failed,
              skipped.size(), total);
  for (const auto& s : skipped) std::printf("  skipped %s\n", s.c_str());
  for (const auto& f : failures) std::printf("  FAILED %s\n", f.c_str());
  ::testing::Test::RecordProperty(std::string(what) + ".passed", passed);
  EXPECT_GE(passed, floor) << what;
}

// The scanner on its own, with this file's stand-ins for the dissectors (URI, host, DNS
// query, SNI): 25 cases; tls-duplicate-hello (the TLS dissector's JA3 string) and
// ssh-banner-only (the SSH dissector's identification lines) pass only through the probe below.
TEST(SuricataVerify, AlertCountsMatchTestYaml) {
  FLOWPROBE_REQUIRE_SHARED("corpus/suricata-verify/tests");
  check_cases("scanner", [](const Case& c, std::string& error) {
    std::string load_error;
    auto engine = SignatureEngine::load({(c.pcap.parent_path() / "test.rules").string()}, default_rule_vars(), load_error);
    return replay(c.pcap, *engine, c.midstream, error);
  }, 25);
}

// The probe itself: flowprobe -i case.pcap --rules test.rules --alerts-output FILE, so the
// RX core, the flow table, our dissectors' buffers, the alert ring and the exporter's eve
// JSON are what is judged.
TEST(SuricataVerify, ProbeAlertsMatchTestYaml) {
  FLOWPROBE_REQUIRE_SHARED("corpus/suricata-verify/tests");
  const fs::path scratch = flowprobe::test::scratch_dir("suricata_verify_probe");
  check_cases("flowprobe binary", [&](const Case& c, std::string& error) {
    const fs::path out = scratch / (std::to_string(std::hash<std::string>{}(c.name)) + ".json");
    const auto r = flowprobe::test::run_program(
        {flowprobe::test::flowprobe_binary().string(), "-i", c.pcap.string(), "--rules",
         (c.pcap.parent_path() / "test.rules").string(), "--alerts-output", out.string(), "-o", "/dev/null",
         "--midstream", c.midstream ? "true" : "false"});
    std::vector<std::string> lines;
    if (r.exit_code != 0) {
      error = "flowprobe exited " + std::to_string(r.exit_code) + ": " + r.err.substr(0, 200);
      return lines;
    }
    if (r.err.find("accounting                           ok") == std::string::npos) error = "accounting did not close";
    std::ifstream in(out);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    return lines;
  }, kProbeFloor);
}

// Asset events against suricata-verify's eve checks of one event type: every case with
// an `event_type: TYPE` filter runs through flowprobe --events-output (no
// de-duplication, as Suricata logs every frame); `pcap_cnt`, which we do not write, is
// left out of the match. Returns the cases passed and failed, and the filters judged.
struct AssetChecks {
  int passed = 0, failed = 0, filters = 0, filters_passed = 0;
  std::vector<std::string> failures;
};

// Produces the eve lines of one capture (written under `scratch`).
using EveProducer = std::function<std::vector<std::string>(const fs::path& pcap, const fs::path& scratch)>;

AssetChecks run_eve_checks(const std::string& event_type, bool keys_optional, const EveProducer& produce,
                           const std::vector<std::string>& ignored_keys = {"pcap_cnt"});

AssetChecks run_asset_checks(const std::string& event_type, bool keys_optional) {
  return run_eve_checks(event_type, keys_optional, [&](const fs::path& pcap, const fs::path& scratch) {
    const fs::path json = scratch / (pcap.parent_path().filename().string() + ".json");
    const auto r = flowprobe::test::run_program({flowprobe::test::flowprobe_binary().string(), "-i", pcap.string(),
                                                 "--events-output", json.string(), "--asset-dedup-seconds", "0", "-o",
                                                 "/dev/null"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("accounting                           ok"), std::string::npos) << r.err;
    std::vector<std::string> lines;
    std::ifstream in(json);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    return lines;
  });
}

AssetChecks run_eve_checks(const std::string& event_type, bool keys_optional, const EveProducer& produce,
                           const std::vector<std::string>& ignored_keys) {
  AssetChecks out;
  const fs::path root = flowprobe::test::shared_dir() / "corpus" / "suricata-verify" / "tests";
  const fs::path scratch = flowprobe::test::scratch_dir("suricata_verify_" + event_type);
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (!e.is_regular_file() || e.path().filename() != "test.yaml") continue;
    const fs::path dir = e.path().parent_path();
    Spec spec = read_yaml(e.path());
    std::vector<const Filter*> mine;
    for (auto& f : spec.filters) {
      bool is_mine = false;
      for (const auto& [k, v] : f.match) is_mine = is_mine || (k == "event_type" && v == event_type);
      if (!is_mine) continue;
      std::erase_if(f.match, [&](const auto& kv) {
        return std::find(ignored_keys.begin(), ignored_keys.end(), kv.first) != ignored_keys.end();
      });
      mine.push_back(&f);
    }
    if (mine.empty()) continue;
    fs::path pcap;
    for (const auto& p : fs::directory_iterator(dir))
      if (p.path().extension() == ".pcap" || p.path().extension() == ".pcapng") pcap = p.path();
    EXPECT_FALSE(pcap.empty()) << dir;
    if (pcap.empty()) continue;
    const std::vector<std::string> lines = produce(pcap, scratch);
    int judged = 0;
    std::string why;
    EXPECT_TRUE(judge(mine, lines, judged, why, keys_optional));
    // Filters that failed, each "[keys: expected N, got M]".
    int failed_filters = 0;
    for (std::size_t at = why.find(" ["); at != std::string::npos; at = why.find(" [", at + 1)) ++failed_filters;
    out.filters += static_cast<int>(mine.size());
    out.filters_passed += judged - failed_filters;
    if (judged > 0 && why.empty() && (!keys_optional || judged == static_cast<int>(mine.size()))) ++out.passed;
    else {
      ++out.failed;
      out.failures.push_back(fs::relative(dir, root).string() + ": " + std::to_string(judged) + " of " +
                             std::to_string(mine.size()) + " filters judged" + why);
    }
  }
  std::printf("suricata-verify %s events: %d cases passed, %d failed; %d of %d filters passed\n", event_type.c_str(),
              out.passed, out.failed, out.filters_passed, out.filters);
  for (const auto& f : out.failures) std::printf("  FAILED %s\n", f.c_str());
  return out;
}

TEST(SuricataVerify, ProbeArpEventsMatchTestYaml) {
  FLOWPROBE_REQUIRE_SHARED("corpus/suricata-verify/tests");
  const AssetChecks c = run_asset_checks("arp", false);
  // decode-arp-2: four bare ARP frames; decode-arp-3: ARP carried in GRE (the carrier
  // stays an IPv4 flow, the ARP body is a sighting of its own).
  EXPECT_EQ(c.failed, 0);
  EXPECT_GE(c.passed, 2);
  EXPECT_EQ(c.filters_passed, c.filters);
}

// One event per DHCP message in eve's "dhcp" shape: dhcp-eve-extended checks every field
// of a request and an ACK, dhcp-option-52-overload the addresses an OFFER and an ACK
// carry in the overloaded sname field.
TEST(SuricataVerify, ProbeDhcpEventsMatchTestYaml) {
  FLOWPROBE_REQUIRE_SHARED("corpus/suricata-verify/tests");
  const AssetChecks c = run_asset_checks("dhcp", true);
  EXPECT_EQ(c.failed, 0);
  EXPECT_GE(c.passed, 2);
  EXPECT_EQ(c.filters_passed, c.filters);
}

// DNS and TLS: flowprobe exports flows, not eve dns/tls events, so each flow record is
// restated in eve's vocabulary (a dns request and a dns response, or one tls event) from
// the fields the record carries, and test.yaml's dns/tls filters are judged on those.
// Keys no record field can give are left out of the match and listed here: the DNS
// header bits and flags word, eve's version and grouped answers, the answer's own type,
// and the JA3 string (only its hash is exported).
const std::vector<std::string> kUnmappedDnsTlsKeys = {
    "pcap_cnt",   "dns.flags", "dns.qr", "dns.rd",  "dns.ra", "dns.aa", "dns.tc", "dns.z", "dns.version",
    "dns.grouped.A[0]", "dns.grouped.TXT[0]", "dns.answers[0].rrtype", "tls.ja3.string", "tls.ja3s.string", "tls.serial"};

// Suricata writes IPv6 addresses with every group in full.
std::string eve_ip(const std::string& text) {
  in6_addr a;
  if (text.find(':') == std::string::npos || inet_pton(AF_INET6, text.c_str(), &a) != 1) return text;
  char buf[40];
  for (int i = 0; i < 8; ++i)
    std::snprintf(buf + i * 5, 6, i < 7 ? "%02x%02x:" : "%02x%02x", a.s6_addr[2 * i], a.s6_addr[2 * i + 1]);
  return buf;
}

// "2017-03-23T00:00:00", as eve's tls.notbefore/notafter.
std::string eve_time(uint64_t epoch) {
  const time_t t = static_cast<time_t>(epoch);
  tm g;
  gmtime_r(&t, &g);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &g);
  return buf;
}

std::string dns_type_name(uint64_t t) {
  static const std::map<uint64_t, std::string> names = {{1, "A"},    {2, "NS"},    {5, "CNAME"}, {6, "SOA"},
                                                         {12, "PTR"}, {15, "MX"},   {16, "TXT"},  {28, "AAAA"},
                                                         {33, "SRV"}, {255, "ANY"}, {65, "HTTPS"}};
  const auto it = names.find(t);
  return it != names.end() ? it->second : std::to_string(t);
}

std::string dns_rcode_name(uint64_t r) {
  static const char* names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"};
  return r < 6 ? names[r] : std::to_string(r);
}

// Suricata's names for the negotiated version.
std::string tls_version_name(uint64_t v) {
  switch (v) {
    case 0x0300: return "SSLv3";
    case 0x0301: return "TLSv1";
    case 0x0302: return "TLS 1.1";
    case 0x0303: return "TLS 1.2";
    case 0x0304: return "TLS 1.3";
    default:
      if ((v >> 8) == 0x7f) return "TLS 1.3 draft-" + std::to_string(v & 0xff);
      return std::to_string(v);
  }
}

std::vector<std::string> flows_as_eve(const fs::path& pcap, const fs::path&) {
  const char* tmpl =
      "%PROTOCOL %IP_PROTOCOL_VERSION %IPV4_SRC_ADDR %IPV4_DST_ADDR %IPV6_SRC_ADDR %IPV6_DST_ADDR %L4_SRC_PORT "
      "%L4_DST_PORT %DNS_QUERY %DNS_QUERY_ID %DNS_QUERY_TYPE %DNS_RET_CODE %DNS_NUM_ANSWERS %DNS_TTL_ANSWER "
      "%DNS_RESPONSE %TLS_SERVER_NAME %TLS_VERSION %JA3C_HASH %JA3S_HASH %JA4C_HASH %COMMUNITY_ID %TLS_CERT_SUBJECT "
      "%TLS_CERT_ISSUER %TLS_CERT_NOT_BEFORE %TLS_CERT_NOT_AFTER %TLS_CERT_SHA1";
  // The case's own Community ID seed (suricata.yaml: community-id-seed), as Suricata used it.
  std::string seed = "0";
  std::ifstream yaml(pcap.parent_path() / "suricata.yaml");
  for (std::string l; std::getline(yaml, l);)
    if (const auto at = l.find("community-id-seed:"); at != std::string::npos) seed = strip(l.substr(at + 18));
  const auto r = flowprobe::test::run_program({flowprobe::test::flowprobe_binary().string(), "-i", pcap.string(),
                                               "--json-labels", "-T", tmpl, "--community-id-seed", seed});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> out;
  simdjson::dom::parser parser;
  std::istringstream in(r.out);
  for (std::string l; std::getline(in, l);) {
    simdjson::dom::element d;
    if (parser.parse(l).get(d) != simdjson::SUCCESS) {
      ADD_FAILURE() << "not JSON: " << l;
      continue;
    }
    const bool v4 = uint64_t(d["IP_PROTOCOL_VERSION"]) == 4;
    const std::string client = eve_ip(std::string(std::string_view(d[v4 ? "IPV4_SRC_ADDR" : "IPV6_SRC_ADDR"])));
    const std::string server = eve_ip(std::string(std::string_view(d[v4 ? "IPV4_DST_ADDR" : "IPV6_DST_ADDR"])));
    const std::string community_id{std::string_view(d["COMMUNITY_ID"])};
    const uint64_t cport = uint64_t(d["L4_SRC_PORT"]), sport = uint64_t(d["L4_DST_PORT"]);
    const std::string proto = uint64_t(d["PROTOCOL"]) == 6 ? "TCP" : uint64_t(d["PROTOCOL"]) == 17 ? "UDP" : "?";
    auto eve = [&](bool from_client, const std::string& type, const std::function<void(flowprobe::JsonWriter&)>& body) {
      std::string line;
      flowprobe::JsonWriter w(line);
      w.begin_object();
      w.key("event_type"); w.value_string(type);
      w.key("src_ip"); w.value_string(from_client ? client : server);
      w.key("src_port"); w.value_uint(from_client ? cport : sport);
      w.key("dest_ip"); w.value_string(from_client ? server : client);
      w.key("dest_port"); w.value_uint(from_client ? sport : cport);
      w.key("proto"); w.value_string(proto);
      w.key("community_id"); w.value_string(community_id);
      w.key(type);
      w.begin_object();
      body(w);
      w.end_object();
      w.end_object();
      out.push_back(line);
    };
    const std::string query{std::string_view(d["DNS_QUERY"])};
    if (!query.empty()) {
      const uint64_t id = uint64_t(d["DNS_QUERY_ID"]);
      const std::string qtype = dns_type_name(std::stoull(std::string(std::string_view(d["DNS_QUERY_TYPE"]))));
      auto queries = [&](flowprobe::JsonWriter& w) {
        w.key("queries");
        std::string q = "[{\"rrname\":";
        flowprobe::JsonWriter qw(q);
        qw.value_string(query);
        q += ",\"rrtype\":\"" + qtype + "\"}]";
        w.value_json(q);
      };
      eve(true, "dns", [&](flowprobe::JsonWriter& w) {
        w.key("type"); w.value_string("request");
        w.key("id"); w.value_uint(id);
        w.key("tx_id"); w.value_uint(0);  // a record holds its flow's first transaction
        queries(w);
      });
      const std::string answers{std::string_view(d["DNS_RESPONSE"])};
      const std::string rcode{std::string_view(d["DNS_RET_CODE"])};
      if (uint64_t(d["DNS_NUM_ANSWERS"]) > 0 || !answers.empty() || rcode != "0") {
        eve(false, "dns", [&](flowprobe::JsonWriter& w) {
          w.key("type"); w.value_string("response");
          w.key("id"); w.value_uint(id);
          w.key("rcode"); w.value_string(dns_rcode_name(std::stoull(rcode)));
          queries(w);
          if (!answers.empty()) {
            std::string a = "[{\"rrname\":";
            flowprobe::JsonWriter aw(a);
            aw.value_string(query);
            a += ",\"ttl\":" + std::to_string(uint64_t(d["DNS_TTL_ANSWER"])) + ",\"rdata\":";
            // Our answers follow Zeek ("TXT 35 v=spf1 ..."); eve's rdata is the text alone.
            std::string first = answers.substr(0, answers.find(','));
            if (first.rfind("TXT ", 0) == 0) first = first.substr(first.find(' ', 4) + 1);
            aw.value_string(first);
            a += "}]";
            w.key("answers");
            w.value_json(a);
          }
        });
      }
    }
    const std::string sni{std::string_view(d["TLS_SERVER_NAME"])};
    const std::string ja3{std::string_view(d["JA3C_HASH"])};
    if (!sni.empty() || !ja3.empty()) {
      eve(true, "tls", [&](flowprobe::JsonWriter& w) {
        if (!sni.empty()) { w.key("sni"); w.value_string(sni); }
        if (const uint64_t v = uint64_t(d["TLS_VERSION"])) { w.key("version"); w.value_string(tls_version_name(v)); }
        if (!ja3.empty()) {
          w.key("ja3");
          w.value_json("{\"hash\":\"" + ja3 + "\"}");
        }
        const std::string ja3s{std::string_view(d["JA3S_HASH"])};
        if (!ja3s.empty()) {
          w.key("ja3s");
          w.value_json("{\"hash\":\"" + ja3s + "\"}");
        }
        const std::string ja4{std::string_view(d["JA4C_HASH"])};
        if (!ja4.empty()) { w.key("ja4"); w.value_string(ja4); }
        const std::string subject{std::string_view(d["TLS_CERT_SUBJECT"])};
        if (!subject.empty()) {
          w.key("subject"); w.value_string(subject);
          w.key("issuerdn"); w.value_string(std::string_view(d["TLS_CERT_ISSUER"]));
          w.key("notbefore"); w.value_string(eve_time(uint64_t(d["TLS_CERT_NOT_BEFORE"])));
          w.key("notafter"); w.value_string(eve_time(uint64_t(d["TLS_CERT_NOT_AFTER"])));
          // eve's fingerprint: the SHA-1 as colon-separated hex pairs
          const std::string sha1{std::string_view(d["TLS_CERT_SHA1"])};
          std::string fp;
          for (std::size_t i = 0; i + 1 < sha1.size(); i += 2) fp += (i ? ":" : "") + sha1.substr(i, 2);
          w.key("fingerprint"); w.value_string(fp);
        }
      });
    }
  }
  return out;
}

TEST(SuricataVerify, ProbeDnsRecordsMatchTestYaml) {
  FLOWPROBE_REQUIRE_SHARED("corpus/suricata-verify/tests");
  const AssetChecks c = run_eve_checks("dns", true, flows_as_eve, kUnmappedDnsTlsKeys);
  EXPECT_EQ(c.failed, 0);
  EXPECT_GE(c.passed, 3);
  EXPECT_EQ(c.filters_passed, c.filters);
}

TEST(SuricataVerify, ProbeTlsRecordsMatchTestYaml) {
  FLOWPROBE_REQUIRE_SHARED("corpus/suricata-verify/tests");
  const AssetChecks c = run_eve_checks("tls", true, flows_as_eve, kUnmappedDnsTlsKeys);
  EXPECT_EQ(c.failed, 0);
  EXPECT_GE(c.passed, 9);
  EXPECT_EQ(c.filters_passed, c.filters);
}

// flowprobe -i PCAP --rules (RULES, written to scratch/NAME) --alerts-output: the alerts
// by sid; `error` gets the run's stderr when it failed or refused a rule.
std::map<uint64_t, int> probe_alerts_by_sid(const fs::path& pcap, const std::string& name, const std::string& rules,
                                            std::string& error) {
  const fs::path scratch = flowprobe::test::scratch_dir(name);
  std::ofstream(scratch / "test.rules") << rules;
  const fs::path out = scratch / "alerts.json";
  const auto r = flowprobe::test::run_program({flowprobe::test::flowprobe_binary().string(), "-i", pcap.string(),
                                               "--rules", (scratch / "test.rules").string(), "--alerts-output",
                                               out.string(), "-o", "/dev/null"});
  std::map<uint64_t, int> by_sid;
  if (r.exit_code != 0 || r.err.find(" 0 rejected") == std::string::npos) {
    error = "flowprobe exited " + std::to_string(r.exit_code) + ": " + r.err;
    if (r.exit_code != 0) return by_sid;
  }
  simdjson::dom::parser parser;
  std::ifstream in(out);
  for (std::string l; std::getline(in, l);) {
    simdjson::dom::element d;
    if (parser.parse(l).get(d) != simdjson::SUCCESS) {
      error += "unreadable alert: " + l;
      continue;
    }
    ++by_sid[uint64_t(d["alert"]["signature_id"])];
  }
  return by_sid;
}

// tls.cert_serial and tls.cert_fingerprint, in the spellings Suricata's eve gives for
// bug-2646-01's certificate (its test.yaml: tls.serial, tls.fingerprint), each match once
// through the binary; a wrong serial none. Also Suricata 4's tls_cert_serial spelling.
TEST(SuricataVerify, ProbeTlsCertSerialAndFingerprintAsSuricataSpellsThem) {
  FLOWPROBE_REQUIRE_SHARED("corpus/suricata-verify/tests/bug-2646-01");
  const fs::path pcap = flowprobe::test::shared_dir() / "corpus/suricata-verify/tests/bug-2646-01/input.pcap";
  std::string error;
  const auto by_sid = probe_alerts_by_sid(
      pcap, "tls_cert_buffers",
      "alert tls any any -> any any (msg:\"serial\"; tls.cert_serial; content:\"08:3A:84:59:2F:77:F2:E7:95:1B:F8:87:CE:DE:C9:66\"; sid:1;)\n"
      "alert tls any any -> any any (msg:\"fingerprint\"; tls.cert_fingerprint; content:\"cc:aa:48:48:66:46:0e:91:53:2c:9c:7c:23:2a:b1:74:4d:29:9d:33\"; sid:2;)\n"
      "alert tls any any -> any any (msg:\"serial, Suricata 4\"; tls_cert_serial; content:\"08:3A:84\"; startswith; sid:3;)\n"
      "alert tls any any -> any any (msg:\"other serial\"; tls.cert_serial; content:\"08:3A:85\"; sid:4;)\n",
      error);
  EXPECT_EQ(error, "");
  EXPECT_EQ(by_sid, (std::map<uint64_t, int>{{1, 1}, {2, 1}, {3, 1}}));
}

// tls.certs (Suricata 7, tls-keywords.rst: a "raw" match on each certificate of the chain,
// a multi-buffer) through the binary on nDPI's tunnelbear.pcap, whose servers send
// 3-certificate chains: *.polargrizzly.com <- Sectigo ECC DV CA <- USERTrust ECC CA (signed
// by Comodo's AAA root with RSA, so only the third holds the documentation's example bytes
// |06 09 2a 86|; openssl x509 on the DER shows it). What each rule should give is counted
// on buffers that existed before: the leaf's subject (4 handshakes) and any fingerprint (9).
TEST(SuricataVerify, ProbeTlsCertsMatchEachCertificateOfTheChain) {
  FLOWPROBE_REQUIRE_SHARED("corpus/ndpi/pcap/tunnelbear.pcap");
  const fs::path pcap = flowprobe::test::shared_dir() / "corpus/ndpi/pcap/tunnelbear.pcap";
  std::string error;
  const auto by_sid = probe_alerts_by_sid(
      pcap, "tls_certs",
      "alert tls any any -> any any (msg:\"leaf subject\"; tls.cert_subject; content:\"polargrizzly\"; sid:10;)\n"
      "alert tls any any -> any any (msg:\"a certificate\"; tls.cert_fingerprint; content:\":\"; sid:11;)\n"
      "alert tls any any -> any any (msg:\"match bytes in TLS cert\"; tls.certs; content:\"|06 09 2a 86|\"; sid:200070;)\n"
      "alert tls any any -> any any (msg:\"leaf in the chain\"; tls.certs; content:\"polargrizzly\"; sid:1;)\n"
      "alert tls any any -> any any (msg:\"in two certificates, one alert\"; tls.certs; content:\"USERTrust ECC Certification Authority\"; sid:2;)\n"
      "alert tls any any -> any any (msg:\"never within one certificate\"; tls.certs; content:\"polargrizzly\"; content:\"AAA Certificate Services\"; distance:0; sid:3;)\n"
      "alert tls any any -> any any (msg:\"two namings, two certificates\"; tls.certs; content:\"polargrizzly\"; tls.certs; content:\"AAA Certificate Services\"; sid:4;)\n"
      "alert tls any any -> any any (msg:\"the CA's certificate starts the same\"; tls.certs; content:\"|30 82|\"; startswith; content:\"Sectigo ECC Domain Validation\"; sid:5;)\n"
      "alert tls any any -> any any (msg:\"nowhere\"; tls.certs; content:\"not in any certificate\"; sid:6;)\n",
      error);
  EXPECT_EQ(error, "");
  const int leaf = by_sid.count(10) ? by_sid.at(10) : 0, any = by_sid.count(11) ? by_sid.at(11) : 0;
  EXPECT_EQ(leaf, 4);
  EXPECT_EQ(any, 9);
  EXPECT_EQ(by_sid, (std::map<uint64_t, int>{{10, leaf}, {11, any}, {200070, any}, {1, leaf}, {2, leaf}, {4, leaf}, {5, leaf}}));
}

// http.response_header / http.request_header (each header line, "name: value", Suricata
// 7's multi-buffers), the start-line buffers, http.stat_code/stat_msg/protocol and
// http.header_names, with the documentation's shapes, on
// http-close-headers: one request ("Host: 100.64.0.200", "Connection: keep-alive", ...)
// answered "HTTP/1.0 200 OK" with a header line "Server:ng1nx" (no space: the buffer
// has ": ", as libhtp's name and value joined).
TEST(SuricataVerify, ProbeHttpHeaderLinesAndStartLines) {
  FLOWPROBE_REQUIRE_SHARED("corpus/suricata-verify/tests/http-close-headers");
  const fs::path pcap = flowprobe::test::shared_dir() / "corpus/suricata-verify/tests/http-close-headers/input.pcap";
  std::string error;
  const auto by_sid = probe_alerts_by_sid(
      pcap, "http_header_lines",
      "alert http any any -> any any (flow:to_client; http.response_header; content:\"Server: ng1nx\"; bsize:13; sid:1;)\n"
      "alert http any any -> any any (flow:to_client; http.response_line; content:\"HTTP/1.0 200 OK\"; bsize:15; sid:2;)\n"
      "alert http any any -> any any (flow:to_server; http.request_header; content:\"Host: 100.64.0.200\"; bsize:18; sid:3;)\n"
      "alert http any any -> any any (flow:to_server; http.request_header; content:\"Host: 100.64.0.200\"; http.request_header; content:\"Connection: keep-alive\"; sid:4;)\n"
      "alert http any any -> any any (flow:to_server; http.request_header; content:\"Host\"; content:\"keep-alive\"; distance:0; sid:5;)\n"
      "alert http any any -> any any (flow:to_server; http.request_line; content:\"GET / HTTP/1.1\"; bsize:14; sid:6;)\n"
      "alert http any any -> any any (http.stat_code; content:\"200\"; http.stat_msg; content:\"OK\"; http.protocol; content:\"HTTP/1.0\"; sid:8;)\n"
      "alert http any any -> any any (flow:to_server; http.header_names; content:\"|0d 0a|Host|0d 0a|Connection|0d 0a|\"; startswith; sid:9;)\n",
      error);
  EXPECT_EQ(error, "");
  EXPECT_EQ(by_sid, (std::map<uint64_t, int>{{1, 1}, {2, 1}, {3, 1}, {4, 1}, {6, 1}, {8, 1}, {9, 1}}));
}

// Wrong rule options stop the run before capture with one line and exit 2.
TEST(SuricataVerify, ProbeRefusesRuleOptionsItCannotHonour) {
  using flowprobe::test::run_program;
  const std::string bin = flowprobe::test::flowprobe_binary().string();
  const fs::path scratch = flowprobe::test::scratch_dir("rules_options");
  {
    std::ofstream(scratch / "ok.rules") << "alert tcp any any -> any 80 (msg:\"x\"; content:\"GET\"; sid:1;)\n";
    std::ofstream(scratch / "bad.rules") << "alert tcp any any -> any 80 (msg:\"x\"; nosuchkeyword; sid:2;)\n";
  }
  auto r = run_program({bin, "-i", "whatever.pcap", "--rules", (scratch / "ok.rules").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--alerts-output"), std::string::npos) << r.err;
  r = run_program({bin, "-i", "whatever.pcap", "--alerts-output", "-"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--alerts-output needs --rules"), std::string::npos) << r.err;
  r = run_program({bin, "-i", "whatever.pcap", "--rules", (scratch / "nope.rules").string(), "--alerts-output", "-"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--rules"), std::string::npos) << r.err;
  // A file whose only rule is rejected: nothing would ever match, so say so.
  r = run_program({bin, "-i", "whatever.pcap", "--rules", (scratch / "bad.rules").string(), "--alerts-output", "-"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("rules: 0 accepted, 1 rejected"), std::string::npos) << r.err;
}

}  // namespace
