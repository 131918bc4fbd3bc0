#include "report/soc_rules.hpp"

#include <cctype>

namespace flowprobe::report {

std::string_view function_name(Function f) {
  switch (f) {
    case Function::firewall: return "Firewall policy";
    case Function::url: return "URL filtering";
    case Function::vulnerability: return "Vulnerability protection";
    case Function::spyware: return "Anti-spyware";
    case Function::antivirus: return "Antivirus";
    case Function::wildfire: return "WildFire";
    case Function::none: break;
  }
  return "Other";
}

std::string_view function_key(Function f) {
  switch (f) {
    case Function::firewall: return "firewall";
    case Function::url: return "url";
    case Function::vulnerability: return "vulnerability";
    case Function::spyware: return "spyware";
    case Function::antivirus: return "antivirus";
    case Function::wildfire: return "wildfire";
    case Function::none: break;
  }
  return "other";
}

bool parse_function(std::string_view t, Function& out) {
  for (int i = 0; i <= kFunctions; ++i) {
    const Function f = static_cast<Function>(i);
    if (t == function_name(f) || t == function_key(f)) {
      out = f;
      return true;
    }
  }
  return false;
}

Function function_of_category(std::string_view c) {
  static const std::map<std::string_view, Function> table = {
      {"Misc Attack", Function::firewall},
      {"Detection of a Network Scan", Function::firewall},
      {"Attempted Denial of Service", Function::firewall},
      {"Denial of Service", Function::firewall},
      {"Detection of a Denial of Service Attack", Function::firewall},
      {"A Client was Using an Unusual Port", Function::firewall},
      {"Detection of a Non-Standard Protocol or Event", Function::firewall},
      {"Generic ICMP event", Function::firewall},
      {"A TCP Connection was Detected", Function::firewall},
      {"Possible Social Engineering Attempted", Function::url},
      {"Inappropriate Content was Detected", Function::url},
      {"Potential Corporate Privacy Violation", Function::url},
      {"Device Retrieving External IP Address Detected", Function::url},
      {"Attempted User Privilege Gain", Function::vulnerability},
      {"Unsuccessful User Privilege Gain", Function::vulnerability},
      {"Successful User Privilege Gain", Function::vulnerability},
      {"Attempted Administrator Privilege Gain", Function::vulnerability},
      {"Successful Administrator Privilege Gain", Function::vulnerability},
      {"Web Application Attack", Function::vulnerability},
      {"Access to a Potentially Vulnerable Web Application", Function::vulnerability},
      {"Executable Code was Detected", Function::vulnerability},
      {"Attempted Information Leak", Function::vulnerability},
      {"Information Leak", Function::vulnerability},
      {"Large Scale Information Leak", Function::vulnerability},
      {"Decode of an RPC Query", Function::vulnerability},
      {"A System Call was Detected", Function::vulnerability},
      {"Attempt to Login By a Default Username and Password", Function::vulnerability},
      {"An Attempted Login Using a Suspicious Username was Detected", Function::vulnerability},
      {"Targeted Malicious Activity was Detected", Function::vulnerability},
      {"Exploit Kit Activity Detected", Function::vulnerability},
      {"A Network Trojan was Detected", Function::spyware},
      {"Malware Command and Control Activity Detected", Function::spyware},
      {"Domain Observed Used for C2 Detected", Function::spyware},
      {"Possibly Unwanted Program Detected", Function::spyware},
      {"Crypto Currency Mining Activity Detected", Function::spyware},
      {"Successful Credential Theft Detected", Function::spyware},
      {"A Suspicious Filename was Detected", Function::antivirus},
  };
  auto it = table.find(c);
  return it == table.end() ? Function::none : it->second;
}

std::string_view level_name(Level l) {
  switch (l) {
    case Level::fatal: return "Fatal";
    case Level::critical: return "Critical";
    case Level::minor: return "Minor";
    case Level::warning: return "Warning";
    case Level::none: break;
  }
  return "-";
}

Level level_of(int severity, bool shifted) {
  if (shifted) {
    switch (severity) {
      case 1: return Level::fatal;
      case 2: return Level::critical;
      case 3: return Level::minor;
      case 4: return Level::warning;
      default: return severity < 1 ? Level::fatal : Level::none;
    }
  }
  if (severity <= 1) return Level::critical;
  if (severity == 2) return Level::minor;
  if (severity == 3) return Level::warning;
  return Level::none;
}

std::string_view device_severity(int s) {
  if (s <= 1) return "high";
  if (s == 2) return "medium";
  if (s == 3) return "low";
  return "informational";
}

ConnClass conn_class(const FlowRec& f, bool udp_s0) {
  const std::string_view s = f.conn_state;
  if (!s.empty()) {
    if (s == "REJ" || s == "RSTOS0" || s == "SH") return ConnClass::not_established;
    if (s == "S0") return f.protocol == 17 && !udp_s0 ? ConnClass::established : ConnClass::not_established;
    return ConnClass::established;
  }
  if (f.protocol == 6 && (f.present >> static_cast<int>(Field::client_tcp_flags) & 1)) {
    constexpr uint32_t syn = 0x02;
    if ((f.client_flags & syn) && !(f.server_flags & syn)) return ConnClass::not_established;
  }
  return ConnClass::established;
}

std::string_view proto_name(uint8_t p) {
  switch (p) {
    case 6: return "TCP";
    case 17: return "UDP";
    case 132: return "SCTP";
    case 1: return "ICMP";
    case 58: return "ICMPv6";
    default: return "";
  }
}

std::string service_name(uint16_t port, uint8_t proto) {
  static const std::map<uint16_t, std::string_view> names = {
      {20, "FTP-DATA"}, {21, "FTP"},   {22, "SSH"},     {23, "Telnet"},  {25, "SMTP"},     {53, "DNS"},
      {67, "DHCP"},     {68, "DHCP"},  {69, "TFTP"},    {80, "HTTP"},    {110, "POP3"},    {123, "NTP"},
      {135, "MS-RPC"},  {137, "NetBIOS-NS"}, {138, "NetBIOS-DGM"}, {139, "NetBIOS-SSN"}, {143, "IMAP"},
      {161, "SNMP"},    {162, "SNMP-trap"}, {389, "LDAP"}, {443, "HTTPS"}, {445, "SMB"}, {465, "SMTPS"},
      {514, "Syslog"},  {587, "Submission"}, {636, "LDAPS"}, {993, "IMAPS"}, {995, "POP3S"}, {1433, "MS-SQL"},
      {1900, "SSDP"},   {3306, "MySQL"}, {3389, "RDP"}, {5353, "mDNS"}, {5355, "LLMNR"}, {8080, "HTTP-alt"},
      {8443, "HTTPS-alt"}};
  std::string out = std::to_string(port) + "/" + (proto_name(proto).empty() ? std::to_string(proto) : std::string(proto_name(proto)));
  if (auto it = names.find(port); it != names.end() && (proto == 6 || proto == 17))
    out = std::string(it->second) + " (" + out + ")";
  return out;
}

}  // namespace flowprobe::report
