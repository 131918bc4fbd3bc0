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
  // Fields a macro names that flowprobe cannot export (nProbe: "Unable to locate
  // template 'X'. Discarded."); the caller warns once at start.
  std::vector<std::string> discarded;
};

// Macros -T accepts, each the exact list of an nProbe version (../shared/spec/nprobe-json.md §4):
//   @NTOPNG@ and @NTOPNG_10@  nProbe 10.x probe mode
//   @NTOPNG_9@                nProbe 9.x, in the key order of its syslog/Kafka lines
std::string_view template_macro(std::string_view name);  // "" when unknown

// The template used when -T is not given: every field of the foundation set.
std::string_view default_template_spec();

// Parses `spec`. On error returns false and sets `error` to one message naming the bad
// token and listing what is accepted.
bool parse_template(std::string_view spec, FlowTemplate& out, std::string& error);

}  // namespace flowprobe
