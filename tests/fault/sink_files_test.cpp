// Files on a sensor that runs for a year: rotation at the first record past either bound
// (size, or age in packet time, so a replay rotates as a live run would) for the JSON,
// events and alerts files alike, and one retention over everything the probe writes.
#include "sink_fault_support.hpp"

#include <algorithm>
#include <ctime>
#include <map>

#include "export/retention.hpp"

namespace fs = std::filesystem;
using namespace flowprobe::test;
using flowprobe::FileRole;
using flowprobe::rotated_file_role;

namespace {

// The files `base` was rotated into, oldest first ("<base>.<stamp>[.<n>]": by stamp, then n).
std::vector<fs::path> rotated(const fs::path& dir, const std::string& base) {
  std::vector<std::pair<std::pair<std::string, long>, fs::path>> found;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (rotated_file_role(name, base) != FileRole::closed) continue;
    const std::string stamp = name.substr(base.size() + 1, 15);
    const long n = name.size() > base.size() + 16 ? std::stol(name.substr(base.size() + 17)) : 0;
    found.push_back({{stamp, n}, e.path()});
  }
  std::sort(found.begin(), found.end());
  std::vector<fs::path> out;
  for (auto& f : found) out.push_back(f.second);
  return out;
}

// Every line of the rotated files, oldest first, then the live file's.
std::vector<std::string> all_lines(const fs::path& dir, const std::string& base) {
  std::vector<std::string> lines;
  for (const fs::path& f : rotated(dir, base)) {
    const auto l = read_lines(f);
    lines.insert(lines.end(), l.begin(), l.end());
  }
  const auto live = read_lines(dir / base);
  lines.insert(lines.end(), live.begin(), live.end());
  return lines;
}

long long end_ms(const std::string& record) {
  const auto at = record.find("\"FLOW_END_MILLISECONDS\":");
  return at == std::string::npos ? -1 : std::stoll(record.substr(at + 24));
}

void write_old(const fs::path& file, std::size_t bytes, std::chrono::hours age) {
  fs::create_directories(file.parent_path());
  std::ofstream(file) << std::string(bytes, 'x');
  fs::last_write_time(file, fs::file_time_type::clock::now() - age);
}

fs::path demo_rules(const fs::path& dir) {
  std::ofstream(dir / "demo.rules")
      << "alert http any any -> any any (msg:\"demo host\"; http.host; content:\"example\"; sid:7001;)\n"
      << "alert dns any any -> any any (msg:\"demo query\"; dns.query; content:\"example\"; sid:7002;)\n"
      << "alert ip any any -> any any (msg:\"any packet\"; sid:7003;)\n";
  return dir / "demo.rules";
}

}  // namespace

// A replay's records arrive in batches of up to 256 KB: each file still closes at the
// first record that would take it past --rotate-size, and the records, read back across
// the files, are the unrotated output's, in order. Events and alerts rotate the same way.
TEST(FaultFiles, ReplayRotatesEveryOutputBySize) {
  const fs::path dir = scratch_dir("fault_files_size");
  fs::remove_all(dir);
  fs::create_directories(dir / "out");
  const fs::path rules = demo_rules(dir);
  const ProgramResult ref = run_flowprobe({"-i", demo_pcap().string(), "-o", (dir / "ref-flows.json").string(),
                                           "--events-output", (dir / "ref-events.json").string(), "--rules",
                                           rules.string(), "--alerts-output", (dir / "ref-alerts.json").string()});
  ASSERT_EQ(ref.exit_code, 0) << ref.err;
  const fs::path out = dir / "out";
  const ProgramResult r = run_flowprobe({"-i", demo_pcap().string(), "-o", (out / "flows.json").string(),
                                         "--events-output", (out / "events.json").string(), "--rules", rules.string(),
                                         "--alerts-output", (out / "alerts.json").string(), "--rotate-size", "2k"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(summary_value(r.err, "lost"), 0) << r.err;
  for (const std::string base : {"flows.json", "events.json", "alerts.json"}) {
    const auto files = rotated(out, base);
    const auto reference = read_lines(dir / ("ref-" + base));
    std::size_t bytes = 0;
    for (const std::string& l : reference) bytes += l.size() + 1;
    ASSERT_GT(bytes, 2u * 2048) << base << ": the demo must give enough to rotate";
    EXPECT_GE(files.size(), bytes / 2048 - 1) << base;
    for (const fs::path& f : files)
      EXPECT_TRUE(fs::file_size(f) <= 2048 || read_lines(f).size() == 1) << f << ": " << fs::file_size(f) << " bytes";
    EXPECT_TRUE(all_lines(out, base) == reference) << base << ": records lost, repeated or reordered by rotation";
  }
}

// --rotate-age counts packet time: the demo's three minutes of traffic, replayed in a
// fraction of a second, make files of at most 60 s of packet clock each (the clock is the
// latest record time seen; records do not end in time order), named by the clock when
// they opened, in the order they were written, the same on every replay.
TEST(FaultFiles, ReplayRotatesByPacketTime) {
  const fs::path dir = scratch_dir("fault_files_age");
  fs::remove_all(dir);
  fs::create_directories(dir / "out");
  const std::vector<std::string> args = {"-i", demo_pcap().string(), "--json-labels", "-T",
                                         "%IPV4_SRC_ADDR %L4_SRC_PORT %FLOW_END_MILLISECONDS"};
  auto ref_args = args;
  ref_args.insert(ref_args.end(), {"-o", (dir / "ref.json").string()});
  ASSERT_EQ(run_flowprobe(ref_args).exit_code, 0);
  auto run_args = args;
  run_args.insert(run_args.end(), {"-o", (dir / "out" / "flows.json").string(), "--rotate-age", "60"});
  const ProgramResult r = run_flowprobe(run_args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto files = rotated(dir / "out", "flows.json");
  ASSERT_GE(files.size(), 2u) << r.err;
  EXPECT_EQ(summary_value(r.err, "sink.file.rotations"), static_cast<long long>(files.size()));
  EXPECT_TRUE(all_lines(dir / "out", "flows.json") == read_lines(dir / "ref.json")) << "names out of write order";
  const auto stamp_ms = [](const fs::path& f) {
    std::tm tm{};
    ::strptime(f.filename().string().substr(11, 15).c_str(), "%Y%m%d-%H%M%S", &tm);
    return static_cast<long long>(::timegm(&tm)) * 1000;
  };
  long long clock = 0;  // the packet clock: the latest record time so far
  for (std::size_t i = 0; i < files.size(); ++i) {
    const long long opened = stamp_ms(files[i]);
    EXPECT_LE(opened, std::max(clock, end_ms(read_lines(files[i]).front()))) << files[i];
    for (const std::string& l : read_lines(files[i])) {
      clock = std::max(clock, end_ms(l));
      EXPECT_LT(clock, opened + 61000) << files[i] << ": " << l;  // the stamp is whole seconds
    }
    if (i + 1 < files.size()) {
      EXPECT_GE(stamp_ms(files[i + 1]), opened + 59000) << files[i + 1];
    }
  }
  // The same replay names its files the same.
  fs::remove_all(dir / "out");
  fs::create_directories(dir / "out");
  ASSERT_EQ(run_flowprobe(run_args).exit_code, 0);
  const auto files_again = rotated(dir / "out", "flows.json");
  ASSERT_EQ(files_again.size(), files.size());
  for (std::size_t i = 0; i < files.size(); ++i) EXPECT_EQ(files_again[i].filename(), files[i].filename());
}

// One retention over every file the probe writes: rotated JSON, events and alerts files,
// rotated Zeek logs and --capture files older than --retention go; anything else stays.
TEST(FaultFiles, RetentionAgeAppliesToEveryFileTheProbeWrites) {
  const fs::path dir = scratch_dir("fault_files_retention_age");
  fs::remove_all(dir);
  const fs::path out = dir / "out";
  const std::vector<fs::path> old = {out / "flows.json.20240101-000000", out / "events.json.20240101-000000",
                                     out / "alerts.json.20240101-000000",
                                     out / "zeek" / "conn.2024-01-01-00-00-00.log",
                                     out / "zeek" / "dns.2024-01-01-00-00-00-1.log", out / "rx.pcap"};
  for (const fs::path& f : old) write_old(f, 100, std::chrono::hours(48));
  const std::vector<fs::path> keep = {out / "notes.txt", out / "zeek" / "mine.log", out / "flows.json.backup"};
  for (const fs::path& f : keep) write_old(f, 100, std::chrono::hours(48));
  write_old(out / "flows.json.20240102-000000", 100, std::chrono::hours(1));  // young: stays

  const ProgramResult r = run_flowprobe(
      {"-i", demo_pcap().string(), "-o", (out / "flows.json").string(), "--events-output",
       (out / "events.json").string(), "--rules", demo_rules(dir).string(), "--alerts-output",
       (out / "alerts.json").string(), "--zeek-logs", (out / "zeek").string(), "--capture", "10",
       (out / "rx.pcap").string(), "--retention", "86400"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const fs::path& f : old) {
    if (f.filename() != "rx.pcap") {
      EXPECT_FALSE(fs::exists(f)) << f << " outlived --retention";
    }
  }
  EXPECT_EQ(summary_value(r.err, "retention.deleted_files"), static_cast<long long>(old.size())) << r.err;
  EXPECT_TRUE(fs::exists(out / "rx.pcap")) << "this run's capture";
  EXPECT_LT(fs::file_time_type::clock::now() - fs::last_write_time(out / "rx.pcap"), std::chrono::hours(1));
  for (const fs::path& f : keep) EXPECT_TRUE(fs::exists(f)) << f << ": not the probe's, never deleted";
  EXPECT_TRUE(fs::exists(out / "flows.json.20240102-000000"));
  EXPECT_FALSE(read_lines(out / "flows.json").empty());
}

// --retention-max-bytes: one budget over all of them; the oldest closed files go first,
// whichever output wrote them, until everything watched fits.
TEST(FaultFiles, RetentionSizeCapKeepsTheNewestWithinTheBudget) {
  const fs::path dir = scratch_dir("fault_files_retention_cap");
  fs::remove_all(dir);
  const fs::path out = dir / "out";
  std::map<fs::path, int> ages;  // hours
  for (int i = 0; i < 6; ++i) {
    char name[64];
    std::snprintf(name, sizeof name, "flows.json.202401%02d-000000", i + 1);
    ages[out / name] = 100 - 10 * i;
    std::snprintf(name, sizeof name, "conn.2024-02-%02d-00-00-00.log", i + 1);
    ages[out / "zeek" / name] = 95 - 10 * i;
  }
  for (const auto& [f, h] : ages) write_old(f, 100'000, std::chrono::hours(h));
  const ProgramResult r = run_flowprobe({"-i", demo_pcap().string(), "-o", (out / "flows.json").string(), "--zeek-logs",
                                         (out / "zeek").string(), "--retention-max-bytes", "600k"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  uint64_t total = 0;
  int oldest_kept = 0, youngest_gone = 1000;
  for (const auto& [f, h] : ages) {
    if (fs::exists(f)) total += fs::file_size(f), oldest_kept = std::max(oldest_kept, h);
    else youngest_gone = std::min(youngest_gone, h);
  }
  total += fs::file_size(out / "flows.json");
  for (const auto& e : fs::directory_iterator(out / "zeek"))
    if (rotated_file_role(e.path().filename().string(), "x") == FileRole::other && e.path().extension() == ".log" &&
        ages.count(e.path()) == 0)
      total += fs::file_size(e.path());  // this run's live logs count too
  EXPECT_LE(total, 600u * 1024) << r.err;
  EXPECT_GT(total, 400u * 1024) << "no more was deleted than needed";
  EXPECT_LT(oldest_kept, youngest_gone) << "the oldest went first, whoever wrote them";
  EXPECT_GE(summary_value(r.err, "retention.deleted_files"), 7) << r.err;
}
