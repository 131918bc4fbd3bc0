#pragma once
// SSH (RFC 4253): each side's identification line ("SSH-2.0-OpenSSH_8.2p1 Ubuntu-4")
// and its first binary packet, the KEXINIT, whose algorithm lists give HASSH, the MD5
// fingerprint of a client or server implementation (Salesforce's definition, as nDPI and
// Zeek compute it):
//   client: kex_algorithms;encryption_client_to_server;mac_client_to_server;compression_client_to_server
//   server: kex_algorithms;encryption_server_to_client;mac_server_to_client;compression_server_to_client
// The identification line and the KEXINIT may be split across segments in any way; each
// direction gathers them in a bounded buffer, and gives up on a gap or an oversized packet.
#include <cstdint>
#include <span>

#include "dissectors/dissector.hpp"
#include "dissectors/protocol.hpp"
#include "dissectors/tcp_cursor.hpp"

namespace flowprobe::dissect {

// A KEXINIT message (the payload of its binary packet, from the message type byte):
// the HASSH of the side that sent it into `hassh`. False when malformed.
bool ssh_kexinit_hassh(std::span<const uint8_t> payload, bool client, BoundedString<33>& hassh);
// The algorithms both sides' KEXINIT payloads agree on, into `m` (Zeek's wording).
bool ssh_negotiate(std::span<const uint8_t> client_kexinit, std::span<const uint8_t> server_kexinit, SshMeta& m);

struct SshState {
  static constexpr std::size_t kBuf = 4096;  // a KEXINIT with post-quantum kex names fits
  static constexpr std::size_t kMaxLine = 255;  // RFC 4253 4.2: the line is at most 255 bytes
  struct Dir {
    TcpCursor cursor;
    enum class Phase : uint8_t { line, kexinit, finished } phase = Phase::line;
    uint8_t other_lines = 0;  // lines a server may send before its identification
    uint16_t have = 0;        // bytes in buf
    uint16_t kexinit_len = 0; // a parsed KEXINIT's payload, kept at buf + 5 for the negotiation
    uint8_t buf[kBuf];
  };
  Dir dir[2];
  uint64_t start_ns = 0;  // the first payload's time: the handshake's, as a transaction

  Parse parse(const PacketContext& c, AppMetadata& m) noexcept;
  // The handshake is one transaction, logged once the dissector is done with it.
  void finish(const PacketContext& c, AppMetadata& m) noexcept;

 private:
  void feed(Dir& d, bool client, std::span<const uint8_t> p, SshMeta& m, TxSink* tx);
};

Probe ssh_probe(const PacketContext& c) noexcept;
extern const Dissector kSshDissector;


// The rest of what the protocol owns (protocol.cpp puts them in its descriptor).
extern const std::span<const FieldDef> kSshFields;  // fields.cpp: its -T rows
extern const ZeekLog kSshLog;                        // zeek.cpp: ssh.log
void ssh_rule_buffers(const TxPartView& v, void* shared, sig::AppBuffers& out) noexcept;  // rules.cpp

void ssh_write_eve(const AppMetadata& tx, uint32_t tx_id, uint8_t part, JsonWriter& w);  // eve.cpp

}  // namespace flowprobe::dissect
