#pragma once
// Application payloads in their real wire formats: HTTP/1.1, TLS 1.3 records, SSH
// transport messages, NTPv4, MQTT 3.1.1, the PostgreSQL frontend/backend protocol,
// BSD syslog and Linux ping data.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bytes.hpp"
#include "rng.hpp"

namespace pcapgen {

// --- time text (UTC) ---------------------------------------------------------------
std::string http_date(uint64_t unix_ns);      // "Mon, 01 Jan 2024 00:00:00 GMT"
std::string syslog_time(uint64_t unix_ns);    // "Jan  1 00:00:04"
std::string sql_timestamp(uint64_t unix_ns);  // "2024-01-01 00:00:08.123456+00"

// --- HTTP/1.1 ------------------------------------------------------------------------
Bytes http_get(std::string_view host, std::string_view path, std::string_view user_agent);
// "200 OK" with Content-Type and an exact Content-Length.
Bytes http_ok(std::string_view body, std::string_view content_type, uint64_t unix_ns);

// --- TLS -----------------------------------------------------------------------------
// ClientHello (record version 3.1, legacy_version 3.3) offering TLS 1.3 and 1.2 with
// server_name, ALPN, supported_versions, key_share (x25519) and friends.
Bytes tls_client_hello(Rng& rng, std::string_view sni, const std::vector<std::string>& alpn,
                       std::span<const uint8_t> session_id);
// TLS 1.3 ServerHello selecting TLS_AES_128_GCM_SHA256 and x25519.
Bytes tls_server_hello(Rng& rng, std::span<const uint8_t> session_id);
Bytes tls_change_cipher_spec();
// One application_data record carrying `len` bytes of (random) ciphertext.
Bytes tls_app_data(Rng& rng, std::size_t len);

// --- SSH -----------------------------------------------------------------------------
Bytes ssh_kexinit(Rng& rng, bool client);
Bytes ssh_ecdh_init(Rng& rng);
Bytes ssh_ecdh_reply_newkeys(Rng& rng);  // KEX_ECDH_REPLY (ed25519 host key) + NEWKEYS
Bytes ssh_newkeys(Rng& rng);
// An encrypted chacha20-poly1305 packet: 4-byte length, body, 16-byte MAC (all random).
Bytes ssh_encrypted(Rng& rng, std::size_t body_len);

// --- NTP -----------------------------------------------------------------------------
uint64_t ntp_timestamp(uint64_t unix_ns);
Bytes ntp_client_request(uint64_t xmt_unix_ns);
Bytes ntp_server_reply(uint64_t client_xmt_unix_ns, uint64_t rx_unix_ns, uint64_t tx_unix_ns, uint32_t refid);

// --- MQTT 3.1.1 ----------------------------------------------------------------------
Bytes mqtt_connect(std::string_view client_id, uint16_t keepalive_s);
Bytes mqtt_connack();
Bytes mqtt_publish_qos1(std::string_view topic, uint16_t packet_id, std::string_view payload);
Bytes mqtt_puback(uint16_t packet_id);
Bytes mqtt_disconnect();

// --- PostgreSQL (protocol 3.0) -------------------------------------------------------
Bytes pg_startup(std::string_view user, std::string_view database, std::string_view application);
// AuthenticationMD5Password with its salt (sent alone, as servers do).
Bytes pg_auth_md5_request(Rng& rng);
// PasswordMessage "md5" + 32 hex digits.
Bytes pg_password_md5(Rng& rng);
// AuthenticationOk, a few ParameterStatus, BackendKeyData, ReadyForQuery.
Bytes pg_login_ok(uint32_t pid, uint32_t secret);
Bytes pg_query(std::string_view sql);
// RowDescription (one column) + DataRow + CommandComplete "SELECT 1" + ReadyForQuery.
Bytes pg_single_value(std::string_view column, uint32_t type_oid, int16_t type_len, std::string_view value);
Bytes pg_terminate();

// --- misc ----------------------------------------------------------------------------
// iputils ping data: 16-byte struct timeval then 0x10, 0x11, ... (56 bytes in all).
Bytes ping_payload(uint64_t unix_ns);
// RFC 3164 message: "<PRI>Mmm dd hh:mm:ss host text".
Bytes syslog_message(int facility, int severity, uint64_t unix_ns, std::string_view host, std::string_view text);

}  // namespace pcapgen
