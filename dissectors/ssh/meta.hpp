#pragma once
// What the SSH dissector learns of one connection's handshake. Bounds: identification
// lines 128, HASSH 33 (32 hex).
#include <array>
#include <cstdint>

#include "dissectors/bounded_string.hpp"

namespace flowprobe::dissect {

struct SshMeta {
  BoundedString<128> client_signature;  // the client's identification line, "SSH-2.0-…"
  BoundedString<128> server_signature;
  BoundedString<33> hassh_client;       // HASSH of the client's KEXINIT (32 hex)
  BoundedString<33> hassh_server;       // HASSH of the server's KEXINIT
  // Negotiated from both KEXINITs (RFC 4253 7.1), as Zeek's ssh.log words them: the
  // client's first choice the server also offers, "To server: X, to client: Y" when the
  // directions differ, "Algorithm negotiation failed" when nothing is shared.
  BoundedString<64> kex_alg;
  BoundedString<64> host_key_alg;
  BoundedString<96> cipher_alg;
  BoundedString<96> mac_alg;
  BoundedString<48> compression_alg;
};

}  // namespace flowprobe::dissect
