#pragma once
// What every report of one run shares: the options, the window, the geo databases, the
// host names (hosts file and DNS answers seen in the data), what the input held, and the
// interface through which the reader feeds each report.
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "export/geo.hpp"
#include "report/annotations.hpp"
#include "report/document.hpp"
#include "report/format.hpp"
#include "report/record.hpp"
#include "report/record_reader.hpp"
#include "report/time_window.hpp"

namespace flowprobe::report {

struct ReportOptions {
  Rounding rounding = Rounding::half_up;
  std::size_t max_keys = 1'000'000;   // exact counters per table before the space-saving sketch
  std::size_t top_n = 10;
  std::size_t html_rows = 500;        // rows of long lists shown in HTML (exports hold all)
  // TLS trust score
  std::vector<std::string> forbidden_countries;  // ISO codes
  std::string home_country;                      // every other country is forbidden
  // The ignore list (the upstream row "Delete" as a rule): rows whose client, server or
  // service matches a glob leave the list before scoring.
  std::vector<std::pair<std::string, std::string>> tls_ignore;  // (client|server|service, glob)
  std::size_t graph_max_edges = 2000;  // the client-server graph refuses more rows
  std::optional<std::pair<double, double>> home_location;  // the map's place for private ends (lat, lon)
  // Traffic
  bool master_only = false;  // group L7 by master protocol ("TLS" for "TLS.Google")
  // Drill-down (spec §2.3): only records matching every --where KEY=VALUE, and a table of
  // them grouped by --by.
  std::vector<std::pair<std::string, std::string>> where;
  std::string by;
  // SOC
  bool udp_s0_not_established = false;
  bool shifted_levels = false;  // 1 → Fatal … 4 → Warning instead of 1 → Critical
  std::vector<std::string> home_net = {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"};
  std::vector<std::string> watched_categories = {"VPN"};
  int64_t max_gap_s = 3600;  // longer silences in the data count as downtime (no probe log given)
  std::vector<std::string> probe_logs;  // --log-file histories for availability
  std::string version;                  // flowprobe's, for the cover
};

// Country and organisation of an address: the record's own fields when it had them, the
// geo databases otherwise; "-" for private space and unknowns.
struct Place {
  std::string country;  // ISO alpha-2 or ""
  std::string org;
  bool local = false;
};

class Context {
 public:
  ReportOptions opt;
  ReportTime time;
  Annotations ann;
  std::unique_ptr<GeoDatabases> geo;
  std::string geo_description;  // for the footer; empty when no database

  // Everything the reader met, for the footer.
  std::array<uint64_t, kLineKinds> lines{};
  uint64_t flows_outside = 0, alerts_outside = 0;
  uint64_t flow_fields_seen = 0;  // OR of FlowRec::present over all flow records
  std::vector<std::string> sources, input_notes;
  uint64_t input_bytes = 0;

  // Names: hosts file first, then DNS answers seen in the data (bounded by addresses).
  bool load_hosts(const std::string& path, std::string& error);
  void learn_dns(const FlowRec& f);
  // "" when no name is known.
  const std::string& name_of(const IpKey& ip) const;

  // Remembers a record's own geo fields for addresses the databases cannot answer.
  void learn_place(const IpKey& ip, std::string_view country, std::string_view org);
  Place place(const IpKey& ip) const;
  bool has_field(Field f) const { return flow_fields_seen >> static_cast<int>(f) & 1; }

  // Home network membership (SOC directions, internal side of an event).
  bool parse_home_net(std::string& error);
  bool internal(const IpKey& ip) const;

  // Footer lines: what was read, what was skipped and why.
  std::vector<std::string> input_footer() const;

 private:
  std::unordered_map<IpKey, std::string, IpKeyHash> hosts_, dns_names_;
  struct Learned {
    std::array<char, 2> country{};
    uint32_t org = UINT32_MAX;
  };
  std::unordered_map<IpKey, Learned, IpKeyHash> learned_;
  std::vector<std::string> orgs_;
  std::unordered_map<std::string, uint32_t> org_index_;
  mutable std::unordered_map<IpKey, Place, IpKeyHash> place_cache_;
  struct Net {
    IpKey base;
    int bits;
  };
  std::vector<Net> home_;
};

// A report: fed every record of the current and previous windows, then drawn.
class Aggregator {
 public:
  virtual ~Aggregator() = default;
  // period 0: the report's window, 1: the previous period. `day` indexes that window's days.
  virtual void on_flow(const FlowRec& f, int period, int day) = 0;
  virtual void on_alert(const AlertRec&, int /*period*/, int /*day*/) {}
  virtual void on_http_tx(const HttpTxRec&, int /*period*/, int /*day*/) {}
  virtual Document build(const Context& ctx) = 0;
};

// "TLS 1.2" for 771 (2 and 0x0200 are SSL 2.0); "Unknown (0x…)" otherwise.
std::string tls_version_name(uint32_t v);

}  // namespace flowprobe::report
