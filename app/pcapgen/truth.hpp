#pragma once
// Ground truth: what a bidirectional flow meter should report for each 5-tuple.
// "src" is always the client (the host that sent the flow's first packet).
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "net.hpp"

namespace pcapgen {

enum class Dir : uint8_t { c2s = 0, s2c = 1 };
inline Dir other(Dir d) { return d == Dir::c2s ? Dir::s2c : Dir::c2s; }
inline int idx(Dir d) { return static_cast<int>(d); }

struct FlowTruth {
  uint8_t ip_proto = 0;
  uint16_t vlan = 0;
  IpAddr src_ip, dst_ip;            // client, server
  uint16_t src_port = 0, dst_port = 0;
  uint64_t pkts[2] = {0, 0};        // [c2s, s2c]
  uint64_t ip_bytes[2] = {0, 0};    // IP header + payload, as the IP length fields state
  uint8_t tcp_flags[2] = {0, 0};    // OR of the flags each side sent
  uint64_t first_ns = 0, last_ns = 0;
  uint64_t max_gap_ns = 0;          // longest silence between two packets of the flow
  std::string close = "none";       // how the flow ends: fin (both sides), rst, none
  std::string label;                // what the flow is, e.g. "dns-a", "http"
};

// "tcp", "udp", "icmp", "icmp6" or the protocol number.
std::string proto_name(uint8_t ip_proto);

// Text summary on `out`: one line per flow
//   proto src:port -> dst:port pkts_c2s pkts_s2c ip_bytes_c2s ip_bytes_s2c
// (IPv6 addresses in brackets), then "flows N", "total_packets N", "non_ip_packets N".
void print_flow_line(std::FILE* out, const FlowTruth& f);
void print_totals(std::FILE* out, uint64_t flows, uint64_t packets, uint64_t non_ip_packets);

// CSV with a header line; same numbers plus VLAN, TCP flags, times and a label.
void write_csv_header(std::FILE* out);
void write_csv_row(std::FILE* out, const FlowTruth& f);
// Writes the CSV (header, then whatever `rows` writes) to `path` ("-" = stdout).
// Throws std::runtime_error when the file can't be written.
void write_truth_csv(const std::string& path, const std::function<void(std::FILE*)>& rows);

}  // namespace pcapgen
