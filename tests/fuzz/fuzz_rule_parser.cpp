// libFuzzer target for the rule parser: any bytes, one rule per line, parsed with the
// default variables. AddressSanitizer catches reads past the text; the checks below
// catch a rule accepted in a state the compiler would misread.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "signatures/rule_parser.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace flowprobe::sig;
  static const RuleVars vars = default_rule_vars();
  ParseContext ctx(vars);
  std::string_view text(reinterpret_cast<const char*>(data), size);
  while (!text.empty()) {
    const auto nl = text.find('\n');
    const auto line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    Rule rule;
    RuleError error;
    if (!parse_rule(line, ctx, rule, error)) {
      check(!error.reason.empty());
      continue;
    }
    for (const auto& b : rule.buffers) {
      check(static_cast<int>(b.kind) < kBufferKindCount);
      for (const auto& it : b.items) {
        if (it.type == ItemType::content) {
          check(!it.pattern.empty());
          check(!it.has_depth || it.depth >= static_cast<int32_t>(it.pattern.size()));
        }
        if (it.type == ItemType::pcre) check(it.pcre_index < ctx.pcres().size());
      }
    }
    for (const auto& f : rule.flowbit_conds)
      for (auto id : f.bits) check(id < ctx.flowbit_names().size());
  }
  return 0;
}
