#include "support_bundle.hpp"

#include <librdkafka/rdkafka.h>
#include <pcap/pcap.h>
#include <rte_version.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cerrno>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <vector>
#include <sstream>

#include "check_command.hpp"
#include "core/redact.hpp"
#include "export/log_upload.hpp"
#include "io/eal.hpp"

#ifndef FLOWPROBE_VERSION
#define FLOWPROBE_VERSION "unknown"
#endif
#ifndef FLOWPROBE_BUILDTYPE
#define FLOWPROBE_BUILDTYPE "unknown"
#endif

namespace flowprobe {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kLogLines = 1000;

// Runs a command (argv[0] looked up in PATH) and returns what it printed, both streams.
std::string capture_command(const std::vector<std::string>& argv, int* status = nullptr) {
  int pipe_fd[2];
  if (::pipe(pipe_fd) != 0) return "";
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(pipe_fd[1], 1);
    ::dup2(pipe_fd[1], 2);
    ::close(pipe_fd[0]);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    std::fprintf(stderr, "%s: not available on this machine\n", args[0]);
    ::_exit(127);
  }
  ::close(pipe_fd[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(pipe_fd[0], buf, sizeof(buf))) > 0;) out.append(buf, static_cast<std::size_t>(n));
  ::close(pipe_fd[0]);
  int st = 0;
  ::waitpid(pid, &st, 0);
  if (status) *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}

std::string tail_lines(const fs::path& file, std::size_t n) {
  std::ifstream in(file);
  std::deque<std::string> last;
  for (std::string line; std::getline(in, line);) {
    last.push_back(std::move(line));
    if (last.size() > n) last.pop_front();
  }
  std::string out;
  for (const std::string& l : last) out += l + "\n";
  return out;
}

// The packages flowprobe is built on and runs with (scripts/setup), for packages.txt;
// dpkg-query patterns, so that a library's soname version is not written here.
constexpr const char* kDependencyPackages[] = {
    "dpdk", "librte-net-pcap[0-9]*", "libndpi[0-9]*", "libhyperscan[0-9]*", "libpcre2-8-0", "librdkafka1",
    "libpcap0.8", "libmaxminddb0", "libssl3", "libcurl4", "libarchive13", "libzstd1", "zlib1g", "libxlsxwriter[0-9]*",
    "chromium-headless-shell", "libc6", "libstdc++6", "linux-image-[0-9]*"};

// Each command's output under a "# command (exit N)" heading, as sosreport keeps them.
std::string commands_text(const std::vector<std::vector<std::string>>& commands) {
  std::string out;
  for (const std::vector<std::string>& argv : commands) {
    int status = 0;
    const std::string text = capture_command(argv, &status);
    out += "#";
    for (const std::string& a : argv) out += " " + a;
    out += " (exit " + std::to_string(status) + ")\n" + text;
    if (!text.empty() && text.back() != '\n') out += "\n";
    out += "\n";
  }
  return out;
}

// Every file of the bundle is written through redact(): no secret leaves in it.
bool write_text(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << redact(text);
  return static_cast<bool>(out);
}

}  // namespace

std::string version_text() {
  std::ostringstream v;
  v << "flowprobe " << FLOWPROBE_VERSION << "\n"
    << "build type: " << FLOWPROBE_BUILDTYPE << "\n"
    << "compiler: " << __VERSION__ << ", C++ " << __cplusplus << "\n"
    << "DPDK: " << rte_version() << "\n"
    << "librdkafka: " << rd_kafka_version_str() << "\n"
    << "libpcap: " << pcap_lib_version() << "\n";
  return v.str();
}

int write_support_bundle(const Options& o) {
  const fs::path out = fs::absolute(o.bundle_path);
  char tmpl[] = "/tmp/flowprobe-bundle-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) {
    std::fprintf(stderr, "flowprobe support-bundle: cannot create a temporary directory: %s\n", std::strerror(errno));
    return 1;
  }
  const fs::path work = tmpl;
  const fs::path dir = work / "flowprobe-support";
  fs::create_directories(dir);

  bool ok = write_text(dir / "version.txt", version_text());

  std::string config = "# flowprobe's effective configuration: the config file and the command line merged;\n"
                       "# secrets are masked.\n";
  if (!o.config_file.empty()) config += "# --config " + o.config_file + "\n";
  config += o.effective_config;
  if (!o.eal_args.empty()) {
    config += "# EAL arguments after --:";
    for (const std::string& a : o.eal_args) config += " " + a;
    config += "\n";
  }
  ok = write_text(dir / "config.toml", config) && ok;

  // What check says now (bounded by --timeout per network check; its lines are redacted).
  if (std::FILE* f = std::fopen((dir / "check.txt").c_str(), "w")) {
    const int rc = run_check(o, f);
    std::fprintf(f, "exit status %d\n", rc);
    std::fclose(f);
  }

  if (!o.stats_file.empty() && fs::exists(o.stats_file)) {
    std::ifstream in(o.stats_file, std::ios::binary);
    std::ostringstream stats;
    stats << in.rdbuf();
    if (in.bad()) write_text(dir / "stats.json.missing", "cannot read " + o.stats_file + "\n");
    else ok = write_text(dir / "stats.json", stats.str()) && ok;
  } else {
    write_text(dir / "stats.json.missing",
               o.stats_file.empty() ? "no --stats-file in the configuration: the probe keeps no statistics on disk\n"
                                    : o.stats_file + " does not exist (has the probe run with it?)\n");
  }

  std::string log;
  if (!o.log_file.empty()) {
    log += "# last " + std::to_string(kLogLines) + " lines of --log-file " + o.log_file + "\n";
    log += fs::exists(o.log_file) ? tail_lines(o.log_file, kLogLines) : "(it does not exist)\n";
  } else {
    log += "# no --log-file in the configuration\n";
  }
  int status = 0;
  const std::string journal =
      capture_command({"journalctl", "--no-pager", "-n", std::to_string(kLogLines), "-u", "flowprobe"}, &status);
  log += "# journalctl -u flowprobe (exit " + std::to_string(status) + ")\n" + journal;
  ok = write_text(dir / "log.txt", log) && ok;

  std::string devices = "# dpdk-devbind.py --status\n" + capture_command({"dpdk-devbind.py", "--status"}, &status);
  devices += "# ip -br link\n" + capture_command({"ip", "-br", "link"});
  ok = write_text(dir / "devices.txt", devices) && ok;

  // What sosreport would tell about the machine (the OsecT sensor's support log, spec
  // §3.1): the system, the packages flowprobe runs on, the interfaces' counters, the
  // disks, and the host's own recent log.
  ok = write_text(dir / "system.txt", commands_text({{"uname", "-a"},
                                                     {"cat", "/etc/os-release"},
                                                     {"uptime"},
                                                     {"lscpu"},
                                                     {"cat", "/proc/meminfo"},
                                                     {"cat", "/proc/cmdline"},
                                                     {"timedatectl", "status"},
                                                     {"systemctl", "status", "--no-pager", "flowprobe"}})) && ok;
  std::vector<std::string> query = {"dpkg-query", "-W", "-f=${Package} ${Version} ${db:Status-Abbrev}\n"};
  for (const char* p : kDependencyPackages) query.emplace_back(p);
  ok = write_text(dir / "packages.txt", commands_text({query})) && ok;
  ok = write_text(dir / "interfaces.txt", commands_text({{"ip", "-s", "-s", "link"},
                                                         {"ip", "addr"},
                                                         {"cat", "/proc/net/dev"},
                                                         {"ethtool", "-S", o.input}})) && ok;
  std::vector<std::vector<std::string>> disk = {{"df", "-h"}, {"df", "-i"}};
  for (const std::string& d : {o.zeek_logs, o.exports.spool_dir, o.exports.log_upload_queue})
    if (!d.empty() && d != "none") disk.push_back({"du", "-sh", d});
  ok = write_text(dir / "disk.txt", commands_text(disk)) && ok;
  ok = write_text(dir / "host-log.txt", commands_text({{"journalctl", "--no-pager", "-n", std::to_string(kLogLines)},
                                                       {"dmesg", "--ctime"},
                                                       {"tail", "-n", std::to_string(kLogLines), "/var/log/syslog"}})) &&
       ok;

  int tar_status = -1;
  const std::string tar_out =
      capture_command({"tar", "-czf", out.string(), "-C", work.string(), "flowprobe-support"}, &tar_status);
  std::error_code ec;
  fs::remove_all(work, ec);
  if (!ok || tar_status != 0) {
    std::fprintf(stderr, "flowprobe support-bundle: cannot write %s: %s\n", out.c_str(),
                 tar_status != 0 ? tar_out.c_str() : "writing a file of the bundle failed");
    return 1;
  }
  std::printf("support bundle: %s\n", out.c_str());
  if (o.bundle_upload.empty()) return 0;
  // Sent as the log sets are: the same POST, the same client certificate (spec §1.1, 4).
  UploadConfig up;
  up.url = o.bundle_upload;
  up.label = o.exports.log_upload_label;
  up.cert_file = o.exports.log_upload_cert;
  up.key_file = o.exports.log_upload_key;
  up.ca_file = o.exports.log_upload_ca;
  up.timeout = std::chrono::seconds(o.exports.log_upload_timeout_s);
  std::string why;
  if (!check_upload_config(up, "--log-upload", why)) {
    std::fprintf(stderr, "flowprobe support-bundle: --upload: %s\n", redact(why).c_str());
    return 1;
  }
  const UploadResult r = upload_file(up, out);
  if (!r.ok) {
    std::fprintf(stderr, "flowprobe support-bundle: --upload %s: not delivered (%s); the bundle stays in %s\n",
                 up.url.c_str(), redact(r.error).c_str(), out.c_str());
    return 1;
  }
  std::printf("support bundle: delivered to %s\n", up.url.c_str());
  return 0;
}

}  // namespace flowprobe
