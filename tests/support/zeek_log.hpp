#pragma once
// Reads a Zeek TSV log (conn.log, dns.log, …) as rows keyed by the #fields names, and the
// corpus index of Zeek's test cases, for the golden tests that compare flowprobe with
// Zeek's baselines (and read flowprobe's own --zeek-logs output the same way).
#include <simdjson.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
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
  std::vector<std::string> types;   // the #types line
  std::vector<std::string> header;  // every '#' line, as written
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
    if (!line.empty() && line[0] == '#') log.header.push_back(line);
    if (line.rfind("#fields", 0) == 0) {
      log.fields.assign(cols.begin() + 1, cols.end());
      continue;
    }
    if (line.rfind("#types", 0) == 0) {
      log.types.assign(cols.begin() + 1, cols.end());
      continue;
    }
    if (line.empty() || line[0] == '#' || log.fields.empty()) continue;
    ZeekRow r;
    for (std::size_t i = 0; i < log.fields.size() && i < cols.size(); ++i) r.f[log.fields[i]] = cols[i];
    log.rows.push_back(std::move(r));
  }
  return log;
}

// A log of the OsecT profile: no #fields line (its header lines are bare "#"), so the
// columns are named by `fields` (tab separated, ZeekLogInfo::osect_fields); every '#'
// line is kept in header, every other line is a row.
inline ZeekLog read_headerless_log(const std::filesystem::path& path, std::string_view fields) {
  ZeekLog log;
  std::stringstream fs{std::string(fields)};
  for (std::string c; std::getline(fs, c, '\t');) log.fields.push_back(c);
  std::ifstream in(path);
  if (!in) return log;
  log.readable = true;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line[0] == '#') {
      log.header.push_back(line);
      continue;
    }
    std::vector<std::string> cols;
    std::stringstream ss(line);
    for (std::string c; std::getline(ss, c, '\t');) cols.push_back(c);
    if (!line.empty() && line.back() == '\t') cols.emplace_back();  // a last empty column
    ZeekRow r;
    for (std::size_t i = 0; i < log.fields.size() && i < cols.size(); ++i) r.f[log.fields[i]] = cols[i];
    r.f["#columns"] = std::to_string(cols.size());
    log.rows.push_back(std::move(r));
  }
  return log;
}

// One test case of ../shared/corpus/zeek/index.json: its Baseline folder, the traces
// Zeek read and the log files the baseline holds.
struct ZeekCase {
  std::string baseline;
  std::string test;  // the test script, relative to the corpus' tests/
  std::vector<std::string> traces;
  std::vector<std::string> files;
  bool has(const std::string& file) const {
    for (const auto& f : files)
      if (f == file) return true;
    return false;
  }
};

inline std::vector<ZeekCase> read_zeek_cases(const std::filesystem::path& index_json) {
  std::vector<ZeekCase> out;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.load(index_json.string()).get(doc)) return out;
  for (simdjson::dom::element c : doc.get_array()) {
    ZeekCase z;
    z.baseline = std::string(std::string_view(c["baseline"]));
    z.test = std::string(std::string_view(c["test"]));
    for (simdjson::dom::element t : c["traces"].get_array()) z.traces.emplace_back(std::string_view(t));
    for (simdjson::dom::element f : c["files"].get_array()) z.files.emplace_back(std::string_view(f));
    out.push_back(std::move(z));
  }
  return out;
}

}  // namespace flowprobe::test
