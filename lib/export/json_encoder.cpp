#include "export/json_encoder.hpp"

#include "export/json_writer.hpp"

namespace flowprobe {

JsonEncoder::JsonEncoder(const FlowTemplate& tmpl, KeyStyle style) {
  columns_.reserve(tmpl.fields.size());
  for (const FieldDef* f : tmpl.fields)
    columns_.push_back({style == KeyStyle::labels ? f->label : numeric_key(*f), f->write});
}

void JsonEncoder::encode(const FlowRecord& record, const ExportContext& ctx, std::string& out) const {
  JsonWriter w(out);
  w.begin_object();
  for (const Column& c : columns_) {
    w.key(c.key);
    c.write(record, ctx, w);
  }
  w.end_object();
  out.push_back('\n');
}

}  // namespace flowprobe
