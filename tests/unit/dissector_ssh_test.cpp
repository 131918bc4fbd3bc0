// SSH dissector on crafted sessions: identification lines and KEXINIT split at every
// byte, HASSH against values computed independently (Python hashlib over the HASSH
// strings), a server's lines before its identification, gaps and malformed packets.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dissectors/engine.hpp"
#include "dissectors/ssh/ssh.hpp"
#include "tests/support/tcp_dissector_flow.hpp"

using namespace flowprobe::dissect;
using Bytes = std::vector<uint8_t>;

namespace {

void put32(Bytes& b, std::size_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<uint8_t>(v >> s));
}
void name_list(Bytes& b, const std::string& s) {
  put32(b, s.size());
  b.insert(b.end(), s.begin(), s.end());
}

// A KEXINIT binary packet (no MAC yet): the eight lists that matter, then the two
// language lists, first_kex_packet_follows and the reserved word.
Bytes kexinit(const std::string& enc_c2s, const std::string& enc_s2c, const std::string& mac_c2s,
              const std::string& mac_s2c, const std::string& comp_c2s, const std::string& comp_s2c) {
  Bytes payload{20};
  payload.insert(payload.end(), 16, 0x5a);  // cookie
  name_list(payload, "curve25519-sha256,diffie-hellman-group14-sha256");
  name_list(payload, "ssh-ed25519,rsa-sha2-512");
  for (const std::string* l : {&enc_c2s, &enc_s2c, &mac_c2s, &mac_s2c, &comp_c2s, &comp_s2c}) name_list(payload, *l);
  name_list(payload, "");
  name_list(payload, "");
  payload.push_back(0);
  put32(payload, 0);
  const std::size_t padding = 8 - (payload.size() + 5) % 8 + 4;
  Bytes packet;
  put32(packet, 1 + payload.size() + padding);
  packet.push_back(static_cast<uint8_t>(padding));
  packet.insert(packet.end(), payload.begin(), payload.end());
  packet.insert(packet.end(), padding, 0);
  return packet;
}

Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }
Bytes cat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// Not 22: the dissector finds SSH by its content.
struct Flow : flowprobe::test::TcpDissectorFlow {
  Flow() : TcpDissectorFlow(2222) {}
};

// python3: hashlib.md5(b'curve25519-sha256,diffie-hellman-group14-sha256;aes128-ctr,'
//   b'aes256-gcm@openssh.com;hmac-sha2-256;none,zlib@openssh.com').hexdigest()
constexpr const char* kClientHassh = "7b3f76e580e44aea1e396d8af55a8228";
// ...;aes256-ctr;umac-64@openssh.com,hmac-sha1;none
constexpr const char* kServerHassh = "f1adaf8b44200c1e20d5f5f2f18dba72";

const Bytes kClientFlight = cat(text("SSH-2.0-OpenSSH_9.6 test-client\r\n"),
                                kexinit("aes128-ctr,aes256-gcm@openssh.com", "aes256-ctr", "hmac-sha2-256",
                                        "umac-64@openssh.com,hmac-sha1", "none,zlib@openssh.com", "none"));
const Bytes kServerFlight = cat(text("SSH-2.0-dropbear_2022.83\r\n"),
                                kexinit("aes128-ctr,aes256-gcm@openssh.com", "aes256-ctr", "hmac-sha2-256",
                                        "umac-64@openssh.com,hmac-sha1", "none,zlib@openssh.com", "none"));

}  // namespace

TEST(SshDissector, LinesAndHasshSplitAtEveryByte) {
  for (std::size_t cut = 1; cut < kClientFlight.size(); ++cut) {
    Flow f;
    f.send(false, kServerFlight);  // the server speaks first, as it usually does
    f.send(true, std::span(kClientFlight).first(cut));
    f.send(true, std::span(kClientFlight).first(cut), -static_cast<int32_t>(cut));  // a retransmission
    f.send(true, std::span(kClientFlight).subspan(cut));
    const SshMeta* m = f.meta.ssh();
    ASSERT_NE(m, nullptr) << cut;
    EXPECT_EQ(m->client_signature.view(), "SSH-2.0-OpenSSH_9.6 test-client") << cut;
    EXPECT_EQ(m->server_signature.view(), "SSH-2.0-dropbear_2022.83") << cut;
    EXPECT_EQ(m->hassh_client.view(), kClientHassh) << cut;
    EXPECT_EQ(m->hassh_server.view(), kServerHassh) << cut;
    EXPECT_EQ(f.fd.status, FlowDissect::Status::finished) << cut;
    // Negotiated as RFC 4253 7.1 and worded as Zeek's ssh.log.
    EXPECT_EQ(m->kex_alg.view(), "curve25519-sha256") << cut;
    EXPECT_EQ(m->host_key_alg.view(), "ssh-ed25519") << cut;
    EXPECT_EQ(m->cipher_alg.view(), "To server: aes128-ctr, to client: aes256-ctr") << cut;
    EXPECT_EQ(m->mac_alg.view(), "To server: hmac-sha2-256, to client: umac-64@openssh.com") << cut;
    EXPECT_EQ(m->compression_alg.view(), "none") << cut;
  }
}

TEST(SshDissector, NegotiationTakesTheClientsFirstSharedChoice) {
  const Bytes client = kexinit("chacha20-poly1305@openssh.com,aes256-ctr", "aes256-ctr", "hmac-sha1", "hmac-sha1",
                               "zlib@openssh.com,none", "zlib@openssh.com,none");
  const Bytes server = kexinit("aes128-ctr,aes256-ctr", "aes256-ctr", "hmac-md5", "hmac-md5", "none", "none");
  Flow f;
  f.send(false, cat(text("SSH-2.0-s\r\n"), server));
  f.send(true, cat(text("SSH-2.0-c\r\n"), client));
  const SshMeta* m = f.meta.ssh();
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->cipher_alg.view(), "aes256-ctr");
  EXPECT_EQ(m->mac_alg.view(), "Algorithm negotiation failed");
  EXPECT_EQ(m->compression_alg.view(), "none");
}

TEST(SshDissector, ServerLinesBeforeItsIdentificationAreSkipped) {
  Flow f;
  f.send(false, cat(text("Welcome to the lab\r\nNo unauthorised use\r\n"), kServerFlight));
  f.send(true, kClientFlight);
  ASSERT_NE(f.meta.ssh(), nullptr);
  EXPECT_EQ(f.meta.ssh()->server_signature.view(), "SSH-2.0-dropbear_2022.83");
  EXPECT_EQ(f.meta.ssh()->hassh_server.view(), kServerHassh);
}

TEST(SshDissector, GapsAndMalformedPacketsLeaveTheHasshEmpty) {
  {  // bytes missing inside the client's KEXINIT: never stitched, no HASSH
    Flow f;
    f.send(true, std::span(kClientFlight).first(60));
    f.seq[0] += 10;
    f.send(true, std::span(kClientFlight).subspan(70));
    ASSERT_NE(f.meta.ssh(), nullptr);
    EXPECT_EQ(f.meta.ssh()->client_signature.view(), "SSH-2.0-OpenSSH_9.6 test-client");
    EXPECT_TRUE(f.meta.ssh()->hassh_client.empty());
  }
  {  // a packet length beyond any KEXINIT we keep, and one too short to be a packet
    for (uint32_t len : {1u << 20, 1u}) {
      Flow f;
      Bytes b = text("SSH-2.0-x\r\n");
      put32(b, len);
      b.insert(b.end(), 64, 0x14);
      f.send(true, b);
      ASSERT_NE(f.meta.ssh(), nullptr);
      EXPECT_TRUE(f.meta.ssh()->hassh_client.empty()) << len;
    }
  }
  {  // a KEXINIT whose name-list runs past the packet
    Bytes k = kexinit("a", "b", "c", "d", "e", "f");
    k[5 + 1 + 16 + 3] = 0xff;  // the kex list's length
    Flow f;
    f.send(true, cat(text("SSH-2.0-x\r\n"), k));
    ASSERT_NE(f.meta.ssh(), nullptr);
    EXPECT_TRUE(f.meta.ssh()->hassh_client.empty());
  }
  {  // a client line that never ends is not SSH: nothing past it is read
    Flow f;
    f.send(true, text("SSH-2.0-" + std::string(400, 'A')));
    ASSERT_NE(f.meta.ssh(), nullptr);
    EXPECT_TRUE(f.meta.ssh()->client_signature.empty());
  }
}

TEST(SshDissector, ControlBytesInALineAreNotCopied) {
  Flow f;
  f.send(true, text(std::string("SSH-2.0-evil\x1b[31m\x01\r\n")));
  ASSERT_NE(f.meta.ssh(), nullptr);
  EXPECT_EQ(f.meta.ssh()->client_signature.view(), "SSH-2.0-evil?[31m?");
}
