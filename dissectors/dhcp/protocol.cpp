// DHCP: the protocol's descriptor (dissectors/table.hpp lists it). It has both a flow
// dissector (a flow's messages, for its record and dhcp.log) and an asset parser (each
// message as an eve "dhcp" sighting).
#include "dissectors/dhcp/dhcp.hpp"
#include "dissectors/protocols.hpp"

namespace flowprobe::dissect {

const Protocol kDhcpProtocol{
    .name = "dhcp",
    .kind = AppKind::dhcp,
    .flow = &kDhcpDissector,
    .asset = &kDhcpAsset,
    .fields = kDhcpFields,
    .zeek_service = "dhcp",
    .zeek_log = &kDhcpLog,
    .write_event = dhcp_write_event,
    .eve_type = "dhcp",
    .write_eve = dhcp_write_eve,
    .asset_log = &kDhcp2Log,
};

}  // namespace flowprobe::dissect
