#include "io/pcapng_reader.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>

namespace flowprobe {

namespace {

constexpr uint32_t kSectionHeader = 0x0A0D0D0A;
constexpr uint32_t kInterfaceDescription = 1;
constexpr uint32_t kObsoletePacket = 2;
constexpr uint32_t kSimplePacket = 3;
constexpr uint32_t kEnhancedPacket = 6;
constexpr uint16_t kOptEnd = 0, kOptTsresol = 9, kOptTsoffset = 14;

uint32_t bswap32(uint32_t v) { return __builtin_bswap32(v); }
uint16_t bswap16(uint16_t v) { return __builtin_bswap16(v); }

std::string hex32(uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof(b), "0x%08x", v);
  return b;
}

uint64_t saturate(unsigned __int128 v) {
  return v > std::numeric_limits<uint64_t>::max() ? std::numeric_limits<uint64_t>::max() : static_cast<uint64_t>(v);
}

}  // namespace

bool PcapngReader::looks_like_pcapng(std::span<const uint8_t> head) {
  return head.size() >= 4 && head[0] == 0x0A && head[1] == 0x0D && head[2] == 0x0D && head[3] == 0x0A;
}

bool PcapngReader::to_ns(uint64_t units, uint8_t tsresol, uint64_t& ns) {
  const unsigned n = tsresol & 0x7f;
  if (tsresol & 0x80) {
    if (n > 63) return false;
    ns = saturate((static_cast<unsigned __int128>(units) * 1'000'000'000u) >> n);
    return true;
  }
  if (n > 19) return false;
  uint64_t p = 1;
  if (n <= 9) {
    for (unsigned i = n; i < 9; ++i) p *= 10;
    ns = saturate(static_cast<unsigned __int128>(units) * p);
  } else {
    for (unsigned i = 9; i < n; ++i) p *= 10;
    ns = units / p;
  }
  return true;
}

uint16_t PcapngReader::u16(const uint8_t* p) const {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return swapped_ ? bswap16(v) : v;
}

uint32_t PcapngReader::u32(const uint8_t* p) const {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return swapped_ ? bswap32(v) : v;
}

bool PcapngReader::fail(std::string why) {
  failed_ = true;
  error_ = std::move(why);
  return false;
}

// Reads the block at offset_ whole. False at a clean end of file (error_ empty) or on
// damage (error_ set). The block's length is checked before anything is allocated.
bool PcapngReader::read_block(uint32_t& type, std::span<const uint8_t>& body) {
  uint8_t head[12];
  const std::size_t got = std::fread(head, 1, 8, file_);
  if (got == 0 && sections_ > 0) return false;
  const auto at = [this] { return " at byte " + std::to_string(offset_); };
  if (got < 8) return fail("truncated: a block header" + at() + " is cut after " + std::to_string(got) + " bytes");
  std::memcpy(&type, head, 4);
  std::size_t have = 8;
  if (type == kSectionHeader) {
    if (std::fread(head + 8, 1, 4, file_) != 4) return fail("truncated: the section header" + at() + " is cut");
    have = 12;
    if (head[8] == 0x4D && head[9] == 0x3C && head[10] == 0x2B && head[11] == 0x1A)
      swapped_ = std::endian::native != std::endian::little;
    else if (head[8] == 0x1A && head[9] == 0x2B && head[10] == 0x3C && head[11] == 0x4D)
      swapped_ = std::endian::native != std::endian::big;
    else
      return fail("the section header" + at() + " has no byte-order magic 0x1A2B3C4D");
  } else if (sections_ == 0) {
    return fail("not a pcapng file: it does not start with a Section Header Block");
  } else if (swapped_) {
    type = bswap32(type);
  }
  const uint32_t len = u32(head + 4);
  const uint32_t least = type == kSectionHeader ? 28 : 12;
  if (len < least || len % 4 != 0 || len > kMaxBlock)
    return fail("a block" + at() + " (type " + hex32(type) + ") has a length of " + std::to_string(len) +
                " bytes, not a multiple of 4 from " + std::to_string(least) + " to " + std::to_string(kMaxBlock));
  // Grown as the bytes arrive, so that a length the file does not hold costs nothing.
  buf_.resize(have);
  std::memcpy(buf_.data(), head, have);
  std::size_t filled = have;
  while (filled < len) {
    const std::size_t chunk = std::min<std::size_t>(len - filled, std::max<std::size_t>(filled, 65536));
    buf_.resize(filled + chunk);
    const std::size_t got_now = std::fread(buf_.data() + filled, 1, chunk, file_);
    filled += got_now;
    if (got_now < chunk)
      return fail("truncated: the block" + at() + " needs " + std::to_string(len) + " bytes, the file holds " +
                  std::to_string(filled));
  }
  if (u32(buf_.data() + len - 4) != len)
    return fail("the block" + at() + " ends with a length of " + std::to_string(u32(buf_.data() + len - 4)) +
                ", not the " + std::to_string(len) + " it starts with");
  body = std::span<const uint8_t>(buf_.data() + 8, len - 12);
  return true;
}

bool PcapngReader::section_header(std::span<const uint8_t> body) {
  const uint16_t major = u16(body.data() + 4), minor = u16(body.data() + 6);
  // Version 1.2 was written by a few tools for files that are 1.0 (libpcap reads both).
  if (major != 1 || (minor != 0 && minor != 2))
    return fail("section " + std::to_string(sections_ + 1) + " is pcapng version " + std::to_string(major) + "." +
                std::to_string(minor) + "; readable: 1.0");
  ++sections_;
  section_first_ = static_cast<uint32_t>(interfaces_.size());
  return true;
}

bool PcapngReader::interface_description(std::span<const uint8_t> body) {
  const std::string at = "the interface description at byte " + std::to_string(offset_);
  if (body.size() < 8) return fail(at + " is too short");
  if (interfaces_.size() >= kMaxInterfaces)
    return fail(at + " is interface " + std::to_string(kMaxInterfaces + 1) + "; flowprobe reads at most " +
                std::to_string(kMaxInterfaces));
  PcapngInterface i;
  i.link_type = u16(body.data());
  i.snaplen = u32(body.data() + 4);
  i.section = sections_ - 1;
  std::span<const uint8_t> opts = body.subspan(8);
  while (opts.size() >= 4) {
    const uint16_t code = u16(opts.data()), len = u16(opts.data() + 2);
    if (code == kOptEnd) break;
    const std::size_t padded = (std::size_t{len} + 3) & ~std::size_t{3};
    if (padded > opts.size() - 4)
      return fail(at + " has an option (code " + std::to_string(code) + ") that overruns it");
    const uint8_t* v = opts.data() + 4;
    if (code == kOptTsresol) {
      if (len != 1) return fail(at + " has an if_tsresol of " + std::to_string(len) + " bytes, not 1");
      uint64_t probe;
      if (!to_ns(1, v[0], probe))
        return fail(at + " has an if_tsresol of " + std::string(v[0] & 0x80 ? "2^-" : "10^-") +
                    std::to_string(v[0] & 0x7f) + " s, finer than 64-bit timestamps can hold");
      i.tsresol = v[0];
    } else if (code == kOptTsoffset) {
      if (len != 8) return fail(at + " has an if_tsoffset of " + std::to_string(len) + " bytes, not 8");
      uint64_t raw;
      std::memcpy(&raw, v, 8);
      if (swapped_) raw = __builtin_bswap64(raw);
      i.tsoffset_s = static_cast<int64_t>(raw);
    }
    opts = opts.subspan(4 + padded);
  }
  interfaces_.push_back(i);
  return true;
}

bool PcapngReader::packet(uint32_t iface, uint64_t ts, uint32_t caplen, uint32_t origlen,
                          std::span<const uint8_t> data, PcapngPacket& out) {
  const uint32_t in_section = static_cast<uint32_t>(interfaces_.size()) - section_first_;
  if (iface >= in_section)
    return fail("the packet block at byte " + std::to_string(offset_) + " names interface " + std::to_string(iface) +
                "; its section describes " + std::to_string(in_section));
  const PcapngInterface& i = interfaces_[section_first_ + iface];
  uint64_t ns = 0;
  to_ns(ts, i.tsresol, ns);  // the resolution was checked when the interface was read
  const __int128 shifted = static_cast<__int128>(ns) + static_cast<__int128>(i.tsoffset_s) * 1'000'000'000;
  out.ts_ns = shifted < 0 ? 0 : saturate(static_cast<unsigned __int128>(shifted));
  out.interface = section_first_ + iface;
  out.link_type = i.link_type;
  out.caplen = std::min(caplen, kMaxPacket);
  if (caplen > kMaxPacket) ++cut_;
  out.origlen = std::max(origlen, caplen);
  out.data = data.data();
  last_ts_ns_ = out.ts_ns;
  ++packets_;
  return true;
}

PcapngReader::Next PcapngReader::next(PcapngPacket& out) {
  while (!failed_) {
    uint32_t type = 0;
    std::span<const uint8_t> body;
    if (!read_block(type, body)) return failed_ ? Next::damaged : Next::end;
    const auto at = [this] { return " at byte " + std::to_string(offset_); };
    bool ok = true, got = false;
    switch (type) {
      case kSectionHeader:
        ok = section_header(body);
        break;
      case kInterfaceDescription:
        ok = interface_description(body);
        break;
      case kEnhancedPacket:
      case kObsoletePacket: {
        if (body.size() < 20) {
          ok = fail("the packet block" + at() + " is too short");
          break;
        }
        const bool epb = type == kEnhancedPacket;
        const uint32_t iface = epb ? u32(body.data()) : u16(body.data());
        const uint64_t ts = (uint64_t{u32(body.data() + 4)} << 32) | u32(body.data() + 8);
        const uint32_t caplen = u32(body.data() + 12), origlen = u32(body.data() + 16);
        if (uint64_t{caplen} > body.size() - 20) {
          ok = fail("the packet block" + at() + " claims " + std::to_string(caplen) + " captured bytes; it holds " +
                    std::to_string(body.size() - 20));
          break;
        }
        ok = got = packet(iface, ts, caplen, origlen, body.subspan(20, caplen), out);
        break;
      }
      case kSimplePacket: {
        if (body.size() < 4) {
          ok = fail("the simple packet block" + at() + " is too short");
          break;
        }
        if (interfaces_.size() == section_first_) {
          ok = fail("the simple packet block" + at() + " comes before any interface description");
          break;
        }
        // No captured length is written: the spec's min(original length, snaplen of
        // interface 0), bounded by what the block holds. No timestamp either.
        const uint32_t origlen = u32(body.data());
        const uint32_t snap = interfaces_[section_first_].snaplen;
        uint64_t caplen = std::min<uint64_t>(origlen, body.size() - 4);
        if (snap != 0) caplen = std::min<uint64_t>(caplen, snap);
        const uint64_t keep = last_ts_ns_;
        ok = got = packet(0, 0, static_cast<uint32_t>(caplen), origlen, body.subspan(4, caplen), out);
        if (got) out.ts_ns = last_ts_ns_ = keep;
        break;
      }
      default:
        ++skipped_blocks_;
        break;
    }
    if (!ok) return Next::damaged;
    offset_ += body.size() + 12;
    if (got) return Next::packet;
  }
  return Next::damaged;
}

}  // namespace flowprobe
