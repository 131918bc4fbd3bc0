#pragma once
// RAII around rte_eal_init/rte_eal_cleanup, with the argument set flowprobe needs.
#include <string>
#include <vector>

#include "io/input.hpp"

namespace flowprobe {

class Eal {
 public:
  // Builds EAL arguments for `input` plus the user's pass-through `extra`, then inits.
  // `lcores` is the number of lcores wanted (main/exporter + RX cores).
  static bool init(const InputSpec& input, const std::vector<std::string>& extra, unsigned lcores,
                   bool verbose, std::string& error);
  static void cleanup();
  // The arguments the last init used (for the log and the support bundle).
  static const std::vector<std::string>& args();
};

}  // namespace flowprobe
