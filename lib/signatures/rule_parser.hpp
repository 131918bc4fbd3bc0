#pragma once
// Suricata-syntax rule parser (the subset documented in rules/README.md). One call
// parses one rule; a rule is either returned whole or rejected with a reason, never
// half-applied: any keyword or value the engine cannot honour rejects the rule.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "signatures/rule.hpp"

namespace flowprobe::sig {

// Address and port variables ("HOME_NET" -> "[10.0.0.0/8,…]"), without the '$'.
using RuleVars = std::map<std::string, std::string, std::less<>>;
// Suricata's defaults from its suricata.yaml, so that rule sets load without a config.
RuleVars default_rule_vars();

struct Classification {
  std::string name;
  std::string description;
  uint8_t priority = 3;
};

// A `pcre` keyword's expression, as Hyperscan and as PCRE2 will compile it (the engine
// picks one or both, see pcre_program.hpp).
struct PcreSpec {
  std::string expression;       // for Hyperscan: /A and /x folded into the text
  unsigned hs_flags = 0;
  std::string pattern;          // as written, for PCRE2
  uint32_t pcre2_options = 0;   // /i /s /m /x /A /E /G
  bool no_limit = false;        // /O
  std::string key() const;      // what makes two specs the same program
};

// State shared by the rules of one load: variables, classifications, flowbit names and
// the pcre patterns collected so far (deduplicated).
class ParseContext {
 public:
  explicit ParseContext(RuleVars vars) : vars_(std::move(vars)) {}

  const RuleVars& vars() const noexcept { return vars_; }
  // Parses classification.config text; returns false and sets `error` on a bad line.
  bool add_classifications(std::string_view text, std::string& error);
  int find_class(std::string_view name) const;
  const std::vector<Classification>& classes() const noexcept { return classes_; }

  uint16_t flowbit_id(std::string_view name);
  const std::vector<std::string>& flowbit_names() const noexcept { return flowbit_names_; }

  uint32_t add_pcre(PcreSpec spec);
  const std::vector<PcreSpec>& pcres() const noexcept { return pcres_; }
  // Drops the pcre entries added after `size` (a rejected rule's leftovers).
  void truncate_pcres(std::size_t size);

 private:
  RuleVars vars_;
  std::vector<Classification> classes_;
  std::map<std::string, int, std::less<>> class_index_;
  std::vector<std::string> flowbit_names_;
  std::map<std::string, uint16_t, std::less<>> flowbit_index_;
  std::vector<PcreSpec> pcres_;
  std::map<std::string, uint32_t, std::less<>> pcre_index_;
};

struct RuleError {
  std::string reason;  // short and shared by like errors: the summary groups by it
  std::string detail;  // specifics (the keyword's value, Hyperscan's message)
};

// Parses one rule (comments and blank lines are the caller's). Returns false with
// `error` set when the rule is rejected.
bool parse_rule(std::string_view text, ParseContext& ctx, Rule& out, RuleError& error);

// Exposed for tests: content string ("a|3b|c" with \" \\ \; escapes) to bytes.
bool decode_content(std::string_view quoted_inner, std::string& out, std::string& error);

}  // namespace flowprobe::sig
