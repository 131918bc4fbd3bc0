#pragma once
// DNS messages in wire format (RFC 1035) with name compression: every name written,
// owner names and names inside RDATA alike, reuses the longest suffix already in the
// message as a pointer.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bytes.hpp"
#include "net.hpp"

namespace pcapgen {

namespace dns {
inline constexpr uint16_t type_a = 1, type_ns = 2, type_cname = 5, type_soa = 6, type_aaaa = 28, type_opt = 41;
inline constexpr uint16_t flags_query = 0x0100;      // RD
inline constexpr uint16_t flags_response = 0x8180;   // QR RD RA, NOERROR
inline constexpr uint16_t flags_nxdomain = 0x8183;   // QR RD RA, NXDOMAIN
}  // namespace dns

// Sections must be added in order: questions, answers, authority, additional.
class DnsBuilder {
 public:
  DnsBuilder(uint16_t id, uint16_t flags);

  DnsBuilder& question(std::string_view name, uint16_t type);
  DnsBuilder& answer_a(std::string_view name, uint32_t ttl, const IpAddr& ip);
  DnsBuilder& answer_aaaa(std::string_view name, uint32_t ttl, const IpAddr& ip);
  DnsBuilder& answer_cname(std::string_view name, uint32_t ttl, std::string_view target);
  DnsBuilder& authority_soa(std::string_view zone, uint32_t ttl, std::string_view mname, std::string_view rname,
                            uint32_t serial, uint32_t refresh, uint32_t retry, uint32_t expire, uint32_t minimum);
  // EDNS(0) OPT pseudo-record in the additional section.
  DnsBuilder& edns(uint16_t udp_payload_size);

  Bytes finish();

 private:
  enum Section { kQd, kAn, kNs, kAr };
  ByteWriter::LenMark rr(Section s, std::string_view name, uint16_t type, uint16_t cls, uint32_t ttl);
  void name(std::string_view n);

  ByteWriter w_;
  std::vector<std::pair<std::string, uint16_t>> suffixes_;  // lower-cased suffix -> offset
  uint16_t count_[4] = {0, 0, 0, 0};
};

}  // namespace pcapgen
