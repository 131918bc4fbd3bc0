#include "dpi/protocol_names.hpp"

#include <charconv>
#include <stdexcept>

extern "C" {
#include <ndpi/ndpi_api.h>
}

namespace flowprobe::dpi {

std::string_view ProtocolNames::protocol(uint16_t id) const {
  return id < protocols_.size() ? std::string_view(protocols_[id]) : std::string_view("Unknown");
}

std::string_view ProtocolNames::category(uint16_t id) const {
  return id < categories_.size() ? std::string_view(categories_[id]) : std::string_view();
}

namespace {
void append_number(uint16_t v, std::string& out) {
  char buf[8];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}
}  // namespace

void ProtocolNames::append_id(uint16_t master, uint16_t app, std::string& out) const {
  if (master != NDPI_PROTOCOL_UNKNOWN && master != app) {
    append_number(master, out);
    if (app != NDPI_PROTOCOL_UNKNOWN) {
      out.push_back('.');
      append_number(app, out);
    }
  } else {
    append_number(app, out);
  }
}

void ProtocolNames::append_name(uint16_t master, uint16_t app, std::string& out) const {
  if (master != NDPI_PROTOCOL_UNKNOWN && master != app) {
    out += protocol(master);
    if (app != NDPI_PROTOCOL_UNKNOWN) {
      out.push_back('.');
      out += protocol(app);
    }
  } else {
    out += protocol(app);
  }
}

const ProtocolNames& protocol_names() {
  static const ProtocolNames names = [] {
    ProtocolNames n;
    ndpi_detection_module_struct* mod = ndpi_init_detection_module(ndpi_no_prefs);
    if (mod == nullptr) throw std::runtime_error("nDPI: ndpi_init_detection_module failed");
    ndpi_finalize_initialization(mod);
    const unsigned count = ndpi_get_num_supported_protocols(mod);
    n.protocols_.reserve(count);
    for (unsigned id = 0; id < count; ++id) {
      const char* s = ndpi_get_proto_name(mod, static_cast<u_int16_t>(id));
      n.protocols_.emplace_back(s ? s : "Unknown");
    }
    for (unsigned c = 0; c < NDPI_PROTOCOL_NUM_CATEGORIES; ++c) {
      const char* s = ndpi_category_get_name(mod, static_cast<ndpi_protocol_category_t>(c));
      n.categories_.emplace_back(s ? s : "");
    }
    ndpi_exit_detection_module(mod);
    return n;
  }();
  return names;
}

}  // namespace flowprobe::dpi
