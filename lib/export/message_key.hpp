#pragma once
// Message keys for partitioned sinks (Kafka): records with the same key land on the same
// partition, so a consumer sees a flow's records (lifetime splits) in order.
#include <string>
#include <string_view>

#include "export/sink.hpp"
#include "flow/flow_record.hpp"

namespace flowprobe {

// Appends the key of `r` and a '\n'. flow: the 5-tuple (plus VLAN) with the lower
// (address, port) side first, so both directions and every split of a flow agree;
// src_addr: the client address, so one host's flows stay together.
void append_message_key(const FlowRecord& r, MessageKey kind, std::string& out);

// "none", "flow", "src-addr" (also "flow-key", "src", "source") → kind. False if unknown.
bool parse_message_key(std::string_view text, MessageKey& out);
const char* message_key_name(MessageKey k);

}  // namespace flowprobe
