#pragma once
// Comparing our --zeek-logs rows with a Zeek baseline's, column by column (the golden
// tests of the Zeek and OsecT profiles).
#include <algorithm>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "support/zeek_log.hpp"

namespace flowprobe::test {

// Agreement per "log column": how many compared rows agree, and each difference (where,
// ours, Zeek's) for the verbose listing.
struct Tally {
  std::map<std::string, std::pair<int, int>> fields;  // "log column" -> (agree, compared)
  std::vector<std::string> notes;
  void check(const std::string& field, const std::string& ours, const std::string& theirs, const std::string& where) {
    auto& [agree, total] = fields[field];
    ++total;
    if (ours == theirs) ++agree;
    else notes.push_back(field + " @ " + where + ": ours=\"" + ours + "\" zeek=\"" + theirs + "\"");
  }
};

inline bool is_number(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

using ConnKey = std::tuple<std::string, std::string, std::string, std::string, std::string>;  // proto, oh, op, rh, rp

// Our rows by (proto, orig, resp); each is taken once, in either orientation (`reversed`
// says it was ours the other way round).
struct OurRows {
  std::multimap<ConnKey, std::pair<const ZeekRow*, bool>> m;  // row, used
  explicit OurRows(const ZeekLog& log, bool with_proto = true) {
    for (const ZeekRow& r : log.rows)
      m.emplace(ConnKey{with_proto ? r["proto"] : "", r["id.orig_h"], r["id.orig_p"], r["id.resp_h"], r["id.resp_p"]},
                std::pair{&r, false});
  }
  const ZeekRow* take(const ConnKey& k, bool& reversed) {
    for (int pass = 0; pass < 2; ++pass) {
      const auto& [p, a, ap, b, bp] = k;
      auto [lo, hi] = m.equal_range(pass == 0 ? k : ConnKey{p, b, bp, a, ap});
      for (auto it = lo; it != hi; ++it)
        if (!it->second.second) {
          it->second.second = true;
          reversed = pass == 1;
          return it->second.first;
        }
    }
    return nullptr;
  }
};

}  // namespace flowprobe::test
