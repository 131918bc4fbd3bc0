// The "bench-64b" scenario: minimum-size frames over many concurrent flows.
//
// Packet i (0-based) is sent at base + i µs to flow (k * stride + offset) mod N, where
// k = i mod N and stride is coprime with N: every round of N packets visits every flow
// exactly once, in a scattered order. Even rounds go client -> server, odd rounds back.
//
// Each frame is 64 bytes (FCS not included): Ethernet + IPv4 (total length 50) + TCP
// (PSH/ACK, 10 payload bytes, exact sequence/ack numbers) or UDP (22 payload bytes).
// Headers come from templates and the checksums are sums of precomputed constants and
// the few fields that change, so 10 M packets take about a second plus the disk.
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <numeric>

#include "net.hpp"
#include "options.hpp"
#include "pcap_writer.hpp"
#include "rng.hpp"
#include "truth.hpp"

namespace pcapgen {

namespace {

constexpr std::size_t kFrameLen = 64;
constexpr uint16_t kIpLen = kFrameLen - 14;     // 50
constexpr uint16_t kL4Len = kIpLen - 20;        // 30
constexpr std::size_t kIp = 14, kL4 = 34;
constexpr uint8_t kTtl[2] = {64, 57};           // client side / server side (a few hops away)
constexpr uint16_t kTcpPorts[4] = {80, 443, 8080, 22};
// UDP ports with no payload format a decoder would try on this filler (no DNS, no VXLAN).
constexpr uint16_t kUdpPorts[4] = {5201, 9000, 16384, 27015};
constexpr uint16_t kTcpWindow = 501;

inline uint32_t fold32(uint32_t s) {
  s = (s & 0xffff) + (s >> 16);
  s = (s & 0xffff) + (s >> 16);
  return s;
}
inline uint32_t words(uint32_t v) { return (v >> 16) + (v & 0xffff); }

// The 5-tuple and initial sequence numbers of flow j. Unique per j: the client address
// 198.18.x.y comes from a bijection of j's low 16 bits, the client port from the rest.
struct Tuple {
  uint32_t client_ip, server_ip;
  uint16_t client_port, server_port;
  bool tcp;
  uint32_t isn[2];
  uint16_t ip_id[2];
};

struct TupleMaker {
  uint64_t seed_mix;
  Tuple operator()(uint64_t j) const {
    Tuple t;
    const uint64_t h = mix64(j ^ seed_mix);
    const uint32_t lo = static_cast<uint32_t>(((j & 0xffff) * 40503u + (seed_mix & 0xffff)) & 0xffff);
    t.client_ip = 0xC6120000u | lo;                                               // 198.18.0.0/16
    // For a fixed address the port is injective in j >> 16 (< 64512 as flows <= 1e8).
    t.client_port = static_cast<uint16_t>(1024 + ((j >> 16) + lo * 7919u + (seed_mix >> 16)) % 64512);
    t.tcp = (h & 3) != 3;                                                         // 3/4 TCP, 1/4 UDP
    t.server_ip = 0xC6130000u | static_cast<uint32_t>((h >> 8) % 1021 + 1);       // 198.19.0.0/16
    t.server_port = (t.tcp ? kTcpPorts : kUdpPorts)[(h >> 20) & 3];
    const uint64_t h2 = mix64(h);
    t.isn[0] = static_cast<uint32_t>(h >> 32);
    t.isn[1] = static_cast<uint32_t>(h2 >> 32);
    t.ip_id[0] = static_cast<uint16_t>(h2);
    t.ip_id[1] = static_cast<uint16_t>(h2 >> 16);
    return t;
  }
};

struct Template {
  uint8_t frame[kFrameLen];
  uint32_t ip_sum;  // IPv4 header words that never change
  uint32_t l4_sum;  // pseudo-header proto/length + constant L4 header words + payload
};

Template make_template(bool tcp, int dir) {
  static const Mac kClientSide = Mac::parse("00:1b:21:aa:00:01"), kServerSide = Mac::parse("3c:fd:fe:bb:00:01");
  static constexpr char kPayload[] = "flowprobe-bench-64b-payload";
  Template t{};
  uint8_t* f = t.frame;
  std::memcpy(f, (dir == 0 ? kServerSide : kClientSide).b.data(), 6);
  std::memcpy(f + 6, (dir == 0 ? kClientSide : kServerSide).b.data(), 6);
  put_be16(f + 12, 0x0800);
  uint8_t* ip = f + kIp;
  ip[0] = 0x45;
  put_be16(ip + 2, kIpLen);
  put_be16(ip + 6, tcp ? 0x4000 : 0);  // DF on TCP
  ip[8] = kTtl[dir];
  ip[9] = tcp ? ipproto::tcp : ipproto::udp;
  t.ip_sum = 0x4500 + kIpLen + (tcp ? 0x4000 : 0) + (static_cast<uint32_t>(ip[8]) << 8 | ip[9]);

  uint8_t* l4 = f + kL4;
  const std::size_t hdr = tcp ? 20 : 8;
  std::memcpy(l4 + hdr, kPayload, kL4Len - hdr);
  uint32_t sum = static_cast<uint32_t>(csum_add(0, l4 + hdr, kL4Len - hdr)) + ip[9] + kL4Len;
  if (tcp) {
    l4[12] = 5 << 4;
    l4[13] = tcpflag::psh | tcpflag::ack;
    put_be16(l4 + 14, kTcpWindow);
    sum += (5u << 12 | l4[13]) + kTcpWindow;
  } else {
    put_be16(l4 + 4, kL4Len);
    sum += kL4Len;
  }
  t.l4_sum = sum;
  return t;
}

}  // namespace

int run_bench_64b(const Options& o) {
  const auto t0 = std::chrono::steady_clock::now();
  const uint64_t n = o.flows, m = o.packets;
  const uint64_t seed_mix = mix64(o.seed ^ 0x62656e6368363462ull);  // "bench64b"
  uint64_t stride = std::max<uint64_t>(1, static_cast<uint64_t>(static_cast<double>(n) * 0.6180339887498949));
  while (std::gcd(stride, n) != 1) ++stride;
  const uint64_t offset = seed_mix % n;
  const TupleMaker tuple{seed_mix};

  Template tpl[2][2];  // [tcp][dir]
  for (int tcp = 0; tcp < 2; ++tcp)
    for (int d = 0; d < 2; ++d) tpl[tcp][d] = make_template(tcp != 0, d);

  PcapWriter w(o.output, o.nanosecond);
  uint32_t sec = static_cast<uint32_t>(kBaseTimeNs / 1000000000u), usec = 0;
  uint64_t flow = offset, k = 0, round = 0;
  for (uint64_t i = 0; i < m; ++i) {
    const Tuple t = tuple(flow);
    const int d = static_cast<int>(round & 1);
    const Template& tp = tpl[t.tcp][d];
    uint8_t* rec = w.reserve(kRecordHeader + kFrameLen);
    w.record_header(rec, sec, o.nanosecond ? usec * 1000 : usec, kFrameLen);
    uint8_t* f = rec + kRecordHeader;
    std::memcpy(f, tp.frame, kFrameLen);

    const uint32_t src = d == 0 ? t.client_ip : t.server_ip, dst = d == 0 ? t.server_ip : t.client_ip;
    const uint16_t sport = d == 0 ? t.client_port : t.server_port, dport = d == 0 ? t.server_port : t.client_port;
    const uint16_t ip_id = static_cast<uint16_t>(t.ip_id[d] + (round >> 1));
    uint8_t* ip = f + kIp;
    put_be16(ip + 4, ip_id);
    put_be32(ip + 12, src);
    put_be32(ip + 16, dst);
    const uint32_t addr_sum = words(src) + words(dst);
    put_be16(ip + 10, static_cast<uint16_t>(~fold32(tp.ip_sum + ip_id + addr_sum)));

    uint8_t* l4 = f + kL4;
    put_be16(l4, sport);
    put_be16(l4 + 2, dport);
    uint32_t sum = tp.l4_sum + addr_sum + sport + dport;
    if (t.tcp) {
      // Segments each side sent before this round: the client (round+1)/2, the server round/2.
      constexpr uint32_t payload = kL4Len - 20;
      const uint32_t next_c = t.isn[0] + static_cast<uint32_t>((round + 1) >> 1) * payload;
      const uint32_t next_s = t.isn[1] + static_cast<uint32_t>(round >> 1) * payload;
      const uint32_t seq = d == 0 ? next_c : next_s, ack = d == 0 ? next_s : next_c;
      put_be32(l4 + 4, seq);
      put_be32(l4 + 8, ack);
      sum += words(seq) + words(ack);
      put_be16(l4 + 16, static_cast<uint16_t>(~fold32(sum)));
    } else {
      uint16_t c = static_cast<uint16_t>(~fold32(sum));
      put_be16(l4 + 6, c == 0 ? 0xffff : c);
    }
    w.commit(kRecordHeader + kFrameLen);

    flow += stride;
    if (flow >= n) flow -= n;
    if (++k == n) k = 0, ++round;
    if (++usec == 1000000) usec = 0, ++sec;
  }
  w.close();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  // Truth, in order of each flow's first packet: position k of round 0 is flow (k*stride+offset) mod n.
  const uint64_t active = std::min(n, m), full = m / n, rem = m % n;
  const auto truth_of = [&](uint64_t pos) {
    const uint64_t j = (pos * stride + offset) % n;  // n <= 1e8, so no overflow
    const Tuple t = tuple(j);
    const uint64_t count = full + (pos < rem ? 1 : 0);
    FlowTruth f;
    f.ip_proto = t.tcp ? ipproto::tcp : ipproto::udp;
    f.src_ip = IpAddr::v4(t.client_ip);
    f.dst_ip = IpAddr::v4(t.server_ip);
    f.src_port = t.client_port;
    f.dst_port = t.server_port;
    f.pkts[0] = (count + 1) / 2;
    f.pkts[1] = count / 2;
    for (int d = 0; d < 2; ++d) {
      f.ip_bytes[d] = f.pkts[d] * kIpLen;
      f.tcp_flags[d] = (t.tcp && f.pkts[d]) ? (tcpflag::psh | tcpflag::ack) : 0;
    }
    f.first_ns = kBaseTimeNs + pos * 1000;
    f.last_ns = kBaseTimeNs + ((count - 1) * n + pos) * 1000;
    f.max_gap_ns = count > 1 ? n * 1000 : 0;
    f.label = "bench";
    return f;
  };

  std::FILE* out = (o.output == "-" || o.truth == "-") ? stderr : stdout;
  print_totals(out, active, m, 0);
  std::fflush(out);
  if (!o.truth.empty())
    write_truth_csv(o.truth, [&](std::FILE* f) {
      for (uint64_t pos = 0; pos < active; ++pos) write_csv_row(f, truth_of(pos));
    });
  std::fprintf(stderr, "%s: wrote %" PRIu64 " packets over %" PRIu64 " flows (%" PRIu64 " bytes) in %.2f s\n",
               kProgram, m, active, w.bytes_written(), secs);
  return 0;
}

}  // namespace pcapgen
