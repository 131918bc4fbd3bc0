// Closed log sets delivered as the OsecT sensor delivers them: the probe replays a capture
// with one-minute rotation into set directories, packs each set (tar + zstd) and POSTs it
// to a real HTTPS server on loopback (tests/support/upload_server.py: Python's ssl, a
// client certificate required) that keeps what it receives. The archives are unpacked
// with GNU tar and zstd and compared with the sets byte for byte; a client certificate
// from another CA is refused and the archives stay queued; a server that is down, then
// comes back, receives every pending archive in order; --log-postprocess runs once a set.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "integration/export_support.hpp"
#include "support/run_program.hpp"

namespace fs = std::filesystem;
using namespace flowprobe::test;

namespace {

fs::path demo_capture() {
  const fs::path f = scratch_dir("log_upload_capture") / "demo.pcap";
  if (!fs::exists(f)) {
    const ProgramResult r = run_program({pcapgen_binary().string(), "-q", "--scenario", "demo", "-o", f.string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
  return f;
}

// A CA with a server certificate for 127.0.0.1 and a client certificate (its key in
// client.key, and both in client.pem as the sensor keeps them), and a second CA with a
// client certificate of its own (rogue.pem) that the server must refuse.
const fs::path& pki() {
  static const fs::path dir = [] {
    const fs::path d = scratch_dir("log_upload_pki");
    const std::string script = R"(set -e
cd ")" + d.string() + R"("
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
key ca.key; openssl req -x509 -new -key ca.key -subj /CN=upload-test-ca -days 2 -out ca.crt
key rogue-ca.key; openssl req -x509 -new -key rogue-ca.key -subj /CN=rogue-ca -days 2 -out rogue-ca.crt
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > server.ext
key server.key; openssl req -new -key server.key -subj /CN=localhost -out server.csr
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile server.ext -out server.crt 2>/dev/null
key client.key; openssl req -new -key client.key -subj /CN=sensor-1 -out client.csr
openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -out client.crt 2>/dev/null
cat client.crt client.key > client.pem
key rogue.key; openssl req -new -key rogue.key -subj /CN=sensor-1 -out rogue.csr
openssl x509 -req -in rogue.csr -CA rogue-ca.crt -CAkey rogue-ca.key -CAcreateserial -days 2 -out rogue.crt 2>/dev/null
cat rogue.crt rogue.key > rogue.pem
)";
    const ProgramResult r = run_program({"/bin/bash", "-c", script});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return d;
  }();
  return dir;
}

// The receiving end, on `port` (0: any), answering 200.
struct UploadServer {
  fs::path store;
  int port = 0;
  Background process;
  UploadServer(const fs::path& dir, int want_port = 0) : store(dir / "received") {
    fs::remove_all(store);
    const fs::path port_file = dir / "server.port";
    fs::remove(port_file);
    process.start({"/usr/bin/python3", (source_root() / "tests/support/upload_server.py").string(), "--cert",
                   (pki() / "server.crt").string(), "--key", (pki() / "server.key").string(), "--client-ca",
                   (pki() / "ca.crt").string(), "--store", store.string(), "--port", std::to_string(want_port),
                   "--port-file", port_file.string()},
                  dir / "server.out", dir / "server.err");
    if (wait_until([&] { return fs::exists(port_file); }, std::chrono::seconds(10)))
      port = std::stoi(read_file(port_file));
  }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port) + "/paper/api/v1/createlogdata/post"; }
  // Archive names in the order they arrived, with their label and path.
  std::vector<std::string> received() const { return read_lines(store / "received.tsv"); }
};

std::vector<std::string> probe_args(const fs::path& dir, const std::string& url, const std::string& client_pem) {
  return {flowprobe_binary().string(), "-i", demo_capture().string(), "-o", (dir / "flows.json").string(),
          "--zeek-logs", (dir / "logs").string(), "--zeek-logs-rotate", "60", "--log-set-dir",
          "--log-upload", url, "--log-upload-cert", client_pem, "--log-upload-ca", (pki() / "ca.crt").string(),
          "--log-upload-label", "switch-7", "--log-upload-queue", (dir / "queue").string()};
}

// The set directories the probe closed, in name (= time) order.
std::vector<std::string> set_dirs(const fs::path& logs) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(logs))
    if (e.is_directory() && e.path().filename().string().starts_with("realtime-")) out.push_back(e.path().filename());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> queued(const fs::path& queue) {
  std::vector<std::string> out;
  if (!fs::exists(queue)) return out;
  for (const auto& e : fs::directory_iterator(queue))
    if (e.path().filename().string().ends_with(".tar.zst")) out.push_back(e.path().filename());
  std::sort(out.begin(), out.end());
  return out;
}

void write_text(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

// Every regular file under `root`, by relative path, with its bytes.
std::map<std::string, std::string> tree(const fs::path& root) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file()) out[fs::relative(e.path(), root).string()] = read_file(e.path());
  return out;
}

}  // namespace

TEST(LogUpload, EachSetArrivesAsOneArchiveThatUnpacksToItsFiles) {
  const fs::path dir = scratch_dir("log_upload_ok");
  UploadServer server(dir);
  ASSERT_GT(server.port, 0) << read_file(dir / "server.err");
  std::vector<std::string> args = probe_args(dir, server.url(), (pki() / "client.pem").string());
  // Zeek's postprocessors get a file; ours get the set: once a set, its directory as argument.
  const fs::path post_log = dir / "postprocess.log";
  fs::remove(post_log);
  args.insert(args.end(), {"--log-postprocess", "printf '%s %s\\n' \"$FLOWPROBE_LOG_SET\" >> " + post_log.string()});
  // Alerts written among the logs are a file of each set too (eve.json beside conn.log).
  write_text(dir / "demo.rules",
             "alert dns any any -> any any (msg:\"demo dns\"; dns.query; content:\"example\"; sid:1; rev:1;)\n"
             "alert http any any -> any any (msg:\"demo http\"; http.method; content:\"GET\"; sid:2; rev:1;)\n");
  args.insert(args.end(), {"--rules", (dir / "demo.rules").string(), "--alerts-output", (dir / "logs" / "eve.json").string()});
  ::setenv("TZ", "UTC", 1);  // the set names' local time, here UTC, to compare with the alerts' times
  const ProgramResult r = run_program(args);
  ::unsetenv("TZ");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(fs::exists(dir / "logs" / "eve.json")) << "the alerts closed with the last set";

  // demo.pcap spans 178 s of packet time: three one-minute sets.
  const std::vector<std::string> sets = set_dirs(dir / "logs");
  ASSERT_EQ(sets.size(), 3u) << r.err;
  EXPECT_EQ(summary_value(r.err, "log_sets.closed"), 3);
  EXPECT_EQ(summary_value(r.err, "log_sets.uploaded"), 3);
  EXPECT_EQ(summary_value(r.err, "log_sets.queued"), 0);
  EXPECT_TRUE(queued(dir / "queue").empty()) << "HTTP 200 deletes the archive";

  const std::vector<std::string> got = server.received();
  ASSERT_EQ(got.size(), 3u);
  uint64_t conn_rows = 0, alerts = 0;
  for (std::size_t i = 0; i < sets.size(); ++i) {
    // In time order, labelled, to the path given, from the client certificate's subject.
    EXPECT_EQ(got[i], sets[i] + ".tar.zst\tswitch-7\t/paper/api/v1/createlogdata/post\tsensor-1");
    const fs::path unpacked = dir / ("unpacked-" + std::to_string(i));
    fs::remove_all(unpacked);
    fs::create_directories(unpacked);
    char stored[32];
    std::snprintf(stored, sizeof stored, "%04zu-", i + 1);
    const ProgramResult tar = run_program({"/bin/tar", "--zstd", "-xf",
                                           (server.store / (stored + sets[i] + ".tar.zst")).string(), "-C",
                                           unpacked.string()});
    ASSERT_EQ(tar.exit_code, 0) << tar.err;
    // The archive holds the set's directory and exactly its files, byte for byte.
    const auto original = tree(dir / "logs" / sets[i]);
    EXPECT_FALSE(original.empty());
    EXPECT_TRUE(original.count("conn.log")) << sets[i];
    EXPECT_EQ(tree(unpacked / sets[i]), original) << sets[i];
    EXPECT_EQ(std::distance(fs::directory_iterator(unpacked), fs::directory_iterator()), 1) << "one top directory";
    for (const std::string& line : read_lines(dir / "logs" / sets[i] / "conn.log")) conn_rows += line[0] != '#';
    // An alert goes to the set open when the exporter writes it, as a Zeek row goes to the
    // log open when it is written: never one that closed before the alert happened (in a
    // replay, alerts travel their own ring and may reach a later set than their minute).
    tm t{};
    strptime(sets[i].c_str(), "realtime-%Y-%m-%d-%H:%M:%S", &t);
    const time_t end = timegm(&t) + 60;
    char end_iso[32];
    std::strftime(end_iso, sizeof end_iso, "%Y-%m-%dT%H:%M:%S", gmtime_r(&end, &t));
    for (const std::string& line : read_lines(dir / "logs" / sets[i] / "eve.json")) {
      ++alerts;
      const std::size_t at = line.find("\"timestamp\":\"");
      ASSERT_NE(at, std::string::npos) << line;
      EXPECT_LT(line.substr(at + 13, 19), std::string(end_iso)) << sets[i] << ": " << line;
    }
  }
  // Nothing was left behind in a live file: every flow record is a row of some set.
  EXPECT_EQ(static_cast<long long>(conn_rows), summary_value(r.err, "records.encoded"));
  EXPECT_GE(alerts, 2u);
  EXPECT_EQ(static_cast<long long>(alerts), summary_value(r.err, "alerts.delivered"));

  const std::vector<std::string> post = read_lines(post_log);
  ASSERT_EQ(post.size(), 3u);
  for (std::size_t i = 0; i < sets.size(); ++i)
    EXPECT_EQ(post[i], sets[i] + " " + (dir / "logs" / sets[i]).string());
  EXPECT_EQ(summary_value(r.err, "log_sets.postprocess_ok"), 3);
}

TEST(LogUpload, AClientCertificateOfAnotherCaIsRefusedAndTheArchivesStayQueued) {
  const fs::path dir = scratch_dir("log_upload_rogue");
  UploadServer server(dir);
  ASSERT_GT(server.port, 0) << read_file(dir / "server.err");
  std::vector<std::string> args = probe_args(dir, server.url(), (pki() / "rogue.pem").string());
  args.insert(args.end(), {"--drain-timeout", "1", "--stats-file", (dir / "stats.json").string()});
  const ProgramResult r = run_program(args);
  EXPECT_EQ(r.exit_code, 1) << "an archive not delivered at exit is a failed run\n" << r.err;
  // What an operator's monitoring sees: the queue that does not drain, and why.
  const std::string stats = read_file(dir / "stats.json");
  EXPECT_NE(stats.find("\"log_sets_queued\":3"), std::string::npos) << stats;
  EXPECT_NE(stats.find("\"log_sets_uploaded\":0"), std::string::npos) << stats;
  EXPECT_EQ(stats.find("\"log_sets_upload_failures\":0"), std::string::npos) << stats;
  EXPECT_EQ(summary_value(r.err, "log_sets.packed"), 3);
  EXPECT_EQ(summary_value(r.err, "log_sets.uploaded"), 0);
  EXPECT_EQ(summary_value(r.err, "log_sets.queued"), 3);
  EXPECT_GE(summary_value(r.err, "log_sets.upload_failures"), 1);
  EXPECT_EQ(summary_value(r.err, "lost"), 0) << "queued is kept, not lost";
  EXPECT_NE(r.err.find("sent by the next run"), std::string::npos) << r.err;
  EXPECT_EQ(queued(dir / "queue").size(), 3u);
  EXPECT_TRUE(server.received().empty());
  EXPECT_FALSE(read_lines(server.store / "refused.txt").empty()) << "the server refused the handshake";
}

TEST(LogUpload, AServerThatComesBackReceivesEveryPendingArchiveInOrder) {
  const fs::path dir = scratch_dir("log_upload_down");
  const int port = free_port();
  ASSERT_GT(port, 0);
  fs::create_directories(dir / "run1");
  fs::create_directories(dir / "run2");
  const std::string url = "https://127.0.0.1:" + std::to_string(port) + "/paper/api/v1/createlogdata/post";
  // Run 1: nothing listens. Its three archives stay queued for the next run.
  std::vector<std::string> first = probe_args(dir / "run1", url, (pki() / "client.pem").string());
  first[std::find(first.begin(), first.end(), "--log-upload-queue") - first.begin() + 1] = (dir / "queue").string();
  first.insert(first.end(), {"--drain-timeout", "0"});
  const ProgramResult r1 = run_program(first);
  EXPECT_EQ(r1.exit_code, 1) << r1.err;
  const std::vector<std::string> left = queued(dir / "queue");
  ASSERT_EQ(left.size(), 3u) << r1.err;

  // Run 2 starts with the server still down; the server comes up while it drains.
  // This time the certificate and its key in two files.
  std::vector<std::string> second = probe_args(dir / "run2", url, (pki() / "client.crt").string());
  second[std::find(second.begin(), second.end(), "--log-upload-queue") - second.begin() + 1] = (dir / "queue").string();
  second.insert(second.end(), {"--log-upload-key", (pki() / "client.key").string(), "--drain-timeout", "30"});
  Background probe(second, dir / "run2.out", dir / "run2.err");
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  UploadServer server(dir, port);
  ASSERT_EQ(server.port, port) << read_file(dir / "server.err");
  EXPECT_EQ(probe.wait(std::chrono::seconds(60)), 0) << read_file(dir / "run2.err");
  const std::string err = read_file(dir / "run2.err");
  EXPECT_EQ(summary_value(err, "log_sets.carried_in"), 3);
  EXPECT_EQ(summary_value(err, "log_sets.uploaded"), 6);
  EXPECT_EQ(summary_value(err, "log_sets.queued"), 0);
  EXPECT_TRUE(queued(dir / "queue").empty());

  // What run 1 left comes first, oldest first, then run 2's sets in the order they closed.
  const std::vector<std::string> got = server.received();
  ASSERT_EQ(got.size(), 6u);
  std::vector<std::string> expected;
  for (const std::string& a : left) expected.push_back(a);
  for (const std::string& s : set_dirs(dir / "run2" / "logs")) expected.push_back(s);
  for (std::size_t i = 0; i < got.size(); ++i) {
    const std::string name = got[i].substr(0, got[i].find('\t'));
    if (i < 3) EXPECT_EQ(name, expected[i]);
    // Run 2's sets have the names of run 1's (the same capture): one packed while its
    // namesake was still queued is queued beside it as <set>-1.
    else EXPECT_TRUE(name == expected[i] + ".tar.zst" || name == expected[i] + "-1.tar.zst") << name;
  }
}

TEST(LogUpload, APostprocessThatFailsIsCountedAndFailsTheRun) {
  const fs::path dir = scratch_dir("log_upload_post_fail");
  const ProgramResult r = run_program({flowprobe_binary().string(), "-i", demo_capture().string(), "-o",
                                       (dir / "flows.json").string(), "--zeek-logs", (dir / "logs").string(),
                                       "--zeek-logs-rotate", "60", "--log-postprocess", "false"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(summary_value(r.err, "log_sets.closed"), 3);
  EXPECT_EQ(summary_value(r.err, "log_sets.postprocess_failed"), 3);
  EXPECT_NE(r.err.find("exit status 1"), std::string::npos) << r.err;
  // Without --log-set-dir the sets keep Zeek's rotated names in DIR, and no live file stays.
  EXPECT_FALSE(fs::exists(dir / "logs" / "conn.log"));
  EXPECT_TRUE(fs::exists(dir / "logs" / "conn.2024-01-01-00-00-00.log"));
}

// A probe killed (SIGKILL, power cut) loses no set: the sets it closed but had not
// postprocessed or packed, and the logs it still had open, are delivered by the next run.
TEST(LogUpload, SetsAKilledRunLeftBehindAreDeliveredByTheNextRun) {
  const fs::path dir = scratch_dir("log_upload_killed");
  fs::remove_all(dir / "logs");
  const fs::path post_log = dir / "postprocess.log";
  fs::remove(post_log);
  ::setenv("TZ", "UTC", 1);
  const auto args = [&](const std::string& postprocess) {
    return std::vector<std::string>{flowprobe_binary().string(), "-i", demo_capture().string(), "-o",
                                    (dir / "flows.json").string(), "--zeek-logs", (dir / "logs").string(),
                                    "--zeek-logs-rotate", "60", "--log-set-dir", "--log-postprocess", postprocess};
  };
  {
    // 1: the first set's postprocess hangs; the run has closed all three (no live log
    // left: transactions may reach their log after the last flow's) when it is killed.
    Background probe(args("sleep 20; true"), dir / "probe-1.out", dir / "probe-1.err");
    const auto live_logs = [&] {
      int n = 0;
      for (const auto& e : fs::directory_iterator(dir / "logs")) n += e.path().extension() == ".log";
      return n;
    };
    ASSERT_TRUE(wait_until([&] { return fs::exists(dir / "logs") && set_dirs(dir / "logs").size() == 3 &&
                                        live_logs() == 0; },
                           std::chrono::seconds(60)))
        << read_file(dir / "probe-1.err");
    EXPECT_EQ(probe.stop(SIGKILL), -1);
  }
  // 2: and a run killed while it wrote: its live conn.log, its last row cut short.
  write_text(dir / "logs" / "conn.log",
             "#separator \\x09\n#fields\tts\tuid\n#types\ttime\tstring\n1704067510.250000\tCabc\n"
             "1704067511.000000\tCde");
  const ProgramResult r = run_program(args("echo \"$FLOWPROBE_LOG_SET\" >> " + post_log.string() + "; true"));
  ::unsetenv("TZ");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The three sets of run 1 and the kept live log (00:05:10 is the 00:05 interval's), then
  // this run's own three (same minutes: "-1").
  EXPECT_EQ(summary_value(r.err, "log_sets.recovered"), 4) << r.err;
  EXPECT_EQ(summary_value(r.err, "log_sets.closed"), 7) << r.err;
  EXPECT_EQ(read_lines(post_log),
            (std::vector<std::string>{"realtime-2024-01-01-00:00:00", "realtime-2024-01-01-00:01:00",
                                      "realtime-2024-01-01-00:02:00", "realtime-2024-01-01-00:05:00",
                                      "realtime-2024-01-01-00:00:00-1", "realtime-2024-01-01-00:01:00-1",
                                      "realtime-2024-01-01-00:02:00-1"}));
  // The kept log: its whole rows, the cut one dropped, closed with Zeek's footer.
  const auto kept = read_lines(dir / "logs" / "realtime-2024-01-01-00:05:00" / "conn.log");
  ASSERT_EQ(kept.size(), 5u);
  EXPECT_EQ(kept[3], "1704067510.250000\tCabc");
  EXPECT_TRUE(kept[4].starts_with("#close\t")) << kept[4];
  EXPECT_NE(r.err.find("logs an earlier run left open"), std::string::npos) << r.err;
  // 3: nothing is delivered twice by the run after.
  const ProgramResult again = run_program(args("true"));
  EXPECT_EQ(summary_value(again.err, "log_sets.recovered"), 0) << again.err;
}

TEST(LogUpload, OptionsThatCannotWorkStopTheRunAtStart) {
  const fs::path dir = scratch_dir("log_upload_options");
  const std::string pcap = demo_capture().string();
  const auto run = [&](std::vector<std::string> extra) {
    std::vector<std::string> argv = {flowprobe_binary().string(), "-i", pcap, "-o", (dir / "f.json").string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run_program(argv);
  };
  const std::string logs = (dir / "logs").string();
  struct Case {
    std::vector<std::string> args;
    const char* says;
  };
  const std::vector<Case> cases = {
      {{"--zeek-logs", logs, "--log-upload", "https://127.0.0.1:1/x"}, "--log-upload needs --zeek-logs DIR and --zeek-logs-rotate"},
      {{"--log-set-dir"}, "--log-set-dir needs --zeek-logs DIR"},
      {{"--zeek-logs", logs, "--zeek-logs-rotate", "60", "--log-upload", "http://127.0.0.1:1/x"}, "expected https://"},
      {{"--zeek-logs", logs, "--zeek-logs-rotate", "60", "--log-upload-cert", (pki() / "client.pem").string()},
       "--log-upload-cert needs --log-upload URL"},
      {{"--zeek-logs", logs, "--zeek-logs-rotate", "60", "--log-upload", "https://127.0.0.1:1/x", "--log-upload-cert",
        (dir / "missing.pem").string()}, "--log-upload-cert"},
  };
  for (const Case& c : cases) {
    const ProgramResult r = run(c.args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
  }
}

// The support log as the sensor's spec asks (sosreport's system inventory) and sent the
// way the log sets are.
TEST(LogUpload, SupportBundleCarriesTheSystemInventoryAndIsUploaded) {
  const fs::path dir = scratch_dir("log_upload_bundle");
  UploadServer server(dir);
  ASSERT_GT(server.port, 0) << read_file(dir / "server.err");
  const fs::path bundle = dir / "support.tar.gz";
  const ProgramResult r = run_program({flowprobe_binary().string(), "support-bundle", bundle.string(), "-i",
                                       demo_capture().string(), "--timeout", "0.5", "--upload", server.url(),
                                       "--log-upload-cert", (pki() / "client.pem").string(), "--log-upload-ca",
                                       (pki() / "ca.crt").string(), "--log-upload-label", "switch-7"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::vector<std::string> got = server.received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], "support.tar.gz\tswitch-7\t/paper/api/v1/createlogdata/post\tsensor-1");
  EXPECT_EQ(read_file(server.store / "0001-support.tar.gz"), read_file(bundle)) << "the bundle arrives as written";
  const auto member = [&](const std::string& name) {
    return run_program({"/bin/tar", "-xzOf", bundle.string(), "flowprobe-support/" + name}).out;
  };
  EXPECT_NE(member("system.txt").find("# uname -a (exit 0)"), std::string::npos) << member("system.txt");
  EXPECT_NE(member("system.txt").find("PRETTY_NAME="), std::string::npos) << "os-release";
  EXPECT_NE(member("system.txt").find("MemTotal:"), std::string::npos) << "meminfo";
  EXPECT_NE(member("packages.txt").find("libcurl4 "), std::string::npos) << member("packages.txt");
  EXPECT_NE(member("packages.txt").find("dpdk "), std::string::npos) << member("packages.txt");
  EXPECT_NE(member("interfaces.txt").find("# ip -s -s link (exit 0)"), std::string::npos) << member("interfaces.txt");
  EXPECT_NE(member("interfaces.txt").find("RX:"), std::string::npos) << "interface counters";
  EXPECT_NE(member("disk.txt").find("# df -h (exit 0)"), std::string::npos) << member("disk.txt");
  EXPECT_NE(member("host-log.txt").find("# journalctl"), std::string::npos);

  // A server that refuses: exit 1, the bundle stays.
  const ProgramResult refused = run_program({flowprobe_binary().string(), "support-bundle", bundle.string(), "-i",
                                             demo_capture().string(), "--timeout", "0.5", "--upload", server.url(),
                                             "--log-upload-cert", (pki() / "rogue.pem").string(), "--log-upload-ca",
                                             (pki() / "ca.crt").string()});
  EXPECT_EQ(refused.exit_code, 1) << refused.err;
  EXPECT_NE(refused.err.find("not delivered"), std::string::npos) << refused.err;
  EXPECT_TRUE(fs::exists(bundle));
  EXPECT_EQ(server.received().size(), 1u);
}

TEST(LogUpload, CheckSaysWhetherTheServerCanBeReached) {
  const fs::path dir = scratch_dir("log_upload_check");
  UploadServer server(dir);
  ASSERT_GT(server.port, 0) << read_file(dir / "server.err");
  const auto check = [&](const std::string& ca) {
    return run_program({flowprobe_binary().string(), "check", "-i", demo_capture().string(), "--zeek-logs",
                        (dir / "logs").string(), "--zeek-logs-rotate", "60", "--log-upload", server.url(),
                        "--log-upload-cert", (pki() / "client.pem").string(), "--log-upload-ca", ca,
                        "--log-upload-queue", (dir / "queue").string()});
  };
  const ProgramResult good = check((pki() / "ca.crt").string());
  EXPECT_EQ(good.exit_code, 0) << good.out << good.err;
  EXPECT_NE(good.out.find("log-upload: ok"), std::string::npos) << good.out;
  EXPECT_NE(good.out.find("log-upload-queue: ok"), std::string::npos) << good.out;
  // A CA that did not sign the server's certificate: the server is not the one we want.
  const ProgramResult wrong = check((pki() / "rogue-ca.crt").string());
  EXPECT_EQ(wrong.exit_code, 1) << wrong.out;
  EXPECT_NE(wrong.out.find("log-upload: FAIL"), std::string::npos) << wrong.out;
  EXPECT_TRUE(server.received().empty()) << "check sends nothing";
}
