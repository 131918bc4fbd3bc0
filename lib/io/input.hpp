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
  Kind kind = Kind::pcap_file;
  std::string text;                    // as the user gave it
  std::vector<std::string> eal_args;   // what the EAL needs for it
  bool offline = false;                // a file: finite, and the RX core may wait on a full ring
  bool replay_loop = false;            // the file is preloaded and replayed without end (benchmarks)
  bool needs_hugepages = false;        // a bound NIC
  LinkType link = LinkType::ethernet;
  // pcap files only, from a read of the file before replay:
  uint64_t expected_packets = 0;       // readable packets
  uint32_t max_caplen = 0;             // longest captured packet
  uint32_t eal_memory_mb = 1024;       // DPDK memory without hugepages (the replay loop needs more)
  bool truncated = false;              // the file ends inside a record or is damaged
  std::string truncation;              // libpcap's words for it
};

// Resolves `text`. On error returns false and sets one line naming -i and what is accepted.
// With `replay_loop`, a capture file is preloaded by net_pcap and replayed without end.
bool resolve_input(const std::string& text, InputSpec& out, std::string& error, bool replay_loop = false);

const char* input_kind_name(InputSpec::Kind k);
const char* link_type_name(LinkType l);

}  // namespace flowprobe
