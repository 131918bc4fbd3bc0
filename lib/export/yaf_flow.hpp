#pragma once
// yaf_flow.log of the OsecT profile (../shared/spec/osect-logs.md §2.2): flows whose
// transport is not TCP, UDP, ICMP or ICMPv6 (GRE, ESP, OSPF, VRRP, SCTP, …), one row per
// flow record in the columns and wording of `yafscii --tabular --mac` as the sensor's
// converter (yaf.awk) rewrites them. Written by ZeekLogWriter, which owns the file.
#include <cstdint>
#include <string>
#include <string_view>

#include "flow/flow_record.hpp"

namespace flowprobe {

// The transports conn.log keeps; every other IP protocol goes to yaf_flow.log.
constexpr bool conn_log_transport(uint8_t ip_protocol) {
  return ip_protocol == 6 || ip_protocol == 17 || ip_protocol == 1 || ip_protocol == 58;
}

// The file's one header line, as the sensor's yaf.sh inserts it (space separated, with
// its "pktoct" and "destMacAddress" spellings), without the newline.
extern const std::string_view kYafFlowHeader;

// The `proto` column: the converter's keyword for an IP protocol ("gre", "esp",
// "ospfigp", "vrrp", "sctp", …), or "Unassigned Protocol(N)" (`tmp` holds that text).
std::string_view yaf_proto_name(uint8_t ip_protocol, char (&tmp)[32]);

// One row, without the newline.
void put_yaf_row(std::string& o, const FlowRecord& r);

}  // namespace flowprobe
