#include "ops/stats.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace flowprobe::ops {

void LiveCounters::init(const CounterSchema& schema, unsigned cores) {
  schema_ = schema;
  stride_ = (schema_.defs.size() + 7) / 8 * 8;  // 8 values: one cache line
  values_ = std::make_unique<std::atomic<uint64_t>[]>(stride_ * cores + 8);
  cores_.store(cores, std::memory_order_release);
}

void LiveCounters::publish(unsigned core, std::span<const uint64_t> values) noexcept {
  if (core >= cores_.load(std::memory_order_relaxed)) return;
  std::atomic<uint64_t>* out = &values_[stride_ * core];
  const std::size_t n = std::min(values.size(), schema_.defs.size());
  for (std::size_t i = 0; i < n; ++i) out[i].store(values[i], std::memory_order_relaxed);
}

std::vector<uint64_t> LiveCounters::load(unsigned core) const {
  std::vector<uint64_t> v(schema_.defs.size());
  if (core >= cores()) return v;
  const std::atomic<uint64_t>* in = &values_[stride_ * core];
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = in[i].load(std::memory_order_relaxed);
  return v;
}

StatsHub::StatsHub() : start_(std::chrono::steady_clock::now()) {}

void StatsHub::publish_main(MainLive live) {
  std::lock_guard<std::mutex> lock(mutex_);
  main_ = std::move(live);
}

void StatsHub::publish_sinks(std::vector<SinkLive> sinks) {
  std::lock_guard<std::mutex> lock(mutex_);
  main_.sinks = std::move(sinks);
}

std::vector<SinkLive> sink_stats(const Sink& sink) {
  std::vector<SinkLive> out;
  for (const Sink* part : sink.parts()) {
    const SinkCounters c = part->counters();
    out.push_back({part->describe(), c.delivered, c.failed, c.bytes});
  }
  return out;
}

StatsSnapshot StatsHub::snapshot() const {
  StatsSnapshot s;
  s.uptime_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const unsigned n = live_.cores();
  s.schema = &live_.schema();
  for (unsigned i = 0; i < n; ++i) s.cores.push_back(live_.load(i));
  for (const ExtraTable& t : extra_) {
    ExtraValues& v = s.extra.emplace_back(ExtraValues{t.defs, std::vector<uint64_t>(t.defs.size())});
    t.read(v.values.data());
  }
  std::lock_guard<std::mutex> lock(mutex_);
  s.main = main_;
  return s;
}

uint64_t StatsSnapshot::rx(std::string_view name) const {
  if (schema == nullptr) return 0;
  const std::size_t i = schema->find(name);
  uint64_t t = 0;
  for (const auto& c : cores)
    if (i < c.size()) t += c[i];
  return t;
}

SinkLive StatsSnapshot::sink_total() const {
  SinkLive t;
  for (const SinkLive& s : main.sinks) {
    t.delivered += s.delivered;
    t.failed += s.failed;
    t.bytes += s.bytes;
  }
  return t;
}

PortLive StatsSnapshot::port_total() const {
  PortLive t;
  for (const PortLive& p : main.ports) {
    t.ipackets += p.ipackets;
    t.ibytes += p.ibytes;
    t.imissed += p.imissed;
    t.ierrors += p.ierrors;
    t.rx_nombuf += p.rx_nombuf;
  }
  return t;
}

namespace {

double rate(uint64_t now, uint64_t before, double seconds) {
  return seconds > 0 && now >= before ? static_cast<double>(now - before) / seconds : 0;
}

// 1234567 -> "1.23M": the line must stay short enough to read at a glance.
std::string human(double v) {
  char buf[32];
  if (v >= 1e9) std::snprintf(buf, sizeof(buf), "%.2fG", v / 1e9);
  else if (v >= 1e6) std::snprintf(buf, sizeof(buf), "%.2fM", v / 1e6);
  else if (v >= 1e3) std::snprintf(buf, sizeof(buf), "%.2fk", v / 1e3);
  else std::snprintf(buf, sizeof(buf), "%.0f", v);
  return buf;
}

std::string escape_label(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string escape_json(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"') out += '\\', out += c;
    else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
    } else out += c;
  }
  return out;
}

class Prom {
 public:
  void family(const char* name, const char* type, const char* help) {
    out_ += "# HELP flowprobe_";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE flowprobe_";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  void sample(const char* name, const std::string& labels, uint64_t v) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), " %" PRIu64 "\n", v);
    out_ += "flowprobe_";
    out_ += name;
    if (!labels.empty()) out_ += "{" + labels + "}";
    out_ += buf;
  }
  void sample(const char* name, const std::string& labels, double v) {
    char buf[48];
    std::snprintf(buf, sizeof(buf), " %.3f\n", v);
    out_ += "flowprobe_";
    out_ += name;
    if (!labels.empty()) out_ += "{" + labels + "}";
    out_ += buf;
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

// The Prometheus name of a counter (without "flowprobe_" and "_total"): its metric, or its
// name with '_' for '.'; empty for a table's padding.
std::string metric_name(const CounterDef& d) {
  std::string m(d.metric.empty() ? d.name : d.metric);
  for (char& c : m)
    if (c == '.') c = '_';
  return m;
}

}  // namespace

std::string stats_line(const StatsSnapshot& now, const StatsSnapshot& prev) {
  const double dt = now.uptime_s - prev.uptime_s;
  const PortLive p = now.port_total();
  const SinkLive s = now.sink_total();
  const uint64_t packets = now.rx("packets.received");
  char line[512];
  std::snprintf(line, sizeof(line),
                "stats: %s pkt/s %sbit/s | flows active %" PRIu64 " exported/s %s | drops: imissed %" PRIu64
                " nombuf %" PRIu64 " ring_full %" PRIu64 " table_full %" PRIu64 " sink_failed %" PRIu64
                " | total pkts %" PRIu64,
                human(rate(packets, prev.rx("packets.received"), dt)).c_str(),
                human(8 * rate(now.rx("packets.bytes"), prev.rx("packets.bytes"), dt)).c_str(), now.rx("flows.active"),
                human(rate(now.main.exporter.records_encoded, prev.main.exporter.records_encoded, dt)).c_str(),
                p.imissed, p.rx_nombuf, now.rx("records.dropped_ring_full"), now.rx("flows.ended.table_full"), s.failed,
                packets);
  return line;
}

std::string prometheus_text(const StatsSnapshot& s) {
  Prom p;
  p.family("uptime_seconds", "gauge", "Seconds since the probe started.");
  p.sample("uptime_seconds", "", s.uptime_s);
  // Every RX-core counter table, read the same way.
  if (s.schema != nullptr)
    for (std::size_t d = 0; d < s.schema->defs.size(); ++d) {
      const CounterDef& def = s.schema->defs[d];
      if (def.name.empty()) continue;
      const bool gauge = def.kind == CounterKind::gauge;
      const std::string metric = metric_name(def) + (gauge ? "" : "_total");
      p.family(metric.c_str(), gauge ? "gauge" : "counter", ("Per RX core: " + std::string(def.help) + ".").c_str());
      for (std::size_t i = 0; i < s.cores.size(); ++i)
        if (d < s.cores[i].size()) p.sample(metric.c_str(), "core=\"" + std::to_string(i) + "\"", s.cores[i][d]);
    }
  uint64_t exported[std::size(kExportCounterDefs)];
  std::memcpy(exported, &s.main.exporter, sizeof exported);
  for (std::size_t d = 0; d < std::size(kExportCounterDefs); ++d) {
    const std::string metric = metric_name(kExportCounterDefs[d]) + "_total";
    p.family(metric.c_str(), "counter", (std::string(kExportCounterDefs[d].help) + ".").c_str());
    p.sample(metric.c_str(), "", exported[d]);
  }
  for (const ExtraValues& t : s.extra)
    for (std::size_t d = 0; d < t.defs.size(); ++d) {
      const bool gauge = t.defs[d].kind == CounterKind::gauge;
      const std::string metric = metric_name(t.defs[d]) + (gauge ? "" : "_total");
      p.family(metric.c_str(), gauge ? "gauge" : "counter", (std::string(t.defs[d].help) + ".").c_str());
      p.sample(metric.c_str(), "", t.values[d]);
    }

  struct PortField {
    const char* metric;
    const char* help;
    uint64_t PortLive::*value;
  };
  static constexpr PortField kPort[] = {
      {"port_ipackets_total", "Packets the port received (the NIC's count).", &PortLive::ipackets},
      {"port_ibytes_total", "Bytes the port received.", &PortLive::ibytes},
      {"port_imissed_total", "Packets the NIC dropped: RX queue full (the probe is not keeping up).", &PortLive::imissed},
      {"port_ierrors_total", "Erroneous packets the port received.", &PortLive::ierrors},
      {"port_rx_nombuf_total", "Packets dropped for want of an mbuf.", &PortLive::rx_nombuf},
  };
  for (const PortField& f : kPort) {
    p.family(f.metric, "counter", f.help);
    for (const PortLive& port : s.main.ports)
      p.sample(f.metric, "port=\"" + std::to_string(port.id) + "\",name=\"" + escape_label(port.name) + "\"",
               port.*f.value);
  }
  struct SinkField {
    const char* metric;
    const char* help;
    uint64_t SinkLive::*value;
  };
  static constexpr SinkField kSink[] = {
      {"sink_delivered_total", "Records the sink delivered (written, acknowledged).", &SinkLive::delivered},
      {"sink_failed_total", "Records the sink could not deliver and did not keep.", &SinkLive::failed},
      {"sink_bytes_total", "Bytes the sink delivered.", &SinkLive::bytes},
  };
  for (const SinkField& f : kSink) {
    p.family(f.metric, "counter", f.help);
    for (const SinkLive& sink : s.main.sinks) p.sample(f.metric, "sink=\"" + escape_label(sink.name) + "\"", sink.*f.value);
  }
  return p.take();
}

std::string stats_json(const StatsSnapshot& s, const StatsSnapshot& prev) {
  const double dt = s.uptime_s - prev.uptime_s;
  std::string o = "{";
  char buf[256];
  std::snprintf(buf, sizeof(buf), "\"time\":%lld,\"uptime_s\":%.3f,", static_cast<long long>(std::time(nullptr)),
                s.uptime_s);
  o += buf;
  std::snprintf(buf, sizeof(buf), "\"rates\":{\"packets_per_s\":%.1f,\"bits_per_s\":%.1f,\"flows_exported_per_s\":%.1f},",
                rate(s.rx("packets.received"), prev.rx("packets.received"), dt),
                8 * rate(s.rx("packets.bytes"), prev.rx("packets.bytes"), dt),
                rate(s.main.exporter.records_encoded, prev.main.exporter.records_encoded, dt));
  o += buf;
  const PortLive pt = s.port_total();
  std::snprintf(buf, sizeof(buf),
                "\"drops\":{\"nic_imissed\":%" PRIu64 ",\"no_mbuf\":%" PRIu64 ",\"ring_full\":%" PRIu64
                ",\"table_full\":%" PRIu64 ",\"sink_failed\":%" PRIu64 "},",
                pt.imissed, pt.rx_nombuf, s.rx("records.dropped_ring_full"), s.rx("flows.ended.table_full"),
                s.sink_total().failed);
  o += buf;
  o += "\"cores\":[";
  for (std::size_t i = 0; i < s.cores.size(); ++i) {
    o += i ? ",{" : "{";
    o += "\"core\":" + std::to_string(i);
    for (std::size_t d = 0; s.schema != nullptr && d < s.schema->defs.size() && d < s.cores[i].size(); ++d)
      if (!s.schema->defs[d].name.empty())
        o += ",\"" + metric_name(s.schema->defs[d]) + "\":" + std::to_string(s.cores[i][d]);
    o += "}";
  }
  o += "],\"records_encoded\":" + std::to_string(s.main.exporter.records_encoded);
  for (const ExtraValues& t : s.extra)
    for (std::size_t d = 0; d < t.defs.size(); ++d)
      o += ",\"" + metric_name(t.defs[d]) + "\":" + std::to_string(t.values[d]);
  o += ",\"ports\":[";
  for (std::size_t i = 0; i < s.main.ports.size(); ++i) {
    const PortLive& p = s.main.ports[i];
    std::snprintf(buf, sizeof(buf),
                  "%s{\"port\":%u,\"name\":\"%s\",\"ipackets\":%" PRIu64 ",\"ibytes\":%" PRIu64 ",\"imissed\":%" PRIu64
                  ",\"ierrors\":%" PRIu64 ",\"rx_nombuf\":%" PRIu64 "}",
                  i ? "," : "", p.id, escape_json(p.name).c_str(), p.ipackets, p.ibytes, p.imissed, p.ierrors,
                  p.rx_nombuf);
    o += buf;
  }
  o += "],\"sinks\":[";
  for (std::size_t i = 0; i < s.main.sinks.size(); ++i) {
    const SinkLive& k = s.main.sinks[i];
    o += (i ? ",{\"name\":\"" : "{\"name\":\"") + escape_json(k.name) + "\"";
    o += ",\"delivered\":" + std::to_string(k.delivered) + ",\"failed\":" + std::to_string(k.failed) +
         ",\"bytes\":" + std::to_string(k.bytes) + "}";
  }
  o += "]}\n";
  return o;
}

}  // namespace flowprobe::ops
