#include "io/input.hpp"

#include <pcap/pcap.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <regex>

namespace flowprobe {

namespace {

bool link_from_dlt(int dlt, LinkType& out) {
  switch (dlt) {
    case DLT_EN10MB: out = LinkType::ethernet; return true;
    case DLT_RAW:
    case 14:   // DLT_RAW on OpenBSD
    case 228:  // LINKTYPE_IPV4
    case 229:  // LINKTYPE_IPV6
      out = LinkType::raw_ip; return true;
    case DLT_NULL:
    case DLT_LOOP: out = LinkType::null_loopback; return true;
    case DLT_LINUX_SLL: out = LinkType::linux_sll; return true;
#ifdef DLT_LINUX_SLL2
    case DLT_LINUX_SLL2: out = LinkType::linux_sll2; return true;
#endif
    default: return false;
  }
}

// Reads the whole capture once: checks it is a pcap we can decode, counts the readable
// packets (the replay's end condition) and notes where a damaged file stops.
bool scan_pcap(const std::string& path, InputSpec& out, std::string& error) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* p = pcap_open_offline(path.c_str(), errbuf);
  if (p == nullptr) {
    error = "-i: '" + path + "' is not a readable pcap or pcapng capture: " + errbuf;
    return false;
  }
  const int dlt = pcap_datalink(p);
  if (!link_from_dlt(dlt, out.link)) {
    const char* name = pcap_datalink_val_to_name(dlt);
    error = "-i: '" + path + "' has link type " + (name ? name : std::to_string(dlt)) +
            ", which flowprobe does not decode; accepted: EN10MB (Ethernet), RAW, NULL/LOOP, LINUX_SLL, LINUX_SLL2";
    pcap_close(p);
    return false;
  }
  pcap_pkthdr* hdr;
  const u_char* data;
  int rc;
  uint64_t n = 0;
  while ((rc = pcap_next_ex(p, &hdr, &data)) == 1) {
    ++n;
    out.max_caplen = std::max(out.max_caplen, hdr->caplen);
  }
  out.expected_packets = n;
  if (rc == PCAP_ERROR) {
    out.truncated = true;
    out.truncation = pcap_geterr(p);
  }
  pcap_close(p);
  return true;
}

}  // namespace

const char* input_kind_name(InputSpec::Kind k) {
  switch (k) {
    case InputSpec::Kind::pcap_file: return "pcap file";
    case InputSpec::Kind::pci: return "PCI device";
    case InputSpec::Kind::vdev: return "virtual device";
    case InputSpec::Kind::interface: return "Linux interface (af_packet)";
  }
  return "?";
}

const char* link_type_name(LinkType l) {
  switch (l) {
    case LinkType::ethernet: return "ethernet";
    case LinkType::raw_ip: return "raw IP";
    case LinkType::null_loopback: return "null/loopback";
    case LinkType::linux_sll: return "linux cooked (SLL)";
    case LinkType::linux_sll2: return "linux cooked v2 (SLL2)";
  }
  return "?";
}

bool resolve_input(const std::string& text, InputSpec& out, std::string& error, bool replay_loop) {
  out = InputSpec{};
  out.text = text;
  if (text.empty()) {
    error = "-i: empty; give a pcap file, a PCI address (0000:03:00.0), a vdev spec (net_pcap0,rx_pcap=f.pcap) or an interface";
    return false;
  }
  static const std::regex pci(R"(^([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$)");
  struct stat st {};
  if (::stat(text.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      error = "-i: '" + text + "' is a directory; give a pcap file";
      return false;
    }
    if (::access(text.c_str(), R_OK) != 0) {
      error = "-i: cannot read '" + text + "': " + std::strerror(errno);
      return false;
    }
    if (!scan_pcap(text, out, error)) return false;
    if (text.find_first_of(",=") != std::string::npos) {
      error = "-i: the capture path '" + text + "' contains ',' or '=', which DPDK device arguments cannot carry; rename or link it";
      return false;
    }
    out.kind = InputSpec::Kind::pcap_file;
    out.offline = true;
    out.eal_args = {"--vdev", "net_pcap0,rx_pcap=" + text + (replay_loop ? ",infinite_rx=1" : "")};
    out.replay_loop = replay_loop;
    if (replay_loop) {
      // net_pcap preloads every packet into its own mbuf: room for all of them.
      const uint64_t per_mbuf = uint64_t{std::max(out.max_caplen, 64u)} + 128 + 256;
      out.eal_memory_mb = static_cast<uint32_t>((out.expected_packets + 32768) * per_mbuf / (1 << 20) + 1024);
    }
    return true;
  }
  if (replay_loop) {
    error = "--replay-loop: '" + text + "' is not a capture file; the loop replays a pcap preloaded in memory";
    return false;
  }
  if (std::regex_match(text, pci)) {
    out.kind = InputSpec::Kind::pci;
    out.needs_hugepages = true;
    out.eal_args = {"-a", text};
    return true;
  }
  if (text.rfind("net_", 0) == 0 || text.find('=') != std::string::npos) {
    out.kind = InputSpec::Kind::vdev;
    out.eal_args = {"--vdev", text};
    out.offline = text.find("rx_pcap=") != std::string::npos;
    return true;
  }
  if (text.find('/') == std::string::npos && ::access(("/sys/class/net/" + text).c_str(), F_OK) == 0) {
    out.kind = InputSpec::Kind::interface;
    out.eal_args = {"--vdev", "net_af_packet0,iface=" + text};
    return true;
  }
  error = "-i: cannot open '" + text + "': " + std::strerror(ENOENT) +
          "; accepted: a pcap/pcapng file, a PCI address (0000:03:00.0), a DPDK vdev spec (net_pcap0,rx_pcap=f.pcap) "
          "or a Linux network interface name";
  return false;
}

}  // namespace flowprobe
