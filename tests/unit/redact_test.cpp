// core/redact: which settings hold secrets, and what is masked where.
#include <gtest/gtest.h>

#include <cstring>

#include "core/redact.hpp"

using namespace flowprobe;

TEST(Redact, SecretSettingsByName) {
  for (const char* name : {"sasl.password", "sasl.oauthbearer.config", "sasl.oauthbearer.client.secret",
                           "sasl.kerberos.keytab", "sasl.kerberos.kinit.cmd", "sasl.jaas.config", "ssl.key.location",
                           "ssl.key.password", "ssl.key.pem", "ssl_key", "ssl.keystore.location", "ssl.keystore.password",
                           "ssl.truststore.password", "topic.sasl.password", "SASL.PASSWORD", "--syslog-tls-key",
                           "syslog-tls-key", "oauth.token", "client.credentials"})
    EXPECT_TRUE(is_secret_setting(name)) << name;
  for (const char* name : {"sasl.username", "sasl.mechanism", "sasl.mechanisms", "sasl.kerberos.principal",
                           "sasl.oauthbearer.token.endpoint.url", "ssl.ca.location", "ssl.certificate.location",
                           "security.protocol", "linger.ms", "syslog-tls-cert", "kafka-key", "bootstrap.servers"})
    EXPECT_FALSE(is_secret_setting(name)) << name;
}

TEST(Redact, MasksValuesAfterTheirNameAndWhereverTheyAppear) {
  remember_secret_setting("sasl.password=Sup3r secret value");
  remember_secret_setting("linger.ms=12345");  // not a secret: never masked
  remember_secret_setting("ssl.key.password=ab");  // too short to mask alone; masked after its name
  EXPECT_EQ(redact("connect failed: Sup3r secret value rejected"), "connect failed: **** rejected");
  EXPECT_EQ(redact("kafka-conf = [\"sasl.password=Sup3r secret value\", \"linger.ms=12345\"]"),
            "kafka-conf = [\"sasl.password=****\", \"linger.ms=12345\"]");
  EXPECT_EQ(redact("ssl.key.password=ab, ssl.keystore.password = \"x y\" sasl.username=probe"),
            "ssl.key.password=**** ssl.keystore.password = \"****\" sasl.username=probe");
  EXPECT_EQ(redact("syslog-tls-key=\"/etc/k.pem\"\nsyslog-tls-cert=\"/etc/c.pem\""),
            "syslog-tls-key=\"****\"\nsyslog-tls-cert=\"/etc/c.pem\"");
  EXPECT_EQ(redact("nothing to hide = here"), "nothing to hide = here");
}

TEST(Redact, InPlaceKeepsTheArgumentsLength) {
  char arg[] = "sasl.kerberos.keytab=/etc/krb5/probe.keytab";
  const std::size_t n = std::strlen(arg);
  EXPECT_TRUE(redact_in_place(arg));
  EXPECT_EQ(std::strlen(arg), n);
  EXPECT_EQ(std::string(arg).rfind("sasl.kerberos.keytab=****", 0), 0u) << arg;
  EXPECT_EQ(std::string(arg).find("krb5"), std::string::npos) << arg;
  char plain[] = "linger.ms=5";
  EXPECT_FALSE(redact_in_place(plain));
}
