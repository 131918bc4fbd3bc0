#pragma once
// Rule reload on SIGHUP (the flag is reload_requested() in probe.hpp), driven from the exporter's loop on the main lcore: the rule
// set is parsed and compiled on a thread of its own (seconds for a full ET Open set),
// each RX core is offered a scanner for it and swaps at a burst boundary, so no packet
// waits. A rule set that fails to load leaves the running one in place and says why.
// Every rule set loaded stays alive to the end of the run: alerts still in the rings
// name their rule by (generation, index).
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "signatures/signature_engine.hpp"

namespace flowprobe {

class RxWorker;

struct RuleReloadCounters {
  uint64_t reloads = 0;         // rule sets swapped in on every running core
  uint64_t reload_failed = 0;   // rule sets that did not load (the old one kept running)
};

class RuleReloader {
 public:
  RuleReloader(std::vector<std::string> paths, sig::ScannerConfig scanner,
               std::vector<std::unique_ptr<sig::SignatureEngine>>& engines, std::vector<RxWorker*> workers);
  ~RuleReloader();
  // SIGHUP reached the exporter loop: compile the rule files again when it is idle.
  void request() { requested_ = true; }
  // Called on every pass of the exporter loop; cheap when nothing is pending.
  void tick();
  // At the end of the run: waits for a compile in progress and frees what cores left.
  void finish();
  const RuleReloadCounters& counters() const { return counters_; }

 private:
  enum class State { idle, compiling, distributing };
  void start_compile();
  void distribute();
  bool collect();

  std::vector<std::string> paths_;
  sig::ScannerConfig scanner_config_;
  std::vector<std::unique_ptr<sig::SignatureEngine>>& engines_;
  std::vector<RxWorker*> workers_;
  State state_ = State::idle;
  bool requested_ = false;
  std::thread compiler_;
  std::atomic<bool> compiled_{false};
  std::unique_ptr<sig::SignatureEngine> fresh_;
  std::string error_;
  std::string summary_;
  std::vector<bool> pending_;  // per worker: offered, not yet taken
  RuleReloadCounters counters_;
};

}  // namespace flowprobe
