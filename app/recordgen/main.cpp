// flowprobe-recordgen: writes a month of flow records and eve alerts, as the probe writes
// them, with planned counts, for the report tests and benchmarks:
//
//   flowprobe-recordgen --month 2026-11 --flows 40000 --prev-flows 30000 --alerts-per-day 6
//       --out-dir DIR [--labels] [--sources 200] [--destinations 500] [--bad-lines 12] [--truth FILE]
//
// DIR gets flows.json, alerts.json (and the previous month's records in the same files).
// Times are UTC. --truth writes what was planned, counted while writing: totals, records
// not established, per-day counts, L7 shares, top sources, collapsed alerts per function
// and level, HTTP methods, TLS rows, bad lines. Standard C++ only.
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace {

struct Options {
  int year = 2026, month = 11;
  uint64_t flows = 40000, prev_flows = 30000;
  uint64_t sources = 200, destinations = 500;
  uint64_t alerts_per_day = 6, prev_alerts_per_day = 4;
  uint64_t bad_lines = 0;
  bool labels = false;
  bool lean = false;  // only the fields the SOC report reads (the 10 M-record benchmark)
  bool geo_fields = true;  // DST_IP_COUNTRY / DST_AS_MAP in the records (invented, cycling); off: the report looks up
  std::string out_dir = ".", truth;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "flowprobe-recordgen: %s\nusage: flowprobe-recordgen --month YYYY-MM --flows N --prev-flows N "
               "--alerts-per-day N --prev-alerts-per-day N --sources N --destinations N --bad-lines N "
               "--out-dir DIR [--labels] [--lean] [--no-geo-fields] [--truth FILE]\n",
               why);
  std::exit(2);
}

int64_t month_start(int y, int m) {
  tm t{};
  t.tm_year = y - 1900;
  t.tm_mon = m - 1;
  t.tm_mday = 1;
  return static_cast<int64_t>(timegm(&t));
}

// One flow's plan, from its index: 20 kinds in a fixed cycle.
struct Kind {
  const char* l7_id;
  const char* l7_name;
  const char* category;
  uint8_t proto;
  uint16_t port;
  const char* conn_state;
  bool blocked;
};
constexpr Kind kKinds[20] = {
    {"91", "TLS", "Web", 6, 443, "SF", false},          {"91", "TLS", "Web", 6, 443, "SF", false},
    {"91.126", "TLS.Google", "Web", 6, 443, "SF", false}, {"91", "TLS", "Web", 6, 443, "SF", false},
    {"91", "TLS", "Web", 6, 443, "SF", false},          {"91", "TLS", "Web", 6, 993, "SF", false},
    {"91", "TLS", "Web", 6, 443, "RSTO", false},        {"91", "TLS", "VPN", 6, 443, "SF", false},
    {"7", "HTTP", "Web", 6, 80, "SF", false},           {"7", "HTTP", "Web", 6, 80, "SF", false},
    {"7", "HTTP", "Web", 6, 80, "S1", false},           {"5", "DNS", "Network", 17, 53, "SF", false},
    {"5", "DNS", "Network", 17, 53, "SF", false},       {"5", "DNS", "Network", 17, 53, "SF", false},
    {"5", "DNS", "Network", 17, 53, "S0", false},       {"92", "SSH", "RemoteAccess", 6, 22, "S0", true},
    {"0", "Unknown", "Unspecified", 6, 8443, "S0", true}, {"41", "SMBv23", "System", 6, 445, "REJ", true},
    {"9", "NTP", "System", 17, 123, "SF", false},       {"9", "NTP", "System", 17, 123, "S0", false},
};
constexpr uint32_t kVersions[8] = {772, 772, 772, 772, 772, 771, 771, 769};
constexpr uint32_t kCiphers[8] = {4865, 4866, 4865, 4867, 4865, 49199, 49172, 10};
constexpr const char* kMethods[3] = {"GET", "POST", "GET"};
constexpr const char* kCountries[5] = {"US", "JP", "DE", "CN", "RU"};
constexpr const char* kOrgs[5] = {"Example Cloud Inc.", "Example Japan KK", "Beispiel GmbH", "Example CN Ltd", "Example RU LLC"};

struct AlertPlan {
  uint32_t sid;
  const char* signature;
  const char* category;
  int severity;
  const char* function;  // the SOC function the spec maps the category to ("" = none)
  const char* level;     // default level mapping
};
constexpr AlertPlan kAlerts[10] = {
    {2000001, "ET SCAN Potential SSH Scan", "Misc Attack", 2, "Firewall policy", "Minor"},
    {2000002, "ET PHISHING Fake Login Page", "Possible Social Engineering Attempted", 1, "URL filtering", "Critical"},
    {2000003, "ET WEB_SERVER SQL Injection Attempt", "Web Application Attack", 1, "Vulnerability protection", "Critical"},
    {2000004, "ET TROJAN Known Bad Beacon", "A Network Trojan was Detected", 1, "Anti-spyware", "Critical"},
    {2000005, "ET MALWARE C2 Checkin", "Malware Command and Control Activity Detected", 1, "Anti-spyware", "Critical"},
    {2000006, "ET WEB_SERVER Directory Traversal", "Attempted Information Leak", 2, "Vulnerability protection", "Minor"},
    {2000007, "ET POLICY Dropbox Upload", "Potential Corporate Privacy Violation", 1, "URL filtering", "Critical"},
    {2000008, "ET INFO Suspicious EXE Download", "A Suspicious Filename was Detected", 2, "Antivirus", "Minor"},
    {2000009, "ET SCAN NMAP OS Detection", "Detection of a Network Scan", 3, "Firewall policy", "Warning"},
    {2000010, "ET INFO Session Traversal Utilities", "Misc activity", 3, "", ""},
};

std::string ip_internal(uint64_t s) {
  char b[32];
  std::snprintf(b, sizeof(b), "10.%u.%u.%u", static_cast<unsigned>(s >> 16 & 0xff), static_cast<unsigned>(s >> 8 & 0xff),
                static_cast<unsigned>(s & 0xff) + 0u);
  return b;
}
// Servers in real networks' address blocks (/16s of well-known services and providers in
// several countries), so that a report with the geo databases shows real countries and
// organisations: destination d is host d / 16 of block d % 16.
std::string ip_external(uint64_t d) {
  static constexpr unsigned kBlocks[16][2] = {{8, 8},    {1, 1},     {13, 107}, {17, 253}, {31, 13},   {104, 16},
                                              {140, 82}, {151, 101}, {157, 240}, {202, 12}, {133, 242}, {212, 58},
                                              {77, 88},  {223, 5},   {185, 199}, {195, 82}};
  const unsigned* blk = kBlocks[d % 16];
  const uint64_t host = d / 16;
  char b[32];
  std::snprintf(b, sizeof(b), "%u.%u.%u.%u", blk[0], blk[1], static_cast<unsigned>(host >> 8 & 0xff),
                static_cast<unsigned>(host & 0xff));
  return b;
}

// Skewed sources: in every 100 flows, 55 go to 10 hot sources (source j gets j + 1 of them),
// the rest cycle through the cold ones, so the top 10 is known and has no ties.
uint64_t source_of(uint64_t i, uint64_t sources) {
  const uint64_t pos = i % 100;
  if (pos < 55 && sources > 10) {
    uint64_t j = 0, acc = 0;
    while (acc + (10 - j) <= pos) acc += 10 - j++;
    return 1 + j;  // source 1 has 10 of 55 ... source 10 has 1
  }
  if (sources <= 10) return 1 + i % sources;
  return 11 + (i / 100 * 45 + (pos - 55)) % (sources - 10);
}

struct Truth {
  uint64_t flows = 0, blocked = 0, bytes = 0;
  std::vector<uint64_t> daily, daily_blocked;
  std::map<std::string, std::pair<uint64_t, uint64_t>> l7;  // records, bytes
  std::map<std::string, uint64_t> sources;
  std::map<std::string, std::tuple<uint64_t, uint64_t, uint64_t>> methods;  // records, bytes, c2s
  std::set<std::tuple<std::string, std::string, uint16_t>> tls_rows;
  std::map<std::string, std::map<std::string, uint64_t>> collapsed;  // function → level → alerts
  std::map<std::string, uint64_t> eve_lines;                         // function → lines
  uint64_t alert_lines = 0;
};
uint64_t g_not_json = 0, g_truncated = 0;  // damaged lines written, both months

class Out {
 public:
  explicit Out(const std::string& path) : f_(std::fopen(path.c_str(), "wb")) {
    if (!f_) usage(("cannot write " + path).c_str());
    buf_.reserve(1 << 22);
  }
  ~Out() {
    flush();
    std::fclose(f_);
  }
  void line(const std::string& s) {
    buf_ += s;
    buf_ += '\n';
    if (buf_.size() > (1 << 22) - 4096) flush();
  }
  void flush() {
    if (!buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), f_) != buf_.size()) usage("write failed");
    buf_.clear();
  }

 private:
  std::FILE* f_;
  std::string buf_;
};

std::string key(const Options& o, const char* label, const char* numeric) {
  return std::string("\"") + (o.labels ? label : numeric) + "\":";
}

void write_flows(const Options& o, Out& out, int64_t begin, int64_t end, uint64_t n, uint64_t salt, Truth& t,
                 std::vector<std::string>& cids, const std::vector<uint64_t>& alert_flows) {
  const int days = static_cast<int>((end - begin) / 86400);
  t.daily.assign(static_cast<std::size_t>(days), 0);
  t.daily_blocked.assign(static_cast<std::size_t>(days), 0);
  std::string s;
  std::size_t next_alert = 0;
  for (uint64_t i = 0; i < n; ++i) {
    const Kind& k = kKinds[i % 20];
    const int64_t first = begin + static_cast<int64_t>((static_cast<unsigned __int128>(end - begin - 120) * i) / n);
    const int64_t last = first + static_cast<int64_t>(i % 90);
    const uint64_t src = source_of(i, o.sources);
    const uint64_t dst = (i * 7919 + salt) % o.destinations;
    const std::string sip = ip_internal(src), dip = ip_external(dst);
    const uint64_t in = 200 + (i % 7) * 100, outb = k.blocked ? 0 : 1000 + (i % 13) * 250;
    const bool alerted = next_alert < alert_flows.size() && alert_flows[next_alert] == i;
    if (alerted) ++next_alert;
    char cid[40];
    std::snprintf(cid, sizeof(cid), "1:gen%" PRIu64 "x%" PRIu64, salt, i);
    s.clear();
    s += "{" + key(o, "IPV4_SRC_ADDR", "8") + "\"" + sip + "\"," + key(o, "IPV4_DST_ADDR", "12") + "\"" + dip + "\",";
    s += key(o, "L4_SRC_PORT", "7") + std::to_string(40000 + i % 20000) + "," + key(o, "L4_DST_PORT", "11") +
         std::to_string(k.port) + "," + key(o, "PROTOCOL", "4") + std::to_string(k.proto) + ",";
    s += key(o, "IN_BYTES", "1") + std::to_string(in) + "," + key(o, "OUT_BYTES", "23") + std::to_string(outb) + ",";
    s += key(o, "FIRST_SWITCHED", "22") + std::to_string(first) + "," + key(o, "LAST_SWITCHED", "21") + std::to_string(last) + ",";
    s += key(o, "L7_PROTO", "35632.57590") + "\"" + k.l7_id + "\",";
    s += key(o, "L7_PROTO_NAME", "35632.57591") + "\"" + k.l7_name + "\",";
    s += key(o, "L7_PROTO_CATEGORY", "35632.57973") + "\"" + k.category + "\",";
    s += "\"CONN_STATE\":\"" + std::string(k.conn_state) + "\",\"COMMUNITY_ID\":\"" + cid + "\",\"ALERTS\":" +
         (alerted ? "1" : "0");
    const bool tls = i % 20 < 8;
    const bool http = i % 20 >= 8 && i % 20 < 11;
    const bool dns = i % 20 >= 11 && i % 20 < 15;
    if (!o.lean) {
      s += ",";
      if (o.geo_fields) {
        s += key(o, "DST_IP_COUNTRY", "35632.57575") + "\"" + kCountries[dst % 5] + "\",";
        s += key(o, "DST_AS_MAP", "35632.57916") + "\"" + kOrgs[dst % 5] + "\",";
      }
      s += key(o, "TLS_VERSION", "35632.57967") + std::to_string(tls ? kVersions[i % 8] : 0) + ",";
      s += key(o, "TLS_CIPHER", "35632.57965") + std::to_string(tls ? kCiphers[i % 8] : 0) + ",";
      s += key(o, "TLS_SERVER_NAME", "35632.57660") + "\"" + (tls ? "site" + std::to_string(dst % 50) + ".example" : "") + "\",";
      s += key(o, "HTTP_METHOD", "35632.57832") + "\"" + (http ? kMethods[i % 3] : "") + "\",";
      s += key(o, "HTTP_HOST", "35632.57659") + "\"" + (http ? "www" + std::to_string(dst % 20) + ".example" : "") + "\",";
      s += key(o, "HTTP_URL", "35632.57652") + "\"" + (http ? "/index.html" : "") + "\",";
      // DNS answers name the TLS servers whose index is even: those names are "resolved".
      const uint64_t named = (dst / 2) * 2;
      s += key(o, "DNS_QUERY", "35632.57677") + "\"" + (dns ? "host" + std::to_string(named) + ".example" : "") + "\",";
      s += key(o, "DNS_RESPONSE", "35632.57870") + "\"" + (dns ? ip_external(named) : "") + "\",";
      s += key(o, "DNS_RET_CODE", "35632.57680") + "\"" + (dns ? (i % 40 == 11 ? "3" : "0") : "0") + "\"";
    }
    s += "}";
    out.line(s);
    ++t.flows;
    t.blocked += k.blocked;
    t.bytes += in + outb;
    const std::size_t day = static_cast<std::size_t>((first - begin) / 86400);
    ++t.daily[day];
    t.daily_blocked[day] += k.blocked;
    auto& l = t.l7[k.l7_name];
    ++l.first;
    l.second += in + outb;
    ++t.sources[sip];
    if (http) {
      auto& m = t.methods[kMethods[i % 3]];
      ++std::get<0>(m);
      std::get<1>(m) += in + outb;
      std::get<2>(m) += in;
    }
    if (tls && k.proto == 6) t.tls_rows.insert({sip, dip, k.port});
    if (alerted) cids.push_back(cid);
    if (o.bad_lines && i % (n / o.bad_lines + 1) == 0 && i > 0) {
      // Named damage: a truncated record and a line that is not JSON, alternately.
      static bool half = false;
      out.line(half ? s.substr(0, s.size() / 2) : std::string("<<< not json at all >>>"));
      (half ? g_truncated : g_not_json)++;
      half = !half;
    }
  }
}

// Alerts: `per_day` planned alerts a day, alert k repeated 1 + k % 3 times (eve lines on
// the same signature, addresses and day, which the report collapses into one).
void write_alerts(const Options& o, Out& out, int64_t begin, int64_t end, uint64_t per_day, Truth& t,
                  const std::vector<std::string>& cids, uint64_t flows, uint64_t salt) {
  (void)o;
  const int days = static_cast<int>((end - begin) / 86400);
  uint64_t k = 0;
  for (int d = 0; d < days; ++d)
    for (uint64_t a = 0; a < per_day; ++a, ++k) {
      const AlertPlan& p = kAlerts[k % 10];
      const uint64_t i = (k * 104729 + salt) % std::max<uint64_t>(flows, 1);
      const std::string src = ip_internal(source_of(i, o.sources)), dst = ip_external((i * 7919 + salt) % o.destinations);
      const int repeats = 1 + static_cast<int>(k % 3);
      for (int r = 0; r < repeats; ++r) {
        const int64_t ts = begin + d * 86400 + 3600 + static_cast<int64_t>(a) * 60 + r;
        tm g;
        const time_t tt = static_cast<time_t>(ts);
        gmtime_r(&tt, &g);
        char stamp[64];
        std::strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S.000000+0000", &g);
        const std::string& cid = cids.empty() ? std::string() : cids[k % cids.size()];
        char line[1024];
        std::snprintf(line, sizeof(line),
                      "{\"timestamp\":\"%s\",\"flow_id\":%" PRIu64 ",\"event_type\":\"alert\",\"src_ip\":\"%s\","
                      "\"src_port\":%u,\"dest_ip\":\"%s\",\"dest_port\":443,\"proto\":\"TCP\",\"community_id\":\"%s\","
                      "\"app_proto\":\"tls\",\"alert\":{\"action\":\"allowed\",\"gid\":1,\"signature_id\":%u,\"rev\":1,"
                      "\"signature\":\"%s\",\"category\":\"%s\",\"severity\":%d}}",
                      stamp, k + 1, src.c_str(), 40000u + static_cast<unsigned>(k % 1000), dst.c_str(), cid.c_str(), p.sid,
                      p.signature, p.category, p.severity);
        out.line(line);
        ++t.alert_lines;
        if (*p.function) ++t.eve_lines[p.function];
      }
      if (*p.function && *p.level) ++t.collapsed[p.function][p.level];
    }
}

void write_truth(const Options& o, const Truth& cur, const Truth& prev, std::FILE* f) {
  (void)o;
  std::fprintf(f, "{\"flows\":%" PRIu64 ",\"blocked\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"prev_flows\":%" PRIu64
               ",\"prev_blocked\":%" PRIu64 ",\"alert_lines\":%" PRIu64 ",\"not_json\":%" PRIu64 ",\"truncated\":%" PRIu64 ",\"tls_rows\":%zu,",
               cur.flows, cur.blocked, cur.bytes, prev.flows, prev.blocked, cur.alert_lines, g_not_json, g_truncated,
               cur.tls_rows.size());
  std::fprintf(f, "\"daily\":[");
  for (std::size_t i = 0; i < cur.daily.size(); ++i)
    std::fprintf(f, "%s[%" PRIu64 ",%" PRIu64 "]", i ? "," : "", cur.daily[i], cur.daily_blocked[i]);
  std::fprintf(f, "],\"l7\":{");
  bool first = true;
  for (const auto& [k, v] : cur.l7) {
    std::fprintf(f, "%s\"%s\":[%" PRIu64 ",%" PRIu64 "]", first ? "" : ",", k.c_str(), v.first, v.second);
    first = false;
  }
  std::vector<std::pair<uint64_t, std::string>> src;
  for (const auto& [k, v] : cur.sources) src.emplace_back(v, k);
  std::sort(src.begin(), src.end(), [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
  std::fprintf(f, "},\"top_sources\":[");
  for (std::size_t i = 0; i < src.size() && i < 10; ++i) {
    const auto it = prev.sources.find(src[i].second);
    std::fprintf(f, "%s[\"%s\",%" PRIu64 ",%" PRIu64 "]", i ? "," : "", src[i].second.c_str(), src[i].first,
                 it == prev.sources.end() ? 0 : it->second);
  }
  std::fprintf(f, "],\"http_methods\":{");
  first = true;
  for (const auto& [k, v] : cur.methods) {
    std::fprintf(f, "%s\"%s\":[%" PRIu64 ",%" PRIu64 ",%" PRIu64 "]", first ? "" : ",", k.c_str(), std::get<0>(v),
                 std::get<1>(v), std::get<2>(v));
    first = false;
  }
  const auto levels = [&](const Truth& t) {
    std::fprintf(f, "{");
    bool ff = true;
    for (const auto& [fn, m] : t.collapsed) {
      std::fprintf(f, "%s\"%s\":{", ff ? "" : ",", fn.c_str());
      bool lf = true;
      for (const auto& [l, n] : m) {
        std::fprintf(f, "%s\"%s\":%" PRIu64, lf ? "" : ",", l.c_str(), n);
        lf = false;
      }
      std::fprintf(f, "}");
      ff = false;
    }
    std::fprintf(f, "}");
  };
  std::fprintf(f, "},\"alerts\":");
  levels(cur);
  std::fprintf(f, ",\"prev_alerts\":");
  levels(prev);
  std::fprintf(f, "}\n");
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(("missing value for " + a).c_str());
      return argv[++i];
    };
    const auto number = [&]() { return std::strtoull(value().c_str(), nullptr, 10); };
    if (a == "--month") {
      if (std::sscanf(value().c_str(), "%d-%d", &o.year, &o.month) != 2 || o.month < 1 || o.month > 12)
        usage("--month wants YYYY-MM");
    } else if (a == "--flows") o.flows = number();
    else if (a == "--prev-flows") o.prev_flows = number();
    else if (a == "--sources") o.sources = std::max<uint64_t>(number(), 1);
    else if (a == "--destinations") o.destinations = std::max<uint64_t>(number(), 1);
    else if (a == "--alerts-per-day") o.alerts_per_day = number();
    else if (a == "--prev-alerts-per-day") o.prev_alerts_per_day = number();
    else if (a == "--bad-lines") o.bad_lines = number();
    else if (a == "--out-dir") o.out_dir = value();
    else if (a == "--truth") o.truth = value();
    else if (a == "--labels") o.labels = true;
    else if (a == "--lean") o.lean = true;
    else if (a == "--no-geo-fields") o.geo_fields = false;
    else usage(("unknown option " + a).c_str());
  }
  if (o.sources > (1u << 24) || o.destinations > (1u << 24)) usage("--sources and --destinations go up to 16777216");
  const int64_t begin = month_start(o.year, o.month);
  const int64_t end = month_start(o.year + (o.month == 12), o.month == 12 ? 1 : o.month + 1);
  const int64_t prev_begin = month_start(o.year - (o.month == 1), o.month == 1 ? 12 : o.month - 1);
  Truth cur, prev;
  {
    Out flows(o.out_dir + "/flows.json");
    // Flows that raised alerts carry ALERTS=1: one in 50 (the alerts point at them).
    std::vector<uint64_t> alerted_prev, alerted;
    for (uint64_t i = 0; i < o.prev_flows; i += 50) alerted_prev.push_back(i);
    for (uint64_t i = 0; i < o.flows; i += 50) alerted.push_back(i);
    std::vector<std::string> cids_prev, cids;
    write_flows(o, flows, prev_begin, begin, o.prev_flows, 17, prev, cids_prev, alerted_prev);
    write_flows(o, flows, begin, end, o.flows, 0, cur, cids, alerted);
    Out alerts(o.out_dir + "/alerts.json");
    write_alerts(o, alerts, prev_begin, begin, o.prev_alerts_per_day, prev, cids_prev, o.prev_flows, 17);
    write_alerts(o, alerts, begin, end, o.alerts_per_day, cur, cids, o.flows, 0);
  }
  if (!o.truth.empty()) {
    std::FILE* f = std::fopen(o.truth.c_str(), "wb");
    if (!f) usage(("cannot write " + o.truth).c_str());
    write_truth(o, cur, prev, f);
    std::fclose(f);
  }
  return 0;
}
