// flowprobe-pcapmerge: concatenates the Ethernet captures given (pcap or pcapng) into
// one classic pcap, cutting packets to --snaplen bytes, for the replay benchmarks: the
// preloaded replay loop holds every packet in an mbuf sized to the longest one.
// Captures of other link types are skipped and listed.
#include <pcap/pcap.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  std::string out;
  int snaplen = 2048;
  std::vector<std::string> inputs;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-o" && i + 1 < argc) out = argv[++i];
    else if (a == "--snaplen" && i + 1 < argc) snaplen = std::atoi(argv[++i]);
    else if (a == "-h" || a == "--help") {
      std::puts("usage: flowprobe-pcapmerge -o OUT.pcap [--snaplen N (default 2048)] IN...");
      return 0;
    } else inputs.push_back(a);
  }
  if (out.empty() || inputs.empty() || snaplen < 64) {
    std::fprintf(stderr, "flowprobe-pcapmerge: need -o OUT, at least one input, and --snaplen >= 64\n");
    return 2;
  }
  pcap_t* dead = pcap_open_dead(DLT_EN10MB, snaplen);
  pcap_dumper_t* dumper = pcap_dump_open(dead, out.c_str());
  if (!dumper) {
    std::fprintf(stderr, "flowprobe-pcapmerge: -o %s: %s\n", out.c_str(), pcap_geterr(dead));
    return 2;
  }
  unsigned long files = 0, skipped = 0, packets = 0;
  for (const std::string& in : inputs) {
    char err[PCAP_ERRBUF_SIZE];
    pcap_t* p = pcap_open_offline(in.c_str(), err);
    if (!p) {
      ++skipped;
      continue;
    }
    if (pcap_datalink(p) != DLT_EN10MB) {
      ++skipped;
      pcap_close(p);
      continue;
    }
    pcap_pkthdr* h;
    const u_char* data;
    while (pcap_next_ex(p, &h, &data) == 1) {
      pcap_pkthdr copy = *h;
      if (copy.caplen > static_cast<bpf_u_int32>(snaplen)) copy.caplen = static_cast<bpf_u_int32>(snaplen);
      pcap_dump(reinterpret_cast<u_char*>(dumper), &copy, data);
      ++packets;
    }
    ++files;
    pcap_close(p);
  }
  pcap_dump_close(dumper);
  pcap_close(dead);
  std::printf("merged %lu captures (%lu skipped: not Ethernet or unreadable), %lu packets\n", files, skipped, packets);
  return 0;
}
