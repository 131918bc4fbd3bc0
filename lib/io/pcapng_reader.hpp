#pragma once
// A bounded pcapng reader (draft-ietf-opsawg-pcapng) for the captures libpcap refuses:
// interfaces of different link types or snapshot lengths in one file, sections in
// different byte orders. It reads what libpcap reads and no more: Section Header,
// Interface Description (if_tsresol, if_tsoffset), Enhanced, Simple and the obsolete
// Packet Block; every other block is skipped whole. Each block is read into one buffer
// of at most kMaxBlock bytes and every field is checked against the block's length, so
// a damaged file stops the reader with a reason and the byte offset, never past a block.
// No DPDK here: the fuzz target and unit tests run it on bytes.
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

namespace flowprobe {

struct PcapngInterface {
  uint16_t link_type = 0;    // LINKTYPE_ value, as in pcap-linktype(7)
  uint32_t snaplen = 0;      // 0: no limit
  uint32_t section = 0;      // the section (0-based) it was described in
  uint8_t tsresol = 6;       // if_tsresol as written: bit 7 set = 2^-n, else 10^-n
  int64_t tsoffset_s = 0;    // if_tsoffset, seconds added to every timestamp
};

struct PcapngPacket {
  uint32_t interface = 0;    // index into PcapngReader::interfaces() (all sections)
  uint16_t link_type = 0;
  uint64_t ts_ns = 0;        // UNIX time; a Simple Packet Block has none and takes the previous packet's
  uint32_t caplen = 0;       // bytes in `data` (cut to kMaxPacket when longer)
  uint32_t origlen = 0;      // length on the wire, never below caplen
  const uint8_t* data = nullptr;  // valid until the next call to next()
};

class PcapngReader {
 public:
  static constexpr uint32_t kMaxBlock = 16u << 20;       // libpcap's bound on a block, too
  static constexpr uint32_t kMaxPacket = 262144;         // libpcap's largest snapshot length
  static constexpr uint32_t kMaxInterfaces = 65536;      // all sections together

  // Reads from `file` (not owned), which must be positioned at its first byte.
  explicit PcapngReader(std::FILE* file) : file_(file) {}

  enum class Next { packet, end, damaged };
  // The next packet; `end` at a clean end of file; `damaged` with error() and offset()
  // saying why and where (the reader stops there for good).
  Next next(PcapngPacket& out);

  const std::string& error() const { return error_; }
  // Bytes consumed by whole blocks: where a damaged block starts.
  uint64_t offset() const { return offset_; }
  const std::vector<PcapngInterface>& interfaces() const { return interfaces_; }
  uint32_t sections() const { return sections_; }
  uint64_t packets() const { return packets_; }
  uint64_t cut_packets() const { return cut_; }   // longer than kMaxPacket, cut to it
  uint64_t skipped_blocks() const { return skipped_blocks_; }  // blocks of other types

  // True when `head` (the first 4 bytes of a file) is a pcapng Section Header.
  static bool looks_like_pcapng(std::span<const uint8_t> head);
  // Timestamp units at `tsresol` since the epoch, to nanoseconds; false when the
  // resolution is beyond what 64 bits can scale (10^-20 or finer, 2^-64 or finer).
  static bool to_ns(uint64_t units, uint8_t tsresol, uint64_t& ns);

 private:
  bool fail(std::string why);
  bool read_block(uint32_t& type, std::span<const uint8_t>& body);
  bool section_header(std::span<const uint8_t> body);
  bool interface_description(std::span<const uint8_t> body);
  bool packet(uint32_t iface, uint64_t ts, uint32_t caplen, uint32_t origlen, std::span<const uint8_t> data,
              PcapngPacket& out);
  uint16_t u16(const uint8_t* p) const;
  uint32_t u32(const uint8_t* p) const;

  std::FILE* file_;
  std::vector<uint8_t> buf_;
  std::vector<PcapngInterface> interfaces_;
  uint32_t section_first_ = 0;  // index in interfaces_ of this section's interface 0
  uint32_t sections_ = 0;
  bool swapped_ = false;        // this section's byte order is not the host's
  bool failed_ = false;
  uint64_t offset_ = 0;
  uint64_t last_ts_ns_ = 0;
  uint64_t packets_ = 0, cut_ = 0, skipped_blocks_ = 0;
  std::string error_;
};

}  // namespace flowprobe
