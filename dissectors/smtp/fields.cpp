// SMTP's -T template rows: the envelope of the flow's first mail.
#include "dissectors/smtp/smtp.hpp"
#include "export/field_format.hpp"

namespace flowprobe::dissect {
namespace {

using W = JsonWriter;
using R = FlowRecord;
using C = ExportContext;
const SmtpMeta* smtp(const C& c) { return c.app ? c.app->smtp() : nullptr; }

constexpr FieldDef kRows[] = {
    {"SMTP_MAIL_FROM", kNtopPen, 185, JsonType::string, {}, "SMTP envelope sender (MAIL FROM) of the flow's first mail",
     [](const R&, const C& c, W& w) { field::str(smtp(c) ? &smtp(c)->mail_from : nullptr, w); }},
    {"SMTP_RCPT_TO", kNtopPen, 186, JsonType::string, {}, "SMTP envelope recipients (RCPT TO) of the flow's first mail, ',' joined",
     [](const R&, const C& c, W& w) { field::str(smtp(c) ? &smtp(c)->rcpt_to : nullptr, w); }},
    {"SMTP_MAILS", 0, 0, JsonType::number, {}, "SMTP mails (transactions) on the flow; the SMTP_ fields are the first's",
     [](const R&, const C& c, W& w) { w.value_uint(smtp(c) ? c.app->transactions : 0); }},
};

}  // namespace

const std::span<const FieldDef> kSmtpFields = kRows;

}  // namespace flowprobe::dissect
