// The address sub-report (spec §2.2 "Address analysis", TWSNMP FC's per-IP investigation):
// one address's names, country and organisation, its records as client and as server
// (volume, top peers, top ports), its TLS rows and the alerts that involve it.
#include <algorithm>
#include <map>
#include <set>

#include "report/reports.hpp"
#include "report/sketch.hpp"
#include "report/soc_rules.hpp"
#include "report/tls_trust.hpp"

namespace flowprobe::report {

namespace {

struct Side {
  uint64_t records = 0, bytes = 0;
  TopCounter<IpKey, IpKeyHash, 2> peers;                      // bytes, records
  TopCounter<std::string, std::hash<std::string>, 2> ports;  // "443/TCP": records, bytes
  explicit Side(std::size_t cap) : peers(cap), ports(cap) {}
};

struct TlsRow {
  uint64_t count = 0;
  int64_t first = INT64_MAX, last = 0;
  uint32_t version = 0, cipher = 0;
  bool unsafe = false;
  std::string sni;
};

class AddressReport final : public Aggregator {
 public:
  AddressReport(const Context& ctx, IpKey ip) : ctx_(ctx), ip_(ip), client_(ctx.opt.max_keys), server_(ctx.opt.max_keys) {}

  void on_flow(const FlowRec& f, int period, int) override {
    if (period != 0 || (f.src != ip_ && f.dst != ip_)) return;
    const bool as_client = f.src == ip_;
    Side& s = as_client ? client_ : server_;
    const uint64_t bytes = f.in_bytes + f.out_bytes;
    ++s.records;
    s.bytes += bytes;
    s.peers.add(as_client ? f.dst : f.src, {bytes, 1});
    const std::string_view p = proto_name(f.protocol);
    s.ports.add(std::to_string(f.dst_port) + "/" + (p.empty() ? std::to_string(f.protocol) : std::string(p)), {1, bytes});
    const uint32_t as = as_client ? f.src_as : f.dst_as;
    if (as) as_numbers_.insert(as);
    if (!as_client && !f.tls_sni.empty() && snis_.size() < 20) snis_.insert(std::string(f.tls_sni));
    if (f.protocol == 6 && f.tls_version != 0) {
      TlsRow& r = tls_[{f.src, f.dst, f.dst_port}];
      ++r.count;
      r.first = std::min(r.first, f.first);
      if (f.last >= r.last) {
        r.last = f.last;
        r.version = f.tls_version;
        r.cipher = f.tls_cipher;
        r.unsafe = f.tls_unsafe;
        if (!f.tls_sni.empty()) r.sni = f.tls_sni;
      }
    }
  }

  void on_alert(const AlertRec& a, int period, int) override {
    if (period != 0 || (a.src != ip_ && a.dst != ip_)) return;
    ++alerts_;
    if (alert_rows_.size() < kMaxAlertRows)
      alert_rows_.push_back({a.ts, a.src, a.dst, a.sid, a.severity, std::string(a.signature), std::string(a.category)});
  }

  Document build(const Context& ctx) override;

 private:
  static constexpr std::size_t kMaxAlertRows = 1000;
  struct Alert {
    int64_t ts;
    IpKey src, dst;
    uint32_t sid;
    int severity;
    std::string signature, category;
  };
  const Context& ctx_;
  IpKey ip_;
  Side client_, server_;
  std::set<uint32_t> as_numbers_;
  std::set<std::string> snis_;
  std::map<std::tuple<IpKey, IpKey, uint16_t>, TlsRow> tls_;
  uint64_t alerts_ = 0;
  std::vector<Alert> alert_rows_;
};

Cell count_cell(uint64_t n) { return {thousands(n), std::to_string(n)}; }

void side_tables(Section& s, const Context& ctx, const Side& side, const std::string& role, const std::string& peer) {
  Table peers;
  peers.name = "address_" + role + "_peers";
  peers.title = "Top " + peer + "s (as " + role + ")";
  peers.cols = {{peer + "_ip", peer == "server" ? "Server" : "Client"}, {"country", "Country"},
                {"organisation", "Organisation"}, {"bytes", "Bytes", ColType::count}, {"records", "Records", ColType::count}};
  for (const auto& e : side.peers.top(ctx.opt.top_n)) {
    const Place p = ctx.place(e.key);
    const std::string& name = ctx.name_of(e.key);
    peers.rows.push_back({{ip_text(e.key) + (name.empty() ? "" : " (" + name + ")"), ip_text(e.key)},
                          {p.country.empty() ? "-" : p.country}, {p.org.empty() ? "-" : p.org},
                          count_cell(e.v[0]), count_cell(e.v[1])});
  }
  if (peers.rows.empty()) peers.note = "No record with this address as " + role + ".";
  s.table(std::move(peers));
  Table ports;
  ports.name = "address_" + role + "_ports";
  ports.title = "Top destination ports (as " + role + ")";
  ports.cols = {{"dst_port", "Port/protocol"}, {"records", "Records", ColType::count}, {"bytes", "Bytes", ColType::count}};
  for (const auto& e : side.ports.top(ctx.opt.top_n)) ports.rows.push_back({{e.key}, count_cell(e.v[0]), count_cell(e.v[1])});
  s.table(std::move(ports));
}

Document AddressReport::build(const Context& ctx) {
  Document d;
  const std::string ip = ip_text(ip_);
  d.name = "address-" + ip;
  std::replace(d.name.begin(), d.name.end(), ':', '_');
  d.title = "Address report: " + ip;
  d.subtitle = "One address's names, location, records as client and as server, TLS rows and alerts (after TWSNMP "
               "FC's address analysis)";

  Section sum{"summary", "Summary"};
  const Place p = ctx.place(ip_);
  std::string names = ctx.name_of(ip_), sni, asn;
  for (const std::string& s : snis_) sni += (sni.empty() ? "" : ", ") + s;
  for (uint32_t a : as_numbers_) asn += (asn.empty() ? "AS" : ", AS") + std::to_string(a);
  sum.pairs({{"Address", ip},
             {"Name (hosts file or DNS answers in the data)", names.empty() ? "-" : names},
             {"Server names (SNI) clients asked it for", sni.empty() ? "-" : sni},
             {"Country", is_private(ip_) ? "LOCAL (private address)" : p.country.empty() ? "-" : p.country},
             {"AS and organisation", (asn.empty() ? std::string("-") : asn) + " / " + (p.org.empty() ? "-" : p.org)},
             {"Internal (home network)", ctx.internal(ip_) ? "yes" : "no"},
             {"Records as client", thousands(client_.records) + " (" + bytes_text(client_.bytes) + ")"},
             {"Records as server", thousands(server_.records) + " (" + bytes_text(server_.bytes) + ")"},
             {"TLS rows", thousands(tls_.size())},
             {"Alerts involving it", thousands(alerts_)}});
  d.sections.push_back(std::move(sum));

  Section as_client{"as-client", "As client"};
  side_tables(as_client, ctx, client_, "client", "server");
  d.sections.push_back(std::move(as_client));
  Section as_server{"as-server", "As server"};
  side_tables(as_server, ctx, server_, "server", "client");
  d.sections.push_back(std::move(as_server));

  Section tls{"tls", "TLS rows"};
  {
    Table t;
    t.name = "address_tls";
    t.title = "TLS rows with this address (client, server, service)";
    t.cols = {{"client_ip", "Client"}, {"server_ip", "Server"}, {"server_port", "Port", ColType::count}, {"service", "Service"}, {"tls_version", "TLS version"},
              {"cipher_suite", "Cipher suite"}, {"cipher_strength", "Strength"}, {"sni", "SNI"},
              {"count", "Count", ColType::count}, {"first_seen", "First seen", ColType::time},
              {"last_seen", "Last seen", ColType::time}};
    for (const auto& [k, r] : tls_) {
      const std::string cipher = cipher_name(r.cipher);
      t.rows.push_back({{ip_text(std::get<0>(k))}, {ip_text(std::get<1>(k))},
                        {std::to_string(std::get<2>(k))}, {std::string(tls_service(std::get<2>(k)))},
                        {tls_version_name(r.version)}, {cipher.empty() ? "-" : cipher},
                        {cipher.empty() ? "-" : std::string(cipher_class_name(cipher_class(cipher, r.unsafe)))},
                        {r.sni.empty() ? "-" : r.sni}, count_cell(r.count),
                        {format_local(r.first, "%Y/%m/%d %H:%M"), format_local(r.first)},
                        {format_local(r.last, "%Y/%m/%d %H:%M"), format_local(r.last)}});
    }
    t.note = t.rows.empty() ? "No TLS session with this address." :
             "Trust scores are relative to the whole list: see the TLS report (flowprobe report tls) for them.";
    tls.table(std::move(t));
  }
  d.sections.push_back(std::move(tls));

  Section alerts{"alerts", "Alerts"};
  {
    Table t;
    t.name = "address_alerts";
    t.title = "Alerts with this address as source or destination";
    t.filter = true;
    t.cols = {{"time", "Time", ColType::time}, {"src_ip", "Source"}, {"dest_ip", "Destination"},
              {"signature_id", "SID", ColType::count}, {"signature", "Signature"}, {"category", "Category"},
              {"severity", "Severity", ColType::count}};
    for (const Alert& a : alert_rows_)
      t.rows.push_back({{format_local(a.ts)}, {ip_text(a.src)}, {ip_text(a.dst)}, {std::to_string(a.sid)},
                        {a.signature}, {a.category}, {std::to_string(a.severity)}});
    if (alerts_ > alert_rows_.size())
      t.note = "The first " + thousands(alert_rows_.size()) + " of " + thousands(alerts_) + " alerts.";
    else if (t.rows.empty())
      t.note = "No alert involves this address.";
    alerts.table(std::move(t));
  }
  d.sections.push_back(std::move(alerts));
  return d;
}

}  // namespace

std::unique_ptr<Aggregator> make_address_report(const Context& ctx, const IpKey& ip) {
  return std::make_unique<AddressReport>(ctx, ip);
}

}  // namespace flowprobe::report
