#include "report/context.hpp"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace flowprobe::report {

std::string tls_version_name(uint32_t v) {
  switch (v) {
    case 2:
    case 0x0200: return "SSL 2.0";
    case 0x0300: return "SSL 3.0";
    case 0x0301: return "TLS 1.0";
    case 0x0302: return "TLS 1.1";
    case 0x0303: return "TLS 1.2";
    case 0x0304: return "TLS 1.3";
    default: break;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), "Unknown (0x%04x)", v);
  return buf;
}

bool Context::load_hosts(const std::string& path, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = "--hosts '" + path + "': cannot read it";
    return false;
  }
  std::string line;
  while (std::getline(in, line)) {
    if (const auto h = line.find('#'); h != std::string::npos) line.resize(h);
    std::istringstream ls(line);
    std::string addr, name;
    if (!(ls >> addr >> name)) continue;
    const IpKey ip = parse_ip(addr);
    if (ip.valid()) hosts_.emplace(ip, name);
  }
  return true;
}

void Context::learn_dns(const FlowRec& f) {
  if (f.dns_query.empty() || f.dns_response.empty()) return;
  std::string_view rest = f.dns_response;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    const IpKey ip = parse_ip(item);
    if (ip.valid()) dns_names_.try_emplace(ip, std::string(f.dns_query));
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
}

const std::string& Context::name_of(const IpKey& ip) const {
  static const std::string none;
  if (auto it = hosts_.find(ip); it != hosts_.end()) return it->second;
  if (auto it = dns_names_.find(ip); it != dns_names_.end()) return it->second;
  return none;
}

void Context::learn_place(const IpKey& ip, std::string_view country, std::string_view org) {
  if (geo || (country.empty() && org.empty())) return;  // the databases answer for every address
  Learned& l = learned_[ip];
  if (country.size() == 2) std::memcpy(l.country.data(), country.data(), 2);
  if (!org.empty() && l.org == UINT32_MAX) {
    auto [it, added] = org_index_.try_emplace(std::string(org), static_cast<uint32_t>(orgs_.size()));
    if (added) orgs_.push_back(it->first);
    l.org = it->second;
  }
}

Place Context::place(const IpKey& ip) const {
  if (auto it = place_cache_.find(ip); it != place_cache_.end()) return it->second;
  Place p;
  p.local = is_private(ip);
  if (!p.local) {
    if (geo) {
      GeoInfo g;
      geo->lookup(ip.b.data(), ip.v, g);
      if (g.country[0]) p.country.assign(g.country.data(), 2);
      p.org = g.as_org;
    } else if (auto it = learned_.find(ip); it != learned_.end()) {
      if (it->second.country[0]) p.country.assign(it->second.country.data(), 2);
      if (it->second.org != UINT32_MAX) p.org = orgs_[it->second.org];
    }
  }
  if (place_cache_.size() < 1'000'000) place_cache_.emplace(ip, p);
  return p;
}

bool Context::parse_home_net(std::string& error) {
  home_.clear();
  for (const std::string& cidr : opt.home_net) {
    const auto slash = cidr.find('/');
    const IpKey base = parse_ip(cidr.substr(0, slash));
    int bits = base.v == 4 ? 32 : 128;
    if (slash != std::string::npos) bits = std::atoi(cidr.c_str() + slash + 1);
    if (!base.valid() || bits < 0 || bits > (base.v == 4 ? 32 : 128)) {
      error = "--home-net '" + cidr + "': expected an address/prefix (10.0.0.0/8, fd00::/8)";
      return false;
    }
    home_.push_back({base, bits});
  }
  return true;
}

bool Context::internal(const IpKey& ip) const {
  for (const Net& n : home_) {
    if (n.base.v != ip.v) continue;
    int bits = n.bits;
    bool match = true;
    for (int i = 0; bits > 0 && match; ++i, bits -= 8) {
      const uint8_t mask = bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
      match = (ip.b[static_cast<std::size_t>(i)] & mask) == (n.base.b[static_cast<std::size_t>(i)] & mask);
    }
    if (match) return true;
  }
  return false;
}

std::vector<std::string> Context::input_footer() const {
  std::vector<std::string> out;
  std::string read = "Read " + thousands(lines[static_cast<int>(LineKind::flow)]) + " flow records, " +
                     thousands(lines[static_cast<int>(LineKind::alert)]) + " alerts";
  if (lines[static_cast<int>(LineKind::http_tx)])
    read += ", " + thousands(lines[static_cast<int>(LineKind::http_tx)]) + " HTTP transactions";
  read += " (" + bytes_text(input_bytes) + ")";
  if (flows_outside || alerts_outside)
    read += "; outside both windows and left out: " + thousands(flows_outside) + " flow records, " +
            thousands(alerts_outside) + " alerts";
  out.push_back(read + ".");
  if (const uint64_t n = lines[static_cast<int>(LineKind::eve_other)])
    out.push_back(thousands(n) + " lines: " + std::string(line_kind_text(LineKind::eve_other)) + ".");
  if (const uint64_t n = lines[static_cast<int>(LineKind::blank)]) out.push_back(thousands(n) + " blank lines.");
  uint64_t skipped = 0;
  for (int k = 0; k < kLineKinds; ++k)
    if (is_skip(static_cast<LineKind>(k))) skipped += lines[static_cast<std::size_t>(k)];
  if (skipped == 0) {
    out.push_back("No line was skipped.");
  } else {
    for (int k = 0; k < kLineKinds; ++k) {
      const uint64_t n = lines[static_cast<std::size_t>(k)];
      if (n && is_skip(static_cast<LineKind>(k)))
        out.push_back(thousands(n) + (n == 1 ? " line" : " lines") + " skipped: " +
                      std::string(line_kind_text(static_cast<LineKind>(k))) + ".");
    }
  }
  for (const std::string& n : input_notes) out.push_back(n + ".");
  std::string src = "Inputs: ";
  for (std::size_t i = 0; i < sources.size() && i < 12; ++i) src += (i ? ", " : "") + sources[i];
  if (sources.size() > 12) src += " and " + std::to_string(sources.size() - 12) + " more files";
  out.push_back(src + ".");
  if (!geo_description.empty()) out.push_back("Countries and organisations: " + geo_description + ".");
  return out;
}

}  // namespace flowprobe::report
