// --user NAME: flowprobe opens the port as root, then runs as NAME with no capability
// in any thread, and what it writes is NAME's. Checked from outside, in the kernel's
// words (/proc/PID/task/*/status), on a pcap replay and on af_packet in a namespace of
// the test's own; and by the owner of the files it wrote.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <regex>

#include "export_support.hpp"
#include "support/netns.hpp"
#include "support/run_program.hpp"

namespace fs = std::filesystem;
using namespace flowprobe::test;
using namespace std::chrono_literals;

namespace {

constexpr uid_t kNobody = 65534;

fs::path corpus_pcap() { return shared_dir() / "corpus" / "ndpi" / "pcap" / "zabbix.pcap"; }

// A directory `nobody` owns, as an operator would give the probe's user.
fs::path nobody_dir(const std::string& name) {
  const fs::path d = scratch_dir(name);
  if (::chown(d.c_str(), kNobody, kNobody) != 0) return {};
  return d;
}

uid_t owner(const fs::path& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 ? st.st_uid : static_cast<uid_t>(-1);
}

// "Uid", "Gid", "Groups", "CapEff", ... of every thread of `pid`: the kernel's view.
std::vector<std::map<std::string, std::string>> thread_credentials(pid_t pid) {
  std::vector<std::map<std::string, std::string>> out;
  std::error_code ec;
  for (const auto& task : fs::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::map<std::string, std::string> fields;
    for (const std::string& line : read_lines(task.path() / "status")) {
      const auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string v = line.substr(colon + 1);
      v.erase(0, v.find_first_not_of(" \t"));
      while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.pop_back();
      fields[line.substr(0, colon)] = v;
    }
    fields["Tid"] = task.path().filename().string();
    out.push_back(fields);
  }
  return out;
}

// Every thread: all four uids and gids nobody's, no supplementary group but nobody's,
// no capability in any set, no_new_privs.
void expect_dropped(pid_t pid) {
  const auto threads = thread_credentials(pid);
  ASSERT_GE(threads.size(), 2u) << "the probe runs several threads (RX lcore, exporter, statistics)";
  for (const auto& t : threads) {
    const std::string who = "thread " + t.at("Tid") + " (" + t.at("Name") + ")";
    EXPECT_EQ(t.at("Uid"), "65534\t65534\t65534\t65534") << who;
    EXPECT_EQ(t.at("Gid"), "65534\t65534\t65534\t65534") << who;
    EXPECT_EQ(t.at("Groups"), "65534") << who;
    for (const char* set : {"CapInh", "CapPrm", "CapEff", "CapAmb"})
      EXPECT_EQ(t.at(set), "0000000000000000") << who << " " << set;
    EXPECT_EQ(t.at("NoNewPrivs"), "1") << who;
  }
}

}  // namespace

// A plain replay as nobody gives the records a root run gives, in files nobody owns.
TEST(User, PcapReplayAsNobodyWritesNobodysFiles) {
  FLOWPROBE_REQUIRE_SHARED("corpus/ndpi/pcap");
  if (::geteuid() != 0) GTEST_SKIP() << "--user needs root";
  const fs::path d = nobody_dir("user-pcap");
  ASSERT_FALSE(d.empty());
  const ProgramResult root = run_program({flowprobe_binary().string(), "-i", corpus_pcap().string(), "-o",
                                          (d / "as-root.json").string()});
  ASSERT_EQ(root.exit_code, 0) << root.err;
  const ProgramResult r = run_program({flowprobe_binary().string(), "-i", corpus_pcap().string(), "--user", "nobody",
                                       "-o", (d / "flows.json").string(), "--log-file", (d / "probe.log").string(),
                                       "--zeek-logs", (d / "zeek").string(), "-v"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::regex_search(r.err, std::regex("accounting +ok"))) << r.err;
  EXPECT_NE(r.err.find("--user nobody: port open, root dropped: uid 65534 gid 65534 groups 65534, capabilities none, "
                       "no_new_privs 1"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(read_lines(d / "flows.json").size(), 24u);
  EXPECT_EQ(read_lines(d / "flows.json").size(), read_lines(d / "as-root.json").size());
  for (const fs::path& f : {d / "flows.json", d / "probe.log", d / "zeek", d / "zeek" / "conn.log"})
    EXPECT_EQ(owner(f), kNobody) << f;
  EXPECT_EQ(owner(d / "as-root.json"), 0u);
}

// While it runs: every thread of the process, seen from outside.
TEST(User, NoThreadKeepsRootOrACapability) {
  FLOWPROBE_REQUIRE_SHARED("corpus/ndpi/pcap");
  if (::geteuid() != 0) GTEST_SKIP() << "--user needs root";
  const fs::path d = nobody_dir("user-threads");
  ASSERT_FALSE(d.empty());
  Background probe({flowprobe_binary().string(), "-i", corpus_pcap().string(), "--replay-loop", "--max-packets",
                    "2000000000", "--user", "nobody", "-o", (d / "flows.json").string(), "--stats-file",
                    (d / "stats.json").string(), "--stats-listen", "0"},
                   d / "probe.out", d / "probe.err");
  // Packets counted: the port is open and the RX core runs, so root is gone.
  ASSERT_TRUE(wait_until([&] { return std::regex_search(read_file(d / "stats.json"), std::regex("\"rx_packets\":[1-9]")); }, 60s))
      << read_file(d / "probe.err");
  expect_dropped(probe.pid());
  EXPECT_EQ(owner(d / "stats.json"), kNobody);
  EXPECT_EQ(probe.stop(SIGTERM, 60s), 0) << read_file(d / "probe.err");
  EXPECT_EQ(owner(d / "flows.json"), kNobody);
  EXPECT_FALSE(read_lines(d / "flows.json").empty());
}

// af_packet: the socket and its ring are opened as root, then the capture goes on as
// nobody: every packet replayed into the veth reaches the probe.
TEST(User, AfPacketCaptureGoesOnAsNobody) {
  FLOWPROBE_REQUIRE_SHARED("corpus/ndpi/pcap");
  if (::geteuid() != 0) GTEST_SKIP() << "--user needs root";
  if (Namespace::sh("command -v tcpreplay").exit_code != 0) GTEST_SKIP() << "tcpreplay is not installed (scripts/setup)";
  Namespace ns("flowprobe-user-" + std::to_string(::getpid()));
  if (!ns.ok()) GTEST_SKIP() << "network namespaces are not permitted here: " << ns.why().substr(0, ns.why().find('\n'));
  const fs::path d = nobody_dir("user-af-packet");
  ASSERT_FALSE(d.empty());
  Background probe(ns.exec({flowprobe_binary().string(), "-i", "fp-rx", "--user", "nobody", "-o",
                            (d / "flows.json").string(), "--stats-file", (d / "stats.json").string()}),
                   d / "probe.out", d / "probe.err");
  ASSERT_TRUE(wait_until([&] { return read_file(d / "stats.json").find("net_af_packet") != std::string::npos; }, 60s))
      << read_file(d / "probe.err");
  expect_dropped(probe.pid());
  const ProgramResult replay = run_program(ns.exec({"tcpreplay", "-q", "-i", "fp-tx", "--pps", "2000", corpus_pcap().string()}));
  ASSERT_EQ(replay.exit_code, 0) << replay.err;
  EXPECT_TRUE(wait_until([&] { return read_file(d / "stats.json").find("\"rx_packets\":236") != std::string::npos; }, 20s))
      << read_file(d / "stats.json");
  ASSERT_EQ(probe.stop(SIGTERM, 60s), 0) << read_file(d / "probe.err");
  const std::string err = read_file(d / "probe.err");
  EXPECT_EQ(summary_value(err, "packets.received"), 236) << err;
  EXPECT_EQ(read_lines(d / "flows.json").size(), 24u) << err;
  EXPECT_EQ(owner(d / "flows.json"), kNobody);
}

TEST(User, RefusedWhereItCannotBeHonoured) {
  const fs::path d = scratch_dir("user-refused");
  const ProgramResult nic = run_program({flowprobe_binary().string(), "-i", "0000:ff:1f.7", "--user", "nobody"});
  EXPECT_EQ(nic.exit_code, 2) << nic.err;
  const ProgramResult unknown =
      run_program({flowprobe_binary().string(), "-i", "x.pcap", "--user", "no-such-user-flowprobe"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("--user 'no-such-user-flowprobe': no such user"), std::string::npos) << unknown.err;
  if (::geteuid() == 0 && Namespace::sh("command -v setpriv").exit_code == 0) {
    // Not root: there is nobody to drop.
    const ProgramResult not_root = run_program({"/usr/bin/env", "setpriv", "--reuid=65534", "--regid=65534",
                                                "--clear-groups", flowprobe_binary().string(), "-i", "x.pcap", "--user",
                                                "daemon"});
    EXPECT_EQ(not_root.exit_code, 2);
    EXPECT_NE(not_root.err.find("only root can switch users"), std::string::npos) << not_root.err;
  }
}

// check --user checks what the run would write as that user: a directory only root may
// write to fails, one the user owns passes.
TEST(User, CheckWritesAsTheUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "--user needs root";
  const fs::path root_only = scratch_dir("user-check-root");
  const fs::path mine = nobody_dir("user-check-nobody");
  const ProgramResult bad =
      run_program({flowprobe_binary().string(), "check", "-o", (root_only / "flows.json").string(), "--user", "nobody"});
  EXPECT_EQ(bad.exit_code, 1) << bad.out;
  EXPECT_NE(bad.out.find("output: FAIL"), std::string::npos) << bad.out;
  const ProgramResult good =
      run_program({flowprobe_binary().string(), "check", "-o", (mine / "flows.json").string(), "--user", "nobody"});
  EXPECT_EQ(good.exit_code, 0) << good.out;
  EXPECT_NE(good.out.find("output: ok"), std::string::npos) << good.out;
}
