#include "report/report_command.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "report/input.hpp"
#include "report/reports.hpp"
#include "report/sketch.hpp"
#include "report/writers.hpp"

namespace flowprobe::report {

namespace fs = std::filesystem;

namespace {

int fail(int code, const std::string& message) {
  std::fprintf(stderr, "flowprobe report: %s\n", message.c_str());
  return code;
}

std::vector<std::string> split_list(const std::vector<std::string>& in) {
  std::vector<std::string> out;
  for (const std::string& s : in) {
    std::size_t start = 0;
    while (start <= s.size()) {
      const std::size_t comma = std::min(s.find(',', start), s.size());
      std::string item = s.substr(start, comma - start);
      while (!item.empty() && item.front() == ' ') item.erase(item.begin());
      while (!item.empty() && item.back() == ' ') item.pop_back();
      if (!item.empty()) out.push_back(item);
      start = comma + 1;
    }
  }
  return out;
}

// Feeds every record to the reports, routed by its time to the window or the previous period.
class Dispatch final : public RecordReader::Visitor {
 public:
  Dispatch(Context& ctx, std::vector<std::unique_ptr<Aggregator>>& reports) : ctx_(ctx), reports_(reports) {}
  void on_record(LineKind kind, const RecordReader& r) override {
    ++ctx_.lines[static_cast<std::size_t>(kind)];
    switch (kind) {
      case LineKind::flow: {
        const FlowRec& f = r.flow();
        ctx_.flow_fields_seen |= f.present;
        ctx_.learn_dns(f);
        if (!ctx_.geo) {
          ctx_.learn_place(f.src, f.src_country, f.src_as_map);
          ctx_.learn_place(f.dst, f.dst_country, f.dst_as_map);
        }
        int period = 0, day = ctx_.time.current.day_of(f.first);
        if (day < 0) {
          period = 1;
          day = ctx_.time.previous.day_of(f.first);
        }
        if (day < 0) {
          ++ctx_.flows_outside;
          return;
        }
        for (auto& a : reports_) a->on_flow(f, period, day);
        return;
      }
      case LineKind::alert: {
        const AlertRec& a = r.alert();
        int period = 0, day = ctx_.time.current.day_of(a.ts);
        if (day < 0) {
          period = 1;
          day = ctx_.time.previous.day_of(a.ts);
        }
        if (day < 0) {
          ++ctx_.alerts_outside;
          return;
        }
        for (auto& rep : reports_) rep->on_alert(a, period, day);
        return;
      }
      case LineKind::http_tx: {
        const HttpTxRec& t = r.http_tx();
        int period = 0, day = ctx_.time.current.day_of(t.ts);
        if (day < 0) {
          period = 1;
          day = ctx_.time.previous.day_of(t.ts);
        }
        if (day < 0) return;
        for (auto& rep : reports_) rep->on_http_tx(t, period, day);
        return;
      }
      default: return;
    }
  }

 private:
  Context& ctx_;
  std::vector<std::unique_ptr<Aggregator>>& reports_;
};

}  // namespace

int report_main(int argc, char** argv, const std::string& version) {
  CLI::App app{"flowprobe report: the TLS trust report, the traffic report and the monthly SOC report, from the "
               "records the probe wrote (files or a Kafka topic).\n"
               "  flowprobe report all /var/log/flowprobe --from 2026-11 -o /srv/reports\n"
               "  flowprobe report soc --kafka \"kafka1:9092;flows\" --kafka \"kafka1:9092;alerts\" --from 2026-11 --format pdf",
               "flowprobe report"};
  std::string which;
  std::vector<std::string> inputs, formats, kafka, kafka_conf, forbidden, home_net, watched;
  std::string from, to, period_text = "month", tz, out_dir = ".", hosts, annotations, city, asn, rounding = "half-up";
  bool no_geo = false, whole_topic = false;
  int64_t kafka_grace = 900;
  Context ctx;
  ReportOptions& o = ctx.opt;
  o.version = version;
  app.add_option("report", which, "tls, traffic, soc, all, or address (then the address comes first: report address "
                                 "10.0.0.5 FILES...)")
      ->required()
      ->check(CLI::IsMember({"tls", "traffic", "soc", "all", "address"}));
  app.add_option("inputs", inputs,
                 "files or directories the probe wrote (-o, --alerts-output, --events-output; rotated and .gz files "
                 "included), numeric keys or --json-labels, any template")
      ->type_name("PATH");
  app.add_option("--from", from, "start: a month (2026-11), a date (2026-11-05) or a time (2026-11-05T10:00, Z or "
                                 "+09:00 allowed); default: the last whole period");
  app.add_option("--to", to, "end (a month or date includes all of it); default: one period after --from");
  app.add_option("--period", period_text, "day, week or month: the window's length and the previous period that "
                                          "month-over-month compares with")
      ->check(CLI::IsMember({"day", "week", "month"}))
      ->capture_default_str();
  app.add_option("--tz", tz, "time zone of days and times (e.g. Asia/Tokyo); default: the machine's");
  app.add_option("-o,--output", out_dir, "directory for the reports (created if missing)")->capture_default_str();
  app.add_option("--format", formats, "html, pdf, csv, json or xlsx (a workbook, a sheet per table); repeatable (default html)")
      ->check(CLI::IsMember({"html", "pdf", "csv", "json", "xlsx"}));
  app.add_option("--kafka", kafka, "read \"brokers;topic\" (as the probe takes it) from the offsets of --from to --to on "
                                   "every partition; repeatable (flows and alerts topics)");
  app.add_option("--kafka-conf", kafka_conf, "librdkafka consumer property=value (security.protocol, sasl.*...)");
  app.add_flag("--kafka-whole-topic", whole_topic,
               "read every partition from its start to its end, whatever the message times (a topic a replay fed)");
  app.add_option("--kafka-grace", kafka_grace, "seconds past --to still read (records leave after their flow ends)")
      ->capture_default_str();
  app.add_option("--city-list", city, "country (or City) .mmdb; default: the one ./scripts/setup installed");
  app.add_option("--as-list", asn, "ASN .mmdb for organisations; default: the one ./scripts/setup installed");
  app.add_flag("--no-geo", no_geo, "use no geo database (only the records' own country and organisation fields)");
  app.add_option("--hosts", hosts, "hosts-format file naming addresses (the TLS report's managed nodes)");
  app.add_option("--annotations", annotations, "TOML or JSON file with the SOC report's human items (customer, "
                                               "inquiries, work, outages, event texts, narrative)");
  app.add_option("--forbidden-countries", forbidden, "ISO codes penalised in the TLS trust score (CN,RU)");
  app.add_option("--home-country", o.home_country, "every other country is forbidden (the \"Japan only\" mode: JP)");
  app.add_option("--home-net", home_net, "internal networks (default 10.0.0.0/8,172.16.0.0/12,192.168.0.0/16)");
  app.add_option("--max-keys", o.max_keys, "exact counters per table before the space-saving sketch takes over")
      ->capture_default_str();
  app.add_option("--top", o.top_n, "rows of the top-N tables")->capture_default_str();
  app.add_option("--html-rows", o.html_rows, "rows of long lists shown in HTML (the CSV holds all)")->capture_default_str();
  app.add_option("--rounding", rounding, "half-up, or truncate (as the SOC sample's table A)")
      ->check(CLI::IsMember({"half-up", "truncate"}))
      ->capture_default_str();
  app.add_flag("--master-only", o.master_only, "group L7 protocols by master (TLS.Google counts as TLS)");
  std::vector<std::string> where, tls_ignore;
  app.add_option("--tls-ignore", tls_ignore, "TLS report: leave out rows whose client, server or service matches a "
                                             "glob (client=10.0.0.*, server=*.example.com, service=SMTP); repeatable")
      ->type_name("WHAT=GLOB");
  app.add_option("--graph-max-edges", o.graph_max_edges, "TLS report: the client-server graph refuses more rows")
      ->capture_default_str();
  std::string home_location;
  app.add_option("--home-location", home_location, "TLS map: LAT,LON where private addresses and addresses without a "
                                                   "country are drawn (default: the --tz zone's city in zone.tab)");
  app.add_option("--where", where, "traffic report drill-down: only records with KEY=VALUE (l7, src, dst, port, method, "
                                   "host); repeatable, all must hold")
      ->type_name("KEY=VALUE");
  app.add_option("--by", o.by, "traffic report drill-down: a table of the (filtered) records grouped by src, dst, "
                               "port, l7, method or url")
      ->check(CLI::IsMember({"src", "dst", "port", "l7", "method", "url"}));
  app.add_flag("--shifted-levels", o.shifted_levels, "severity 1 Fatal, 2 Critical, 3 Minor, 4 Warning");
  app.add_flag("--udp-s0-not-established", o.udp_s0_not_established, "count one-way UDP as not established");
  app.add_option("--watch-category", watched, "nDPI categories listed in the SOC URL section (default VPN)");
  app.add_option("--max-gap", o.max_gap_s, "seconds without data counted as downtime (without --probe-log)")
      ->capture_default_str();
  app.add_option("--probe-log", o.probe_logs, "the probe's --log-file history: availability from its stats lines");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  IpKey address;
  if (which == "address") {
    if (inputs.empty() || !(address = parse_ip(inputs.front())).valid())
      return fail(2, "report address: give the IP address first (report address 10.0.0.5 FILES...)");
    inputs.erase(inputs.begin());
  }
  if (inputs.empty() && kafka.empty())
    return fail(2, "no input: give the files or directories the probe wrote, or --kafka \"brokers;topic\"");
  if (formats.empty()) formats = {"html"};
  o.rounding = rounding == "truncate" ? Rounding::truncate : Rounding::half_up;
  o.forbidden_countries = split_list(forbidden);
  if (!home_net.empty()) o.home_net = split_list(home_net);
  if (!watched.empty()) o.watched_categories = split_list(watched);
  std::string error;
  for (const std::string& w : where) {
    const auto eq = w.find('=');
    const std::string key = w.substr(0, eq);
    if (eq == std::string::npos || eq + 1 >= w.size() ||
        (key != "l7" && key != "src" && key != "dst" && key != "port" && key != "method" && key != "host"))
      return fail(2, "--where '" + w + "': expected KEY=VALUE with KEY one of l7, src, dst, port, method, host");
    const std::string value = w.substr(eq + 1);
    if ((key == "src" || key == "dst") && !parse_ip(value).valid())
      return fail(2, "--where '" + w + "': not an IP address");
    if (key == "port" && (value.find_first_not_of("0123456789") != std::string::npos || std::stoul(value) > 65535))
      return fail(2, "--where '" + w + "': not a port number");
    o.where.emplace_back(key, value);
  }
  if (!home_location.empty()) {
    double lat = 0, lon = 0;
    char extra = 0;
    if (std::sscanf(home_location.c_str(), "%lf,%lf%c", &lat, &lon, &extra) != 2 || lat < -90 || lat > 90 || lon < -180 || lon > 180)
      return fail(2, "--home-location '" + home_location + "': expected LAT,LON in degrees (35.68,139.69)");
    o.home_location = std::make_pair(lat, lon);
  }
  for (const std::string& w : tls_ignore) {
    const auto eq = w.find('=');
    const std::string what = w.substr(0, eq);
    if (eq == std::string::npos || eq + 1 >= w.size() || (what != "client" && what != "server" && what != "service"))
      return fail(2, "--tls-ignore '" + w + "': expected client=GLOB, server=GLOB or service=GLOB");
    o.tls_ignore.emplace_back(what, w.substr(eq + 1));
  }
  if ((!o.where.empty() || !o.by.empty()) && which != "traffic" && which != "all")
    return fail(2, "--where and --by drill down the traffic report: use 'report traffic'");
  if (!ctx.parse_home_net(error)) return fail(2, error);
  if (!set_time_zone(tz, error)) return fail(2, error);
  Period period;
  parse_period(period_text, period);
  if (!make_report_time(from, to, period, static_cast<int64_t>(time(nullptr)), ctx.time, error)) return fail(2, error);
  if (!annotations.empty() && !load_annotations(annotations, ctx.ann, error)) return fail(2, error);
  if (!hosts.empty() && !ctx.load_hosts(hosts, error)) return fail(2, error);
  bool default_asn = false;
  if (!no_geo) {
    if (city.empty() && asn.empty()) {
      const DefaultGeo g = default_geo_databases();
      city = g.country;
      asn = g.asn;
      default_asn = !asn.empty();
    }
    if (!city.empty() || !asn.empty()) {
      ctx.geo = GeoDatabases::open(city, asn, error);
      if (!ctx.geo) return fail(2, error);
      ctx.geo_description = (city.empty() ? std::string() : "countries from " + city) +
                            (asn.empty() ? std::string() : std::string(city.empty() ? "" : ", ") + "organisations from " + asn);
      if (default_asn)
        ctx.geo_description += " (ip-location-db: country data CC0; AS data CC BY 4.0 by RouteViews, DB-IP "
                               "(IP to ASN Lite, db-ip.com) and the NRO)";
    }
  }
  std::vector<KafkaSource> topics;
  for (const std::string& k : kafka) {
    const auto semi = k.find(';');
    if (semi == std::string::npos || semi == 0 || semi + 1 >= k.size())
      return fail(2, "--kafka '" + k + "': expected \"brokers;topic\"");
    KafkaSource s;
    s.brokers = k.substr(0, semi);
    s.topic = k.substr(semi + 1, k.find(';', semi + 1) - semi - 1);
    s.conf = kafka_conf;
    s.from_ms = ctx.time.previous.begin * 1000;  // month-over-month reads the previous period too
    s.to_ms = ctx.time.current.end * 1000;
    s.grace_ms = kafka_grace * 1000;
    s.whole_topic = whole_topic;
    topics.push_back(s);
  }
  std::vector<fs::path> files;
  if (!expand_inputs(inputs, files, error)) return fail(2, error);
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (!fs::is_directory(out_dir)) return fail(2, "-o '" + out_dir + "': cannot create the directory");

  std::vector<std::unique_ptr<Aggregator>> reports;
  std::vector<std::string> names;
  if (which == "tls" || which == "all") reports.push_back(make_tls_report(o.max_keys)), names.push_back("tls");
  if (which == "traffic" || which == "all") reports.push_back(make_traffic_report(ctx)), names.push_back("traffic");
  if (which == "soc" || which == "all") reports.push_back(make_soc_report(ctx)), names.push_back("soc");
  if (which == "address") reports.push_back(make_address_report(ctx, address)), names.push_back("address");

  RecordReader reader;
  Dispatch dispatch(ctx, reports);
  InputNotes notes;
  const LineFn on_line = [&](std::string_view line, std::size_t cap) { reader.read(line, cap, dispatch); };
  const LinesFn on_lines = [&](std::string_view lines, std::size_t cap) { reader.read_lines(lines, cap, dispatch); };
  for (const fs::path& f : files)
    if (!read_file_lines(f, on_lines, notes, error)) return fail(1, error);
  for (const KafkaSource& k : topics)
    if (!read_kafka(k, on_line, notes, error)) return fail(1, error);
  ctx.sources = notes.sources;
  ctx.input_notes = notes.notes;
  ctx.input_bytes = notes.bytes;

  const auto has = [&](const char* f) { return std::find(formats.begin(), formats.end(), f) != formats.end(); };
  std::string browser;
  if (has("pdf")) {
    browser = find_browser();
  }
  int status = 0;
  for (std::size_t i = 0; i < reports.size(); ++i) {
    Document doc = reports[i]->build(ctx);
    const std::vector<std::string> footer = ctx.input_footer();
    doc.footer.insert(doc.footer.begin(), footer.begin(), footer.end());
    doc.footer.push_back("Counting: exact up to " + thousands(o.max_keys) +
                         " distinct keys per table (--max-keys), then a space-saving top-N sketch; distinct peers exact "
                         "up to " + thousands(DistinctCounter::kExactLimit) + ", then HyperLogLog. Estimates are marked \xe2\x89\x88.");
    doc.footer.push_back("Made by flowprobe " + version + " report " + doc.name + " on " +
                         format_local(time(nullptr), "%Y-%m-%d %H:%M") + "; times in " + time_zone_name() + ".");
    if (doc.meta.empty() || doc.meta.front().first != "Period")
      doc.meta.insert(doc.meta.begin(), {"Period", format_local(ctx.time.current.begin, "%Y-%m-%d %H:%M") + " \xe2\x80\x93 " +
                                                       format_local(ctx.time.current.end, "%Y-%m-%d %H:%M")});
    doc.meta.emplace_back("Time zone", time_zone_name());
    const fs::path dir = out_dir;
    const fs::path html = dir / (doc.name + ".html");
    if (has("html") || has("pdf")) {
      std::ofstream f(html, std::ios::binary | std::ios::trunc);
      f << render_html(doc);
      if (!f.flush()) return fail(1, "cannot write " + html.string());
      if (has("html")) std::printf("%s\n", html.string().c_str());
    }
    if (has("pdf")) {
      const fs::path pdf = dir / (doc.name + ".pdf");
      if (browser.empty()) {
        std::fprintf(stderr,
                     "flowprobe report: --format pdf needs headless Chromium and none was found (install "
                     "chromium-headless-shell or chromium: ./scripts/setup; or set FLOWPROBE_BROWSER)\n");
        status = 1;
      } else if (!print_pdf(browser, html, pdf, error)) {
        std::fprintf(stderr, "flowprobe report: %s\n", error.c_str());
        status = 1;
      } else {
        std::printf("%s\n", pdf.string().c_str());
      }
      if (!has("html")) fs::remove(html, ec);
    }
    for (const auto& [name, content] : doc.files) {
      const fs::path p = dir / name;
      std::ofstream f(p, std::ios::binary | std::ios::trunc);
      f << content;
      if (!f.flush()) return fail(1, "cannot write " + p.string());
      std::printf("%s\n", p.string().c_str());
    }
    if (has("csv")) {
      for (const fs::path& p : write_csv(doc, dir, error)) std::printf("%s\n", p.string().c_str());
      if (!error.empty()) return fail(1, error);
    }
    if (has("xlsx")) {
      const fs::path p = dir / (doc.name + ".xlsx");
      if (!write_xlsx(doc, p, error)) return fail(1, error);
      std::printf("%s\n", p.string().c_str());
    }
    if (has("json")) {
      const fs::path p = dir / (doc.name + ".json");
      std::ofstream f(p, std::ios::binary | std::ios::trunc);
      f << render_json(doc);
      if (!f.flush()) return fail(1, "cannot write " + p.string());
      std::printf("%s\n", p.string().c_str());
    }
  }
  // The input accounting on stderr too, so that a scripted run sees skipped lines.
  for (const std::string& line : ctx.input_footer()) std::fprintf(stderr, "flowprobe report: %s\n", line.c_str());
  return status;
}

}  // namespace flowprobe::report
