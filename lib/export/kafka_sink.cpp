#include "export/kafka_sink.hpp"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>

#include "core/log.hpp"

namespace flowprobe {

namespace {

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (;;) {
    const auto p = s.find(sep);
    out.push_back(s.substr(0, p));
    if (p == std::string_view::npos) return out;
    s.remove_prefix(p + 1);
  }
}

bool valid_topic(std::string_view t) {
  if (t.empty() || t.size() > 249 || t == "." || t == "..") return false;
  return std::all_of(t.begin(), t.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

bool is_ack(std::string_view a) { return a == "0" || a == "1" || a == "-1" || a == "2" || a == "all"; }
bool is_compression(std::string_view c) {
  return c == "none" || c == "gzip" || c == "snappy" || c == "lz4" || c == "zstd";
}

// librdkafka's "all" is -1; nProbe's docs also call it 2.
std::string normalise_ack(std::string_view a) { return a == "2" || a == "all" ? "-1" : std::string(a); }

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};
struct TopicConfDeleter {
  void operator()(rd_kafka_topic_conf_t* c) const { rd_kafka_topic_conf_destroy(c); }
};

void on_log(const rd_kafka_t*, int level, const char* fac, const char* buf) {
  // librdkafka logs connection failures at LOG_ERR; for a probe they mean "receiver down",
  // which the spool handles, so they are warnings, not errors.
  const LogLevel l = level <= 4 ? LogLevel::warning : level <= 6 ? LogLevel::info : LogLevel::debug;
  log(l, "kafka: %s: %s", fac, buf);
}

}  // namespace

bool parse_kafka_spec(std::string_view text, KafkaSpec& out, std::string& error) {
  const auto fail = [&](const std::string& why) {
    error = "--kafka '" + std::string(text) + "': " + why +
            " (expected \"<broker>[:port][,<broker>...];<topic>[;<opt topic>|none;<ack 0|1|-1>;"
            "<compression none|gzip|snappy|lz4|zstd>]\")";
    return false;
  };
  const auto parts = split(text, ';');
  if (parts.size() < 2) return fail("no topic: brokers and topic are separated by ';'");
  if (parts.size() > 5) return fail("too many ';'-separated fields");
  out = KafkaSpec{};
  out.brokers = std::string(parts[0]);
  if (out.brokers.empty()) return fail("no broker");
  for (std::string_view b : split(parts[0], ',')) {
    if (b.empty()) return fail("empty broker in the list");
    if (const auto colon = b.rfind(':'); colon != std::string_view::npos && b.find(']') == std::string_view::npos) {
      const std::string_view port = b.substr(colon + 1);
      if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), ::isdigit) ||
          std::stoul(std::string(port)) > 65535 || std::stoul(std::string(port)) == 0)
        return fail("bad port in broker '" + std::string(b) + "'");
    }
  }
  if (!valid_topic(parts[1])) return fail("bad topic '" + std::string(parts[1]) + "' (letters, digits, . _ -)");
  out.topic = std::string(parts[1]);

  std::vector<std::string_view> rest(parts.begin() + 2, parts.end());
  // nProbe 8: "<brokers>;<topic>;<ack>;<compression>" — no option topic. A third field
  // that is an ack followed by a compression name can only mean that form.
  if (rest.size() == 2 && is_ack(rest[0]) && is_compression(rest[1])) rest.insert(rest.begin(), "none");
  if (!rest.empty() && rest[0] != "none" && !rest[0].empty()) {
    if (!valid_topic(rest[0])) return fail("bad option topic '" + std::string(rest[0]) + "'");
    out.opt_topic = std::string(rest[0]);
  }
  if (rest.size() > 1 && !rest[1].empty()) {
    if (!is_ack(rest[1])) return fail("bad ack '" + std::string(rest[1]) + "' (0, 1 or -1)");
    out.acks = normalise_ack(rest[1]);
  }
  if (rest.size() > 2 && !rest[2].empty()) {
    if (!is_compression(rest[2])) return fail("bad compression '" + std::string(rest[2]) + "'");
    out.compression = std::string(rest[2]);
  }
  return true;
}

void KafkaSink::KafkaDeleter::operator()(rd_kafka_s* rk) const { rd_kafka_destroy(rk); }
void KafkaSink::TopicDeleter::operator()(rd_kafka_topic_s* rkt) const { rd_kafka_topic_destroy(rkt); }

KafkaSink::KafkaSink(KafkaSinkConfig config, std::unique_ptr<Spool> spool)
    : config_(std::move(config)), spool_(std::move(spool)) {}

KafkaSink::~KafkaSink() {
  finish();
  topic_.reset();  // before the producer: librdkafka wants topics released first
  rk_.reset();
}

std::unique_ptr<KafkaSink> KafkaSink::create(const KafkaSinkConfig& config, std::unique_ptr<Spool> spool,
                                             std::string& error) {
  std::array<char, 512> errstr{};
  std::unique_ptr<rd_kafka_conf_t, ConfDeleter> conf(rd_kafka_conf_new());
  std::unique_ptr<rd_kafka_topic_conf_t, TopicConfDeleter> tconf(rd_kafka_topic_conf_new());

  const auto set = [&](const std::string& name, const std::string& value, const std::string& option) {
    const bool topic_level = name.starts_with("topic.");
    const std::string prop = topic_level ? name.substr(6) : name;
    const rd_kafka_conf_res_t res =
        topic_level ? rd_kafka_topic_conf_set(tconf.get(), prop.c_str(), value.c_str(), errstr.data(), errstr.size())
                    : rd_kafka_conf_set(conf.get(), prop.c_str(), value.c_str(), errstr.data(), errstr.size());
    if (res == RD_KAFKA_CONF_OK) return true;
    error = option + ": " + errstr.data();
    if (res == RD_KAFKA_CONF_UNKNOWN) error += " (see librdkafka's CONFIGURATION.md for the accepted properties)";
    return false;
  };

  if (!set("bootstrap.servers", config.spec.brokers, "--kafka brokers")) return nullptr;
  if (!config.spec.acks.empty() && !set("topic.acks", config.spec.acks, "--kafka ack")) return nullptr;
  if (!config.spec.compression.empty() && !set("compression.codec", config.spec.compression, "--kafka compression"))
    return nullptr;
  for (const std::string& kv : config.conf) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      error = "--kafka-conf '" + kv + "': expected <property>=<value>";
      return nullptr;
    }
    if (!set(kv.substr(0, eq), kv.substr(eq + 1), "--kafka-conf '" + kv + "'")) return nullptr;
  }

  std::unique_ptr<KafkaSink> sink(new KafkaSink(config, std::move(spool)));
  std::array<char, 32> queue_max{};
  size_t queue_max_size = queue_max.size();
  if (rd_kafka_conf_get(conf.get(), "queue.buffering.max.messages", queue_max.data(), &queue_max_size) ==
      RD_KAFKA_CONF_OK)
    sink->spool_window_ = std::max<uint64_t>(1, std::strtoull(queue_max.data(), nullptr, 10));
  rd_kafka_conf_set_opaque(conf.get(), sink.get());
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &KafkaSink::on_delivery);
  rd_kafka_conf_set_error_cb(conf.get(), &KafkaSink::on_error);
  rd_kafka_conf_set_log_cb(conf.get(), &on_log);

  // rd_kafka_new takes the configuration only when it succeeds.
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), errstr.data(), errstr.size());
  if (rk == nullptr) {
    error = "--kafka: cannot create the producer: " + std::string(errstr.data());
    return nullptr;
  }
  conf.release();
  sink->rk_.reset(rk);
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, config.spec.topic.c_str(), tconf.get());
  if (rkt == nullptr) {
    error = "--kafka topic '" + config.spec.topic + "': " + rd_kafka_err2str(rd_kafka_last_error());
    return nullptr;
  }
  tconf.release();  // owned by the topic now
  sink->topic_.reset(rkt);
  if (sink->spool_ && !sink->spool_->empty())
    log(LogLevel::info, "kafka: %llu records left in the spool by an earlier run will be sent first",
        static_cast<unsigned long long>(sink->spool_->pending_records()));
  return sink;
}

bool KafkaSink::check_metadata(std::chrono::milliseconds timeout, std::string& detail) {
  const rd_kafka_metadata_t* md = nullptr;
  const rd_kafka_resp_err_t err =
      rd_kafka_metadata(rk_.get(), 0, topic_.get(), &md, static_cast<int>(std::max<int64_t>(timeout.count(), 1)));
  poll(0);  // collects the error callbacks that name the failing connection
  const std::string where = "brokers " + config_.spec.brokers + ", topic '" + config_.spec.topic + "'";
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    detail = where + ": no metadata within " + std::to_string(timeout.count()) + " ms: " + rd_kafka_err2str(err);
    if (!last_broker_error_.empty()) detail += " (" + last_broker_error_ + ")";
    return false;
  }
  std::unique_ptr<const rd_kafka_metadata_t, void (*)(const rd_kafka_metadata_t*)> guard(md, rd_kafka_metadata_destroy);
  if (md->topic_cnt < 1) {
    detail = where + ": the cluster sent no metadata for the topic";
    return false;
  }
  const rd_kafka_metadata_topic_t& t = md->topics[0];
  if (t.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    detail = where + ": " + std::to_string(md->broker_cnt) + " broker(s) answered, but the topic: " +
             rd_kafka_err2str(t.err);
    return false;
  }
  int leaderless = 0;
  for (int i = 0; i < t.partition_cnt; ++i) leaderless += t.partitions[i].leader < 0 || t.partitions[i].err != 0;
  detail = where + ": " + std::to_string(md->broker_cnt) + " broker(s) answered, " + std::to_string(t.partition_cnt) +
           " partition(s)";
  if (leaderless > 0) {
    detail += ", " + std::to_string(leaderless) + " without a leader";
    return false;
  }
  return t.partition_cnt > 0;
}

std::string KafkaSink::describe() const { return "kafka " + config_.spec.brokers + " topic " + config_.spec.topic; }

void KafkaSink::set_error(std::string text) {
  if (error_.empty()) error_ = std::move(text);
}

namespace {
// A message's opaque: its record count (at most --kafka-batch, below 2^20) and, above
// it, the spool ticket of a replayed message.
constexpr unsigned kRecordBits = 20;
void* message_opaque(uint32_t records, uint64_t ticket) {
  return reinterpret_cast<void*>(static_cast<uintptr_t>((ticket << kRecordBits) | records));
}
uint32_t opaque_records(const void* p) {
  return static_cast<uint32_t>(reinterpret_cast<uintptr_t>(p) & ((1u << kRecordBits) - 1));
}
uint64_t opaque_ticket(const void* p) { return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(p)) >> kRecordBits; }
}  // namespace

bool KafkaSink::produce(std::string_view key, std::string_view value, uint32_t records, uint64_t ticket) {
  // F_COPY: the batch buffer is reused at once, and the delivery report needs the bytes
  // to spool a message that failed.
  const int rc = rd_kafka_produce(topic_.get(), RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY,
                                  const_cast<char*>(value.data()), value.size(), key.empty() ? nullptr : key.data(),
                                  key.size(), message_opaque(records, ticket));
  if (rc == 0) {
    in_flight_ += records;
    ++messages_;
    return true;
  }
  return false;
}

void KafkaSink::keep_or_fail(std::string_view key, std::string_view value, uint32_t records, const char* why) {
  if (spool_) {
    if (spool_->append(key, value, records)) return;
    set_error(describe() + ": the spool " + spool_->dir().string() + " could not keep records (full, or its disk), records dropped");
  } else {
    set_error(describe() + ": " + why);
  }
  counters_.failed += records;
}

void KafkaSink::send(std::string_view key, std::string_view value, uint32_t records) {
  // Behind a non-empty spool, so that records leave in the order they came.
  if (spool_ && !spool_->empty()) {
    keep_or_fail(key, value, records, "");
    return;
  }
  if (produce(key, value, records)) return;
  rd_kafka_resp_err_t err = rd_kafka_last_error();
  if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
    ++queue_full_;
    if (!spool_) {
      // No spool: back-pressure. The exporter waits (its ring fills, and RX cores count
      // what they cannot enqueue) instead of dropping here.
      const auto deadline = std::chrono::steady_clock::now() + config_.queue_full_wait;
      while (err == RD_KAFKA_RESP_ERR__QUEUE_FULL && std::chrono::steady_clock::now() < deadline) {
        poll(1);
        if (produce(key, value, records)) return;
        err = rd_kafka_last_error();
      }
    }
  }
  if (err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE) {
    too_large_ += records;
    counters_.failed += records;
    set_error(describe() + ": message larger than message.max.bytes");
    return;
  }
  keep_or_fail(key, value, records, rd_kafka_err2str(err));
}

void KafkaSink::flush_array() {
  if (array_records_ == 0) return;
  array_.push_back(']');
  send(array_key_, array_, array_records_);
  array_.clear();
  array_key_.clear();
  array_records_ = 0;
}

void KafkaSink::write_keyed(std::string_view batch, uint32_t count, std::string_view keys) {
  uint32_t seen = 0;
  const bool keyed = config_.key != MessageKey::none && !keys.empty();
  while (!batch.empty()) {
    const auto nl = batch.find('\n');
    std::string_view value = batch.substr(0, nl);
    batch.remove_prefix(nl == std::string_view::npos ? batch.size() : nl + 1);
    std::string_view key;
    if (keyed) {
      const auto knl = keys.find('\n');
      key = keys.substr(0, knl);
      keys.remove_prefix(knl == std::string_view::npos ? keys.size() : knl + 1);
    }
    if (value.empty()) continue;
    ++seen;
    if (config_.array_batch > 1) {
      array_.push_back(array_records_ == 0 ? '[' : ',');
      array_.append(value);
      if (array_records_++ == 0) array_key_ = key;
      if (array_records_ >= config_.array_batch) flush_array();
    } else {
      send(key, value, 1);
    }
  }
  // A caller that says more records than lines: account for the difference, never lose it silently.
  if (seen < count) {
    counters_.failed += count - seen;
    set_error(describe() + ": batch held fewer records than announced");
  }
  poll(0);
}

void KafkaSink::pump_spool() {
  if (!spool_ || spool_->empty()) return;
  // While librdkafka says every broker is down, send one message at a time as a probe:
  // moving the whole spool into its memory queue would only bring it back, reordered,
  // when message.timeout.ms expires.
  if (brokers_down_ && in_flight_ > 0) return;
  uint32_t budget = brokers_down_ ? 1 : 100000;
  uint32_t records = 0;
  while (budget-- > 0 && spool_->unacknowledged() < spool_window_ && spool_->front(spool_key_, spool_value_, records)) {
    // The frame leaves the spool's disk only once its delivery report has settled it.
    if (!produce(spool_key_, spool_value_, records, spool_->next_ticket())) {
      if (rd_kafka_last_error() == RD_KAFKA_RESP_ERR__QUEUE_FULL) ++queue_full_;
      break;
    }
    spool_->pop();
  }
}

void KafkaSink::poll(int timeout_ms) { rd_kafka_poll(rk_.get(), timeout_ms); }

void KafkaSink::flush() {
  flush_array();
  poll(0);
  pump_spool();
}

void KafkaSink::finish() {
  if (finished_ || !rk_) return;
  finished_ = true;
  flush_array();
  const auto deadline = std::chrono::steady_clock::now() + config_.finish_timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    poll(20);
    pump_spool();
    if (in_flight_ == 0 && (!spool_ || spool_->empty())) break;
  }
  if (in_flight_ > 0) {
    // Out of time: take the messages back from librdkafka. Their delivery reports
    // (ERR__PURGE_*) put them in the spool, or count them as failed without one.
    log(LogLevel::warning, "kafka: %llu records not acknowledged after %lld ms; %s",
        static_cast<unsigned long long>(in_flight_), static_cast<long long>(config_.finish_timeout.count()),
        spool_ ? "keeping them in the spool for the next run" : "counting them as failed");
    rd_kafka_purge(rk_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    const auto purge_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (in_flight_ > 0 && std::chrono::steady_clock::now() < purge_deadline) poll(10);
  }
  if (spool_ && !spool_->empty())
    log(LogLevel::warning, "kafka: %llu records wait in the spool %s for the next run",
        static_cast<unsigned long long>(spool_->pending_records()), spool_->dir().c_str());
}

void KafkaSink::on_delivery(rd_kafka_s* rk, const rd_kafka_message_s* msg, void* opaque) {
  (void)rk;
  auto* self = static_cast<KafkaSink*>(opaque);
  const uint32_t records = opaque_records(msg->_private);
  const uint64_t ticket = opaque_ticket(msg->_private);
  self->in_flight_ -= std::min<uint64_t>(self->in_flight_, records);
  self->settle(msg, records);
  // Delivered, kept again or counted: the spool may forget the frame it came from.
  if (ticket != 0 && self->spool_) self->spool_->ack(ticket);
}

void KafkaSink::settle(const rd_kafka_message_s* msg, uint32_t records) {
  if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    counters_.delivered += records;
    counters_.bytes += msg->len;
    brokers_down_ = false;
    return;
  }
  ++failed_reports_;
  const std::string_view key(static_cast<const char*>(msg->key), msg->key ? msg->key_len : 0);
  const std::string_view value(static_cast<const char*>(msg->payload), msg->payload ? msg->len : 0);
  if (msg->err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE || msg->err == RD_KAFKA_RESP_ERR_INVALID_MSG) {
    too_large_ += records;
    counters_.failed += records;
    set_error(describe() + ": " + rd_kafka_err2str(msg->err));
    return;
  }
  // Timed out, purged at exit, or refused for a reason that may pass: try again later.
  // It lands behind newer records in the spool; order holds for everything else.
  const bool purged = msg->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE || msg->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT;
  if (!purged) retried_ += records;
  keep_or_fail(key, value, records, rd_kafka_err2str(msg->err));
}

void KafkaSink::on_error(rd_kafka_s* rk, int err, const char* reason, void* opaque) {
  auto* self = static_cast<KafkaSink*>(opaque);
  const auto e = static_cast<rd_kafka_resp_err_t>(err);
  if (e == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
    if (!self->brokers_down_)
      log(LogLevel::warning, "kafka: all brokers down (%s); records wait in the producer queue%s", reason,
          self->spool_ ? " and the spool" : "");
    self->brokers_down_ = true;
    return;
  }
  if (e == RD_KAFKA_RESP_ERR__FATAL) {
    std::array<char, 512> buf{};
    rd_kafka_fatal_error(rk, buf.data(), buf.size());
    self->set_error(self->describe() + ": fatal: " + buf.data());
    log(LogLevel::error, "kafka: fatal error: %s", buf.data());
    return;
  }
  self->last_broker_error_ = reason;
  log(LogLevel::info, "kafka: %s: %s", rd_kafka_err2name(e), reason);
}

std::vector<std::pair<std::string, uint64_t>> KafkaSink::extra_counters() const {
  std::vector<std::pair<std::string, uint64_t>> v = {
      {"kafka.messages", messages_},      {"kafka.retried", retried_},
      {"kafka.failed_reports", failed_reports_}, {"kafka.queue_full", queue_full_},
      {"kafka.too_large", too_large_},    {"kafka.unacknowledged", in_flight_},
  };
  if (spool_) {
    const SpoolCounters& s = spool_->counters();
    v.insert(v.end(), {{"spool.carried_in", s.carried_in},
                       {"spool.appended", s.appended},
                       {"spool.replayed", s.replayed},
                       {"spool.dropped", s.dropped},
                       {"spool.kept", spool_->pending_records()},
                       {"spool.corrupt_bytes", s.corrupt_bytes}});
  }
  return v;
}

bool KafkaSink::accounts_for(uint64_t encoded) const {
  const uint64_t kept = spool_ ? spool_->pending_records() : 0;
  const uint64_t carried = spool_ ? spool_->counters().carried_in : 0;
  return counters_.delivered + counters_.failed + kept + in_flight_ + array_records_ == encoded + carried;
}

}  // namespace flowprobe
