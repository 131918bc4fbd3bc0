#pragma once
// Rule reload on SIGHUP (the flag is reload_requested() in probe.hpp), driven from the exporter's loop on the main lcore: the rule
// set is parsed and compiled on a thread of its own (seconds for a full ET Open set),
// each RX core is offered a scanner for it and swaps at a burst boundary, so no packet
// waits. A rule set that fails to load leaves the running one in place and says why.
// Alerts in the rings name their rule by (generation, index), so an old set is freed only
// once no core runs it and the exporter has drained every alert queued before each core's
// swap (counts compared, nothing added to the packet path): a probe reloaded every few
// seconds for months holds two rule sets at most.
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "signatures/rule_sets.hpp"

namespace flowprobe {

class Exporter;
class RxWorker;

struct RuleReloadCounters {
  uint64_t reloads = 0;         // rule sets swapped in on every running core
  uint64_t reload_failed = 0;   // rule sets that did not load (the old one kept running)
  uint64_t retired = 0;         // old rule sets freed
};

class RuleReloader {
 public:
  // `exporter` drains the workers' alert rings, one per worker in the same order.
  RuleReloader(std::vector<std::string> paths, sig::ScannerConfig scanner, sig::RuleSets& engines,
               std::vector<RxWorker*> workers, const Exporter& exporter);
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
  void retire_drained();

  std::vector<std::string> paths_;
  sig::ScannerConfig scanner_config_;
  sig::RuleSets& engines_;
  std::vector<RxWorker*> workers_;
  const Exporter& exporter_;
  State state_ = State::idle;
  bool requested_ = false;
  std::thread compiler_;
  std::atomic<bool> compiled_{false};
  std::unique_ptr<sig::SignatureEngine> fresh_;
  std::string error_;
  std::string summary_;
  std::vector<bool> pending_;  // per worker: offered, not yet taken
  uint32_t generation_ = 0;    // of the set being distributed
  // Once every core runs generation `retire_below_`, the older sets wait only for the
  // alerts queued before each core's swap: retire_marks_[i] of worker i's alert ring.
  uint32_t retire_below_ = 0;
  std::vector<uint64_t> marks_, retire_marks_;
  RuleReloadCounters counters_;
};

}  // namespace flowprobe
