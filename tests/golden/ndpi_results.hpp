#pragma once
// ndpiReader's per-flow result lines (../shared/corpus/ndpi/result/*.out), read into the
// L7 fields the golden tests compare, and a tally of agreement per field. Shared by the
// in-process L7 test (ndpi_l7_test.cpp) and the whole-pipeline one (ndpi_flows_test.cpp).
#include <arpa/inet.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <string>
#include <tuple>
#include <vector>

namespace flowprobe::test::ndpi_results {

namespace fs = std::filesystem;

inline std::string normalise_ip(std::string s) {
  if (s.size() > 2 && s.front() == '[') s = s.substr(1, s.size() - 2);
  in6_addr a6;
  char buf[INET6_ADDRSTRLEN];
  if (s.find(':') != std::string::npos && inet_pton(AF_INET6, s.c_str(), &a6) == 1 &&
      inet_ntop(AF_INET6, &a6, buf, sizeof buf))
    return buf;
  return s;
}

using Key = std::tuple<int, std::string, int, std::string, int>;
inline Key key_of(int proto, const std::string& a, int pa, const std::string& b, int pb) {
  return std::tie(a, pa) <= std::tie(b, pb) ? Key{proto, a, pa, b, pb} : Key{proto, b, pb, a, pa};
}

struct NdpiFlow {
  std::string proto_name, hostname, ja3c, ja3s, tls_version, alpn, bt_hash;
  std::string hassh_c, hassh_s, ssh_server;  // SSH: HASSH-C/-S (upper-case hex), the server's line
};

inline std::map<Key, NdpiFlow> parse_result(const fs::path& out) {
  static const std::regex line(
      R"(^\s+\d+\s+(TCP|UDP) (\[[^\]]+\]|[0-9.]+):(\d+) (?:<->|->) (\[[^\]]+\]|[0-9.]+):(\d+) .*?\[proto: [0-9.]+/([^\]]+)\])");
  static const std::regex host(R"(\[Hostname/SNI: ([^\]]*)\])"), ja3c(R"(\[JA3C: ([0-9a-f]{32})\])"),
      ja3s(R"(\[JA3S: ([0-9a-f]{32})[^\]]*\])"), ver(R"(\[(TLSv1(?:\.[0-3])?|SSLv3)\])"),
      alpn(R"(\[\(Advertised\) ALPNs: ([^\]]*)\])"), bt(R"(\[BT Hash: ([0-9a-f]{40})\])"),
      hassh_c(R"(\[HASSH-C: ([0-9A-Fa-f]{32})\])"), hassh_s(R"(\[HASSH-S: ([0-9A-Fa-f]{32})\])"),
      ssh_server(R"(\[Server: (SSH-[^\]]*)\])");
  std::map<Key, NdpiFlow> m;
  std::ifstream in(out);
  std::smatch g, x;
  for (std::string l; std::getline(in, l);) {
    if (!std::regex_search(l, g, line)) continue;
    NdpiFlow f;
    f.proto_name = g[6];
    if (std::regex_search(l, x, host)) f.hostname = x[1];
    if (std::regex_search(l, x, ja3c)) f.ja3c = x[1];
    if (std::regex_search(l, x, ja3s)) f.ja3s = x[1];
    if (std::regex_search(l, x, ver)) f.tls_version = x[1];
    if (std::regex_search(l, x, alpn)) f.alpn = x[1];
    if (std::regex_search(l, x, bt)) f.bt_hash = x[1];
    if (std::regex_search(l, x, hassh_c)) f.hassh_c = x[1];
    if (std::regex_search(l, x, hassh_s)) f.hassh_s = x[1];
    if (std::regex_search(l, x, ssh_server)) f.ssh_server = x[1];
    m.emplace(key_of(g[1] == "TCP" ? 6 : 17, normalise_ip(g[2]), std::stoi(g[3]), normalise_ip(g[4]), std::stoi(g[5])),
              f);
  }
  return m;
}

inline std::string version_name(uint16_t v) {
  switch (v) {
    case 0x0300: return "SSLv3";
    case 0x0301: return "TLSv1";
    case 0x0302: return "TLSv1.1";
    case 0x0303: return "TLSv1.2";
    case 0x0304: return "TLSv1.3";
    default: return v ? "?" + std::to_string(v) : "";
  }
}

struct Field {
  int agree = 0, total = 0;
  std::vector<std::string> samples;
  std::map<std::string, int> per_capture;
  void check(const std::string& ours, const std::string& theirs, const std::string& where) {
    ++total;
    if (ours == theirs) {
      ++agree;
      return;
    }
    // At most two samples per capture, so one odd capture does not hide the others.
    const std::string capture = where.substr(0, where.find(' '));
    if (samples.size() < 40 && ++per_capture[capture] <= 2)
      samples.push_back(where + ": ours=\"" + ours + "\" ndpi=\"" + theirs + "\"");
  }
};

inline bool has(const std::string& name, const char* proto) {
  const std::string p = proto;
  return name == p || name.rfind(p + ".", 0) == 0;
}

// What we learned about one flow, from whichever path produced it.
struct OurL7 {
  int l4_proto = 0;
  std::string proto_name, sni, ja3c, ja3s, alpn, http_host, dns_query, bt_hash;
  std::string hassh_c, hassh_s, ssh_client, ssh_server;  // SSH: HASSH (lower-case hex), identification lines
  uint16_t tls_version = 0;  // negotiated, wire value
};

// Tallies the fields nDPI printed for this flow. Returns false for a QUIC flow, whose
// fields are tallied apart: nDPI reads only the client's Initial, so SNI, JA3C and ALPN.
inline bool compare_flow(std::map<std::string, Field>& fields, const OurL7& f, const NdpiFlow& n, const std::string& where) {
  fields["protocol name (nDPI 4.2 vs 4.11)"].check(f.proto_name, n.proto_name, where);
  if (!n.bt_hash.empty()) fields["BitTorrent hash"].check(f.bt_hash, n.bt_hash, where);
  if (has(n.proto_name, "QUIC")) {
    if (!n.hostname.empty()) fields["QUIC SNI"].check(f.sni, n.hostname, where);
    if (!n.ja3c.empty()) fields["QUIC JA3C"].check(f.ja3c, n.ja3c, where);
    if (!n.alpn.empty()) {
      std::string a = f.alpn;
      std::replace(a.begin(), a.end(), ',', ';');
      fields["QUIC ALPN (advertised)"].check(a, n.alpn, where);
    }
    return false;
  }
  if (has(n.proto_name, "SSH")) {
    const auto upper = [](std::string v) {
      std::transform(v.begin(), v.end(), v.begin(), ::toupper);
      return v;
    };
    if (!n.hassh_c.empty()) fields["HASSH client"].check(upper(f.hassh_c), upper(n.hassh_c), where);
    if (!n.hassh_s.empty()) fields["HASSH server"].check(upper(f.hassh_s), upper(n.hassh_s), where);
    // nDPI prints the client's line as Hostname/SNI.
    if (!n.hostname.empty()) fields["SSH client line"].check(f.ssh_client, n.hostname, where);
    if (!n.ssh_server.empty()) fields["SSH server line"].check(f.ssh_server, n.ssh_server, where);
    return true;
  }
  const bool tls_flow = f.l4_proto == 6 && (!n.ja3c.empty() || !n.tls_version.empty());
  if (tls_flow) {
    if (!n.hostname.empty()) fields["TLS SNI"].check(f.sni, n.hostname, where);
    if (!n.ja3c.empty()) fields["JA3C"].check(f.ja3c, n.ja3c, where);
    if (!n.ja3s.empty()) fields["JA3S"].check(f.ja3s, n.ja3s, where);
    // nDPI prints the ClientHello's version when it saw no ServerHello; TLS_VERSION is
    // the negotiated one, so only flows with a ServerHello (a JA3S) are comparable.
    if (!n.tls_version.empty() && !n.ja3s.empty())
      fields["TLS version (negotiated)"].check(version_name(f.tls_version), n.tls_version, where);
    if (!n.alpn.empty()) {
      std::string a = f.alpn;
      std::replace(a.begin(), a.end(), ',', ';');
      fields["ALPN (advertised)"].check(a, n.alpn, where);
    }
  } else if (has(n.proto_name, "HTTP") && !n.hostname.empty() && f.l4_proto == 6) {
    std::string host = f.http_host;
    if (auto colon = host.rfind(':'); colon != std::string::npos && host.find(']') == std::string::npos &&
                                      host.find(':') == colon)
      host.resize(colon);  // nDPI drops the port from Host
    std::transform(host.begin(), host.end(), host.begin(), ::tolower);
    fields["HTTP Host"].check(host, n.hostname, where);
  } else if ((has(n.proto_name, "DNS") || has(n.proto_name, "MDNS") || has(n.proto_name, "LLMNR")) &&
             !n.hostname.empty()) {
    fields["DNS query"].check(f.dns_query, n.hostname, where);
  }
  return true;
}

}  // namespace flowprobe::test::ndpi_results
