// Per-dissector cost in ns per packet: a whole flow's worth of handshake packets through
// the engine (probe, pool slot, parse, release), divided by the packets it took.
#include <benchmark/benchmark.h>

#include <cstring>
#include <string>
#include <vector>

#include "dissectors/engine.hpp"

using namespace flowprobe::dissect;

namespace {

using Bytes = std::vector<uint8_t>;
struct Pkt {
  Bytes data;
  bool from_client;
};

void put16(Bytes& b, unsigned v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}

std::vector<Pkt> dns_flow() {
  Bytes q;
  for (unsigned v : {0x1234u, 0x0100u, 1u, 0u, 0u, 0u}) put16(q, v);
  for (const char* l : {"www", "example", "com"}) {
    q.push_back(static_cast<uint8_t>(std::strlen(l)));
    q.insert(q.end(), l, l + std::strlen(l));
  }
  q.push_back(0);
  put16(q, 1);
  put16(q, 1);
  Bytes r = q;
  r[2] = 0x81;
  r[3] = 0x80;
  r[7] = 2;
  for (int i = 0; i < 2; ++i) {
    put16(r, 0xc00c);
    put16(r, 1);
    put16(r, 1);
    put16(r, 0);
    put16(r, 300);
    put16(r, 4);
    for (int b : {93, 184, 216, 34 + i}) r.push_back(static_cast<uint8_t>(b));
  }
  return {{q, true}, {r, false}};
}

std::vector<Pkt> http_flow() {
  const std::string req =
      "GET /some/path/index.html?x=1 HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: Mozilla/5.0 (X11; Linux "
      "x86_64) Gecko/20100101 Firefox/115.0\r\nAccept: text/html\r\nAccept-Language: en\r\nReferer: "
      "http://www.example.com/\r\nConnection: keep-alive\r\n\r\n";
  const std::string resp =
      "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 1234\r\n\r\n";
  return {{Bytes(req.begin(), req.end()), true}, {Bytes(resp.begin(), resp.end()), false}};
}

Bytes ext(unsigned type, const Bytes& body) {
  Bytes e;
  put16(e, type);
  put16(e, static_cast<unsigned>(body.size()));
  e.insert(e.end(), body.begin(), body.end());
  return e;
}

Bytes wrap(uint8_t hs_type, const Bytes& body) {
  Bytes h{22, 3, 1};
  put16(h, static_cast<unsigned>(body.size() + 4));
  h.push_back(hs_type);
  h.push_back(0);
  put16(h, static_cast<unsigned>(body.size()));
  h.insert(h.end(), body.begin(), body.end());
  return h;
}

// A browser-sized ClientHello (16 suites, 14 extensions) and a TLS 1.3 ServerHello.
std::vector<Pkt> tls_flow() {
  Bytes ch;
  put16(ch, 0x0303);
  ch.insert(ch.end(), 32, 7);
  ch.push_back(32);
  ch.insert(ch.end(), 32, 9);
  put16(ch, 32);
  for (unsigned c : {0x1301u, 0x1302u, 0x1303u, 0xc02bu, 0xc02fu, 0xc02cu, 0xc030u, 0xcca9u, 0xcca8u, 0xc013u, 0xc014u,
                     0x009cu, 0x009du, 0x002fu, 0x0035u, 0x000au})
    put16(ch, c);
  ch.push_back(1);
  ch.push_back(0);
  Bytes exts;
  const std::string host = "www.example.com";
  Bytes sni;
  put16(sni, static_cast<unsigned>(host.size() + 3));
  sni.push_back(0);
  put16(sni, static_cast<unsigned>(host.size()));
  sni.insert(sni.end(), host.begin(), host.end());
  for (const Bytes& e : {ext(0, sni), ext(0x17, {}), ext(0xff01, {0}), ext(0x0a, {0, 6, 0, 0x1d, 0, 0x17, 0, 0x18}),
                         ext(0x0b, {1, 0}), ext(0x23, {}), ext(0x10, {0, 12, 2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'}),
                         ext(0x05, {1, 0, 0, 0, 0}), ext(0x0d, {0, 8, 4, 3, 8, 4, 4, 1, 5, 3}),
                         ext(0x2b, {4, 3, 4, 3, 3}), ext(0x2d, {1, 1}), ext(0x33, Bytes(38, 1)), ext(0x1c, {0x40, 1}),
                         ext(0x15, Bytes(200, 0))})
    exts.insert(exts.end(), e.begin(), e.end());
  put16(ch, static_cast<unsigned>(exts.size()));
  ch.insert(ch.end(), exts.begin(), exts.end());
  Bytes sh;
  put16(sh, 0x0303);
  sh.insert(sh.end(), 32, 5);
  sh.push_back(0);
  put16(sh, 0x1301);
  sh.push_back(0);
  const Bytes sexts = ext(0x2b, {3, 4});
  put16(sh, static_cast<unsigned>(sexts.size()));
  sh.insert(sh.end(), sexts.begin(), sexts.end());
  return {{wrap(1, ch), true}, {wrap(2, sh), false}};
}

std::vector<Pkt> dhcp_flow() {
  Bytes b(240, 0);
  b[0] = 1;
  b[1] = 1;
  b[2] = 6;
  b[236] = 99; b[237] = 130; b[238] = 83; b[239] = 99;
  for (int x : {53, 1, 3, 12, 6, int{'l'}, int{'a'}, int{'p'}, int{'t'}, int{'o'}, int{'p'}, 55, 4, 1, 3, 6, 15, 60, 4,
                int{'M'}, int{'S'}, int{'F'}, int{'T'}, 255})
    b.push_back(static_cast<uint8_t>(x));
  Bytes ack = b;
  ack[0] = 2;
  ack[242] = 5;
  return {{b, true}, {ack, false}};
}

// Each side's identification line, then its KEXINIT (OpenSSH 9-sized algorithm lists).
std::vector<Pkt> ssh_flow() {
  const auto kexinit = [] {
    Bytes payload{20};
    payload.insert(payload.end(), 16, 0x5a);
    for (const char* l : {"sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,"
                          "ecdh-sha2-nistp256,ecdh-sha2-nistp384,diffie-hellman-group16-sha512,ext-info-c",
                          "ssh-ed25519-cert-v01@openssh.com,ssh-ed25519,rsa-sha2-512,rsa-sha2-256",
                          "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com",
                          "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com",
                          "umac-64-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com",
                          "umac-64-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com",
                          "none,zlib@openssh.com", "none,zlib@openssh.com", "", ""}) {
      const std::size_t n = std::strlen(l);
      for (int s = 24; s >= 0; s -= 8) payload.push_back(static_cast<uint8_t>(n >> s));
      payload.insert(payload.end(), l, l + n);
    }
    payload.insert(payload.end(), 5, 0);
    const std::size_t padding = 8 - (payload.size() + 5) % 8 + 4, len = 1 + payload.size() + padding;
    Bytes packet;
    for (int s = 24; s >= 0; s -= 8) packet.push_back(static_cast<uint8_t>(len >> s));
    packet.push_back(static_cast<uint8_t>(padding));
    packet.insert(packet.end(), payload.begin(), payload.end());
    packet.insert(packet.end(), padding, 0);
    return packet;
  }();
  const std::string server = "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6\r\n", client = "SSH-2.0-OpenSSH_9.6\r\n";
  return {{Bytes(server.begin(), server.end()), false},
          {Bytes(client.begin(), client.end()), true},
          {kexinit, false},
          {kexinit, true}};
}

void run(benchmark::State& st, const std::vector<Pkt>& flow, uint8_t proto, uint16_t port) {
  DissectorEngine engine;
  uint64_t packets = 0;
  for (auto _ : st) {
    FlowDissect fd;
    AppMetadata meta;
    uint32_t seq[2] = {1, 1};
    for (const Pkt& p : flow) {
      PacketContext c;
      c.payload = p.data;
      c.l4_proto = proto;
      c.from_client = p.from_client;
      c.client_port = proto == 17 && port == 67 ? 68 : 50000;
      c.server_port = port;
      c.tcp_seq = seq[p.from_client ? 0 : 1];
      seq[p.from_client ? 0 : 1] += static_cast<uint32_t>(p.data.size());
      engine.on_packet(fd, meta, c);
    }
    engine.on_flow_end(fd, meta);
    benchmark::DoNotOptimize(meta);
    packets += flow.size();
  }
  st.counters["ns/packet"] =
      benchmark::Counter(static_cast<double>(packets), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_DissectDns(benchmark::State& st) { run(st, dns_flow(), 17, 53); }
void BM_DissectHttp(benchmark::State& st) { run(st, http_flow(), 6, 80); }
void BM_DissectTls(benchmark::State& st) { run(st, tls_flow(), 6, 443); }
void BM_DissectDhcp(benchmark::State& st) { run(st, dhcp_flow(), 17, 67); }
void BM_DissectSsh(benchmark::State& st) { run(st, ssh_flow(), 6, 22); }
// A flow no dissector claims: the cost of probing one payload packet.
void BM_ProbeUnknownTcp(benchmark::State& st) {
  run(st, {{Bytes(200, 0x5a), true}}, 6, 5555);
}

BENCHMARK(BM_DissectDns);
BENCHMARK(BM_DissectHttp);
BENCHMARK(BM_DissectTls);
BENCHMARK(BM_DissectDhcp);
BENCHMARK(BM_DissectSsh);
BENCHMARK(BM_ProbeUnknownTcp);

}  // namespace
