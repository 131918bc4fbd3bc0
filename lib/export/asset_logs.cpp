#include "export/asset_logs.hpp"

#include "dissectors/protocols.hpp"
#include "export/zeek_format.hpp"
#include "export/zeek_logs.hpp"

namespace flowprobe {

void zeek::put_mac(std::string& o, const std::array<uint8_t, 6>& mac) {
  static constexpr char hex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < 6; ++i) {
    if (i) o.push_back(':');
    o.push_back(hex[mac[i] >> 4]);
    o.push_back(hex[mac[i] & 15]);
  }
}

void zeek::put_printable(std::string& o, std::string_view s) {
  std::string kept;
  kept.reserve(s.size());
  for (const char c : s)
    if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) kept.push_back(c);
  put_str_or_unset(o, kept);
}

AssetLogWriter::AssetLogWriter(ZeekLogWriter& out, uint64_t window_ns)
    : out_(out), window_ns_(window_ns), log_of_kind_(dissect::kProtocolCount + 1, -1) {
  const auto logs = zeek_logs();
  for (const dissect::Protocol* p : dissect::kProtocols) {
    if (p->asset_log == nullptr) continue;
    Log l;
    l.def = p->asset_log;
    for (std::size_t i = 0; i < logs.size(); ++i)
      if (logs[i].asset_log == p->asset_log) l.out = i;
    log_of_kind_[static_cast<std::size_t>(p->kind)] = static_cast<int>(logs_.size());
    logs_.push_back(std::move(l));
  }
  key_.reserve(1024);
  row_.reserve(1024);
}

void AssetLogWriter::write(Log& l, const Entry& e, uint64_t at_ns) {
  using namespace zeek;
  row_.clear();
  put_secs(row_, e.first_ns);
  tab(row_);
  put(row_, e.key);
  if (l.def->tail == dissect::AssetLog::Tail::number_ts_end) {
    tab(row_);
    put_count(row_, e.count);
    tab(row_);
    put_secs(row_, e.last_ns);
  }
  out_.write_row(l.out, at_ns, row_);
  ++counters_.rows;
}

void AssetLogWriter::expire(Log& l, uint64_t now_ns) {
  while (!l.open.empty() && l.open.front().first_ns + window_ns_ <= now_ns) {
    const Entry& e = l.open.front();
    write(l, e, e.first_ns + window_ns_);  // written when its window ended, as Zeek's expiry
    l.index.erase(e.key);
    l.open.pop_front();
    ++l.base;
  }
}

void AssetLogWriter::advance(uint64_t now_ns) {
  if (now_ns <= clock_ns_) return;
  clock_ns_ = now_ns;
  for (Log& l : logs_) expire(l, now_ns);
}

void AssetLogWriter::add(const AssetEvent& e) {
  const std::size_t kind = static_cast<std::size_t>(e.kind);
  if (kind >= log_of_kind_.size() || log_of_kind_[kind] < 0) return;
  ++counters_.sightings;
  advance(e.ts_ns);
  Log& l = logs_[static_cast<std::size_t>(log_of_kind_[kind])];
  key_.clear();
  if (!l.def->write_key(e, key_)) {
    ++counters_.filtered;
    return;
  }
  if (!l.def->aggregate) {
    write(l, Entry{key_, e.ts_ns, e.ts_ns, 1}, e.ts_ns);
    return;
  }
  if (const auto it = l.index.find(key_); it != l.index.end()) {
    Entry& open = l.open[it->second - l.base];
    ++open.count;
    open.last_ns = std::max(open.last_ns, e.ts_ns);
    open.first_ns = std::min(open.first_ns, e.ts_ns);  // RX cores' events interleave
    return;
  }
  if (l.open.size() >= kMaxOpen) {
    const Entry& oldest = l.open.front();
    write(l, oldest, clock_ns_);
    ++counters_.written_early;
    l.index.erase(oldest.key);
    l.open.pop_front();
    ++l.base;
  }
  l.open.push_back(Entry{key_, e.ts_ns, e.ts_ns, 1});
  // The key's view points into the entry's own string: a deque keeps its elements in
  // place when the ends change.
  l.index.emplace(l.open.back().key, l.base + l.open.size() - 1);
}

void AssetLogWriter::finish() {
  for (Log& l : logs_) {
    for (const Entry& e : l.open) write(l, e, std::max(clock_ns_, e.first_ns));
    l.open.clear();
    l.index.clear();
  }
}

}  // namespace flowprobe
