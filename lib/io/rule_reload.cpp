#include "io/rule_reload.hpp"

#include "core/log.hpp"
#include "io/rx_worker.hpp"

namespace flowprobe {

RuleReloader::RuleReloader(std::vector<std::string> paths, sig::ScannerConfig scanner,
                           std::vector<std::unique_ptr<sig::SignatureEngine>>& engines, std::vector<RxWorker*> workers)
    : paths_(std::move(paths)), scanner_config_(scanner), engines_(engines), workers_(std::move(workers)),
      pending_(workers_.size(), false) {}

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
  engines_.push_back(std::move(fresh_));
  const auto generation = static_cast<uint32_t>(engines_.size() - 1);
  // Scanners are built here, on the main lcore: their scratch and pools are allocated
  // now, never on an RX core.
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    workers_[i]->offer_scanner(new sig::PerCoreScanner(*engines_.back(), scanner_config_), generation);
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
      pending_[i] = false;
    } else if (!workers_[i]->running()) {
      delete workers_[i]->withdraw_offer();
      pending_[i] = false;
    } else {
      all = false;
    }
  }
  return all;
}

void RuleReloader::tick() {
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
