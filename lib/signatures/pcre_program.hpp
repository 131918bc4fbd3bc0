#pragma once
// A rule's `pcre`, compiled for the engine that answers as Suricata does. Suricata runs
// every pcre on PCRE2; Hyperscan answers the same "is there a match" far faster, so it is
// kept wherever it compiles the expression and only existence matters. PCRE2 (with its
// JIT) takes the rest: expressions Hyperscan refuses (back-references, look-around…),
// flags it cannot honour (/E), and a pcre whose match end places a following relative
// keyword, where Suricata's leftmost match, greedy or not (/G), decides the cursor.
#include <cstdint>
#include <memory>
#include <string>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "signatures/hs_handles.hpp"

namespace flowprobe::sig {

struct Pcre2CodeFree {
  void operator()(pcre2_code* c) const noexcept { pcre2_code_free(c); }
};
struct Pcre2MatchDataFree {
  void operator()(pcre2_match_data* m) const noexcept { pcre2_match_data_free(m); }
};
struct Pcre2MatchContextFree {
  void operator()(pcre2_match_context* m) const noexcept { pcre2_match_context_free(m); }
};
struct Pcre2JitStackFree {
  void operator()(pcre2_jit_stack* s) const noexcept { pcre2_jit_stack_free(s); }
};
using Pcre2Code = std::unique_ptr<pcre2_code, Pcre2CodeFree>;
using Pcre2MatchData = std::unique_ptr<pcre2_match_data, Pcre2MatchDataFree>;
using Pcre2MatchContext = std::unique_ptr<pcre2_match_context, Pcre2MatchContextFree>;
using Pcre2JitStack = std::unique_ptr<pcre2_jit_stack, Pcre2JitStackFree>;

// Suricata's defaults (suricata.yaml pcre.match-limit / match-limit-recursion): a
// pathological expression on hostile bytes gives up instead of stalling the core.
inline constexpr uint32_t kPcreMatchLimit = 3500;
inline constexpr uint32_t kPcreDepthLimit = 1500;

struct PcreProgram {
  HsDatabase hs;      // Hyperscan's block database; alone when `pcre2` is null, else its prefilter
  Pcre2Code pcre2;    // null when Hyperscan answers alone
  bool no_limit = false;  // /O: Suricata's match limits do not apply
};

// Compiles `pattern` with PCRE2 `options` and JIT; null with `error` set when PCRE2 refuses it.
Pcre2Code compile_pcre2(const std::string& pattern, uint32_t options, std::string& error);

// What one RX core needs to run PCRE2, allocated once when its scanner is built.
struct Pcre2Scratch {
  Pcre2MatchData match;
  Pcre2MatchData capture;  // pcrexform: the whole match and its first group
  Pcre2MatchContext limited, unlimited;
  Pcre2JitStack jit_stack;
  Pcre2Scratch();
};

}  // namespace flowprobe::sig
