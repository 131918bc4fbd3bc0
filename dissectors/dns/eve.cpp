// A DNS transaction in eve ("event_type":"dns"), in Suricata 8's shape (version 3): its
// query and its response are records of their own, each written from its sender's side.
#include <cstdio>

#include "dissectors/dns/dns.hpp"
#include "export/eve.hpp"

namespace flowprobe::dissect {

EveParts dns_eve_parts(const AppMetadata& tx) noexcept {
  const DnsMeta* d = tx.dns();
  EveParts p;
  p.n = 0;
  if (d == nullptr) return p;
  if (d->has_query) p.from_server[p.n++] = false;
  if (d->has_response) p.from_server[p.n++] = true;
  return p;
}

void dns_write_eve(const AppMetadata& tx, uint32_t tx_id, uint8_t part, JsonWriter& w) {
  const DnsMeta* d = tx.dns();
  if (d == nullptr) return;
  const bool response = part == 1 || !d->has_query;
  char tmp[24], flags[8];
  const uint16_t word = response ? d->response_flags : d->query_flags;
  std::snprintf(flags, sizeof flags, "%x", word);
  w.key("dns");
  w.begin_object();
  w.key("version");
  w.value_uint(3);
  w.key("type");
  w.value_raw_string(response ? "response" : "request");
  w.key("tx_id");
  w.value_uint(tx_id);
  w.key("id");
  w.value_uint(d->query_id);
  w.key("flags");
  w.value_raw_string(flags);
  const auto boolean = [&](const char* key, bool on) {
    if (!on) return;
    w.key(key);
    w.value_json("true");
  };
  boolean("qr", word & 0x8000);
  boolean("aa", word & 0x0400);
  boolean("tc", word & 0x0200);
  boolean("rd", word & 0x0100);
  boolean("ra", word & 0x0080);
  w.key("opcode");
  w.value_uint((word >> 11) & 0xF);
  if (response) {
    w.key("rcode");
    w.value_raw_string(dns_rcode_name(d->ret_code, tmp));
  }
  if (!d->query.empty()) {
    w.key("queries");
    w.value_json("[");
    w.begin_object();
    w.key("rrname");
    w.value_string(d->query.view());
    w.key("rrtype");
    w.value_raw_string(dns_qtype_name(d->query_type, tmp));
    w.end_object();
    w.value_json("]");
  }
  if (response && d->answers_kept) {
    // Each answer's rdata as eve words it: Zeek's wording less its "TXT <n> " prefix.
    const auto rdata = [&](int k) {
      std::string_view v = d->answers.view().substr(d->answer_off[k], d->answer_len[k]);
      if (d->answer_type[k] == 16 && v.starts_with("TXT ")) {
        const std::size_t sp = v.find(' ', 4);
        v = sp == std::string_view::npos ? std::string_view() : v.substr(sp + 1);
      }
      return v;
    };
    w.key("answers");
    w.value_json("[");
    for (int k = 0; k < d->answers_kept; ++k) {
      if (k) w.value_json(",");
      w.begin_object();
      w.key("rrname");
      w.value_string(d->answer_names.view().substr(d->name_off[k], d->name_len[k]));
      w.key("rrtype");
      w.value_raw_string(dns_qtype_name(d->answer_type[k], tmp));
      w.key("ttl");
      w.value_uint(d->answer_ttl[k]);
      w.key("rdata");
      w.value_string(rdata(k));
      w.end_object();
    }
    w.value_json("]");
  }
  w.end_object();
}

}  // namespace flowprobe::dissect
