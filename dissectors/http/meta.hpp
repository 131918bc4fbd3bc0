#pragma once
// What the HTTP dissector learns of one transaction (a request and its response): the
// transaction record's part, and a flow record carries its first one. Bounds: method 16,
// url 384, host 128, user agent 224, referer 208, mime 64, status message 64, location
// 128, server 64, origin 56, interim (1xx) status message 28, Basic-auth user 40, proxy
// headers 40: AppMetadata's 1536 bytes leave no more (the corpus's longest user agent in
// Zeek's baselines is 122 bytes, its longest referrer 96).
#include <array>
#include <cstdint>

#include "dissectors/bounded_string.hpp"

namespace flowprobe::dissect {

struct HttpMeta {
  BoundedString<16> method;
  BoundedString<384> url;
  BoundedString<128> host;
  BoundedString<224> user_agent;
  BoundedString<208> referer;
  BoundedString<64> mime;        // response Content-Type
  BoundedString<64> status_msg;  // the reason phrase after the status code
  BoundedString<128> location;   // response Location (eve's "redirect")
  BoundedString<64> server;      // response Server
  BoundedString<56> origin;      // request Origin
  BoundedString<28> info_msg;    // the last 1xx response's reason phrase
  // Zeek's username: the user of a Basic Authorization / Proxy-Authorization header (up
  // to its first ':'), or "<problem-decoding> (VALUE)" when the decoded value has none.
  // The password is never kept.
  BoundedString<40> username;
  // Zeek's proxied: "NAME -> value" of each proxy header (Forwarded, X-Forwarded-For,
  // X-Forwarded-From, Client-IP, Via, XRoxy-Connection, Proxy-Connection), name in upper
  // case as Zeek's http_header event gives it, entries separated by '\n'.
  BoundedString<40> proxied;
  uint16_t info_code = 0;        // its code (Zeek's info_code); 0: none
  uint16_t ret_code = 0;         // HTTP_RET_CODE
  bool has_request = false;
  bool has_response = false;
  bool request_headers_done = false;   // the request's header lines ended (empty line seen)
  bool response_headers_done = false;
  uint8_t version = 0;           // the response's HTTP/x.y as x*10+y (Zeek's version); 0: none
  uint8_t request_version = 0;   // the request line's HTTP/x.y, likewise
  uint64_t request_body_len = 0;   // body bytes after chunked framing is removed
  uint64_t response_body_len = 0;
};

}  // namespace flowprobe::dissect
