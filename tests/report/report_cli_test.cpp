// `flowprobe report` end to end: a generated month of flows and alerts whose counts were
// planned (flowprobe-recordgen --truth), read from files (numeric keys, labels, rotated
// and gzip names) and from Kafka (the mock broker as its own process), damaged lines
// counted, the HTML opened in headless Chromium and the PDF cut into pages by pdftoppm.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <simdjson.h>

#include <chrono>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "../integration/export_support.hpp"
#include "report/format.hpp"
#include "support/run_program.hpp"

namespace fs = std::filesystem;
using namespace flowprobe::test;
using flowprobe::report::mom_ratio;
using flowprobe::report::percent;

namespace {

fs::path recordgen_binary() { return build_root() / "app" / "recordgen" / "flowprobe-recordgen"; }

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> lines_of(const fs::path& p) {
  std::vector<std::string> out;
  std::ifstream in(p);
  std::string l;
  while (std::getline(in, l)) out.push_back(l);
  return out;
}

// A month of data with the generator's truth, made once per test binary.
struct Dataset {
  fs::path dir, truth;
};
Dataset make_data(const std::string& name, const std::vector<std::string>& extra) {
  const fs::path dir = scratch_dir("report_" + name);
  const fs::path truth = dir.parent_path() / ("report_" + name + "_truth.json");  // not among the inputs
  std::vector<std::string> argv{recordgen_binary().string(), "--month", "2026-11", "--out-dir", dir.string(),
                                "--truth", truth.string()};
  argv.insert(argv.end(), extra.begin(), extra.end());
  const ProgramResult r = run_program(argv);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return {dir, truth};
}

ProgramResult report(const std::vector<std::string>& args) {
  std::vector<std::string> argv{flowprobe_binary().string(), "report"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_program(argv);
}

// A report's JSON table as rows of column → text.
using Rows = std::vector<std::map<std::string, std::string>>;
Rows table(const fs::path& json, const std::string& name) {
  simdjson::dom::parser p;
  simdjson::dom::element doc;
  Rows out;
  const std::string text = slurp(json);
  if (p.parse(text).get(doc)) {
    ADD_FAILURE() << json << " is not JSON";
    return out;
  }
  simdjson::dom::element t;
  if (doc["tables"][name].get(t)) {
    ADD_FAILURE() << json << " has no table " << name;
    return out;
  }
  for (simdjson::dom::element row : t["rows"].get_array()) {
    std::map<std::string, std::string> r;
    for (auto [k, v] : row.get_object()) {
      if (v.is_string()) r[std::string(k)] = std::string(std::string_view(v));
      else r[std::string(k)] = simdjson::minify(v);
    }
    out.push_back(std::move(r));
  }
  return out;
}

simdjson::dom::element truth_of(simdjson::dom::parser& p, const fs::path& f) {
  static std::string keep;
  keep = slurp(f);
  return p.parse(keep).value();
}

class ReportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_ = new Dataset(make_data("numeric", {"--flows", "20000", "--prev-flows", "12000", "--alerts-per-day", "6",
                                              "--prev-alerts-per-day", "4", "--sources", "200", "--destinations", "300",
                                              "--bad-lines", "10"}));
    out_ = new fs::path(scratch_dir("report_numeric_out"));
    result_ = new ProgramResult(report({"all", data_->dir.string(), "--from", "2026-11", "--tz", "UTC", "--no-geo",
                                        "--format", "json", "--format", "csv", "-o", out_->string()}));
  }
  static void TearDownTestSuite() {
    delete data_;
    delete out_;
    delete result_;
  }
  static Dataset* data_;
  static fs::path* out_;
  static ProgramResult* result_;
};
Dataset* ReportTest::data_ = nullptr;
fs::path* ReportTest::out_ = nullptr;
ProgramResult* ReportTest::result_ = nullptr;

TEST_F(ReportTest, MonthOverMonthAndDailyConnectionsMatchThePlan) {
  ASSERT_EQ(result_->exit_code, 0) << result_->err;
  simdjson::dom::parser p;
  const auto truth = truth_of(p, data_->truth);
  const uint64_t flows = truth["flows"], blocked = truth["blocked"], prev = truth["prev_flows"],
                 prev_blocked = truth["prev_blocked"];
  const Rows mom = table(*out_ / "soc.json", "month_over_month");
  ASSERT_EQ(mom.size(), 3u);
  EXPECT_EQ(mom[0].at("total"), std::to_string(prev));
  EXPECT_EQ(mom[0].at("not_established"), std::to_string(prev_blocked));
  EXPECT_EQ(mom[1].at("total"), std::to_string(flows));
  EXPECT_EQ(mom[1].at("not_established"), std::to_string(blocked));
  EXPECT_EQ(mom[2].at("total"), mom_ratio(prev, flows).substr(0, mom_ratio(prev, flows).size() - 1));
  const Rows daily = table(*out_ / "soc.json", "connections_daily");
  const auto days = truth["daily"].get_array();
  ASSERT_EQ(daily.size(), days.size() + 1);  // 30 days and the Total row
  std::size_t i = 0;
  for (auto d : days) {
    const uint64_t total = d.at(0), not_est = d.at(1);
    EXPECT_EQ(daily[i].at("total"), std::to_string(total)) << daily[i].at("date");
    EXPECT_EQ(daily[i].at("not_established"), std::to_string(not_est));
    ++i;
  }
  EXPECT_EQ(daily[0].at("date"), "2026-11-01");
  EXPECT_EQ(daily.back().at("date"), "Total");
  EXPECT_EQ(daily.back().at("total"), std::to_string(flows));
  // The CSV says the same, with snake_case headers and integer counts.
  const std::vector<std::string> csv = lines_of(*out_ / "connections_daily.csv");
  ASSERT_FALSE(csv.empty());
  EXPECT_EQ(csv[0], "date,established,not_established,total,not_established_share");
  EXPECT_EQ(csv.size(), days.size() + 2);
}

TEST_F(ReportTest, TopSourcesL7AndHttpMatchThePlan) {
  ASSERT_EQ(result_->exit_code, 0) << result_->err;
  simdjson::dom::parser p;
  const auto truth = truth_of(p, data_->truth);
  const Rows top = table(*out_ / "soc.json", "top_sources");
  ASSERT_EQ(top.size(), 10u);
  std::size_t i = 0;
  for (auto t : truth["top_sources"].get_array()) {
    const std::string ip(std::string_view(t.at(0)));
    const uint64_t n = t.at(1), prev = t.at(2);
    EXPECT_EQ(top[i].at("src_ip"), ip);
    EXPECT_EQ(top[i].at("this"), std::to_string(n));
    EXPECT_EQ(top[i].at("previous"), std::to_string(prev));
    EXPECT_EQ(top[i].at("vs_previous"), mom_ratio(prev, n).substr(0, mom_ratio(prev, n).size() - 1));
    EXPECT_EQ(top[i].at("country"), "-");  // private addresses
    ++i;
  }
  const Rows l7 = table(*out_ / "traffic.json", "l7_share");
  std::map<std::string, std::pair<std::string, std::string>> got;
  for (const auto& r : l7) got[r.at("l7_proto_name")] = {r.at("records"), r.at("bytes")};
  const auto want = truth["l7"].get_object();
  EXPECT_EQ(got.size(), want.size());
  for (auto [name, v] : want) {
    const uint64_t rec = v.at(0), bytes = v.at(1);
    ASSERT_TRUE(got.count(std::string(name))) << name;
    EXPECT_EQ(got[std::string(name)].first, std::to_string(rec)) << name;
    EXPECT_EQ(got[std::string(name)].second, std::to_string(bytes)) << name;
  }
  const Rows methods = table(*out_ / "traffic.json", "http_methods");
  const auto wm = truth["http_methods"].get_object();
  EXPECT_EQ(methods.size(), wm.size());
  for (const auto& r : methods) {
    const auto w = wm[r.at("http_method")];
    const uint64_t rec = w.at(0), bytes = w.at(1), c2s = w.at(2);
    EXPECT_EQ(r.at("records"), std::to_string(rec));
    EXPECT_EQ(r.at("bytes"), std::to_string(bytes));
    EXPECT_EQ(r.at("client_to_server_bytes"), std::to_string(c2s));
  }
  const uint64_t tls_rows = truth["tls_rows"];
  EXPECT_EQ(table(*out_ / "tls.json", "tls_sessions").size(), tls_rows);
}

TEST_F(ReportTest, CollapsedAlertsByFunctionAndLevel) {
  ASSERT_EQ(result_->exit_code, 0) << result_->err;
  simdjson::dom::parser p;
  const auto truth = truth_of(p, data_->truth);
  const Rows notif = table(*out_ / "soc.json", "alert_notifications");
  ASSERT_EQ(notif.size(), 7u);  // six functions and the Total row
  std::map<std::string, uint64_t> this_level, prev_level;
  for (const auto& r : notif) {
    if (r.at("function") == "Total") continue;
    for (const char* level : {"Fatal", "Critical", "Minor"}) {
      uint64_t want = 0;
      simdjson::dom::element n;
      if (!truth["alerts"][r.at("function")][level].get(n)) want = n.get_uint64();
      std::string col = level;
      col[0] = static_cast<char>(std::tolower(col[0]));
      EXPECT_EQ(r.at(col), std::to_string(want)) << r.at("function") << " " << level;
    }
  }
  for (auto [fn, levels] : truth["alerts"].get_object())
    for (auto [l, n] : levels.get_object()) this_level[std::string(l)] += n.get_uint64();
  for (auto [fn, levels] : truth["prev_alerts"].get_object())
    for (auto [l, n] : levels.get_object()) prev_level[std::string(l)] += n.get_uint64();
  // Table B: level × previous, this; the Total row sums them (spec §1.3's relations hold).
  const Rows b = table(*out_ / "soc.json", "alerts_by_severity");
  ASSERT_EQ(b.size(), 5u);
  uint64_t sum_this = 0;
  for (const auto& r : b) {
    if (r.at("severity") == "Total") {
      EXPECT_EQ(r.at("this"), std::to_string(sum_this));
      continue;
    }
    EXPECT_EQ(r.at("this"), std::to_string(this_level[r.at("severity")])) << r.at("severity");
    EXPECT_EQ(r.at("previous"), std::to_string(prev_level[r.at("severity")])) << r.at("severity");
    sum_this += this_level[r.at("severity")];
  }
  // Every daily-detection row: allowed + blocked = total.
  for (const auto& r : table(*out_ / "soc.json", "detections_daily"))
    EXPECT_EQ(std::stoull(r.at("established")) + std::stoull(r.at("not_established")), std::stoull(r.at("total")));
  EXPECT_FALSE(table(*out_ / "soc.json", "top_signatures").empty());
}

TEST_F(ReportTest, DamagedLinesAreCountedAndNamed) {
  ASSERT_EQ(result_->exit_code, 0) << result_->err;
  simdjson::dom::parser p;
  const auto truth = truth_of(p, data_->truth);
  const uint64_t not_json = truth["not_json"], truncated = truth["truncated"];
  ASSERT_GT(not_json, 0u);
  EXPECT_NE(result_->err.find(std::to_string(not_json) + " lines skipped: not JSON."), std::string::npos) << result_->err;
  EXPECT_NE(result_->err.find(std::to_string(truncated) + " lines skipped: truncated or malformed JSON."), std::string::npos)
      << result_->err;
  const std::string json = slurp(*out_ / "traffic.json");
  EXPECT_NE(json.find(std::to_string(not_json) + " lines skipped: not JSON."), std::string::npos);
}

// Drill-downs (spec §2.3): the traffic report of the records where l7=TLS, grouped by
// source, against the same sums taken here straight from the generated file.
TEST_F(ReportTest, DrillDownWhereL7BySourceMatchesTheRecords) {
  const fs::path out = scratch_dir("report_drill_out");
  const ProgramResult r = report({"traffic", data_->dir.string(), "--from", "2026-11", "--tz", "UTC", "--no-geo",
                                  "--where", "l7=TLS", "--by", "src", "--format", "json", "-o", out.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, std::pair<uint64_t, uint64_t>> want;  // src → bytes, records
  uint64_t tls_records = 0;
  const int64_t from = 1793491200, to = 1796083200;  // 2026-11-01 and 2026-12-01 UTC
  simdjson::dom::parser p;
  for (const std::string& line : lines_of(data_->dir / "flows.json")) {
    simdjson::dom::element rec;
    if (p.parse(line).get(rec) || !rec.is_object()) continue;  // the planted bad lines
    int64_t first = 0;
    std::string_view name, src;
    if (rec["22"].get(first) || first < from || first >= to) continue;
    if (rec["35632.57591"].get(name) || name != "TLS" || rec["8"].get(src)) continue;
    const uint64_t bytes = rec["1"].get_uint64().value() + rec["23"].get_uint64().value();
    auto& w = want[std::string(src)];
    w.first += bytes;
    ++w.second;
    ++tls_records;
  }
  ASSERT_GT(want.size(), 10u);
  std::vector<std::pair<std::string, std::pair<uint64_t, uint64_t>>> order(want.begin(), want.end());
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    return a.second.first != b.second.first ? a.second.first > b.second.first : a.first < b.first;
  });
  const Rows drill = table(out / "traffic.json", "drilldown");
  ASSERT_EQ(drill.size(), std::min<std::size_t>(order.size(), 50));
  for (std::size_t i = 0; i < drill.size(); ++i) {
    EXPECT_EQ(drill[i].at("src_ip"), order[i].first) << i;
    EXPECT_EQ(drill[i].at("bytes"), std::to_string(order[i].second.first)) << i;
    EXPECT_EQ(drill[i].at("records"), std::to_string(order[i].second.second)) << i;
  }
  // Every other table counts the filtered records alone: L7 holds TLS only.
  const Rows l7 = table(out / "traffic.json", "l7_share");
  ASSERT_EQ(l7.size(), 1u);
  EXPECT_EQ(l7[0].at("l7_proto_name"), "TLS");
  EXPECT_EQ(l7[0].at("records"), std::to_string(tls_records));
  // A condition the report cannot read is a clear error.
  const ProgramResult bad = report({"traffic", data_->dir.string(), "--where", "colour=blue"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("expected KEY=VALUE"), std::string::npos) << bad.err;
}

// The TLS list's ignore list and its client-server graph: rows of ignored servers leave
// the list, the graph (SVG in the HTML, tls_graph.dot beside it) has one edge per
// remaining row in its band's colour and one node per address coloured by location; more
// rows than --graph-max-edges give the spec's refusal instead.
TEST_F(ReportTest, TlsIgnoreListAndClientServerGraph) {
  ASSERT_EQ(result_->exit_code, 0) << result_->err;
  const Rows all = table(*out_ / "tls.json", "tls_sessions");
  std::size_t ignored = 0;
  for (const auto& r : all) ignored += r.at("server_ip").rfind("8.8.", 0) == 0;
  ASSERT_GT(ignored, 0u);
  ASSERT_LT(ignored, all.size());
  const fs::path out = scratch_dir("report_tls_graph_out");
  const ProgramResult r = report({"tls", data_->dir.string(), "--from", "2026-11", "--tz", "UTC", "--no-geo",
                                  "--tls-ignore", "server=8.8.*", "--format", "json", "--format", "html", "-o",
                                  out.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Rows kept = table(out / "tls.json", "tls_sessions");
  ASSERT_EQ(kept.size(), all.size() - ignored);
  for (const auto& k : kept) EXPECT_NE(k.at("server_ip").rfind("8.8.", 0), 0u) << k.at("server_ip");
  EXPECT_NE(slurp(out / "tls.html").find(std::to_string(ignored) + " rows left out by the ignore list"), std::string::npos);

  const std::map<std::string, std::string> band_colour = {
      {"5", "#2f6db5"}, {"4", "#79b8e8"}, {"3", "#f0c431"}, {"2", "#f09ab4"}, {"1", "#d23b3b"}};
  const std::string dot = slurp(out / "tls_graph.dot");
  std::map<std::string, std::string> edge_colour, node_category;
  const std::regex edge(R"re("([^"]+)" -> "([^"]+)" \[color="([^"]+)")re"), node(R"re(\n  "([^"]+)" \[label="[^"]*\(([^"]+)\)".*category="([^"]+)")re");
  for (std::sregex_iterator i(dot.begin(), dot.end(), edge), e; i != e; ++i) edge_colour[(*i)[1].str() + ">" + (*i)[2].str()] = (*i)[3];
  for (std::sregex_iterator i(dot.begin(), dot.end(), node), e; i != e; ++i) {
    EXPECT_EQ((*i)[1].str(), (*i)[2].str());  // labelled name(IP)
    node_category[(*i)[1]] = (*i)[3];
  }
  ASSERT_EQ(edge_colour.size(), kept.size());
  const auto category = [](const std::string& c) {
    return c == "-" || c == "LOCAL" ? std::string("LOCAL")
           : c == "RU" || c == "CN" || c == "US" || c == "JP" ? c : std::string("Other");
  };
  for (const auto& k : kept) {
    EXPECT_EQ(edge_colour[k.at("client_ip") + ">" + k.at("server_ip")], band_colour.at(k.at("score_band")));
    EXPECT_EQ(node_category[k.at("server_ip")], category(k.at("server_country"))) << k.at("server_ip");
    EXPECT_EQ(node_category[k.at("client_ip")], "LOCAL");
  }
  const std::string html = slurp(out / "tls.html");
  const auto svg_at = html.find("data-chart=\"tls_graph\"");
  ASSERT_NE(svg_at, std::string::npos);
  const std::string svg = html.substr(svg_at, html.find("</svg>", svg_at) - svg_at);
  std::size_t lines = 0;
  for (std::size_t at = svg.find("<line "); at != std::string::npos; at = svg.find("<line ", at + 1)) ++lines;
  EXPECT_EQ(lines, kept.size());

  const fs::path refused = scratch_dir("report_tls_graph_refused");
  const ProgramResult r2 = report({"tls", data_->dir.string(), "--from", "2026-11", "--tz", "UTC", "--no-geo",
                                   "--graph-max-edges", std::to_string(all.size() - 1), "--format", "html", "-o",
                                   refused.string()});
  ASSERT_EQ(r2.exit_code, 0) << r2.err;
  EXPECT_NE(slurp(refused / "tls.html").find("too many TLS flows, filter them"), std::string::npos);
  EXPECT_FALSE(fs::exists(refused / "tls_graph.dot"));
}

// `report address IP` (the TLS report's address analysis): a client and a server of the
// generated month, each against counts taken here from the files.
TEST_F(ReportTest, AddressReportCountsItsRecordsTlsRowsAndAlerts) {
  struct Want {
    uint64_t client_records = 0, client_bytes = 0, server_records = 0, server_bytes = 0, alerts = 0;
    std::set<std::string> tls_rows;
    std::map<std::string, uint64_t> peer_bytes;  // as client
  };
  std::map<std::string, Want> want;
  const int64_t from = 1793491200, to = 1796083200;  // November 2026, UTC
  simdjson::dom::parser p;
  for (const std::string& line : lines_of(data_->dir / "flows.json")) {
    simdjson::dom::element rec;
    int64_t first = 0;
    if (p.parse(line).get(rec) || !rec.is_object() || rec["22"].get(first) || first < from || first >= to) continue;
    const std::string src{std::string_view(rec["8"])}, dst{std::string_view(rec["12"])};
    const uint64_t bytes = rec["1"].get_uint64().value() + rec["23"].get_uint64().value();
    Want& c = want[src];
    ++c.client_records;
    c.client_bytes += bytes;
    c.peer_bytes[dst] += bytes;
    Want& s = want[dst];
    ++s.server_records;
    s.server_bytes += bytes;
    uint64_t version = 0, proto = 0;
    if (!rec["35632.57967"].get(version) && version != 0 && !rec["4"].get(proto) && proto == 6) {
      const std::string row = src + ">" + dst + ":" + std::to_string(rec["11"].get_uint64().value());
      c.tls_rows.insert(row);
      s.tls_rows.insert(row);
    }
  }
  for (const std::string& line : lines_of(data_->dir / "alerts.json")) {
    simdjson::dom::element rec;
    std::string_view ts, type;
    if (p.parse(line).get(rec) || !rec.is_object() || rec["event_type"].get(type) || type != "alert") continue;
    if (rec["timestamp"].get(ts) || ts.substr(0, 7) != "2026-11") continue;
    const std::string src{std::string_view(rec["src_ip"])}, dst{std::string_view(rec["dest_ip"])};
    ++want[src].alerts;
    if (dst != src) ++want[dst].alerts;
  }
  const std::string client = "10.0.0.1";
  std::string server;  // the busiest server
  for (const auto& [ip, w] : want)
    if (server.empty() || w.server_records > want[server].server_records) server = ip;
  for (const std::string& ip : {client, server}) {
    const Want& w = want[ip];
    const fs::path out = scratch_dir("report_address_" + ip);
    const ProgramResult r = report({"address", ip, data_->dir.string(), "--from", "2026-11", "--tz", "UTC", "--no-geo",
                                    "--format", "json", "--format", "html", "-o", out.string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const fs::path json = out / ("address-" + ip + ".json");
    uint64_t records = 0, bytes = 0;
    for (const auto& row : table(json, "address_client_ports")) {
      records += std::stoull(row.at("records"));
      bytes += std::stoull(row.at("bytes"));
    }
    EXPECT_EQ(records, w.client_records) << ip;
    EXPECT_EQ(bytes, w.client_bytes) << ip;
    records = bytes = 0;
    for (const auto& row : table(json, "address_server_ports")) {
      records += std::stoull(row.at("records"));
      bytes += std::stoull(row.at("bytes"));
    }
    EXPECT_EQ(records, w.server_records) << ip;
    EXPECT_EQ(bytes, w.server_bytes) << ip;
    const Rows tls = table(json, "address_tls");
    std::set<std::string> got;
    for (const auto& row : tls) got.insert(row.at("client_ip") + ">" + row.at("server_ip") + ":" + row.at("server_port"));
    EXPECT_EQ(got, w.tls_rows) << ip;
    EXPECT_EQ(table(json, "address_alerts").size(), std::min<uint64_t>(w.alerts, 1000)) << ip;
    if (ip == client && !w.peer_bytes.empty()) {
      const auto top = std::max_element(w.peer_bytes.begin(), w.peer_bytes.end(), [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second < b.second : a.first > b.first;
      });
      const Rows peers = table(json, "address_client_peers");
      ASSERT_FALSE(peers.empty());
      EXPECT_EQ(peers[0].at("server_ip"), top->first);
      EXPECT_EQ(peers[0].at("bytes"), std::to_string(top->second));
    }
    EXPECT_TRUE(fs::exists(out / ("address-" + ip + ".html")));
  }
  const ProgramResult bad = report({"address", "not-an-ip", data_->dir.string()});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("give the IP address first"), std::string::npos) << bad.err;
}

// The TLS flow map: one line per row in its band's series, private clients at the home
// location (the --tz zone's city in tzdata's zone.tab: Tokyo, 35°39'16"N 139°44'41"E),
// servers at their country's first zone city (JP: Tokyo as well; US: New York).
TEST_F(ReportTest, TlsMapDrawsEveryRowFromHomeToTheServersCountry) {
  if (!fs::exists("/usr/share/zoneinfo/zone.tab")) GTEST_SKIP() << "no /usr/share/zoneinfo/zone.tab (tzdata)";
  const fs::path out = scratch_dir("report_tls_map_out");
  const ProgramResult r = report({"tls", data_->dir.string(), "--from", "2026-11", "--tz", "Asia/Tokyo", "--no-geo",
                                  "--format", "json", "--format", "html", "-o", out.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Rows rows = table(out / "tls.json", "tls_sessions");
  ASSERT_GT(rows.size(), 0u);
  // The spec's rule, over the list in its order (worst first): once 1,000 lines are drawn,
  // rows of bands 4 and 5 are left out.
  std::map<std::string, std::size_t> want_band;
  std::size_t drawn = 0;
  for (const auto& row : rows) {
    if (drawn >= 1000 && std::stoi(row.at("score_band")) >= 4) continue;
    ++want_band["b" + row.at("score_band")];
    ++drawn;
  }
  ASSERT_GT(rows.size(), drawn);  // this month has enough rows to exercise the rule
  const std::string html = slurp(out / "tls.html");
  const auto at = html.find("data-chart=\"tls_map\"");
  ASSERT_NE(at, std::string::npos);
  const std::string svg = html.substr(at, html.find("</svg>", at) - at);
  const std::regex line(R"re(<line class="flow (b\d)" x1="([-\d.]+)" y1="([-\d.]+)" x2="([-\d.]+)" y2="([-\d.]+)"[^>]*><title>[^<]*\((\w\w|-)\): )re");
  std::map<std::string, std::size_t> got_band;
  const double tokyo_x = (139 + 44 / 60.0 + 41 / 3600.0 + 180) / 360 * 760, tokyo_y = (90 - (35 + 39 / 60.0 + 16 / 3600.0)) / 180 * 380;
  const double ny_x = (-(74 + 0 / 60.0 + 23 / 3600.0) + 180) / 360 * 760;
  std::size_t jp = 0, us = 0;
  for (std::sregex_iterator i(svg.begin(), svg.end(), line), e; i != e; ++i) {
    ++got_band[(*i)[1]];
    EXPECT_NEAR(std::stod((*i)[2]), tokyo_x, 0.1);  // every client is private: home
    EXPECT_NEAR(std::stod((*i)[3]), tokyo_y, 0.1);
    if ((*i)[6] == "JP") {
      ++jp;
      EXPECT_NEAR(std::stod((*i)[4]), tokyo_x, 0.1);
    } else if ((*i)[6] == "US") {
      ++us;
      EXPECT_NEAR(std::stod((*i)[4]), ny_x, 0.2);
    }
  }
  EXPECT_EQ(got_band, want_band);
  EXPECT_GT(jp, 0u);
  EXPECT_GT(us, 0u);
}

// --format xlsx: a workbook with one sheet per exported table; the TLS list's sheet holds
// the header and every row, scores and counts as numbers.
TEST_F(ReportTest, XlsxHoldsTheTlsListWithNumbers) {
  if (run_program({"/bin/sh", "-c", "command -v unzip"}).exit_code != 0) GTEST_SKIP() << "no unzip (./scripts/setup installs it)";
  const fs::path out = scratch_dir("report_xlsx_out");
  const ProgramResult r = report({"tls", data_->dir.string(), "--from", "2026-11", "--tz", "UTC", "--no-geo", "--format",
                                  "xlsx", "--format", "json", "-o", out.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find((out / "tls.xlsx").string()), std::string::npos);
  const Rows rows = table(out / "tls.json", "tls_sessions");
  const ProgramResult book = run_program({"/usr/bin/unzip", "-p", (out / "tls.xlsx").string(), "xl/workbook.xml"});
  const std::regex sheet_re(R"re(<sheet name="([^"]+)" sheetId="(\d+)")re");
  std::string sheet_id;
  for (std::sregex_iterator i(book.out.begin(), book.out.end(), sheet_re), e; i != e; ++i)
    if ((*i)[1] == "tls_sessions") sheet_id = (*i)[2];
  ASSERT_FALSE(sheet_id.empty()) << book.out;
  const ProgramResult sheet =
      run_program({"/usr/bin/unzip", "-p", (out / "tls.xlsx").string(), "xl/worksheets/sheet" + sheet_id + ".xml"});
  std::size_t row_count = 0;
  for (std::size_t at = sheet.out.find("<row "); at != std::string::npos; at = sheet.out.find("<row ", at + 1)) ++row_count;
  EXPECT_EQ(row_count, rows.size() + 1);  // the header and every row
  std::smatch m;
  ASSERT_TRUE(std::regex_search(sheet.out, m, std::regex(R"re(<c r="A2"( t="[^"]*")?[^>]*><v>([^<]*)</v>)re")));
  EXPECT_FALSE(m[1].matched) << "the trust score is not a number cell";
  EXPECT_NEAR(std::stod(m[2]), std::stod(rows.at(0).at("trust_score")), 1e-9);
}

// Labels instead of numeric keys, and the input as rotated + gzip files: the same report.
TEST_F(ReportTest, LabelsRotatedAndGzipReadTheSame) {
  ASSERT_EQ(result_->exit_code, 0) << result_->err;
  const Dataset labels = make_data("labels", {"--flows", "20000", "--prev-flows", "12000", "--alerts-per-day", "6",
                                              "--prev-alerts-per-day", "4", "--sources", "200", "--destinations", "300",
                                              "--bad-lines", "10", "--labels"});
  // flows.json split into an older rotated, compressed file and the live one.
  const std::vector<std::string> all = lines_of(labels.dir / "flows.json");
  const fs::path rotated = labels.dir / "flows.json.20261115-000000";
  {
    std::ofstream a(rotated), b(labels.dir / "flows.json", std::ios::trunc);
    for (std::size_t i = 0; i < all.size(); ++i) (i < all.size() / 2 ? a : b) << all[i] << "\n";
  }
  ASSERT_EQ(run_program({"/bin/gzip", "-f", rotated.string()}).exit_code, 0);
  const fs::path out = scratch_dir("report_labels_out");
  const ProgramResult r = report({"all", (labels.dir / "flows.json").string(), (labels.dir / "alerts.json").string(),
                                  "--from", "2026-11", "--tz", "UTC", "--no-geo", "--format", "csv", "-o", out.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::size_t compared = 0;
  for (const auto& e : fs::directory_iterator(*out_)) {
    if (e.path().extension() != ".csv") continue;
    EXPECT_EQ(slurp(e.path()), slurp(out / e.path().filename())) << e.path().filename();
    ++compared;
  }
  EXPECT_GE(compared, 20u);
}

// Kafka: the same records produced to a Kafka-protocol broker (librdkafka's mock cluster,
// its own process), stamped with their record times as a live probe's would be, read back
// by `flowprobe report --kafka` from every partition.
TEST(ReportKafka, TopicsGiveTheSameReportAsFiles) {
  const Dataset d = make_data("kafka", {"--flows", "3000", "--prev-flows", "2000", "--alerts-per-day", "3",
                                        "--prev-alerts-per-day", "2", "--sources", "50", "--destinations", "80"});
  const fs::path dir = scratch_dir("report_kafka_broker");
  const int port = free_port();
  Background broker({mock_broker_binary().string(), "--port", std::to_string(port), "--topic", "flows:4", "--topic",
                     "alerts:2"},
                    dir / "broker.out", dir / "broker.err");
  ASSERT_TRUE(wait_until([&] { return slurp(dir / "broker.out").find("bootstrap ") != std::string::npos; },
                         std::chrono::seconds(10)))
      << slurp(dir / "broker.err");
  const std::string bootstrap = "127.0.0.1:" + std::to_string(port);
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof(err));
  rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  ASSERT_NE(producer, nullptr) << err;
  simdjson::dom::parser parser;
  std::size_t sent = 0;
  for (const char* topic : {"flows", "alerts"}) {
    for (const std::string& line : lines_of(d.dir / (std::string(topic) + ".json"))) {
      simdjson::dom::element rec;
      ASSERT_FALSE(parser.parse(line).get(rec));
      int64_t ms = 0;
      if (std::string(topic) == "flows") {
        ms = static_cast<int64_t>(rec["21"].get_uint64().value()) * 1000;
      } else {
        std::tm t{};
        const std::string stamp{std::string_view(rec["timestamp"])};
        std::sscanf(stamp.c_str(), "%d-%d-%dT%d:%d:%d", &t.tm_year, &t.tm_mon, &t.tm_mday, &t.tm_hour, &t.tm_min, &t.tm_sec);
        t.tm_year -= 1900;
        t.tm_mon -= 1;
        ms = static_cast<int64_t>(timegm(&t)) * 1000;
      }
      rd_kafka_resp_err_t e;
      do {
        e = rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE(const_cast<char*>(line.data()), line.size()),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_TIMESTAMP(ms), RD_KAFKA_V_END);
        if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) rd_kafka_poll(producer, 100);
      } while (e == RD_KAFKA_RESP_ERR__QUEUE_FULL);
      ASSERT_EQ(e, RD_KAFKA_RESP_ERR_NO_ERROR);
      ++sent;
    }
  }
  ASSERT_EQ(rd_kafka_flush(producer, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_destroy(producer);

  const fs::path from_files = scratch_dir("report_kafka_files");
  const ProgramResult a = report({"all", d.dir.string(), "--from", "2026-11", "--tz", "UTC", "--no-geo", "--format", "csv",
                                  "-o", from_files.string()});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  for (const bool whole : {false, true}) {
    const fs::path from_kafka = scratch_dir(whole ? "report_kafka_whole" : "report_kafka_window");
    std::vector<std::string> args{"all", "--kafka", bootstrap + ";flows", "--kafka", bootstrap + ";alerts", "--from", "2026-11",
                                  "--tz", "UTC", "--no-geo", "--format", "csv", "-o", from_kafka.string()};
    if (whole) args.push_back("--kafka-whole-topic");
    const ProgramResult b = report(args);
    ASSERT_EQ(b.exit_code, 0) << b.err;
    EXPECT_NE(b.err.find("messages from 4 partition(s)"), std::string::npos) << b.err;
    std::size_t compared = 0;
    for (const auto& e : fs::directory_iterator(from_files)) {
      EXPECT_EQ(slurp(e.path()), slurp(from_kafka / e.path().filename())) << e.path().filename() << (whole ? " whole" : "");
      ++compared;
    }
    EXPECT_GE(compared, 20u);
  }
  EXPECT_GT(sent, 5000u);
}

// The HTML as a person opens it: headless Chromium runs its script (sorting, filters, the
// self-check), loads nothing from the network, logs no console error, draws every chart,
// and its screenshot is not blank. The PDF has the pages the page breaks give.
class ReportBrowser : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* b : {"/usr/bin/chromium-headless-shell", "/usr/bin/chromium"})
      if (fs::exists(b)) {
        browser_ = b;
        break;
      }
    if (browser_.empty()) GTEST_SKIP() << "no headless Chromium (./scripts/setup installs chromium-headless-shell)";
  }
  ProgramResult chromium(const std::vector<std::string>& extra, const fs::path& profile) {
    std::vector<std::string> argv{browser_, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                                  "--disable-dev-shm-usage", "--user-data-dir=" + profile.string(),
                                  "--host-resolver-rules=MAP * ~NOTFOUND", "--enable-logging=stderr", "--v=0"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run_program(argv);
  }
  std::string browser_;
};

// Fraction of pixels that are not white in a PNG (python3's zlib; no image library needed).
double ink(const fs::path& png) {
  const char* script = R"PY(
import struct, sys, zlib
data = open(sys.argv[1], 'rb').read()
pos, w, h, idat, ctype = 8, 0, 0, b'', 0
while pos < len(data):
    n, t = struct.unpack('>I4s', data[pos:pos + 8]); body = data[pos + 8:pos + 8 + n]; pos += 12 + n
    if t == b'IHDR': w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
    elif t == b'IDAT': idat += body
bpp = {2: 3, 6: 4, 0: 1, 4: 2}[ctype]
raw = zlib.decompress(idat); stride = w * bpp; prev = bytearray(stride); out = 0; i = 0
for y in range(h):
    f = raw[i]; line = bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0; b = prev[x]; c = prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    out += sum(1 for x in range(0, stride, bpp) if min(line[x:x + min(bpp, 3)]) < 235)
    prev = line
print(out / float(w * h))
)PY";
  const fs::path py = png.parent_path() / "ink.py";
  std::ofstream(py) << script;
  const ProgramResult r = run_program({"/usr/bin/python3", py.string(), png.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.exit_code == 0 ? std::stod(r.out) : 0.0;
}

TEST_F(ReportBrowser, HtmlRunsOfflineWithEveryChartAndNoConsoleError) {
  const Dataset d = make_data("browser", {"--flows", "4000", "--prev-flows", "3000", "--alerts-per-day", "5",
                                          "--sources", "60", "--destinations", "90", "--bad-lines", "4"});
  const fs::path out = scratch_dir("report_browser_out");
  const ProgramResult r = report({"all", d.dir.string(), "--from", "2026-11", "--tz", "UTC", "--no-geo",
                                  "--forbidden-countries", "CN,RU", "-o", out.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* name : {"tls", "traffic", "soc"}) {
    const fs::path html = out / (std::string(name) + ".html");
    const std::string text = slurp(html);
    // Self-contained: nothing to fetch.
    for (const std::regex& re : {std::regex(R"(<(script|img|link|iframe)[^>]+(src|href)=["']?(https?:|//))"),
                                std::regex(R"(url\(\s*['"]?(https?:|//))"), std::regex(R"(@import)")})
      EXPECT_FALSE(std::regex_search(text, re)) << name;
    std::size_t charts = 0;
    for (std::size_t at = text.find("<svg class=\"chart\""); at != std::string::npos; at = text.find("<svg class=\"chart\"", at + 1))
      ++charts;
    EXPECT_GE(charts, 3u) << name;
    const fs::path profile = scratch_dir(std::string("report_chromium_") + name);
    const ProgramResult dom = chromium({"--dump-dom", "file://" + html.string()}, profile);
    ASSERT_EQ(dom.exit_code, 0) << dom.err;
    EXPECT_NE(dom.out.find("data-ready=\"1\""), std::string::npos) << name << ": the page's script did not run";
    EXPECT_NE(dom.out.find("data-js-errors=\"0\""), std::string::npos) << name;
    EXPECT_NE(dom.out.find("data-charts=\"" + std::to_string(charts) + "\""), std::string::npos) << name;
    // Console messages (errors included, such as a blocked fetch) are logged as CONSOLE lines.
    EXPECT_EQ(dom.err.find(":CONSOLE"), std::string::npos) << name << ": " << dom.err;
    EXPECT_EQ(dom.err.find("Refused to"), std::string::npos) << name << ": " << dom.err;
    EXPECT_EQ(dom.err.find("net::ERR"), std::string::npos) << name << ": " << dom.err;
    if (std::string(name) != "soc") continue;  // one screenshot is enough; each browser start costs seconds
    const fs::path shot = out / (std::string(name) + ".png");
    const ProgramResult s =
        chromium({"--window-size=1280,1600", "--screenshot=" + shot.string(), "file://" + html.string()}, profile);
    ASSERT_TRUE(fs::exists(shot)) << s.err;
    EXPECT_GT(ink(shot), 0.02) << name << ": the screenshot is (nearly) blank";
  }
  // The checks above can fail: a page with a script error and a fetch is caught.
  const fs::path bad = out / "broken.html";
  std::ofstream(bad) << "<!DOCTYPE html><html><body><img src=\"http://192.0.2.1/x.png\"><script>undefined_function();"
                        "</script></body></html>";
  const ProgramResult b = chromium({"--dump-dom", "file://" + bad.string()}, scratch_dir("report_chromium_bad"));
  EXPECT_NE(b.err.find(":CONSOLE"), std::string::npos) << b.err;
}

TEST_F(ReportBrowser, PdfPagesStartEachSection) {
  if (run_program({"/bin/sh", "-c", "command -v pdftoppm && command -v pdfinfo && command -v pdftotext"}).exit_code != 0)
    GTEST_SKIP() << "pdftoppm/pdfinfo/pdftotext absent (poppler-utils; ./scripts/setup installs it)";
  const Dataset d = make_data("pdf", {"--flows", "400", "--prev-flows", "200", "--alerts-per-day", "1",
                                      "--sources", "4", "--destinations", "4"});
  const fs::path out = scratch_dir("report_pdf_out");
  const ProgramResult r = report({"tls", d.dir.string(), "--from", "2026-11", "--tz", "UTC", "--no-geo", "--format", "pdf",
                                  "--format", "html", "-o", out.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const fs::path pdf = out / "tls.pdf";
  ASSERT_TRUE(fs::exists(pdf)) << r.err;
  EXPECT_NE(r.out.find(pdf.string()), std::string::npos);
  // The section titles, in order, from the HTML: each must begin a page of the PDF.
  const std::string html = slurp(out / "tls.html");
  std::vector<std::string> titles;
  const std::regex h2(R"(<section class="s1" id="[^"]*"><h2>([^<]*)</h2>)");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), h2); it != std::sregex_iterator(); ++it)
    titles.push_back((*it)[1]);
  ASSERT_EQ(titles, (std::vector<std::string>{"Summary", "TLS list", "Client-server graph", "TLS flows by location",
                                             "Graphs and aggregation"}));
  const ProgramResult info = run_program({"/usr/bin/pdfinfo", pdf.string()});
  std::smatch m;
  ASSERT_TRUE(std::regex_search(info.out, m, std::regex(R"(Pages:\s+(\d+))"))) << info.out;
  const int pages = std::stoi(m[1]);
  EXPECT_NE(info.out.find("(A4)"), std::string::npos) << "not A4: " << info.out;
  // The first section shares the cover's page; every other one starts a page of its own,
  // and with this little data each fits on one, the last with the footer's few lines.
  EXPECT_GE(pages, 5);
  EXPECT_LE(pages, 6);
  std::size_t next = 0;
  for (int p = 1; p <= pages; ++p) {
    const ProgramResult text = run_program({"/usr/bin/pdftotext", "-f", std::to_string(p), "-l", std::to_string(p),
                                            "-layout", pdf.string(), "-"});
    std::istringstream lines(text.out);
    std::string first;
    while (std::getline(lines, first) && first.find_first_not_of(" \f") == std::string::npos) {
    }
    first = first.substr(first.find_first_not_of(" \f"));
    if (p == 1) {
      EXPECT_EQ(first.rfind("TLS communication report", 0), 0u) << first;
    }
    if (p == 1) {
      EXPECT_NE(text.out.find(titles[0]), std::string::npos);
      next = 1;
      continue;
    }
    if (next < titles.size() && first.rfind(titles[next], 0) == 0) ++next;
  }
  EXPECT_EQ(next, titles.size()) << "a section does not begin a page";
  // pdftoppm turns every page into an image, none of them blank.
  const ProgramResult png = run_program({"/usr/bin/pdftoppm", "-r", "40", "-png", pdf.string(), (out / "page").string()});
  ASSERT_EQ(png.exit_code, 0) << png.err;
  std::vector<fs::path> pngs;
  for (const auto& e : fs::directory_iterator(out))
    if (e.path().filename().string().rfind("page", 0) == 0) pngs.push_back(e.path());
  EXPECT_EQ(pngs.size(), static_cast<std::size_t>(pages));
  for (const fs::path& p : pngs) EXPECT_GT(ink(p), 0.002) << p << " is blank";
}

// The SOC report's human part from an annotations file (spec §2.6), TOML and JSON alike.
TEST(ReportCli, AnnotationsFillTheHumanSections) {
  const Dataset d = make_data("annotations", {"--flows", "2000", "--prev-flows", "1000", "--alerts-per-day", "5",
                                              "--sources", "30", "--destinations", "40"});
  const fs::path dir = scratch_dir("report_annotations_out");
  std::ofstream(dir / "ann.toml") << R"(customer = "Example Corp."
issuer = "Example SOC Ltd."
document_number = "SAMPLE-2026-11"
inquiry = [
  { id = "CN2611001", time = "2026-11-06T09:49", question = "Is host 10.0.0.4 infected?", answer = "No.", status = "resolved" },
  { id = "CN2611002", time = "2026-11-20T10:00", question = "Why so much DNS?", answer = "Checking.", status = "in progress" },
]
work = [ { date = "2026-11-10", description = "Tuned the rules", status = "resolved" } ]
outage = [ { from = "2026-11-03T02:00", to = "2026-11-03T04:00", remark = "maintenance" } ]
notification = [ { date = "2026-11-01", report_number = "TR2611-12345-00001", signature_id = 2000004 } ]
fatal_sids = [2000005]
[event.2000004]
description = "Beacon of a known trojan family."
analysis = "Internal host reached a sinkholed domain."
[narrative]
overall = "No security incident caused actual damage."
)";
  const auto run = [&](const fs::path& ann, const std::string& sub) {
    const fs::path out = dir / sub;
    const ProgramResult r = report({"soc", d.dir.string(), "--from", "2026-11", "--tz", "UTC", "--no-geo", "--annotations",
                                    ann.string(), "--format", "json", "--format", "html", "-o", out.string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return out;
  };
  const fs::path out = run(dir / "ann.toml", "toml");
  const Rows inq = table(out / "soc.json", "inquiry_count");
  ASSERT_EQ(inq.size(), 1u);
  EXPECT_EQ(inq[0].at("inquiries"), "2");
  EXPECT_EQ(inq[0].at("resolved"), "1");
  EXPECT_EQ(inq[0].at("open"), "1");
  const Rows av = table(out / "soc.json", "availability");
  ASSERT_EQ(av.size(), 1u);
  EXPECT_DOUBLE_EQ(std::stod(av[0].at("downtime_hours")), 2.0);  // a JSON number
  EXPECT_EQ(av[0].at("availability"), percent(720 - 2, 720).substr(0, 5));  // 99.72
  EXPECT_EQ(table(out / "soc.json", "inquiries").size(), 2u);
  bool numbered = false;
  for (const auto& r : table(out / "soc.json", "notification_history"))
    numbered |= r.at("report_number") == "TR2611-12345-00001" && r.at("date") == "2026-11-01";
  EXPECT_TRUE(numbered);
  uint64_t fatal = 0;
  for (const auto& r : table(out / "soc.json", "alerts_by_severity"))
    if (r.at("severity") == "Fatal") fatal = std::stoull(r.at("this"));
  EXPECT_GT(fatal, 0u);  // sid 2000005 raised to Fatal
  const std::string html = slurp(out / "soc.html");
  EXPECT_NE(html.find("Example Corp."), std::string::npos);
  EXPECT_NE(html.find("No security incident caused actual damage."), std::string::npos);
  EXPECT_NE(html.find("Beacon of a known trojan family."), std::string::npos);
  // The same as JSON.
  std::ofstream(dir / "ann.json") << R"({"customer":"Example Corp.","inquiry":[{"id":"A","status":"resolved"}],)"
                                     R"("outage":[{"from":"2026-11-03T02:00","to":"2026-11-03T04:00"}]})";
  const fs::path out2 = run(dir / "ann.json", "json");
  EXPECT_EQ(table(out2 / "soc.json", "inquiry_count")[0].at("resolved"), "1");
  EXPECT_DOUBLE_EQ(std::stod(table(out2 / "soc.json", "availability")[0].at("downtime_hours")), 2.0);
  // A broken file stops the run with the line it failed on.
  std::ofstream(dir / "bad.toml") << "customer = \"x\"\ninquiry = [ { id = \n";
  const ProgramResult bad = report({"soc", d.dir.string(), "--from", "2026-11", "--annotations", (dir / "bad.toml").string()});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("line"), std::string::npos) << bad.err;
}

// Every chart's value axis reads true on a small month as on a big one: no two ticks of a
// chart print the same ("0.0" five times was the daily volume of a 23 KiB capture drawn in
// MiB), and the daily volume's title names the unit its ticks are in.
TEST(ReportCli, ChartAxesHaveDistinctTicksInTheTitlesUnit) {
  const Dataset d = make_data("axes", {"--flows", "300", "--prev-flows", "200", "--alerts-per-day", "1",
                                       "--prev-alerts-per-day", "1", "--sources", "20", "--destinations", "30"});
  const fs::path out = scratch_dir("report_axes_out");
  const ProgramResult r = report({"all", d.dir.string(), "--from", "2026-11", "--tz", "UTC", "--no-geo", "-o", out.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::regex tick_re(R"rx(class="ax"[^>]*>([^<]*)<)rx");
  const std::string open = "<svg class=\"chart\" data-chart=\"";
  std::size_t checked = 0;
  for (const char* name : {"tls", "traffic", "soc"}) {
    const std::string html = slurp(out / (std::string(name) + ".html"));
    for (std::size_t at = html.find(open); at != std::string::npos; at = html.find(open, at + 1)) {
      const std::size_t id_at = at + open.size();
      const std::string id = html.substr(id_at, html.find('"', id_at) - id_at);
      const std::string svg = html.substr(at, html.find("</svg>", at) - at);
      std::vector<std::string> ticks;
      for (std::sregex_iterator t(svg.begin(), svg.end(), tick_re), end; t != end; ++t) ticks.push_back((*t)[1]);
      EXPECT_EQ(std::set<std::string>(ticks.begin(), ticks.end()).size(), ticks.size())
          << name << " " << id << ": " << ::testing::PrintToString(ticks);
      ++checked;
      if (id != "traffic_daily") continue;
      const std::smatch unit = [&] {
        std::smatch m;
        std::regex_search(svg, m, std::regex(R"rx(<title>Traffic volume per day \((B|KiB|MiB|GiB|TiB)\)</title>)rx"));
        return m;
      }();
      ASSERT_FALSE(unit.empty()) << svg.substr(0, 400);
      EXPECT_EQ(unit[1], "KiB") << "300 records a month are some KiB a day";
      std::string suffix = " ";
      suffix += unit[1].str();
      std::size_t value_ticks = 0;
      for (const std::string& t : ticks)
        if (t != "0" && !std::regex_match(t, std::regex(R"(\d\d-\d\d)"))) {
          EXPECT_TRUE(t.ends_with(suffix)) << t;
          ++value_ticks;
        }
      EXPECT_GE(value_ticks, 2u);
    }
  }
  EXPECT_GE(checked, 20u);
}

TEST(ReportCli, ClearErrors) {
  ProgramResult r = report({"soc"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no input"), std::string::npos) << r.err;
  r = report({"soc", "/nonexistent/flows.json", "--from", "2026-11"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("/nonexistent/flows.json: no such file"), std::string::npos) << r.err;
  r = report({"soc", "/dev/null", "--from", "November"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--from 'November'"), std::string::npos) << r.err;
  r = report({"weekly", "/dev/null"});
  EXPECT_EQ(r.exit_code, 2);
  // No browser for --format pdf: one clear line, exit 1, the other formats still written.
  const fs::path out = scratch_dir("report_nobrowser");
  std::ofstream(out / "flows.json") << R"({"8":"10.0.0.1","12":"10.0.0.2","22":1764547200,"1":10})" << "\n";
  const std::string cmd = "FLOWPROBE_BROWSER=/nonexistent/chromium " + flowprobe_binary().string() + " report traffic " +
                          (out / "flows.json").string() + " --from 2025-12 --tz UTC --no-geo --format pdf --format csv -o " +
                          out.string();
  r = run_program({"/bin/sh", "-c", cmd});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--format pdf needs headless Chromium and none was found"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(out / "l7_share.csv"));
}

}  // namespace
