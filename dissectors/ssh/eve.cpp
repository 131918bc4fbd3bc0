// An SSH handshake in eve ("event_type":"ssh"), in Suricata's shape: each side's protocol
// and software version (from its identification line) and HASSH.
#include "dissectors/ssh/ssh.hpp"
#include "export/eve.hpp"

namespace flowprobe::dissect {

void ssh_write_eve(const AppMetadata& tx, uint32_t, uint8_t, JsonWriter& w) {
  const SshMeta* s = tx.ssh();
  if (s == nullptr) return;
  // "SSH-<proto>-<software>[ <comments>]" (RFC 4253 4.2).
  const auto side = [&](const char* key, std::string_view line, std::string_view hassh) {
    if (line.size() < 5) return;
    const std::size_t dash = line.find('-', 4);
    w.key(key);
    w.begin_object();
    w.key("proto_version");
    w.value_string(line.substr(4, dash == std::string_view::npos ? std::string_view::npos : dash - 4));
    if (dash != std::string_view::npos) {
      const std::string_view rest = line.substr(dash + 1);
      w.key("software_version");
      w.value_string(rest.substr(0, rest.find(' ')));
    }
    if (!hassh.empty()) {
      w.key("hassh");
      w.begin_object();
      w.key("hash");
      w.value_string(hassh);
      w.end_object();
    }
    w.end_object();
  };
  w.key("ssh");
  w.begin_object();
  side("client", s->client_signature.view(), s->hassh_client.view());
  side("server", s->server_signature.view(), s->hassh_server.view());
  w.end_object();
}

}  // namespace flowprobe::dissect
