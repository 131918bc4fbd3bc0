#pragma once
// The SOC report's definitions (spec §2.1, §2.4): which monitoring function an alert
// belongs to, its alert level, and whether a flow record was established (the passive
// stand-in for "allowed / blocked").
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "report/record.hpp"

namespace flowprobe::report {

enum class Function : uint8_t { firewall, url, vulnerability, spyware, antivirus, wildfire, none };
inline constexpr int kFunctions = 6;
std::string_view function_name(Function f);  // "Firewall policy", ...
std::string_view function_key(Function f);   // "firewall", "url", ... (narrative keys, CSV)
bool parse_function(std::string_view text, Function& out);  // a name or key

// eve alert.category (the classtype description) → function, by spec §2.4 (a).
Function function_of_category(std::string_view category);

enum class Level : uint8_t { fatal, critical, minor, warning, none };
inline constexpr int kLevels = 4;
std::string_view level_name(Level l);  // "Fatal", "Critical", "Minor", "Warning"
// Severity 1 → Critical, 2 → Minor, 3 → Warning, ≥ 4 → none; `shifted`: 1 → Fatal … 4 → Warning.
Level level_of(int severity, bool shifted);
// The device severity printed in the event tables: 1 high, 2 medium, 3 low, ≥ 4 informational.
std::string_view device_severity(int severity);

enum class ConnClass : uint8_t { established, not_established };
// By CONN_STATE; without it (TCP only) by the SYN flags of both sides (spec §2.1).
ConnClass conn_class(const FlowRec& f, bool udp_s0_not_established);

// "HTTPS", "DNS"... for a port and protocol, for the narratives' "main service".
std::string service_name(uint16_t port, uint8_t proto);
std::string_view proto_name(uint8_t proto);  // "TCP", "UDP", "SCTP", "ICMP", or the number

}  // namespace flowprobe::report
