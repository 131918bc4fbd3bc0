#include "export/message_key.hpp"

#include <array>
#include <charconv>
#include <cstring>

#include "export/json_writer.hpp"

namespace flowprobe {

namespace {
void append_ip(const FlowRecord& r, const std::array<uint8_t, 16>& ip, std::string& out) {
  std::array<char, 46> buf{};
  out.append(r.ip_version == 6 ? format_ipv6(ip.data(), buf) : format_ipv4(ip.data(), buf));
}
void append_uint(uint64_t v, std::string& out) {
  char buf[24];
  const auto res = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, static_cast<std::size_t>(res.ptr - buf));
}
}  // namespace

void append_message_key(const FlowRecord& r, MessageKey kind, std::string& out) {
  switch (kind) {
    case MessageKey::none:
      break;
    case MessageKey::src_addr:
      append_ip(r, r.src_ip, out);
      break;
    case MessageKey::flow: {
      const int c = std::memcmp(r.src_ip.data(), r.dst_ip.data(), 16);
      const bool src_first = c < 0 || (c == 0 && r.src_port <= r.dst_port);
      append_uint(r.protocol, out);
      out.push_back('|');
      append_ip(r, src_first ? r.src_ip : r.dst_ip, out);
      out.push_back('|');
      append_uint(src_first ? r.src_port : r.dst_port, out);
      out.push_back('|');
      append_ip(r, src_first ? r.dst_ip : r.src_ip, out);
      out.push_back('|');
      append_uint(src_first ? r.dst_port : r.src_port, out);
      out.push_back('|');
      append_uint(r.vlan, out);
      break;
    }
  }
  out.push_back('\n');
}

bool parse_message_key(std::string_view text, MessageKey& out) {
  if (text == "none") out = MessageKey::none;
  else if (text == "flow" || text == "flow-key") out = MessageKey::flow;
  else if (text == "src-addr" || text == "src" || text == "source") out = MessageKey::src_addr;
  else return false;
  return true;
}

const char* message_key_name(MessageKey k) {
  switch (k) {
    case MessageKey::none: return "none";
    case MessageKey::flow: return "flow";
    case MessageKey::src_addr: return "src-addr";
  }
  return "?";
}

}  // namespace flowprobe
