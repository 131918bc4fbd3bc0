#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "export_options.hpp"
#include "flow/flow_timeouts.hpp"

namespace flowprobe {

// Everything the command line says, before it is checked against the world.
struct Options {
  std::string input;                 // -i
  std::string template_spec;         // -T (empty: the default template)
  bool json_labels = false;          // --json-labels
  uint32_t lifetime_timeout_s = 120; // -t
  uint32_t idle_timeout_s = 30;      // -d
  std::vector<std::string> idle_timeout_for;      // --idle-timeout-for SELECTOR=SECONDS (repeatable)
  std::vector<std::string> lifetime_timeout_for;  // --lifetime-timeout-for SELECTOR=SECONDS (repeatable)
  std::vector<FlowTimeoutRule> timeout_rules;     // both, parsed, after the profile's
  uint32_t max_flows = 262144;       // -w
  std::string output = "-";          // -o
  bool list_fields = false;
  uint16_t community_id_seed = 0;    // --community-id-seed
  std::string tunnel_mode = "inner"; // --tunnel-mode
  bool key_tunnel_id = false;        // --key-tunnel-id
  bool replay_loop = false;          // --replay-loop
  uint64_t max_packets = 0;          // --max-packets
  bool no_dpi = false;               // --no-dpi
  uint32_t dpi_flows = 0;            // --dpi-flows (0: as many as -w, at most 262144)
  uint32_t ndpi_flows = 16384;       // --ndpi-flows
  bool ndpi_stop_when_known = false; // --ndpi-stop-when-known
  std::vector<std::string> rules;    // --rules (repeatable)
  std::string alerts_output;         // --alerts-output
  bool midstream = true;             // --midstream
  bool rules_inspect_encrypted = false;  // --rules-inspect-encrypted
  std::string pid_file;              // --pid-file (for 'flowprobe reload')
  std::string user;                  // --user: drop root for this user once the port is open
  std::string events_output;         // --events-output (asset events)
  std::string transactions_output;   // --transactions-output
  uint32_t asset_dedup_s = 300;      // --asset-dedup-seconds
  std::string city_list;             // --city-list (MaxMind City/Country .mmdb)
  std::string as_list;               // --as-list (MaxMind ASN .mmdb)
  bool no_geo = false;               // --no-geo: not even the databases scripts/setup installed
  std::string zeek_logs;             // --zeek-logs DIR: Zeek-style TSV logs beside the JSON
  uint32_t zeek_logs_rotate_s = 0;   // --zeek-logs-rotate SECONDS (0: never)
  std::string p0f_fp;                // --p0f-fp FILE (empty: /etc/p0f/p0f.fp when present)
  std::string log_profile = "zeek";  // --log-profile zeek|osect: whose log set --zeek-logs writes
  unsigned rx_cores = 1;             // --rx-cores
  int verbosity = 0;                 // -v (repeatable)
  std::vector<std::string> eal_args; // --eal "..." and everything after --
  ExportOptions exports;             // --kafka, --syslog, --spool-dir, rotation (export_options.cpp)
  // Live statistics (lib/ops)
  uint32_t stats_interval_s = 0;     // --stats-interval: one line every N s (0: none)
  std::string stats_listen;          // --stats-listen [ADDR:]PORT: Prometheus text over HTTP
  std::string stats_file;            // --stats-file: JSON, rewritten every interval and at exit
  std::vector<std::string> capture;  // --capture N FILE
  std::string log_file;              // --log-file: every log line appended there too
  std::string config_file;           // --config (read by CLI11; the command line wins)
  // flowprobe check and support-bundle only
  double check_timeout_s = 5;        // --timeout: per network check
  // flowprobe support-bundle only
  std::string bundle_path;           // the .tar.gz to write
  std::string bundle_upload;         // --upload URL: POST it as the log sets are (--log-upload-cert …)
  // What the run was given, file and command line merged, as a config file would say it
  // (for the support bundle; secrets are masked there, not here).
  std::string effective_config;
};

// The three commands share one option set, so a config file that runs the probe also
// checks it and describes it in a support bundle.
enum class Command { run, check, support_bundle };

// Parses argv (for check and support-bundle, argv[0] is the subcommand's name). Returns -1
// to go on, otherwise the exit code (0 after --help, 2 on a bad option or config file,
// with one message on stderr naming the option and what it accepts).
int parse_options(int argc, char** argv, Options& out, Command command = Command::run);

}  // namespace flowprobe
