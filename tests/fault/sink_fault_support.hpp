#pragma once
// What the sink fault tests share: captures made by pcapgen, the probe run to its end or
// in the background, records read back as identities (the record less its export
// sequence number), the summary's last line.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "integration/export_support.hpp"
#include "support/run_program.hpp"

namespace flowprobe::test {

// A capture made once per build by pcapgen with `args`, e.g. {"--scenario", "demo"}.
inline std::filesystem::path fault_capture(const std::string& name, const std::vector<std::string>& args) {
  const std::filesystem::path f = scratch_dir("fault_captures") / name;
  if (!std::filesystem::exists(f)) {
    std::vector<std::string> argv{pcapgen_binary().string(), "-q", "-o", f.string() + ".tmp"};
    argv.insert(argv.end(), args.begin(), args.end());
    const ProgramResult r = run_program(argv);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::filesystem::rename(f.string() + ".tmp", f);
  }
  return f;
}
inline std::filesystem::path demo_pcap() { return fault_capture("demo.pcap", {"--scenario", "demo"}); }
// 100,000 flows of two packets each: enough records that a receiver killed mid-run is
// killed while the probe is sending.
inline std::filesystem::path flows_100k_pcap() {
  return fault_capture("bench-100k.pcap", {"--scenario", "bench-64b", "--flows", "100k", "--packets", "200k"});
}

inline ProgramResult run_flowprobe(std::vector<std::string> args) {
  args.insert(args.begin(), flowprobe_binary().string());
  return run_program(args);
}

// What a plain run to a file writes for `pcap`: the records every other sink must deliver.
inline std::multiset<std::string> reference_identities(const std::filesystem::path& pcap, const std::filesystem::path& dir) {
  const std::filesystem::path ref = dir / "reference.json";
  const ProgramResult r = run_flowprobe({"-i", pcap.string(), "-o", ref.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return record_identities(read_lines(ref));
}

// How many times records arrived more than once.
inline size_t duplicates(const std::multiset<std::string>& got) {
  return got.size() - std::set<std::string>(got.begin(), got.end()).size();
}

inline std::string last_line(const std::string& text) {
  const auto end = text.find_last_not_of('\n');
  if (end == std::string::npos) return {};
  const auto start = text.rfind('\n', end);
  return text.substr(start == std::string::npos ? 0 : start + 1, end - (start == std::string::npos ? 0 : start + 1) + 1);
}

inline bool accounting_ok(const std::string& summary) {
  return summary.find("accounting                           ok") != std::string::npos;
}

// A count as the tables write it: 1,234,567.
inline std::string grouped(long long v) {
  std::string digits = std::to_string(v < 0 ? -v : v), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return v < 0 ? "-" + out : out;
}

// One row of RELIABILITY.md's table, on stdout, for scripts/fault-soak to collect:
// "fault-row: case | load | faults | delivered | lost | sent twice"; `lost_note` says
// whose loss it is, when there is one (the receiver's, or counted and expected).
inline void fault_row(const std::string& name, const std::string& load, const std::string& faults, long long delivered,
                      long long lost, long long twice, const std::string& lost_note = "") {
  const std::string lost_text = grouped(lost) + (lost != 0 && !lost_note.empty() ? ", " + lost_note : "");
  std::printf("fault-row: %s | %s | %s | %s | %s | %s\n", name.c_str(), load.c_str(), faults.c_str(),
              grouped(delivered).c_str(), lost_text.c_str(), grouped(twice).c_str());
  std::fflush(stdout);
}

}  // namespace flowprobe::test
