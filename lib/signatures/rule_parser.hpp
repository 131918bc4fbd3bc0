#pragma once
// Suricata-syntax rule parser (the subset documented in rules/README.md). One call
// parses one rule; a rule is either returned whole or rejected with a reason, never
// half-applied: any keyword or value the engine cannot honour rejects the rule.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/base64.hpp"
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

// A dataset / datarep set as the rules declare it, with the values its file holds, each
// in the form a buffer is compared in: string (the file's base64 decoded), md5 / sha256
// (the raw digest, the file's hex decoded), ipv4 / ipv6 (the 4 or 16 address bytes).
enum class DatasetType : uint8_t { string, md5, sha256, ipv4, ipv6 };
struct DatasetSpec {
  std::string name;
  DatasetType type = DatasetType::string;
  bool rep = false;  // datarep: every value carries a reputation
  std::string file;
  std::vector<std::pair<std::string, uint32_t>> values;  // value, reputation (0 for a dataset)
};
// One line of a dataset file as Suricata writes it, into the compared form; false when
// the line is malformed. `rep` reads the ",reputation" that follows the value.
bool parse_dataset_line(std::string_view line, DatasetType type, bool rep, std::string& value, uint32_t& reputation);
// Standard base64 as Suricata's datasets and base64_decode read it: core/base64.hpp.
using flowprobe::base64_decode;

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

  uint16_t flowint_id(std::string_view name) { return name_id(flowint_names_, flowint_index_, name); }
  const std::vector<std::string>& flowint_names() const noexcept { return flowint_names_; }
  uint16_t xbit_id(std::string_view name) { return name_id(xbit_names_, xbit_index_, name); }
  const std::vector<std::string>& xbit_names() const noexcept { return xbit_names_; }

  // The directory of the rule file being read: dataset files are found relative to it.
  void set_rule_dir(std::string dir) { rule_dir_ = std::move(dir); }
  // The set `name` (loaded from `load` the first time it is named); false with `error`
  // when the file cannot be read or parsed, or the name was used with another type.
  bool dataset(std::string_view name, DatasetType type, bool rep, std::string_view load, uint16_t& id,
               std::string& error);
  const std::vector<DatasetSpec>& datasets() const noexcept { return datasets_; }

  uint32_t add_pcre(PcreSpec spec);
  const std::vector<PcreSpec>& pcres() const noexcept { return pcres_; }
  // Drops the pcre entries added after `size` (a rejected rule's leftovers).
  void truncate_pcres(std::size_t size);

 private:
  static uint16_t name_id(std::vector<std::string>& names, std::map<std::string, uint16_t, std::less<>>& index,
                          std::string_view name);
  RuleVars vars_;
  std::string rule_dir_;
  std::vector<std::string> flowint_names_, xbit_names_;
  std::map<std::string, uint16_t, std::less<>> flowint_index_, xbit_index_;
  std::vector<DatasetSpec> datasets_;
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
