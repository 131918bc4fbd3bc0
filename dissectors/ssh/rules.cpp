// SSH's sticky buffers for the rules: ssh.proto and ssh.software of each side's
// identification line ("SSH-<proto>-<software>[ <comments>]", RFC 4253 4.2), as Suricata's.
#include "dissectors/ssh/ssh.hpp"
#include "signatures/signature_engine.hpp"

namespace flowprobe::dissect {

void ssh_rule_buffers(const TxPartView& v, void*, sig::AppBuffers& b) noexcept {
  const std::string_view line = v.text;
  if (line.size() < 5) return;
  const std::size_t dash = line.find('-', 4);
  if (dash == std::string_view::npos) return;
  const std::string_view rest = line.substr(dash + 1);
  b.set(sig::BufferKind::ssh_proto, line.substr(4, dash - 4));
  b.set(sig::BufferKind::ssh_software, rest.substr(0, rest.find(' ')));
}

}  // namespace flowprobe::dissect
