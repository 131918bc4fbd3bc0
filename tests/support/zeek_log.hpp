#pragma once
// Reads a Zeek TSV log (conn.log, dns.log, …) as rows keyed by the #fields names, for the
// golden tests that compare flowprobe with Zeek's baselines.
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace flowprobe::test {

struct ZeekRow {
  std::map<std::string, std::string> f;
  // Zeek's "unset" marker for a column the row lacks.
  const std::string& operator[](const std::string& k) const {
    static const std::string none = "-";
    auto it = f.find(k);
    return it == f.end() ? none : it->second;
  }
};

struct ZeekLog {
  bool readable = false;
  std::vector<std::string> fields;  // the #fields line
  std::vector<ZeekRow> rows;
};

inline ZeekLog read_zeek_log(const std::filesystem::path& path) {
  ZeekLog log;
  std::ifstream in(path);
  if (!in) return log;
  log.readable = true;
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> cols;
    std::stringstream ss(line);
    for (std::string c; std::getline(ss, c, '\t');) cols.push_back(c);
    if (line.rfind("#fields", 0) == 0) {
      log.fields.assign(cols.begin() + 1, cols.end());
      continue;
    }
    if (line.empty() || line[0] == '#' || log.fields.empty()) continue;
    ZeekRow r;
    for (std::size_t i = 0; i < log.fields.size() && i < cols.size(); ++i) r.f[log.fields[i]] = cols[i];
    log.rows.push_back(std::move(r));
  }
  return log;
}

}  // namespace flowprobe::test
