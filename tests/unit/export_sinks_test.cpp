// Parsing of the export options' mini-languages, message keys, file rotation.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <thread>

#include "export/kafka_sink.hpp"
#include "export/message_key.hpp"
#include "export/retention.hpp"
#include "export/rotating_file_sink.hpp"
#include "export/syslog_sink.hpp"
#include "integration/export_support.hpp"
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

namespace {
// Rotated files of `base` in `dir`, by name, and the live file's size.
std::vector<std::string> rotated_files(const fs::path& dir, const std::string& base, uint64_t* live = nullptr) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name == base && live) *live = fs::file_size(e.path());
    else if (rotated_file_role(name, base) == FileRole::closed) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}
}  // namespace

TEST(RotatingFile, RotatesBySizeAndKeepsTheNewestFiles) {
  const fs::path dir = test::scratch_dir("export_rotate");
  fs::remove_all(dir);
  fs::create_directories(dir);
  RotationConfig rc;
  rc.max_bytes = 1000;
  RetentionPolicy rp;
  rp.max_files = 3;
  Retention retention(rp);
  std::string error;
  auto sink = RotatingFileSink::open(dir / "flows.json", rc, &retention, error);
  ASSERT_TRUE(sink) << error;
  const std::string record = std::string(99, 'x') + "\n";
  for (int i = 0; i < 100; ++i) {
    sink->write(record, 1);
    sink->flush();
  }
  sink->finish();
  EXPECT_EQ(sink->counters().delivered, 100u);
  EXPECT_EQ(sink->counters().failed, 0u);
  uint64_t live = 0;
  const auto rotated = rotated_files(dir, "flows.json", &live);
  EXPECT_EQ(rotated.size(), 3u);  // older ones deleted
  for (const std::string& f : rotated) EXPECT_EQ(fs::file_size(dir / f), 1000u) << f;
  EXPECT_GT(live, 0u);
  EXPECT_EQ(sink->extra_counters()[0].second, 9u);  // 100 records of 100 bytes, 10 per file
  EXPECT_EQ(retention.counters().deleted_files, 6u);
}

// The exporter hands a file sink batches of up to 256 KB: the bound holds per record,
// not per batch, so a replay whose records arrive in one batch still rotates.
TEST(RotatingFile, RotatesAtTheFirstRecordPastTheSizeWithinABatch) {
  const fs::path dir = test::scratch_dir("export_rotate_batch");
  fs::remove_all(dir);
  fs::create_directories(dir);
  RotationConfig rc;
  rc.max_bytes = 1000;
  std::string error;
  auto sink = RotatingFileSink::open(dir / "flows.json", rc, nullptr, error);
  ASSERT_TRUE(sink) << error;
  std::string batch;
  for (int i = 0; i < 95; ++i) batch += std::string(99, 'a' + i % 26) + "\n";
  sink->write(batch, 95);
  sink->finish();
  EXPECT_EQ(sink->counters().delivered, 95u);
  uint64_t live = 0;
  const auto rotated = rotated_files(dir, "flows.json", &live);
  ASSERT_EQ(rotated.size(), 9u);
  for (const std::string& f : rotated) EXPECT_EQ(fs::file_size(dir / f), 1000u) << f;
  EXPECT_EQ(live, 500u);
  // Every record whole, in order, across the files.
  std::string all;
  for (const std::string& f : rotated) all += test::read_file(dir / f);
  all += test::read_file(dir / "flows.json");
  EXPECT_EQ(all, batch);
}

// Age is packet time: a replay of an hour of traffic with --rotate-age 600 makes files of
// 10 minutes of records each, named by the packet clock when they opened, however fast it
// runs; a record that ends late (before the clock) stays in the file being written.
TEST(RotatingFile, RotatesByPacketTimeAndNamesFilesByTheirFirstRecord) {
  const fs::path dir = test::scratch_dir("export_rotate_age");
  fs::remove_all(dir);
  fs::create_directories(dir);
  RotationConfig rc;
  rc.max_age = std::chrono::seconds(600);
  std::string error;
  auto sink = RotatingFileSink::open(dir / "flows.json", rc, nullptr, error);
  ASSERT_TRUE(sink) << error;
  constexpr uint64_t kStart = 1'700'000'000ull * 1'000'000'000ull;  // 2023-11-14 22:13:20 UTC
  for (uint64_t minute = 0; minute < 60; ++minute) {
    const uint64_t t = kStart + minute * 60'000'000'000ull;
    // What the exporter does: the clock moves before the first record that reaches it.
    if (t >= sink->clock_deadline_ns()) sink->advance_clock(t);
    sink->write("{\"minute\":" + std::to_string(minute) + "}\n", 1);
    if (minute == 25) {  // a long flow's record, ended 20 minutes ago, leaves now
      const uint64_t late = t - 20 * 60'000'000'000ull;
      if (late >= sink->clock_deadline_ns()) sink->advance_clock(late);
      sink->write("{\"late\":5}\n", 1);
    }
  }
  sink->finish();
  const auto rotated = rotated_files(dir, "flows.json");
  ASSERT_EQ(rotated.size(), 5u);
  EXPECT_EQ(rotated.front(), "flows.json.20231114-221320");
  EXPECT_EQ(rotated.back(), "flows.json.20231114-225320");
  for (const std::string& f : rotated)
    EXPECT_EQ(test::read_lines(dir / f).size(), f == "flows.json.20231114-223320" ? 11u : 10u) << f;
  EXPECT_EQ(test::read_lines(dir / "flows.json").front(), "{\"minute\":50}");
}

TEST(Retention, DeletesOldClosedFilesOnly) {
  const fs::path dir = test::scratch_dir("export_retention");
  fs::remove_all(dir);
  fs::create_directories(dir);
  const auto old_time = fs::file_time_type::clock::now() - std::chrono::hours(48);
  for (const char* name : {"flows.json.20240101-000000", "flows.json.20240101-000000.1", "flows.json.notours",
                           "other.json.20240101-000000", "flows.json"}) {
    std::ofstream(dir / name) << "x\n";
    fs::last_write_time(dir / name, old_time);
  }
  std::ofstream(dir / "flows.json.20990101-000000") << "fresh\n";
  RetentionPolicy rp;
  rp.max_age = std::chrono::hours(24);
  Retention retention(rp);
  std::string error;
  auto sink = RotatingFileSink::open(dir / "flows.json", RotationConfig{}, &retention, error);
  ASSERT_TRUE(sink) << error;
  EXPECT_EQ(retention.apply(), 2u);
  EXPECT_FALSE(fs::exists(dir / "flows.json.20240101-000000"));
  EXPECT_FALSE(fs::exists(dir / "flows.json.20240101-000000.1"));
  EXPECT_TRUE(fs::exists(dir / "flows.json")) << "the live file is never deleted";
  EXPECT_TRUE(fs::exists(dir / "flows.json.notours"));
  EXPECT_TRUE(fs::exists(dir / "other.json.20240101-000000"));
  EXPECT_TRUE(fs::exists(dir / "flows.json.20990101-000000"));
}

// The size cap is one budget over every writer's files: the oldest closed file goes
// first, whoever wrote it, and live files count but stay.
TEST(Retention, SizeCapDeletesTheOldestClosedFilesOfEveryWriter) {
  const fs::path dir = test::scratch_dir("export_retention_cap");
  fs::remove_all(dir);
  fs::create_directories(dir / "zeek");
  const auto now = fs::file_time_type::clock::now();
  struct F {
    fs::path path;
    int age_h;
  };
  const std::vector<F> files = {{dir / "flows.json.20240101-000000", 50},  {dir / "events.json.20240101-000000", 40},
                                {dir / "zeek" / "conn.2024-01-01-00-00-00.log", 30},
                                {dir / "flows.json.20240102-000000", 20}, {dir / "zeek" / "conn.log", 60},
                                {dir / "flows.json", 60}};
  for (const F& f : files) {
    std::ofstream(f.path) << std::string(1000, 'x');
    fs::last_write_time(f.path, now - std::chrono::hours(f.age_h));
  }
  RetentionPolicy rp;
  rp.max_bytes = 3500;
  Retention retention(rp);
  for (const char* base : {"flows.json", "events.json"})
    retention.watch(base, dir, [b = std::string(base)](std::string_view n) { return rotated_file_role(n, b); });
  retention.watch("zeek", dir / "zeek", [](std::string_view n) {
    return n == "conn.log" ? FileRole::live : n.starts_with("conn.2") ? FileRole::closed : FileRole::other;
  });
  EXPECT_EQ(retention.apply(), 3u);  // 6000 bytes: the three oldest closed files go, 3000 remain
  EXPECT_FALSE(fs::exists(files[0].path));
  EXPECT_FALSE(fs::exists(files[1].path));
  EXPECT_FALSE(fs::exists(files[2].path));
  EXPECT_TRUE(fs::exists(files[3].path));
  EXPECT_TRUE(fs::exists(files[4].path)) << "live files count toward the cap but stay";
  EXPECT_TRUE(fs::exists(files[5].path));
  EXPECT_EQ(retention.counters().deleted_bytes, 3000u);
}

// A closed set of logs in a directory of its own (--log-set-dir) is one unit: its whole
// size counts, and it goes whole, oldest first, beside the upload queue's archives.
TEST(Retention, ClosedSetDirectoriesAndQueuedArchivesGoWhole) {
  const fs::path dir = test::scratch_dir("export_retention_sets");
  fs::remove_all(dir);
  const fs::path logs = dir / "logs", queue = dir / "queue";
  const auto now = fs::file_time_type::clock::now();
  const auto make = [&](const fs::path& p, int age_h) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << std::string(1000, 'x');
    fs::last_write_time(p, now - std::chrono::hours(age_h));
  };
  make(logs / "realtime-2024-01-01-00:00:00" / "conn.log", 50);
  make(logs / "realtime-2024-01-01-00:00:00" / "dns.log", 50);
  fs::last_write_time(logs / "realtime-2024-01-01-00:00:00", now - std::chrono::hours(50));
  make(logs / "realtime-2024-01-01-00:01:00" / "conn.log", 10);
  fs::last_write_time(logs / "realtime-2024-01-01-00:01:00", now - std::chrono::hours(10));
  make(logs / "conn.log", 1);  // live
  make(queue / "realtime-2024-01-01-00:00:00.tar.zst", 40);
  make(queue / "lock", 40);
  RetentionPolicy rp;
  rp.max_bytes = 2500;  // 5000 watched: the oldest set (2000) and the archive (1000) go
  Retention retention(rp);
  retention.watch("zeek logs", logs, [](std::string_view n) {
    return n == "conn.log" ? FileRole::live : n.starts_with("realtime-") ? FileRole::closed : FileRole::other;
  });
  retention.watch("queue", queue, [](std::string_view n) {
    return n.ends_with(".tar.zst") ? FileRole::closed : FileRole::other;
  });
  EXPECT_EQ(retention.apply(), 2u);
  EXPECT_FALSE(fs::exists(logs / "realtime-2024-01-01-00:00:00"));
  EXPECT_FALSE(fs::exists(queue / "realtime-2024-01-01-00:00:00.tar.zst"));
  EXPECT_TRUE(fs::exists(logs / "realtime-2024-01-01-00:01:00" / "conn.log"));
  EXPECT_TRUE(fs::exists(logs / "conn.log"));
  EXPECT_TRUE(fs::exists(queue / "lock"));
  EXPECT_EQ(retention.counters().deleted_bytes, 3000u);
}
