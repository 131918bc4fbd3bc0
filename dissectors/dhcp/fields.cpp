// DHCP's -T template rows: what the flow's messages said (nProbe has no ids for these,
// so the label is the key).
#include "dissectors/dhcp/dhcp.hpp"
#include "export/field_format.hpp"

namespace flowprobe::dissect {
namespace {

using W = JsonWriter;
using R = FlowRecord;
using C = ExportContext;
const DhcpMeta* dhcp(const C& c) { return c.app ? c.app->dhcp() : nullptr; }

constexpr FieldDef kRows[] = {
    {"DHCP_HOST_NAME", 0, 0, JsonType::string, {}, "DHCP host name (option 12)",
     [](const R&, const C& c, W& w) { field::str(dhcp(c) ? &dhcp(c)->host_name : nullptr, w); }},
    {"DHCP_CLASS_ID", 0, 0, JsonType::string, {}, "DHCP vendor class identifier (option 60)",
     [](const R&, const C& c, W& w) { field::str(dhcp(c) ? &dhcp(c)->class_id : nullptr, w); }},
    {"DHCP_PARAM_LIST", 0, 0, JsonType::string, {}, "DHCP parameter request list (option 55), comma separated",
     [](const R&, const C& c, W& w) { field::str(dhcp(c) ? &dhcp(c)->param_list : nullptr, w); }},
    {"DHCP_MSG_TYPES", 0, 0, JsonType::number, {}, "bitmap of the DHCP message types seen (bit n: type n, 1 DISCOVER .. 8 INFORM)",
     [](const R&, const C& c, W& w) { w.value_uint(dhcp(c) ? dhcp(c)->msg_types : 0); }},
    {"DHCP_REQUESTED_IP", 0, 0, JsonType::string, {}, "address the client asked for (option 50)",
     [](const R&, const C& c, W& w) { field::ipv4_text(dhcp(c) ? dhcp(c)->requested_ip : std::array<uint8_t, 4>{}, w); }},
    {"DHCP_ASSIGNED_IP", 0, 0, JsonType::string, {}, "address the server offered or acknowledged (yiaddr)",
     [](const R&, const C& c, W& w) { field::ipv4_text(dhcp(c) ? dhcp(c)->assigned_ip : std::array<uint8_t, 4>{}, w); }},
    {"DHCP_CLIENT_MAC", 0, 0, JsonType::string, {}, "client hardware address (chaddr)",
     [](const R&, const C& c, W& w) { field::mac_text(dhcp(c) ? dhcp(c)->client_mac : std::array<uint8_t, 6>{}, w); }},
};

}  // namespace

const std::span<const FieldDef> kDhcpFields = kRows;

}  // namespace flowprobe::dissect
