// Parsing of the export options' mini-languages, message keys, file rotation.
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "export/kafka_sink.hpp"
#include "export/message_key.hpp"
#include "export/rotating_file_sink.hpp"
#include "export/syslog_sink.hpp"
#include "support/run_program.hpp"

namespace fs = std::filesystem;
using namespace flowprobe;

TEST(KafkaSpec, NprobeForms) {
  KafkaSpec s;
  std::string e;
  ASSERT_TRUE(parse_kafka_spec("127.0.0.1:9092,127.0.0.1:9093;topicFlows", s, e)) << e;
  EXPECT_EQ(s.brokers, "127.0.0.1:9092,127.0.0.1:9093");
  EXPECT_EQ(s.topic, "topicFlows");
  EXPECT_EQ(s.opt_topic, "");
  ASSERT_TRUE(parse_kafka_spec("k1:9092;flows;opts;-1;gzip", s, e)) << e;
  EXPECT_EQ(s.opt_topic, "opts");
  EXPECT_EQ(s.acks, "-1");
  EXPECT_EQ(s.compression, "gzip");
  ASSERT_TRUE(parse_kafka_spec("k1;flows;none;2;snappy", s, e)) << e;
  EXPECT_EQ(s.opt_topic, "");
  EXPECT_EQ(s.acks, "-1");  // nProbe's docs call "all" 2
  // nProbe 8.x: "<brokers>;<topic>;<ack>;<compression>"
  ASSERT_TRUE(parse_kafka_spec("localhost;test;0;gzip", s, e)) << e;
  EXPECT_EQ(s.acks, "0");
  EXPECT_EQ(s.compression, "gzip");
  EXPECT_EQ(s.opt_topic, "");
}

TEST(KafkaSpec, RejectsWithReasons) {
  KafkaSpec s;
  std::string e;
  for (const char* bad : {"", "broker", ";topic", "b;", "b;t;o;1;gzip;extra", "b:0;t", "b:x;t", "b;t/x", "b;t;o;5",
                          "b;t;o;1;rar", "b,,c;t"}) {
    EXPECT_FALSE(parse_kafka_spec(bad, s, e)) << bad;
    EXPECT_TRUE(e.starts_with("--kafka '")) << e;
  }
}

TEST(SyslogUrl, Forms) {
  SyslogTarget t;
  std::string e;
  ASSERT_TRUE(parse_syslog_url("udp://127.0.0.1:5514", t, e)) << e;
  EXPECT_EQ(t.transport, SyslogTarget::Transport::udp);
  EXPECT_EQ(t.host, "127.0.0.1");
  EXPECT_EQ(t.port, "5514");
  ASSERT_TRUE(parse_syslog_url("tcp://[::1]:601", t, e)) << e;
  EXPECT_EQ(t.transport, SyslogTarget::Transport::tcp);
  EXPECT_EQ(t.host, "::1");
  ASSERT_TRUE(parse_syslog_url("tcp://logs.example", t, e)) << e;
  EXPECT_EQ(t.port, "514");
  for (const char* bad : {"logs:514", "http://x:1", "udp://:514", "udp://x:0", "udp://x:70000", "tcp://[::1"}) {
    EXPECT_FALSE(parse_syslog_url(bad, t, e)) << bad;
    EXPECT_TRUE(e.starts_with("--syslog '")) << e;
  }
  ASSERT_TRUE(parse_syslog_url("tls://logs.example", t, e)) << e;
  EXPECT_EQ(t.transport, SyslogTarget::Transport::tls);
  EXPECT_EQ(t.port, "6514") << "RFC 5425's port when none is given";
  int f = 0;
  EXPECT_TRUE(parse_syslog_facility("local3", f));
  EXPECT_FALSE(parse_syslog_facility("local9", f));
}

TEST(MessageKey, FlowKeyIsTheSameForBothDirections) {
  FlowRecord a{};
  a.ip_version = 4;
  a.protocol = 6;
  a.src_ip = {10, 0, 0, 2};
  a.dst_ip = {10, 0, 0, 1};
  a.src_port = 40000;
  a.dst_port = 443;
  FlowRecord b = a;
  std::swap(b.src_ip, b.dst_ip);
  std::swap(b.src_port, b.dst_port);
  std::string ka, kb, src;
  append_message_key(a, MessageKey::flow, ka);
  append_message_key(b, MessageKey::flow, kb);
  EXPECT_EQ(ka, kb);
  EXPECT_EQ(ka, "6|10.0.0.1|443|10.0.0.2|40000|0\n");
  append_message_key(a, MessageKey::src_addr, src);
  EXPECT_EQ(src, "10.0.0.2\n");
}

TEST(RotatingFile, RotatesBySizeAndKeepsTheNewestFiles) {
  const fs::path dir = test::scratch_dir("export_rotate");
  fs::remove_all(dir);
  fs::create_directories(dir);
  RotationConfig rc;
  rc.max_bytes = 1000;
  rc.max_files = 3;
  std::string error;
  auto sink = RotatingFileSink::open(dir / "flows.json", rc, error);
  ASSERT_TRUE(sink) << error;
  const std::string record = std::string(99, 'x') + "\n";
  for (int i = 0; i < 100; ++i) {
    sink->write(record, 1);
    sink->flush();
  }
  sink->finish();
  EXPECT_EQ(sink->counters().delivered, 100u);
  EXPECT_EQ(sink->counters().failed, 0u);
  size_t rotated = 0, live = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name == "flows.json") live = fs::file_size(e.path());
    else if (name.starts_with("flows.json.")) {
      ++rotated;
      EXPECT_LE(fs::file_size(e.path()), 1000u);
    }
  }
  EXPECT_EQ(rotated, 3u);  // older ones deleted
  EXPECT_GT(live, 0u);
  const auto extra = sink->extra_counters();
  EXPECT_EQ(extra[0].second, 9u);   // 100 records of 100 bytes, 10 per file
  EXPECT_EQ(extra[1].second, 6u);
}

TEST(RotatingFile, RetentionDeletesOldRotatedFilesOnly) {
  const fs::path dir = test::scratch_dir("export_retention");
  fs::remove_all(dir);
  fs::create_directories(dir);
  const auto old_time = fs::file_time_type::clock::now() - std::chrono::hours(48);
  for (const char* name : {"flows.json.20240101-000000", "flows.json.20240101-000000.1", "flows.json.notours",
                           "other.json.20240101-000000"}) {
    std::ofstream(dir / name) << "x\n";
    fs::last_write_time(dir / name, old_time);
  }
  std::ofstream(dir / "flows.json.20990101-000000") << "fresh\n";
  RotationConfig rc;
  rc.retention = std::chrono::hours(24);
  std::string error;
  auto sink = RotatingFileSink::open(dir / "flows.json", rc, error);
  ASSERT_TRUE(sink) << error;
  EXPECT_FALSE(fs::exists(dir / "flows.json.20240101-000000"));
  EXPECT_FALSE(fs::exists(dir / "flows.json.20240101-000000.1"));
  EXPECT_TRUE(fs::exists(dir / "flows.json.notours"));
  EXPECT_TRUE(fs::exists(dir / "other.json.20240101-000000"));
  EXPECT_TRUE(fs::exists(dir / "flows.json.20990101-000000"));
}
