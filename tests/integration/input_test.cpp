// Capture files as users hand them over: a pcapng that libpcap refuses (merged by
// mergecap from captures of different snapshot lengths and link types, sections in both
// byte orders) gives the records of its parts, flow for flow; flowprobe's pcapng reader
// reads every capture of the corpus as libpcap does; the vdev form reads the file to its
// end; a damaged file has one verdict and exit status 3; a file that cannot be replayed
// at all exits 2 with one line.
#include <gtest/gtest.h>
#include <pcap/pcap.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "io/pcapng_reader.hpp"
#include "support/pcapng_builder.hpp"
#include "support/run_program.hpp"

namespace fs = std::filesystem;
using namespace flowprobe::test;

namespace {

// Flow fields only: no end reason (a merged capture's earlier flows may end by idle
// timeout where the part alone ended at its end) and no export sequence number.
constexpr const char* kTemplate =
    "%IP_PROTOCOL_VERSION %PROTOCOL %IPV4_SRC_ADDR %IPV4_DST_ADDR %IPV6_SRC_ADDR %IPV6_DST_ADDR %L4_SRC_PORT "
    "%L4_DST_PORT %SRC_VLAN %IN_PKTS %OUT_PKTS %IN_BYTES %OUT_BYTES %CLIENT_TCP_FLAGS %SERVER_TCP_FLAGS "
    "%FLOW_START_MILLISECONDS %FLOW_END_MILLISECONDS";

ProgramResult probe(std::vector<std::string> args) {
  args.insert(args.begin(), flowprobe_binary().string());
  return run_program(args);
}

size_t count_lines(const std::string& s) { return static_cast<size_t>(std::count(s.begin(), s.end(), '\n')); }

std::vector<std::string> sorted_lines(const std::string& s) {
  std::vector<std::string> v;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) v.push_back(l);
  std::sort(v.begin(), v.end());
  return v;
}

// The records of one replay, as sorted lines (timeouts longer than any capture).
ProgramResult records(const std::string& input) {
  return probe({"-i", input, "--json-labels", "-T", kTemplate, "-d", "1000000", "-t", "1000000"});
}

std::string summary_text(const std::string& err, const std::string& name) {
  std::istringstream in(err);
  for (std::string l; std::getline(in, l);) {
    std::istringstream w(l);
    std::string key;
    if (w >> key && key == name) {
      std::string rest;
      std::getline(w, rest);
      return rest.substr(rest.find_first_not_of(' '));
    }
  }
  return "";
}

fs::path demo_capture() {
  static const fs::path p = [] {
    const fs::path f = scratch_dir("input") / "demo.pcap";
    const ProgramResult r = run_program({pcapgen_binary().string(), "--scenario", "demo", "-o", f.string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return f;
  }();
  return p;
}

struct LibpcapPacket {
  pcap_pkthdr h;
  std::vector<uint8_t> data;
};

std::vector<LibpcapPacket> libpcap_packets(const fs::path& f, bool* clean = nullptr, int* dlt = nullptr) {
  std::vector<LibpcapPacket> v;
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* p = pcap_open_offline(f.c_str(), err);
  if (clean) *clean = false;
  if (p == nullptr) return v;
  if (dlt) *dlt = pcap_datalink(p);
  pcap_pkthdr* h;
  const u_char* d;
  int rc;
  while ((rc = pcap_next_ex(p, &h, &d)) == 1) v.push_back({*h, std::vector<uint8_t>(d, d + h->caplen)});
  if (clean) *clean = rc == PCAP_ERROR_BREAK;
  pcap_close(p);
  return v;
}

bool have_mergecap() { return run_program({"/bin/sh", "-c", "command -v mergecap"}).exit_code == 0; }

}  // namespace

// Issue 14, defect 1: the vdev form README documents read nothing and said "ok".
TEST(Input, VdevFormReadsTheCaptureToItsEnd) {
  const fs::path out = scratch_dir("input-vdev") / "flows.json";
  const ProgramResult file = probe({"-i", demo_capture().string()});
  ASSERT_EQ(file.exit_code, 0) << file.err;
  const long long total = summary_value(file.err, "packets.received");
  ASSERT_GT(total, 100);
  const ProgramResult r = probe({"-i", "net_pcap0,rx_pcap=" + demo_capture().string(), "-o", out.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(summary_value(r.err, "packets.received"), total) << r.err;
  EXPECT_EQ(summary_value(r.err, "input.readable_packets"), total) << r.err;
  EXPECT_EQ(summary_text(r.err, "input.complete"), "yes") << r.err;
  EXPECT_EQ(summary_text(r.err, "accounting"), "ok") << r.err;
  std::ifstream in(out);
  std::stringstream written;
  written << in.rdbuf();
  EXPECT_EQ(written.str(), file.out) << "the same records as the file form";
}

// Issue 14, defect 6: "input.truncated yes" and "input.complete yes" together.
TEST(Input, DamagedCaptureHasOneVerdictAndExitStatus3) {
  const fs::path cut = scratch_dir("input-cut") / "cut.pcap";
  const auto size = fs::file_size(demo_capture());
  {
    std::ifstream in(demo_capture(), std::ios::binary);
    std::string bytes(size * 2 / 3, '\0');
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    std::ofstream(cut, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  const size_t readable = libpcap_packets(cut).size();
  ASSERT_GT(readable, 0u);
  for (const std::string& form : {cut.string(), "net_pcap0,rx_pcap=" + cut.string()}) {
    SCOPED_TRACE(form);
    const ProgramResult r = probe({"-i", form});
    EXPECT_EQ(r.exit_code, 3) << r.err;
    EXPECT_EQ(r.err.find("input.truncated"), std::string::npos) << "one verdict: " << r.err;
    const std::string verdict = summary_text(r.err, "input.complete");
    EXPECT_EQ(verdict.rfind("no: the file is damaged at byte ", 0), 0u) << r.err;
    EXPECT_NE(verdict.find(" of " + std::to_string(size * 2 / 3)), std::string::npos) << verdict;
    EXPECT_EQ(summary_value(r.err, "input.readable_packets"), static_cast<long long>(readable));
    EXPECT_EQ(summary_value(r.err, "packets.received"), static_cast<long long>(readable));
    EXPECT_EQ(summary_text(r.err, "accounting"), "ok") << "what was readable is accounted: " << r.err;
    EXPECT_GT(count_lines(r.out), 0u);
  }
}

// Issue 15: what users hand over, merged from captures of different snapshot lengths
// and link types, which libpcap (and so net_pcap) refuses.
TEST(Input, MergedPcapngGivesTheRecordsOfItsParts) {
  FLOWPROBE_REQUIRE_SHARED("corpus/ndpi/pcap");
  if (!have_mergecap()) GTEST_SKIP() << "mergecap is absent (wireshark-common; ./scripts/setup installs it)";
  const fs::path dir = shared_dir() / "corpus/ndpi/pcap";
  // Ethernet at snaplens 1514, 8192 and 66000; Linux cooked (SLL) and raw IP beside them.
  const std::vector<std::string> ethernet = {"telnet.pcap", "ftp-start-tls.pcap", "smtp.pcap"};
  const std::vector<std::pair<std::string, std::string>> others = {{"quickplay.pcap", "LINUX_SLL"},
                                                                   {"psiphon3.pcap", "RAW"}};
  const fs::path merged = scratch_dir("input-merged") / "merged.pcapng";
  std::vector<std::string> merge = {"mergecap", "-F", "pcapng", "-w", merged.string()};
  for (const auto& f : ethernet) merge.push_back((dir / f).string());
  for (const auto& [f, link] : others) merge.push_back((dir / f).string());
  const ProgramResult m = run_program({"/bin/sh", "-c", [&] {
                                         std::string cmd;
                                         for (const auto& a : merge) cmd += "'" + a + "' ";
                                         return cmd;
                                       }()});
  ASSERT_EQ(m.exit_code, 0) << m.err;
  bool libpcap_reads_it = true;
  libpcap_packets(merged, &libpcap_reads_it);
  ASSERT_FALSE(libpcap_reads_it) << "libpcap reads this merge, so it would not test our reader";

  std::vector<std::string> expected;
  long long packets = 0;
  for (const auto& f : ethernet) {
    const ProgramResult part = records((dir / f).string());
    ASSERT_EQ(part.exit_code, 0) << f << part.err;
    const auto lines = sorted_lines(part.out);
    EXPECT_FALSE(lines.empty()) << f;
    expected.insert(expected.end(), lines.begin(), lines.end());
    packets += summary_value(part.err, "packets.received");
  }
  std::sort(expected.begin(), expected.end());
  for (const std::string& form : {merged.string(), "net_pcap0,rx_pcap=" + merged.string()}) {
    SCOPED_TRACE(form);
    const ProgramResult r = records(form);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(sorted_lines(r.out), expected) << "the records of the Ethernet parts, flow for flow";
    EXPECT_EQ(summary_value(r.err, "packets.received"), packets);
    EXPECT_EQ(summary_value(r.err, "input.readable_packets"), packets);
    for (const auto& [f, link] : others)
      EXPECT_EQ(summary_value(r.err, "input.not_replayed." + link),
                static_cast<long long>(libpcap_packets(dir / f).size()))
          << link << "\n" << r.err;
    EXPECT_EQ(summary_text(r.err, "input.reader").rfind("flowprobe pcapng reader: 5 interfaces in 1 sections", 0), 0u)
        << r.err;
    EXPECT_EQ(summary_text(r.err, "input.complete"), "yes") << r.err;
    EXPECT_EQ(summary_text(r.err, "accounting"), "ok") << r.err;
  }
}

// The demo capture rewritten as two sections, little- then big-endian, at nanosecond
// and default resolution with an if_tsoffset, interfaces of different snaplens.
TEST(Input, SectionsInBothByteOrdersGiveTheSameRecords) {
  const std::vector<LibpcapPacket> pkts = libpcap_packets(demo_capture());
  ASSERT_GT(pkts.size(), 100u);
  Builder le, be;
  be.big = true;
  le.section();
  le.interface(1, 65535, 9);
  be.section();
  be.interface(1, 1600, -1, 1'000'000'000);  // timestamps written 1e9 s early
  for (size_t i = 0; i < pkts.size(); ++i) {
    const auto& p = pkts[i];
    const uint64_t us = uint64_t(p.h.ts.tv_sec) * 1'000'000 + uint64_t(p.h.ts.tv_usec);
    if (i < pkts.size() / 2)
      le.enhanced(0, us * 1000, p.data, p.h.len);
    else
      be.enhanced(0, us - 1'000'000'000'000'000ull, p.data, p.h.len);
  }
  const fs::path f = scratch_dir("input-sections") / "two-sections.pcapng";
  {
    std::ofstream out(f, std::ios::binary);
    out.write(reinterpret_cast<const char*>(le.out.data()), static_cast<std::streamsize>(le.out.size()));
    out.write(reinterpret_cast<const char*>(be.out.data()), static_cast<std::streamsize>(be.out.size()));
  }
  const ProgramResult want = records(demo_capture().string());
  ASSERT_EQ(want.exit_code, 0) << want.err;
  const ProgramResult r = records(f.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(sorted_lines(r.out), sorted_lines(want.out));
  EXPECT_EQ(summary_value(r.err, "packets.received"), static_cast<long long>(pkts.size()));
  EXPECT_EQ(summary_text(r.err, "input.complete"), "yes") << r.err;
}

// Our reader against libpcap on every capture of the corpus that is pcapng: the same
// packets, bytes and (microsecond) times wherever libpcap reads, and at least as many
// where libpcap stops.
TEST(Input, ReaderAgreesWithLibpcapOnEveryCorpusPcapng) {
  FLOWPROBE_REQUIRE_SHARED("corpus");
  size_t files = 0, refused = 0;
  for (const auto& e : fs::recursive_directory_iterator(shared_dir() / "corpus")) {
    if (!e.is_regular_file()) continue;
    uint8_t head[4] = {};
    std::ifstream(e.path(), std::ios::binary).read(reinterpret_cast<char*>(head), 4);
    if (!flowprobe::PcapngReader::looks_like_pcapng({head, 4})) continue;
    SCOPED_TRACE(e.path().string());
    ++files;
    bool clean = false;
    const std::vector<LibpcapPacket> want = libpcap_packets(e.path(), &clean);
    std::FILE* f = std::fopen(e.path().c_str(), "rb");
    ASSERT_NE(f, nullptr);
    flowprobe::PcapngReader reader(f);
    flowprobe::PcapngPacket p;
    size_t i = 0;
    flowprobe::PcapngReader::Next n;
    while ((n = reader.next(p)) == flowprobe::PcapngReader::Next::packet) {
      if (i < want.size()) {
        const LibpcapPacket& w = want[i];
        ASSERT_EQ(p.ts_ns / 1000, uint64_t(w.h.ts.tv_sec) * 1'000'000 + uint64_t(w.h.ts.tv_usec)) << "packet " << i;
        ASSERT_EQ(p.origlen, std::max(w.h.len, w.h.caplen)) << "packet " << i;
        // libpcap cuts a packet to its interface's snaplen; the bytes it keeps agree.
        ASSERT_GE(p.caplen, w.h.caplen) << "packet " << i;
        ASSERT_TRUE(std::equal(w.data.begin(), w.data.end(), p.data)) << "packet " << i;
      }
      ++i;
    }
    std::fclose(f);
    if (clean) {
      EXPECT_EQ(n, flowprobe::PcapngReader::Next::end) << reader.error();
      EXPECT_EQ(i, want.size());
    } else {
      ++refused;
      EXPECT_GE(i, want.size());
    }
  }
  EXPECT_GT(files, 100u);
  std::printf("pcapng files: %zu, of which libpcap stopped on %zu\n", files, refused);
}

// Issue 15, point 2: a file that truly cannot be replayed says so in one line, exit 2.
TEST(Input, CapturesThatCannotBeReplayedExit2WithOneLine) {
  const fs::path d = scratch_dir("input-bad");
  Builder wifi;
  wifi.section();
  wifi.interface(105, 2346);  // IEEE 802.11, which flowprobe does not decode
  wifi.interface(127, 2346);  // and radiotap, so libpcap refuses the mix
  wifi.enhanced(0, 1, Bytes(30, 0));
  wifi.enhanced(1, 2, Bytes(40, 0));
  const fs::path wifi_file = d / "wifi.pcapng";
  std::ofstream(wifi_file, std::ios::binary).write(reinterpret_cast<const char*>(wifi.out.data()),
                                                   static_cast<std::streamsize>(wifi.out.size()));
  Builder broken;
  broken.section();
  broken.out[8] = 0x11;  // no byte-order magic
  const fs::path broken_file = d / "broken.pcapng";
  std::ofstream(broken_file, std::ios::binary).write(reinterpret_cast<const char*>(broken.out.data()),
                                                     static_cast<std::streamsize>(broken.out.size()));
  const fs::path fifo = d / "fifo.pcap";
  ::mkfifo(fifo.c_str(), 0600);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {wifi_file.string(), "IEEE802_11"},
      {broken_file.string(), "not a readable pcap or pcapng"},
      {fifo.string(), "not a regular file"},
      {"net_pcap0,rx_pcap=" + (d / "missing.pcap").string(), "missing.pcap"},
      {"net_pcap0,rx_pcap=" + demo_capture().string() + ",rx_pcap=" + demo_capture().string(), "one rx_pcap"},
  };
  for (const auto& [in, says] : cases) {
    const ProgramResult r = probe({"-i", in});
    EXPECT_EQ(r.exit_code, 2) << in << ": " << r.err;
    EXPECT_EQ(count_lines(r.err), 1u) << r.err;
    EXPECT_NE(r.err.find(says), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty());
  }
}
