#pragma once
// nProbe-style -T templates: "%IPV4_SRC_ADDR %L7_PROTO ..." -> an ordered list of
// registry fields. Duplicates are skipped keeping the first, as nProbe does.
#include <string>
#include <string_view>
#include <vector>

#include "export/field_registry.hpp"

namespace flowprobe {

struct FlowTemplate {
  std::vector<const FieldDef*> fields;
  // nProbe elements that flowprobe does not provide, named by a macro or by -T itself
  // (nProbe: "Unable to locate template 'X'. Discarded."); the caller warns once.
  std::vector<std::string> discarded;
};

// Macros -T accepts, each the exact list of an nProbe version (../shared/spec/nprobe-json.md §4):
//   @NTOPNG@ and @NTOPNG_10@  nProbe 10.x probe mode
//   @NTOPNG_9@                nProbe 9.x, in the key order of its syslog/Kafka lines
std::string_view template_macro(std::string_view name);  // "" when unknown

// The template used when -T is not given: every field of the foundation set.
std::string_view default_template_spec();

// Parses `spec`. An nProbe element flowprobe lacks is discarded (out.discarded); an
// unknown token returns false with `error` naming it and the closest known fields.
bool parse_template(std::string_view spec, FlowTemplate& out, std::string& error);

// The one warning for what parse_template discarded; "" when nothing was.
std::string discarded_warning(const FlowTemplate& t);

// Labels of the nProbe elements (../shared/spec/nprobe-json.md §3, §4) that the field
// registry does not provide: -T drops them with a warning instead of failing.
bool is_nprobe_element_not_provided(std::string_view label);

}  // namespace flowprobe
