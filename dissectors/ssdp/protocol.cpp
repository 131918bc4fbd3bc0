// SSDP: the protocol's descriptor and its sightings' eve object ("event_type":"ssdp").
#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>

#include "dissectors/ssdp/ssdp.hpp"
#include "dissectors/protocols.hpp"
#include "export/eve.hpp"
#include "export/zeek_format.hpp"

namespace flowprobe::dissect {
namespace {

void write_event(const AssetEvent& e, JsonWriter& w) {

  w.key("ssdp");
  w.begin_object();
  w.key("method");
  w.value_string(e.class_id);
  w.key("server");
  w.value_string(e.host_name);
  w.key("user_agent");
  w.value_string(e.param_list);
  eve::sender(e, w);
  w.end_object();
}

// ssdp.log (spec §2.12): the method in the OsecT sensor's words, and the header that
// names the sender: SERVER for a NOTIFY or a search response, USER-AGENT for a search.
bool write_log_key(const AssetEvent& e, std::string& o) {
  using namespace zeek;
  const std::string_view method = e.class_id;
  const bool search = method == "M-SEARCH";
  put_addr(o, e.ip_version, e.src_ip);
  tab(o);
  put_mac(o, e.src_mac);
  tab(o);
  put(o, search ? "M-SEARCH Request" : method == "NOTIFY" ? "NOTIFY" : "M-SEARCH Response");
  tab(o);
  put_str_or_unset(o, search ? std::string_view(e.param_list) : std::string_view(e.host_name));
  return true;
}

const AssetLog kSsdpLog{
    .name = "ssdp",
    .fields = "ts\tsrc_ip\tsrc_mac\tmethod\tserver_or_user_agent",
    .types = "time\taddr\tstring\tstring\tstring",
    .write_key = write_log_key,
};

}  // namespace

const Protocol kSsdpProtocol{
    .name = "ssdp",
    .kind = AppKind::ssdp,
    .asset = &kSsdpAsset,
    .write_event = write_event,
    .asset_log = &kSsdpLog,
};

}  // namespace flowprobe::dissect
