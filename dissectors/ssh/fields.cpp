// SSH's -T template rows: each side's identification line and KEXINIT.
#include "dissectors/ssh/ssh.hpp"
#include "export/field_format.hpp"

namespace flowprobe::dissect {
namespace {

using W = JsonWriter;
using R = FlowRecord;
using C = ExportContext;
const SshMeta* ssh(const C& c) { return c.app ? c.app->ssh() : nullptr; }

constexpr FieldDef kRows[] = {
    {"HASSH_CLIENT", kNtopPen, 499, JsonType::string, {}, "HASSH fingerprint of the SSH client's KEXINIT (32 hex)",
     [](const R&, const C& c, W& w) { field::str(ssh(c) ? &ssh(c)->hassh_client : nullptr, w); }},
    {"HASSH_SERVER", kNtopPen, 500, JsonType::string, {}, "HASSH fingerprint of the SSH server's KEXINIT (32 hex)",
     [](const R&, const C& c, W& w) { field::str(ssh(c) ? &ssh(c)->hassh_server : nullptr, w); }},
    {"SSH_CLIENT_SIGNATURE", 0, 0, JsonType::string, {}, "the SSH client's identification line (\"SSH-2.0-OpenSSH_8.2p1 ...\")",
     [](const R&, const C& c, W& w) { field::str(ssh(c) ? &ssh(c)->client_signature : nullptr, w); }},
    {"SSH_SERVER_SIGNATURE", 0, 0, JsonType::string, {}, "the SSH server's identification line",
     [](const R&, const C& c, W& w) { field::str(ssh(c) ? &ssh(c)->server_signature : nullptr, w); }},
};

}  // namespace

const std::span<const FieldDef> kSshFields = kRows;

}  // namespace flowprobe::dissect
