// The monthly SOC report (spec §1.3, §2.4, §3.3): service overview, summary with month-
// over-month, per-function alert analysis and statistics, event top 10, and the human
// sections from the annotations file.
#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "report/reports.hpp"
#include "report/sketch.hpp"
#include "report/soc_rules.hpp"
#include "report/svg_chart.hpp"

namespace flowprobe::report {

namespace {

constexpr std::array<const char*, kLevels> kLevelColors = {"#7a0a0a", "#d23b3b", "#f08a24", "#f0c431"};
constexpr const char* kEstablishedColor = "#3a78c2";
constexpr const char* kBlockedColor = "#c9453b";

struct CollapseKey {
  Function fn;
  uint32_t sid;
  IpKey src, dst;
  int day;
  bool operator==(const CollapseKey&) const = default;
};
struct CollapseKeyHash {
  std::size_t operator()(const CollapseKey& k) const noexcept {
    IpKeyHash h;
    return mix64(h(k.src) * 31 + h(k.dst) + (uint64_t{k.sid} << 8) + static_cast<uint64_t>(k.fn) + (uint64_t(k.day) << 40));
  }
};

struct Collapsed {
  uint64_t count = 0;
  int64_t first = 0;
  Level level = Level::none;
  int severity = 3;
  std::string signature, category, cid;
  uint16_t dst_port = 0;
};

struct EventAgg {
  std::string signature, category;
  Function fn = Function::none;
  int severity = 3;
  uint64_t count = 0;
  int64_t first = INT64_MAX, last = 0;
  std::map<IpKey, uint64_t> internal_hosts;  // bounded below
  std::map<IpKey, uint64_t> peers;           // the other side
  uint64_t outbound = 0, inbound = 0, other_dir = 0;
  std::vector<std::string> cids;             // for established-or-not, bounded
};

struct Join {
  ConnClass cls = ConnClass::established;
  std::string category, url;
};

struct Period {
  explicit Period(std::size_t cap) : src(cap), dst(cap) {}
  uint64_t total = 0, blocked = 0;
  TopCounter<IpKey, IpKeyHash> src, dst;
  std::array<std::array<uint64_t, kLevels>, kFunctions> alerts{};  // collapsed alerts, function × level
  std::array<uint64_t, 4> direction{};                             // ii, ie, ei, ee
  std::unordered_set<CollapseKey, CollapseKeyHash> seen;           // previous period: keys only
};

enum Dir { kInIn, kInOut, kOutIn, kOutOut };
constexpr const char* kDirNames[] = {"internal \xe2\x86\x94 internal", "internal \xe2\x86\x92 external",
                                     "external \xe2\x86\x92 internal", "external \xe2\x86\x92 external"};

class SocReport final : public Aggregator {
 public:
  explicit SocReport(const Context& ctx)
      : ctx_(ctx), p_{Period(ctx.opt.max_keys), Period(ctx.opt.max_keys)}, ports_(ctx.opt.max_keys),
        categories_(ctx.opt.max_keys), blocked_services_(65536 * 3) {
    const std::size_t days = ctx.time.current.days();
    fw_daily_.assign(days, {});
    url_daily_.assign(days, {});
    alert_daily_.assign(days, {});
    const int64_t span = ctx.time.current.end - ctx.time.current.begin;
    minutes_.assign(static_cast<std::size_t>(span / 60 + 1), false);
  }

  void on_flow(const FlowRec& f, int period, int day) override {
    Period& p = p_[period];
    const ConnClass cls = conn_class(f, ctx_.opt.udp_s0_not_established);
    const bool blocked = cls == ConnClass::not_established;
    ++p.total;
    p.blocked += blocked;
    p.src.add(f.src, 1);
    p.dst.add(f.dst, 1);
    const bool in_src = ctx_.internal(f.src), in_dst = ctx_.internal(f.dst);
    const int dir = in_src ? (in_dst ? kInIn : kInOut) : (in_dst ? kOutIn : kOutOut);
    ++p.direction[static_cast<std::size_t>(dir)];
    if (period != 0) return;

    fw_daily_[static_cast<std::size_t>(day)][blocked ? 1 : 0]++;
    if (f.protocol == 6 || f.protocol == 17 || f.protocol == 132)
      ports_.add(uint32_t{f.dst_port} << 8 | f.protocol, 1);
    std::string_view l7 = f.l7_name.empty() ? f.l7_proto : f.l7_name;
    const bool unknown_app = l7.empty() || l7 == "Unknown" || l7 == "0";
    if (blocked) {
      blocked_services_.add(uint32_t{f.dst_port} << 8 | f.protocol, 1);
      unknown_app_blocked_ += unknown_app;
    }
    dir_services_[static_cast<std::size_t>(dir)].add(uint32_t{f.dst_port} << 8 | f.protocol, 1);
    const std::string_view master = l7.substr(0, l7.find('.'));
    const bool web = !f.http_host.empty() || !f.http_url.empty() || !f.tls_sni.empty() || master == "HTTP" ||
                     master == "TLS" || master == "QUIC" || master == "7" || master == "91" || master == "188";
    if (web) {
      url_daily_[static_cast<std::size_t>(day)][blocked ? 1 : 0]++;
      ++web_records_;
      if (!f.l7_category.empty()) {
        categories_.add(std::string(f.l7_category), 1);
        if (std::find(ctx_.opt.watched_categories.begin(), ctx_.opt.watched_categories.end(), f.l7_category) !=
            ctx_.opt.watched_categories.end()) {
          auto& w = watched_[{url_of(f), std::string(f.l7_category)}];
          if (w.second == 0 || f.first < w.first) w.first = f.first;
          ++w.second;
        }
      }
    }
    if (f.alerts > 0 && !f.community_id.empty() && join_.size() < ctx_.opt.max_keys)
      join_.try_emplace(std::string(f.community_id), Join{cls, std::string(f.l7_category), url_of(f)});
    // Coverage for the availability figure (data gaps).
    const int64_t b = std::max(f.first, ctx_.time.current.begin), e = std::min(std::max(f.last, f.first), ctx_.time.current.end - 1);
    for (int64_t m = (b - ctx_.time.current.begin) / 60; m <= (e - ctx_.time.current.begin) / 60 && m < static_cast<int64_t>(minutes_.size()); ++m)
      minutes_[static_cast<std::size_t>(m)] = true;
    if (last_sensor_ == nullptr || last_sensor_name_ != f.instance) {
      last_sensor_ = &sensors_[std::string(f.instance)];
      last_sensor_key_ = std::string(f.instance);
      last_sensor_name_ = last_sensor_key_;
    }
    ++last_sensor_->records;
  }

  void on_alert(const AlertRec& a, int period, int day) override {
    Function fn = function_of_category(a.category);
    if (auto it = ctx_.ann.function_override.find(std::to_string(a.sid)); it != ctx_.ann.function_override.end())
      parse_function(it->second, fn);
    else if (auto it2 = ctx_.ann.function_override.find(std::string(a.category)); it2 != ctx_.ann.function_override.end())
      parse_function(it2->second, fn);
    Level lv = level_of(a.severity, ctx_.opt.shifted_levels);
    if (std::find(ctx_.ann.fatal_sids.begin(), ctx_.ann.fatal_sids.end(), a.sid) != ctx_.ann.fatal_sids.end())
      lv = Level::fatal;
    if (period == 0) {
      ++alerts_read_;
      if (fn == Function::none) ++alerts_no_function_;
      auto& c = by_category_[std::string(a.category.empty() ? "(no category)" : a.category)];
      c.fn = fn;
      ++c.lines;
    }
    if (fn == Function::none) return;
    const std::size_t fi = static_cast<std::size_t>(fn);
    const CollapseKey key{fn, a.sid, a.src, a.dst, day};
    if (lv != Level::none) {
      if (period == 1) {
        if (p_[1].seen.insert(key).second) ++p_[1].alerts[fi][static_cast<std::size_t>(lv)];
      } else {
        auto [it, added] = collapsed_.try_emplace(key);
        Collapsed& c = it->second;
        if (added) {
          c.first = a.ts;
          c.level = lv;
          c.severity = a.severity;
          c.signature = a.signature;
          c.category = a.category;
          c.cid = a.community_id;
          c.dst_port = a.dst_port;
          ++p_[0].alerts[fi][static_cast<std::size_t>(lv)];
          ++alert_daily_[static_cast<std::size_t>(day)][fi][static_cast<std::size_t>(lv)];
          ++by_category_[std::string(a.category.empty() ? "(no category)" : a.category)].alerts;
        }
        ++c.count;
        c.first = std::min(c.first, a.ts);
      }
    }
    if (period != 0) return;
    // Detections of the alert-based functions, split by the joined flow's class at the end.
    if (fn != Function::firewall && fn != Function::url) {
      auto& d = detections_[{static_cast<int>(fn), day, std::string(a.community_id)}];
      ++d;
    }
    // Event top 10: Vulnerability, Anti-spyware, Antivirus, WildFire, severity high or medium.
    if (fn != Function::firewall && fn != Function::url && a.severity >= 1 && a.severity <= 2) {
      EventAgg& e = events_[a.sid];
      if (e.count == 0) {
        e.signature = a.signature;
        e.category = a.category;
        e.fn = fn;
        e.severity = a.severity;
      }
      ++e.count;
      e.first = std::min(e.first, a.ts);
      e.last = std::max(e.last, a.ts);
      const bool in_src = ctx_.internal(a.src), in_dst = ctx_.internal(a.dst);
      const IpKey& inner = in_src == in_dst ? a.src : (in_src ? a.src : a.dst);
      const IpKey& outer = in_src == in_dst ? a.dst : (in_src ? a.dst : a.src);
      if (e.internal_hosts.size() < 100000 || e.internal_hosts.count(inner)) ++e.internal_hosts[inner];
      if (e.peers.size() < 100000 || e.peers.count(outer)) ++e.peers[outer];
      if (in_src && !in_dst) ++e.outbound;
      else if (!in_src && in_dst) ++e.inbound;
      else ++e.other_dir;
      if (e.cids.size() < 1000 && !a.community_id.empty()) e.cids.emplace_back(a.community_id);
    }
  }

  Document build(const Context& ctx) override;

 private:
  static std::string url_of(const FlowRec& f) {
    if (!f.http_host.empty()) return std::string(f.http_host) + std::string(f.http_url);
    if (!f.tls_sni.empty()) return std::string(f.tls_sni);
    if (!f.dns_query.empty()) return std::string(f.dns_query);
    return {};
  }
  ConnClass joined_class(const std::string& cid) const {
    auto it = join_.find(cid);
    return it == join_.end() ? ConnClass::established : it->second.cls;
  }

  void overview(Document& d, const Context& ctx);
  void summary(Document& d, const Context& ctx);
  void statistics(Document& d, const Context& ctx);
  void events(Document& d, const Context& ctx);
  void human(Document& d, const Context& ctx);

  const Context& ctx_;
  std::array<Period, 2> p_;
  std::vector<std::array<uint64_t, 2>> fw_daily_, url_daily_;  // established, not
  std::vector<std::array<std::array<uint64_t, kLevels>, kFunctions>> alert_daily_;
  std::map<std::tuple<int, int, std::string>, uint64_t> detections_;  // (function, day, community id)
  TopCounter<uint32_t> ports_;
  TopCounter<std::string> categories_;
  TopCounter<uint32_t> blocked_services_;
  std::array<TopCounter<uint32_t>, 4> dir_services_{TopCounter<uint32_t>(1 << 18), TopCounter<uint32_t>(1 << 18),
                                                 TopCounter<uint32_t>(1 << 18), TopCounter<uint32_t>(1 << 18)};
  std::map<std::pair<std::string, std::string>, std::pair<int64_t, uint64_t>> watched_;  // (url, category) → first, count
  std::unordered_map<CollapseKey, Collapsed, CollapseKeyHash> collapsed_;
  std::map<uint32_t, EventAgg> events_;
  struct CategoryCount {
    Function fn = Function::none;
    uint64_t lines = 0, alerts = 0;
  };
  std::map<std::string, CategoryCount> by_category_;  // eve alert.category
  std::unordered_map<std::string, Join> join_;
  std::vector<bool> minutes_;
  struct SensorSeen {
    uint64_t records = 0;
  };
  std::map<std::string, SensorSeen> sensors_;
  SensorSeen* last_sensor_ = nullptr;  // records come in runs from one sensor
  std::string last_sensor_key_;
  std::string_view last_sensor_name_;
  uint64_t unknown_app_blocked_ = 0, web_records_ = 0, alerts_read_ = 0, alerts_no_function_ = 0;
};

Cell count_cell(uint64_t n) { return {thousands(n), std::to_string(n)}; }
Cell text_cell(std::string s) { return {std::move(s)}; }
Cell ratio_cell(const std::string& s) { return {s, s == "-" ? "" : s.substr(0, s.find_first_of("%p"))}; }
Cell place_cells_country(const Context& ctx, const IpKey& ip) {
  const Place p = ctx.place(ip);
  return {p.local || p.country.empty() ? "-" : p.country};
}
Cell place_cells_org(const Context& ctx, const IpKey& ip) {
  const Place p = ctx.place(ip);
  return {p.local || p.org.empty() ? "-" : p.org};
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(c));
  return s;
}

// "Previous month" (the column heading; lower(...) in sentences).
std::string previous_label(const Context& ctx) {
  std::string s(previous_period_name(ctx.time.period));
  s[0] = static_cast<char>(std::toupper(s[0]));
  return s;
}

std::string narrative(const Context& ctx, const char* key) {
  auto it = ctx.ann.narrative.find(key);
  return it == ctx.ann.narrative.end() ? std::string() : it->second;
}

Chart level_mom_chart(const std::string& id, const std::string& title, const std::array<uint64_t, kLevels>& prev,
                      const std::array<uint64_t, kLevels>& cur) {
  std::vector<std::string> labels;
  std::vector<double> a, b;
  for (int l = 0; l < kLevels; ++l) {
    labels.push_back(std::string(level_name(static_cast<Level>(l))));
    a.push_back(static_cast<double>(prev[static_cast<std::size_t>(l)]));
    b.push_back(static_cast<double>(cur[static_cast<std::size_t>(l)]));
  }
  ChartStyle st;
  st.id = id;
  st.title = title;
  st.mode = BarMode::grouped;
  st.width = 560;
  return {id, title, column_chart(labels, {{"Previous", "#a9b4c2", a}, {"This period", "#2f6db5", b}}, st)};
}

Table level_mom_table(const std::string& name, const std::string& title, const std::array<uint64_t, kLevels>& prev,
                      const std::array<uint64_t, kLevels>& cur, Rounding r, const std::string& prev_label) {
  Table t;
  t.name = name;
  t.title = title;
  t.sortable = false;
  t.cols = {{"severity", "Severity"}, {"previous", prev_label, ColType::count}, {"this", "This period", ColType::count},
            {"vs_previous", "Vs previous", ColType::percent}};
  uint64_t tp = 0, tc = 0;
  for (int l = 0; l < kLevels; ++l) {
    const uint64_t a = prev[static_cast<std::size_t>(l)], b = cur[static_cast<std::size_t>(l)];
    tp += a;
    tc += b;
    t.rows.push_back({text_cell(std::string(level_name(static_cast<Level>(l)))), count_cell(a), count_cell(b),
                      ratio_cell(mom_ratio(a, b, r))});
  }
  t.total = {text_cell("Total"), count_cell(tp), count_cell(tc), ratio_cell(mom_ratio(tp, tc, r))};
  return t;
}

void SocReport::overview(Document& d, const Context& ctx) {
  const Window& w = ctx.time.current;
  Section s{"overview", "i. Service overview"};
  s.paragraph("Monitoring period: " + format_local(w.begin, "%Y-%m-%d %H:%M") + " ~ " +
              format_local(w.end - 60, "%Y-%m-%d %H:%M") + " (" + time_zone_name() + ").");
  if (!ctx.ann.network_diagram.empty()) {
    std::ifstream in(ctx.ann.network_diagram, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string img = ss.str();
    const std::string path = ctx.ann.network_diagram;
    const std::string ext = path.substr(path.find_last_of('.') + 1);
    if (in && !img.empty() && img.size() < (8u << 20) && (ext == "png" || ext == "jpg" || ext == "jpeg")) {
      // Embedded as a data: URI, the only image source the page's policy allows.
      static const char* b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
      std::string enc;
      for (std::size_t i = 0; i < img.size(); i += 3) {
        const uint32_t n = (static_cast<uint8_t>(img[i]) << 16) |
                           (i + 1 < img.size() ? static_cast<uint8_t>(img[i + 1]) << 8 : 0) |
                           (i + 2 < img.size() ? static_cast<uint8_t>(img[i + 2]) : 0);
        enc += b64[n >> 18 & 63];
        enc += b64[n >> 12 & 63];
        enc += i + 1 < img.size() ? b64[n >> 6 & 63] : '=';
        enc += i + 2 < img.size() ? b64[n & 63] : '=';
      }
      s.chart({"network_diagram", "i.1 Network diagram",
               "<img class=\"chart-img\" alt=\"network diagram\" style=\"max-width:100%\" src=\"data:image/" +
                   std::string(ext == "png" ? "png" : "jpeg") + ";base64," + enc + "\">"});
    } else {
      s.note("i.1 Network diagram: '" + path + "' could not be embedded (a PNG or JPEG under 8 MiB is needed).");
    }
  }
  // i.3 sensors
  Table sensors;
  sensors.name = "sensors";
  sensors.title = "i.3 Security devices (sensors seen in the data)";
  sensors.sortable = false;
  sensors.cols = {{"device", "Device"}, {"function", "Function"}, {"host_name", "Host name"}, {"ip_address", "IP address"},
                  {"records", "Flow records", ColType::count}};
  for (const auto& [name, seen] : sensors_) {
    std::string host = name.empty() ? "-" : name, ip = "-";
    for (const SensorInfo& si : ctx.ann.sensors)
      if (si.name == name || (name.empty() && ctx.ann.sensors.size() == 1)) {
        if (!si.host.empty()) host = si.host;
        if (!si.ip.empty()) ip = si.ip;
      }
    sensors.rows.push_back({text_cell("flowprobe " + ctx.opt.version), text_cell("network probe (flows + IDS signatures)"),
                            text_cell(host), text_cell(ip), count_cell(seen.records)});
  }
  if (sensors_.empty()) sensors.note = "No flow record in the period.";
  else if (sensors_.size() == 1 && sensors_.begin()->first.empty())
    sensors.note = "The records carry no %NPROBE_INSTANCE_NAME, so all of them count as one sensor; its host name and "
                   "address come from the annotations file ([[sensor]]).";
  s.table(std::move(sensors));

  // i.4 availability
  const int64_t period_s = w.end - w.begin;
  int64_t down = 0;
  std::string how;
  std::vector<std::pair<int64_t, int64_t>> gaps;
  if (!ctx.opt.probe_logs.empty()) {
    std::vector<int64_t> stamps;
    for (const std::string& log : ctx.opt.probe_logs) {
      std::ifstream in(log);
      std::string line;
      while (std::getline(in, line)) {
        if (line.find(" stats: ") == std::string::npos && line.find("stats:") == std::string::npos) continue;
        int64_t t = 0;
        if (parse_eve_time(line.substr(0, line.find(' ')), t) && w.contains(t)) stamps.push_back(t);
      }
    }
    std::sort(stamps.begin(), stamps.end());
    int64_t interval = 0;
    if (stamps.size() > 2) {
      std::vector<int64_t> diffs;
      for (std::size_t i = 1; i < stamps.size(); ++i) diffs.push_back(stamps[i] - stamps[i - 1]);
      std::nth_element(diffs.begin(), diffs.begin() + static_cast<std::ptrdiff_t>(diffs.size() / 2), diffs.end());
      interval = diffs[diffs.size() / 2];
    }
    const int64_t limit = std::max<int64_t>(2 * interval, 1);
    int64_t prev = w.begin;
    for (int64_t t : stamps) {
      if (t - prev > limit) gaps.emplace_back(prev, t);
      prev = t;
    }
    if (w.end - prev > limit) gaps.emplace_back(prev, w.end);
    how = "gaps longer than twice the stats interval (" + std::to_string(interval) + " s) in the probe's log";
  } else {
    const int64_t limit_min = std::max<int64_t>(ctx.opt.max_gap_s / 60, 1);
    int64_t run = 0;
    for (std::size_t m = 0; m <= minutes_.size(); ++m) {
      if (m < minutes_.size() && !minutes_[m]) {
        ++run;
        continue;
      }
      if (run > limit_min) {
        const int64_t end = w.begin + static_cast<int64_t>(m) * 60;
        gaps.emplace_back(end - run * 60, std::min(end, w.end));
      }
      run = 0;
    }
    how = "minutes with no flow record, in runs longer than " + std::to_string(ctx.opt.max_gap_s / 60) +
          " min (--max-gap; give --probe-log for the probe's own stats history)";
  }
  for (const Outage& o : ctx.ann.outages) gaps.emplace_back(std::max(o.from, w.begin), std::min(o.to, w.end));
  std::sort(gaps.begin(), gaps.end());
  int64_t covered_to = w.begin;
  for (const auto& [a, b] : gaps) {
    const int64_t from = std::max(a, covered_to);
    if (b > from) down += b - from;
    covered_to = std::max(covered_to, b);
  }
  Table av;
  av.name = "availability";
  av.title = "i.4 Service availability";
  av.sortable = false;
  av.cols = {{"availability", "Availability", ColType::percent}, {"downtime_hours", "Downtime (hours)", ColType::number},
             {"remarks", "Remarks"}};
  const std::string avail = down == 0 ? "100%" : percent(static_cast<uint64_t>(period_s - down), static_cast<uint64_t>(period_s), ctx.opt.rounding);
  std::string remark = ctx.ann.availability_remark;
  if (remark.empty()) remark = down == 0 ? "no outage recorded" : std::to_string(gaps.size()) + " gap(s)";
  av.rows.push_back({{avail, avail.substr(0, avail.size() - 1)}, {fixed(static_cast<double>(down) / 3600.0, 2)}, {remark}});
  av.note = "Downtime: " + how + (ctx.ann.outages.empty() ? "" : ", plus the outages declared in the annotations") + ".";
  s.table(std::move(av));

  // i.5 alert notifications: function × Fatal/Critical/Minor (no Warning column, as the sample)
  Table n;
  n.name = "alert_notifications";
  n.title = "i.5 Alert notification count";
  n.sortable = false;
  n.cols = {{"function", "Function"}, {"fatal", "Fatal", ColType::count}, {"critical", "Critical", ColType::count},
            {"minor", "Minor", ColType::count}};
  std::array<uint64_t, 3> tot{};
  for (int f = 0; f < kFunctions; ++f) {
    const auto& a = p_[0].alerts[static_cast<std::size_t>(f)];
    n.rows.push_back({text_cell(std::string(function_name(static_cast<Function>(f)))), count_cell(a[0]), count_cell(a[1]),
                      count_cell(a[2])});
    for (int l = 0; l < 3; ++l) tot[static_cast<std::size_t>(l)] += a[static_cast<std::size_t>(l)];
  }
  n.total = {text_cell("Total"), count_cell(tot[0]), count_cell(tot[1]), count_cell(tot[2])};
  s.table(std::move(n));

  // i.6, i.7
  const auto counts = [](const auto& items) {
    uint64_t r = 0;
    for (const auto& i : items) r += is_resolved(i.status);
    return std::pair<uint64_t, uint64_t>{r, items.size() - r};
  };
  for (int which = 0; which < 2; ++which) {
    const auto [res, open] = which == 0 ? counts(ctx.ann.inquiries) : counts(ctx.ann.work);
    Table t;
    t.name = which == 0 ? "inquiry_count" : "work_count";
    t.title = which == 0 ? "i.6 Inquiry count" : "i.7 Work count";
    t.sortable = false;
    t.cols = {{which == 0 ? "inquiries" : "work_items", which == 0 ? "Inquiries" : "Work items", ColType::count},
              {"resolved", "Resolved", ColType::count}, {"open", "Open or in progress", ColType::count}};
    t.rows.push_back({count_cell(res + open), count_cell(res), count_cell(open)});
    if (ctx.ann.path.empty()) t.note = "No annotations file (--annotations): nothing recorded.";
    s.table(std::move(t));
  }
  d.sections.push_back(std::move(s));
}

void SocReport::summary(Document& d, const Context& ctx) {
  const Rounding rd = ctx.opt.rounding;
  const std::string prev_label = previous_label(ctx);
  const Period& a = p_[1];
  const Period& b = p_[0];
  Section s{"summary", "1. Summary"};
  Section o{"overall", "1.1 Overall", 2};
  if (!narrative(ctx, "overall").empty()) o.paragraph(narrative(ctx, "overall"));
  // Facts the data gives (spec §2.4 1.1 text).
  std::vector<std::string> facts;
  if (b.total) {
    facts.push_back("Flow records: " + thousands(b.total) + " (" + mom_ratio(a.total, b.total, rd) + " of the " + lower(prev_label) +
                    ").");
    const auto top_src = b.src.top(1);
    if (!top_src.empty())
      facts.push_back("Most active source: " + ip_text(top_src[0].key) + " with " + thousands(top_src[0].v[0]) +
                      " records, " + percent(top_src[0].v[0], b.total, rd) + " of the total.");
    facts.push_back("Not established: " + percent(b.blocked, b.total, rd) + " (" +
                    mom_points(a.blocked, a.total, b.blocked, b.total, rd) + " against the " + lower(prev_label) + ").");
    const auto top_blocked = blocked_services_.top(1);
    if (!top_blocked.empty())
      facts.push_back("The service most often not established: " +
                      service_name(static_cast<uint16_t>(top_blocked[0].key >> 8), static_cast<uint8_t>(top_blocked[0].key & 0xff)) +
                      ", " + thousands(top_blocked[0].v[0]) + " records (" + percent(top_blocked[0].v[0], b.blocked, rd) +
                      " of them).");
    std::size_t main_dir = 0;
    for (std::size_t i = 1; i < 4; ++i)
      if (b.direction[i] > b.direction[main_dir]) main_dir = i;
    facts.push_back("Traffic is mostly " + std::string(kDirNames[main_dir]) + " (" + percent(b.direction[main_dir], b.total, rd) +
                    " of the records).");
  } else {
    facts.push_back("No flow record in this period.");
  }
  for (const std::string& f : facts) o.paragraph(f);
  {
    ChartStyle st;
    st.id = "records_mom";
    st.title = "Records, " + lower(prev_label) + " and this period";
    st.mode = BarMode::grouped;
    st.width = 560;
    o.chart({"records_mom", st.title,
             column_chart({"Total records", "Not established"},
                          {{"Previous", "#a9b4c2", {static_cast<double>(a.total), static_cast<double>(a.blocked)}},
                           {"This period", "#2f6db5", {static_cast<double>(b.total), static_cast<double>(b.blocked)}}},
                          st)});
  }
  Table ta;
  ta.name = "month_over_month";
  ta.title = "Table A: records and the not-established share";
  ta.sortable = false;
  ta.cols = {{"period", "Period"}, {"total", "Total records", ColType::count},
             {"not_established", "Not established (blocked analogue)", ColType::count},
             {"not_established_ratio", "Ratio", ColType::percent}};
  ta.rows.push_back({text_cell(prev_label), count_cell(a.total), count_cell(a.blocked), ratio_cell(percent(a.blocked, a.total, rd))});
  ta.rows.push_back({text_cell("This period"), count_cell(b.total), count_cell(b.blocked), ratio_cell(percent(b.blocked, b.total, rd))});
  ta.rows.push_back({text_cell("Vs previous"), ratio_cell(mom_ratio(a.total, b.total, rd)), ratio_cell(mom_ratio(a.blocked, b.blocked, rd)),
                     ratio_cell(mom_points(a.blocked, a.total, b.blocked, b.total, rd))});
  if (a.total == 0) ta.note = "No record in the " + lower(prev_label) + ": month-over-month prints \"-\".";
  o.table(std::move(ta));
  // Alert detection ratio by function (donut) and table B.
  {
    std::vector<std::string> labels, colors;
    std::vector<double> values;
    for (int f = 0; f < kFunctions; ++f) {
      uint64_t n = 0;
      for (uint64_t v : b.alerts[static_cast<std::size_t>(f)]) n += v;
      labels.push_back(std::string(function_name(static_cast<Function>(f))));
      values.push_back(static_cast<double>(n));
      colors.push_back(palette(static_cast<std::size_t>(f)));
    }
    ChartStyle st;
    st.id = "alert_ratio";
    st.title = "Alert detection ratio by function";
    o.chart({"alert_ratio", st.title, donut_chart(labels, values, colors, st)});
  }
  std::array<uint64_t, kLevels> lp{}, lc{};
  for (int f = 0; f < kFunctions; ++f)
    for (int l = 0; l < kLevels; ++l) {
      lp[static_cast<std::size_t>(l)] += a.alerts[static_cast<std::size_t>(f)][static_cast<std::size_t>(l)];
      lc[static_cast<std::size_t>(l)] += b.alerts[static_cast<std::size_t>(f)][static_cast<std::size_t>(l)];
    }
  o.table(level_mom_table("alerts_by_severity", "Table B: alerts by level", lp, lc, rd, prev_label));
  o.note("An alert is one or more eve alerts of the same function, signature, client and server on one local day; "
         "its count is the number of eve lines. Levels: severity 1 Critical, 2 Minor, 3 Warning" +
         std::string(ctx.opt.shifted_levels ? " (shifted: 1 Fatal, 2 Critical, 3 Minor, 4 Warning)" : "") +
         "; Fatal only for the signatures listed in the annotations (fatal_sids).");
  d.sections.push_back(std::move(s));
  d.sections.push_back(std::move(o));
  d.sections.push_back(Section{"functions", "1.2 Alert analysis per function"});

  // 1.2.x per function alert lists
  std::vector<std::pair<const CollapseKey*, const Collapsed*>> list;
  for (const auto& [k, c] : collapsed_) list.emplace_back(&k, &c);
  std::sort(list.begin(), list.end(), [](const auto& x, const auto& y) {
    if (x.second->first != y.second->first) return x.second->first < y.second->first;
    if (x.first->sid != y.first->sid) return x.first->sid < y.first->sid;
    return x.first->src < y.first->src;
  });
  static const char* keys[] = {"firewall", "url", "vulnerability", "spyware", "antivirus", "wildfire"};
  for (int f = 0; f < kFunctions; ++f) {
    const Function fn = static_cast<Function>(f);
    Section fs{"f-" + std::string(function_key(fn)), "1.2." + std::to_string(f + 1) + " " + std::string(function_name(fn)), 2};
    if (!narrative(ctx, keys[f]).empty()) fs.paragraph(narrative(ctx, keys[f]));
    if (fn == Function::wildfire) {
      fs.note("No data source: a passive probe has no sandbox. Signatures can be mapped here with the annotations' "
              "[function] table.");
    }
    Table t;
    t.title = "Alerts (" + std::string(function_name(fn)) + ")";
    t.html_limit = ctx.opt.html_rows;
    t.filter = true;
    std::size_t no = 0;
    const bool fw = fn == Function::firewall, url = fn == Function::url;
    if (fw) t.cols = {{"no", "No.", ColType::count}, {"time", "Detection date-time", ColType::time},
                      {"src_ip", "Source IP"}, {"dst_ip", "Destination IP"}, {"level", "Level"}};
    else if (url) t.cols = {{"no", "No.", ColType::count}, {"src_ip", "Source IP"}, {"dst_ip", "Destination IP"},
                            {"category", "Category"}, {"url", "URL"}, {"description", "Description / analysis"},
                            {"count", "Count", ColType::count}};
    else t.cols = {{"no", "No.", ColType::count}, {"time", "Occurrence date-time", ColType::time}, {"src_ip", "Source IP"},
                   {"dst_ip", "Destination IP"}, {"event", "Event name"}, {"description", "Description / analysis"},
                   {"count", "Count", ColType::count}};
    for (const auto& [k, c] : list) {
      if (k->fn != fn) continue;
      if (fw && c->level == Level::warning) continue;  // Minor and above, as the sample lists
      ++no;
      const std::string event = c->signature + "(" + std::to_string(k->sid) + ")";
      std::string desc = c->category;
      if (auto it = ctx.ann.events.find(k->sid); it != ctx.ann.events.end() && !it->second.description.empty())
        desc = it->second.description;
      if (fw) {
        t.rows.push_back({count_cell(no), {format_local(c->first)}, text_cell(ip_text(k->src)), text_cell(ip_text(k->dst)),
                          text_cell(std::string(level_name(c->level)))});
      } else if (url) {
        std::string category = c->category, u;
        if (auto it = join_.find(c->cid); it != join_.end()) {
          if (!it->second.category.empty()) category = it->second.category;
          u = it->second.url;
        }
        t.rows.push_back({count_cell(no), text_cell(ip_text(k->src)), text_cell(ip_text(k->dst)), text_cell(category),
                          text_cell(u.empty() ? "-" : defang(u)), text_cell(desc), count_cell(c->count)});
      } else {
        t.rows.push_back({count_cell(no), {format_local(c->first)}, text_cell(ip_text(k->src)), text_cell(ip_text(k->dst)),
                          text_cell(event), text_cell(desc), count_cell(c->count)});
      }
    }
    if (t.rows.empty()) t.note = "No alert in this period.";
    fs.table(std::move(t));
    if (fw) {
      fs.paragraph("Not established: " + percent(b.blocked, b.total, rd) + " of " + thousands(b.total) +
                   " records; not-established records with no application identified (L7 Unknown): " +
                   thousands(unknown_app_blocked_) + ".");
      Table dt;
      dt.name = "directions";
      dt.title = "Records by direction (HOME_NET)";
      dt.sortable = false;
      dt.cols = {{"direction", "Direction"}, {"main_service", "Main port / service"},
                 {"main_service_records", "Its records", ColType::count}, {"records", "Records", ColType::count},
                 {"vs_previous", "Vs previous", ColType::percent}};
      for (std::size_t i = 0; i < 4; ++i) {
        const auto top = dir_services_[i].top(1);
        dt.rows.push_back({text_cell(kDirNames[i]),
                           text_cell(top.empty() ? "-" : service_name(static_cast<uint16_t>(top[0].key >> 8), static_cast<uint8_t>(top[0].key & 0xff))),
                           count_cell(top.empty() ? 0 : top[0].v[0]), count_cell(b.direction[i]),
                           ratio_cell(mom_integer(a.direction[i], b.direction[i]))});
      }
      fs.table(std::move(dt));
    }
    if (url) {
      const auto cats = categories_.top(3);
      if (!cats.empty()) {
        std::string c;
        for (const auto& e : cats) c += (c.empty() ? "" : ", ") + e.key + " (" + thousands(e.v[0]) + ")";
        fs.paragraph("Most frequent categories of web records (nDPI's, the URL-category analogue): " + c + ".");
      }
      Table wt;
      wt.name = "watched_categories";
      wt.title = "Watched categories";
      wt.cols = {{"no", "No.", ColType::count}, {"time", "First detection", ColType::time},
                 {"url", "Destination URL"}, {"category", "Category"}, {"count", "Count", ColType::count}};
      std::size_t i = 0;
      for (const auto& [key, v] : watched_)
        wt.rows.push_back({count_cell(++i), {format_local(v.first)}, text_cell(key.first.empty() ? "-" : defang(key.first)),
                           text_cell(key.second), count_cell(v.second)});
      std::string watched;
      for (const auto& c : ctx.opt.watched_categories) watched += (watched.empty() ? "" : ", ") + c;
      wt.note = "Watched: " + watched + " (--watch-category).";
      fs.table(std::move(wt));
    }
    d.sections.push_back(std::move(fs));
  }
}

void SocReport::statistics(Document& d, const Context& ctx) {
  const Rounding rd = ctx.opt.rounding;
  const std::string prev_label = previous_label(ctx);
  const Window& w = ctx.time.current;
  std::vector<std::string> day_labels, day_names;
  for (int64_t t : w.day_starts) {
    day_names.push_back(format_day(t));
    day_labels.push_back(format_local(t, "%m-%d"));
  }
  // Exported once for all functions.
  Table daily_all;
  daily_all.name = "alerts_daily";
  daily_all.title = "Daily alerts by function and level";
  daily_all.export_only = true;
  daily_all.cols = {{"date", "Date"}, {"function", "Function"}, {"fatal", "Fatal", ColType::count},
                    {"critical", "Critical", ColType::count}, {"minor", "Minor", ColType::count},
                    {"warning", "Warning", ColType::count}, {"total", "Total", ColType::count}};
  Table det_all;
  det_all.name = "detections_daily";
  det_all.title = "Daily detections by function";
  det_all.export_only = true;
  det_all.cols = {{"date", "Date"}, {"function", "Function"}, {"established", "Established (allowed)", ColType::count},
                  {"not_established", "Not established (blocked analogue)", ColType::count},
                  {"total", "Total", ColType::count}};
  Table level_all;
  level_all.name = "alerts_by_function_level";
  level_all.title = "Alerts by function and level, against the previous period";
  level_all.export_only = true;
  level_all.cols = {{"function", "Function"}, {"severity", "Severity"}, {"previous", "Previous", ColType::count},
                    {"this", "This period", ColType::count}, {"vs_previous", "Vs previous", ColType::percent}};

  // Alert-based detections per function and day, by the joined flow's class.
  std::vector<std::array<std::array<uint64_t, 2>, kFunctions>> det(w.days());
  for (const auto& [k, n] : detections_) {
    const auto& [fn, day, cid] = k;
    det[static_cast<std::size_t>(day)][static_cast<std::size_t>(fn)][joined_class(cid) == ConnClass::not_established ? 1 : 0] += n;
  }
  for (int f = 0; f < kFunctions; ++f) {
    const Function fn = static_cast<Function>(f);
    const std::size_t fi = static_cast<std::size_t>(f);
    Section s{"stats-" + std::string(function_key(fn)), "2." + std::to_string(f + 1) + " Statistics: " + std::string(function_name(fn))};
    if (fn == Function::wildfire) s.note("No data source: a passive probe has no sandbox.");
    // .1 daily alerts
    Table t1;
    t1.title = "2." + std::to_string(f + 1) + ".1 Daily alert count";
    t1.sortable = false;
    t1.cols = {{"date", "Date"}, {"fatal", "Fatal", ColType::count}, {"critical", "Critical", ColType::count},
               {"minor", "Minor", ColType::count}, {"warning", "Warning", ColType::count}, {"total", "Total", ColType::count}};
    std::array<uint64_t, kLevels> sum{};
    std::vector<Series> series;
    for (int l = 0; l < kLevels; ++l) series.push_back({std::string(level_name(static_cast<Level>(l))), kLevelColors[static_cast<std::size_t>(l)], {}});
    for (std::size_t dd = 0; dd < w.days(); ++dd) {
      const auto& a = alert_daily_[dd][fi];
      uint64_t tot = 0;
      std::vector<Cell> row{text_cell(day_names[dd])};
      for (int l = 0; l < kLevels; ++l) {
        row.push_back(count_cell(a[static_cast<std::size_t>(l)]));
        tot += a[static_cast<std::size_t>(l)];
        sum[static_cast<std::size_t>(l)] += a[static_cast<std::size_t>(l)];
        series[static_cast<std::size_t>(l)].values.push_back(static_cast<double>(a[static_cast<std::size_t>(l)]));
      }
      row.push_back(count_cell(tot));
      t1.rows.push_back(row);
      std::vector<Cell> all_row{text_cell(day_names[dd]), text_cell(std::string(function_name(fn)))};
      all_row.insert(all_row.end(), row.begin() + 1, row.end());
      daily_all.rows.push_back(std::move(all_row));
    }
    uint64_t total = 0;
    t1.total = {text_cell("Total")};
    for (uint64_t v : sum) {
      t1.total.push_back(count_cell(v));
      total += v;
    }
    t1.total.push_back(count_cell(total));
    if (total == 0) {
      s.paragraph("No alerts occurred this period.");
    } else {
      ChartStyle st;
      st.id = "alerts_daily_" + std::string(function_key(fn));
      st.title = "Daily alerts by level";
      st.mode = BarMode::stacked;
      s.chart({st.id, st.title, column_chart(day_labels, series, st)});
    }
    s.table(std::move(t1));
    // .2 by level, MoM
    uint64_t prev_total = 0;
    for (uint64_t v : p_[1].alerts[fi]) prev_total += v;
    if (prev_total == 0) s.paragraph("No alerts occurred in the " + lower(prev_label) + ".");
    if (prev_total != 0 || total != 0)
      s.chart(level_mom_chart("alerts_mom_" + std::string(function_key(fn)), "Alerts by level, " + lower(prev_label) + " and this period",
                              p_[1].alerts[fi], p_[0].alerts[fi]));
    Table t2 = level_mom_table("", "2." + std::to_string(f + 1) + ".2 Alert count by level", p_[1].alerts[fi], p_[0].alerts[fi], rd,
                               prev_label);
    for (const auto& r : t2.rows) {
      std::vector<Cell> x{text_cell(std::string(function_name(fn)))};
      x.insert(x.end(), r.begin(), r.end());
      level_all.rows.push_back(std::move(x));
    }
    s.table(std::move(t2));
    // .3 daily detections
    Table t3;
    t3.title = "2." + std::to_string(f + 1) + ".3 Daily traffic detections";
    t3.sortable = false;
    t3.cols = {{"date", "Date"}, {"established", "Established (allowed)", ColType::count},
               {"not_established", "Not established (blocked analogue)", ColType::count}, {"total", "Total", ColType::count}};
    Series se{"Established (allowed)", kEstablishedColor, {}}, sn{"Not established (blocked analogue)", kBlockedColor, {}};
    uint64_t te = 0, tn = 0;
    for (std::size_t dd = 0; dd < w.days(); ++dd) {
      const std::array<uint64_t, 2> v = fn == Function::firewall ? fw_daily_[dd] : fn == Function::url ? url_daily_[dd] : det[dd][fi];
      te += v[0];
      tn += v[1];
      se.values.push_back(static_cast<double>(v[0]));
      sn.values.push_back(static_cast<double>(v[1]));
      t3.rows.push_back({text_cell(day_names[dd]), count_cell(v[0]), count_cell(v[1]), count_cell(v[0] + v[1])});
      det_all.rows.push_back({text_cell(day_names[dd]), text_cell(std::string(function_name(fn))), count_cell(v[0]),
                              count_cell(v[1]), count_cell(v[0] + v[1])});
    }
    t3.total = {text_cell("Total"), count_cell(te), count_cell(tn), count_cell(te + tn)};
    if (te + tn > 0) {
      ChartStyle st;
      st.id = "detections_daily_" + std::string(function_key(fn));
      st.title = "Daily detections, established and not";
      st.mode = BarMode::stacked;
      s.chart({st.id, st.title, column_chart(day_labels, {se, sn}, st)});
    }
    t3.note = fn == Function::firewall ? "Every flow record."
              : fn == Function::url    ? "Web flow records (HTTP host or URL, TLS SNI, or L7 HTTP/TLS/QUIC)."
                                       : "Eve alert lines of this function, by the class of the flow each joins.";
    s.table(std::move(t3));
    if (fn == Function::firewall) {
      // The connections table the issue names: all records per day with the share not established.
      Table c;
      c.name = "connections_daily";
      c.title = "Daily connections";
      c.export_only = true;
      c.cols = {{"date", "Date"}, {"established", "Established", ColType::count},
                {"not_established", "Not established", ColType::count}, {"total", "Total", ColType::count},
                {"not_established_share", "Not established share", ColType::percent}};
      std::vector<double> share;
      for (std::size_t dd = 0; dd < w.days(); ++dd) {
        const auto& v = fw_daily_[dd];
        const std::string p = percent(v[1], v[0] + v[1], rd);
        c.rows.push_back({text_cell(day_names[dd]), count_cell(v[0]), count_cell(v[1]), count_cell(v[0] + v[1]), ratio_cell(p)});
        share.push_back(v[0] + v[1] ? 100.0 * static_cast<double>(v[1]) / static_cast<double>(v[0] + v[1]) : 0);
      }
      c.total = {text_cell("Total"), count_cell(te), count_cell(tn), count_cell(te + tn), ratio_cell(percent(tn, te + tn, rd))};
      ChartStyle st;
      st.id = "not_established_share";
      st.title = "Share of records not established per day (%)";
      st.quantity = Quantity::number;
      s.chart({st.id, st.title, line_chart(day_labels, {{"not established %", kBlockedColor, share}}, st)});
      s.table(std::move(c));
      // 2.1.4, 2.1.5 top addresses; 2.1.6 ports
      for (int side = 0; side < 2; ++side) {
        const auto& cur = side == 0 ? p_[0].src : p_[0].dst;
        const auto& prev = side == 0 ? p_[1].src : p_[1].dst;
        Table t;
        t.name = side == 0 ? "top_sources" : "top_destinations";
        t.title = side == 0 ? "2.1.4 Source IP top 10" : "2.1.5 Destination IP top 10";
        t.cols = {{"no", "No", ColType::count}, {side == 0 ? "src_ip" : "dst_ip", side == 0 ? "Source IP" : "Destination IP"},
                  {"country", "Country"}, {"organisation", "Organisation"}, {"previous", prev_label, ColType::count},
                  {"this", "This period", ColType::count}, {"vs_previous", "Vs previous", ColType::percent}};
        std::vector<std::string> labels;
        std::vector<double> vt, vp;
        std::size_t no = 0;
        for (const auto& e : cur.top(ctx.opt.top_n)) {
          const auto* pe = prev.find(e.key);
          const uint64_t pv = pe ? pe->v[0] : 0;
          t.rows.push_back({count_cell(++no), text_cell(ip_text(e.key)), place_cells_country(ctx, e.key),
                            place_cells_org(ctx, e.key), count_cell(pv),
                            {(e.error ? "\xe2\x89\x88" : "") + thousands(e.v[0]), std::to_string(e.v[0]), e.error ? "est" : ""},
                            ratio_cell(mom_ratio(pv, e.v[0], rd))});
          labels.push_back(ip_text(e.key));
          vt.push_back(static_cast<double>(e.v[0]));
          vp.push_back(static_cast<double>(pv));
        }
        if (cur.approximate())
          t.note = "More than " + thousands(cur.cap()) + " distinct addresses: counts marked \xe2\x89\x88 are space-saving "
                   "estimates (high by at most " + thousands(cur.max_error()) + ").";
        ChartStyle st;
        st.id = t.name;
        st.title = t.title + " (records)";
        st.mode = BarMode::grouped;
        if (!labels.empty())
          s.chart({t.name, st.title, bar_chart(labels, {{"This period", "#2f6db5", vt}, {prev_label, "#a9b4c2", vp}}, st)});
        s.table(std::move(t));
      }
      Table pt;
      pt.name = "top_ports";
      pt.title = "2.1.6 Destination port top 10";
      pt.cols = {{"no", "No", ColType::count}, {"dst_port", "Destination port", ColType::count}, {"protocol", "Protocol"},
                 {"count", "Count", ColType::count}};
      std::vector<std::string> labels;
      std::vector<double> vals;
      std::size_t no = 0;
      for (const auto& e : ports_.top(ctx.opt.top_n)) {
        const uint16_t port = static_cast<uint16_t>(e.key >> 8);
        const uint8_t proto = static_cast<uint8_t>(e.key & 0xff);
        pt.rows.push_back({count_cell(++no), {std::to_string(port)}, text_cell(std::string(proto_name(proto))), count_cell(e.v[0])});
        labels.push_back(service_name(port, proto));
        vals.push_back(static_cast<double>(e.v[0]));
      }
      ChartStyle ps;
      ps.id = "top_ports";
      ps.title = "Destination port top 10 (records)";
      if (!labels.empty()) s.chart({"top_ports", ps.title, bar_chart(labels, {{"records", "#3a9e5c", vals}}, ps)});
      s.table(std::move(pt));
    }
    if (fn == Function::url) {
      Table ct;
      ct.name = "url_categories";
      ct.title = "2.2.4 URL category top 10";
      ct.cols = {{"no", "No", ColType::count}, {"category", "URL category"}, {"count", "Count", ColType::count}};
      std::vector<std::string> labels;
      std::vector<double> vals;
      std::size_t no = 0;
      for (const auto& e : categories_.top(ctx.opt.top_n)) {
        ct.rows.push_back({count_cell(++no), text_cell(e.key), count_cell(e.v[0])});
        labels.push_back(e.key);
        vals.push_back(static_cast<double>(e.v[0]));
      }
      ct.note = "Categories are nDPI's (%L7_PROTO_CATEGORY) over web records: a passive probe has no URL-category database.";
      if (!ctx.has_field(Field::l7_category)) ct.note = "The input has no %L7_PROTO_CATEGORY: no category to count.";
      ChartStyle st;
      st.id = "url_categories";
      st.title = "URL category top 10 (records)";
      if (!labels.empty()) s.chart({"url_categories", st.title, bar_chart(labels, {{"records", "#d774b4", vals}}, st)});
      s.table(std::move(ct));
    }
    d.sections.push_back(std::move(s));
  }
  Section ex{"stats-export", "Exports", 2};
  ex.table(std::move(daily_all));
  ex.table(std::move(det_all));
  ex.table(std::move(level_all));
  d.sections.back().blocks.insert(d.sections.back().blocks.end(), ex.blocks.begin(), ex.blocks.end());
}

void SocReport::events(Document& d, const Context& ctx) {
  Section s{"events", "2.7 Event top 10"};
  s.paragraph("Events of Vulnerability protection, Anti-spyware, Antivirus and WildFire with device severity high or "
              "medium (low and informational are left out), counted in eve alert lines.");
  std::vector<std::pair<uint32_t, const EventAgg*>> v;
  for (const auto& [sid, e] : events_) v.emplace_back(sid, &e);
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
    return a.second->count != b.second->count ? a.second->count > b.second->count : a.first < b.first;
  });
  if (v.size() > 10) v.resize(10);
  Table t;
  t.name = "top_signatures";
  t.title = "2.7.1 Event top 10";
  t.cols = {{"no", "No.", ColType::count}, {"event", "Event name"}, {"signature_id", "Signature id", ColType::count, true},
            {"function", "Function"}, {"severity", "Severity"}, {"count", "Count", ColType::count}};
  std::size_t no = 0;
  for (const auto& [sid, e] : v)
    t.rows.push_back({count_cell(++no), text_cell(e->signature + "(" + std::to_string(sid) + ")"), {std::to_string(sid)},
                      text_cell(std::string(function_name(e->fn))), text_cell(std::string(device_severity(e->severity))),
                      count_cell(e->count)});
  if (v.empty()) t.note = "No such event in this period.";
  s.table(std::move(t));
  d.sections.push_back(std::move(s));
  no = 0;
  for (const auto& [sid, e] : v) {
    Section ds{"event-" + std::to_string(sid), "2.7.2." + std::to_string(++no) + " " + e->signature + "(" + std::to_string(sid) + ")", 2};
    const auto ann = ctx.ann.events.find(sid);
    ds.paragraph("Event description: " + (ann != ctx.ann.events.end() && !ann->second.description.empty()
                                              ? ann->second.description
                                              : e->category + ". Signature: " + e->signature + "."));
    uint64_t est = 0, not_est = 0;
    for (const std::string& cid : e->cids) (joined_class(cid) == ConnClass::established ? est : not_est)++;
    const IpKey* top_peer = nullptr;
    uint64_t peer_n = 0;
    for (const auto& [ip, n] : e->peers)
      if (n > peer_n) top_peer = &ip, peer_n = n;
    std::string analysis = "Direction: " + std::string(e->outbound >= e->inbound ? "internal \xe2\x86\x92 external" : "external \xe2\x86\x92 internal") +
                           " (" + thousands(e->outbound) + " outbound, " + thousands(e->inbound) + " inbound, " +
                           thousands(e->other_dir) + " other).";
    if (top_peer) {
      const Place p = ctx.place(*top_peer);
      analysis += " Main peer: " + ip_text(*top_peer) + " (" + (p.local ? "private" : p.country.empty() ? "country unknown" : p.country) +
                  (p.org.empty() ? "" : ", " + p.org) + ").";
    }
    analysis += " Joined flows: " + thousands(est) + " established, " + thousands(not_est) + " not established";
    analysis += ". First " + format_local(e->first) + ", last " + format_local(e->last) + ".";
    if (ann != ctx.ann.events.end() && !ann->second.analysis.empty()) analysis += " " + ann->second.analysis;
    ds.paragraph("Event analysis: " + analysis);
    std::vector<std::pair<IpKey, uint64_t>> hosts(e->internal_hosts.begin(), e->internal_hosts.end());
    std::sort(hosts.begin(), hosts.end(), [](const auto& a, const auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
    if (hosts.size() > 5) hosts.resize(5);
    Table ht;
    ht.title = std::string(e->outbound >= e->inbound ? "Source" : "Destination") + " IP status (top 5)";
    ht.cols = {{"ip", "IP"}, {"country", "Country"}, {"organisation", "Organisation"}, {"count", "Count", ColType::count}};
    for (const auto& [ip, n] : hosts)
      ht.rows.push_back({text_cell(ip_text(ip)), place_cells_country(ctx, ip), place_cells_org(ctx, ip), count_cell(n)});
    ds.table(std::move(ht));
    d.sections.push_back(std::move(ds));
  }
  // The alert list: every collapsed alert of the period.
  Table all;
  all.name = "alerts";
  all.title = "Alert list";
  all.filter = true;
  all.html_limit = ctx.opt.html_rows;
  all.cols = {{"time", "First seen", ColType::time}, {"function", "Function"}, {"level", "Level"},
              {"src_ip", "Source IP"}, {"dst_ip", "Destination IP"}, {"dst_port", "Port", ColType::count},
              {"event", "Event name"}, {"category", "Category"}, {"count", "Count", ColType::count}};
  std::vector<std::pair<const CollapseKey*, const Collapsed*>> list;
  for (const auto& [k, c] : collapsed_) list.emplace_back(&k, &c);
  std::sort(list.begin(), list.end(), [](const auto& x, const auto& y) {
    if (x.second->first != y.second->first) return x.second->first < y.second->first;
    if (x.first->sid != y.first->sid) return x.first->sid < y.first->sid;
    return x.first->src < y.first->src;
  });
  for (const auto& [k, c] : list)
    all.rows.push_back({{format_local(c->first)}, text_cell(std::string(function_name(k->fn))),
                        text_cell(std::string(level_name(c->level))), text_cell(ip_text(k->src)), text_cell(ip_text(k->dst)),
                        {std::to_string(c->dst_port)}, text_cell(c->signature + "(" + std::to_string(k->sid) + ")"),
                        text_cell(c->category), count_cell(c->count)});
  Section al{"alert-list", "Alert list"};
  if (alerts_no_function_)
    al.note(thousands(alerts_no_function_) + " of " + thousands(alerts_read_) +
            " alert lines have a category no monitoring function takes (Misc activity, Not Suspicious Traffic...): "
            "they are counted nowhere else (map them with the annotations' [function] table).");
  if (!ctx.has_field(Field::alerts) || !ctx.has_field(Field::community_id))
    al.note("The flow records lack %ALERTS or %COMMUNITY_ID, so alerts are not joined to their flows: URL, category "
            "and the established class of alert detections come from the alerts alone (counted as established).");
  Table cat;
  cat.name = "alerts_by_category";
  cat.title = "Alerts by category";
  cat.cols = {{"category", "Category (eve)"}, {"function", "Function"}, {"eve_alerts", "Eve alert lines", ColType::count},
              {"alerts", "Alerts (collapsed)", ColType::count}};
  std::vector<std::pair<std::string, CategoryCount>> cats(by_category_.begin(), by_category_.end());
  std::stable_sort(cats.begin(), cats.end(), [](const auto& x, const auto& y) { return x.second.lines > y.second.lines; });
  for (const auto& [k, c] : cats)
    cat.rows.push_back({text_cell(k), text_cell(std::string(function_name(c.fn))), count_cell(c.lines), count_cell(c.alerts)});
  if (cats.empty()) cat.note = "No alert in this period.";
  al.table(std::move(cat));
  al.table(std::move(all));
  d.sections.push_back(std::move(al));
}

void SocReport::human(Document& d, const Context& ctx) {
  Section s{"history", "3. Inquiry history, 4. Work breakdown, 5. Alert notification history"};
  const char* none = "Nothing recorded (these come from the annotations file, --annotations).";
  Table inq;
  inq.name = "inquiries";
  inq.title = "3. Inquiry history";
  inq.cols = {{"id", "Inquiry no."}, {"time", "Inquiry date-time"}, {"question", "Question"}, {"answer", "Answer"}, {"status", "Status"}};
  for (const Inquiry& i : ctx.ann.inquiries) inq.rows.push_back({{i.id}, {i.time}, {i.question}, {i.answer}, {i.status}});
  if (inq.rows.empty()) inq.note = none;
  s.table(std::move(inq));
  Table work;
  work.name = "work";
  work.title = "4. Work breakdown";
  work.cols = {{"date", "Work date"}, {"description", "Work done"}, {"status", "Status"}};
  for (const WorkItem& w : ctx.ann.work) work.rows.push_back({{w.date}, {w.description}, {w.status}});
  if (work.rows.empty()) work.note = none;
  s.table(std::move(work));
  // ii.5: collapsed alerts grouped by (day, function, signature).
  std::map<std::tuple<int, int, uint32_t>, std::pair<uint64_t, std::string>> hist;
  for (const auto& [k, c] : collapsed_) {
    if (c.level == Level::warning) continue;
    auto& h = hist[{k.day, static_cast<int>(k.fn), k.sid}];
    ++h.first;
    h.second = c.signature;
  }
  Table nh;
  nh.name = "notification_history";
  nh.title = "5. Alert notification history";
  nh.cols = {{"date", "Sent date"}, {"report_number", "Report number"}, {"function", "Function"},
             {"event", "Detected event"}, {"count", "Count", ColType::count}};
  for (const auto& [k, v] : hist) {
    const auto& [day, fn, sid] = k;
    const std::string date = format_day(ctx.time.current.day_starts[static_cast<std::size_t>(day)]);
    std::string number = "-";
    for (const Notification& n : ctx.ann.notifications)
      if (n.signature_id == sid && (n.date.empty() || n.date == date)) number = n.report_number;
    nh.rows.push_back({{date}, {number}, {std::string(function_name(static_cast<Function>(fn)))},
                       {v.second + "(" + std::to_string(sid) + ")"}, count_cell(v.first)});
  }
  if (nh.rows.empty()) nh.note = "No alert of level Minor or above in this period.";
  s.table(std::move(nh));
  d.sections.push_back(std::move(s));
}

Document SocReport::build(const Context& ctx) {
  Document d;
  d.name = "soc";
  d.cover_page = true;
  const std::string_view period = period_name(ctx.time.period);
  d.title = "Security operation monitoring: " + std::string(period == "day" ? "dai" : period) + "ly analysis report";
  d.subtitle = ctx.ann.customer.empty() ? "" : ctx.ann.customer;
  const Window& w = ctx.time.current;
  d.meta = {{"Period", format_day(w.begin) + " \xe2\x80\x93 " + format_day(w.end - 1)},
            {"Type", "Network probe"},
            {"Product", "flowprobe " + ctx.opt.version},
            {"Created", format_local(time(nullptr), "%Y-%m-%d")}};
  if (!ctx.ann.issuer.empty()) d.meta.emplace_back("Issuer", ctx.ann.issuer);
  if (!ctx.ann.document_number.empty()) d.meta.emplace_back("Document number", ctx.ann.document_number);
  overview(d, ctx);
  summary(d, ctx);
  statistics(d, ctx);
  events(d, ctx);
  human(d, ctx);
  return d;
}

}  // namespace

std::unique_ptr<Aggregator> make_soc_report(const Context& ctx) { return std::make_unique<SocReport>(ctx); }

}  // namespace flowprobe::report
