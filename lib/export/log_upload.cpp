#include "export/log_upload.hpp"

#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>

namespace flowprobe {

namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

bool readable(const std::string& path, const std::string& what, std::string& error) {
  if (path.empty() || ::access(path.c_str(), R_OK) == 0) return true;
  error = what + " '" + path + "': " + std::strerror(errno);
  return false;
}

// The first bytes of the answer, for the message of a refusal.
size_t keep_head(char* data, size_t size, size_t n, void* user) {
  auto* body = static_cast<std::string*>(user);
  const size_t bytes = size * n;
  if (body->size() < 200) body->append(data, std::min(bytes, 200 - body->size()));
  return bytes;
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct MimeDeleter {
  void operator()(curl_mime* m) const { curl_mime_free(m); }
};

}  // namespace

bool check_upload_config(const UploadConfig& c, const std::string& option, std::string& error) {
  if (!c.url.starts_with("https://") || c.url.size() <= 8) {
    error = option + " '" + c.url + "': expected https://HOST[:PORT]/PATH (the logs go over TLS only)";
    return false;
  }
  if (c.cert_file.empty() && !c.key_file.empty()) {
    error = option + "-key needs " + option + "-cert (the client certificate it belongs to)";
    return false;
  }
  // The key's path is a secret's place: named by its option, not its path.
  if (!readable(c.cert_file, option + "-cert", error) || !readable(c.ca_file, option + "-ca", error)) return false;
  if (!c.key_file.empty() && ::access(c.key_file.c_str(), R_OK) != 0) {
    error = option + "-key: the key file cannot be read: " + std::strerror(errno);
    return false;
  }
  return true;
}

namespace {
// The TLS settings both calls share: https only, the server checked, our certificate shown.
void set_tls(CURL* h, const UploadConfig& c) {
  curl_easy_setopt(h, CURLOPT_URL, c.url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // off the main thread: no SIGALRM for timeouts
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!c.cert_file.empty()) {
    curl_easy_setopt(h, CURLOPT_SSLCERT, c.cert_file.c_str());
    curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
    // Without a key file the key is read from the certificate's file (client.pem).
    curl_easy_setopt(h, CURLOPT_SSLKEY, (c.key_file.empty() ? c.cert_file : c.key_file).c_str());
    curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
  }
  if (!c.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, c.ca_file.c_str());
}

// A handle, or null with r.error set.
std::unique_ptr<CURL, CurlDeleter> new_handle(UploadResult& r) {
  global_init();
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) r.error = "libcurl: cannot create a handle";
  return curl;
}
}  // namespace

UploadResult probe_upload_server(const UploadConfig& c, std::chrono::milliseconds timeout) {
  UploadResult r;
  const auto curl = new_handle(r);
  if (!curl) return r;
  char errbuf[CURL_ERROR_SIZE] = {};
  set_tls(curl.get(), c);
  curl_easy_setopt(curl.get(), CURLOPT_CONNECT_ONLY, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<int64_t>(1, timeout.count())));
  curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, errbuf);
  const CURLcode rc = curl_easy_perform(curl.get());
  r.ok = rc == CURLE_OK;
  if (!r.ok) r.error = std::string(curl_easy_strerror(rc)) + (errbuf[0] ? std::string(": ") + errbuf : "");
  return r;
}

UploadResult upload_file(const UploadConfig& c, const std::filesystem::path& file, std::chrono::seconds timeout) {
  UploadResult r;
  const auto curl = new_handle(r);
  if (!curl) return r;
  CURL* h = curl.get();
  std::unique_ptr<curl_mime, MimeDeleter> mime(curl_mime_init(h));
  curl_mimepart* part = curl_mime_addpart(mime.get());
  curl_mime_name(part, "file_uploaded");
  if (curl_mime_filedata(part, file.c_str()) != CURLE_OK) {
    r.error = file.string() + ": cannot be read";
    return r;
  }
  curl_mime_type(part, "application/octet-stream");
  part = curl_mime_addpart(mime.get());
  curl_mime_name(part, "label_id");
  curl_mime_data(part, c.label.c_str(), CURL_ZERO_TERMINATED);

  char errbuf[CURL_ERROR_SIZE] = {};
  std::string body;
  const long secs = static_cast<long>(std::max<int64_t>(1, std::min(c.timeout, timeout).count()));
  set_tls(h, c);
  curl_easy_setopt(h, CURLOPT_MIMEPOST, mime.get());
  curl_easy_setopt(h, CURLOPT_TIMEOUT, secs);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, std::min(secs, 30L));
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, keep_head);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
  // As python-requests (the sensor's client) sends it: no "Expect: 100-continue" wait.
  curl_slist* headers = curl_slist_append(nullptr, "Expect:");
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  const CURLcode rc = curl_easy_perform(h);
  curl_slist_free_all(headers);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.http_status);
  if (rc != CURLE_OK) {
    r.http_status = 0;
    r.error = std::string(curl_easy_strerror(rc)) + (errbuf[0] ? std::string(": ") + errbuf : "");
    return r;
  }
  r.ok = r.http_status == 200;
  if (!r.ok) {
    for (char& ch : body)
      if (ch == '\n' || ch == '\r' || ch == '\t') ch = ' ';
    r.error = "HTTP " + std::to_string(r.http_status) + (body.empty() ? "" : ": " + body);
  }
  return r;
}

}  // namespace flowprobe
