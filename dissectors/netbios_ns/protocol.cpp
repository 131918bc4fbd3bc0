// NetBIOS name service: the protocol's descriptor and its sightings' eve object ("event_type":"netbios_ns").
#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>

#include "dissectors/netbios_ns/netbios_ns.hpp"
#include "dissectors/protocols.hpp"
#include "export/eve.hpp"

namespace flowprobe::dissect {
namespace {

void write_event(const AssetEvent& e, JsonWriter& w) {

  static const char* const kOps[] = {"query", "", "", "", "", "registration", "release", "wack", "refresh", "refresh"};
  const unsigned op = e.op & 15;
  w.key("netbios_ns");
  w.begin_object();
  w.key("opcode");
  w.value_raw_string(op < std::size(kOps) && kOps[op][0] ? kOps[op] : "other");
  w.key("response");
  w.value_raw_string(e.op >= 16 ? "yes" : "no");
  w.key("name");
  w.value_string(e.host_name);
  w.key("service_type");
  w.value_uint(e.msg_types);
  w.key("ttl");
  w.value_uint(e.ttl);
  eve::sender(e, w);
  w.end_object();
}

}  // namespace

const Protocol kNetbiosNsProtocol{
    .name = "netbios_ns",
    .kind = AppKind::netbios_ns,
    .asset = &kNetbiosNsAsset,
    .write_event = write_event,
};

}  // namespace flowprobe::dissect
