#include "io/input.hpp"

#include <pcap/pcap.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <regex>

#include "io/pcapng_reader.hpp"

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

// pcapng and classic pcap files carry LINKTYPE_ values; libpcap's names are by DLT_,
// which differ for a few (LINKTYPE_RAW is 101, DLT_RAW 12 on Linux).
int dlt_of_linktype(uint16_t linktype) { return linktype == 101 ? DLT_RAW : linktype; }

}  // namespace

uint16_t pcap_linktype(LinkType l) {
  switch (l) {
    case LinkType::ethernet: return 1;
    case LinkType::raw_ip: return 101;
    case LinkType::null_loopback: return 0;
    case LinkType::linux_sll: return 113;
    case LinkType::linux_sll2: return 276;
  }
  return 1;
}

bool link_of_linktype(uint16_t linktype, LinkType& out) { return link_from_dlt(dlt_of_linktype(linktype), out); }

namespace {

std::string linktype_name(uint16_t linktype) {
  const char* name = pcap_datalink_val_to_name(dlt_of_linktype(linktype));
  return name ? name : "LINKTYPE_" + std::to_string(linktype);
}

constexpr const char* kDecoded = "EN10MB (Ethernet), RAW, NULL/LOOP, LINUX_SLL, LINUX_SLL2";

struct LibpcapRead {
  bool opened = false;
  bool clean = false;          // read to the end of file without an error
  int dlt = 0;
  uint64_t packets = 0;
  uint32_t max_caplen = 0;
  uint64_t stopped_at = 0;     // byte offset where an error stopped it
  std::string error;
};

LibpcapRead read_with_libpcap(const std::string& path) {
  LibpcapRead r;
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* p = pcap_open_offline(path.c_str(), errbuf);
  if (p == nullptr) {
    r.error = errbuf;
    return r;
  }
  r.opened = true;
  r.dlt = pcap_datalink(p);
  pcap_pkthdr* hdr;
  const u_char* data;
  int rc;
  while ((rc = pcap_next_ex(p, &hdr, &data)) == 1) {
    ++r.packets;
    r.max_caplen = std::max(r.max_caplen, hdr->caplen);
  }
  r.clean = rc != PCAP_ERROR;
  if (!r.clean) {
    r.error = pcap_geterr(p);
    const long at = std::ftell(pcap_file(p));
    r.stopped_at = at > 0 ? static_cast<uint64_t>(at) : 0;
  }
  pcap_close(p);
  return r;
}

struct PcapngRead {
  bool clean = false;
  uint64_t packets = 0;
  uint64_t stopped_at = 0;
  std::string error;
  uint32_t interfaces = 0, sections = 0;
  uint64_t cut = 0;
  // Per link type, in order of first packet: packets and the longest of them.
  struct Link {
    uint16_t linktype;
    uint64_t packets;
    uint32_t max_caplen;
  };
  std::vector<Link> links;
};

PcapngRead read_with_pcapng_reader(const std::string& path) {
  PcapngRead r;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    r.error = std::strerror(errno);
    return r;
  }
  PcapngReader reader(f);
  PcapngPacket pkt;
  PcapngReader::Next n;
  while ((n = reader.next(pkt)) == PcapngReader::Next::packet) {
    auto it = std::find_if(r.links.begin(), r.links.end(),
                           [&](const PcapngRead::Link& l) { return l.linktype == pkt.link_type; });
    if (it == r.links.end()) it = r.links.insert(r.links.end(), {pkt.link_type, 0, 0});
    ++it->packets;
    it->max_caplen = std::max(it->max_caplen, pkt.caplen);
  }
  std::fclose(f);
  r.clean = n == PcapngReader::Next::end;
  r.packets = reader.packets();
  r.error = reader.error();
  r.stopped_at = reader.offset();
  r.interfaces = static_cast<uint32_t>(reader.interfaces().size());
  r.sections = reader.sections();
  r.cut = reader.cut_packets();
  return r;
}

bool starts_as_pcapng(const std::string& path) {
  uint8_t head[4] = {};
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return false;
  const std::size_t n = std::fread(head, 1, sizeof(head), f);
  std::fclose(f);
  return PcapngReader::looks_like_pcapng({head, n});
}

// Reads the whole capture once: what reads it (libpcap where it can, else flowprobe's
// pcapng reader), the link type replayed, the packets to expect (the replay's end
// condition) and where a damaged file stops. False, with one line, when nothing of it
// can be replayed.
bool scan_capture(const std::string& path, InputSpec& out, std::string& error) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) out.file_bytes = static_cast<uint64_t>(st.st_size);
  out.capture = path;
  const auto damaged = [&out](const std::string& why, uint64_t at) {
    out.truncated = true;
    out.truncation = why;
    out.damaged_at = at;
  };
  const LibpcapRead lp = read_with_libpcap(path);
  const bool pcapng = starts_as_pcapng(path);
  PcapngRead own;
  if (pcapng && !lp.clean) own = read_with_pcapng_reader(path);
  // libpcap where it reads the file, or as much of it as our reader does.
  if (lp.opened && (lp.clean || !pcapng || own.packets <= lp.packets)) {
    if (!link_from_dlt(lp.dlt, out.link)) {
      const char* name = pcap_datalink_val_to_name(lp.dlt);
      error = "-i: '" + path + "' has link type " + (name ? name : std::to_string(lp.dlt)) +
              ", which flowprobe does not decode; accepted: " + kDecoded;
      return false;
    }
    out.reader = InputSpec::Reader::libpcap;
    out.expected_packets = lp.packets;
    out.max_caplen = lp.max_caplen;
    if (!lp.clean) damaged(lp.error, lp.stopped_at);
    return true;
  }
  if (!pcapng || (own.packets == 0 && !own.clean)) {
    error = "-i: '" + path + "' is not a readable pcap or pcapng capture: " + (pcapng ? own.error : lp.error);
    return false;
  }
  out.reader = InputSpec::Reader::pcapng;
  out.libpcap_refusal = lp.error;
  out.interfaces = own.interfaces;
  out.sections = own.sections;
  out.cut_packets = own.cut;
  if (!own.clean) damaged(own.error, own.stopped_at);
  // One link type is replayed, as net_pcap hands out one: Ethernet where the file has
  // any, else the first it has that flowprobe decodes. The others are counted.
  bool chosen = false;
  for (const auto& l : own.links)
    if (l.linktype == 1) chosen = link_from_dlt(DLT_EN10MB, out.link);
  for (const auto& l : own.links)
    if (!chosen) chosen = link_of_linktype(l.linktype, out.link);
  if (!chosen && !own.links.empty()) {
    std::string seen;
    for (const auto& l : own.links)
      seen += (seen.empty() ? "" : ", ") + std::to_string(l.packets) + " on " + linktype_name(l.linktype);
    error = "-i: '" + path + "' has no packet of a link type flowprobe decodes (" + seen + "); accepted: " + kDecoded;
    return false;
  }
  for (const auto& l : own.links) {
    LinkType as;
    if (link_of_linktype(l.linktype, as) && as == out.link) {
      out.expected_packets += l.packets;
      out.max_caplen = std::max(out.max_caplen, l.max_caplen);
    } else {
      out.not_replayed.push_back({linktype_name(l.linktype), l.packets});
    }
  }
  return true;
}

// A path the user gave: an existing regular file, readable.
bool check_capture_path(const std::string& path, const std::string& what, std::string& error) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    error = what + "cannot open '" + path + "': " + std::strerror(errno);
    return false;
  }
  if (S_ISDIR(st.st_mode)) {
    error = what + "'" + path + "' is a directory; give a pcap file";
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    error = what + "'" + path + "' is not a regular file; flowprobe reads a capture twice (to count it, then to "
            "replay it): save it to a file first";
    return false;
  }
  if (::access(path.c_str(), R_OK) != 0) {
    error = what + "cannot read '" + path + "': " + std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace

std::vector<std::string> eal_args_reading(const InputSpec& in, const std::string& path) {
  return {"--vdev", in.rx_pcap_before + path + in.rx_pcap_after};
}

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
    if (!check_capture_path(text, "-i: ", error) || !scan_capture(text, out, error)) return false;
    if (text.find_first_of(",=") != std::string::npos) {
      error = "-i: the capture path '" + text + "' contains ',' or '=', which DPDK device arguments cannot carry; rename or link it";
      return false;
    }
    out.kind = InputSpec::Kind::pcap_file;
    out.offline = true;
    out.rx_pcap_before = "net_pcap0,rx_pcap=";
    out.rx_pcap_after = replay_loop ? ",infinite_rx=1" : "";
    out.eal_args = eal_args_reading(out, text);
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
    // net_pcap's rx_pcap=FILE is a capture file like any other: read to its end, the
    // same verdict. Its other devargs stay as the user wrote them.
    std::size_t at = std::string::npos, found = 0;
    for (std::size_t p = 0; (p = text.find("rx_pcap=", p)) != std::string::npos; p += 8)
      if (p > 0 && text[p - 1] == ',') {
        at = p + 8;
        ++found;
      }
    if (found > 1) {
      error = "-i '" + text + "': flowprobe reads one rx_pcap per run; merge the captures (mergecap -F pcapng) "
              "or replay them one run each";
      return false;
    }
    if (found == 1) {
      const std::size_t end = std::min(text.find(',', at), text.size());
      const std::string path = text.substr(at, end - at);
      if (!check_capture_path(path, "-i rx_pcap: ", error) || !scan_capture(path, out, error)) return false;
      out.offline = true;
      out.rx_pcap_before = text.substr(0, at);
      out.rx_pcap_after = text.substr(end);
    }
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
