#include "payloads.hpp"

#include <cstdio>

namespace pcapgen {

constexpr uint64_t kNsPerSec = 1000000000ull;

// --- time text -----------------------------------------------------------------------

namespace {

struct Civil {
  int year, month, day, hour, minute, second, weekday;  // weekday 0 = Sunday
  uint32_t micros;
};

// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian, UTC).
Civil civil(uint64_t unix_ns) {
  const int64_t secs = static_cast<int64_t>(unix_ns / kNsPerSec);
  int64_t days = secs / 86400;
  const int64_t sod = secs % 86400;
  Civil c{};
  c.weekday = static_cast<int>((days + 4) % 7);
  days += 719468;
  const int64_t era = days / 146097;
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  c.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  c.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  c.year = static_cast<int>(yoe + era * 400 + (c.month <= 2));
  c.hour = static_cast<int>(sod / 3600);
  c.minute = static_cast<int>(sod / 60 % 60);
  c.second = static_cast<int>(sod % 60);
  c.micros = static_cast<uint32_t>(unix_ns % kNsPerSec / 1000);
  return c;
}

constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

}  // namespace

std::string http_date(uint64_t unix_ns) {
  const Civil c = civil(unix_ns);
  char b[40];
  std::snprintf(b, sizeof b, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[c.weekday], c.day, kMonths[c.month - 1],
                c.year, c.hour, c.minute, c.second);
  return b;
}

std::string syslog_time(uint64_t unix_ns) {
  const Civil c = civil(unix_ns);
  char b[24];
  std::snprintf(b, sizeof b, "%s %2d %02d:%02d:%02d", kMonths[c.month - 1], c.day, c.hour, c.minute, c.second);
  return b;
}

std::string sql_timestamp(uint64_t unix_ns) {
  const Civil c = civil(unix_ns);
  char b[40];
  std::snprintf(b, sizeof b, "%04d-%02d-%02d %02d:%02d:%02d.%06u+00", c.year, c.month, c.day, c.hour, c.minute,
                c.second, c.micros);
  return b;
}

// --- HTTP ----------------------------------------------------------------------------

Bytes http_get(std::string_view host, std::string_view path, std::string_view user_agent) {
  std::string s = "GET " + std::string(path) + " HTTP/1.1\r\n";
  s += "Host: " + std::string(host) + "\r\n";
  s += "User-Agent: " + std::string(user_agent) + "\r\n";
  s += "Accept: */*\r\n\r\n";
  return to_bytes(s);
}

Bytes http_ok(std::string_view body, std::string_view content_type, uint64_t unix_ns) {
  std::string s = "HTTP/1.1 200 OK\r\n";
  s += "Date: " + http_date(unix_ns) + "\r\n";
  s += "Server: nginx/1.24.0\r\n";
  s += "Content-Type: " + std::string(content_type) + "\r\n";
  s += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  s += "Last-Modified: Thu, 17 Oct 2019 07:18:26 GMT\r\n";
  s += "Cache-Control: max-age=604800\r\n";
  s += "Connection: keep-alive\r\n\r\n";
  s += body;
  return to_bytes(s);
}

// --- TLS -----------------------------------------------------------------------------

namespace {
namespace tls {
constexpr uint8_t handshake = 22, change_cipher_spec = 20, application_data = 23;
constexpr uint8_t client_hello = 1, server_hello = 2;
}  // namespace tls

// extension type + 2-byte length around what `body` writes
template <typename F>
void tls_ext(ByteWriter& w, uint16_t type, F body) {
  w.be16(type);
  auto len = w.begin_len(2);
  body();
  w.end_len(len);
}
}  // namespace

Bytes tls_client_hello(Rng& rng, std::string_view sni, const std::vector<std::string>& alpn,
                       std::span<const uint8_t> session_id) {
  static constexpr uint16_t kSuites[] = {0x1301, 0x1303, 0x1302, 0xc02b, 0xc02f, 0xcca9, 0xcca8, 0xc02c, 0xc030,
                                         0xc00a, 0xc009, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035};
  static constexpr uint16_t kGroups[] = {0x001d, 0x0017, 0x0018, 0x0019, 0x0100, 0x0101};
  static constexpr uint16_t kSigAlgs[] = {0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806,
                                          0x0401, 0x0501, 0x0601, 0x0203, 0x0201};
  ByteWriter w;
  w.u8(tls::handshake).be16(0x0301);
  auto record = w.begin_len(2);
  w.u8(tls::client_hello);
  auto hello = w.begin_len(3);
  w.be16(0x0303).bytes(rng.bytes(32));
  w.u8(static_cast<uint8_t>(session_id.size())).bytes(session_id);
  w.be16(sizeof kSuites);
  for (uint16_t s : kSuites) w.be16(s);
  w.u8(1).u8(0);  // compression: null
  auto exts = w.begin_len(2);
  tls_ext(w, 0x0000, [&] {  // server_name
    auto list = w.begin_len(2);
    w.u8(0).be16(static_cast<uint16_t>(sni.size())).str(sni);
    w.end_len(list);
  });
  tls_ext(w, 0x0017, [] {});                      // extended_master_secret
  tls_ext(w, 0xff01, [&] { w.u8(0); });           // renegotiation_info
  tls_ext(w, 0x000a, [&] {                        // supported_groups
    w.be16(sizeof kGroups);
    for (uint16_t g : kGroups) w.be16(g);
  });
  tls_ext(w, 0x000b, [&] { w.u8(1).u8(0); });     // ec_point_formats: uncompressed
  tls_ext(w, 0x0023, [] {});                      // session_ticket
  tls_ext(w, 0x0010, [&] {                        // application_layer_protocol_negotiation
    auto list = w.begin_len(2);
    for (const std::string& p : alpn) w.u8(static_cast<uint8_t>(p.size())).str(p);
    w.end_len(list);
  });
  tls_ext(w, 0x0005, [&] { w.u8(1).be16(0).be16(0); });  // status_request: OCSP
  tls_ext(w, 0x0033, [&] {                        // key_share: x25519
    auto list = w.begin_len(2);
    w.be16(0x001d).be16(32).bytes(rng.bytes(32));
    w.end_len(list);
  });
  tls_ext(w, 0x002b, [&] { w.u8(4).be16(0x0304).be16(0x0303); });  // supported_versions
  tls_ext(w, 0x000d, [&] {                        // signature_algorithms
    w.be16(sizeof kSigAlgs);
    for (uint16_t a : kSigAlgs) w.be16(a);
  });
  tls_ext(w, 0x002d, [&] { w.u8(1).u8(1); });     // psk_key_exchange_modes: psk_dhe_ke
  tls_ext(w, 0x001c, [&] { w.be16(0x4001); });    // record_size_limit
  w.end_len(exts);
  w.end_len(hello);
  w.end_len(record);
  return w.take();
}

Bytes tls_server_hello(Rng& rng, std::span<const uint8_t> session_id) {
  ByteWriter w;
  w.u8(tls::handshake).be16(0x0303);
  auto record = w.begin_len(2);
  w.u8(tls::server_hello);
  auto hello = w.begin_len(3);
  w.be16(0x0303).bytes(rng.bytes(32));
  w.u8(static_cast<uint8_t>(session_id.size())).bytes(session_id);
  w.be16(0x1301).u8(0);  // TLS_AES_128_GCM_SHA256, no compression
  auto exts = w.begin_len(2);
  tls_ext(w, 0x002b, [&] { w.be16(0x0304); });    // supported_versions: TLS 1.3
  tls_ext(w, 0x0033, [&] { w.be16(0x001d).be16(32).bytes(rng.bytes(32)); });
  w.end_len(exts);
  w.end_len(hello);
  w.end_len(record);
  return w.take();
}

Bytes tls_change_cipher_spec() { return {tls::change_cipher_spec, 0x03, 0x03, 0x00, 0x01, 0x01}; }

Bytes tls_app_data(Rng& rng, std::size_t len) {
  ByteWriter w;
  w.u8(tls::application_data).be16(0x0303).be16(static_cast<uint16_t>(len)).bytes(rng.bytes(len));
  return w.take();
}

// --- SSH -----------------------------------------------------------------------------

namespace {
// Binary packet protocol framing before keys are in use: length, padding length,
// payload, random padding (>= 4 bytes, total a multiple of 8).
Bytes ssh_packet(Rng& rng, const Bytes& payload) {
  std::size_t pad = 8 - (5 + payload.size()) % 8;
  if (pad < 4) pad += 8;
  ByteWriter w;
  w.be32(static_cast<uint32_t>(1 + payload.size() + pad)).u8(static_cast<uint8_t>(pad));
  w.bytes(payload).bytes(rng.bytes(pad));
  return w.take();
}

void ssh_string(ByteWriter& w, std::string_view s) { w.be32(static_cast<uint32_t>(s.size())).str(s); }
void ssh_string(ByteWriter& w, std::span<const uint8_t> s) { w.be32(static_cast<uint32_t>(s.size())).bytes(s); }
}  // namespace

Bytes ssh_kexinit(Rng& rng, bool client) {
  const char* kex = client ? "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,"
                             "ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,"
                             "diffie-hellman-group18-sha512,diffie-hellman-group14-sha256,ext-info-c,"
                             "kex-strict-c-v00@openssh.com"
                           : "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,"
                             "ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,"
                             "diffie-hellman-group18-sha512,diffie-hellman-group14-sha256,"
                             "kex-strict-s-v00@openssh.com";
  const char* hostkey = client ? "ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256-cert-v01@openssh.com,"
                                 "rsa-sha2-512-cert-v01@openssh.com,ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-512,"
                                 "rsa-sha2-256"
                               : "rsa-sha2-512,rsa-sha2-256,ecdsa-sha2-nistp256,ssh-ed25519";
  const char* cipher = "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,"
                       "aes256-gcm@openssh.com";
  const char* mac = "umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,"
                    "hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,"
                    "umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1";
  const char* compression = client ? "none,zlib@openssh.com" : "none,zlib@openssh.com";
  ByteWriter p;
  p.u8(20).bytes(rng.bytes(16));  // SSH_MSG_KEXINIT, cookie
  for (const char* list : {kex, hostkey, cipher, cipher, mac, mac, compression, compression, "", ""})
    ssh_string(p, std::string_view(list));
  p.u8(0).be32(0);  // first_kex_packet_follows, reserved
  return ssh_packet(rng, p.take());
}

Bytes ssh_ecdh_init(Rng& rng) {
  ByteWriter p;
  p.u8(30);  // SSH_MSG_KEX_ECDH_INIT
  ssh_string(p, rng.bytes(32));
  return ssh_packet(rng, p.take());
}

Bytes ssh_ecdh_reply_newkeys(Rng& rng) {
  ByteWriter hostkey;
  ssh_string(hostkey, std::string_view("ssh-ed25519"));
  ssh_string(hostkey, rng.bytes(32));
  ByteWriter sig;
  ssh_string(sig, std::string_view("ssh-ed25519"));
  ssh_string(sig, rng.bytes(64));
  ByteWriter p;
  p.u8(31);  // SSH_MSG_KEX_ECDH_REPLY
  ssh_string(p, hostkey.data());
  ssh_string(p, rng.bytes(32));
  ssh_string(p, sig.data());
  Bytes out = ssh_packet(rng, p.take());
  Bytes nk = ssh_newkeys(rng);
  out.insert(out.end(), nk.begin(), nk.end());
  return out;
}

Bytes ssh_newkeys(Rng& rng) { return ssh_packet(rng, Bytes{21}); }  // SSH_MSG_NEWKEYS

Bytes ssh_encrypted(Rng& rng, std::size_t body_len) { return rng.bytes(4 + body_len + 16); }

// --- NTP -----------------------------------------------------------------------------

uint64_t ntp_timestamp(uint64_t unix_ns) {
  const uint64_t sec = unix_ns / kNsPerSec + 2208988800ull;  // 1900 -> 1970
  const uint64_t frac = (((unix_ns % kNsPerSec) << 32) + kNsPerSec - 1) / kNsPerSec;  // round up: prints exactly
  return sec << 32 | frac;
}

Bytes ntp_client_request(uint64_t xmt_unix_ns) {
  ByteWriter w;
  w.u8(0x23).u8(0).u8(6).u8(0x20);  // LI 0, VN 4, mode 3 (client); stratum 0; poll 6; precision 2^32
  w.be32(0).be32(0).be32(0);        // root delay, root dispersion, reference id
  w.be64(0).be64(0).be64(0);        // reference, origin, receive
  w.be64(ntp_timestamp(xmt_unix_ns));
  return w.take();
}

Bytes ntp_server_reply(uint64_t client_xmt_unix_ns, uint64_t rx_unix_ns, uint64_t tx_unix_ns, uint32_t refid) {
  ByteWriter w;
  w.u8(0x24).u8(2).u8(6).u8(0xe8);  // LI 0, VN 4, mode 4 (server); stratum 2; poll 6; precision 2^-24
  w.be32(0x00000a3d).be32(0x00000312).be32(refid);  // root delay 0.04 s, dispersion 0.012 s
  w.be64(ntp_timestamp(rx_unix_ns - 37 * kNsPerSec));  // last sync with the upstream server
  w.be64(ntp_timestamp(client_xmt_unix_ns));
  w.be64(ntp_timestamp(rx_unix_ns));
  w.be64(ntp_timestamp(tx_unix_ns));
  return w.take();
}

// --- MQTT ----------------------------------------------------------------------------

namespace {
Bytes mqtt_packet(uint8_t first, const Bytes& body) {
  ByteWriter w;
  w.u8(first);
  std::size_t len = body.size();
  do {  // remaining length, 7 bits per byte
    uint8_t b = len & 0x7f;
    len >>= 7;
    w.u8(len ? (b | 0x80) : b);
  } while (len);
  w.bytes(body);
  return w.take();
}
void mqtt_string(ByteWriter& w, std::string_view s) { w.be16(static_cast<uint16_t>(s.size())).str(s); }
}  // namespace

Bytes mqtt_connect(std::string_view client_id, uint16_t keepalive_s) {
  ByteWriter b;
  mqtt_string(b, "MQTT");
  b.u8(4).u8(0x02).be16(keepalive_s);  // level 3.1.1, clean session
  mqtt_string(b, client_id);
  return mqtt_packet(0x10, b.take());
}
Bytes mqtt_connack() { return {0x20, 0x02, 0x00, 0x00}; }
Bytes mqtt_publish_qos1(std::string_view topic, uint16_t packet_id, std::string_view payload) {
  ByteWriter b;
  mqtt_string(b, topic);
  b.be16(packet_id).str(payload);
  return mqtt_packet(0x32, b.take());
}
Bytes mqtt_puback(uint16_t id) { return {0x40, 0x02, static_cast<uint8_t>(id >> 8), static_cast<uint8_t>(id)}; }
Bytes mqtt_disconnect() { return {0xe0, 0x00}; }

// --- PostgreSQL ----------------------------------------------------------------------

namespace {
// Type byte, then a length covering itself and the body.
void pg_message(ByteWriter& w, char type, const Bytes& body) {
  w.u8(static_cast<uint8_t>(type)).be32(static_cast<uint32_t>(4 + body.size())).bytes(body);
}
void cstr(ByteWriter& w, std::string_view s) { w.str(s).u8(0); }
}  // namespace

Bytes pg_startup(std::string_view user, std::string_view database, std::string_view application) {
  ByteWriter b;
  b.be32(196608);  // protocol 3.0
  cstr(b, "user");
  cstr(b, user);
  cstr(b, "database");
  cstr(b, database);
  cstr(b, "application_name");
  cstr(b, application);
  cstr(b, "client_encoding");
  cstr(b, "UTF8");
  b.u8(0);
  ByteWriter w;
  w.be32(static_cast<uint32_t>(4 + b.size())).bytes(b.data());
  return w.take();
}

Bytes pg_auth_md5_request(Rng& rng) {
  ByteWriter b;
  b.be32(5).bytes(rng.bytes(4));  // AuthenticationMD5Password, salt
  ByteWriter w;
  pg_message(w, 'R', b.take());
  return w.take();
}

Bytes pg_password_md5(Rng& rng) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string pw = "md5";
  for (uint8_t byte : rng.bytes(16)) {
    pw += kHex[byte >> 4];
    pw += kHex[byte & 15];
  }
  ByteWriter b;
  cstr(b, pw);
  ByteWriter w;
  pg_message(w, 'p', b.take());
  return w.take();
}

Bytes pg_login_ok(uint32_t pid, uint32_t secret) {
  ByteWriter w;
  pg_message(w, 'R', Bytes{0, 0, 0, 0});  // AuthenticationOk
  for (auto [k, v] : {std::pair<const char*, const char*>{"server_version", "16.1"},
                      {"server_encoding", "UTF8"},
                      {"client_encoding", "UTF8"},
                      {"DateStyle", "ISO, MDY"},
                      {"TimeZone", "Etc/UTC"},
                      {"integer_datetimes", "on"}}) {
    ByteWriter b;
    cstr(b, k);
    cstr(b, v);
    pg_message(w, 'S', b.take());
  }
  ByteWriter key;
  key.be32(pid).be32(secret);
  pg_message(w, 'K', key.take());
  pg_message(w, 'Z', Bytes{'I'});
  return w.take();
}

Bytes pg_query(std::string_view sql) {
  ByteWriter b;
  cstr(b, sql);
  ByteWriter w;
  pg_message(w, 'Q', b.take());
  return w.take();
}

Bytes pg_single_value(std::string_view column, uint32_t type_oid, int16_t type_len, std::string_view value) {
  ByteWriter w;
  ByteWriter rd;
  rd.be16(1);
  cstr(rd, column);
  rd.be32(0).be16(0).be32(type_oid).be16(static_cast<uint16_t>(type_len)).be32(0xffffffff).be16(0);
  pg_message(w, 'T', rd.take());
  ByteWriter dr;
  dr.be16(1).be32(static_cast<uint32_t>(value.size())).str(value);
  pg_message(w, 'D', dr.take());
  ByteWriter cc;
  cstr(cc, "SELECT 1");
  pg_message(w, 'C', cc.take());
  pg_message(w, 'Z', Bytes{'I'});
  return w.take();
}

Bytes pg_terminate() { return {'X', 0, 0, 0, 4}; }

// --- misc ----------------------------------------------------------------------------

Bytes ping_payload(uint64_t unix_ns) {
  ByteWriter w;
  w.le64(unix_ns / kNsPerSec).le64(unix_ns % kNsPerSec / 1000);
  for (uint8_t b = 0x10; b < 0x38; ++b) w.u8(b);
  return w.take();
}

Bytes syslog_message(int facility, int severity, uint64_t unix_ns, std::string_view host, std::string_view text) {
  std::string s = "<";
  s += std::to_string(facility * 8 + severity);
  s += '>';
  s += syslog_time(unix_ns);
  s += ' ';
  s += host;
  s += ' ';
  s += text;
  return to_bytes(s);
}

}  // namespace pcapgen
