#pragma once
// Turns FlowRecords into nProbe JSON: one compact object per record, keys in template
// order, numeric keys ("8", "35632.57590") or labels (--json-labels).
#include <string>
#include <string_view>
#include <vector>

#include "export/field_registry.hpp"
#include "export/flow_template.hpp"

namespace flowprobe {

enum class KeyStyle { numeric, labels };

class JsonEncoder {
 public:
  JsonEncoder(const FlowTemplate& tmpl, KeyStyle style);

  // Appends one JSON object and a trailing '\n' to `out`.
  void encode(const FlowRecord& record, const ExportContext& ctx, std::string& out) const;

 private:
  struct Column {
    std::string_view key;
    void (*write)(const FlowRecord&, const ExportContext&, JsonWriter&);
  };
  std::vector<Column> columns_;
};

}  // namespace flowprobe
