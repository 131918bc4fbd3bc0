#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "export_options.hpp"

namespace flowprobe {

// Everything the command line says, before it is checked against the world.
struct Options {
  std::string input;                 // -i
  std::string template_spec;         // -T (empty: the default template)
  bool json_labels = false;          // --json-labels
  uint32_t lifetime_timeout_s = 120; // -t
  uint32_t idle_timeout_s = 30;      // -d
  uint32_t max_flows = 262144;       // -w
  std::string output = "-";          // -o
  bool list_fields = false;
  uint16_t community_id_seed = 0;    // --community-id-seed
  std::string tunnel_mode = "inner"; // --tunnel-mode
  bool key_tunnel_id = false;        // --key-tunnel-id
  bool replay_loop = false;          // --replay-loop
  uint64_t max_packets = 0;          // --max-packets
  unsigned rx_cores = 1;             // --rx-cores
  int verbosity = 0;                 // -v (repeatable)
  std::vector<std::string> eal_args; // --eal "..." and everything after --
  ExportOptions exports;             // --kafka, --syslog, --spool-dir, rotation (export_options.cpp)
};

// Parses argv. Returns -1 to go on, otherwise the exit code (0 after --help, 2 on a bad
// option, with one message on stderr naming the option and what it accepts).
int parse_options(int argc, char** argv, Options& out);

}  // namespace flowprobe
