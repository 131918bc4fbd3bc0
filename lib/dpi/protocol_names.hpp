#pragma once
// nDPI's protocol and category names, read once from a detection module so that the
// exporter can print L7_PROTO / L7_PROTO_NAME / L7_PROTO_CATEGORY from the ids a
// FlowRecord carries (names would not fit in its 256 bytes). Read-only after the first
// call: call protocol_names() before starting lcores, then any thread may read it.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace flowprobe::dpi {

class ProtocolNames {
 public:
  std::string_view protocol(uint16_t id) const;   // "Unknown" for ids nDPI does not have
  std::string_view category(uint16_t id) const;   // "" when unknown
  // nDPI's ndpi_protocol2id / ndpi_protocol2name rule: "master.app" only when the
  // master is known and differs from the app; otherwise the app, or the master if the
  // app is unknown. Appends to `out`.
  void append_id(uint16_t master, uint16_t app, std::string& out) const;
  void append_name(uint16_t master, uint16_t app, std::string& out) const;
  std::size_t protocol_count() const { return protocols_.size(); }

 private:
  friend const ProtocolNames& protocol_names();
  std::vector<std::string> protocols_;
  std::vector<std::string> categories_;
};

const ProtocolNames& protocol_names();

}  // namespace flowprobe::dpi
