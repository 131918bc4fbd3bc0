// SMTP dissector on a crafted session: a pipelined envelope, a DATA message with folded
// headers and dot-stuffing, a BDAT message, STARTTLS; the client's bytes split at every
// byte and retransmitted. Each mail is one transaction, as Zeek's smtp.log rows count them.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "dissectors/engine.hpp"
#include "dissectors/smtp/smtp.hpp"
#include "tests/support/tcp_dissector_flow.hpp"

using namespace flowprobe::dissect;

namespace {

std::span<const uint8_t> bytes(const std::string& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

struct Mails final : TxSink {
  std::vector<SmtpMeta> mails;
  void part(const TxPartView&) noexcept override {}
  void emit(AppKind kind, const void* tx, std::size_t size, uint64_t) noexcept override {
    if (kind == AppKind::smtp && size == sizeof(SmtpMeta)) mails.push_back(*static_cast<const SmtpMeta*>(tx));
  }
};

struct Flow : flowprobe::test::TcpDissectorFlow {
  explicit Flow(Mails& sink, uint16_t port = 25) : TcpDissectorFlow(port, [&] {
    EngineConfig c;
    c.tx = &sink;
    return c;
  }()) {}
};

const std::string kMessage1 =
    "Date: Tue, 2 Mar 2004 13:57:49 +0100\r\nFrom: A <a@x.org>\r\nTo: b@y.org,\r\n c@y.org\r\n"
    "Subject: Hello\r\n\tthere\r\nMessage-ID: <1@x.org>\r\nX-Mailer: test 1.0\r\n\r\nbody\r\n..leading dot\r\n";
const std::string kBdat = "Subject: chunked\r\n\r\nhi\r\n";  // 24 bytes
const std::string kClient =
    "EHLO client.example\r\n"
    "MAIL FROM:<a@x.org> SIZE=100\r\nRCPT TO:<b@y.org>\r\nRCPT TO:<c@y.org>\r\nRCPT TO:<b@y.org>\r\nDATA\r\n" +
    kMessage1 + ".\r\n" + "MAIL FROM:<d@x.org>\r\nRCPT TO:<e@y.org> ORCPT=rfc822;e@y.org\r\nBDAT 24 LAST\r\n" + kBdat +
    "STARTTLS\r\n";
const std::string kServer =
    "220 mx.example ESMTP\r\n250-mx.example\r\n250-PIPELINING\r\n250 CHUNKING\r\n250 ok\r\n250 ok\r\n250 ok\r\n"
    "250 ok\r\n354 go ahead\r\n250 2.0.0 Ok: queued as 1\r\n250 ok\r\n250 ok\r\n250 2.0.0 Ok: 24 bytes queued\r\n"
    "220 2.0.0 Ready to start TLS\r\n";

// Feeds the session as a pipelining client and its server would: the envelope runs
// ahead of its replies up to DATA, the message follows 354, the next envelope follows the
// reply to "."; the client's bytes are cut at `cut` (and the first part retransmitted).
void run(Flow& f, std::size_t cut) {
  const std::string& c = kClient;
  const std::string& s = kServer;
  const auto client = bytes(c);
  // Client boundaries: after DATA, after the message's ".", after STARTTLS.
  const std::size_t b[] = {0, c.find("DATA\r\n") + 6, c.find("\r\n.\r\n") + 5, c.size()};
  // Server replies due before each client part (the greeting; EHLO's to DATA's; the
  // one to "."; the rest).
  const std::size_t r[] = {0, 22, s.find("354 go ahead\r\n") + 14, s.find("250 ok", s.find("queued as 1")), s.size()};
  for (int part = 0; part < 3; ++part) {
    f.send(false, bytes(s.substr(r[part], r[part + 1] - r[part])));
    const std::size_t from = b[part], to = b[part + 1];
    const std::size_t k = std::clamp(cut, from, to);
    f.send(true, client.subspan(from, k - from));
    f.send(true, client.subspan(from, k - from), -static_cast<int32_t>(k - from));  // a retransmission
    f.send(true, client.subspan(k, to - k));
  }
  f.send(false, bytes(s.substr(r[3])));
}

}  // namespace

TEST(SmtpDissector, EveryMailIsATransactionSplitAtEveryByte) {
  for (std::size_t cut = 1; cut < kClient.size(); cut += 1) {
    Mails sink;
    Flow f(sink);
    run(f, cut);
    ASSERT_EQ(sink.mails.size(), 3u) << "cut " << cut;
    const SmtpMeta& m = sink.mails[0];
    EXPECT_EQ(m.helo.view(), "client.example");
    EXPECT_EQ(m.mail_from.view(), "a@x.org");
    EXPECT_EQ(m.rcpt_to.view(), "b@y.org,c@y.org") << "each address once";
    EXPECT_EQ(m.rcpt_count, 3);
    EXPECT_EQ(m.date.view(), "Tue, 2 Mar 2004 13:57:49 +0100");
    EXPECT_EQ(m.from.view(), "A <a@x.org>");
    EXPECT_EQ(m.to.view(), "b@y.org, c@y.org");
    EXPECT_EQ(m.subject.view(), "Hello there");
    EXPECT_EQ(m.msg_id.view(), "<1@x.org>");
    EXPECT_EQ(m.user_agent.view(), "test 1.0");
    EXPECT_EQ(m.last_reply.view(), "250 2.0.0 Ok: queued as 1");
    EXPECT_TRUE(m.has_data);
    EXPECT_FALSE(m.tls);
    const SmtpMeta& b = sink.mails[1];
    EXPECT_EQ(b.helo.view(), "client.example") << "the session's HELO goes with each mail";
    EXPECT_EQ(b.mail_from.view(), "d@x.org");
    EXPECT_EQ(b.rcpt_to.view(), "e@y.org");
    EXPECT_EQ(b.subject.view(), "chunked") << "headers read inside BDAT chunks";
    EXPECT_EQ(b.last_reply.view(), "250 2.0.0 Ok: 24 bytes queued");
    const SmtpMeta& t = sink.mails[2];
    EXPECT_TRUE(t.tls);
    EXPECT_TRUE(t.mail_from.empty());
    EXPECT_EQ(t.last_reply.view(), "220 2.0.0 Ready to start TLS");
    // The flow record keeps the first mail; after STARTTLS the engine probes again (TLS).
    ASSERT_NE(f.meta.smtp(), nullptr);
    EXPECT_EQ(f.meta.smtp()->mail_from.view(), "a@x.org");
    EXPECT_EQ(f.fd.status, FlowDissect::Status::probing);
    if (HasFailure()) break;
  }
}

TEST(SmtpDissector, ProbeAndFlowEnd) {
  const auto probe = [](const std::string& p, bool client, uint16_t port) {
    PacketContext c;
    c.payload = bytes(p);
    c.l4_proto = 6;
    c.from_client = client;
    c.server_port = port;
    return smtp_probe(c);
  };
  EXPECT_EQ(probe("220 mx ESMTP Postfix\r\n", false, 25), Probe::certain);
  EXPECT_EQ(probe("220 mx ESMTP Postfix\r\n", false, 8025), Probe::unsure);
  EXPECT_EQ(probe("220 (vsFTPd 3.0.5)\r\n", false, 8021), Probe::not_mine);
  EXPECT_EQ(probe("EHLO me\r\n", true, 8025), Probe::certain);
  EXPECT_EQ(probe("GET / HTTP/1.1\r\n", true, 25), Probe::not_mine);

  // A mail whose end was never answered is logged when the flow ends; one without
  // MAIL or RCPT (HELO, QUIT) is not a mail.
  Mails sink;
  {
    Flow f(sink);
    f.send(false, bytes("220 mx ESMTP\r\n"));
    f.send(true, bytes("HELO a\r\nMAIL FROM:<>\r\nRCPT TO:<x@y>\r\n"));
    f.engine.on_flow_end(f.fd, f.meta);
  }
  ASSERT_EQ(sink.mails.size(), 1u);
  EXPECT_EQ(sink.mails[0].mail_from.view(), "");
  EXPECT_EQ(sink.mails[0].rcpt_to.view(), "x@y");
  Mails none;
  {
    Flow f(none);
    f.send(false, bytes("220 mx ESMTP\r\n"));
    f.send(true, bytes("HELO a\r\nQUIT\r\n"));
    f.send(false, bytes("250 hi\r\n221 bye\r\n"));
    f.engine.on_flow_end(f.fd, f.meta);
    ASSERT_NE(f.meta.smtp(), nullptr);
    EXPECT_EQ(f.meta.smtp()->helo.view(), "a") << "the flow record still tells the HELO";
  }
  EXPECT_TRUE(none.mails.empty());
}

// The header lines Zeek's smtp.log has columns for beyond the envelope: Cc, Reply-To,
// X-Originating-IP, and the Received headers (the last one is Zeek's first_received; each
// one's address makes a hop of the path, as SMTP::find_address_in_smtp_header picks it).
TEST(SmtpDissector, ReceivedHopsCcReplyToAndOriginatingIp) {
  Mails sink;
  Flow f(sink);
  f.send(false, bytes("220 mx ESMTP\r\n"));
  f.send(true, bytes("HELO a\r\nMAIL FROM:<a@x.org>\r\nRCPT TO:<b@y.org>\r\nDATA\r\n"));
  f.send(false, bytes("250 hi\r\n250 ok\r\n250 ok\r\n354 go\r\n"));
  f.send(true, bytes("Received: from relay.example (relay.example [192.0.2.7]) by mx.example;\r\n"
                     "\tTue, 2 Mar 2004 13:57:49 +0100\r\n"
                     "Received: from 198.51.100.1 (helo [198.51.100.2])\r\n"
                     "  by relay.example (Postfix) with ESMTP id 1\r\n"
                     "Received: from [198.51.100.2] by relay.example\r\n"
                     "Received: by local.example with no address at all\r\n"
                     "Received: from host (host [2001:db8::5])\r\n"
                     "Cc: c@y.org, d@y.org\r\nReply-To: r@x.org\r\nX-Originating-IP: [203.0.113.9]\r\n"
                     "Subject: s\r\n\r\nReceived: from body (body [10.9.9.9])\r\n.\r\n"));
  f.send(false, bytes("250 queued\r\n"));
  ASSERT_EQ(sink.mails.size(), 1u);
  const SmtpMeta& m = sink.mails[0];
  EXPECT_EQ(m.cc.view(), "c@y.org, d@y.org");
  EXPECT_EQ(m.reply_to.view(), "r@x.org");
  EXPECT_EQ(m.x_originating_ip_version, 4);
  EXPECT_EQ(m.x_originating_ip[0], 203);
  EXPECT_EQ(m.first_received.view(), "from host (host [2001:db8::5])") << "the last Received header";
  // 192.0.2.7; 198.51.100.2 (the second of two wrapped addresses), the same again (left
  // out), none, 2001:db8::5; nothing from the body.
  ASSERT_EQ(m.hop_count, 3);
  EXPECT_EQ(m.hops[0][3], 7);
  EXPECT_EQ(m.hops[1][3], 2);
  EXPECT_EQ(m.hop_v6, 0b100);
  EXPECT_EQ(m.hops[2][15], 5);
  EXPECT_FALSE(m.hops_truncated);
}
