// The "demo" scenario: a few minutes of realistic office-LAN traffic with known flows.
// The capture point sits on the LAN next to the clients (192.168.1.0/24, gateway
// 192.168.1.1): frames to off-LAN servers carry the router's MAC, and server TTLs are
// already decremented by the hops in between. See README.md for the flow list.
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "dns.hpp"
#include "flows.hpp"
#include "options.hpp"
#include "payloads.hpp"
#include "pcap_writer.hpp"
#include "trace.hpp"
#include "truth.hpp"

namespace pcapgen {

namespace {

struct Host {
  Mac mac;
  IpAddr ip;
};

IpAddr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) { return IpAddr::v4(a, b, c, d); }
IpAddr v6(std::array<uint16_t, 8> g) { return IpAddr::v6(g); }
Mac mac(const char* s) { return Mac::parse(s); }

// LAN side. MAC prefixes are real vendor OUIs.
const Mac kRouterMac = mac("00:1a:a1:5c:42:01");  // Cisco, gateway for 192.168.1.0/24 and 2001:db8:1::/64
const IpAddr kRouterIp = v4(192, 168, 1, 1);
const Host kDnsClient{mac("3c:22:fb:8a:11:10"), v4(192, 168, 1, 10)};  // Apple laptop
const IpAddr kDnsClientV6 = v6({0x2001, 0xdb8, 1, 0, 0, 0, 0, 0x10});  // same laptop, IPv6
const Host kWebClient{mac("00:1b:21:3a:4f:11"), v4(192, 168, 1, 11)};  // Intel NIC
const Host kTlsClient{mac("f4:8e:38:c2:7d:12"), v4(192, 168, 1, 12)};  // Dell
const Host kSshClient{mac("00:1b:21:3a:4f:13"), v4(192, 168, 1, 13)};
const Host kNtpClient{mac("b8:27:eb:45:e1:14"), v4(192, 168, 1, 14)};  // Raspberry Pi
const Host kPingClient{mac("3c:22:fb:8a:11:15"), v4(192, 168, 1, 15)};
const Host kMqttClient{mac("b8:27:eb:45:e1:16"), v4(192, 168, 1, 16)};
const Host kPgClient{mac("00:50:56:9a:3e:17"), v4(192, 168, 1, 17)};   // VMware VM
// VLAN 100 (management): a switch logging to a syslog server on the same VLAN.
constexpr uint16_t kMgmtVlan = 100;
const Host kSwitch{mac("00:1e:bd:7c:10:20"), v4(192, 168, 100, 20)};
const Host kSyslogServer{mac("00:50:56:9a:64:05"), v4(192, 168, 100, 5)};

// Servers beyond the router.
const IpAddr kDnsServer = v4(10, 0, 0, 53);
const IpAddr kWebServer = v4(93, 184, 216, 34);  // www.example.com
const IpAddr kSshServer = v4(10, 0, 0, 22);
const IpAddr kNtpServer = v4(10, 0, 0, 123);
const IpAddr kPingTarget = v4(10, 0, 0, 1);
const IpAddr kMqttBroker = v4(10, 0, 0, 18);
const IpAddr kPgServer = v4(10, 0, 0, 54);
const IpAddr kDnsServerV6 = v6({0x2001, 0xdb8, 0x53, 0, 0, 0, 0, 0x53});
const IpAddr kWebServerV6 = v6({0x2001, 0xdb8, 0x80, 0, 0, 0, 0, 0x80});

constexpr const char* kExampleHtml =
    "<!doctype html>\n<html>\n<head>\n    <title>Example Domain</title>\n    <meta charset=\"utf-8\" />\n"
    "</head>\n<body>\n<div>\n    <h1>Example Domain</h1>\n"
    "    <p>This domain is for use in illustrative examples in documents.</p>\n"
    "</div>\n</body>\n</html>\n";

class DemoBuilder {
 public:
  explicit DemoBuilder(uint64_t seed) : root_(seed) {}

  void build(Trace& t) {
    arp(t);
    dns_v4(t);
    http(t);
    tls(t);
    ssh(t);
    ntp(t);
    ping(t);
    ipv6(t);
    syslog_vlan(t);
    mqtt_long_lived(t);
    postgres_idle_resume(t);
  }

 private:
  static uint64_t at(double seconds) { return kBaseTimeNs + static_cast<uint64_t>(std::llround(seconds * 1e6)) * kUs; }

  // Each flow gets its own random stream, so editing one flow never changes another.
  Rng stream(uint64_t n) const { return root_.fork(n); }

  // An ephemeral port not yet used by this client address.
  uint16_t client_port(Rng& rng, const IpAddr& ip) {
    for (;;) {
      const uint16_t p = rng.ephemeral_port();
      bool taken = false;
      for (const auto& [a, q] : used_ports_) taken = taken || (a == ip && q == p);
      if (!taken) {
        used_ports_.emplace_back(ip, p);
        return p;
      }
    }
  }

  Endpoints ends(const Host& client, const IpAddr& server, uint16_t cport, uint16_t sport, uint8_t server_ttl) {
    Endpoints e;
    e.client_ip = client.ip;
    e.client_mac = client.mac;
    e.server_ip = server;
    e.server_mac = kRouterMac;
    e.client_port = cport;
    e.server_port = sport;
    e.server_ttl = server_ttl;
    return e;
  }

  // One query/response exchange on its own source port (one flow per lookup).
  void dns_lookup(Trace& t, uint64_t stream_id, Endpoints e, double start, uint64_t rtt, std::string label,
                  std::string_view qname, uint16_t qtype, uint16_t rflags,
                  const std::function<void(DnsBuilder&)>& answers) {
    Rng rng = stream(stream_id);
    e.client_port = client_port(rng, e.client_ip);
    e.server_port = 53;
    UdpFlow f(t, e, std::move(label), rng);
    const uint16_t id = f.rng().u16();
    f.at(at(start));
    f.send(Dir::c2s, DnsBuilder(id, dns::flags_query).question(qname, qtype).edns(1232).finish());
    DnsBuilder r(id, rflags);
    r.question(qname, qtype);
    answers(r);
    r.edns(1232);
    f.wait(rtt);
    f.send(Dir::s2c, r.finish());
  }

  // 192.168.1.10 asks for its gateway's MAC.
  void arp(Trace& t) {
    const Frame req = build_arp(kDnsClient.mac, Mac::broadcast(), 1, kDnsClient.mac, kDnsClient.ip, Mac{},
                                kRouterIp);
    const Frame rep = build_arp(kRouterMac, kDnsClient.mac, 2, kRouterMac, kRouterIp, kDnsClient.mac, kDnsClient.ip);
    t.add(at(0.0), -1, Dir::c2s, req);
    t.add(at(0.000350), -1, Dir::s2c, rep);
  }

  void dns_v4(Trace& t) {
    const Endpoints e = ends(kDnsClient, kDnsServer, 0, 53, 63);
    dns_lookup(t, 1, e, 0.010, 12300 * kUs, "dns-a", "www.example.com", dns::type_a, dns::flags_response,
               [](DnsBuilder& r) { r.answer_a("www.example.com", 3600, kWebServer); });
    dns_lookup(t, 2, e, 0.0112, 13100 * kUs, "dns-aaaa", "www.example.com", dns::type_aaaa, dns::flags_response,
               [](DnsBuilder& r) {
                 r.answer_aaaa("www.example.com", 3600, v6({0x2606, 0x2800, 0x220, 1, 0x248, 0x1893, 0x25c8, 0x1946}));
               });
    dns_lookup(t, 3, e, 1.000, 18700 * kUs, "dns-cname", "www.github.com", dns::type_a, dns::flags_response,
               [](DnsBuilder& r) {
                 r.answer_cname("www.github.com", 3600, "github.com");
                 r.answer_a("github.com", 60, v4(140, 82, 121, 4));
               });
    dns_lookup(t, 4, e, 1.200, 21400 * kUs, "dns-nxdomain", "nonexistent.example.com", dns::type_a,
               dns::flags_nxdomain, [](DnsBuilder& r) {
                 r.authority_soa("example.com", 3600, "ns.icann.org", "noc.dns.icann.org", 2024010101, 7200, 3600,
                                 1209600, 3600);
               });
    dns_lookup(t, 5, e, 2.000, 9800 * kUs, "dns-a", "time.example.net", dns::type_a, dns::flags_response,
               [](DnsBuilder& r) { r.answer_a("time.example.net", 300, kNtpServer); });
  }

  // HTTP/1.1: handshake, GET, 200 with a small page, FIN from both sides, last ACK.
  void http(Trace& t) {
    Rng rng = stream(10);
    const uint16_t port = client_port(rng, kWebClient.ip);
    TcpFlow f(t, ends(kWebClient, kWebServer, port, 80, 52), "http", rng);
    const uint64_t rtt = 11 * kMs;
    f.at(at(0.100));
    f.connect(rtt);
    f.wait(120 * kUs);
    f.send(Dir::c2s, http_get("www.example.com", "/", "curl/8.5.0"));
    f.wait(rtt);
    f.ack(Dir::s2c);
    f.wait(900 * kUs);
    f.send(Dir::s2c, http_ok(kExampleHtml, "text/html; charset=UTF-8", f.now()));
    f.wait(50 * kUs);
    f.ack(Dir::c2s);
    f.wait(2 * kMs);
    f.fin(Dir::c2s);
    f.wait(rtt);
    f.fin(Dir::s2c);
    f.wait(40 * kUs);
    f.ack(Dir::c2s);
  }

  // TLS 1.3 to www.example.com:443, ALPN h2, a few records each way, then a RST.
  void tls(Trace& t) {
    Rng rng = stream(11);
    const uint16_t port = client_port(rng, kTlsClient.ip);
    TcpFlow f(t, ends(kTlsClient, kWebServer, port, 443, 52), "tls", rng);
    const uint64_t rtt = 11 * kMs;
    Rng& r = f.rng();
    f.at(at(0.500));
    f.connect(rtt);
    f.wait(150 * kUs);
    const Bytes sid = r.bytes(32);
    f.send(Dir::c2s, tls_client_hello(r, "www.example.com", {"h2", "http/1.1"}, sid));
    f.wait(rtt + 600 * kUs);
    // ServerHello, CCS, then EncryptedExtensions/Certificate/CertificateVerify/Finished.
    f.send(Dir::s2c, concat({tls_server_hello(r, sid), tls_change_cipher_spec(), tls_app_data(r, 2786)}));
    f.wait(60 * kUs);
    f.ack(Dir::c2s);
    f.wait(1200 * kUs);
    f.send(Dir::c2s, concat({tls_change_cipher_spec(), tls_app_data(r, 53)}));  // client Finished
    f.wait(40 * kUs);
    f.send(Dir::c2s, tls_app_data(r, 219));  // HTTP/2 preface, SETTINGS, HEADERS
    f.wait(rtt);
    f.send(Dir::s2c, concat({tls_app_data(r, 250), tls_app_data(r, 250)}));  // NewSessionTickets
    f.wait(2 * kMs);
    f.send(Dir::s2c, concat({tls_app_data(r, 180), tls_app_data(r, 1290)}));  // response HEADERS + DATA
    f.wait(50 * kUs);
    f.ack(Dir::c2s);
    f.wait(1500 * kMs);
    f.send(Dir::c2s, tls_app_data(r, 19));  // close_notify alert, encrypted
    f.wait(30 * kUs);
    f.rst(Dir::c2s);
  }

  // SSH: banners, key exchange, encrypted traffic both ways; never closed.
  void ssh(Trace& t) {
    Rng rng = stream(12);
    const uint16_t port = client_port(rng, kSshClient.ip);
    TcpFlow f(t, ends(kSshClient, kSshServer, port, 22, 63), "ssh", rng);
    const uint64_t rtt = 1200 * kUs;
    Rng& r = f.rng();
    f.at(at(1.500));
    f.connect(rtt);
    f.wait(2 * kMs);
    f.send(Dir::s2c, to_bytes("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u2\r\n"));
    f.wait(60 * kUs);
    f.send(Dir::c2s, to_bytes("SSH-2.0-OpenSSH_9.6\r\n"));
    f.wait(40 * kUs);
    f.send(Dir::c2s, ssh_kexinit(r, true));
    f.wait(rtt + 300 * kUs);
    f.send(Dir::s2c, ssh_kexinit(r, false));
    f.wait(400 * kUs);
    f.send(Dir::c2s, ssh_ecdh_init(r));
    f.wait(rtt + 3 * kMs);
    f.send(Dir::s2c, ssh_ecdh_reply_newkeys(r));
    f.wait(900 * kUs);
    f.send(Dir::c2s, ssh_newkeys(r));
    // Encrypted: service request, user auth (publickey), channel open, pty, shell,
    // then a few keystrokes and their echoes.
    const std::pair<Dir, std::size_t> steps[] = {
        {Dir::c2s, 28},  {Dir::s2c, 28},  {Dir::c2s, 44},  {Dir::s2c, 60},  {Dir::c2s, 396},
        {Dir::s2c, 332}, {Dir::c2s, 620}, {Dir::s2c, 12},  {Dir::c2s, 44},  {Dir::s2c, 28},
        {Dir::c2s, 364}, {Dir::c2s, 44},  {Dir::s2c, 12},  {Dir::s2c, 540}, {Dir::c2s, 20},
        {Dir::s2c, 20},  {Dir::c2s, 20},  {Dir::s2c, 20},  {Dir::c2s, 20},  {Dir::s2c, 100},
    };
    Dir last = Dir::c2s;
    for (const auto& [d, len] : steps) {
      f.wait(d == last ? 150 * kUs : rtt);
      f.send(d, ssh_encrypted(r, len));
      last = d;
    }
    f.wait(40 * kMs);
    f.ack(Dir::c2s);  // delayed ACK; then silence until the end of the capture
  }

  void ntp(Trace& t) {
    Rng rng = stream(13);
    const uint16_t port = client_port(rng, kNtpClient.ip);
    UdpFlow f(t, ends(kNtpClient, kNtpServer, port, 123, 63), "ntp", rng);
    f.at(at(2.050));
    const uint64_t xmt = f.now();
    f.send(Dir::c2s, ntp_client_request(xmt));
    f.wait(1450 * kUs);
    f.send(Dir::s2c, ntp_server_reply(xmt, xmt + 700 * kUs, xmt + 725 * kUs, 0x0a000001));
  }

  // ping -c 3 10.0.0.1
  void ping(Trace& t) {
    Rng rng = stream(14);
    IcmpFlow f(t, ends(kPingClient, kPingTarget, 0, 0, 63), "icmp-echo", rng);
    const uint16_t ident = f.rng().u16();
    for (uint16_t seq = 1; seq <= 3; ++seq) {
      f.at(at(2.500 + (seq - 1)));
      f.echo(ident, seq, ping_payload(f.now()), 450 * kUs);
    }
  }

  // The laptop's IPv6 address: an AAAA lookup over IPv6, then HTTP over IPv6.
  void ipv6(Trace& t) {
    Endpoints e = ends(kDnsClient, kDnsServerV6, 0, 53, 62);
    e.client_ip = kDnsClientV6;
    dns_lookup(t, 20, e, 3.000, 8200 * kUs, "dns6-aaaa", "ipv6.example.com", dns::type_aaaa, dns::flags_response,
               [](DnsBuilder& r) { r.answer_aaaa("ipv6.example.com", 600, kWebServerV6); });

    Rng rng = stream(21);
    Endpoints w = ends(kDnsClient, kWebServerV6, client_port(rng, kDnsClientV6), 80, 58);
    w.client_ip = kDnsClientV6;
    TcpFlow f(t, w, "http6", rng);
    const uint64_t rtt = 14 * kMs;
    f.at(at(3.020));
    f.connect(rtt);
    f.wait(100 * kUs);
    f.send(Dir::c2s, http_get("ipv6.example.com", "/", "curl/8.5.0"));
    f.wait(rtt + 700 * kUs);
    f.send(Dir::s2c, http_ok("<html><body>You are using IPv6.</body></html>\n", "text/html", f.now()));
    f.wait(50 * kUs);
    f.ack(Dir::c2s);
    f.wait(1 * kMs);
    f.fin(Dir::c2s);
    f.wait(rtt);
    f.fin(Dir::s2c);
    f.wait(40 * kUs);
    f.ack(Dir::c2s);
  }

  // 802.1Q VLAN 100: a switch sends syslog messages (one direction only).
  void syslog_vlan(Trace& t) {
    Rng rng = stream(22);
    Endpoints e;
    e.client_ip = kSwitch.ip;
    e.client_mac = kSwitch.mac;
    e.server_ip = kSyslogServer.ip;
    e.server_mac = kSyslogServer.mac;
    e.client_port = client_port(rng, kSwitch.ip);
    e.server_port = 514;
    e.vlan = kMgmtVlan;
    e.client_ttl = 255;
    UdpFlow f(t, e, "syslog-vlan100", rng);
    const std::pair<double, const char*> msgs[] = {
        {4.000, "%LINK-3-UPDOWN: Interface GigabitEthernet1/0/12, changed state to up"},
        {6.200, "%LINEPROTO-5-UPDOWN: Line protocol on Interface GigabitEthernet1/0/12, changed state to up"},
        {9.700, "%SYS-5-CONFIG_I: Configured from console by admin on vty0 (192.168.1.13)"},
    };
    int severity = 3;
    for (const auto& [when, text] : msgs) {
      f.at(at(when));
      f.send(Dir::c2s, syslog_message(23, severity, f.now(), "sw-access-01", text));
      severity = 5;
    }
  }

  // MQTT sensor: connects at 5 s, publishes every 10 s (QoS 1) until 175 s, disconnects
  // at 178 s. Spans 173 s: several records with a lifetime (-t) below that.
  void mqtt_long_lived(Trace& t) {
    Rng rng = stream(23);
    const uint16_t port = client_port(rng, kMqttClient.ip);
    TcpFlow f(t, ends(kMqttClient, kMqttBroker, port, 1883, 63), "mqtt-long-lived",
              rng);
    const uint64_t rtt = 1500 * kUs;
    f.at(at(5.000));
    f.connect(rtt);
    f.wait(200 * kUs);
    f.send(Dir::c2s, mqtt_connect("sensor-16", 60));
    f.wait(rtt);
    f.send(Dir::s2c, mqtt_connack());
    f.wait(40 * kMs);
    f.ack(Dir::c2s);
    for (uint16_t i = 1; i <= 17; ++i) {
      f.at(at(5.000 + 10.0 * i));
      char value[16];
      std::snprintf(value, sizeof value, "%.1f", 21.0 + 0.1 * (i % 7));
      f.send(Dir::c2s, mqtt_publish_qos1("sensors/16/temperature", i, value));
      f.wait(rtt);
      f.send(Dir::s2c, mqtt_puback(i));
      f.wait(40 * kMs);
      f.ack(Dir::c2s);
    }
    f.at(at(178.000));
    f.send(Dir::c2s, mqtt_disconnect());
    f.wait(20 * kUs);
    f.fin(Dir::c2s);
    f.wait(rtt);
    f.fin(Dir::s2c);
    f.wait(40 * kUs);
    f.ack(Dir::c2s);
  }

  // PostgreSQL session: MD5 login and a query at 8 s, silent for ~52 s, another query at
  // 60 s, then Terminate and FIN. Two records with the default 30 s idle timeout.
  void postgres_idle_resume(Trace& t) {
    Rng rng = stream(24);
    const uint16_t port = client_port(rng, kPgClient.ip);
    TcpFlow f(t, ends(kPgClient, kPgServer, port, 5432, 63), "postgres-idle-resume",
              rng);
    const uint64_t rtt = 800 * kUs;
    f.at(at(8.000));
    f.connect(rtt);
    f.wait(100 * kUs);
    f.send(Dir::c2s, pg_startup("app", "appdb", "orders-api"));
    f.wait(rtt + 300 * kUs);
    f.send(Dir::s2c, pg_auth_md5_request(f.rng()));
    f.wait(200 * kUs);
    f.send(Dir::c2s, pg_password_md5(f.rng()));
    f.wait(rtt + 2 * kMs);
    const auto backend_pid = static_cast<uint32_t>(f.rng().range(1000, 99999));
    const uint32_t cancel_key = f.rng().u32();  // separate statements: argument order is unspecified
    f.send(Dir::s2c, pg_login_ok(backend_pid, cancel_key));
    f.wait(150 * kUs);
    f.send(Dir::c2s, pg_query("SELECT now();"));
    f.wait(rtt + 100 * kUs);
    f.send(Dir::s2c, pg_single_value("now", 1184, 8, sql_timestamp(f.now())));
    f.wait(40 * kMs);
    f.ack(Dir::c2s);

    f.at(at(60.000));
    f.send(Dir::c2s, pg_query("SELECT count(*) FROM orders WHERE created_at > now() - interval '1 minute';"));
    f.wait(rtt + 1300 * kUs);
    f.send(Dir::s2c, pg_single_value("count", 20, 8, "42"));
    f.wait(200 * kUs);
    f.send(Dir::c2s, pg_terminate());
    f.wait(20 * kUs);
    f.fin(Dir::c2s);
    f.wait(rtt);
    f.fin(Dir::s2c);
    f.wait(40 * kUs);
    f.ack(Dir::c2s);
  }

  Rng root_;
  std::vector<std::pair<IpAddr, uint16_t>> used_ports_;
};

}  // namespace

int run_demo(const Options& o) {
  Trace trace;
  DemoBuilder(o.seed).build(trace);
  trace.finalize();

  PcapWriter w(o.output, o.nanosecond);
  trace.write(w);
  w.close();

  const std::vector<FlowTruth> flows = trace.flows_by_start();
  std::FILE* out = (o.output == "-" || o.truth == "-") ? stderr : stdout;
  if (!o.quiet)
    for (const FlowTruth& f : flows) print_flow_line(out, f);
  print_totals(out, flows.size(), trace.packet_count(), trace.non_ip_count());
  std::fflush(out);

  if (!o.truth.empty())
    write_truth_csv(o.truth, [&](std::FILE* f) {
      for (const FlowTruth& ft : flows) write_csv_row(f, ft);
    });
  return 0;
}

}  // namespace pcapgen
