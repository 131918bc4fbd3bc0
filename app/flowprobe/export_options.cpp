#include "export_options.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "core/log.hpp"
#include "export/file_sink.hpp"
#include "export/kafka_sink.hpp"
#include "export/message_key.hpp"
#include "export/rotating_file_sink.hpp"
#include "export/spool.hpp"
#include "export/syslog_sink.hpp"
#include "export/tee_sink.hpp"

namespace flowprobe {

void add_export_options(CLI::App& app, ExportOptions& out) {
  if (CLI::Option* o = app.get_option_no_throw("--output"))
    o->each([&out](const std::string&) { out.output_given = true; });

  const std::string kafka_group = "Kafka";
  app.add_option("--kafka", out.kafka,
                 "send records to Kafka: \"<broker>[:port][,<broker>…];<topic>[;<opt topic>|none;<ack 0|1|-1>;"
                 "<compression none|gzip|snappy|lz4|zstd>]\" as nProbe takes it; repeatable (one producer each)")
      ->type_name("SPEC")
      ->group(kafka_group);
  app.add_option("--kafka-conf", out.kafka_conf,
                 "any librdkafka property as prop=value (\"topic.\" prefix: a topic property); repeatable, "
                 "e.g. --kafka-conf linger.ms=20 --kafka-conf security.protocol=ssl")
      ->type_name("PROP=VALUE")
      ->group(kafka_group);
  app.add_option("--kafka-key", out.kafka_key,
                 "message key, which picks the partition: none, flow (the 5-tuple, same for both directions and every "
                 "record of a flow), src-addr (the client address)")
      ->check(CLI::IsMember({"none", "flow", "flow-key", "src-addr", "src", "source"}))
      ->capture_default_str()
      ->group(kafka_group);
  app.add_option("--alerts-kafka-topic", out.alerts_kafka_topic,
                 "with --rules: send the eve alerts to this topic of the first --kafka's brokers (same --kafka-conf, "
                 "a spool of its own), apart from the flows")
      ->type_name("TOPIC");
  app.add_option("--transactions-kafka-topic", out.transactions_kafka_topic,
                 "send the transactions (each HTTP request, DNS query, TLS/SSH handshake, DHCP message; Suricata eve "
                 "shapes; README \"Transactions\") to this topic of the first --kafka's brokers")
      ->type_name("TOPIC");
  app.add_option("--events-kafka-topic", out.events_kafka_topic,
                 "send asset events (ARP, NDP, DHCP, … sightings; README \"Asset events\") to this topic of the first --kafka's brokers")
      ->type_name("TOPIC");
  app.add_option("--kafka-batch", out.kafka_batch,
                 "legacy nProbe 8 batching: up to N records per message as a JSON array (0 or 1: one object per message)")
      ->check(CLI::Range(0u, 100000u))
      ->capture_default_str()
      ->group(kafka_group);

  const std::string syslog_group = "Syslog";
  app.add_flag("--json-to-syslog", out.json_to_syslog,
               "send each record to the local syslog (syslog(3), severity info), one JSON object per message")
      ->group(syslog_group);
  app.add_option("--syslog-ident", out.syslog_ident, "syslog ident / APP-NAME")->capture_default_str()->group(syslog_group);
  app.add_option("--syslog-facility", out.syslog_facility, "syslog facility: daemon, user, local0 … local7, …")
      ->capture_default_str()
      ->group(syslog_group);
  app.add_option("--syslog", out.syslog_urls,
                 "send each record to a remote syslog receiver: udp://HOST[:PORT] (one datagram each), "
                 "tcp://HOST[:PORT] (RFC 6587 octet counting, reconnected with backoff) or tls://HOST[:PORT] "
                 "(the same over TLS, RFC 5425, port 6514 by default); repeatable")
      ->type_name("URL")
      ->group(syslog_group);
  app.add_option("--syslog-tls-ca", out.syslog_tls_ca,
                 "tls:// receivers: the CA certificates (PEM) their certificate must chain to (default: the system's)")
      ->type_name("FILE")
      ->group(syslog_group);
  app.add_option("--syslog-tls-cert", out.syslog_tls_cert,
                 "tls:// receivers that authenticate senders: the probe's client certificate (PEM, with its chain)")
      ->type_name("FILE")
      ->group(syslog_group);
  app.add_option("--syslog-tls-key", out.syslog_tls_key,
                 "the private key of --syslog-tls-cert (PEM, unencrypted; keep it readable only by the probe's "
                 "user); its path and contents never appear in logs, statistics or support bundles")
      ->type_name("FILE")
      ->group(syslog_group);
  app.add_flag("--syslog-tls-no-verify", out.syslog_tls_no_verify,
               "tls:// receivers: encrypt without checking the receiver's certificate or name (testing only)")
      ->group(syslog_group);
  app.add_option("--syslog-format", out.syslog_format, "header of remote messages: rfc5424 or rfc3164")
      ->check(CLI::IsMember({"rfc5424", "5424", "rfc3164", "3164", "bsd"}))
      ->capture_default_str()
      ->group(syslog_group);
  app.add_option("--syslog-socket", out.syslog_socket,
                 "--json-to-syslog: the local syslog daemon's socket; records it does not take are counted as failed")
      ->type_name("PATH")
      ->capture_default_str()
      ->group(syslog_group);
  app.add_option("--syslog-max-udp", out.syslog_max_udp,
                 "largest UDP message sent; larger ones are counted (syslog.oversize) and not sent, never truncated")
      ->type_name("BYTES")
      ->capture_default_str()
      ->group(syslog_group);

  const std::string reliability = "Delivery";
  app.add_option("--spool-dir", out.spool_dir,
                 "directory where records wait, on disk and in order, while a Kafka broker or a TCP syslog receiver is "
                 "down or slow; replayed when it returns, and by the next run if it is still down at exit. Default: "
                 "$STATE_DIRECTORY/spool or /var/lib/flowprobe/spool, else flowprobe-spool beside -o; 'none': no spool "
                 "(what a receiver cannot take is lost, and counted)")
      ->type_name("DIR")
      ->group(reliability);
  app.add_option("--spool-max-bytes", out.spool_max,
                 "bound of the spool of each sink (k, M, G suffixes); records beyond it are dropped and counted")
      ->type_name("SIZE")
      ->capture_default_str()
      ->group(reliability);
  app.add_option("--drain-timeout", out.drain_timeout_s,
                 "at exit, seconds Kafka and TCP syslog may take to deliver what they hold; the rest stays in the spool")
      ->check(CLI::Range(0.0, 86400.0))
      ->capture_default_str()
      ->group(reliability);

  const std::string files = "Files";
  app.add_option("--rotate-size", out.rotate_size,
                 "rotate the -o, --events-output and --alerts-output files before the first record that would take "
                 "one past SIZE (k, M, G suffixes)")
      ->type_name("SIZE")
      ->group(files);
  app.add_option("--rotate-age", out.rotate_age_s,
                 "rotate those files at the first record this many seconds of packet time after a file opened "
                 "(a replay rotates where a live run would)")
      ->type_name("SECONDS")
      ->check(CLI::Range(uint64_t{1}, uint64_t{31'536'000}))
      ->group(files);
  app.add_option("--retention", out.retention_s,
                 "delete closed files older than this many seconds: rotated -o, events and alerts files, rotated "
                 "--zeek-logs, --capture files")
      ->type_name("SECONDS")
      ->check(CLI::Range(uint64_t{1}, uint64_t{315'360'000}))
      ->group(files);
  app.add_option("--retention-files", out.retention_files, "keep at most N closed files of each of those outputs")
      ->type_name("N")
      ->check(CLI::Range(1u, 1'000'000u))
      ->group(files);
  app.add_option("--retention-max-bytes", out.retention_max_bytes,
                 "keep everything those outputs wrote within SIZE (k, M, G, T suffixes): the oldest closed files are "
                 "deleted first, whichever output wrote them")
      ->type_name("SIZE")
      ->group(files);

  const std::string sets = "Log sets (--zeek-logs with --zeek-logs-rotate)";
  app.add_flag("--log-set-dir", out.log_set_dir,
               "put each closed set of logs in a directory of its own, DIR/realtime-YYYY-MM-DD-HH:MM:SS (the "
               "interval's start, local time), the files keeping their names (conn.log, …), as the OsecT sensor "
               "lays out a cycle")
      ->group(sets);
  app.add_option("--log-upload", out.log_upload,
                 "POST each closed set as one archive (tar + zstd level 10, <set>.tar.zst) to this URL, "
                 "multipart/form-data with the part file_uploaded and the field label_id, over TLS with the client "
                 "certificate of --log-upload-cert; an archive stays queued on disk until the server answers 200")
      ->type_name("https://HOST/PATH")
      ->group(sets);
  app.add_option("--log-upload-label", out.log_upload_label, "the label_id field sent with each archive (default: empty)")
      ->type_name("TEXT")
      ->group(sets);
  app.add_option("--log-upload-cert", out.log_upload_cert,
                 "the probe's client certificate (PEM, with its chain); may hold the private key too")
      ->type_name("FILE")
      ->group(sets);
  app.add_option("--log-upload-key", out.log_upload_key,
                 "the private key of --log-upload-cert (PEM, unencrypted) when it is not in that file; its path and "
                 "contents never appear in logs, statistics or support bundles")
      ->type_name("FILE")
      ->group(sets);
  app.add_option("--log-upload-ca", out.log_upload_ca,
                 "the CA certificates (PEM) the server's certificate must chain to (default: the system's)")
      ->type_name("FILE")
      ->group(sets);
  app.add_option("--log-upload-timeout", out.log_upload_timeout_s, "seconds one upload may take")
      ->type_name("SECONDS")
      ->check(CLI::Range(1u, 3600u))
      ->capture_default_str()
      ->group(sets);
  app.add_option("--log-upload-queue", out.log_upload_queue,
                 "where archives wait for the server (default: $STATE_DIRECTORY/log-upload or "
                 "/var/lib/flowprobe/log-upload, else flowprobe-log-upload beside --zeek-logs); what a run leaves "
                 "there is sent first by the next")
      ->type_name("DIR")
      ->group(sets);
  app.add_option("--log-postprocess", out.log_postprocess,
                 "run this shell command for each closed set, with the set's directory (--log-set-dir) or its files "
                 "as arguments, as Zeek runs its log postprocessors; FLOWPROBE_LOG_SET names the set. Its exit status "
                 "is counted")
      ->type_name("CMD")
      ->group(sets);
}

namespace {

std::unique_ptr<Spool> open_spool(const ExportOptions& o, uint64_t max, const std::string& name, std::string& error) {
  if (o.spool_dir.empty() || o.spool_dir == "none") return nullptr;
  std::string why;
  auto spool = Spool::open(std::filesystem::path(o.spool_dir) / name, max, why);
  if (!spool) error = "--spool-dir: " + why;
  return spool;
}

std::string safe_name(std::string s) {
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') c = '_';
  return s;
}

bool spool_limit(const ExportOptions& o, uint64_t& max, std::string& error) {
  if (parse_byte_size(o.spool_max, max) && max >= 4096) return true;
  error = "--spool-max-bytes '" + o.spool_max + "': expected a size of at least 4096 bytes (e.g. 512M, 2G)";
  return false;
}

std::chrono::milliseconds drain_timeout(const ExportOptions& o) {
  return std::chrono::milliseconds(static_cast<int64_t>(o.drain_timeout_s * 1000));
}

// One producer for `spec_text` (a --kafka value), sending to `topic` when not empty,
// with the run's --kafka-conf, drain bound and a spool named `spool_name`.
std::unique_ptr<KafkaSink> kafka_sink(const ExportOptions& o, const std::string& spec_text, const std::string& topic,
                                      MessageKey key, uint32_t array_batch, const std::string& spool_name,
                                      uint64_t spool_max, std::string& error) {
  KafkaSinkConfig kc;
  if (!parse_kafka_spec(spec_text, kc.spec, error)) return nullptr;
  if (!topic.empty()) kc.spec.topic = topic;
  kc.conf = o.kafka_conf;
  kc.key = key;
  kc.array_batch = array_batch;
  kc.finish_timeout = drain_timeout(o);
  auto spool = open_spool(o, spool_max, spool_name.empty() ? "kafka-" + safe_name(kc.spec.topic) : spool_name, error);
  if (!error.empty()) return nullptr;
  return KafkaSink::create(kc, std::move(spool), error);
}

bool rotation_config(const ExportOptions& o, RotationConfig& rc, std::string& error) {
  if (!o.rotate_size.empty() && (!parse_byte_size(o.rotate_size, rc.max_bytes) || rc.max_bytes < 1024)) {
    error = "--rotate-size '" + o.rotate_size + "': expected a size of at least 1024 bytes (e.g. 100M, 1G)";
    return false;
  }
  rc.max_age = std::chrono::seconds(o.rotate_age_s);
  return true;
}

bool rotating(const ExportOptions& o) {
  return !o.rotate_size.empty() || o.rotate_age_s || o.retention_s || o.retention_files ||
         !o.retention_max_bytes.empty();
}

// A JSON-lines file for `option`: rotated and watched by retention when any of those
// options is given, plain otherwise (stdout is never rotated).
std::unique_ptr<Sink> file_sink(const ExportOptions& o, const std::string& path, const std::string& option,
                                Retention* retention, std::string& error) {
  if (!rotating(o) || path == "-") {
    auto f = FileSink::open(path, error);
    if (!f && option != "-o") error = option + error.substr(2);  // FileSink names -o
    return f;
  }
  RotationConfig rc;
  if (!rotation_config(o, rc, error)) return nullptr;
  return RotatingFileSink::open(path, rc, retention, error, option);
}

bool writable_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return false;
  const std::filesystem::path probe = dir / ".flowprobe-write-test";
  std::FILE* f = std::fopen(probe.c_str(), "w");
  if (f == nullptr) return false;
  std::fclose(f);
  std::filesystem::remove(probe, ec);
  return true;
}

}  // namespace

namespace {
// A directory of the probe's state ($STATE_DIRECTORY/<sub>, systemd's StateDirectory=, or
// /var/lib/flowprobe/<sub>), else `fallback`: the first that can be written, or empty.
std::filesystem::path state_dir(const std::string& sub, const std::filesystem::path& fallback,
                                std::vector<std::filesystem::path>& tried) {
  if (const char* state = std::getenv("STATE_DIRECTORY"); state != nullptr && *state != '\0') {
    const std::string first(state, std::strcspn(state, ":"));  // systemd lists several with ':'
    tried.push_back(std::filesystem::path(first) / sub);
  } else {
    tried.push_back(std::filesystem::path("/var/lib/flowprobe") / sub);
  }
  tried.push_back(fallback);
  for (const std::filesystem::path& dir : tried)
    if (writable_dir(dir)) return dir;
  return {};
}
}  // namespace

bool settle_spool_dir(ExportOptions& o, const std::string& output, std::string& error) {
  if (!o.spool_dir.empty() || !o.remote_can_be_down()) return true;
  const std::filesystem::path out(output);
  std::vector<std::filesystem::path> tried;
  const std::filesystem::path dir = state_dir(
      "spool",
      (output != "-" && out.has_parent_path() ? out.parent_path() : std::filesystem::current_path()) / "flowprobe-spool",
      tried);
  if (dir.empty()) {
    error = "--spool-dir: no default spool directory can be written (" + tried.front().string() + ", " +
            tried.back().string() + "): give --spool-dir DIR, or --spool-dir none to run without one";
    return false;
  }
  o.spool_dir = dir.string();
  o.spool_dir_default = true;
  return true;
}

bool settle_log_upload_queue(ExportOptions& o, const std::string& zeek_logs, std::string& error) {
  if (!o.log_upload_queue.empty() || o.log_upload.empty()) return true;
  std::vector<std::filesystem::path> tried;
  std::filesystem::path logs = std::filesystem::absolute(zeek_logs.empty() ? "." : zeek_logs).lexically_normal();
  if (!logs.has_filename()) logs = logs.parent_path();  // "DIR/"
  const std::filesystem::path dir = state_dir("log-upload", logs.parent_path() / "flowprobe-log-upload", tried);
  if (dir.empty()) {
    error = "--log-upload-queue: no default queue directory can be written (" + tried.front().string() + ", " +
            tried.back().string() + "): give --log-upload-queue DIR";
    return false;
  }
  o.log_upload_queue = dir.string();
  o.log_upload_queue_default = true;
  return true;
}

void apply_osect_retention_defaults(ExportOptions& o) {
  if (o.retention_s == 0) o.retention_s = 365ull * 86400;
  if (o.retention_max_bytes.empty()) o.retention_max_bytes = "150G";
}

std::unique_ptr<Retention> make_retention(const ExportOptions& o, std::string& error) {
  RetentionPolicy p;
  p.max_age = std::chrono::seconds(o.retention_s);
  p.max_files = o.retention_files;
  if (!o.retention_max_bytes.empty() && (!parse_byte_size(o.retention_max_bytes, p.max_bytes) || p.max_bytes < 4096)) {
    error = "--retention-max-bytes '" + o.retention_max_bytes + "': expected a size of at least 4096 bytes (e.g. 500G)";
    return nullptr;
  }
  if (!p.active()) return nullptr;
  return std::make_unique<Retention>(p);
}

std::unique_ptr<Sink> make_sink(const ExportOptions& o, const std::string& output, Retention* retention,
                                std::string& error) {
  const auto drain = drain_timeout(o);
  uint64_t spool_max = 0;
  if (!spool_limit(o, spool_max, error)) return nullptr;
  std::vector<std::unique_ptr<Sink>> sinks;

  const bool remote = !o.kafka.empty() || o.json_to_syslog || !o.syslog_urls.empty();
  if (o.output_given || !remote) {
    if (output == "-" && (!o.rotate_size.empty() || o.rotate_age_s)) {
      error = "--rotate-size/--rotate-age: need -o FILE (stdout cannot be rotated)";
      return nullptr;
    }
    auto file = file_sink(o, output, "-o", retention, error);
    if (!file) return nullptr;
    sinks.push_back(std::move(file));
  }

  MessageKey key = MessageKey::none;
  if (!parse_message_key(o.kafka_key, key)) {
    error = "--kafka-key '" + o.kafka_key + "': expected none, flow or src-addr";
    return nullptr;
  }
  if (o.kafka.empty() && !o.kafka_conf.empty()) {
    error = "--kafka-conf: given without --kafka";
    return nullptr;
  }
  for (std::size_t i = 0; i < o.kafka.size(); ++i) {
    // Several producers to one topic need spools of their own.
    std::string name;
    if (o.kafka.size() > 1) {
      KafkaSpec spec;
      if (!parse_kafka_spec(o.kafka[i], spec, error)) return nullptr;
      name = "kafka-" + safe_name(spec.topic) + "-" + std::to_string(i + 1);
    }
    auto sink = kafka_sink(o, o.kafka[i], "", key, o.kafka_batch, name, spool_max, error);
    if (!sink) return nullptr;
    sinks.push_back(std::move(sink));
  }

  int facility = 0;
  if (!parse_syslog_facility(o.syslog_facility, facility)) {
    error = "--syslog-facility '" + o.syslog_facility +
            "': expected kern, user, mail, daemon, auth, syslog, lpr, news, uucp, cron, authpriv, ftp or local0..local7";
    return nullptr;
  }
  if (o.json_to_syslog) sinks.push_back(std::make_unique<LocalSyslogSink>(o.syslog_ident, facility, o.syslog_socket));

  SyslogFormat format{};
  parse_syslog_format(o.syslog_format, format);  // the option's check() admits only valid names
  uint64_t max_udp = 0;
  if (!parse_byte_size(o.syslog_max_udp, max_udp) || max_udp < 64 || max_udp > 65507) {
    error = "--syslog-max-udp '" + o.syslog_max_udp + "': expected 64..65507 bytes";
    return nullptr;
  }
  if ((!o.syslog_tls_cert.empty() || !o.syslog_tls_key.empty()) &&
      std::none_of(o.syslog_urls.begin(), o.syslog_urls.end(), [](const std::string& u) { return u.starts_with("tls://"); })) {
    error = !o.syslog_tls_key.empty() ? "--syslog-tls-key needs a tls:// --syslog receiver"
                                      : "--syslog-tls-cert needs a tls:// --syslog receiver";
    return nullptr;
  }
  for (const std::string& url : o.syslog_urls) {
    RemoteSyslogConfig sc;
    sc.url = url;
    if (!parse_syslog_url(url, sc.target, error)) return nullptr;
    sc.format = format;
    sc.facility = facility;
    sc.app_name = o.syslog_ident;
    sc.max_udp = max_udp;
    sc.finish_timeout = drain;
    sc.tls_ca_file = o.syslog_tls_ca;
    sc.tls_verify = !o.syslog_tls_no_verify;
    sc.tls_cert_file = o.syslog_tls_cert;
    sc.tls_key_file = o.syslog_tls_key;
    std::unique_ptr<Spool> spool;
    if (sc.target.transport != SyslogTarget::Transport::udp) {
      spool = open_spool(o, spool_max, "syslog-" + safe_name(sc.target.host + "-" + sc.target.port), error);
      if (!error.empty()) return nullptr;
    }
    auto sink = RemoteSyslogSink::create(sc, std::move(spool), error);
    if (!sink) return nullptr;
    sinks.push_back(std::move(sink));
  }

  if (sinks.size() == 1) return std::move(sinks.front());
  return std::make_unique<TeeSink>(std::move(sinks));
}

}  // namespace flowprobe

namespace flowprobe {

namespace {
// A file and/or a topic of the first --kafka's brokers, for alerts or asset events.
std::unique_ptr<Sink> make_side_sink(const ExportOptions& o, const std::string& file, const std::string& topic,
                                     const std::string& file_option, const std::string& topic_option,
                                     Retention* retention, std::string& error) {
  std::vector<std::unique_ptr<Sink>> sinks;
  if (!file.empty()) {
    auto f = file_sink(o, file, file_option, retention, error);
    if (!f) return nullptr;
    sinks.push_back(std::move(f));
  }
  if (!topic.empty()) {
    if (o.kafka.empty()) {
      error = topic_option + ": needs --kafka \"<brokers>;<flow topic>\" for the brokers to send to";
      return nullptr;
    }
    uint64_t spool_max = 0;
    if (!spool_limit(o, spool_max, error)) return nullptr;
    auto sink = kafka_sink(o, o.kafka.front(), topic, MessageKey::none, 0, "", spool_max, error);
    if (!sink) return nullptr;
    sinks.push_back(std::move(sink));
  }
  if (sinks.empty()) return nullptr;
  if (sinks.size() == 1) return std::move(sinks.front());
  return std::make_unique<TeeSink>(std::move(sinks));
}
}  // namespace

std::unique_ptr<Sink> make_alert_sink(const ExportOptions& o, const std::string& alerts_output, Retention* retention,
                                      std::string& error) {
  auto sink = make_side_sink(o, alerts_output, o.alerts_kafka_topic, "--alerts-output", "--alerts-kafka-topic",
                             retention, error);
  if (!sink && error.empty())
    error = "--rules: say where alerts go with --alerts-output FILE (or - for stdout) or --alerts-kafka-topic TOPIC";
  return sink;
}

std::unique_ptr<Sink> make_event_sink(const ExportOptions& o, const std::string& events_output, Retention* retention,
                                      std::string& error) {
  return make_side_sink(o, events_output, o.events_kafka_topic, "--events-output", "--events-kafka-topic", retention,
                        error);
}

std::unique_ptr<Sink> make_transaction_sink(const ExportOptions& o, const std::string& output, Retention* retention,
                                            std::string& error) {
  return make_side_sink(o, output, o.transactions_kafka_topic, "--transactions-output", "--transactions-kafka-topic",
                        retention, error);
}

}  // namespace flowprobe
