// DNS's -T template rows (also mDNS, LLMNR, NetBIOS-NS): the flow's first transaction.
#include "dissectors/dns/dns.hpp"
#include "export/field_format.hpp"

namespace flowprobe::dissect {
namespace {

using W = JsonWriter;
using R = FlowRecord;
using C = ExportContext;
const DnsMeta* dns(const C& c) { return c.app ? c.app->dns() : nullptr; }

constexpr FieldDef kRows[] = {
    {"DNS_QUERIES", 0, 0, JsonType::number, {}, "DNS queries (transactions) on the flow; the other DNS_ fields are the first's",
     [](const R&, const C& c, W& w) { w.value_uint(dns(c) ? c.app->transactions : 0); }},
    {"DNS_QUERY", kNtopPen, 205, JsonType::string, {}, "DNS query name",
     [](const R&, const C& c, W& w) { field::str(dns(c) ? &dns(c)->query : nullptr, w); }},
    {"DNS_QUERY_ID", kNtopPen, 206, JsonType::number, {}, "DNS transaction id",
     [](const R&, const C& c, W& w) { w.value_uint(dns(c) ? dns(c)->query_id : 0); }},
    {"DNS_QUERY_TYPE", kNtopPen, 207, JsonType::string, {}, "DNS query type (1 A, 28 AAAA, ...), a string as nProbe sends it",
     [](const R&, const C& c, W& w) { field::uint_as_string(dns(c) ? dns(c)->query_type : 0, w); }},
    {"DNS_RET_CODE", kNtopPen, 208, JsonType::string, {}, "DNS response code (0 NOERROR, 3 NXDOMAIN), a string as nProbe sends it",
     [](const R&, const C& c, W& w) { field::uint_as_string(dns(c) ? dns(c)->ret_code : 0, w); }},
    {"DNS_NUM_ANSWERS", kNtopPen, 209, JsonType::number, {}, "answers in the DNS response",
     [](const R&, const C& c, W& w) { w.value_uint(dns(c) ? dns(c)->num_answers : 0); }},
    {"DNS_TTL_ANSWER", kNtopPen, 352, JsonType::number, {}, "TTL of the first DNS answer",
     [](const R&, const C& c, W& w) { w.value_uint(dns(c) ? dns(c)->ttl_answer : 0); }},
    {"DNS_RESPONSE", kNtopPen, 398, JsonType::string, {}, "first DNS answers' data, comma separated",
     [](const R&, const C& c, W& w) { field::str(dns(c) ? &dns(c)->answers : nullptr, w); }},
};

}  // namespace

const std::span<const FieldDef> kDnsFields = kRows;

}  // namespace flowprobe::dissect
