#pragma once
// What the DNS dissector learns of one transaction (a query and its response); a flow
// record carries its first one. Bounds: query 256 (a full DNS name is <= 253), answers 256
// (first answers, ',' joined).
#include <array>
#include <cstdint>

#include "dissectors/bounded_string.hpp"

namespace flowprobe::dissect {

struct DnsMeta {
  BoundedString<256> query;
  BoundedString<256> answers;    // A/AAAA/CNAME/PTR/... rdata of the first answers
  uint16_t query_type = 0;       // DNS_QUERY_TYPE
  uint16_t query_id = 0;         // DNS_QUERY_ID
  uint16_t num_answers = 0;      // DNS_NUM_ANSWERS (ANCOUNT of the response)
  uint8_t ret_code = 0;          // DNS_RET_CODE (RCODE of the response)
  bool has_query = false;
  bool has_response = false;
  uint8_t flavour = 0;           // 0 DNS, 1 mDNS, 2 LLMNR, 3 NetBIOS-NS
  uint32_t ttl_answer = 0;       // DNS_TTL_ANSWER: TTL of the first answer
  // Header words Zeek's dns.log reports (qclass, RD/TC/Z/opcode of the query, AA/RA of
  // the response, rejected).
  uint16_t qclass = 0;           // QCLASS of the first question
  uint16_t query_flags = 0;      // flags word of the first query
  uint16_t response_flags = 0;   // flags word of the first response
  bool rejected = false;         // the response failed and carried no question (Zeek's rule)
  uint32_t rtt_us = 0;           // first query to first response (0: not both seen)
  uint64_t query_ns = 0;         // packet time of the first query
  // The first answers one by one (eve lists them): each one's type, TTL, and where its
  // rdata (in `answers`) and its owner name (in `answer_names`) are.
  static constexpr int kAnswers = 8;
  uint8_t answers_kept = 0;
  uint16_t answer_type[kAnswers]{};
  uint32_t answer_ttl[kAnswers]{};
  uint16_t answer_off[kAnswers]{}, answer_len[kAnswers]{};
  uint16_t name_off[kAnswers]{}, name_len[kAnswers]{};
  BoundedString<256> answer_names;
};

}  // namespace flowprobe::dissect
