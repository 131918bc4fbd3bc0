// FTP's -T template rows: the session's login and the flow's first command and reply.
#include "core/redact.hpp"
#include "dissectors/ftp/ftp.hpp"
#include "export/field_format.hpp"

namespace flowprobe::dissect {
namespace {

using W = JsonWriter;
using R = FlowRecord;
using C = ExportContext;
const FtpMeta* ftp(const C& c) { return c.app ? c.app->ftp() : nullptr; }

constexpr FieldDef kRows[] = {
    {"FTP_LOGIN", kNtopPen, 356, JsonType::string, {}, "FTP login (USER)",
     [](const R&, const C& c, W& w) { field::str(ftp(c) ? &ftp(c)->user : nullptr, w); }},
    // Secrets never leave the probe in words (lib/core/redact): a password is sent as its
    // mark, "" when none was sent.
    {"FTP_PASSWORD", kNtopPen, 357, JsonType::string, {}, "FTP password: \"****\" when one was sent (never its value)",
     [](const R&, const C& c, W& w) { w.value_raw_string(ftp(c) && ftp(c)->password_sent ? kRedacted : ""); }},
    {"FTP_COMMAND", kNtopPen, 358, JsonType::string, {}, "the flow's first FTP command",
     [](const R&, const C& c, W& w) { field::str(ftp(c) ? &ftp(c)->command : nullptr, w); }},
    {"FTP_COMMAND_RET_CODE", kNtopPen, 359, JsonType::number, {}, "the reply code to FTP_COMMAND",
     [](const R&, const C& c, W& w) { w.value_uint(ftp(c) ? ftp(c)->reply_code : 0); }},
    {"FTP_COMMANDS", 0, 0, JsonType::number, {}, "FTP commands (transactions, the greeting included) on the flow",
     [](const R&, const C& c, W& w) { w.value_uint(ftp(c) ? c.app->transactions : 0); }},
};

}  // namespace

const std::span<const FieldDef> kFtpFields = kRows;

}  // namespace flowprobe::dissect
