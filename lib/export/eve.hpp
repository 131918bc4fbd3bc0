#pragma once
// The eve encoder: Suricata's eve JSON for every record that is not a flow (alerts,
// asset sightings, transactions), one envelope and one set of formats. Protocols write
// their own object through their descriptor (dissectors/<name>/eve.cpp) with the helpers
// below; the envelope and the choice of writer are made here.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "assets/asset_event.hpp"
#include "export/json_writer.hpp"

namespace flowprobe {

namespace sig {
struct Alert;
class SignatureEngine;
}  // namespace sig
namespace dpi {
struct TxRecord;
}

namespace eve {

// Suricata prints MACs in lower case.
std::string_view mac_lower(const std::array<uint8_t, 6>& m, std::array<char, 17>& buf);
// "aa:bb:…", Suricata's format_addr_hex.
std::string hex_bytes(const uint8_t* p, std::size_t n);
// A JSON string (quotes included) as eve writes it: control bytes (a host name's trailing
// NUL) as \u00XX rather than dropped, bytes above 0x7f as their Latin-1 code point so
// the line stays valid UTF-8.
std::string quoted(std::string_view v);
// An address as text: IPv4 (the first four bytes) or IPv6.
std::string_view addr(const std::array<uint8_t, 16>& a, uint8_t version, std::array<char, 46>& buf);
std::string_view ipv4(const std::array<uint8_t, 4>& a, std::array<char, 46>& buf);
// "vlan":[id] as Suricata writes it (a list, outer tag first; we keep one), nothing for 0.
void vlan(uint16_t id, JsonWriter& w);
// eve's "proto": "TCP", "UDP", "ICMP", "IPv6-ICMP", … or the number.
std::string_view proto_name(uint8_t p, std::array<char, 8>& buf);

// After "event_type": [vlan,] src_ip, src_port, dest_ip, dest_port, proto, ether.{src_mac,
// dest_mac}: the envelope of the sightings that have one (DHCP, DHCPv6, CIFS browser,
// CC-Link).
void sighting_head(const AssetEvent& e, JsonWriter& w);
// The sender's MAC and address ("src_mac", "src_ip"), closing most sightings' objects.
void sender(const AssetEvent& e, JsonWriter& w);

}  // namespace eve

// One asset sighting: {"timestamp":…,"event_type":"arp", then its protocol's object
// (Protocol::write_event)}. The README's "Asset events" lists every key.
void write_event_json(const AssetEvent& e, JsonWriter& w);

struct AlertJsonOptions {
  bool community_id = true;     // "community_id": "1:…" (Corelight community-id v1)
  uint16_t community_id_seed = 0;
};

// One Suricata eve "alert" record:
// {"timestamp":"2019-08-27T12:00:00.123456+0000","flow_id":…,"event_type":"alert",
//  "src_ip":…,"src_port":…,"dest_ip":…,"dest_port":…,"proto":"TCP","community_id":…,
//  "app_proto":"http","alert":{"action":"allowed","gid":1,"signature_id":…,"rev":…,
//  "signature":"…","category":"…","severity":…}}
// The rule's texts (msg, classtype) come from the rule set that raised it.
void write_alert_json(const sig::Alert& alert, const sig::SignatureEngine& engine, JsonWriter& w,
                      const AlertJsonOptions& options = {});

// One transaction in Suricata's eve shape for its protocol ("event_type":"http", "dns",
// "tls", "quic", "ssh", "dhcp", …): the envelope an alert has (timestamp, flow_id, the
// 5-tuple, community_id), "tx_id" (its place in the flow, from 0), then its protocol's
// object (Protocol::write_eve). A DNS transaction makes two records, its query and its
// response (part 0 and 1, the response from the server's side, as Suricata logs them).
unsigned transaction_eve_parts(const dpi::TxRecord& tx);
void write_transaction_json(const dpi::TxRecord& tx, unsigned part, JsonWriter& w, const AlertJsonOptions& options = {});

}  // namespace flowprobe
