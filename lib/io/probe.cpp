#include "io/probe.hpp"

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>

#include "core/log.hpp"
#include "core/prefault.hpp"
#include "io/capture_feed.hpp"
#include "io/dispatcher.hpp"
#include "io/eal.hpp"
#include "io/exporter.hpp"
#include "io/record_ring.hpp"
#include "io/rule_reload.hpp"
#include "io/rx_worker.hpp"

namespace flowprobe {

const char* rx_mode_name(RxMode m) {
  switch (m) {
    case RxMode::single_queue: return "single queue";
    case RxMode::rss: return "rss";
    case RxMode::software_dispatch: return "software dispatch";
  }
  return "?";
}

std::atomic<bool>& stop_requested() {
  static std::atomic<bool> flag{false};
  return flag;
}

std::atomic<bool>& reload_requested() {
  static std::atomic<bool> flag{false};
  return flag;
}

namespace {

// A ring's slots are written now, on the main lcore, while it is empty: without huge pages
// (--no-huge) its memory is lazy, and the RX core would take a page fault per 4 KB of
// records on its first lap around the ring.
void prefault_ring(rte_ring* r, unsigned esize, unsigned count) {
  const ssize_t bytes = rte_ring_get_memsize_elem(esize, count);
  if (bytes > static_cast<ssize_t>(sizeof(rte_ring)))
    prefault(reinterpret_cast<char*>(r) + sizeof(rte_ring), static_cast<std::size_t>(bytes) - sizeof(rte_ring));
}

constexpr uint16_t kRxDesc = 1024;
constexpr uint16_t kTxDesc = 512;
constexpr unsigned kMbufs = 16383;
constexpr unsigned kMbufCache = 256;
constexpr unsigned kDispatchRing = 4096;  // mbufs per dispatched RX core

// Symmetric RSS (Woo and Park, "Scalable TCP Session Monitoring with Symmetric
// Receive-side Scaling"): a Toeplitz key of the repeated pair 0x6d,0x5a gives the same
// hash for (src, dst) and (dst, src), so both directions of a flow reach one queue.
std::vector<uint8_t> symmetric_rss_key(std::size_t len) {
  std::vector<uint8_t> key(len);
  for (std::size_t i = 0; i < len; ++i) key[i] = (i % 2 == 0) ? 0x6d : 0x5a;
  return key;
}

// The hash types we want (addresses and ports of IPv4/IPv6, TCP and UDP), limited to
// what the PMD offers. 0 when it offers none of them.
uint64_t wanted_rss_hf(const rte_eth_dev_info& info) {
  return (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
}

// Owns what the run creates in DPDK and releases it in reverse order.
struct Resources {
  rte_mempool* pool = nullptr;
  std::vector<uint16_t> started_ports;
  std::vector<rte_ring*> rings;
  ~Resources() {
    for (uint16_t p : started_ports) {
      rte_eth_dev_stop(p);
      rte_eth_dev_close(p);
    }
    for (rte_ring* r : rings) rte_ring_free(r);
    if (pool) rte_mempool_free(pool);
  }
};

bool setup_port(uint16_t port, rte_mempool* pool, uint16_t rx_queues, bool rss, std::string& rss_detail,
                std::string& error) {
  rte_eth_dev_info info;
  if (rte_eth_dev_info_get(port, &info) != 0) {
    error = "cannot query DPDK port " + std::to_string(port);
    return false;
  }
  rte_eth_conf conf;
  std::memset(&conf, 0, sizeof(conf));
  std::vector<uint8_t> key;
  if (rss) {
    key = symmetric_rss_key(info.hash_key_size ? info.hash_key_size : 40);
    conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
    conf.rx_adv_conf.rss_conf.rss_key = key.data();
    conf.rx_adv_conf.rss_conf.rss_key_len = static_cast<uint8_t>(key.size());
    conf.rx_adv_conf.rss_conf.rss_hf = wanted_rss_hf(info);
    char hf[32];
    std::snprintf(hf, sizeof(hf), "0x%llx", static_cast<unsigned long long>(conf.rx_adv_conf.rss_conf.rss_hf));
    rss_detail = std::to_string(rx_queues) + " queues, symmetric key of " + std::to_string(key.size()) +
                 " bytes, rss_hf " + hf;
  }
  int rc = rte_eth_dev_configure(port, rx_queues, 1, &conf);
  if (rc < 0) {
    error = "cannot configure port " + std::to_string(port) + ": " + rte_strerror(-rc);
    return false;
  }
  uint16_t rxd = kRxDesc, txd = kTxDesc;
  rte_eth_dev_adjust_nb_rx_tx_desc(port, &rxd, &txd);
  const int socket = rte_eth_dev_socket_id(port) < 0 ? 0 : rte_eth_dev_socket_id(port);
  for (uint16_t q = 0; q < rx_queues; ++q) {
    rc = rte_eth_rx_queue_setup(port, q, rxd, socket, nullptr, pool);
    if (rc < 0) {
      error = "cannot set up RX queue " + std::to_string(q) + " of port " + std::to_string(port) + ": " + rte_strerror(-rc);
      return false;
    }
  }
  rc = rte_eth_tx_queue_setup(port, 0, txd, socket, nullptr);
  if (rc < 0) {
    error = "cannot set up TX queue of port " + std::to_string(port) + ": " + rte_strerror(-rc);
    return false;
  }
  rc = rte_eth_dev_start(port);
  if (rc < 0) {
    error = "cannot start port " + std::to_string(port) + ": " + rte_strerror(-rc);
    return false;
  }
  rte_eth_promiscuous_enable(port);  // a tap sees traffic for other hosts; not all PMDs care
  return true;
}

// The main lcore's part of the live statistics: ports (read here, where DPDK lives)
// and sinks (read on the thread that drives them).
ops::MainLive main_live(const ExportCounters& ec, const std::vector<uint16_t>& ports, const Sink& sink) {
  ops::MainLive live;
  live.exporter = ec;
  for (uint16_t p : ports) {
    ops::PortLive pl;
    pl.id = p;
    char name[RTE_ETH_NAME_MAX_LEN] = {};
    rte_eth_dev_get_name_by_port(p, name);
    pl.name = name;
    rte_eth_stats st;
    if (rte_eth_stats_get(p, &st) == 0) {
      pl.ipackets = st.ipackets;
      pl.ibytes = st.ibytes;
      pl.imissed = st.imissed;
      pl.ierrors = st.ierrors;
      pl.rx_nombuf = st.rx_nombuf;
    }
    live.ports.push_back(std::move(pl));
  }
  live.sinks = ops::sink_stats(sink);
  return live;
}

}  // namespace

int run_probe(const ProbeConfig& config, const JsonEncoder& encoder, Sink& sink, RunReport& report,
              std::string& error) {
  const auto t0 = std::chrono::steady_clock::now();
  const unsigned rx_cores = std::max(1u, config.rx_cores);
  // A capture libpcap refuses reaches net_pcap as a stream from our pcapng reader; the
  // feed outlives the port that reads it (declared before, so destroyed after).
  std::unique_ptr<CaptureFeed> feed;
  InputSpec input = config.input;
  if (!input.capture.empty() && input.reader == InputSpec::Reader::pcapng) {
    feed = CaptureFeed::start(input, error);
    if (!feed) return 1;
    input.eal_args = eal_args_reading(input, feed->path());
  }
  // lcore 0 (main) exports, lcores 1..N receive; with fewer CPUs they share (eal.cpp).
  if (!Eal::init(input, config.eal_extra, 1 + rx_cores, config.verbose, error)) return 1;
  int result = 0;
  {
    Resources res;
    const uint16_t nports = rte_eth_dev_count_avail();
    if (nports == 0) {
      error = "-i '" + config.input.text + "': DPDK found no port for it (is the device bound to a DPDK driver?)";
      result = 1;
    }
    if (result == 0 && rte_lcore_count() < 1 + rx_cores) {
      error = "need " + std::to_string(1 + rx_cores) + " lcores (exporter + RX), EAL gave " +
              std::to_string(rte_lcore_count());
      result = 1;
    }
    uint16_t port = 0;
    RxMode mode = RxMode::single_queue;
    if (result == 0) {
      port = static_cast<uint16_t>(rte_eth_find_next_owned_by(0, RTE_ETH_DEV_NO_OWNER));
      rte_eth_dev_info info;
      if (rte_eth_dev_info_get(port, &info) != 0) {
        error = "cannot query DPDK port " + std::to_string(port);
        result = 1;
      } else if (rx_cores > 1) {
        // One queue per RX core where the PMD can spread by symmetric RSS; otherwise
        // (net_pcap, a single-queue af_packet) the first RX core dispatches in software.
        mode = info.max_rx_queues >= rx_cores && wanted_rss_hf(info) != 0 ? RxMode::rss : RxMode::software_dispatch;
      }
    }
    report.rx_mode = mode;
    const unsigned rx_queues = mode == RxMode::rss ? rx_cores : 1;
    if (result == 0) {
      // The replay loop keeps the whole capture in mbufs sized to its longest packet.
      const bool loop = config.input.replay_loop;
      unsigned mbufs = loop ? static_cast<unsigned>(config.input.expected_packets) + kMbufs : kMbufs;
      if (mode == RxMode::software_dispatch) mbufs += (rx_cores - 1) * kDispatchRing;
      const uint16_t room = loop ? static_cast<uint16_t>(std::max<uint32_t>(config.input.max_caplen, 64) +
                                                          RTE_PKTMBUF_HEADROOM)
                                 : RTE_MBUF_DEFAULT_BUF_SIZE;
      res.pool = rte_pktmbuf_pool_create("rx_mbufs", mbufs, kMbufCache, 0, room, static_cast<int>(rte_socket_id()));
      if (res.pool == nullptr) {
        error = std::string("cannot create the mbuf pool: ") + rte_strerror(rte_errno);
        result = 1;
      }
    }
    if (result == 0 && !setup_port(port, res.pool, static_cast<uint16_t>(rx_queues), mode == RxMode::rss,
                                   report.rss_detail, error))
      result = 1;
    if (result == 0) res.started_ports.push_back(port);
    if (result == 0 && config.on_port_started && !config.on_port_started(error)) result = 1;

    std::unique_ptr<Dispatcher> dispatcher;
    std::vector<rte_ring*> feeds(rx_cores, nullptr);
    if (result == 0 && mode == RxMode::software_dispatch) {
      unsigned lcore = rte_get_next_lcore(-1, 1, 0);
      for (unsigned c = 1; c < rx_cores; ++c) {
        lcore = rte_get_next_lcore(lcore, 1, 0);
        const std::string name = "dispatch_rx" + std::to_string(c);
        feeds[c] = rte_ring_create(name.c_str(), kDispatchRing, static_cast<int>(rte_lcore_to_socket_id(lcore)),
                                   RING_F_SP_ENQ | RING_F_SC_DEQ);
        if (feeds[c] == nullptr) {
          error = "cannot create ring " + name + ": " + rte_strerror(rte_errno);
          result = 1;
          break;
        }
        res.rings.push_back(feeds[c]);
      }
      DispatcherConfig dc;
      dc.cores = rx_cores;
      dc.link = config.input.link;
      dc.decode = config.decode;
      dc.key_tunnel_id = config.flow.key_tunnel_id;
      dc.wait_on_full = config.input.offline;
      if (result == 0) dispatcher = std::make_unique<Dispatcher>(dc, feeds);
    }

    // The connections dissectors announce (FTP's data channels), one table for every RX
    // core: an announced connection's packets may reach another core than the announcer's.
    // Declared before the workers, so it outlives them.
    const auto expected_flows = std::make_unique<dissect::ExpectedFlows>();
    std::vector<std::unique_ptr<RxWorker>> workers;
    std::vector<rte_ring*> flow_rings, alert_rings, event_rings, tx_rings;
    std::atomic<int> rx_running{0};
    if (result == 0) {
      rte_eth_dev_info info;
      rte_eth_dev_info_get(port, &info);
      const bool pcap_ts = info.driver_name != nullptr && std::strcmp(info.driver_name, "net_pcap") == 0;
      unsigned lcore = rte_get_next_lcore(-1, 1, 0);
      for (uint16_t q = 0; q < rx_cores; ++q, lcore = rte_get_next_lcore(lcore, 1, 0)) {
        const std::string name = "flows_rx" + std::to_string(q);
        rte_ring* ring = rte_ring_create_elem(name.c_str(), 8, ring_words(config.ring_size),
                                              static_cast<int>(rte_lcore_to_socket_id(lcore)),
                                              RING_F_SP_ENQ | RING_F_SC_DEQ);
        if (ring == nullptr) {
          error = "cannot create ring " + name + ": " + rte_strerror(rte_errno);
          result = 1;
          break;
        }
        res.rings.push_back(ring);
        prefault_ring(ring, 8, ring_words(config.ring_size));
        const bool fed = mode == RxMode::software_dispatch && q != 0;
        // Side rings for fixed-size events (alerts, asset events), one per core.
        const auto side_ring = [&](bool wanted, const char* what, unsigned esize, std::vector<rte_ring*>& all) -> rte_ring* {
          if (!wanted || result != 0) return nullptr;
          const std::string rname = what + std::to_string(q);
          rte_ring* r = rte_ring_create_elem(rname.c_str(), esize, 8192, static_cast<int>(rte_lcore_to_socket_id(lcore)),
                                             RING_F_SP_ENQ | RING_F_SC_DEQ);
          if (r == nullptr) {
            error = "cannot create ring " + rname + ": " + rte_strerror(rte_errno);
            result = 1;
            return nullptr;
          }
          res.rings.push_back(r);
          all.push_back(r);
          return r;
        };
        rte_ring* alert_ring = side_ring(config.l7.rules != nullptr && config.alert_sink != nullptr, "alerts_rx",
                                         sizeof(sig::Alert), alert_rings);
        rte_ring* event_ring = side_ring(config.event_sink != nullptr || config.asset_logs != nullptr, "events_rx", sizeof(AssetEvent), event_rings);
        // Transactions vary in size (their protocol's part): a ring of 8-byte words, as
        // the flow records' (record_ring.hpp).
        rte_ring* tx_ring = nullptr;
        if (config.l7.enabled && config.l7.transactions && result == 0) {
          const std::string tname = "tx_rx" + std::to_string(q);
          tx_ring = rte_ring_create_elem(tname.c_str(), 8, ring_words(config.ring_size),
                                         static_cast<int>(rte_lcore_to_socket_id(lcore)), RING_F_SP_ENQ | RING_F_SC_DEQ);
          if (tx_ring == nullptr) {
            error = "cannot create ring " + tname + ": " + rte_strerror(rte_errno);
            result = 1;
          } else {
            res.rings.push_back(tx_ring);
            tx_rings.push_back(tx_ring);
            prefault_ring(tx_ring, 8, ring_words(config.ring_size));
          }
        }
        if (result != 0) break;
        RxWorkerConfig wc;
        wc.port = port;
        wc.queue = mode == RxMode::rss ? q : 0;
        wc.core_index = q;
        wc.link = config.input.link;
        wc.pcap_timestamps = pcap_ts;
        wc.offline = config.input.offline;
        // Only a core that reads the port can tell when a file has been read to its end.
        wc.expected_packets = !config.input.capture.empty() && q == 0 ? config.input.expected_packets : 0;
        wc.flow = config.flow;
        wc.decode = config.decode;
        wc.l7 = config.l7;
        wc.l7.dissectors.expected = expected_flows.get();
        wc.max_packets = fed ? 0 : config.max_packets;
        if (mode == RxMode::software_dispatch) {
          if (q == 0) wc.dispatcher = dispatcher.get();
          else {
            wc.feed = feeds[q];
            wc.feed_done = &dispatcher->done();
          }
        }
        wc.live = config.stats != nullptr ? &config.stats->live() : nullptr;
        wc.capture = config.capture != nullptr ? config.capture->add_buffer(port) : nullptr;
        wc.assets = config.assets;
        flow_rings.push_back(ring);
        workers.push_back(std::make_unique<RxWorker>(wc, ring, rx_running, alert_ring, event_ring, tx_ring));
      }
    }
    if (result == 0) {
      rx_running.store(static_cast<int>(workers.size()));
      if (config.stats != nullptr)
        config.stats->live().init(workers.front()->counter_schema(), static_cast<unsigned>(workers.size()));
      if (config.capture != nullptr) config.capture->arm();
      unsigned lcore = rte_get_next_lcore(-1, 1, 0);
      for (auto& w : workers) {
        rte_eal_remote_launch([](void* arg) { return static_cast<RxWorker*>(arg)->run(); }, w.get(), lcore);
        lcore = rte_get_next_lcore(lcore, 1, 0);
      }
      Exporter exporter(flow_rings, encoder, sink, rx_running, config.export_context);
      if (config.reload) exporter.set_reload(config.reload);
      if (config.zeek_logs != nullptr) exporter.set_zeek_logs(config.zeek_logs);
      if (config.stats != nullptr)
        exporter.set_tick([&](const ExportCounters& ec) { config.stats->publish_main(main_live(ec, res.started_ports, sink)); },
                          rte_get_tsc_hz() / 4);
      if (!event_rings.empty()) exporter.set_events(event_rings, config.event_sink, config.asset_logs);
      if (!tx_rings.empty()) exporter.set_transactions(tx_rings, config.tx_sink);
      std::unique_ptr<RuleReloader> reloader;
      if (!alert_rings.empty() && config.rule_sets != nullptr) {
        exporter.set_alerts(alert_rings, config.alert_sink, config.rule_sets);
        std::vector<RxWorker*> ws;
        for (auto& w : workers) ws.push_back(w.get());
        reloader = std::make_unique<RuleReloader>(config.rule_paths, config.l7.scanner, *config.rule_sets, ws, exporter);
        exporter.set_rule_reload([&reloader] { reloader->request(); }, [&reloader] { reloader->tick(); });
      }
      exporter.run();
      rte_eal_mp_wait_lcore();
      if (reloader) {
        reloader->finish();
        report.rule_reloads = reloader->counters().reloads;
        report.rule_reload_failed = reloader->counters().reload_failed;
        report.rule_sets_retired = reloader->counters().retired;
      }
      report.exporter = exporter.counters();
      report.input_complete = true;
      if (dispatcher) {
        report.dispatched = dispatcher->dispatched();
        report.dispatch_dropped = dispatcher->dropped_total();
      }
      report.rx_schema = workers.front()->counter_schema();
      report.rx.assign(report.rx_schema.defs.size(), 0);
      for (std::size_t c = 0; c < workers.size(); ++c) {
        const auto& w = workers[c];
        report.core_drops.push_back(w->records_ring_full() +
                                    (dispatcher ? dispatcher->dropped(static_cast<unsigned>(c)) : 0));
        std::vector<uint64_t> values(report.rx_schema.defs.size());
        read_counters(w->counter_sources(), values.data());
        for (std::size_t i = 0; i < values.size(); ++i) report.rx[i] += values[i];
        report.per_core.push_back(std::move(values));
        report.core_seconds.push_back(w->active_seconds());
        report.input_complete = report.input_complete && w->input_complete();
      }
      report.stopped_by_signal = stop_requested().load();
      for (uint16_t p : res.started_ports) {
        PortReport pr;
        pr.port_id = p;
        char name[RTE_ETH_NAME_MAX_LEN] = {};
        rte_eth_dev_get_name_by_port(p, name);
        pr.name = name;
        rte_eth_dev_info info;
        if (rte_eth_dev_info_get(p, &info) == 0 && info.driver_name) pr.driver = info.driver_name;
        rte_eth_stats st;
        if (rte_eth_stats_get(p, &st) == 0) {
          pr.ipackets = st.ipackets;
          pr.ibytes = st.ibytes;
          pr.imissed = st.imissed;
          pr.ierrors = st.ierrors;
          pr.rx_nombuf = st.rx_nombuf;
        }
        report.ports.push_back(pr);
      }
    }
  }
  Eal::cleanup();
  report.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return result;
}

}  // namespace flowprobe
