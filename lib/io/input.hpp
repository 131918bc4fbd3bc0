#pragma once
// Turns the user's -i into EAL arguments: a pcap file (net_pcap vdev, no hugepages, no
// NIC), a PCI address, any --vdev spec, or a Linux interface (af_packet vdev).
#include <cstdint>
#include <string>
#include <vector>

#include "decode/packet_view.hpp"

namespace flowprobe {

struct InputSpec {
  enum class Kind { pcap_file, pci, vdev, interface };
  // Who reads a capture file: libpcap (net_pcap opens the file itself), or flowprobe's
  // pcapng reader where libpcap refuses the file (io/capture_feed.hpp hands net_pcap
  // the packets as a classic pcap stream).
  enum class Reader { libpcap, pcapng };
  struct NotReplayed {
    std::string link_name;             // libpcap's name of the link type (LINUX_SLL, IEEE802_11, ...)
    uint64_t packets = 0;
  };
  Kind kind = Kind::pcap_file;
  std::string text;                    // as the user gave it
  std::vector<std::string> eal_args;   // what the EAL needs for it
  bool offline = false;                // a file: finite, and the RX core may wait on a full ring
  bool replay_loop = false;            // the file is preloaded and replayed without end (benchmarks)
  bool needs_hugepages = false;        // a bound NIC
  LinkType link = LinkType::ethernet;
  // Capture files, given as a path or as a net_pcap vdev's rx_pcap=FILE, from a read of
  // the whole file before replay:
  std::string capture;                 // the file (empty: not a capture file)
  Reader reader = Reader::libpcap;
  std::string libpcap_refusal;         // with Reader::pcapng: libpcap's words for why it could not
  uint64_t expected_packets = 0;       // readable packets of the replayed link type
  std::vector<NotReplayed> not_replayed;  // readable packets of other link types, by link type
  uint32_t interfaces = 0, sections = 0;  // pcapng read by flowprobe
  uint64_t cut_packets = 0;            // longer than 262144 bytes, replayed cut to that
  uint32_t max_caplen = 0;             // longest captured packet
  uint32_t eal_memory_mb = 1024;       // DPDK memory without hugepages (the replay loop needs more)
  bool truncated = false;              // the file ends inside a record or is damaged
  std::string truncation;              // the reader's words for it
  uint64_t damaged_at = 0;             // with `truncated`: the byte where reading stopped
  uint64_t file_bytes = 0;
  std::string rx_pcap_before, rx_pcap_after;  // the vdev spec around the capture's path
};

// Capture files: the EAL arguments that make net_pcap read `path` in place of the
// capture (the stream io/capture_feed.hpp writes), keeping the user's other devargs.
std::vector<std::string> eal_args_reading(const InputSpec& in, const std::string& path);

// Resolves `text`. On error returns false and sets one line naming -i and what is accepted.
// With `replay_loop`, a capture file is preloaded by net_pcap and replayed without end.
bool resolve_input(const std::string& text, InputSpec& out, std::string& error, bool replay_loop = false);

const char* input_kind_name(InputSpec::Kind k);
// The LINKTYPE_ value a pcap file of this link type carries, and back (false: not decoded).
uint16_t pcap_linktype(LinkType l);
bool link_of_linktype(uint16_t linktype, LinkType& out);
const char* link_type_name(LinkType l);

}  // namespace flowprobe
