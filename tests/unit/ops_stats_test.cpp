// lib/ops without a probe: the stats formats, the listen address, the per-core snapshot.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <regex>

#include <cstring>

#include "export/log_delivery.hpp"
#include "flow/flow_table.hpp"
#include "io/rx_counters.hpp"
#include "ops/stats.hpp"
#include "ops/stats_server.hpp"

using namespace flowprobe;
using namespace flowprobe::ops;

namespace {

// Two RX cores with the counter tables of the io and flow stages, as a probe has them.
const CounterSchema& test_schema() {
  static const CounterSchema schema = [] {
    static const RxCounters rx;
    static const FlowTableCounters flows;
    const CounterSource sources[] = {counter_source(kRxCounterDefs, rx), counter_source(kFlowCounterDefs, flows)};
    return schema_of(sources);
  }();
  return schema;
}

StatsSnapshot snapshot(double t, uint64_t packets, uint64_t bytes, uint64_t encoded) {
  StatsSnapshot s;
  s.uptime_s = t;
  const CounterSchema& schema = test_schema();
  s.schema = &schema;
  std::vector<uint64_t> a(schema.defs.size()), b(schema.defs.size());
  const auto set = [&](std::vector<uint64_t>& v, std::string_view name, uint64_t x) { v[schema.find(name)] = x; };
  set(a, "packets.received", packets / 2);
  set(b, "packets.received", packets - packets / 2);
  set(a, "packets.bytes", bytes);
  set(a, "flows.active", 7);
  set(b, "flows.active", 5);
  set(b, "records.dropped_ring_full", 3);
  set(a, "flows.ended.table_full", 2);
  s.cores = {a, b};
  s.main.exporter.records_encoded = encoded;
  s.main.ports = {{0, "net_pcap0", packets, bytes, 11, 0, 13}};
  s.main.sinks = {{"kafka \"a\" b", 40, 4, 1000}, {"file /tmp/x", 44, 0, 2000}};
  return s;
}

}  // namespace

TEST(OpsStats, ListenAddresses) {
  std::string host, port, error;
  ASSERT_TRUE(parse_listen_address("9100", host, port, error));
  EXPECT_EQ(host, "127.0.0.1") << "a bare port must bind loopback only";
  EXPECT_EQ(port, "9100");
  ASSERT_TRUE(parse_listen_address("0.0.0.0:9200", host, port, error));
  EXPECT_EQ(host, "0.0.0.0");
  EXPECT_EQ(port, "9200");
  ASSERT_TRUE(parse_listen_address("[::1]:9300", host, port, error));
  EXPECT_EQ(host, "::1");
  for (const char* bad : {"", "localhost", ":80", "1.2.3.4:99999", "[::1]9100", "host:port"}) {
    EXPECT_FALSE(parse_listen_address(bad, host, port, error)) << bad;
    EXPECT_NE(error.find("--stats-listen"), std::string::npos);
  }
}

TEST(OpsStats, LineHasRatesOverTheIntervalAndDropsByReason) {
  const std::string line = stats_line(snapshot(12, 3'000'000, 250'000'000, 5000), snapshot(10, 1'000'000, 0, 3000));
  // 2M packets and 250 MB (2 Gbit) in 2 s; 2000 records in 2 s.
  EXPECT_NE(line.find("1.00M pkt/s 1.00Gbit/s"), std::string::npos) << line;
  EXPECT_NE(line.find("flows active 12 exported/s 1.00k"), std::string::npos) << line;
  EXPECT_NE(line.find("drops: imissed 11 nombuf 13 ring_full 3 table_full 2 sink_failed 4"), std::string::npos) << line;
}

TEST(OpsStats, PrometheusTextIsWellFormed) {
  const std::string text = prometheus_text(snapshot(3, 100, 1000, 10));
  EXPECT_NE(text.find("flowprobe_rx_packets_total{core=\"0\"} 50\n"), std::string::npos) << text;
  EXPECT_NE(text.find("flowprobe_rx_packets_total{core=\"1\"} 50\n"), std::string::npos);
  EXPECT_NE(text.find("flowprobe_flows_active{core=\"0\"} 7\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE flowprobe_flows_active gauge\n"), std::string::npos);
  EXPECT_NE(text.find("flowprobe_port_imissed_total{port=\"0\",name=\"net_pcap0\"} 11\n"), std::string::npos);
  EXPECT_NE(text.find("flowprobe_sink_failed_total{sink=\"kafka \\\"a\\\" b\"} 4\n"), std::string::npos)
      << "label values must be escaped: " << text;
  // Every sample belongs to a family declared just before it, and every line is one of
  // the exposition format's three kinds.
  const std::regex sample(R"(flowprobe_[a-z_]+(\{[^}]*\})? [0-9.]+)");
  std::istringstream in(text);
  std::string family;
  for (std::string l; std::getline(in, l);) {
    if (l.rfind("# HELP ", 0) == 0) continue;
    if (l.rfind("# TYPE ", 0) == 0) {
      family = l.substr(7, l.find(' ', 7) - 7);
      continue;
    }
    EXPECT_TRUE(std::regex_match(l, sample)) << l;
    EXPECT_EQ(l.rfind(family, 0), 0u) << l << " outside its family " << family;
  }
}

TEST(OpsStats, AnExtraTableIsReadAtEachSnapshotAndShownLikeTheOthers) {
  // The log-set delivery's table (export/log_delivery.hpp), read through the hub.
  StatsHub hub;
  uint64_t queued = 2;
  hub.add_table({kLogDeliveryCounterDefs, [&queued](uint64_t* out) {
                   LogDeliveryCounters c;
                   c.uploaded = 5;
                   c.pending = queued;
                   std::memcpy(out, &c, sizeof c);
                 }});
  const StatsSnapshot first = hub.snapshot();
  queued = 3;
  const StatsSnapshot s = hub.snapshot();
  const std::string text = prometheus_text(s);
  EXPECT_NE(text.find("# TYPE flowprobe_log_sets_queued gauge\nflowprobe_log_sets_queued 3\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("# TYPE flowprobe_log_sets_uploaded_total counter\nflowprobe_log_sets_uploaded_total 5\n"),
            std::string::npos)
      << text;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  const std::string json = stats_json(s, first);
  ASSERT_FALSE(parser.parse(json).get(doc)) << json;
  EXPECT_EQ(int64_t(doc["log_sets_queued"]), 3);
  EXPECT_EQ(int64_t(doc["log_sets_deleted_before_upload"]), 0);
}

TEST(OpsStats, JsonParsesAndAgreesWithTheLine) {
  const std::string json = stats_json(snapshot(12, 3'000'000, 250'000'000, 5000), snapshot(10, 1'000'000, 0, 3000));
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_FALSE(parser.parse(json).get(doc)) << json;
  EXPECT_DOUBLE_EQ(double(doc["rates"]["packets_per_s"]), 1e6);
  EXPECT_EQ(int64_t(doc["drops"]["ring_full"]), 3);
  EXPECT_EQ(int64_t(doc["drops"]["sink_failed"]), 4);
  EXPECT_EQ(int64_t(doc["cores"].at(1)["rx_packets"]), 1'500'000);
  EXPECT_EQ(std::string_view(doc["sinks"].at(0)["name"]), "kafka \"a\" b");
}

TEST(OpsStats, LiveCountersCarryWhatEachCorePublished) {
  RxCounters c;
  c.rx_packets = 42;
  c.rx_bytes = 4200;
  c.records_ring_full = 1;
  FlowTableCounters f;
  f.created = 9;
  f.emitted = 5;
  f.ended[static_cast<int>(FlowEndCause::table_full)] = 2;
  f.ended[static_cast<int>(FlowEndCause::tcp_fin)] = 3;
  f.active = 4;
  const CounterSource sources[] = {counter_source(kRxCounterDefs, c), counter_source(kFlowCounterDefs, f)};
  const CounterSchema schema = schema_of(sources);
  std::vector<uint64_t> values(schema.defs.size());
  read_counters(sources, values.data());
  LiveCounters live;
  live.init(schema, 2);
  live.publish(1, values);
  const std::vector<uint64_t> v = live.load(1);
  EXPECT_EQ(counter_value(schema, v, "packets.received"), 42u);
  EXPECT_EQ(counter_value(schema, v, "packets.bytes"), 4200u);
  EXPECT_EQ(counter_value(schema, v, "records.dropped_ring_full"), 1u);
  EXPECT_EQ(counter_value(schema, v, "flows.created"), 9u);
  EXPECT_EQ(counter_value(schema, v, "flows.records"), 5u);
  EXPECT_EQ(counter_value(schema, v, "flows.ended.table_full"), 2u);
  EXPECT_EQ(counter_value(schema, v, "flows.active"), 4u);
  EXPECT_EQ(counter_value(schema, live.load(0), "packets.received"), 0u) << "another core's block";
}
