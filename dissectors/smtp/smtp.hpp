#pragma once
// SMTP (RFC 5321, BDAT from RFC 3030): every mail of a session is a transaction
// (TxSink::emit), ended as Zeek ends one: by the server's reply to the end of its data
// ("." or BDAT … LAST), by the next MAIL FROM, by an accepted STARTTLS, or by the flow's
// end. The client's commands and the server's replies are read line by line (replies are
// matched to commands in order, as pipelining sends them); a message's header lines are
// read up to the first empty line, its body is only counted past. After STARTTLS the flow
// goes back to the engine's probes, so that its TLS handshake is dissected too.
#include <array>
#include <cstdint>

#include "dissectors/dissector.hpp"
#include "dissectors/line_reader.hpp"
#include "dissectors/protocol.hpp"
#include "dissectors/tcp_cursor.hpp"

namespace flowprobe::dissect {

struct SmtpState {
  static constexpr std::size_t kLine = 512;
  // What a reply answers (commands waiting for theirs, oldest first).
  enum class Cmd : uint8_t { other, data, data_end, bdat_last, starttls };
  static constexpr uint8_t kPending = 16;
  enum class Mode : uint8_t { command, data };  // data: the lines of a DATA message, up to "."
  struct Dir {
    TcpCursor cursor;
    LineReader<kLine> lines;
  };
  Dir dir[2];
  LineReader<kLine> bdat_lines;  // the message inside BDAT chunks, for its header lines
  Mode mode = Mode::command;
  Cmd pending[kPending];
  uint8_t head = 0, count = 0;
  bool activity = false;  // the mail has something of its own (Zeek's has_client_activity)
  bool upgraded = false;  // STARTTLS accepted
  bool emitted = false;   // the flow record has its first mail
  uint8_t header = 0;     // the header a folded line continues (smtp.cpp: Header)
  uint64_t start_ns = 0;  // when the current mail began
  BoundedString<96> helo; // the session's, carried into each mail
  SmtpMeta tx;            // the mail being read
  // The Received header being read: how many wrapped addresses it had, the first two.
  uint8_t rcv_ips = 0;
  uint8_t rcv_version[2] = {0, 0};
  std::array<uint8_t, 16> rcv_ip[2];

  Parse parse(const PacketContext& c, AppMetadata& m) noexcept;
  void finish(const PacketContext& c, AppMetadata& m) noexcept;

 private:
  void client_line(std::string_view line, const PacketContext& c, AppMetadata& m) noexcept;
  void server_line(std::string_view line, const PacketContext& c, AppMetadata& m) noexcept;
  void message_line(std::string_view line) noexcept;
  void received_text(std::string_view text) noexcept;
  void end_received() noexcept;
  void push(Cmd k) noexcept;
  void emit(const PacketContext& c, AppMetadata& m) noexcept;
};

Probe smtp_probe(const PacketContext& c) noexcept;
extern const Dissector kSmtpDissector;

// The address in a MAIL FROM / RCPT TO argument ("FROM:<a@b> SIZE=10" -> "a@b").
std::string_view smtp_address(std::string_view arg) noexcept;

// The rest of what the protocol owns (protocol.cpp puts them in its descriptor).
extern const std::span<const FieldDef> kSmtpFields;  // fields.cpp: its -T rows
extern const ZeekLog kSmtpLog;                        // zeek.cpp: smtp.log
void smtp_write_eve(const AppMetadata& tx, uint32_t tx_id, uint8_t part, JsonWriter& w);  // eve.cpp

}  // namespace flowprobe::dissect
