#pragma once
// The field registry is data: one row per exportable element, with its nProbe/IPFIX id,
// label, aliases, JSON type and how to read it from a FlowRecord. Templates are lists of
// rows; later stages add fields by adding rows. Ids, labels and types follow
// ../shared/spec/nprobe-json.md.
#include <cstdint>
#include <span>
#include <string_view>

#include "dissectors/app_metadata.hpp"
#include "flow/flow_record.hpp"

namespace flowprobe {

class JsonWriter;
class GeoLookup;

inline constexpr uint32_t kNtopPen = 35632;
inline constexpr uint32_t kNtopBaseId = 57472;  // NFv9 id = kNtopBaseId + IPFIX id

enum class JsonType : uint8_t {
  number,   // bare JSON integer
  decimal,  // JSON number with 3 decimals (latencies)
  string,
};

// Values the exporter knows that are not in the record itself.
struct ExportContext {
  uint64_t flow_sequence = 0;      // TOTAL_FLOWS_EXP: 1 for the first record exported
  uint32_t sampling_interval = 1;  // 1 = unsampled
  uint16_t community_id_seed = 0;  // Zeek's and Suricata's default is 0
  // The record's dissector metadata (DNS, HTTP, TLS, DHCP), nullptr when it has none.
  const dissect::AppMetadata* app = nullptr;
  // Geo/AS enrichment (--city-list, --as-list); nullptr: those fields print "" and 0.
  GeoLookup* geo = nullptr;
};

struct FieldDef {
  std::string_view label;       // -T %LABEL and the --json-labels key
  uint32_t pen;                 // 0 = IANA, 35632 = ntop
  uint32_t id;                  // IANA element id, or ntop IPFIX id (NFv9 = id + 57472);
                                // pen 0 and id 0: an extension field keyed by its label
  JsonType type;
  std::string_view aliases[3];  // older or alternative labels accepted in -T
  std::string_view help;
  void (*write)(const FlowRecord&, const ExportContext&, JsonWriter&);
};

// Every field flowprobe can export, in registry order.
std::span<const FieldDef> field_registry();

// Looks a label or alias up (exact, then case-insensitive). nullptr when unknown.
const FieldDef* find_field(std::string_view label);

// The numeric JSON key: "8" for IANA elements, "35632.57590" for ntop ones.
std::string_view numeric_key(const FieldDef& f);

}  // namespace flowprobe
