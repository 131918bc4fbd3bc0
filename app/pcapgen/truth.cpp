#include "truth.hpp"

#include <cerrno>
#include <cinttypes>
#include <cstring>
#include <stdexcept>

namespace pcapgen {

namespace {
std::string endpoint(const IpAddr& ip, uint16_t port) {
  std::string s;
  if (ip.version == 6) s += '[';
  s += ip.str();
  if (ip.version == 6) s += ']';
  s += ':';
  s += std::to_string(port);
  return s;
}
}  // namespace

std::string proto_name(uint8_t p) {
  switch (p) {
    case ipproto::tcp: return "tcp";
    case ipproto::udp: return "udp";
    case ipproto::icmp: return "icmp";
    case ipproto::icmpv6: return "icmp6";
  }
  return std::to_string(p);
}

void print_flow_line(std::FILE* out, const FlowTruth& f) {
  std::fprintf(out, "%s %s -> %s %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", proto_name(f.ip_proto).c_str(),
               endpoint(f.src_ip, f.src_port).c_str(), endpoint(f.dst_ip, f.dst_port).c_str(), f.pkts[0], f.pkts[1],
               f.ip_bytes[0], f.ip_bytes[1]);
}

void print_totals(std::FILE* out, uint64_t flows, uint64_t packets, uint64_t non_ip_packets) {
  std::fprintf(out, "flows %" PRIu64 "\ntotal_packets %" PRIu64 "\nnon_ip_packets %" PRIu64 "\n", flows, packets,
               non_ip_packets);
}

void write_csv_header(std::FILE* out) {
  std::fputs(
      "proto,ip_version,vlan,src_ip,src_port,dst_ip,dst_port,pkts_c2s,pkts_s2c,ip_bytes_c2s,ip_bytes_s2c,"
      "tcp_flags_c2s,tcp_flags_s2c,first_ns,last_ns,max_gap_ns,close,label\n",
      out);
}

void write_csv_row(std::FILE* out, const FlowTruth& f) {
  std::fprintf(out,
               "%s,%u,%u,%s,%u,%s,%u,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%u,%u,%" PRIu64 ",%" PRIu64
               ",%" PRIu64 ",%s,%s\n",
               proto_name(f.ip_proto).c_str(), f.src_ip.version, f.vlan, f.src_ip.str().c_str(), f.src_port,
               f.dst_ip.str().c_str(), f.dst_port, f.pkts[0], f.pkts[1], f.ip_bytes[0], f.ip_bytes[1], f.tcp_flags[0],
               f.tcp_flags[1], f.first_ns, f.last_ns, f.max_gap_ns, f.close.c_str(), f.label.c_str());
}


void write_truth_csv(const std::string& path, const std::function<void(std::FILE*)>& rows) {
  const bool to_stdout = path == "-";
  std::FILE* f = to_stdout ? stdout : std::fopen(path.c_str(), "w");
  if (!f) throw std::runtime_error("cannot create " + path + ": " + std::strerror(errno));
  write_csv_header(f);
  rows(f);
  const bool failed = std::ferror(f) != 0;
  const int rc = to_stdout ? std::fflush(f) : std::fclose(f);
  if (failed || rc != 0) throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
}

}  // namespace pcapgen
