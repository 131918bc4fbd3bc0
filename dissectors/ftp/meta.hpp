#pragma once
// What the FTP dissector learns of one command and its reply (a transaction, as Zeek's
// ftp.log rows and Suricata's ftp events count them), with the session's login as it
// stood. The server's greeting is a transaction of its own, command "<init>" (Zeek's
// name). A flow record carries its first client command. Passwords are kept only for
// the guest logins Zeek shows them for (anonymous, ftp, ftpuser, guest): any other never
// leaves the RX core. Bounds: command 16, arg 192, path 256, user 64, password 64, reply
// 128.
#include <array>
#include <cstdint>

#include "dissectors/bounded_string.hpp"

namespace flowprobe::dissect {

struct FtpMeta {
  BoundedString<16> command;    // upper case: "RETR"; "<init>" for the greeting
  BoundedString<192> arg;       // as sent; empty for a hidden PASS (arg_hidden)
  BoundedString<256> path;      // file commands: the path from the working directory, as Zeek builds it
  BoundedString<64> user;       // the session's USER so far
  BoundedString<64> password;   // the session's PASS so far, a guest's only (password_hidden otherwise)
  BoundedString<128> reply_msg; // the text of the final reply line
  std::array<uint16_t, 4> codes{};  // each reply's code, in order (150, 226); 0: none
  uint16_t reply_code = 0;      // the final reply's code; 0: no reply seen
  bool password_sent = false;
  bool password_hidden = false; // a non-guest's password: not kept
  bool arg_hidden = false;      // this is such a PASS: its argument is not kept
  // A data channel it announced (PORT/EPRT, or the reply to PASV/EPSV): who will connect
  // where. The address is the server's when the command or reply names none (EPSV).
  bool has_data_channel = false;
  bool passive = false;
  bool data_host_is_server = false;
  uint8_t data_ip_version = 4;
  std::array<uint8_t, 16> data_host{};
  uint16_t data_port = 0;
};

}  // namespace flowprobe::dissect
