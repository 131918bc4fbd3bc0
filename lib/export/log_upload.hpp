#pragma once
// One file POSTed over HTTPS with mutual TLS, as the OsecT sensor sends its log archives
// (../shared/spec/osect-logs.md §1.3): multipart/form-data with the file in the part
// "file_uploaded" and the form field "label_id"; the probe shows a client certificate and
// checks the server's. libcurl (OpenSSL) does the work. Used by the log delivery
// (log_delivery.hpp) and by `flowprobe support-bundle --upload`.
//
// Blocking (up to the timeout): call it from a thread of its own, never the packet path.
#include <chrono>
#include <filesystem>
#include <string>

namespace flowprobe {

struct UploadConfig {
  std::string url;        // https://HOST[:PORT]/PATH
  std::string label;      // the label_id field (empty by default, as the sensor sends it)
  std::string cert_file;  // client certificate (PEM); may hold the key too (the sensor's client.pem)
  std::string key_file;   // its private key (PEM; empty: in cert_file). A secret: never logged
  std::string ca_file;    // CA certificates the server's must chain to (empty: the system's)
  std::chrono::seconds timeout{180};
  bool active() const { return !url.empty(); }
};

struct UploadResult {
  bool ok = false;        // the server answered 200
  long http_status = 0;   // 0: no HTTP answer (connection, TLS or timeout failure)
  std::string error;      // why not, when !ok
};

// Checks the URL (https://) and that the certificate, key and CA files can be read;
// `option` prefixes the message ("--log-upload"). False with `error` set otherwise.
bool check_upload_config(const UploadConfig& config, const std::string& option, std::string& error);

// Connects and completes the TLS handshake (the server's certificate checked, ours
// shown) without sending a request: what `flowprobe check` says of --log-upload.
UploadResult probe_upload_server(const UploadConfig& config, std::chrono::milliseconds timeout);

// POSTs `file` (its name as the part's filename). `timeout` caps config.timeout when
// shorter (a drain at exit). Thread-safe: each call has its own handle.
UploadResult upload_file(const UploadConfig& config, const std::filesystem::path& file,
                         std::chrono::seconds timeout = std::chrono::seconds::max());

}  // namespace flowprobe
