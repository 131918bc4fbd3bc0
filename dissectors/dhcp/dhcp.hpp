#pragma once
// DHCP (BOOTP with the magic cookie): message types, host name (option 12), parameter
// request list (55), class id (60), requested address (50), client MAC and the address
// a server assigned. A DHCP exchange spans several 5-tuples (broadcast, then unicast),
// so each flow records what its own messages carried; the asset path (kDhcpAsset, the
// same protocol's asset parser) reports every message on its own, in Suricata's eve "dhcp" terms.
// Both read the options through one walker that honours option overload (52).
#include <cstdint>
#include <span>

#include "assets/asset_event.hpp"
#include "dissectors/dissector.hpp"
#include "dissectors/protocol.hpp"

namespace flowprobe::dissect {

// Flow metadata from one message; false when it is not DHCP (short, no cookie).
bool parse_dhcp_message(std::span<const uint8_t> msg, DhcpMeta& m);
// One message in full, for an asset event: the BOOTP header and the options eve
// reports. Host name and vendor class go to the texts given. False as above.
bool parse_dhcp_fields(std::span<const uint8_t> msg, DhcpFields& f, char (&host_name)[64], char (&class_id)[128]);

struct DhcpState {
  Parse parse(const PacketContext& c, AppMetadata& m) noexcept;
};

Probe dhcp_probe(const PacketContext& c) noexcept;
extern const Dissector kDhcpDissector;


// The rest of what the protocol owns (protocol.cpp puts them in its descriptor).
extern const std::span<const FieldDef> kDhcpFields;  // fields.cpp: its -T rows
extern const ZeekLog kDhcpLog;                        // zeek.cpp: dhcp.log
extern const AssetDissector kDhcpAsset;  // dhcp.cpp: every message as a sighting
void dhcp_write_event(const AssetEvent& e, JsonWriter& w);  // eve.cpp: a sighting
extern const AssetLog kDhcp2Log;                      // dhcp2.cpp: the OsecT sensor's dhcp2.log
void dhcp_write_eve(const AppMetadata& tx, uint32_t tx_id, uint8_t part, JsonWriter& w);  // eve.cpp: a transaction

}  // namespace flowprobe::dissect
