// The "syn-flood" scenario: --packets TCP SYNs, each from a random client address in
// 198.18.0.0/15 and a random port to one of 16 servers in 198.19.0.0/24 on port 80 or
// 443, 1 µs apart. Nearly every packet opens a flow of its own that never gets an
// answer: the load that fills a flow table (the fault suite's table-pressure case).
// Frames are 60 bytes (Ethernet + IPv4 + TCP without options, padded to the minimum).
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "net.hpp"
#include "options.hpp"
#include "pcap_writer.hpp"
#include "rng.hpp"
#include "truth.hpp"

namespace pcapgen {

int run_syn_flood(const Options& o) {
  constexpr std::size_t kFrame = 60, kIp = 14, kTcp = 34;
  constexpr uint16_t kIpLen = 40;
  const auto t0 = std::chrono::steady_clock::now();
  Rng rng(o.seed ^ 0x73796e666c6f6f64ull);  // "synflood"
  uint8_t tpl[kFrame] = {};
  std::memcpy(tpl, Mac::parse("3c:fd:fe:bb:00:01").b.data(), 6);
  std::memcpy(tpl + 6, Mac::parse("00:1b:21:aa:00:01").b.data(), 6);
  put_be16(tpl + 12, 0x0800);
  tpl[kIp] = 0x45;
  put_be16(tpl + kIp + 2, kIpLen);
  tpl[kIp + 8] = 64;
  tpl[kIp + 9] = ipproto::tcp;
  tpl[kTcp + 12] = 5 << 4;
  tpl[kTcp + 13] = tcpflag::syn;
  put_be16(tpl + kTcp + 14, 64240);

  PcapWriter w(o.output, o.nanosecond);
  uint64_t ns = kBaseTimeNs;
  for (uint64_t i = 0; i < o.packets; ++i, ns += 1000) {
    const uint64_t r = rng.next();
    const uint32_t src = 0xC6120000u | static_cast<uint32_t>(r & 0x1ffff);        // 198.18.0.0/15
    const uint32_t dst = 0xC6130001u + static_cast<uint32_t>((r >> 17) & 15);       // 198.19.0.1-16
    const uint16_t sport = static_cast<uint16_t>(1024 + (r >> 21) % 64512);
    const uint16_t dport = (r >> 40) & 1 ? 443 : 80;
    const uint32_t seq = static_cast<uint32_t>(rng.next());
    uint8_t* rec = w.reserve(kRecordHeader + kFrame);
    const uint64_t sec = ns / 1000000000u, frac = ns % 1000000000u;
    w.record_header(rec, static_cast<uint32_t>(sec), static_cast<uint32_t>(o.nanosecond ? frac : frac / 1000), kFrame);
    uint8_t* f = rec + kRecordHeader;
    std::memcpy(f, tpl, kFrame);
    put_be16(f + kIp + 4, static_cast<uint16_t>(i));
    put_be32(f + kIp + 12, src);
    put_be32(f + kIp + 16, dst);
    put_be16(f + kIp + 10, csum_fold(csum_add(0, f + kIp, 20)));
    put_be16(f + kTcp, sport);
    put_be16(f + kTcp + 2, dport);
    put_be32(f + kTcp + 4, seq);
    const uint64_t pseudo = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + ipproto::tcp + 20u;
    put_be16(f + kTcp + 16, csum_fold(csum_add(pseudo, f + kTcp, 20)));
    w.commit(kRecordHeader + kFrame);
  }
  w.close();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::FILE* out = o.output == "-" ? stderr : stdout;
  // Random tuples may repeat (about n^2 / 1.7e10 of them): "flows" is an upper bound.
  print_totals(out, o.packets, o.packets, 0);
  std::fprintf(stderr, "%s: wrote %" PRIu64 " SYNs (%" PRIu64 " bytes) in %.2f s\n", kProgram, o.packets,
               w.bytes_written(), secs);
  return 0;
}

}  // namespace pcapgen
