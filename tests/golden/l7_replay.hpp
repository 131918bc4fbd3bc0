#pragma once
// Shared by the L7 golden tests: replays one capture through decode, a simple flow map
// (5-tuple, client = sender of the first packet), the dissector engine and optionally
// nDPI, and returns each flow with what was learned. No flow timeouts: a capture's
// 5-tuple is one flow, as in ndpiReader's and (mostly) Zeek's logs.
#include <arpa/inet.h>
#include <pcap/pcap.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "decode/decoder.hpp"
#include "dissectors/engine.hpp"
#include "dpi/ndpi_module.hpp"
#include "support/run_program.hpp"

namespace flowprobe::test {

struct L7Flow {
  int proto = 0;
  std::string client_ip, server_ip;
  int client_port = 0, server_port = 0;
  uint64_t packets = 0;
  dissect::FlowDissect fd;
  dissect::AppMetadata meta;
  dpi::FlowDpi dpi;
  dpi::DpiResult dpi_result;
};

inline std::string ip_text(const std::array<uint8_t, 16>& a, int version) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(version == 4 ? AF_INET : AF_INET6, a.data(), buf, sizeof buf);
  return buf;
}

inline std::optional<LinkType> link_of(int dlt) {
  switch (dlt) {
    case DLT_EN10MB: return LinkType::ethernet;
    case DLT_RAW: case 101: case 228: case 229: return LinkType::raw_ip;  // LINKTYPE_RAW, _IPV4, _IPV6
    case DLT_NULL: case DLT_LOOP: return LinkType::null_loopback;
    case DLT_LINUX_SLL: return LinkType::linux_sll;
#ifdef DLT_LINUX_SLL2
    case DLT_LINUX_SLL2: return LinkType::linux_sll2;
#endif
    default: return std::nullopt;
  }
}

// A readable copy of `trace`: .gz traces are gunzipped once into the build tree.
inline std::filesystem::path readable_trace(const std::filesystem::path& trace, const std::filesystem::path& scratch) {
  if (trace.extension() != ".gz") return trace;
  const auto out = scratch / trace.stem();
  if (!std::filesystem::exists(out)) {
    const std::string cmd = "gunzip -c '" + trace.string() + "' > '" + out.string() + "'";
    if (std::system(cmd.c_str()) != 0) return {};
  }
  return out;
}

// Replays a Zeek test's trace through the flowprobe binary into `--zeek-logs <out>` with
// whole connections (-d 3600 -t 86400: the baselines' connections are never cut) and the
// `extra` arguments. Empty when the case has no single trace, the trace cannot be read,
// or the probe refused it (`refused` counts that: a link type or file format the pcap
// input does not read).
inline bool replay_zeek_case(const std::filesystem::path& zeek, const std::vector<std::string>& traces,
                             const std::filesystem::path& scratch, const std::filesystem::path& out,
                             const std::vector<std::string>& extra, int& refused) {
  if (traces.size() != 1) return false;  // Zeek read several traces into one log
  const std::filesystem::path trace = readable_trace(zeek / "Traces" / traces[0], scratch);
  if (trace.empty()) return false;
  std::filesystem::remove_all(out);
  std::vector<std::string> argv = {flowprobe_binary().string(), "-i", trace.string(), "-o", "/dev/null",
                                   "--zeek-logs", out.string(), "-d", "3600", "-t", "86400"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  if (run_program(argv).exit_code != 0) {
    ++refused;
    return false;
  }
  return true;
}

// Replays `pcap`; empty when it cannot be read or its link type is not decoded.
inline std::vector<L7Flow> replay_l7(const std::filesystem::path& pcap, dissect::DissectorEngine& engine,
                                     dpi::NdpiModule* ndpi, int* link_type = nullptr) {
  std::vector<L7Flow> flows;
  char err[PCAP_ERRBUF_SIZE];
  std::unique_ptr<pcap_t, void (*)(pcap_t*)> p(pcap_open_offline(pcap.c_str(), err), pcap_close);
  if (!p) return flows;
  if (link_type) *link_type = pcap_datalink(p.get());
  const auto link = link_of(pcap_datalink(p.get()));
  if (!link) return flows;
  using Key = std::tuple<int, std::string, int, std::string, int>;
  std::map<Key, std::size_t> index;
  pcap_pkthdr* h;
  const u_char* data;
  while (pcap_next_ex(p.get(), &h, &data) == 1) {
    PacketView v;
    v.bytes = {data, h->caplen};
    v.link = *link;
    v.ts_ns = static_cast<uint64_t>(h->ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(h->ts.tv_usec) * 1000ull;
    DecodedPacket d;
    if (!is_tracked(decode(v, d))) continue;
    if (d.l4_proto != ipproto::tcp && d.l4_proto != ipproto::udp) continue;
    const std::string src = ip_text(d.src_ip, d.ip_version), dst = ip_text(d.dst_ip, d.ip_version);
    const bool fwd = std::tie(src, d.src_port) <= std::tie(dst, d.dst_port);
    const Key k = fwd ? Key{d.l4_proto, src, d.src_port, dst, d.dst_port} : Key{d.l4_proto, dst, d.dst_port, src, d.src_port};
    auto [it, fresh] = index.try_emplace(k, flows.size());
    if (fresh) {
      L7Flow f;
      f.proto = d.l4_proto;
      f.client_ip = src;
      f.client_port = d.src_port;
      f.server_ip = dst;
      f.server_port = d.dst_port;
      flows.push_back(std::move(f));
    }
    L7Flow& f = flows[it->second];
    ++f.packets;
    const bool from_client = src == f.client_ip && d.src_port == f.client_port;
    engine.on_packet(f.fd, f.meta, d, from_client, v.ts_ns);
    if (ndpi && !f.dpi.finished) ndpi->on_packet(f.dpi, f.dpi_result, d.l3, d.l4_proto, v.ts_ns);
  }
  for (L7Flow& f : flows) {
    engine.on_flow_end(f.fd, f.meta);
    if (ndpi) ndpi->on_flow_end(f.dpi, f.dpi_result);
  }
  return flows;
}

}  // namespace flowprobe::test
