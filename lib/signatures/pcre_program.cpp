#include "signatures/pcre_program.hpp"

namespace flowprobe::sig {

Pcre2Code compile_pcre2(const std::string& pattern, uint32_t options, std::string& error) {
  int code = 0;
  PCRE2_SIZE at = 0;
  Pcre2Code re(pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), options, &code, &at,
                             nullptr));
  if (!re) {
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(code, msg, sizeof(msg));
    error = std::string(reinterpret_cast<const char*>(msg)) + " at offset " + std::to_string(at);
    return nullptr;
  }
  // Without JIT (a build or an expression it cannot take) PCRE2 interprets: slower, same answer.
  (void)pcre2_jit_compile(re.get(), PCRE2_JIT_COMPLETE);
  return re;
}

Pcre2Scratch::Pcre2Scratch()
    : match(pcre2_match_data_create(1, nullptr)),  // the whole match is all a rule reads
      capture(pcre2_match_data_create(2, nullptr)),
      limited(pcre2_match_context_create(nullptr)),
      unlimited(pcre2_match_context_create(nullptr)),
      jit_stack(pcre2_jit_stack_create(32 * 1024, 512 * 1024, nullptr)) {
  if (limited) {
    pcre2_set_match_limit(limited.get(), kPcreMatchLimit);
    pcre2_set_depth_limit(limited.get(), kPcreDepthLimit);
  }
  for (auto* ctx : {limited.get(), unlimited.get()})
    if (ctx && jit_stack) pcre2_jit_stack_assign(ctx, nullptr, jit_stack.get());
}

}  // namespace flowprobe::sig
