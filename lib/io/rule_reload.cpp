#include "io/rule_reload.hpp"


#include "core/log.hpp"
#include "io/exporter.hpp"
#include "io/rx_worker.hpp"

namespace flowprobe {

RuleReloader::RuleReloader(std::vector<std::string> paths, sig::ScannerConfig scanner, sig::RuleSets& engines,
                           std::vector<RxWorker*> workers, const Exporter& exporter)
    : paths_(std::move(paths)), scanner_config_(scanner), engines_(engines), workers_(std::move(workers)),
      exporter_(exporter), pending_(workers_.size(), false), marks_(workers_.size(), 0) {}

RuleReloader::~RuleReloader() { finish(); }

void RuleReloader::start_compile() {
  log(LogLevel::warning, "SIGHUP: reloading rules from %zu path(s)", paths_.size());
  compiled_.store(false);
  state_ = State::compiling;
  compiler_ = std::thread([this] {
    sig::LoadReport report;
    fresh_ = sig::SignatureEngine::load(paths_, sig::default_rule_vars(), error_, &report);
    if (fresh_ && report.accepted == 0) {
      fresh_.reset();
      error_ = "no rule was accepted";
    }
    summary_ = report.summary(0);
    compiled_.store(true, std::memory_order_release);
  });
}

void RuleReloader::distribute() {
  const sig::SignatureEngine& engine = *fresh_;
  generation_ = engines_.add(std::move(fresh_));
  // Scanners are built here, on the main lcore: their scratch and pools are allocated
  // now, never on an RX core.
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    workers_[i]->offer_scanner(new sig::PerCoreScanner(engine, scanner_config_), generation_);
    pending_[i] = true;
  }
  state_ = State::distributing;
}

// True once every core took its scanner (or stopped without it).
bool RuleReloader::collect() {
  bool all = true;
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    if (!pending_[i]) continue;
    if (workers_[i]->scanner_taken()) {
      delete workers_[i]->take_retired_scanner();
      marks_[i] = workers_[i]->alerts_queued_before_swap();
      pending_[i] = false;
    } else if (!workers_[i]->running()) {
      delete workers_[i]->withdraw_offer();
      marks_[i] = workers_[i]->alerts_enqueued();  // all it will ever queue
      pending_[i] = false;
    } else {
      all = false;
    }
  }
  return all;
}

// Frees the sets older than retire_below_ once the exporter has drained, from every
// core's ring, the alerts that core queued before it swapped (all that can name them).
void RuleReloader::retire_drained() {
  if (retire_below_ == 0 || engines_.live() <= 1) return;
  for (std::size_t i = 0; i < retire_marks_.size(); ++i)
    if (exporter_.alerts_drained(i) < retire_marks_[i]) return;
  const std::size_t before = engines_.live();
  engines_.retire_before(retire_below_);
  if (engines_.live() == before) return;
  counters_.retired += before - engines_.live();

}

void RuleReloader::tick() {
  retire_drained();
  switch (state_) {
    case State::idle:
      if (requested_) {
        requested_ = false;
        start_compile();
      }
      return;
    case State::compiling:
      if (!compiled_.load(std::memory_order_acquire)) return;
      compiler_.join();
      if (!fresh_) {
        ++counters_.reload_failed;
        log(LogLevel::error, "rule reload failed, the rules loaded before keep running: %s", error_.c_str());
        state_ = State::idle;
        return;
      }
      log(LogLevel::warning, "%s", summary_.substr(0, summary_.find('\n')).c_str());
      distribute();
      return;
    case State::distributing:
      if (!collect()) return;
      // A later reload's marks cover an earlier one's: only the newest wait is kept.
      retire_below_ = generation_;
      retire_marks_ = marks_;
      ++counters_.reloads;
      log(LogLevel::warning, "rules reloaded on %zu RX core(s)", workers_.size());
      state_ = State::idle;
      return;
  }
}

void RuleReloader::finish() {
  if (compiler_.joinable()) compiler_.join();
  if (state_ == State::distributing) {
    for (std::size_t i = 0; i < workers_.size(); ++i) {
      if (!pending_[i]) continue;
      delete workers_[i]->take_retired_scanner();
      delete workers_[i]->withdraw_offer();
      pending_[i] = false;
    }
  }
  state_ = State::idle;
}

}  // namespace flowprobe
