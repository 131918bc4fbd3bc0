// flowprobe's pcapng reader on files built block by block: what libpcap refuses
// (interfaces of different link types and snapshot lengths, sections in both byte
// orders) read packet for packet; each interface's timestamp resolution and offset;
// Simple and obsolete Packet Blocks; damage found with the byte where it starts.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "io/pcapng_reader.hpp"
#include "support/pcapng_builder.hpp"

using namespace flowprobe;
using flowprobe::test::Builder;
using Bytes = flowprobe::test::Bytes;

namespace {

struct Read {
  std::vector<PcapngPacket> packets;
  std::vector<Bytes> data;
  PcapngReader::Next last = PcapngReader::Next::end;
  std::string error;
  uint64_t offset = 0;
  uint32_t sections = 0, interfaces = 0;
  uint64_t cut = 0, skipped = 0;
};

Read read_all(Bytes file) {
  Read r;
  std::FILE* f = fmemopen(file.data(), file.size(), "rb");
  EXPECT_NE(f, nullptr);
  if (f == nullptr) return r;
  PcapngReader reader(f);
  PcapngPacket p;
  while ((r.last = reader.next(p)) == PcapngReader::Next::packet) {
    r.packets.push_back(p);
    r.data.emplace_back(p.data, p.data + p.caplen);
  }
  r.error = reader.error();
  r.offset = reader.offset();
  r.sections = reader.sections();
  r.interfaces = static_cast<uint32_t>(reader.interfaces().size());
  r.cut = reader.cut_packets();
  r.skipped = reader.skipped_blocks();
  std::fclose(f);
  return r;
}

const Bytes kA = {1, 2, 3, 4, 5}, kB = {9, 8, 7}, kC = {0x45, 0, 0, 20, 1, 2, 3, 4, 5, 6, 7};

// Two interfaces that libpcap will not put in one file: Ethernet with snaplen 65535 at
// microseconds, raw IP with snaplen 1518 at nanoseconds; an unknown block between.
Bytes mixed(bool big) {
  Builder b;
  b.big = big;
  b.section();
  b.interface(1, 65535);
  b.interface(101, 1518, 9);
  b.enhanced(0, 1'700'000'000'123'456ull, kA);
  b.block(4, Bytes(8, 0));  // a Name Resolution Block, skipped whole
  b.enhanced(1, 1'700'000'000'987'654'321ull, kC, 60);
  b.simple(kB, 3);
  return b.out;
}

}  // namespace

TEST(PcapngReader, InterfacesOfDifferentLinkTypesAndSnaplensInEitherByteOrder) {
  for (const bool big : {false, true}) {
    SCOPED_TRACE(big ? "big endian" : "little endian");
    const Read r = read_all(mixed(big));
    EXPECT_EQ(r.last, PcapngReader::Next::end) << r.error;
    EXPECT_TRUE(r.error.empty());
    ASSERT_EQ(r.packets.size(), 3u);
    EXPECT_EQ(r.interfaces, 2u);
    EXPECT_EQ(r.sections, 1u);
    EXPECT_EQ(r.skipped, 1u);
    EXPECT_EQ(r.packets[0].link_type, 1);
    EXPECT_EQ(r.packets[0].interface, 0u);
    EXPECT_EQ(r.packets[0].ts_ns, 1'700'000'000'123'456'000ull);
    EXPECT_EQ(r.data[0], kA);
    EXPECT_EQ(r.packets[1].link_type, 101);
    EXPECT_EQ(r.packets[1].interface, 1u);
    EXPECT_EQ(r.packets[1].ts_ns, 1'700'000'000'987'654'321ull);
    EXPECT_EQ(r.packets[1].origlen, 60u);
    EXPECT_EQ(r.data[1], kC);
    // A Simple Packet Block: interface 0, no timestamp (the previous packet's is kept).
    EXPECT_EQ(r.packets[2].interface, 0u);
    EXPECT_EQ(r.packets[2].ts_ns, r.packets[1].ts_ns);
    EXPECT_EQ(r.data[2], kB);
  }
}

TEST(PcapngReader, SectionsInBothByteOrdersNumberTheirInterfacesApart) {
  Builder le;
  le.section();
  le.interface(1, 1500);
  le.enhanced(0, 1'000'000, kA);
  Builder be;
  be.big = true;
  be.section();
  be.interface(113, 262144, 3);   // milliseconds
  be.interface(1, 96);
  be.enhanced(1, 5000, kB);
  be.enhanced(0, 7000, kC);
  Bytes file = le.out;
  file.insert(file.end(), be.out.begin(), be.out.end());
  const Read r = read_all(file);
  EXPECT_EQ(r.last, PcapngReader::Next::end) << r.error;
  ASSERT_EQ(r.packets.size(), 3u);
  EXPECT_EQ(r.sections, 2u);
  EXPECT_EQ(r.interfaces, 3u);
  EXPECT_EQ(r.packets[0].interface, 0u);
  EXPECT_EQ(r.packets[0].ts_ns, 1'000'000'000ull);
  EXPECT_EQ(r.packets[1].interface, 2u);  // the second section's interface 1
  EXPECT_EQ(r.packets[1].link_type, 1);
  EXPECT_EQ(r.packets[1].ts_ns, 5'000'000ull);  // microseconds, the default
  EXPECT_EQ(r.packets[2].interface, 1u);
  EXPECT_EQ(r.packets[2].link_type, 113);
  EXPECT_EQ(r.packets[2].ts_ns, 7'000'000'000ull);
  EXPECT_EQ(r.data[2], kC);
}

TEST(PcapngReader, BinaryResolutionAndTimestampOffset) {
  Builder b;
  b.section();
  b.interface(1, 0, 0x80 | 20, 1'600'000'000);  // 2^-20 s units, +1.6e9 s
  b.enhanced(0, (uint64_t{3} << 20) | (uint64_t{1} << 19), kA);  // 3.5 s
  b.obsolete(0, uint64_t{1} << 20, kB);                           // 1 s
  const Read r = read_all(b.out);
  ASSERT_EQ(r.packets.size(), 2u) << r.error;
  EXPECT_EQ(r.packets[0].ts_ns, 1'600'000'003'500'000'000ull);
  EXPECT_EQ(r.packets[1].ts_ns, 1'600'000'001'000'000'000ull);
  EXPECT_EQ(r.data[1], kB);
}

TEST(PcapngReader, ResolutionConversions) {
  uint64_t ns = 0;
  EXPECT_TRUE(PcapngReader::to_ns(123, 6, ns));
  EXPECT_EQ(ns, 123'000u);
  EXPECT_TRUE(PcapngReader::to_ns(123'456'789'012, 12, ns));
  EXPECT_EQ(ns, 123'456'789u);
  EXPECT_TRUE(PcapngReader::to_ns(7, 0, ns));
  EXPECT_EQ(ns, 7'000'000'000u);
  EXPECT_TRUE(PcapngReader::to_ns(uint64_t{1} << 40, 0x80 | 30, ns));
  EXPECT_EQ(ns, 1024'000'000'000u);
  EXPECT_TRUE(PcapngReader::to_ns(~uint64_t{0}, 0, ns));  // saturates, never wraps
  EXPECT_EQ(ns, ~uint64_t{0});
  EXPECT_FALSE(PcapngReader::to_ns(1, 20, ns));
  EXPECT_FALSE(PcapngReader::to_ns(1, 0x80 | 64, ns));
}

TEST(PcapngReader, SimplePacketTakesTheSnaplenOfInterfaceZero) {
  Builder b;
  b.section();
  b.interface(1, 4);
  b.simple({1, 2, 3, 4, 5, 6, 7, 8}, 100);
  const Read r = read_all(b.out);
  ASSERT_EQ(r.packets.size(), 1u) << r.error;
  EXPECT_EQ(r.packets[0].caplen, 4u);
  EXPECT_EQ(r.packets[0].origlen, 100u);
}

TEST(PcapngReader, PacketsLongerThanLibpcapsLimitAreCutAndCounted) {
  Builder b;
  b.section();
  b.interface(1, 0);
  b.enhanced(0, 1, Bytes(PcapngReader::kMaxPacket + 100, 0xab));
  const Read r = read_all(b.out);
  ASSERT_EQ(r.packets.size(), 1u) << r.error;
  EXPECT_EQ(r.packets[0].caplen, PcapngReader::kMaxPacket);
  EXPECT_EQ(r.packets[0].origlen, PcapngReader::kMaxPacket + 100);
  EXPECT_EQ(r.cut, 1u);
}

TEST(PcapngReader, DamageStopsAtTheBlockWithAReason) {
  const Bytes good = mixed(false);
  // Where the third packet's block starts: the file less that block (20 bytes).
  const uint64_t last_block = good.size() - 20;
  {
    SCOPED_TRACE("cut inside the last block");
    const Read r = read_all(Bytes(good.begin(), good.end() - 3));
    EXPECT_EQ(r.last, PcapngReader::Next::damaged);
    EXPECT_EQ(r.packets.size(), 2u);
    EXPECT_EQ(r.offset, last_block);
    EXPECT_NE(r.error.find("truncated"), std::string::npos) << r.error;
  }
  {
    SCOPED_TRACE("cut inside a block header");
    const Read r = read_all(Bytes(good.begin(), good.end() - 15));
    EXPECT_EQ(r.last, PcapngReader::Next::damaged);
    EXPECT_EQ(r.packets.size(), 2u);
    EXPECT_NE(r.error.find("truncated"), std::string::npos) << r.error;
  }
  {
    SCOPED_TRACE("trailing length differs");
    Bytes bad = good;
    bad[bad.size() - 4] ^= 0x04;
    const Read r = read_all(bad);
    EXPECT_EQ(r.last, PcapngReader::Next::damaged);
    EXPECT_EQ(r.packets.size(), 2u);
    EXPECT_NE(r.error.find("ends with a length"), std::string::npos) << r.error;
  }
  {
    SCOPED_TRACE("length not a multiple of 4");
    Bytes bad = good;
    bad[last_block + 4] = 21;
    const Read r = read_all(bad);
    EXPECT_EQ(r.last, PcapngReader::Next::damaged);
    EXPECT_NE(r.error.find("multiple of 4"), std::string::npos) << r.error;
  }
  {
    SCOPED_TRACE("a packet on an interface the section does not describe");
    Builder b;
    b.section();
    b.interface(1, 0);
    b.enhanced(1, 1, kA);
    const Read r = read_all(b.out);
    EXPECT_EQ(r.last, PcapngReader::Next::damaged);
    EXPECT_NE(r.error.find("names interface 1"), std::string::npos) << r.error;
  }
  {
    SCOPED_TRACE("a captured length past the block");
    Builder b;
    b.section();
    b.interface(1, 0);
    b.enhanced(0, 1, kA);
    b.out[b.out.size() - 4 - 8 - 8] = 200;  // caplen's low byte
    const Read r = read_all(b.out);
    EXPECT_EQ(r.last, PcapngReader::Next::damaged);
    EXPECT_NE(r.error.find("captured bytes"), std::string::npos) << r.error;
  }
  {
    SCOPED_TRACE("not pcapng");
    const Read r = read_all({1, 0, 0, 0, 12, 0, 0, 0, 12, 0, 0, 0});
    EXPECT_EQ(r.last, PcapngReader::Next::damaged);
    EXPECT_NE(r.error.find("Section Header"), std::string::npos) << r.error;
  }
  {
    SCOPED_TRACE("a version no one writes");
    Builder b;
    b.section(2, 0);
    const Read r = read_all(b.out);
    EXPECT_EQ(r.last, PcapngReader::Next::damaged);
    EXPECT_NE(r.error.find("version 2.0"), std::string::npos) << r.error;
  }
  {
    SCOPED_TRACE("a resolution 64 bits cannot hold");
    Builder b;
    b.section();
    b.interface(1, 0, 25);
    const Read r = read_all(b.out);
    EXPECT_EQ(r.last, PcapngReader::Next::damaged);
    EXPECT_NE(r.error.find("if_tsresol"), std::string::npos) << r.error;
  }
}
