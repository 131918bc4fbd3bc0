// The traffic report (spec §1.2, §2.3, §3.2): what LogStare draws from nProbe JSON: L7
// protocol shares, unique destinations per source, HTTP methods by volume, and the hosts,
// DNS names, countries and organisations behind the traffic.
#include <algorithm>
#include <charconv>
#include <cstring>
#include <map>
#include <unordered_map>

#include "dpi/protocol_names.hpp"
#include "report/reports.hpp"
#include "report/sketch.hpp"
#include "report/soc_rules.hpp"
#include "report/svg_chart.hpp"

namespace flowprobe::report {

namespace {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

// "7.126" → "HTTP.Google" with the nDPI the probe was built with (the spec's rule when a
// feed has ids only).
class L7Names {
 public:
  const std::string& name(std::string_view id_or_name, bool is_name) {
    auto it = cache_.find(id_or_name);
    if (it != cache_.end()) return it->second;
    std::string out;
    if (is_name) {
      out = id_or_name.empty() ? "Unknown" : std::string(id_or_name);
    } else {
      uint16_t master = 0, app = 0;
      const auto dot = id_or_name.find('.');
      const std::string_view a = id_or_name.substr(0, dot);
      std::from_chars(a.data(), a.data() + a.size(), dot == std::string_view::npos ? app : master);
      if (dot != std::string_view::npos) {
        const std::string_view b = id_or_name.substr(dot + 1);
        std::from_chars(b.data(), b.data() + b.size(), app);
      }
      if (master == 0 && app == 0) out = "Unknown";
      else dpi::protocol_names().append_name(master, app, out);
    }
    return cache_.emplace(std::string(id_or_name), std::move(out)).first->second;
  }

 private:
  std::unordered_map<std::string, std::string, StringHash, std::equal_to<>> cache_;
};

bool is_tls_or_quic(const FlowRec& f) {
  if (f.tls_version != 0) return true;
  const auto names = [](std::string_view n) {
    const std::string_view master = n.substr(0, n.find('.'));
    return master == "TLS" || master == "QUIC" || n == "TLS" || n == "QUIC";
  };
  if (!f.l7_name.empty()) return names(f.l7_name);
  std::string_view id = f.l7_proto;
  while (!id.empty()) {
    const auto dot = id.find('.');
    const std::string_view part = id.substr(0, dot);
    if (part == "91" || part == "188") return true;
    if (dot == std::string_view::npos) break;
    id.remove_prefix(dot + 1);
  }
  return false;
}

std::string_view rcode_name(int rc) {
  static constexpr std::string_view n[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
                                           "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE"};
  return rc >= 0 && rc < 11 ? n[rc] : "OTHER";
}

struct Peers {
  DistinctCounter destinations;
  uint64_t records = 0, bytes = 0;
};

class TrafficReport final : public Aggregator {
 public:
  explicit TrafficReport(const Context& ctx)
      : ctx_(ctx), talkers_(ctx.opt.max_keys), hosts_(ctx.opt.max_keys), dns_(ctx.opt.max_keys), countries_(4096), orgs_(ctx.opt.max_keys) {
    days_bytes_.assign(ctx.time.current.days(), 0);
    days_records_.assign(ctx.time.current.days(), 0);
  }

  void on_flow(const FlowRec& f, int period, int day) override {
    if (period != 0) return;
    const uint64_t bytes = f.in_bytes + f.out_bytes;
    std::string_view name = f.l7_name.empty() && f.l7_proto.empty()
                                ? std::string_view("Unknown")
                                : std::string_view(names_.name(f.l7_name.empty() ? f.l7_proto : f.l7_name, !f.l7_name.empty()));
    if (ctx_.opt.master_only) name = name.substr(0, name.find('.'));
    if (!where_.empty()) {
      ++seen_;
      if (!matches(f, name)) return;
    }
    if (!ctx_.opt.by.empty()) drill_.add(drill_key(f, name), {bytes, 1});
    ++records_;
    bytes_ += bytes;
    days_bytes_[static_cast<std::size_t>(day)] += bytes;
    ++days_records_[static_cast<std::size_t>(day)];
    auto l7_it = l7_.find(name);
    if (l7_it == l7_.end()) l7_it = l7_.emplace(std::string(name), std::array<uint64_t, 2>{}).first;
    auto& l7 = l7_it->second;
    ++l7[0];
    l7[1] += bytes;

    talkers_.add(f.src, {bytes, 1});
    auto it = peers_.find(f.src);
    if (it == peers_.end()) {
      if (peers_.size() < ctx_.opt.max_keys) it = peers_.emplace(f.src, Peers{}).first;
      else ++peers_untracked_;
    }
    if (it != peers_.end()) {
      it->second.destinations.add(mix64(IpKeyHash{}(f.dst) ^ (static_cast<uint64_t>(f.dst.b[15]) << 56)));
      ++it->second.records;
      it->second.bytes += bytes;
    }

    if (!f.http_method.empty() && !is_tls_or_quic(f)) {
      auto& m = methods_[std::string(f.http_method)];
      ++m[0];
      m[1] += bytes;
      m[2] += f.in_bytes;
    }
    if (!f.http_host.empty()) hosts_.add(std::string(f.http_host), {1, bytes});
    if (!f.dns_query.empty()) {
      dns_.add(std::string(f.dns_query), {1, 0});
      if (f.dns_ret_code >= 0) ++rcodes_[f.dns_ret_code];
    }
    // The server side's country and organisation.
    std::string country, org;
    if (is_private(f.dst)) {
      country = "private";
      org = "private";
    } else {
      if (f.dst_country.size() == 2) country = f.dst_country;
      if (!f.dst_as_map.empty()) org = f.dst_as_map;
      if ((country.empty() || org.empty()) && ctx_.geo) {
        const Place p = ctx_.place(f.dst);
        if (country.empty()) country = p.country;
        if (org.empty()) org = p.org;
      }
      if (country.empty()) country = "Unknown";
      if (org.empty()) org = "Unknown";
    }
    countries_.add(country, {bytes, 1});
    orgs_.add(org, {bytes, 1});
  }

  void on_http_tx(const HttpTxRec& t, int period, int) override {
    if (period != 0 || t.method.empty()) return;
    auto& m = tx_methods_[std::string(t.method)];
    ++m[0];
    m[1] += t.length;
  }

  Document build(const Context& ctx) override;

 private:
  // --where: every condition holds. l7 compares the name as the report groups it.
  bool matches(const FlowRec& f, std::string_view l7) const {
    for (const Where& w : where_) {
      switch (w.key) {
        case WhereKey::l7: if (l7 != w.text) return false; break;
        case WhereKey::src: if (f.src != w.ip) return false; break;
        case WhereKey::dst: if (f.dst != w.ip) return false; break;
        case WhereKey::port: if (f.dst_port != w.port) return false; break;
        case WhereKey::method: if (f.http_method != w.text) return false; break;
        case WhereKey::host: if (f.http_host != w.text) return false; break;
      }
    }
    return true;
  }
  std::string drill_key(const FlowRec& f, std::string_view l7) const {
    const std::string& by = ctx_.opt.by;
    if (by == "src") return ip_text(f.src);
    if (by == "dst") return ip_text(f.dst);
    if (by == "port") {
      const std::string_view p = proto_name(f.protocol);
      return std::to_string(f.dst_port) + "/" + (p.empty() ? std::to_string(f.protocol) : std::string(p));
    }
    if (by == "l7") return std::string(l7);
    if (by == "method") return f.http_method.empty() ? std::string("-") : std::string(f.http_method);
    if (f.http_host.empty() && f.http_url.empty()) return "-";  // url
    return std::string(f.http_host) + std::string(f.http_url);
  }

  const Context& ctx_;
  L7Names names_;
  enum class WhereKey : uint8_t { l7, src, dst, port, method, host };
  struct Where {
    WhereKey key;
    std::string text;
    IpKey ip;
    uint16_t port = 0;
  };
  std::vector<Where> where_ = [this] {
    std::vector<Where> out;
    for (const auto& [k, v] : ctx_.opt.where) {
      Where w{k == "l7" ? WhereKey::l7 : k == "src" ? WhereKey::src : k == "dst" ? WhereKey::dst
              : k == "port" ? WhereKey::port : k == "method" ? WhereKey::method : WhereKey::host, v, parse_ip(v), 0};
      if (w.key == WhereKey::port) w.port = static_cast<uint16_t>(std::strtoul(v.c_str(), nullptr, 10));
      out.push_back(std::move(w));
    }
    return out;
  }();
  uint64_t seen_ = 0;  // records of the window before --where
  TopCounter<std::string, std::hash<std::string>, 2> drill_{ctx_.opt.max_keys};  // bytes, records
  uint64_t records_ = 0, bytes_ = 0, peers_untracked_ = 0;
  std::vector<uint64_t> days_bytes_, days_records_;
  std::map<std::string, std::array<uint64_t, 2>, std::less<>> l7_;  // records, bytes
  std::unordered_map<IpKey, Peers, IpKeyHash> peers_;
  TopCounter<IpKey, IpKeyHash, 2> talkers_;  // sources by bytes, records
  std::map<std::string, std::array<uint64_t, 3>> methods_;   // records, bytes, client→server bytes
  std::map<std::string, std::array<uint64_t, 2>> tx_methods_;  // requests, response body bytes
  TopCounter<std::string, std::hash<std::string>, 2> hosts_;  // records, bytes
  TopCounter<std::string, std::hash<std::string>, 2> dns_;
  std::map<int, uint64_t> rcodes_;
  TopCounter<std::string, std::hash<std::string>, 2> countries_;  // bytes, records
  TopCounter<std::string, std::hash<std::string>, 2> orgs_;
};

Cell count_cell(uint64_t n, bool estimate = false) {
  return {(estimate ? "\xe2\x89\x88" : "") + thousands(n), std::to_string(n), estimate ? "est" : ""};
}
Cell share_cell(uint64_t n, uint64_t total, Rounding r) {
  const std::string p = percent(n, total, r);
  return {p, p == "-" ? "" : p.substr(0, p.size() - 1)};
}

std::string approx_note(const char* what, const TopCounter<std::string, std::hash<std::string>, 2>& c) {
  if (!c.approximate()) return {};
  return std::string(what) + " are estimates: more than " + thousands(c.cap()) +
         " distinct keys, so the space-saving sketch ranked them (a count may be high by at most " +
         thousands(c.max_error()) + ").";
}

Document TrafficReport::build(const Context& ctx) {
  const Rounding rd = ctx.opt.rounding;
  Document d;
  d.name = "traffic";
  d.title = "Traffic report";
  d.subtitle = "Flow records by application, peers, HTTP method, host, DNS name, country and organisation "
               "(after LogStare's reports over nProbe JSON)";
  const std::size_t n = ctx.opt.top_n;

  Section sum{"summary", "Summary"};
  sum.pairs({{"Flow records", thousands(records_)}, {"Traffic volume (in + out)", bytes_text(bytes_)},
             {"Sources", thousands(peers_.size() + peers_untracked_)}, {"L7 protocols", thousands(l7_.size())}});
  sum.paragraph("A flow record is one export of a flow: a flow longer than the probe's lifetime timeout (-t, 120 s "
                "by default) is several records. Volume is IN_BYTES + OUT_BYTES.");
  {
    std::vector<std::string> labels;
    std::vector<double> volume, recs;
    Table t;
    t.name = "traffic_daily";
    t.title = "Daily volume";
    t.cols = {{"date", "Date"}, {"records", "Records", ColType::count}, {"bytes", "Bytes", ColType::count}};
    for (std::size_t i = 0; i < days_bytes_.size(); ++i) {
      const std::string day = format_day(ctx.time.current.day_starts[i]);
      labels.push_back(day.substr(5));
      volume.push_back(static_cast<double>(days_bytes_[i]));
      recs.push_back(static_cast<double>(days_records_[i]));
      t.rows.push_back({{day}, count_cell(days_records_[i]), count_cell(days_bytes_[i])});
    }
    t.total = {{"Total"}, count_cell(records_), count_cell(bytes_)};
    ChartStyle st;
    st.id = "traffic_daily";
    st.quantity = Quantity::bytes;
    // The title names the unit the axis chose for this data (a small capture is KiB).
    const double top = volume.empty() ? 0 : *std::max_element(volume.begin(), volume.end());
    st.title = "Traffic volume per day (" + value_axis(top, st.quantity).unit + ")";
    sum.chart({"traffic_daily", st.title, line_chart(labels, {{"volume", "#2f6db5", volume}}, st)});
    sum.table(std::move(t));
  }
  d.sections.push_back(std::move(sum));

  if (!where_.empty() || !ctx.opt.by.empty()) {
    std::string cond;
    for (const auto& [k, v] : ctx.opt.where) cond += (cond.empty() ? "" : " and ") + k + "=" + v;
    d.meta.emplace_back("Filter", cond.empty() ? "none" : cond);
    if (!cond.empty())
      d.sections.front().blocks.insert(d.sections.front().blocks.begin(),
                                       Block{Block::note, "Drill-down: only the records where " + cond + " (" + thousands(records_) +
                                                              " of the window's " + thousands(seen_) + " flow records); every table "
                                                              "below counts those alone.", {}, {}, {}});
  }
  if (!ctx.opt.by.empty()) {
    static const std::map<std::string, std::pair<std::string, std::string>> kBy = {
        {"src", {"src_ip", "source"}},         {"dst", {"dst_ip", "destination"}},
        {"port", {"dst_port", "destination port"}}, {"l7", {"l7_proto_name", "L7 protocol"}},
        {"method", {"http_method", "HTTP method"}}, {"url", {"url", "URL (HTTP host + path)"}}};
    const auto& [key, label] = kBy.at(ctx.opt.by);
    std::string cond;
    for (const auto& [k, v] : ctx.opt.where) cond += (cond.empty() ? "" : " and ") + k + "=" + v;
    Section dd{"drilldown", "Drill-down by " + label};
    Table t;
    t.name = "drilldown";
    t.title = (cond.empty() ? std::string("All records") : "Records where " + cond) + ", by " + label;
    t.filter = true;
    std::string head = label;
    head[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(head[0])));
    t.cols = {{key, head}, {"bytes", "Bytes", ColType::count}, {"records", "Records", ColType::count},
              {"bytes_share", "Share of bytes", ColType::percent}};
    std::vector<std::string> labels;
    std::vector<double> values;
    for (const auto& e : drill_.top(std::max<std::size_t>(n, 50))) {
      t.rows.push_back({{e.key}, count_cell(e.v[0], e.error > 0), count_cell(e.v[1]), share_cell(e.v[0], bytes_, rd)});
      if (labels.size() < n) {
        labels.push_back(e.key);
        values.push_back(static_cast<double>(e.v[0]));
      }
    }
    t.note = approx_note("These volumes", drill_);
    ChartStyle st;
    st.id = "drilldown";
    st.title = "Top " + std::to_string(n) + " by volume";
    st.quantity = Quantity::bytes;
    if (!labels.empty()) dd.chart({"drilldown", st.title, bar_chart(labels, {{"bytes", "#2f6db5", values}}, st)});
    dd.table(std::move(t));
    d.sections.push_back(std::move(dd));
  }

  Section l7{"l7", "By L7 protocol"};
  if (!ctx.has_field(Field::l7_proto_name) && !ctx.has_field(Field::l7_proto))
    l7.note("The input has neither %L7_PROTO_NAME nor %L7_PROTO: every record is \"Unknown\".");
  else if (!ctx.has_field(Field::l7_proto_name))
    l7.note("Names come from %L7_PROTO ids through nDPI " + std::string("(the probe has no %L7_PROTO_NAME in its template)."));
  {
    std::vector<std::pair<std::string, std::array<uint64_t, 2>>> v(l7_.begin(), l7_.end());
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
      return a.second[1] != b.second[1] ? a.second[1] > b.second[1] : a.first < b.first;
    });
    Table t;
    t.name = "l7_share";
    t.title = "L7 protocols by volume";
    t.filter = true;
    t.cols = {{"l7_proto_name", "L7 protocol"}, {"records", "Records", ColType::count},
              {"bytes", "Bytes", ColType::count}, {"bytes_share", "Share of bytes", ColType::percent},
              {"records_share", "Share of records", ColType::percent}};
    for (const auto& [k, a] : v)
      t.rows.push_back({{k}, count_cell(a[0]), count_cell(a[1]), share_cell(a[1], bytes_, rd), share_cell(a[0], records_, rd)});
    std::vector<std::string> labels, colors;
    std::vector<double> values;
    uint64_t other = 0;
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (i < 9) {
        labels.push_back(v[i].first);
        values.push_back(static_cast<double>(v[i].second[1]));
        colors.push_back(palette(i));
      } else {
        other += v[i].second[1];
      }
    }
    if (other) {
      labels.push_back("Other");
      values.push_back(static_cast<double>(other));
      colors.push_back("#b7bdc6");
    }
    ChartStyle st;
    st.id = "l7_bytes_share";
    st.title = "Share of bytes by L7 protocol";
    st.quantity = Quantity::bytes;
    l7.chart({"l7_bytes_share", st.title, donut_chart(labels, values, colors, st)});
    std::vector<std::string> top_labels;
    std::vector<double> top_bytes, top_records;
    for (std::size_t i = 0; i < v.size() && i < n; ++i) {
      top_labels.push_back(v[i].first);
      top_bytes.push_back(static_cast<double>(v[i].second[1]));
    }
    ChartStyle sb = st;
    sb.id = "l7_top_bytes";
    sb.title = "Top " + std::to_string(n) + " L7 protocols by bytes";
    l7.chart({"l7_top_bytes", sb.title, bar_chart(top_labels, {{"bytes", "#2f6db5", top_bytes}}, sb)});
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
      return a.second[0] != b.second[0] ? a.second[0] > b.second[0] : a.first < b.first;
    });
    top_labels.clear();
    for (std::size_t i = 0; i < v.size() && i < n; ++i) {
      top_labels.push_back(v[i].first);
      top_records.push_back(static_cast<double>(v[i].second[0]));
    }
    ChartStyle sr;
    sr.id = "l7_top_records";
    sr.title = "Top " + std::to_string(n) + " L7 protocols by records";
    l7.chart({"l7_top_records", sr.title, bar_chart(top_labels, {{"records", "#e8833a", top_records}}, sr)});
    l7.table(std::move(t));
  }
  d.sections.push_back(std::move(l7));

  Section peers{"peers", "Sources: unique destinations and volume"};
  {
    std::vector<std::pair<IpKey, const Peers*>> v;
    v.reserve(peers_.size());
    for (const auto& [k, p] : peers_) v.emplace_back(k, &p);
    const std::size_t shown = std::min<std::size_t>(v.size(), std::max<std::size_t>(n * 2, 20));
    std::partial_sort(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(shown), v.end(), [](const auto& a, const auto& b) {
      const uint64_t x = a.second->destinations.count(), y = b.second->destinations.count();
      return x != y ? x > y : a.first < b.first;
    });
    v.resize(shown);
    Table t;
    t.name = "unique_peers";
    t.title = "Sources by number of distinct destination addresses";
    t.cols = {{"src_ip", "Source"}, {"unique_destinations", "Distinct destinations", ColType::count},
              {"estimated", "Estimate", ColType::text, true}, {"records", "Records", ColType::count},
              {"bytes", "Bytes", ColType::count}};
    std::vector<std::string> labels;
    std::vector<double> values;
    bool any_estimate = false;
    for (const auto& [ip, p] : v) {
      const bool est = p->destinations.estimated();
      any_estimate |= est;
      const std::string name = ctx.name_of(ip);
      t.rows.push_back({{ip_text(ip) + (name.empty() ? "" : " (" + name + ")"), ip_text(ip)},
                        count_cell(p->destinations.count(), est), {est ? "yes" : "no"}, count_cell(p->records),
                        count_cell(p->bytes)});
      if (labels.size() < n) {
        labels.push_back(ip_text(ip));
        values.push_back(static_cast<double>(p->destinations.count()));
      }
    }
    ChartStyle st;
    st.id = "unique_peers";
    st.title = "Top " + std::to_string(n) + " sources by distinct destinations";
    if (!labels.empty()) peers.chart({"unique_peers", st.title, bar_chart(labels, {{"destinations", "#3a9e5c", values}}, st)});
    if (any_estimate)
      t.note = "\xe2\x89\x88 marks estimates: above " + thousands(DistinctCounter::kExactLimit) +
               " distinct destinations a source is counted with HyperLogLog (about 1.6 % standard error).";
    if (peers_untracked_)
      t.note += (t.note.empty() ? "" : " ") + thousands(peers_untracked_) + " records of sources beyond the first " +
                thousands(ctx.opt.max_keys) + " were not ranked (raise --max-keys).";
    peers.table(std::move(t));
    Table top;
    top.name = "top_talkers";
    top.title = "Top sources by volume";
    top.cols = {{"src_ip", "Source"}, {"bytes", "Bytes", ColType::count}, {"records", "Records", ColType::count},
                {"bytes_share", "Share of bytes", ColType::percent}};
    std::vector<std::string> tl;
    std::vector<double> tv;
    for (const auto& e : talkers_.top(n)) {
      top.rows.push_back({{ip_text(e.key)}, count_cell(e.v[0], e.error > 0), count_cell(e.v[1]), share_cell(e.v[0], bytes_, rd)});
      tl.push_back(ip_text(e.key));
      tv.push_back(static_cast<double>(e.v[0]));
    }
    if (talkers_.approximate())
      top.note = "More than " + thousands(talkers_.cap()) + " sources: space-saving estimates (high by at most " +
                 bytes_text(talkers_.max_error()) + ").";
    ChartStyle ts;
    ts.id = "top_talkers";
    ts.title = "Top " + std::to_string(n) + " sources by volume";
    ts.quantity = Quantity::bytes;
    if (!tl.empty()) peers.chart({"top_talkers", ts.title, bar_chart(tl, {{"bytes", "#2f6db5", tv}}, ts)});
    peers.table(std::move(top));
  }
  d.sections.push_back(std::move(peers));

  Section http{"http", "HTTP methods"};
  if (!ctx.has_field(Field::http_method)) http.note("The input has no %HTTP_METHOD: this section is empty.");
  {
    const bool per_request = !tx_methods_.empty();
    Table t;
    t.name = "http_methods";
    t.title = per_request ? "HTTP requests by method (from the HTTP transaction records)" : "HTTP methods by volume";
    if (per_request) {
      t.cols = {{"http_method", "Method"}, {"requests", "Requests", ColType::count},
                {"response_body_bytes", "Response body bytes", ColType::count}};
      for (const auto& [k, a] : tx_methods_) t.rows.push_back({{k}, count_cell(a[0]), count_cell(a[1])});
      http.paragraph("Counted per request: the input holds HTTP transaction records.");
    } else {
      std::vector<std::pair<std::string, std::array<uint64_t, 3>>> v(methods_.begin(), methods_.end());
      std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
        return a.second[1] != b.second[1] ? a.second[1] > b.second[1] : a.first < b.first;
      });
      t.cols = {{"http_method", "Method"}, {"bytes", "Bytes", ColType::count},
                {"client_to_server_bytes", "Client to server bytes", ColType::count},
                {"records", "Records", ColType::count}};
      std::vector<std::string> labels;
      std::vector<double> values;
      for (const auto& [k, a] : v) {
        t.rows.push_back({{k}, count_cell(a[1]), count_cell(a[2]), count_cell(a[0])});
        labels.push_back(k);
        values.push_back(static_cast<double>(a[1]));
      }
      ChartStyle st;
      st.id = "http_methods";
      st.title = "Bytes by HTTP method";
      st.quantity = Quantity::bytes;
      if (!labels.empty()) http.chart({"http_methods", st.title, column_chart(labels, {{"bytes", "#8a63b8", values}}, st)});
      http.paragraph("Counted per flow record (the input has no HTTP transaction records): a keep-alive flow counts "
                     "under its first request's method. TLS and QUIC flows are left out.");
    }
    http.table(std::move(t));
    Table h;
    h.name = "http_hosts";
    h.title = "Top HTTP hosts";
    h.cols = {{"http_host", "Host"}, {"records", "Records", ColType::count}, {"bytes", "Bytes", ColType::count}};
    for (const auto& e : hosts_.top(n)) h.rows.push_back({{e.key}, count_cell(e.v[0], e.error > 0), count_cell(e.v[1])});
    h.note = approx_note("Host counts", hosts_);
    http.table(std::move(h));
  }
  d.sections.push_back(std::move(http));

  Section dns{"dns", "DNS"};
  if (!ctx.has_field(Field::dns_query)) dns.note("The input has no %DNS_QUERY: this section is empty.");
  {
    Table t;
    t.name = "dns_names";
    t.title = "Top DNS query names";
    t.cols = {{"dns_query", "Query name"}, {"records", "Records", ColType::count}};
    std::vector<std::string> labels;
    std::vector<double> values;
    for (const auto& e : dns_.top(n)) {
      t.rows.push_back({{e.key}, count_cell(e.v[0], e.error > 0)});
      labels.push_back(e.key);
      values.push_back(static_cast<double>(e.v[0]));
    }
    t.note = approx_note("Query counts", dns_);
    ChartStyle st;
    st.id = "dns_names";
    st.title = "Top DNS query names";
    if (!labels.empty()) dns.chart({"dns_names", st.title, bar_chart(labels, {{"records", "#2fb0c4", values}}, st)});
    dns.table(std::move(t));
    Table r;
    r.name = "dns_rcodes";
    r.title = "DNS response codes";
    r.cols = {{"rcode", "Code", ColType::count}, {"rcode_name", "Name"}, {"records", "Records", ColType::count}};
    for (const auto& [k, c] : rcodes_) r.rows.push_back({{std::to_string(k)}, {std::string(rcode_name(k))}, count_cell(c)});
    dns.table(std::move(r));
  }
  d.sections.push_back(std::move(dns));

  Section geo{"geo", "Countries and organisations"};
  if (!ctx.geo && !ctx.has_field(Field::dst_country))
    geo.note("No country data: the input has no %DST_IP_COUNTRY and no country database was found (run "
             "./scripts/setup, or give --city-list).");
  for (int which = 0; which < 2; ++which) {
    const auto& c = which == 0 ? countries_ : orgs_;
    Table t;
    t.name = which == 0 ? "top_countries" : "top_organisations";
    t.title = which == 0 ? "Destination countries by volume" : "Destination organisations (AS) by volume";
    t.cols = {{which == 0 ? "country" : "organisation", which == 0 ? "Country" : "Organisation"},
              {"bytes", "Bytes", ColType::count}, {"records", "Records", ColType::count},
              {"bytes_share", "Share of bytes", ColType::percent}};
    std::vector<std::string> labels;
    std::vector<double> values;
    for (const auto& e : c.top(n)) {
      t.rows.push_back({{e.key}, count_cell(e.v[0], e.error > 0), count_cell(e.v[1]), share_cell(e.v[0], bytes_, rd)});
      labels.push_back(e.key);
      values.push_back(static_cast<double>(e.v[0]));
    }
    t.note = approx_note(which == 0 ? "Country volumes" : "Organisation volumes", c);
    ChartStyle st;
    st.id = t.name;
    st.title = t.title;
    st.quantity = Quantity::bytes;
    if (!labels.empty())
      geo.chart({t.name, t.title, bar_chart(labels, {{"bytes", which == 0 ? "#c9453b" : "#8c6d4f", values}}, st)});
    geo.table(std::move(t));
  }
  d.sections.push_back(std::move(geo));
  return d;
}

}  // namespace

std::unique_ptr<Aggregator> make_traffic_report(const Context& ctx) { return std::make_unique<TrafficReport>(ctx); }

}  // namespace flowprobe::report
