// flowprobe-kafka-mock-broker: librdkafka's mock Kafka cluster as a process of its own,
// so tests (and people) can point flowprobe at a broker that speaks the Kafka protocol
// over loopback TCP, kill it, and start it again.
//
//   flowprobe-kafka-mock-broker [--port P] [--brokers N] [--topic NAME[:PARTITIONS]]...
//                               [--dump FILE] [--rtt-ms MS]
//
// Prints "bootstrap <host:port,...>" on stdout once it listens, then runs until SIGTERM
// or SIGINT. With --dump, an in-process consumer writes every message value of the
// --topic topics to FILE, one per line. The mock keeps messages in memory only, so on
// SIGTERM it first refuses new produce requests (with a retriable error, so producers
// keep them) and writes everything it acknowledged before exiting: like a real broker's
// controlled shutdown, nothing acknowledged is lost.
//
// The mock keeps only the newest few MB of each partition (librdkafka 2.0 trims its
// in-memory log), so give volume tests many partitions (--topic flows:16) and read with
// --dump, whose consumer follows the log as it grows.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

// librdkafka 2.0's mock brokers bind an ephemeral port, but a broker that is restarted
// must come back where its clients know it. The mock's listeners are the only sockets
// in this process that bind port 0, so bind() below hands them --port, --port+1...
std::atomic<int> g_next_port{0};

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop.store(true); }

struct KafkaDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
struct MockDeleter {
  void operator()(rd_kafka_mock_cluster_t* m) const { rd_kafka_mock_cluster_destroy(m); }
};
struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};
using Kafka = std::unique_ptr<rd_kafka_t, KafkaDeleter>;

struct Options {
  int port = 0;
  int brokers = 1;
  int rtt_ms = 0;
  std::vector<std::pair<std::string, int>> topics;
  std::string dump;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "flowprobe-kafka-mock-broker: %s\n"
               "usage: flowprobe-kafka-mock-broker [--port P] [--brokers N] [--topic NAME[:PARTITIONS]]... "
               "[--dump FILE] [--rtt-ms MS]\n",
               why);
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage((a + ": needs a value").c_str());
      return argv[++i];
    };
    if (a == "--port") o.port = std::atoi(value().c_str());
    else if (a == "--brokers") o.brokers = std::atoi(value().c_str());
    else if (a == "--rtt-ms") o.rtt_ms = std::atoi(value().c_str());
    else if (a == "--dump") o.dump = value();
    else if (a == "--topic") {
      const std::string t = value();
      const auto colon = t.find(':');
      o.topics.emplace_back(t.substr(0, colon), colon == std::string::npos ? 1 : std::atoi(t.c_str() + colon + 1));
      if (o.topics.back().first.empty() || o.topics.back().second < 1) usage("--topic: NAME[:PARTITIONS]");
    } else if (a == "-h" || a == "--help") usage("help");
    else usage(("unknown option " + a).c_str());
  }
  if (o.brokers < 1 || o.brokers > 16) usage("--brokers: 1..16");
  if (o.port < 0 || o.port + o.brokers > 65535) usage("--port: 1..65535");
  if (!o.dump.empty() && o.topics.empty()) usage("--dump needs at least one --topic");
  return o;
}

// Reads every partition of the topics from the beginning and writes each message value
// as one line. finish_at_watermarks() drains up to the high watermarks and returns.
class Dumper {
 public:
  Dumper(const std::string& bootstraps, const Options& o) : options_(o) {
    out_ = std::fopen(o.dump.c_str(), "w");
    if (!out_) usage(("--dump: cannot write " + o.dump + ": " + std::strerror(errno)).c_str());
    std::array<char, 512> err{};
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstraps.c_str(), err.data(), err.size());
    rd_kafka_conf_set(conf, "group.id", "flowprobe-mock-dump", err.data(), err.size());
    rd_kafka_conf_set(conf, "enable.auto.commit", "false", err.data(), err.size());
    rd_kafka_conf_set(conf, "enable.partition.eof", "false", err.data(), err.size());
    // Follow the log closely: the mock trims what it holds beyond a few MB a partition.
    rd_kafka_conf_set(conf, "fetch.wait.max.ms", "10", err.data(), err.size());
    rd_kafka_conf_set(conf, "fetch.error.backoff.ms", "10", err.data(), err.size());
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err.data(), err.size());
    if (!rk) usage(err.data());
    rk_.reset(rk);
    std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter> list(
        rd_kafka_topic_partition_list_new(8));
    for (const auto& [name, parts] : o.topics)
      for (int p = 0; p < parts; ++p)
        rd_kafka_topic_partition_list_add(list.get(), name.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_assign(rk_.get(), list.get());
    positions_.assign(list->cnt, 0);
  }
  ~Dumper() {
    if (rk_) rd_kafka_consumer_close(rk_.get());
    rk_.reset();
    if (out_) {
      std::fflush(out_);
      ::fsync(fileno(out_));
      std::fclose(out_);
    }
  }
  void poll_once(int timeout_ms) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_.get(), timeout_ms);
    if (!m) {
      std::fflush(out_);
      return;
    }
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::fwrite(m->payload, 1, m->len, out_);
      std::fputc('\n', out_);
      ++written_;
      record_position(rd_kafka_topic_name(m->rkt), m->partition, m->offset + 1);
    }
    rd_kafka_message_destroy(m);
  }
  void finish_at_watermarks() {
    std::vector<int64_t> high;
    for (const auto& [name, parts] : options_.topics)
      for (int p = 0; p < parts; ++p) {
        int64_t lo = 0, hi = 0;
        rd_kafka_query_watermark_offsets(rk_.get(), name.c_str(), p, &lo, &hi, 5000);
        high.push_back(hi);
      }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      bool done = true;
      for (std::size_t i = 0; i < high.size(); ++i) done = done && positions_[i] >= high[i];
      if (done) break;
      poll_once(100);
    }
    std::fflush(out_);
    int64_t total = 0;
    for (int64_t h : high) total += h;
    std::fprintf(stderr, "flowprobe-kafka-mock-broker: %lld messages in the log, %llu written to the dump\n",
                 static_cast<long long>(total), static_cast<unsigned long long>(written_));
  }

 private:
  void record_position(const char* topic, int32_t partition, int64_t next) {
    std::size_t i = 0;
    for (const auto& [name, parts] : options_.topics) {
      if (name == topic) {
        int64_t& pos = positions_[i + static_cast<std::size_t>(partition)];
        // A jump means the mock trimmed its log before we read it: say so, loudly.
        if (next - 1 > pos)
          std::fprintf(stderr, "flowprobe-kafka-mock-broker: %s [%d]: %lld messages trimmed before the dump read them\n",
                       topic, partition, static_cast<long long>(next - 1 - pos));
        pos = next;
        return;
      }
      i += static_cast<std::size_t>(parts);
    }
  }
  const Options& options_;
  Kafka rk_;
  std::FILE* out_ = nullptr;
  std::vector<int64_t> positions_;
  uint64_t written_ = 0;
};

}  // namespace

// Interposes libc's bind for the mock's listeners (see g_next_port). Everything else
// goes to the kernel unchanged.
extern "C" int bind(int fd, const struct sockaddr* addr, socklen_t len) noexcept {
  sockaddr_in fixed{};
  if (g_next_port.load() > 0 && addr && addr->sa_family == AF_INET && len >= sizeof(sockaddr_in)) {
    std::memcpy(&fixed, addr, sizeof(fixed));
    if (fixed.sin_port == 0) {
      fixed.sin_port = htons(static_cast<uint16_t>(g_next_port.fetch_add(1)));
      addr = reinterpret_cast<const sockaddr*>(&fixed);
    }
  }
  return static_cast<int>(::syscall(SYS_bind, fd, addr, len));
}

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  g_next_port.store(o.port);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  std::signal(SIGPIPE, SIG_IGN);

  std::array<char, 512> err{};
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  // The host handle only anchors the cluster; it never talks to anything.
  rd_kafka_conf_set(conf, "log_level", "3", err.data(), err.size());
  rd_kafka_t* host_rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err.data(), err.size());
  if (!host_rk) usage(err.data());
  Kafka host(host_rk);
  std::unique_ptr<rd_kafka_mock_cluster_t, MockDeleter> cluster(rd_kafka_mock_cluster_new(host.get(), o.brokers));
  if (!cluster) {
    std::fprintf(stderr, "flowprobe-kafka-mock-broker: cannot start the mock cluster (port %d in use?)\n", o.port);
    return 1;
  }
  for (const auto& [name, parts] : o.topics) rd_kafka_mock_topic_create(cluster.get(), name.c_str(), parts, 1);
  if (o.rtt_ms > 0)
    for (int b = 1; b <= o.brokers; ++b) rd_kafka_mock_broker_set_rtt(cluster.get(), b, o.rtt_ms);
  const std::string bootstraps = rd_kafka_mock_cluster_bootstraps(cluster.get());

  std::unique_ptr<Dumper> dumper;
  if (!o.dump.empty()) dumper = std::make_unique<Dumper>(bootstraps, o);
  std::printf("bootstrap %s\n", bootstraps.c_str());
  std::fflush(stdout);

  while (!g_stop.load()) {
    if (dumper) dumper->poll_once(100);
    else std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }

  if (dumper) {
    // Controlled shutdown: from now on every produce request is refused with a retriable
    // error (the producer keeps the messages), then everything acknowledged is written.
    constexpr int16_t kProduceApi = 0;
    const std::vector<rd_kafka_resp_err_t> refuse(1'000'000, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS);
    rd_kafka_mock_push_request_errors_array(cluster.get(), kProduceApi, refuse.size(), refuse.data());
    dumper->finish_at_watermarks();
    dumper.reset();
  }
  std::fprintf(stderr, "flowprobe-kafka-mock-broker: stopped\n");
  // Destroying the cluster and host waits on librdkafka threads; nothing more to keep.
  cluster.reset();
  host.reset();
  return 0;
}
