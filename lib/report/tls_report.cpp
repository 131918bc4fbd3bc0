// The TLS report (spec §1.1, §2.2, §3.1): one row per client, server and service with
// its trust score, and the charts by country, version, cipher suite and score band.
#include <fnmatch.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>

#include "report/reports.hpp"
#include "report/svg_chart.hpp"
#include "report/tls_trust.hpp"

namespace flowprobe::report {

namespace {

struct RowKey {
  IpKey client, server;
  uint16_t port = 0;  // the server port (the service is derived from it)
  bool operator==(const RowKey&) const = default;
};
struct RowKeyHash {
  std::size_t operator()(const RowKey& k) const noexcept {
    IpKeyHash h;
    return h(k.client) * 31 + h(k.server) * 7 + k.port;
  }
};

struct Row {
  uint64_t count = 0;
  int64_t first = INT64_MAX, last = 0;
  int64_t version_at = INT64_MIN;  // LAST_SWITCHED of the record whose version we keep
  uint32_t version = 0, cipher = 0;
  bool unsafe = false;
  uint16_t versions_seen = 0;  // bit (version & 0xf) for 0x03xx; bit 15 SSL 2.0
  std::string sni, l7, risks;
  std::array<char, 2> client_country{}, server_country{};
};

class TlsReport final : public Aggregator {
 public:
  explicit TlsReport(std::size_t cap) : cap_(cap) {}

  void on_flow(const FlowRec& f, int period, int) override {
    if (period != 0 || f.protocol != 6 || f.tls_version == 0) return;
    ++records_;
    RowKey k{f.src, f.dst, f.dst_port};
    bool swapped = false;
    // Mid-stream records (OTH): the side on the lower port is the server.
    if (f.conn_state == "OTH" && f.src_port < f.dst_port) {
      k = RowKey{f.dst, f.src, f.src_port};
      swapped = true;
    }
    auto it = rows_.find(k);
    if (it == rows_.end()) {
      if (rows_.size() >= cap_) {
        ++not_listed_;
        return;
      }
      it = rows_.emplace(k, Row{}).first;
    }
    Row& r = it->second;
    ++r.count;
    r.first = std::min(r.first, f.first);
    r.last = std::max(r.last, f.last);
    if (f.last >= r.version_at) {  // the most recent record's version and cipher, as upstream
      r.version_at = f.last;
      r.version = f.tls_version;
      r.cipher = f.tls_cipher;
      r.unsafe = f.tls_unsafe;
      if (!f.tls_sni.empty()) r.sni = f.tls_sni;
      if (!f.l7_name.empty()) r.l7 = f.l7_name;
      if (!f.l7_risk_name.empty()) r.risks = f.l7_risk_name;
    }
    r.versions_seen |= static_cast<uint16_t>(f.tls_version >> 8 == 3 ? 1u << (f.tls_version & 0xf) : 1u << 15);
    const std::string_view cc = swapped ? f.dst_country : f.src_country;
    const std::string_view sc = swapped ? f.src_country : f.dst_country;
    if (cc.size() == 2) std::copy(cc.begin(), cc.end(), r.client_country.begin());
    if (sc.size() == 2) std::copy(sc.begin(), sc.end(), r.server_country.begin());
  }

  Document build(const Context& ctx) override;

 private:
  std::size_t cap_;
  std::unordered_map<RowKey, Row, RowKeyHash> rows_;
  uint64_t records_ = 0, not_listed_ = 0;
};

struct Scored {
  const RowKey* key;
  const Row* row;
  PenaltyParts parts;
  std::string version, client_country, server_country, cipher;
  CipherClass strength = CipherClass::unknown;
  double score = 50;
  int band = 3;
};

std::string country_of(const Context& ctx, const IpKey& ip, const std::array<char, 2>& from_record) {
  if (is_private(ip)) return "LOCAL";
  if (from_record[0]) return std::string(from_record.data(), 2);
  return ctx.place(ip).country;
}

bool forbidden(const Context& ctx, const std::string& country) {
  if (country.empty() || country == "LOCAL") return false;  // unknown and private are never penalised
  if (!ctx.opt.home_country.empty()) return country != ctx.opt.home_country;
  return std::find(ctx.opt.forbidden_countries.begin(), ctx.opt.forbidden_countries.end(), country) !=
         ctx.opt.forbidden_countries.end();
}

std::string who(const Context& ctx, const IpKey& ip) {
  const std::string& n = ctx.name_of(ip);
  return n.empty() ? ip_text(ip) : n + " (" + ip_text(ip) + ")";
}

std::string versions_text(uint16_t seen) {
  std::string out;
  if (seen & 0x8000) out += "SSL 2.0";
  for (uint32_t v = 0; v < 15; ++v)
    if (seen & (1u << v)) out += (out.empty() ? "" : ", ") + tls_version_name(0x0300 | v);
  return out;
}

// A place per country and per time zone, from tzdata's zone.tab (every Debian system has
// it): the coordinates of each zone's principal city. The free country database has no
// coordinates, so a country is drawn at its first zone's city (US: New York, JP: Tokyo).
struct Places {
  std::map<std::string, std::pair<double, double>> country, zone;
  bool loaded = false;
};
const Places& zone_places() {
  static const Places p = [] {
    Places out;
    std::ifstream in("/usr/share/zoneinfo/zone.tab");
    std::string line;
    const auto coord = [](std::string_view s, int deg_digits, double& v) {
      if (s.size() < static_cast<std::size_t>(1 + deg_digits + 2)) return false;
      const double sign = s[0] == '-' ? -1 : 1;
      const double d = std::stod(std::string(s.substr(1, static_cast<std::size_t>(deg_digits))));
      const double m = std::stod(std::string(s.substr(1 + static_cast<std::size_t>(deg_digits), 2)));
      const double sec = s.size() >= static_cast<std::size_t>(1 + deg_digits + 4)
                             ? std::stod(std::string(s.substr(3 + static_cast<std::size_t>(deg_digits), 2))) : 0;
      v = sign * (d + m / 60 + sec / 3600);
      return true;
    };
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      std::istringstream f(line);
      std::string cc, co, tz;
      if (!std::getline(f, cc, '\t') || !std::getline(f, co, '\t') || !std::getline(f, tz, '\t')) continue;
      const std::size_t split = co.find_first_of("+-", 1);
      if (split == std::string::npos) continue;
      double lat, lon;
      if (!coord(std::string_view(co).substr(0, split), 2, lat) || !coord(std::string_view(co).substr(split), 3, lon)) continue;
      out.country.emplace(cc, std::make_pair(lat, lon));  // the first zone of a country
      out.zone.emplace(tz, std::make_pair(lat, lon));
      out.loaded = true;
    }
    return out;
  }();
  return p;
}

// Rows by a label, stacked by score band, largest total first.
void band_chart(Section& s, const std::string& id, const std::string& title, const std::string& table_name,
                const std::string& key_label, const std::map<std::string, std::array<uint64_t, 6>>& counts,
                std::size_t limit) {
  std::vector<std::pair<std::string, std::array<uint64_t, 6>>> v(counts.begin(), counts.end());
  const auto total = [](const std::array<uint64_t, 6>& a) { return a[1] + a[2] + a[3] + a[4] + a[5]; };
  std::stable_sort(v.begin(), v.end(), [&](const auto& a, const auto& b) { return total(a.second) > total(b.second); });
  Table t;
  t.name = table_name;
  t.title = title;
  t.cols = {{"key", key_label}, {"rows", "Rows", ColType::count}};
  for (int b = 5; b >= 1; --b)
    t.cols.push_back({"band_" + std::to_string(b), "Band " + std::string(band_label(b)), ColType::count});
  for (const auto& [k, a] : v) {
    std::vector<Cell> r{{k}, {thousands(total(a)), std::to_string(total(a))}};
    for (int b = 5; b >= 1; --b) r.push_back({thousands(a[static_cast<std::size_t>(b)]), std::to_string(a[static_cast<std::size_t>(b)])});
    t.rows.push_back(std::move(r));
  }
  if (t.rows.empty()) t.note = "No row: every address on this side is private (LOCAL) or the list is empty.";
  if (v.size() > limit) v.resize(limit);
  std::vector<std::string> labels;
  std::vector<Series> series;
  for (int b = 5; b >= 1; --b)
    series.push_back({std::string(band_label(b)), std::string(band_color(b)), {}});
  for (const auto& [k, a] : v) {
    labels.push_back(k);
    for (int b = 5; b >= 1; --b) series[static_cast<std::size_t>(5 - b)].values.push_back(static_cast<double>(a[static_cast<std::size_t>(b)]));
  }
  ChartStyle st;
  st.id = id;
  st.title = title;
  st.mode = BarMode::stacked;
  if (!labels.empty()) s.chart({id, title + (counts.size() > limit ? " (top " + std::to_string(limit) + ")" : ""),
                                bar_chart(labels, series, st)});
  s.table(std::move(t));
}

Document TlsReport::build(const Context& ctx) {
  Document d;
  d.name = "tls";
  d.title = "TLS communication report";
  d.subtitle = "TLS sessions between clients and servers, scored by trust (after TWSNMP FC's TLS report)";
  std::vector<std::string> lacking;
  for (Field f : {Field::tls_version, Field::tls_cipher, Field::dst_port, Field::protocol})
    if (!ctx.has_field(f)) lacking.push_back("%" + std::string(field_label(f)));

  // Score every row, before any display filter; the ignore list's rows are not rows.
  std::vector<Scored> rows;
  rows.reserve(rows_.size());
  uint64_t ignored = 0;
  const auto glob = [](const std::string& pattern, const std::string& s) {
    return !s.empty() && fnmatch(pattern.c_str(), s.c_str(), FNM_CASEFOLD) == 0;
  };
  for (const auto& [k, r] : rows_) {
    bool skip = false;
    for (const auto& [what, pattern] : ctx.opt.tls_ignore) {
      if (what == "service") skip = glob(pattern, std::string(tls_service(k.port))) || glob(pattern, std::to_string(k.port));
      else {
        const IpKey& ip = what == "client" ? k.client : k.server;
        skip = glob(pattern, ip_text(ip)) || glob(pattern, ctx.name_of(ip));
      }
      if (skip) break;
    }
    if (skip) {
      ++ignored;
      continue;
    }
    Scored s{&k, &r, {}, tls_version_name(r.version), country_of(ctx, k.client, r.client_country),
             country_of(ctx, k.server, r.server_country), cipher_name(r.cipher)};
    s.parts.server_forbidden = forbidden(ctx, s.server_country);
    s.parts.client_forbidden = forbidden(ctx, s.client_country);
    s.parts.version = version_penalty(s.version);
    s.parts.server_unresolved = ctx.name_of(k.server).empty();
    s.parts.client_unresolved = ctx.name_of(k.client).empty();
    s.strength = cipher_class(s.cipher, r.unsafe);
    rows.push_back(std::move(s));
  }
  std::vector<int> penalties;
  for (const Scored& s : rows) penalties.push_back(s.parts.total());
  const std::vector<double> scores = trust_scores(penalties);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    rows[i].score = scores[i];
    rows[i].band = score_band(scores[i]);
  }
  // Worst first; ties in a fixed order so that a rerun prints the same list.
  std::sort(rows.begin(), rows.end(), [](const Scored& a, const Scored& b) {
    if (a.score != b.score) return a.score < b.score;
    if (a.row->count != b.row->count) return a.row->count > b.row->count;
    if (a.key->client != b.key->client) return a.key->client < b.key->client;
    if (a.key->server != b.key->server) return a.key->server < b.key->server;
    return a.key->port < b.key->port;
  });

  std::array<uint64_t, 6> bands{};
  std::set<IpKey> clients, servers;
  for (const Scored& s : rows) {
    ++bands[static_cast<std::size_t>(s.band)];
    clients.insert(s.key->client);
    servers.insert(s.key->server);
  }

  Section sum{"summary", "Summary"};
  sum.pairs({{"TLS rows (client, server, service)", thousands(rows.size())},
             {"TLS flow records", thousands(records_)},
             {"Clients", thousands(clients.size())},
             {"Servers", thousands(servers.size())},
             {"Forbidden countries", !ctx.opt.home_country.empty() ? "every country but " + ctx.opt.home_country
                                     : ctx.opt.forbidden_countries.empty() ? "none configured"
                                                                          : [&] {
                                                                              std::string s;
                                                                              for (const auto& c : ctx.opt.forbidden_countries)
                                                                                s += (s.empty() ? "" : ", ") + c;
                                                                              return s;
                                                                            }()}});
  if (!lacking.empty()) {
    std::string l;
    for (const auto& x : lacking) l += (l.empty() ? "" : " ") + x;
    sum.note("The input lacks " + l + ": " +
             (ctx.has_field(Field::tls_version) ? "those columns print \"-\"."
                                                : "without %TLS_VERSION no TLS session can be found, so the list is empty. "
                                                  "Run the probe with -T \"@NTOPNG@ %TLS_VERSION %TLS_CIPHER ...\" (see the README)."));
  }
  sum.paragraph("The trust score is a deviation value over all rows of the window: each row's penalty (+1 per "
                "forbidden country at either end, +1 for TLS 1.2 up to +4 for SSL, +1 per end whose name is not "
                "known from the hosts file or DNS answers in the data) gives x = 100 - penalty; the score is 50 + "
                "10(x - mean)/sd. Scores are relative: 50 is this window's average, and adding rows changes them.");
  if (!ctx.opt.tls_ignore.empty()) {
    std::string l;
    for (const auto& [what, pattern] : ctx.opt.tls_ignore) l += (l.empty() ? "" : ", ") + what + "=" + pattern;
    sum.note(counted(ignored, "row") + " left out by the ignore list (" + l + "); the scores are over the rest.");
  }
  if (not_listed_)
    sum.note(thousands(not_listed_) + " TLS records of rows beyond the first " + thousands(cap_) +
             " were not listed (raise --max-keys).");
  {
    std::vector<std::string> labels;
    std::vector<double> values;
    std::vector<std::string> colors;
    Table t;
    t.name = "tls_by_band";
    t.title = "Rows by score band";
    t.cols = {{"band", "Band"}, {"score", "Score"}, {"rows", "Rows", ColType::count}};
    for (int b = 5; b >= 1; --b) {
      labels.push_back(std::string(band_label(b)));
      values.push_back(static_cast<double>(bands[static_cast<std::size_t>(b)]));
      colors.push_back(std::string(band_color(b)));
      t.rows.push_back({{std::to_string(b)}, {std::string(band_label(b))},
                        {thousands(bands[static_cast<std::size_t>(b)]), std::to_string(bands[static_cast<std::size_t>(b)])}});
    }
    ChartStyle st;
    st.id = "tls_by_band";
    st.title = "Rows by score band";
    // One bar per band, in the band's colour.
    std::vector<Series> per_band;
    for (std::size_t i = 0; i < labels.size(); ++i) {
      Series x{labels[i], colors[i], std::vector<double>(labels.size(), 0)};
      x.values[i] = values[i];
      per_band.push_back(std::move(x));
    }
    st.mode = BarMode::stacked;
    sum.chart({"tls_by_band", "Rows by score band", bar_chart(labels, per_band, st)});
    sum.table(std::move(t));
  }
  d.sections.push_back(std::move(sum));

  Section list{"tls-list", "TLS list"};
  list.paragraph("One row per client, server and service, worst score first. The display filter keeps rows that "
                 "contain the text typed; the boxes under the headings filter one column each. Scores are computed "
                 "over all rows before any filter.");
  Table t;
  t.name = "tls_sessions";
  t.title = "TLS sessions";
  t.filter = true;
  t.column_filters = true;
  t.html_limit = ctx.opt.html_rows;
  t.cols = {{"trust_score", "Score", ColType::number},
            {"client", "Client"},
            {"client_name", "Client name", ColType::text, true},
            {"client_ip", "Client IP", ColType::text, true},
            {"client_country", "Client country"},
            {"server", "Server"},
            {"server_name", "Server name", ColType::text, true},
            {"server_ip", "Server IP", ColType::text, true},
            {"server_country", "Country"},
            {"service", "Service"},
            {"tls_version", "TLS version"},
            {"cipher_suite", "Cipher suite"},
            {"cipher_strength", "Strength"},
            {"count", "Count", ColType::count},
            {"first_seen", "First seen", ColType::time},
            {"last_seen", "Last seen", ColType::time},
            {"penalty", "Penalty", ColType::count},
            {"penalty_reasons", "Penalty reasons", ColType::text, true},
            {"score_band", "Band", ColType::count, true},
            {"versions_seen", "Versions seen", ColType::text, true},
            {"server_name_indication", "SNI", ColType::text, true},
            {"l7_proto_name", "L7 protocol", ColType::text, true},
            {"risks", "nDPI risks", ColType::text, true},
            {"unsafe_cipher", "Unsafe cipher flag", ColType::count, true}};
  std::map<std::string, std::array<uint64_t, 6>> by_server_country, by_client_country, by_cipher;
  std::map<std::string, uint64_t> by_version;
  for (const Scored& s : rows) {
    const Row& r = *s.row;
    std::string reasons;
    const auto add = [&](bool on, const std::string& why) {
      if (on) reasons += (reasons.empty() ? "" : "; ") + why;
    };
    add(s.parts.server_forbidden, "server country " + s.server_country + " forbidden");
    add(s.parts.client_forbidden, "client country " + s.client_country + " forbidden");
    add(s.parts.version > 0, s.version + " (+" + std::to_string(s.parts.version) + ")");
    add(s.parts.server_unresolved, "server name unknown");
    add(s.parts.client_unresolved, "client name unknown");
    const std::string cls = "b" + std::to_string(s.band);
    const std::string strength = s.cipher.empty() ? "-" : std::string(cipher_class_name(s.strength));
    t.rows.push_back({{fixed(s.score, 1), fixed(s.score, 2), cls},
                      {who(ctx, s.key->client)},
                      {ctx.name_of(s.key->client)},
                      {ip_text(s.key->client)},
                      {s.client_country.empty() ? "-" : s.client_country},
                      {who(ctx, s.key->server)},
                      {ctx.name_of(s.key->server)},
                      {ip_text(s.key->server)},
                      {s.server_country.empty() ? "-" : s.server_country},
                      {std::string(tls_service(s.key->port))},
                      {s.version},
                      {s.cipher.empty() ? "-" : s.cipher},
                      {strength, "", strength},
                      {thousands(r.count), std::to_string(r.count)},
                      {format_local(r.first, "%Y/%m/%d %H:%M"), format_local(r.first)},
                      {format_local(r.last, "%Y/%m/%d %H:%M"), format_local(r.last)},
                      {std::to_string(s.parts.total())},
                      {reasons},
                      {std::to_string(s.band)},
                      {versions_text(r.versions_seen)},
                      {r.sni},
                      {r.l7},
                      {r.risks},
                      {r.unsafe ? "1" : "0"}});
    const std::string sc = s.server_country.empty() ? "Unknown" : s.server_country;
    const std::string cc = s.client_country.empty() ? "Unknown" : s.client_country;
    if (sc != "LOCAL") ++by_server_country[sc][static_cast<std::size_t>(s.band)];
    if (cc != "LOCAL") ++by_client_country[cc][static_cast<std::size_t>(s.band)];
    ++by_cipher[s.cipher.empty() ? "Unknown" : s.cipher][static_cast<std::size_t>(s.band)];
    ++by_version[s.version];
  }
  if (rows.empty()) t.note = "No TLS session in this window.";
  list.table(std::move(t));
  d.sections.push_back(std::move(list));

  Section graph{"tls-graph", "Client-server graph"};
  {
    // Nodes "name(IP)" coloured by location category, one edge per row coloured by band.
    const auto category = [](const std::string& country) -> std::pair<std::string, std::string> {
      if (country == "LOCAL") return {"LOCAL", "#8a8f98"};
      if (country == "RU") return {"RU", "#d23b3b"};
      if (country == "CN") return {"CN", "#e8833a"};
      if (country == "US") return {"US", "#2f6db5"};
      if (country == "JP") return {"JP", "#3a9e5c"};
      return {"Other", "#b98ad6"};
    };
    std::vector<GraphNode> nodes;
    std::vector<GraphEdge> edges;
    std::map<IpKey, std::size_t> index;
    std::string dot = "digraph tls {\n  graph [layout=circo];\n  node [style=filled];\n";
    const auto node = [&](const IpKey& ip, const std::string& country) {
      auto it = index.find(ip);
      if (it != index.end()) return it->second;
      const std::string& name = ctx.name_of(ip);
      const std::string label = (name.empty() ? ip_text(ip) : name) + "(" + ip_text(ip) + ")";
      const auto [cat, color] = category(country);
      nodes.push_back({label, color});
      dot += "  \"" + ip_text(ip) + "\" [label=\"" + label + "\", fillcolor=\"" + color + "\", category=\"" + cat + "\"];\n";
      return index.emplace(ip, nodes.size() - 1).first->second;
    };
    if (rows.size() > ctx.opt.graph_max_edges) {
      graph.note("too many TLS flows, filter them: " + thousands(rows.size()) + " rows, the graph draws at most " +
                 thousands(ctx.opt.graph_max_edges) + " (narrow the window, or leave rows out with --tls-ignore).");
    } else {
      for (const Scored& s : rows) {
        const std::size_t a = node(s.key->client, s.client_country), b = node(s.key->server, s.server_country);
        const std::string tip = std::string(tls_service(s.key->port)) + ":" + s.version + ":" +
                                (s.cipher.empty() ? "-" : s.cipher) + ":" + fixed(s.score, 2);
        edges.push_back({a, b, std::string(band_color(s.band)), tip});
        dot += "  \"" + ip_text(s.key->client) + "\" -> \"" + ip_text(s.key->server) + "\" [color=\"" +
               std::string(band_color(s.band)) + "\", tooltip=\"" + tip + "\", band=" + std::to_string(s.band) + "];\n";
      }
      dot += "}\n";
      graph.paragraph("One node per address, labelled name(IP) and coloured by location (RU, CN, US, JP, LOCAL for "
                      "private space, Other); one edge per list row, coloured by score band, with "
                      "service:version:cipher:score as its tooltip. tls_graph.dot holds the same graph for Graphviz "
                      "(circo -Tsvg tls_graph.dot).");
      std::vector<LegendItem> legend = {{"RU", "#d23b3b"}, {"CN", "#e8833a"}, {"US", "#2f6db5"}, {"JP", "#3a9e5c"},
                                        {"LOCAL", "#8a8f98"}, {"Other", "#b98ad6"}};
      for (int b = 5; b >= 1; --b) legend.push_back({std::string(band_label(b)), std::string(band_color(b))});
      ChartStyle st;
      st.id = "tls_graph";
      st.title = "Client-server graph (" + counted(edges.size(), "row") + ")";
      if (!edges.empty()) graph.chart({"tls_graph", st.title, network_graph(nodes, edges, legend, st)});
      d.files.emplace_back("tls_graph.dot", dot);
    }
  }
  d.sections.push_back(std::move(graph));

  Section map{"tls-map", "TLS flows by location"};
  {
    const Places& places = zone_places();
    // Private ends and ends without a country sit at the home location: --home-location,
    // else the report time zone's city in zone.tab.
    std::optional<std::pair<double, double>> home = ctx.opt.home_location;
    std::string home_from = "--home-location";
    if (!home) {
      const std::string tz = time_zone_name().substr(0, time_zone_name().find(' '));
      if (auto it = places.zone.find(tz); it != places.zone.end()) home = it->second, home_from = "the time zone " + tz;
    }
    const auto locate = [&](const std::string& country) -> std::optional<std::pair<double, double>> {
      if (auto it = places.country.find(country); it != places.country.end()) return it->second;
      return home;
    };
    std::vector<MapLine> lines;
    std::map<std::string, std::pair<double, double>> seen;
    std::array<uint64_t, 6> per_band{};
    uint64_t skipped = 0, dropped_good = 0;
    for (const Scored& s : rows) {
      if (lines.size() >= 20000) {
        ++skipped;
        continue;
      }
      if (lines.size() >= 1000 && s.band >= 4) {  // upstream keeps the worse rows once 1,000 are drawn
        ++dropped_good;
        continue;
      }
      const auto a = locate(s.client_country), b = locate(s.server_country);
      const bool a_own = places.country.count(s.client_country), b_own = places.country.count(s.server_country);
      if (!a || !b || (!a_own && !b_own)) {  // neither end located
        ++skipped;
        continue;
      }
      if (a_own) seen[s.client_country] = *a;
      if (b_own) seen[s.server_country] = *b;
      lines.push_back({a->first, a->second, b->first, b->second, std::string(band_color(s.band)),
                       "flow b" + std::to_string(s.band),
                       ip_text(s.key->client) + " (" + (s.client_country.empty() ? "-" : s.client_country) + ") -> " +
                           ip_text(s.key->server) + " (" + (s.server_country.empty() ? "-" : s.server_country) + "): " +
                           fixed(s.score, 2)});
      ++per_band[static_cast<std::size_t>(s.band)];
    }
    std::vector<MapPlace> dots;
    for (const auto& [cc, ll] : seen) dots.push_back({ll.first, ll.second, cc});
    if (home) dots.push_back({home->first, home->second, "home"});
    std::vector<LegendItem> legend;
    for (int b = 5; b >= 1; --b)
      legend.push_back({std::string(band_label(b)) + " (" + thousands(per_band[static_cast<std::size_t>(b)]) + ")",
                        std::string(band_color(b))});
    if (!places.loaded) {
      map.note("No location table: /usr/share/zoneinfo/zone.tab (tzdata) is missing, so the map is left out.");
    } else {
      map.paragraph("One line per list row from the client's location to the server's, coloured by score band (one "
                    "series per band). The country database has no coordinates: a country is drawn at the city of its "
                    "first time zone in tzdata's zone.tab. Private addresses and addresses without a country sit at "
                    "the home location" + std::string(home ? " (from " + home_from + ")" : " (none: give --home-location LAT,LON)") +
                    "; a row with neither end located is not drawn. At most 20,000 lines; once 1,000 are drawn, rows "
                    "in the two best bands are left out.");
      if (skipped || dropped_good)
        map.note(counted(skipped, "row") + " not drawn (no location, or past 20,000 lines); " +
                 counted(dropped_good, "row") + " of the two best bands left out past 1,000 lines.");
      ChartStyle st;
      st.id = "tls_map";
      st.title = "TLS flows by location (" + counted(lines.size(), "line") + ")";
      map.chart({"tls_map", st.title, world_map(lines, dots, legend, st)});
    }
  }
  d.sections.push_back(std::move(map));

  Section charts{"tls-charts", "Graphs and aggregation"};
  charts.paragraph("All counts are list rows (client, server and service combinations), not connections or bytes. "
                   "Private (LOCAL) addresses are left out of the country charts; an address with no country is "
                   "\"Unknown\".");
  band_chart(charts, "tls_by_server_country", "Rows by server country", "tls_by_server_country", "Server country",
             by_server_country, 50);
  band_chart(charts, "tls_by_client_country", "Rows by client country", "tls_by_client_country", "Client country",
             by_client_country, 50);
  {
    std::vector<std::pair<std::string, uint64_t>> v(by_version.begin(), by_version.end());
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
    if (v.size() > 21) v.resize(21);
    std::vector<std::string> labels, colors;
    std::vector<double> values;
    Table vt;
    vt.name = "tls_by_version";
    vt.title = "Rows by TLS version";
    vt.cols = {{"tls_version", "TLS version"}, {"rows", "Rows", ColType::count}, {"share", "Share", ColType::percent}};
    for (std::size_t i = 0; i < v.size(); ++i) {
      labels.push_back(v[i].first);
      values.push_back(static_cast<double>(v[i].second));
      const int pen = version_penalty(v[i].first);
      colors.push_back(pen == 0 ? "#2f6db5" : pen == 1 ? "#79b8e8" : pen == 2 ? "#f0c431" : pen == 3 ? "#f09ab4" : "#d23b3b");
      const std::string share = percent(v[i].second, rows.size(), ctx.opt.rounding);
      vt.rows.push_back({{v[i].first}, {thousands(v[i].second), std::to_string(v[i].second)},
                         {share, share.substr(0, share.size() - 1)}});
    }
    ChartStyle st;
    st.id = "tls_by_version";
    st.title = "Rows by TLS version";
    if (!labels.empty()) charts.chart({"tls_by_version", "Rows by TLS version", donut_chart(labels, values, colors, st)});
    charts.table(std::move(vt));
  }
  band_chart(charts, "tls_by_cipher", "Rows by cipher suite", "tls_by_cipher", "Cipher suite", by_cipher, 50);
  charts.note("Strength classes: insecure = NULL, EXPORT, anon, RC4, single DES or MD5 suites; weak = 3DES, or a suite "
              "the probe flagged %TLS_UNSAFE_CIPHER; medium = other CBC suites (legacy); strong = AEAD (GCM, CCM, "
              "CHACHA20_POLY1305) and TLS 1.3 suites. Names are IANA's (nDPI's table of the registry).");
  d.sections.push_back(std::move(charts));
  return d;
}

}  // namespace

std::unique_ptr<Aggregator> make_tls_report(std::size_t cap) { return std::make_unique<TlsReport>(cap); }

}  // namespace flowprobe::report
