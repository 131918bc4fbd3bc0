// Reading a window of a Kafka topic: every partition from the offset of --from to --to.
#include <librdkafka/rdkafka.h>
#include <simdjson.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <vector>

#include "report/format.hpp"
#include "report/input.hpp"

namespace flowprobe::report {

namespace {

struct KafkaDeleter {
  void operator()(rd_kafka_t* rk) const {
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
  }
};
struct ListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};
struct MessageDeleter {
  void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};
using List = std::unique_ptr<rd_kafka_topic_partition_list_t, ListDeleter>;
using Message = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;

struct Partition {
  int32_t id = 0;
  int64_t low = 0, high = 0;  // watermarks when reading began
  int64_t start = 0;          // first offset to read
  bool done = false;
  uint64_t read = 0;
};

}  // namespace

bool read_kafka(const KafkaSource& src, const LineFn& fn, InputNotes& notes, std::string& error) {
  char err[512] = "";
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  const auto set = [&](const std::string& k, const std::string& v) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof(err)) != RD_KAFKA_CONF_OK) {
      error = "--kafka-conf " + k + "=" + v + ": " + err;
      return false;
    }
    return true;
  };
  // A group of our own that commits nothing: a report never moves anybody's offsets.
  if (!set("bootstrap.servers", src.brokers) ||
      !set("group.id", "flowprobe-report-" + std::to_string(getpid())) || !set("enable.auto.commit", "false") ||
      !set("enable.auto.offset.store", "false") || !set("enable.partition.eof", "true") ||
      !set("auto.offset.reset", "earliest")) {
    rd_kafka_conf_destroy(conf);
    return false;
  }
  for (const std::string& kv : src.conf) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      rd_kafka_conf_destroy(conf);
      error = "--kafka-conf '" + kv + "': expected property=value";
      return false;
    }
    if (!set(kv.substr(0, eq), kv.substr(eq + 1))) {
      rd_kafka_conf_destroy(conf);
      return false;
    }
  }
  rd_kafka_t* raw = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
  if (raw == nullptr) {
    rd_kafka_conf_destroy(conf);
    error = std::string("kafka: ") + err;
    return false;
  }
  std::unique_ptr<rd_kafka_t, KafkaDeleter> rk(raw);
  const std::string where = "kafka " + src.brokers + " topic '" + src.topic + "'";

  // Partitions of the topic.
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_topic_t* t = rd_kafka_topic_new(rk.get(), src.topic.c_str(), nullptr);
  rd_kafka_resp_err_t e = rd_kafka_metadata(rk.get(), 0, t, &md, src.timeout_ms);
  rd_kafka_topic_destroy(t);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    error = where + ": no metadata within " + std::to_string(src.timeout_ms) + " ms: " + rd_kafka_err2str(e);
    return false;
  }
  std::vector<Partition> parts;
  for (int i = 0; i < md->topic_cnt; ++i) {
    if (src.topic != md->topics[i].topic) continue;
    if (md->topics[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      error = where + ": " + rd_kafka_err2str(md->topics[i].err);
      rd_kafka_metadata_destroy(md);
      return false;
    }
    for (int p = 0; p < md->topics[i].partition_cnt; ++p) parts.push_back(Partition{md->topics[i].partitions[p].id});
  }
  rd_kafka_metadata_destroy(md);
  if (parts.empty()) {
    error = where + ": the topic has no partitions";
    return false;
  }
  for (Partition& p : parts) {
    e = rd_kafka_query_watermark_offsets(rk.get(), src.topic.c_str(), p.id, &p.low, &p.high, src.timeout_ms);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      error = where + " partition " + std::to_string(p.id) + ": watermarks: " + rd_kafka_err2str(e);
      return false;
    }
    p.start = p.low;
    p.done = p.high <= p.low;
  }

  // Where --from begins on each partition.
  uint64_t fell_back = 0;
  if (!src.whole_topic) {
    List q(rd_kafka_topic_partition_list_new(static_cast<int>(parts.size())));
    for (const Partition& p : parts) rd_kafka_topic_partition_list_add(q.get(), src.topic.c_str(), p.id)->offset = src.from_ms;
    e = rd_kafka_offsets_for_times(rk.get(), q.get(), src.timeout_ms);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      error = where + ": offsets for times: " + rd_kafka_err2str(e);
      return false;
    }
    for (Partition& p : parts) {
      if (p.done) continue;
      const rd_kafka_topic_partition_t* r = rd_kafka_topic_partition_list_find(q.get(), src.topic.c_str(), p.id);
      if (r != nullptr && r->err == RD_KAFKA_RESP_ERR_NO_ERROR && r->offset >= 0) {
        p.start = std::max(r->offset, p.low);
        p.done = p.start >= p.high;
        continue;
      }
      // No offset: either every message is older than --from, or the broker cannot look
      // offsets up by time (librdkafka's mock cluster, brokers before 0.10.1). The newest
      // message tells which; in the second case the partition is read from its start and
      // records outside the window are left out by their own times.
      List one(rd_kafka_topic_partition_list_new(1));
      rd_kafka_topic_partition_list_add(one.get(), src.topic.c_str(), p.id)->offset = p.high - 1;
      rd_kafka_assign(rk.get(), one.get());
      int64_t newest = -1;
      const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(src.timeout_ms);
      while (newest < 0 && std::chrono::steady_clock::now() < until) {
        Message m(rd_kafka_consumer_poll(rk.get(), 200));
        if (!m || m->err || m->partition != p.id) continue;
        rd_kafka_timestamp_type_t tt;
        newest = rd_kafka_message_timestamp(m.get(), &tt);
        if (newest < 0) newest = 0;
      }
      rd_kafka_assign(rk.get(), nullptr);
      if (newest >= 0 && newest < src.from_ms) {
        p.done = true;
      } else {
        p.start = p.low;
        ++fell_back;
      }
    }
  }
  if (fell_back)
    notes.notes.push_back(where + ": the broker gave no offset for --from on " + std::to_string(fell_back) +
                          " partition(s) holding newer messages; they were read from their start");

  List assign(rd_kafka_topic_partition_list_new(static_cast<int>(parts.size())));
  std::size_t open = 0;
  for (const Partition& p : parts)
    if (!p.done) {
      rd_kafka_topic_partition_list_add(assign.get(), src.topic.c_str(), p.id)->offset = p.start;
      ++open;
    }
  if (open > 0) {
    e = rd_kafka_assign(rk.get(), assign.get());
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      error = where + ": assign: " + rd_kafka_err2str(e);
      return false;
    }
  }
  std::vector<char> buf;
  uint64_t messages = 0, bytes = 0;
  auto last_progress = std::chrono::steady_clock::now();
  const int64_t stop_after = src.whole_topic ? INT64_MAX : src.to_ms + src.grace_ms;
  while (open > 0) {
    Message m(rd_kafka_consumer_poll(rk.get(), 500));
    if (!m) {
      if (std::chrono::steady_clock::now() - last_progress > std::chrono::milliseconds(src.timeout_ms * 3)) {
        error = where + ": no message for " + std::to_string(src.timeout_ms * 3 / 1000) + " s with " +
                std::to_string(open) + " partition(s) not read to their end";
        return false;
      }
      continue;
    }
    last_progress = std::chrono::steady_clock::now();
    Partition* p = nullptr;
    for (Partition& c : parts)
      if (c.id == m->partition) p = &c;
    if (p == nullptr || p->done) continue;
    const auto finish = [&] {
      p->done = true;  // later messages of this partition are ignored
      --open;
    };
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      finish();
      continue;
    }
    if (m->err) {
      error = where + ": " + rd_kafka_message_errstr(m.get());
      return false;
    }
    rd_kafka_timestamp_type_t tt;
    const int64_t ts = rd_kafka_message_timestamp(m.get(), &tt);
    if (ts > stop_after) {
      finish();
      continue;
    }
    ++messages;
    ++p->read;
    bytes += m->len;
    // Each message is a record (or a legacy array of them); give it simdjson's padding.
    buf.resize(m->len + simdjson::SIMDJSON_PADDING);
    std::memcpy(buf.data(), m->payload, m->len);
    std::memset(buf.data() + m->len, ' ', simdjson::SIMDJSON_PADDING);
    std::string_view v(buf.data(), m->len);
    // Several lines in one message (a batching producer) read as lines.
    std::size_t start = 0;
    while (start <= v.size()) {
      const std::size_t nl = v.find('\n', start);
      const std::size_t end = nl == std::string_view::npos ? v.size() : nl;
      if (end > start || nl == std::string_view::npos)
        fn(v.substr(start, end - start), buf.size() - start);
      if (nl == std::string_view::npos) break;
      start = nl + 1;
    }
    if (m->offset + 1 >= p->high) finish();
  }
  notes.bytes += bytes;
  notes.sources.push_back(where + ": " + thousands(messages) + " messages from " + std::to_string(parts.size()) +
                          " partition(s)" + (src.whole_topic ? " (whole topic)" : ""));
  return true;
}

}  // namespace flowprobe::report
