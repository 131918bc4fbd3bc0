// SSDP: the protocol's descriptor and its sightings' eve object ("event_type":"ssdp").
#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>

#include "dissectors/ssdp/ssdp.hpp"
#include "dissectors/protocols.hpp"
#include "export/eve.hpp"

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

}  // namespace

const Protocol kSsdpProtocol{
    .name = "ssdp",
    .kind = AppKind::ssdp,
    .asset = &kSsdpAsset,
    .write_event = write_event,
};

}  // namespace flowprobe::dissect
