#pragma once
// The command line of the export side: Kafka, syslog, rotated files, the spool. Kept
// apart from options.cpp so the sinks and their options change together.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "export/retention.hpp"
#include "export/sink.hpp"

namespace CLI {
class App;
}

namespace flowprobe {

struct ExportOptions {
  // Kafka
  std::vector<std::string> kafka;        // --kafka, repeatable (one producer each)
  std::vector<std::string> kafka_conf;   // --kafka-conf prop=value, repeatable
  std::string kafka_key = "none";        // --kafka-key none|flow|src-addr
  std::string alerts_kafka_topic;        // --alerts-kafka-topic: alerts to this topic of the first --kafka
  std::string events_kafka_topic;        // --events-kafka-topic: asset events likewise
  std::string transactions_kafka_topic;  // --transactions-kafka-topic: transactions likewise
  uint32_t kafka_batch = 0;              // --kafka-batch N: legacy JSON arrays
  double drain_timeout_s = 10;           // --drain-timeout (Kafka, syslog TCP at exit)
  // Syslog
  bool json_to_syslog = false;           // --json-to-syslog (local syslog(3))
  std::string syslog_ident = "flowprobe";
  std::string syslog_facility = "daemon";
  std::vector<std::string> syslog_urls;  // --syslog udp://… | tcp://…
  std::string syslog_format = "rfc5424";
  std::string syslog_tls_ca;             // --syslog-tls-ca
  bool syslog_tls_no_verify = false;     // --syslog-tls-no-verify
  std::string syslog_tls_cert;           // --syslog-tls-cert (client certificate)
  std::string syslog_tls_key;            // --syslog-tls-key (its private key: a secret)
  std::string syslog_max_udp = "8192";
  std::string syslog_socket = "/dev/log"; // --syslog-socket: the local daemon's socket (--json-to-syslog)
  // Spool (shared by the sinks that can be down; each gets its own subdirectory)
  std::string spool_dir;                 // --spool-dir (empty: the default, settle_spool_dir(); "none": no spool)
  std::string spool_max = "1G";          // --spool-max-bytes
  bool spool_dir_default = false;        // spool_dir was chosen by settle_spool_dir()
  // Files (-o when it is a path)
  std::string rotate_size;               // --rotate-size
  uint64_t rotate_age_s = 0;             // --rotate-age
  uint64_t retention_s = 0;              // --retention
  uint32_t retention_files = 0;          // --retention-files
  std::string retention_max_bytes;       // --retention-max-bytes
  bool output_given = false;             // -o was on the command line
  // Closed log sets (--zeek-logs with --zeek-logs-rotate): their layout and delivery
  bool log_set_dir = false;              // --log-set-dir: each set in DIR/realtime-<time>/
  std::string log_upload;                // --log-upload https://HOST/PATH
  std::string log_upload_label;          // --log-upload-label (the label_id field)
  std::string log_upload_cert;           // --log-upload-cert (PEM; may hold the key too)
  std::string log_upload_key;            // --log-upload-key (a secret)
  std::string log_upload_ca;             // --log-upload-ca
  uint32_t log_upload_timeout_s = 180;   // --log-upload-timeout
  std::string log_upload_queue;          // --log-upload-queue (empty: settle_log_upload_queue())
  bool log_upload_queue_default = false;
  std::string log_postprocess;           // --log-postprocess CMD

  // A sink that keeps records in the spool while its receiver is down: Kafka, TCP/TLS syslog.
  bool remote_can_be_down() const {
    for (const std::string& url : syslog_urls)
      if (!url.starts_with("udp://")) return true;
    return !kafka.empty();
  }
};

// Declares the export options on `app`; call after -o is declared.
void add_export_options(CLI::App& app, ExportOptions& out);

// Where records wait while a receiver is down, when --spool-dir is not given and a sink
// can be down (Kafka, TCP/TLS syslog): $STATE_DIRECTORY/spool (systemd's StateDirectory=)
// or /var/lib/flowprobe/spool, or, where that cannot be written, "flowprobe-spool" beside
// the -o file (the working directory for stdout). Sets options.spool_dir (and
// spool_dir_default; the caller says where at start); "none" turns the spool off. False
// with `error` when no place works.
bool settle_spool_dir(ExportOptions& options, const std::string& output, std::string& error);

// Where --log-upload's archives wait for the server: beside the spool, in the state
// directory ($STATE_DIRECTORY/log-upload or /var/lib/flowprobe/log-upload), or
// "flowprobe-log-upload" beside --zeek-logs DIR where that cannot be written. Sets
// options.log_upload_queue; false with `error` when no place works.
bool settle_log_upload_queue(ExportOptions& options, const std::string& zeek_logs, std::string& error);

// The OsecT sensor's deletion rule (../shared/spec/osect-logs.md §3.2) as the defaults of
// a run that has none of its own: closed files older than 365 days go, and everything
// the probe wrote stays within 150 GB. For --log-profile osect.
void apply_osect_retention_defaults(ExportOptions& options);

// The retention of every file the probe writes (--retention, --retention-files,
// --retention-max-bytes); the writers register their files with it. nullptr when no
// retention option is given, or with `error` set on a bad value.
std::unique_ptr<Retention> make_retention(const ExportOptions& options, std::string& error);

// Builds what the options ask for: -o's file or stdout, and/or Kafka producers and syslog
// senders (several sinks make a tee). With a remote sink and no -o, nothing goes to
// stdout, as with nProbe. A file output is rotated by --rotate-size/--rotate-age and
// watched by `retention` (may be null). On a bad configuration returns nullptr with
// `error` naming the option (exit status 2).
std::unique_ptr<Sink> make_sink(const ExportOptions& options, const std::string& output, Retention* retention,
                                std::string& error);

// Where eve alerts go (with --rules): the file of --alerts-output ("" = none) and/or the
// topic of --alerts-kafka-topic on the first --kafka's brokers, with the same
// --kafka-conf and a spool of its own. nullptr with `error` set when neither is given or
// one cannot be opened.
std::unique_ptr<Sink> make_alert_sink(const ExportOptions& options, const std::string& alerts_output,
                                      Retention* retention, std::string& error);
// The same for asset events (--events-output, --events-kafka-topic); nullptr without
// `error` when neither is given (asset tracking is off).
std::unique_ptr<Sink> make_event_sink(const ExportOptions& options, const std::string& events_output,
                                      Retention* retention, std::string& error);
// The same for transactions (--transactions-output, --transactions-kafka-topic).
std::unique_ptr<Sink> make_transaction_sink(const ExportOptions& options, const std::string& output,
                                            Retention* retention, std::string& error);

}  // namespace flowprobe
