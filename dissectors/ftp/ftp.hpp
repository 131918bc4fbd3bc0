#pragma once
// FTP's control connection (RFC 959, EPRT/EPSV from RFC 2428): every command and its
// reply is a transaction (TxSink::emit), as Zeek's ftp.log and Suricata's ftp events
// pair them. Commands wait for their replies in order (a client may send several before
// the server answers); a preliminary 1xx reply keeps its command waiting for the final
// one (RETR: 150, then 226). Zeek's session state comes along: the login, and the working
// directory (CWD, CDUP, PWD) from which file commands get their path. After AUTH TLS is
// accepted the flow goes back to the engine's probes, for its TLS handshake.
#include <cstdint>

#include "dissectors/dissector.hpp"
#include "dissectors/line_reader.hpp"
#include "dissectors/protocol.hpp"
#include "dissectors/tcp_cursor.hpp"

namespace flowprobe::dissect {

struct FtpState {
  static constexpr std::size_t kLine = 512;
  static constexpr uint8_t kPending = 8;  // commands awaiting replies; beyond, the oldest is logged unanswered
  struct Dir {
    TcpCursor cursor;
    LineReader<kLine> lines;
  };
  Dir dir[2];
  FtpMeta pending[kPending];
  uint64_t ts[kPending];
  uint8_t head = 0, count = 0;
  uint16_t multi = 0;       // the code of a multi-line reply still open ("230-…")
  bool started = false;     // the greeting's "<init>" is queued
  bool emitted = false;     // the flow record has its first client command
  bool upgraded = false;    // AUTH TLS accepted
  // The session, as Zeek's FTP::Info keeps it.
  BoundedString<64> user;
  BoundedString<64> password;
  bool password_sent = false, password_hidden = false;
  BoundedString<256> cwd;   // empty: "." (Zeek's default)

  Parse parse(const PacketContext& c, AppMetadata& m) noexcept;
  void finish(const PacketContext& c, AppMetadata& m) noexcept;

 private:
  void client_line(std::string_view line, const PacketContext& c, AppMetadata& m) noexcept;
  void server_line(std::string_view line, const PacketContext& c, AppMetadata& m) noexcept;
  FtpMeta& push(std::string_view command, uint64_t ts_ns, const PacketContext& c, AppMetadata& m) noexcept;
  void emit_front(const PacketContext& c, AppMetadata& m) noexcept;
};

Probe ftp_probe(const PacketContext& c) noexcept;
extern const Dissector kFtpDissector;

// Zeek's build_path_compressed(dir, name): name from dir, with "." and ".." segments and
// repeated slashes resolved, without a trailing slash ("./pub/" + "../2015" ...).
void ftp_build_path(std::string_view dir, std::string_view name, BoundedString<256>& out) noexcept;
// Whether Zeek's ftp.log logs this command by default (FTP::logged_commands).
bool ftp_logged_by_default(std::string_view command) noexcept;

// The rest of what the protocol owns (protocol.cpp puts them in its descriptor).
extern const std::span<const FieldDef> kFtpFields;  // fields.cpp: its -T rows
extern const ZeekLog kFtpLog;                        // zeek.cpp: ftp.log
void ftp_write_eve(const AppMetadata& tx, uint32_t tx_id, uint8_t part, JsonWriter& w);  // eve.cpp

}  // namespace flowprobe::dissect
