#pragma once
// Secrets never leave the probe in words. Every log line (stderr, the journal and
// --log-file), the stats endpoint and file, check's verdicts and each file of the support
// bundle pass through redact(), the one place that decides what is masked:
//  - by name: the value after "NAME=" or "NAME = " where NAME is a setting that holds a
//    secret (is_secret_setting: librdkafka's passwords, SASL secrets, private keys and
//    keystores, OAuth tokens; our --syslog-tls-key), quoted or not;
//  - by value: each value of such a setting given at start (remember_secret_setting),
//    wherever it appears later, with or without its name (a library echoing it back).
#include <string>
#include <string_view>

namespace flowprobe {

inline constexpr std::string_view kRedacted = "****";

// True when a setting of this name holds a secret: any name with password, passwd,
// secret, token, credential, keytab, jaas.config or private.key in it; librdkafka's
// ssl.key.*, ssl_key, ssl.keystore.* and every sasl.* property but the few that name
// rather than prove (sasl.mechanism(s), sasl.username, sasl.kerberos.principal,
// sasl.kerberos.service.name, sasl.kerberos.min.time.before.relogin,
// sasl.oauthbearer.method/.scope/.client.id/.token.endpoint.url); and our own
// syslog-tls-key. A "topic." prefix and leading dashes are ignored; case too.
bool is_secret_setting(std::string_view name);

// "name=value": remembers value when name is a secret's. Values shorter than 4
// characters are masked only after their name (masking every "ab" would garble the logs).
void remember_secret_setting(std::string_view name_equals_value);
// Remembers `value` as secret whatever it belongs to (same length rule).
void remember_secret(std::string_view value);

// `text` with every remembered value and the value of every secret setting replaced by
// kRedacted. Not for the packet path: it takes a lock and allocates.
std::string redact(std::string_view text);

// Overwrites, in place, what redact() would mask in `arg` (a NUL-terminated argv
// string), so that ps and /proc/PID/cmdline do not show it. True when it changed.
bool redact_in_place(char* arg);

}  // namespace flowprobe
