#include "signatures/alert.hpp"

#include <cstring>

#include "flow/community_id.hpp"
#include "flow/flow_record.hpp"

namespace flowprobe::sig {

std::string community_id_v1(const uint8_t* src_ip, const uint8_t* dst_ip, uint8_t ip_version, uint8_t proto,
                            uint16_t src_port, uint16_t dst_port, uint16_t seed) {
  // lib/flow owns the hash; an alert is described to it as a one-packet flow.
  FlowRecord r;
  std::memcpy(r.src_ip.data(), src_ip, 16);
  std::memcpy(r.dst_ip.data(), dst_ip, 16);
  r.ip_version = ip_version;
  r.protocol = proto;
  r.src_port = src_port;
  r.dst_port = dst_port;
  if (proto == 1 || proto == 58) r.icmp_type = static_cast<uint16_t>(src_port << 8 | (dst_port & 0xff));
  CommunityIdText buf;
  return std::string(community_id(r, buf, seed));
}


}  // namespace flowprobe::sig
