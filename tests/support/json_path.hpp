#pragma once
// Reads one value of a JSON object by eve's dotted path ("dns.answers[0].rrname"), as
// suricata-verify's test.yaml names them, for tests that check our JSON against those.
#include <simdjson.h>

#include <string>
#include <string_view>

namespace flowprobe::test {

// The value at `dotted` as text (strings as they are, integers in decimal); false when
// the path is absent or names an object, array, bool or float.
inline bool json_path(simdjson::dom::element doc, std::string_view dotted, std::string& out) {
  simdjson::dom::element cur = doc;
  std::size_t start = 0;
  while (true) {
    const auto dot = dotted.find('.', start);
    std::string part(dotted.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    long index = -1;  // "params[0]": an array element
    if (const auto b = part.find('['); b != std::string::npos && part.back() == ']') {
      index = std::stol(part.substr(b + 1));
      part.resize(b);
    }
    if (cur[part].get(cur) != simdjson::SUCCESS) return false;
    if (index >= 0 && cur.at(static_cast<std::size_t>(index)).get(cur) != simdjson::SUCCESS) return false;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (cur.is_string()) out = std::string(std::string_view(cur));
  else if (cur.is_uint64()) out = std::to_string(uint64_t(cur));
  else if (cur.is_int64()) out = std::to_string(int64_t(cur));
  else return false;
  return true;
}

}  // namespace flowprobe::test
