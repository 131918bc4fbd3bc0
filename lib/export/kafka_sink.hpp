#pragma once
// Flow records to Kafka through librdkafka: one JSON object per message (or, opt-in,
// nProbe 8's legacy JSON arrays), delivery counted from librdkafka's delivery reports.
//
// Two tiers of buffering keep the exporter from blocking and nothing from vanishing:
// librdkafka's own in-memory queue first (bounded by queue.buffering.max.*), then the
// on-disk Spool. Once anything is in the spool, new records queue behind it so that
// order holds; the spool is replayed as the producer queue has room and the brokers
// answer. Delivery reports are served by rd_kafka_poll on the exporter thread, so
// every counter and the spool are touched by that one thread only.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "export/sink.hpp"
#include "export/spool.hpp"

struct rd_kafka_s;
struct rd_kafka_topic_s;
struct rd_kafka_message_s;

namespace flowprobe {

// nProbe's --kafka "<brokers>;<topic>[;<opt topic>;<ack>;<compression>]".
struct KafkaSpec {
  std::string brokers;      // host[:port],host[:port]...
  std::string topic;        // flow records
  std::string opt_topic;    // nProbe's option-template topic; accepted, unused ("" = none)
  std::string acks;         // "0", "1", "-1" ("" = librdkafka's default, all)
  std::string compression;  // none, gzip, snappy, lz4, zstd ("" = librdkafka's default)
};

// Parses `text`; on error returns false with `error` saying which part is wrong and what
// is accepted. Also takes nProbe 8's "<brokers>;<topic>;<ack>;<compression>".
bool parse_kafka_spec(std::string_view text, KafkaSpec& out, std::string& error);

struct KafkaSinkConfig {
  KafkaSpec spec;
  std::vector<std::string> conf;          // --kafka-conf "prop=value"; "topic." ones go to the topic
  MessageKey key = MessageKey::none;
  uint32_t array_batch = 0;               // > 1: up to N records per message as a JSON array
  std::chrono::milliseconds finish_timeout{10000};  // at exit: wait this long, then spool the rest
  std::chrono::milliseconds queue_full_wait{1000};  // without a spool: back-pressure this long, then fail
};

class KafkaSink final : public Sink {
 public:
  // Builds the producer. `spool` may be null (then what cannot be delivered is counted as
  // failed). On a bad configuration returns nullptr with `error` naming the option.
  static std::unique_ptr<KafkaSink> create(const KafkaSinkConfig& config, std::unique_ptr<Spool> spool,
                                           std::string& error);
  ~KafkaSink() override;
  KafkaSink(const KafkaSink&) = delete;
  KafkaSink& operator=(const KafkaSink&) = delete;

  void write(std::string_view batch, uint32_t count) override { write_keyed(batch, count, {}); }
  void write_keyed(std::string_view batch, uint32_t count, std::string_view keys) override;
  void flush() override;
  void finish() override;
  SinkCounters counters() const override { return counters_; }
  std::string describe() const override;
  std::string last_error() const override { return error_; }
  MessageKey message_key() const override { return config_.key; }
  std::vector<std::pair<std::string, uint64_t>> extra_counters() const override;
  bool accounts_for(uint64_t encoded) const override;

  // For `flowprobe check`: asks the cluster for the topic's metadata, waiting at most
  // `timeout`. True when a broker answered and the topic exists with partitions; `detail`
  // says what was found or why not (librdkafka's own words for a connection failure).
  bool check_metadata(std::chrono::milliseconds timeout, std::string& detail);

  // Records handed to librdkafka and not yet reported on.
  uint64_t in_flight() const { return in_flight_; }
  const Spool* spool() const { return spool_.get(); }

 private:
  struct KafkaDeleter { void operator()(rd_kafka_s* rk) const; };
  struct TopicDeleter { void operator()(rd_kafka_topic_s* rkt) const; };

  KafkaSink(KafkaSinkConfig config, std::unique_ptr<Spool> spool);
  // Hands one message to librdkafka, or to the spool; accounts for its records.
  void send(std::string_view key, std::string_view value, uint32_t records);
  // `ticket`: the spool's, for a message replayed from it (0: a new one); acknowledged to
  // the spool when the delivery report settles the message.
  bool produce(std::string_view key, std::string_view value, uint32_t records, uint64_t ticket = 0);
  void keep_or_fail(std::string_view key, std::string_view value, uint32_t records, const char* why);
  void flush_array();
  void pump_spool();
  void poll(int timeout_ms);
  void set_error(std::string text);

  static void on_delivery(rd_kafka_s* rk, const rd_kafka_message_s* msg, void* opaque);
  void settle(const rd_kafka_message_s* msg, uint32_t records);  // counts, or spools again
  static void on_error(rd_kafka_s* rk, int err, const char* reason, void* opaque);

  KafkaSinkConfig config_;
  std::unique_ptr<rd_kafka_s, KafkaDeleter> rk_;
  std::unique_ptr<rd_kafka_topic_s, TopicDeleter> topic_;
  std::unique_ptr<Spool> spool_;
  SinkCounters counters_;
  std::string error_;
  std::string last_broker_error_;  // the latest connection error librdkafka reported
  uint64_t in_flight_ = 0;
  // Frames read from the spool and not yet settled, at most: librdkafka's
  // queue.buffering.max.messages. Delivery reports come back in any order across
  // partitions and the spool's head only moves over a settled prefix, so without this
  // window a slow partition would let delivered-but-unsettled frames grow without bound,
  // and a SIGKILL would send all of them twice (the at-least-once bound in RELIABILITY.md).
  uint64_t spool_window_ = 100000;
  uint64_t messages_ = 0;       // messages accepted by librdkafka
  uint64_t retried_ = 0;        // records re-queued (to the spool) after a failed delivery report
  uint64_t queue_full_ = 0;     // times librdkafka's queue was full on produce
  uint64_t too_large_ = 0;      // records refused as larger than message.max.bytes
  uint64_t failed_reports_ = 0; // failed delivery reports (any reason)
  bool brokers_down_ = false;   // librdkafka said all brokers are down; cleared by a delivery
  bool finished_ = false;
  std::string array_;           // legacy array mode: the message being built
  std::string array_key_;
  uint32_t array_records_ = 0;
  std::string spool_key_, spool_value_;  // replay buffers, reused
};

}  // namespace flowprobe
