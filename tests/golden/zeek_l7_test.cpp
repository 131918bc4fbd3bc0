// Golden test against Zeek: every baseline in ../shared/corpus/zeek with a dns.log,
// http.log or ssl.log is replayed through decode + the dissectors, and each connection's
// first logged transaction is compared field by field with what our flow recorded
// (dissectors keep the first transaction of a flow). Prints the agreement per field and
// every disagreement; fails when agreement drops below the floor measured when written.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

extern "C" {
#include <ndpi/ndpi_api.h>
}

#include "golden/l7_replay.hpp"
#include "support/run_program.hpp"
#include "support/zeek_log.hpp"

namespace fs = std::filesystem;
using namespace flowprobe;
using namespace flowprobe::test;

namespace {

struct Tally {
  std::map<std::string, std::pair<int, int>> fields;  // name -> (agree, compared)
  std::vector<std::string> notes;
  void check(const std::string& field, const std::string& ours, const std::string& theirs, const std::string& where,
             bool prefix_ok = false) {
    auto& [agree, total] = fields[field];
    ++total;
    const bool same = ours == theirs || (prefix_ok && !ours.empty() && theirs.rfind(ours, 0) == 0);
    if (same) ++agree;
    else notes.push_back(field + " @ " + where + ": ours=\"" + ours + "\" zeek=\"" + theirs + "\"");
  }
};

std::string or_dash(std::string_view s) { return s.empty() ? "-" : std::string(s); }

// Zeek logs the URI with %XX escapes decoded; we keep the raw target (as nProbe does).
std::string percent_decoded(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string tls_version_name(uint16_t v) {
  switch (v) {
    case 0x0300: return "SSLv3";
    case 0x0301: return "TLSv10";
    case 0x0302: return "TLSv11";
    case 0x0303: return "TLSv12";
    case 0x0304: return "TLSv13";
    case 0xfeff: return "DTLSv10";
    case 0xfefd: return "DTLSv12";
    case 0x7f00 + 14: case 0x7f00 + 15: case 0x7f00 + 16: case 0x7f00 + 17: case 0x7f00 + 18:
    case 0x7f00 + 19: case 0x7f00 + 20: case 0x7f00 + 21: case 0x7f00 + 22: case 0x7f00 + 23:
    case 0x7f00 + 24: case 0x7f00 + 25: case 0x7f00 + 26: case 0x7f00 + 27: case 0x7f00 + 28:
      return "TLSv13-draft" + std::to_string(v & 0xff);
    default: return v ? "unknown-" + std::to_string(v) : "-";
  }
}

using ConnKey = std::tuple<std::string, int, std::string, int>;

}  // namespace

TEST(ZeekL7, DnsHttpSslAgreeWithBaselines) {
  FLOWPROBE_REQUIRE_SHARED("corpus/zeek");
  const fs::path zeek = shared_dir() / "corpus" / "zeek";
  const fs::path scratch = scratch_dir("zeek_l7");
  const std::vector<ZeekCase> corpus = read_zeek_cases(zeek / "index.json");
  ASSERT_FALSE(corpus.empty());
  Tally dns, http, ssl;
  int cases = 0, missing_flows = 0;
  std::vector<std::string> missing;
  for (const ZeekCase& c : corpus) {
    const std::string& baseline = c.baseline;
    const std::vector<std::string>& traces = c.traces;
    std::vector<std::string> logs;
    for (const auto& f : c.files)
      if (f == "dns.log" || f == "http.log" || f == "ssl.log") logs.push_back(f);
    if (logs.empty() || traces.size() != 1) continue;
    const fs::path trace = readable_trace(zeek / "Traces" / traces[0], scratch);
    dissect::DissectorEngine engine;
    const auto flows = replay_l7(trace, engine, nullptr);
    std::map<ConnKey, const L7Flow*> by_conn;
    for (const auto& f : flows) {
      by_conn[{f.client_ip, f.client_port, f.server_ip, f.server_port}] = &f;
      by_conn.try_emplace({f.server_ip, f.server_port, f.client_ip, f.client_port}, &f);
    }
    ++cases;
    for (const auto& log : logs) {
      std::set<ConnKey> seen;
      for (const ZeekRow& r : read_zeek_log(zeek / "Baseline" / baseline / log).rows) {
        const ConnKey k{r["id.orig_h"], std::stoi(r["id.orig_p"]), r["id.resp_h"], std::stoi(r["id.resp_p"])};
        if (!seen.insert(k).second) continue;  // only a connection's first transaction
        const std::string where = baseline + " " + r["id.orig_h"] + ":" + r["id.orig_p"] + "->" + r["id.resp_h"] +
                                  ":" + r["id.resp_p"];
        auto it = by_conn.find(k);
        if (it == by_conn.end()) {
          ++missing_flows;
          missing.push_back(log + " " + where);
          continue;
        }
        const dissect::AppMetadata& m = it->second->meta;
        if (log == "dns.log") {
          const auto* d = m.dns();
          dns.check("query", d ? or_dash(d->query.view()) : "-", r["query"], where);
          dns.check("qtype", d && d->has_query ? std::to_string(d->query_type) : "-", r["qtype"], where);
          dns.check("rcode", d && d->has_response ? std::to_string(d->ret_code) : "-", r["rcode"], where);
          dns.check("answers", d ? or_dash(d->answers.view()) : "-", r["answers"], where, d && d->answers.truncated);
        } else if (log == "http.log") {
          const auto* h = m.http();
          http.check("method", h ? or_dash(h->method.view()) : "-", r["method"], where);
          http.check("host", h ? or_dash(h->host.view()) : "-", r["host"], where);
          const std::string uri = !h ? "-" : h->url.empty() ? (h->has_request ? "(empty)" : "-")
                                                                  : percent_decoded(h->url.view());
          http.check("uri", uri, r["uri"], where, h && h->url.truncated);
          http.check("user_agent", h ? or_dash(h->user_agent.view()) : "-", r["user_agent"], where,
                     h && h->user_agent.truncated);
          http.check("status_code", h && h->has_response ? std::to_string(h->ret_code) : "-", r["status_code"], where);
        } else {
          const auto* t = m.part<dissect::TlsMeta>();
          ssl.check("version", t ? tls_version_name(t->version) : "-", r["version"], where);
          const char* cipher = t && t->has_server_hello ? ndpi_cipher2str(t->cipher) : nullptr;
          ssl.check("cipher", cipher ? cipher : "-", r["cipher"], where);
          ssl.check("server_name", t ? or_dash(t->server_name.view()) : "-", r["server_name"], where);
        }
      }
    }
  }
  std::cout << "Zeek baselines replayed: " << cases << ", logged connections without a flow here: " << missing_flows
            << "\n";
  for (const auto& m : missing) std::cout << "  no flow: " << m << "\n";
  int agree = 0, total = 0;
  for (auto* t : {&dns, &http, &ssl}) {
    const char* name = t == &dns ? "dns.log" : t == &http ? "http.log" : "ssl.log";
    for (const auto& [field, counts] : t->fields) {
      std::cout << name << " " << field << ": " << counts.first << "/" << counts.second << " agree\n";
      agree += counts.first;
      total += counts.second;
    }
    for (const auto& n : t->notes) std::cout << "  " << name << " " << n << "\n";
  }
  std::cout << "total: " << agree << "/" << total << "\n";
  ASSERT_GT(total, 0);
  // Measured 478/512 when written, 497/512 once QUIC Initials were decrypted (ssl.log's
  // QUIC rows), 494/512 once an HTTP CONNECT tunnel was followed: http-connect's flow
  // record carries the mail inside the tunnel, not the CONNECT (method, uri, status_code;
  // its http.log row agrees, golden_zeek_logs). The disagreements left are explained in
  // tests/golden/L7_AGREEMENT.md.
  EXPECT_GE(agree, 494);
}

namespace {

const char* dhcp_type_name(int t) {
  static const char* const kNames[] = {"",    "DISCOVER", "OFFER",   "REQUEST", "DECLINE", "ACK",
                                       "NAK", "RELEASE",  "INFORM",  "FORCERENEW"};
  return t > 0 && t < static_cast<int>(std::size(kNames)) ? kNames[t] : "?";
}

}  // namespace

// dhcp.log: Zeek joins a DHCP exchange across its connections by transaction id; our
// metadata is per flow. Each dhcp.log row is compared with the union of our flows whose
// client MAC is the row's: the host name, and the set of message types seen.
TEST(ZeekL7, DhcpAgreesWithBaselines) {
  FLOWPROBE_REQUIRE_SHARED("corpus/zeek");
  const fs::path zeek = shared_dir() / "corpus" / "zeek";
  const fs::path scratch = scratch_dir("zeek_l7_dhcp");
  int rows = 0, host_agree = 0, host_total = 0, types_agree = 0;
  for (const ZeekCase& c : read_zeek_cases(zeek / "index.json")) {
    const std::string& baseline = c.baseline;
    const std::vector<std::string>& traces = c.traces;
    if (!c.has("dhcp.log") || traces.size() != 1) continue;
    dissect::DissectorEngine engine;
    const auto flows = replay_l7(readable_trace(zeek / "Traces" / traces[0], scratch), engine, nullptr);
    for (const ZeekRow& r : read_zeek_log(zeek / "Baseline" / baseline / "dhcp.log").rows) {
      ++rows;
      std::set<std::string> ours_types;
      std::string ours_host;
      std::array<uint8_t, 6> mac{};
      unsigned m[6] = {};
      if (std::sscanf(r["mac"].c_str(), "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6) continue;
      for (int i = 0; i < 6; ++i) mac[i] = static_cast<uint8_t>(m[i]);
      for (const auto& f : flows) {
        const auto* d = f.meta.dhcp();
        if (!d || d->client_mac != mac) continue;
        for (int t = 1; t < 16; ++t)
          if (d->msg_types & (1u << t)) ours_types.insert(dhcp_type_name(t));
        if (ours_host.empty()) ours_host = std::string(d->host_name.view());
      }
      std::set<std::string> theirs_types;
      std::stringstream ts(r["msg_types"]);
      for (std::string t; std::getline(ts, t, ',');) theirs_types.insert(t);
      // A row logged for one later message (RELEASE, INFORM) is a subset of the client's.
      const bool types_ok = std::includes(ours_types.begin(), ours_types.end(), theirs_types.begin(), theirs_types.end());
      types_agree += types_ok;
      if (!types_ok) std::cout << "  dhcp msg_types differ: " << baseline << " " << r["mac"] << " ours " << ours_types.size() << " types\n";
      if (r["host_name"] != "-") {
        ++host_total;
        host_agree += ours_host == r["host_name"];
        if (ours_host != r["host_name"])
          std::cout << "  dhcp host_name differs: " << baseline << " ours '" << ours_host << "' zeek '" << r["host_name"] << "'\n";
      }
    }
  }
  std::cout << "dhcp.log rows: " << rows << ", msg_types covered: " << types_agree << ", host_name: " << host_agree << "/"
            << host_total << "\n";
  ASSERT_GT(rows, 0);
  EXPECT_EQ(types_agree, rows);
  EXPECT_EQ(host_agree, host_total);
}
