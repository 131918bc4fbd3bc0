#include "io/eal.hpp"

#include <rte_eal.h>
#include <rte_errno.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>

#include "core/log.hpp"

namespace flowprobe {

namespace {
std::vector<std::string> g_args;
bool g_initialised = false;

bool user_sets(const std::vector<std::string>& extra, std::initializer_list<const char*> opts) {
  for (const std::string& a : extra)
    for (const char* o : opts)
      if (a == o || a.rfind(std::string(o) + "=", 0) == 0) return true;
  return false;
}

// lcore i runs on the i-th CPU we may use; with fewer CPUs than lcores they share.
std::string lcore_map(unsigned lcores) {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> cpus;
  if (sched_getaffinity(0, sizeof(set), &set) == 0)
    for (int c = 0; c < CPU_SETSIZE; ++c)
      if (CPU_ISSET(c, &set)) cpus.push_back(c);
  if (cpus.empty()) cpus.push_back(0);
  std::string m = "--lcores=";
  for (unsigned i = 0; i < lcores; ++i) {
    if (i) m += ',';
    m += std::to_string(i) + "@" + std::to_string(cpus[i % cpus.size()]);
  }
  return m;
}
}  // namespace

bool Eal::init(const InputSpec& input, const std::vector<std::string>& extra, unsigned lcores, bool verbose,
               std::string& error) {
  g_args = {"flowprobe"};
  if (!user_sets(extra, {"-l", "--lcores", "-c"})) g_args.push_back(lcore_map(lcores));
  g_args.push_back("--no-telemetry");
  g_args.push_back(verbose ? "--log-level=notice" : "--log-level=error");
  // Every input but a bound NIC runs without hugepages, PCI scan or shared files, so
  // several probes (and tests) can run side by side on an ordinary machine.
  if (!input.needs_hugepages && !user_sets(extra, {"--huge-dir", "--socket-mem"})) {
    g_args.insert(g_args.end(), {"--no-huge", "--no-shconf", "-m", std::to_string(input.eal_memory_mb)});
    if (input.kind != InputSpec::Kind::pci) g_args.push_back("--no-pci");
  }
  if (!user_sets(extra, {"--file-prefix"})) g_args.push_back("--file-prefix=flowprobe-" + std::to_string(::getpid()));
  g_args.insert(g_args.end(), input.eal_args.begin(), input.eal_args.end());
  g_args.insert(g_args.end(), extra.begin(), extra.end());

  std::vector<char*> argv;
  for (std::string& a : g_args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::string joined;
  for (const std::string& a : g_args) joined += a + " ";
  log(LogLevel::info, "EAL arguments: %s", joined.c_str());
  const int rc = rte_eal_init(static_cast<int>(argv.size() - 1), argv.data());
  if (rc < 0) {
    error = std::string("DPDK EAL initialisation failed: ") + rte_strerror(rte_errno) + " (arguments: " + joined + ")";
    return false;
  }
  g_initialised = true;
  return true;
}

void Eal::cleanup() {
  if (g_initialised) rte_eal_cleanup();
  g_initialised = false;
}

const std::vector<std::string>& Eal::args() { return g_args; }

}  // namespace flowprobe
