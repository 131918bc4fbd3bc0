// ftp.log as Zeek writes it (base scripts, default columns): a row per command and its
// reply, for the commands Zeek logs by default (FTP::logged_commands).
#include "dissectors/ftp/ftp.hpp"
#include "export/zeek_format.hpp"

namespace flowprobe::dissect {
namespace {

using namespace flowprobe::zeek;

constexpr std::string_view kColumns =
    "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tuser\tpassword\tcommand\targ\tmime_type\tfile_size\t"
    "reply_code\treply_msg\tdata_channel.passive\tdata_channel.orig_h\tdata_channel.resp_h\tdata_channel.resp_p\tfuid";
constexpr std::string_view kTypes =
    "time\tstring\taddr\tport\taddr\tport\tstring\tstring\tstring\tstring\tstring\tcount\tcount\tstring\tbool\taddr\t"
    "addr\tport\tstring";

void write_row(const ZeekRowSource& src, std::string& o) {
  const FtpMeta& f = *src.app.ftp();
  put_conn_id(o, src);
  tab(o);
  put_str_or_unset(o, f.user.empty() ? std::string_view("<unknown>") : f.user.view());
  tab(o);
  if (!f.password_sent) unset(o);
  else if (f.password_hidden) put(o, "<hidden>");
  else zeek_escape(f.password.view(), o);
  tab(o);
  put_str_or_unset(o, f.command.view());
  tab(o);
  if (f.arg_hidden) {
    put(o, "<hidden>");
  } else if (!f.path.empty()) {
    // Zeek's build_url_ftp: ftp://<server><path>.
    put(o, "ftp://");
    if (src.ip_version == 6) o.push_back('[');
    put_addr(o, src.ip_version, src.resp_h);
    if (src.ip_version == 6) o.push_back(']');
    if (f.path.view().front() != '/') o.push_back('/');
    zeek_escape(f.path.view(), o);
  } else {
    put_str_or_unset(o, f.arg.view());
  }
  // mime_type file_size: of the data connection's file, which Zeek's file analysis reads.
  put(o, "\t-\t-\t");
  if (f.reply_code) put_count(o, f.reply_code);
  else unset(o);
  tab(o);
  if (f.reply_code) put_str_or_unset(o, f.reply_msg.view());
  else unset(o);
  tab(o);
  if (f.has_data_channel) {
    put_bool(o, f.passive);
    tab(o);
    // Who connects: the client for passive mode, the server for active.
    put_addr(o, src.ip_version, f.passive ? src.orig_h : src.resp_h);
    tab(o);
    if (f.data_host_is_server) put_addr(o, src.ip_version, src.resp_h);
    else put_addr(o, f.data_ip_version, f.data_host);
    tab(o);
    put_count(o, f.data_port);
  } else {
    put(o, "-\t-\t-\t-");
  }
  // fuid: Zeek's file analysis.
  put(o, "\t-");
}

bool logged(const AppMetadata& tx) {
  const FtpMeta* f = tx.ftp();
  return f != nullptr && ftp_logged_by_default(f->command.view());
}

}  // namespace

bool ftp_logged_by_default(std::string_view command) noexcept {
  for (std::string_view c : {"APPE", "DELE", "RETR", "STOR", "STOU", "ACCT", "PORT", "PASV", "EPRT", "EPSV"})
    if (command == c) return true;
  return false;
}

const ZeekLog kFtpLog{.name = "ftp", .fields = kColumns, .types = kTypes, .write_row = write_row, .logged = logged};

}  // namespace flowprobe::dissect
