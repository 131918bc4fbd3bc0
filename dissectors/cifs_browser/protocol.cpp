// CIFS browser announcements: the protocol's descriptor and its sightings' eve object ("event_type":"cifs_browser").
#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>

#include "dissectors/cifs_browser/cifs_browser.hpp"
#include "dissectors/protocols.hpp"
#include "export/eve.hpp"
#include "export/zeek_format.hpp"

namespace flowprobe::dissect {
namespace {

// [MS-RAP] 2.5.5.2.1 server type bits, Wireshark's short names.
constexpr const char* kServerTypeBits[32] = {
    "workstation", "server", "sql_server", "domain_controller", "backup_controller", "time_source", "apple",
    "novell", "domain_member", "print_queue", "dialin", "xenix", "nt_workstation", "wfw", "", "nt_server",
    "potential_browser", "backup_browser", "master_browser", "domain_master_browser", "osf", "vms",
    "windows_95", "dfs", "", "", "", "", "", "", "local_list_only", "domain_enum"};

void write_event(const AssetEvent& e, JsonWriter& w) {

  const CifsBrowserFields& c = e.u.cifs;
  eve::sighting_head(e, w);
  w.key("cifs_browser");
  w.begin_object();
  w.key("command");
  w.value_raw_string(c.command == 1    ? "host_announcement"
                     : c.command == 12 ? "domain_announcement"
                                       : "local_master_announcement");
  w.key("server_name");
  w.value_json(eve::quoted(e.host_name));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%u.%u", c.os_major, c.os_minor);
  w.key("os_version");
  w.value_raw_string(buf);
  std::snprintf(buf, sizeof buf, "0x%08x", c.server_type);
  w.key("server_type");
  w.value_raw_string(buf);
  std::string a = "[";
  for (unsigned bit = 0; bit < 32; ++bit)
    if ((c.server_type >> bit & 1) && kServerTypeBits[bit][0])
      a.append(a.size() > 1 ? ",\"" : "\"").append(kServerTypeBits[bit]).append("\"");
  w.key("server_types");
  w.value_json(a + "]");
  std::snprintf(buf, sizeof buf, "%u.%u", c.browser_major, c.browser_minor);
  w.key("browser_version");
  w.value_raw_string(buf);
  w.key("comment");
  w.value_json(eve::quoted(e.class_id));
  w.key("periodicity_ms");
  w.value_uint(c.periodicity_ms);
  w.key("netbios_source");
  w.value_json(eve::quoted(e.param_list));
  w.end_object();
}

// mswin-browser.log (spec §2.10): host (1) and local master (15) announcements, the
// sender's name, versions, server type bits and signature as the OsecT sensor writes them
// (server type in hex without leading zeros, the signature as a little-endian word).
bool write_log_key(const AssetEvent& e, std::string& o) {
  using namespace zeek;
  const CifsBrowserFields& c = e.u.cifs;
  if (c.command != 1 && c.command != 15) return false;
  char buf[16];
  put_addr(o, e.ip_version, e.src_ip);
  tab(o);
  put_mac(o, e.src_mac);
  tab(o);
  put_printable(o, e.host_name);
  tab(o);
  put(o, std::string_view(buf, static_cast<std::size_t>(std::snprintf(buf, sizeof buf, "%u.%u", c.os_major, c.os_minor))));
  tab(o);
  put(o, std::string_view(buf, static_cast<std::size_t>(std::snprintf(buf, sizeof buf, "0x%x", c.server_type))));
  tab(o);
  put(o, std::string_view(buf, static_cast<std::size_t>(std::snprintf(buf, sizeof buf, "%u.%u", c.browser_major, c.browser_minor))));
  tab(o);
  put(o, std::string_view(buf, static_cast<std::size_t>(std::snprintf(buf, sizeof buf, "0x%04x", c.signature))));
  tab(o);
  put_printable(o, e.class_id);
  return true;
}

const AssetLog kMswinBrowserLog{
    .name = "mswin-browser",
    .fields = "ts\tsrc_iP\tsrc_mac\tserver_name\tos_version\tserver_type\tbrowser_version\tsignature\thost_comment",
    .types = "time\taddr\tstring\tstring\tstring\tstring\tstring\tstring\tstring",
    .write_key = write_log_key,
};

}  // namespace

const Protocol kCifsBrowserProtocol{
    .name = "cifs_browser",
    .kind = AppKind::cifs_browser,
    .asset = &kCifsBrowserAsset,
    .write_event = write_event,
    .asset_log = &kMswinBrowserLog,
};

}  // namespace flowprobe::dissect
