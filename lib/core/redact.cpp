#include "core/redact.hpp"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <vector>

namespace flowprobe {

namespace {

std::mutex g_mutex;
std::vector<std::string> g_values;  // longest first, so a value inside another goes second

constexpr std::size_t kMinValueLength = 4;

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '-';
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  return out;
}

}  // namespace

bool is_secret_setting(std::string_view raw) {
  while (!raw.empty() && raw.front() == '-') raw.remove_prefix(1);
  std::string name = lower(raw);
  if (name.starts_with("topic.")) name.erase(0, 6);
  // SASL properties that name an identity or a method: what support needs to see.
  static constexpr std::string_view kSaslPlain[] = {
      "sasl.mechanism", "sasl.mechanisms", "sasl.username", "sasl.kerberos.principal", "sasl.kerberos.service.name",
      "sasl.kerberos.min.time.before.relogin", "sasl.oauthbearer.method", "sasl.oauthbearer.scope",
      "sasl.oauthbearer.client.id", "sasl.oauthbearer.token.endpoint.url"};
  if (std::find(std::begin(kSaslPlain), std::end(kSaslPlain), name) != std::end(kSaslPlain)) return false;
  static constexpr std::string_view kWords[] = {"password", "passwd", "secret", "token", "credential",
                                                "keytab", "jaas.config", "private.key", "private_key"};
  for (std::string_view w : kWords)
    if (name.find(w) != std::string::npos) return true;
  return name.starts_with("sasl.") || name.starts_with("ssl.key.") || name == "ssl_key" ||
         name.starts_with("ssl.keystore.") || name.ends_with("key.pem") || name == "syslog-tls-key" ||
         name == "log-upload-key";
}

void remember_secret(std::string_view value) {
  if (value.size() < kMinValueLength) return;
  std::lock_guard<std::mutex> lock(g_mutex);
  if (std::find(g_values.begin(), g_values.end(), value) != g_values.end()) return;
  g_values.emplace_back(value);
  std::stable_sort(g_values.begin(), g_values.end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

void remember_secret_setting(std::string_view kv) {
  const auto eq = kv.find('=');
  if (eq != std::string_view::npos && is_secret_setting(kv.substr(0, eq))) remember_secret(kv.substr(eq + 1));
}

std::string redact(std::string_view text) {
  std::string s(text);
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    for (const std::string& v : g_values)
      for (std::size_t p = 0; (p = s.find(v, p)) != std::string::npos; p += kRedacted.size())
        s.replace(p, v.size(), kRedacted);
  }
  // NAME=VALUE and NAME = "VALUE" (a config file line, a librdkafka message, our own
  // errors): the name is read backwards from each '='.
  for (std::size_t eq = s.find('='); eq != std::string::npos; eq = s.find('=', eq + 1)) {
    std::size_t end = eq;
    while (end > 0 && (s[end - 1] == ' ' || s[end - 1] == '\t')) --end;
    std::size_t begin = end;
    while (begin > 0 && name_char(s[begin - 1])) --begin;
    if (begin == end || !is_secret_setting(std::string_view(s).substr(begin, end - begin))) continue;
    std::size_t v = eq + 1;
    while (v < s.size() && (s[v] == ' ' || s[v] == '\t')) ++v;
    std::size_t v_end = v;
    if (v < s.size() && (s[v] == '"' || s[v] == '\'')) {
      const char quote = s[v++];
      v_end = s.find(quote, v);
      if (v_end == std::string::npos) v_end = s.find('\n', v);
      if (v_end == std::string::npos) v_end = s.size();
    } else {
      while (v_end < s.size() && s[v_end] != ' ' && s[v_end] != '\t' && s[v_end] != '\n' && s[v_end] != '"' &&
             s[v_end] != '\'')
        ++v_end;
    }
    if (v_end > v && std::string_view(s).substr(v, v_end - v) != kRedacted) s.replace(v, v_end - v, kRedacted);
    eq = v;
  }
  return s;
}

bool redact_in_place(char* arg) {
  const std::size_t n = std::strlen(arg);
  const std::string masked = redact(std::string_view(arg, n));
  if (masked == std::string_view(arg, n)) return false;
  // The argv area cannot grow: a longer result (a short value masked by name) is cut.
  const std::size_t keep = std::min(masked.size(), n);
  std::memcpy(arg, masked.data(), keep);
  std::memset(arg + keep, '*', n - keep);
  return true;
}

}  // namespace flowprobe
