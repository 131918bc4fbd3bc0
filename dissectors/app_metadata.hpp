#pragma once
// What the dissectors learned about one flow: plain data, fixed size, no pointers, so
// the flow table can keep one per flow and FlowRecord can carry a copy through the ring.
//
// One flow speaks one application protocol, so the per-protocol parts share storage
// (`kind` says which one is live). Every string is a BoundedString: at most N-1 bytes,
// always NUL-terminated, `truncated` set when the wire value was longer. Bounds:
//   DNS   query 256 (a full DNS name is <= 253), answers 256 (first answers, ',' joined)
//   HTTP  method 16, url 384, host 128, user agent 256, referer 256, mime 64
//   TLS   SNI 256, ALPN offered 64 (',' joined), negotiated 16, JA3C/JA3S 33 (32 hex),
//         JA4 40 (36 chars), cert subject 192, issuer 192
//   DHCP  host name 64, class id 64, parameter list 64 (',' joined decimal)
//   SSH   identification lines 128, HASSH 33 (32 hex)
// Numeric fields keep their wire values (the exporter formats them).
#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

namespace flowprobe::dissect {

template <std::size_t N>
struct BoundedString {
  static_assert(N >= 1 && N <= 65535);
  uint16_t len = 0;
  bool truncated = false;
  char data[N]{};

  static constexpr std::size_t capacity() { return N - 1; }
  std::string_view view() const { return {data, len}; }
  bool empty() const { return len == 0; }
  void clear() {
    len = 0;
    truncated = false;
    data[0] = '\0';
  }
  void assign(std::string_view s) {
    clear();
    append(s);
  }
  void append(std::string_view s) {
    const std::size_t room = capacity() - len;
    const std::size_t n = s.size() < room ? s.size() : room;
    if (n < s.size()) truncated = true;
    if (n) std::memcpy(data + len, s.data(), n);
    len = static_cast<uint16_t>(len + n);
    data[len] = '\0';
  }
  void push_back(char c) { append(std::string_view(&c, 1)); }
};

// bittorrent: no dissector of ours; the L7 engine fills it from nDPI when nothing else spoke.
enum class AppKind : uint8_t { none = 0, dns, http, tls, quic, dhcp, bittorrent, ssh };

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
};

struct HttpMeta {
  BoundedString<16> method;
  BoundedString<384> url;
  BoundedString<128> host;
  BoundedString<256> user_agent;
  BoundedString<256> referer;
  BoundedString<64> mime;        // response Content-Type
  uint16_t ret_code = 0;         // HTTP_RET_CODE
  bool has_request = false;
  bool has_response = false;
  bool request_headers_done = false;   // the request's header lines ended (empty line seen)
  bool response_headers_done = false;
  uint8_t version = 0;           // the response's HTTP/x.y as x*10+y (Zeek's version); 0: none
};

struct TlsMeta {
  BoundedString<256> server_name;
  BoundedString<64> alpn;        // offered by the client, ',' joined
  BoundedString<16> alpn_negotiated;
  BoundedString<33> ja3c;
  BoundedString<33> ja3s;
  BoundedString<40> ja4c;
  BoundedString<192> cert_subject;
  BoundedString<192> cert_issuer;
  std::array<uint8_t, 20> cert_sha1{};
  std::array<uint8_t, 21> cert_serial{};  // the DER INTEGER's bytes (20 at most, and a leading 00)
  uint8_t cert_serial_len = 0;
  int64_t cert_not_before = 0;   // seconds since the epoch
  int64_t cert_not_after = 0;
  uint16_t client_version = 0;   // highest version the client offered
  uint16_t version = 0;          // TLS_VERSION: negotiated (supported_versions or ServerHello)
  uint16_t cipher = 0;           // TLS_CIPHER
  bool unsafe_cipher = false;    // TLS_UNSAFE_CIPHER
  bool has_client_hello = false;
  bool has_server_hello = false;
  bool has_certificate = false;
};

struct DhcpMeta {
  BoundedString<64> host_name;   // option 12
  BoundedString<64> class_id;    // option 60
  BoundedString<64> param_list;  // option 55, ',' joined decimal
  std::array<uint8_t, 6> client_mac{};
  std::array<uint8_t, 4> requested_ip{};  // option 50
  std::array<uint8_t, 4> assigned_ip{};   // yiaddr of the OFFER/ACK
  uint16_t msg_types = 0;        // bit n set when DHCP message type n (1..15) was seen
  uint8_t first_msg_type = 0;    // option 53 of the first message
  uint8_t last_msg_type = 0;
};

struct SshMeta {
  BoundedString<128> client_signature;  // the client's identification line, "SSH-2.0-…"
  BoundedString<128> server_signature;
  BoundedString<33> hassh_client;       // HASSH of the client's KEXINIT (32 hex)
  BoundedString<33> hassh_server;       // HASSH of the server's KEXINIT
  // Negotiated from both KEXINITs (RFC 4253 7.1), as Zeek's ssh.log words them: the
  // client's first choice the server also offers, "To server: X, to client: Y" when the
  // directions differ, "Algorithm negotiation failed" when nothing is shared.
  BoundedString<64> kex_alg;
  BoundedString<64> host_key_alg;
  BoundedString<96> cipher_alg;
  BoundedString<96> mac_alg;
  BoundedString<48> compression_alg;
};

struct BitTorrentMeta {
  std::array<uint8_t, 20> info_hash{};  // BITTORRENT_HASH: the handshake's info hash (SHA-1)
};

struct AppMetadata {
  AppKind kind = AppKind::none;
  union Parts {
    DnsMeta dns;
    HttpMeta http;
    TlsMeta tls;     // TLS and QUIC
    DhcpMeta dhcp;
    BitTorrentMeta bittorrent;
    SshMeta ssh;
    Parts() : dns{} {}
  } u;

  // Switches the live part, zeroing it; a no-op when it is already live.
  void set_kind(AppKind k) {
    if (kind == k) return;
    kind = k;
    switch (k) {
      case AppKind::dns: u.dns = DnsMeta{}; break;
      case AppKind::http: u.http = HttpMeta{}; break;
      case AppKind::tls:
      case AppKind::quic: u.tls = TlsMeta{}; break;
      case AppKind::dhcp: u.dhcp = DhcpMeta{}; break;
      case AppKind::bittorrent: u.bittorrent = BitTorrentMeta{}; break;
      case AppKind::ssh: u.ssh = SshMeta{}; break;
      case AppKind::none: break;
    }
  }
  DnsMeta* dns() { return kind == AppKind::dns ? &u.dns : nullptr; }
  const DnsMeta* dns() const { return kind == AppKind::dns ? &u.dns : nullptr; }
  HttpMeta* http() { return kind == AppKind::http ? &u.http : nullptr; }
  const HttpMeta* http() const { return kind == AppKind::http ? &u.http : nullptr; }
  TlsMeta* tls() { return kind == AppKind::tls || kind == AppKind::quic ? &u.tls : nullptr; }
  const TlsMeta* tls() const { return kind == AppKind::tls || kind == AppKind::quic ? &u.tls : nullptr; }
  DhcpMeta* dhcp() { return kind == AppKind::dhcp ? &u.dhcp : nullptr; }
  const DhcpMeta* dhcp() const { return kind == AppKind::dhcp ? &u.dhcp : nullptr; }
  BitTorrentMeta* bittorrent() { return kind == AppKind::bittorrent ? &u.bittorrent : nullptr; }
  const BitTorrentMeta* bittorrent() const { return kind == AppKind::bittorrent ? &u.bittorrent : nullptr; }
  SshMeta* ssh() { return kind == AppKind::ssh ? &u.ssh : nullptr; }
  const SshMeta* ssh() const { return kind == AppKind::ssh ? &u.ssh : nullptr; }
};

static_assert(std::is_trivially_copyable_v<AppMetadata>);
static_assert(sizeof(AppMetadata) <= 1536, "AppMetadata travels in every FlowRecord");

}  // namespace flowprobe::dissect
