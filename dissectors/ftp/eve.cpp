// An FTP command and its reply in eve ("event_type":"ftp"), in Suricata's shape: command,
// command_data, reply, completion_code, dynamic_port, mode, reply_received. A password
// Zeek would hide (a login other than a guest's) is written as the probe's redaction mark.
#include "core/redact.hpp"
#include "dissectors/ftp/ftp.hpp"
#include "export/eve.hpp"

namespace flowprobe::dissect {

void ftp_write_eve(const AppMetadata& tx, uint32_t, uint8_t, JsonWriter& w) {
  const FtpMeta* f = tx.ftp();
  if (f == nullptr) return;
  w.key("ftp");
  w.begin_object();
  if (f->command.view() != "<init>") {  // the greeting: a reply without a command
    w.key("command");
    w.value_string(f->command.view());
    if (f->arg_hidden) {
      w.key("command_data");
      w.value_raw_string(kRedacted);
    } else if (!f->arg.empty()) {
      w.key("command_data");
      w.value_string(f->arg.view());
    }
  }
  if (f->reply_code != 0) {
    w.key("reply");
    w.value_json("[");
    w.value_string(f->reply_msg.view());
    w.value_json("]");
    w.key("completion_code");
    w.value_json("[");
    bool first = true;
    for (uint16_t code : f->codes) {
      if (code == 0) break;
      if (!first) w.value_json(",");
      first = false;
      const char digits[3] = {static_cast<char>('0' + code / 100 % 10), static_cast<char>('0' + code / 10 % 10),
                              static_cast<char>('0' + code % 10)};
      w.value_raw_string(std::string_view(digits, 3));
    }
    w.value_json("]");
  }
  if (f->has_data_channel) {
    w.key("dynamic_port");
    w.value_uint(f->data_port);
    w.key("mode");
    w.value_raw_string(f->passive ? "passive" : "active");
  }
  w.key("reply_received");
  w.value_raw_string(f->reply_code != 0 ? "yes" : "no");
  w.end_object();
}

}  // namespace flowprobe::dissect
