#include "dns.hpp"

#include <cctype>
#include <stdexcept>

namespace pcapgen {

DnsBuilder::DnsBuilder(uint16_t id, uint16_t flags) { w_.be16(id).be16(flags).zeros(8); }

void DnsBuilder::name(std::string_view n) {
  if (!n.empty() && n.back() == '.') n.remove_suffix(1);
  std::string lower(n);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::size_t pos = 0;
  while (pos < n.size()) {
    const std::string_view suffix = std::string_view(lower).substr(pos);
    for (const auto& [s, off] : suffixes_) {
      if (s == suffix) {
        w_.be16(static_cast<uint16_t>(0xC000 | off));
        return;
      }
    }
    if (w_.size() < 0x3FFF) suffixes_.emplace_back(std::string(suffix), static_cast<uint16_t>(w_.size()));
    std::size_t dot = n.find('.', pos);
    if (dot == std::string_view::npos) dot = n.size();
    const std::string_view label = n.substr(pos, dot - pos);
    if (label.empty() || label.size() > 63) throw std::invalid_argument("bad DNS name");
    w_.u8(static_cast<uint8_t>(label.size())).str(label);
    pos = dot + 1;
  }
  w_.u8(0);
}

ByteWriter::LenMark DnsBuilder::rr(Section s, std::string_view owner, uint16_t type, uint16_t cls, uint32_t ttl) {
  for (int later = s + 1; later <= kAr; ++later)
    if (count_[later]) throw std::logic_error("DNS sections out of order");
  ++count_[s];
  name(owner);
  w_.be16(type).be16(cls).be32(ttl);
  return w_.begin_len(2);
}

DnsBuilder& DnsBuilder::question(std::string_view n, uint16_t type) {
  if (count_[kAn] || count_[kNs] || count_[kAr]) throw std::logic_error("DNS sections out of order");
  ++count_[kQd];
  name(n);
  w_.be16(type).be16(1);
  return *this;
}

DnsBuilder& DnsBuilder::answer_a(std::string_view n, uint32_t ttl, const IpAddr& ip) {
  auto len = rr(kAn, n, dns::type_a, 1, ttl);
  w_.bytes(ip.span());
  w_.end_len(len);
  return *this;
}

DnsBuilder& DnsBuilder::answer_aaaa(std::string_view n, uint32_t ttl, const IpAddr& ip) {
  auto len = rr(kAn, n, dns::type_aaaa, 1, ttl);
  w_.bytes(ip.span());
  w_.end_len(len);
  return *this;
}

DnsBuilder& DnsBuilder::answer_cname(std::string_view n, uint32_t ttl, std::string_view target) {
  auto len = rr(kAn, n, dns::type_cname, 1, ttl);
  name(target);
  w_.end_len(len);
  return *this;
}

DnsBuilder& DnsBuilder::authority_soa(std::string_view zone, uint32_t ttl, std::string_view mname,
                                      std::string_view rname, uint32_t serial, uint32_t refresh, uint32_t retry,
                                      uint32_t expire, uint32_t minimum) {
  auto len = rr(kNs, zone, dns::type_soa, 1, ttl);
  name(mname);
  name(rname);
  w_.be32(serial).be32(refresh).be32(retry).be32(expire).be32(minimum);
  w_.end_len(len);
  return *this;
}

DnsBuilder& DnsBuilder::edns(uint16_t udp_payload_size) {
  ++count_[kAr];
  w_.u8(0).be16(dns::type_opt).be16(udp_payload_size).be32(0).be16(0);  // root, no options
  return *this;
}

Bytes DnsBuilder::finish() {
  for (int i = 0; i < 4; ++i) w_.patch_be16(4 + 2 * static_cast<std::size_t>(i), count_[i]);
  return w_.take();
}

}  // namespace pcapgen
