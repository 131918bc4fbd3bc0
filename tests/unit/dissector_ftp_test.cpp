// FTP dissector on a crafted control connection: every command and its reply is a
// transaction (the greeting too, as Zeek's "<init>"), multi-line and preliminary replies,
// the working directory behind file commands' paths (Zeek's build_path_compressed), data
// channels, and a password that never leaves the dissector unless the login is a guest's.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "dissectors/engine.hpp"
#include "dissectors/ftp/ftp.hpp"
#include "tests/support/tcp_dissector_flow.hpp"

using namespace flowprobe::dissect;

namespace {

std::span<const uint8_t> bytes(const std::string& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

struct Commands final : TxSink {
  std::vector<FtpMeta> txs;
  std::string raw;  // every byte emitted
  void part(const TxPartView&) noexcept override {}
  void emit(AppKind kind, const void* tx, std::size_t size, uint64_t) noexcept override {
    raw.append(static_cast<const char*>(tx), size);
    if (kind == AppKind::ftp && size == sizeof(FtpMeta)) txs.push_back(*static_cast<const FtpMeta*>(tx));
  }
};

struct Flow : flowprobe::test::TcpDissectorFlow {
  explicit Flow(Commands& sink) : TcpDissectorFlow(21, [&] {
    EngineConfig c;
    c.tx = &sink;
    return c;
  }()) {}
};

std::string path(std::string_view dir, std::string_view name) {
  BoundedString<256> out;
  ftp_build_path(dir, name, out);
  return std::string(out.view());
}

}  // namespace

TEST(FtpDissector, PathsAsZeekBuildsThem) {
  // The cases of Zeek's ftp baselines (ftp-ipv4, cwd-navigation) and the edges.
  EXPECT_EQ(path("", "robots.txt"), "./robots.txt");
  EXPECT_EQ(path(".", "pub/data/noaa/isd-lite/"), "./pub/data/noaa/isd-lite");
  EXPECT_EQ(path("./pub/data/noaa/isd-lite", "2015"), "./pub/data/noaa/isd-lite/2015");
  EXPECT_EQ(path("./pub/data/noaa/isd-lite/2015", "../"), "./pub/data/noaa/isd-lite");
  EXPECT_EQ(path("/home/a", "/etc//x/./y"), "/etc/x/y");
  EXPECT_EQ(path("/", ".."), "/..");
}

TEST(FtpDissector, CommandsAndRepliesSplitAtEveryByte) {
  const std::string server_lines[] = {
      "220-Welcome\r\n to the test\r\n220 ready\r\n", "331 Please specify the password.\r\n",
      "230 Login successful.\r\n", "250 Directory changed.\r\n",
      "227 Entering Passive Mode (10,0,0,2,4,1).\r\n",
      "150 Opening BINARY mode data connection for a.txt (77 bytes).\r\n226 Transfer complete.\r\n",
      "200 PORT command successful.\r\n", "331 Password required\r\n", "530 Login incorrect.\r\n"};
  const std::string client_lines[] = {"",
                                      "USER anonymous\r\n",
                                      "PASS me@example.org\r\n",
                                      "cwd pub/\r\n",
                                      "PASV\r\n",
                                      "RETR a.txt\r\n",
                                      "PORT 10,0,0,1,131,46\r\n",
                                      "USER bob\r\n",
                                      "PASS hunter2-secret\r\n"};
  std::string all;
  for (const auto& l : client_lines) all += l;
  for (std::size_t cut = 0; cut < 48; ++cut) {
    Commands sink;
    {
      Flow f(sink);
      for (std::size_t i = 0; i < std::size(server_lines); ++i) {
        const std::string& c = client_lines[i];
        const std::size_t k = std::min(cut, c.size());
        f.send(true, bytes(c.substr(0, k)));
        f.send(true, bytes(c.substr(k)));
        const std::string& s = server_lines[i];
        // The greeting comes whole: the engine's probe reads it from one segment.
        const std::size_t j = i == 0 ? s.size() : std::min(cut, s.size());
        f.send(false, bytes(s.substr(0, j)));
        f.send(false, bytes(s.substr(0, j)), -static_cast<int32_t>(j));  // a retransmission
        f.send(false, bytes(s.substr(j)));
      }
      f.engine.on_flow_end(f.fd, f.meta);
      ASSERT_NE(f.meta.ftp(), nullptr);
      EXPECT_EQ(f.meta.ftp()->command.view(), "USER") << "the flow record keeps its first client command";
      EXPECT_EQ(f.meta.ftp()->reply_code, 331);
      EXPECT_EQ(f.meta.ftp()->user.view(), "bob") << "and the login as it ended";
      EXPECT_TRUE(f.meta.ftp()->password_hidden);
    }
    ASSERT_EQ(sink.txs.size(), 9u) << "cut " << cut;
    const auto& t = sink.txs;
    EXPECT_EQ(t[0].command.view(), "<init>");
    EXPECT_EQ(t[0].reply_code, 220);
    EXPECT_EQ(t[0].reply_msg.view(), "ready");
    EXPECT_EQ(t[1].command.view(), "USER");
    EXPECT_EQ(t[1].arg.view(), "anonymous");
    EXPECT_EQ(t[1].reply_code, 331);
    EXPECT_EQ(t[2].command.view(), "PASS");
    EXPECT_EQ(t[2].arg.view(), "me@example.org") << "a guest's password is no secret (Zeek's guest_ids)";
    EXPECT_EQ(t[2].password.view(), "me@example.org");
    EXPECT_EQ(t[3].command.view(), "CWD") << "commands are upper-cased";
    EXPECT_EQ(t[4].command.view(), "PASV");
    EXPECT_TRUE(t[4].has_data_channel);
    EXPECT_TRUE(t[4].passive);
    EXPECT_EQ(t[4].data_port, 4 * 256 + 1);
    EXPECT_EQ(t[4].data_host[0], 10);
    EXPECT_EQ(t[4].data_host[3], 2);
    EXPECT_EQ(t[5].command.view(), "RETR");
    EXPECT_EQ(t[5].reply_code, 226) << "the preliminary 150 waits for the final reply";
    EXPECT_EQ(t[5].codes[0], 150);
    EXPECT_EQ(t[5].codes[1], 226);
    EXPECT_EQ(t[5].path.view(), "./pub/a.txt");
    EXPECT_EQ(t[5].user.view(), "anonymous");
    EXPECT_EQ(t[6].command.view(), "PORT");
    EXPECT_FALSE(t[6].passive);
    EXPECT_EQ(t[6].data_port, 131 * 256 + 46);
    EXPECT_EQ(t[8].command.view(), "PASS");
    EXPECT_TRUE(t[8].arg_hidden);
    EXPECT_TRUE(t[8].arg.empty());
    EXPECT_TRUE(t[8].password_hidden);
    EXPECT_EQ(t[8].reply_code, 530);
    EXPECT_EQ(sink.raw.find("hunter2"), std::string::npos) << "a non-guest's password is never emitted";
    if (HasFailure()) break;
  }
}

TEST(FtpDissector, AuthTlsHandsTheFlowBack) {
  Commands sink;
  Flow f(sink);
  f.send(false, bytes("220 (vsFTPd 3.0.5)\r\n"));
  f.send(true, bytes("AUTH TLS\r\n"));
  f.send(false, bytes("234 Proceed with negotiation.\r\n"));
  ASSERT_EQ(sink.txs.size(), 2u);
  EXPECT_EQ(sink.txs[1].command.view(), "AUTH");
  EXPECT_EQ(sink.txs[1].reply_code, 234);
  EXPECT_EQ(f.fd.status, FlowDissect::Status::probing) << "the TLS handshake that follows is probed for";
}

TEST(FtpDissector, AGapCostsTheLineItFallsIn) {
  Commands sink;
  Flow f(sink);
  f.send(false, bytes("220 ready\r\n"));
  f.send(true, bytes("USER anonymous\r\n"));
  f.send(false, bytes("331 pw\r\n"));
  f.send(true, bytes("PASS a@"));
  f.seq[0] += 3;  // "b.o" never arrives: the rest of the PASS line is dropped with it
  f.send(true, bytes("rg\r\nPASV\r\n"));
  f.send(false, bytes("227 Entering Passive Mode (10,0,0,2,4,1)\r\n"));
  f.seq[0] += 6;  // a whole "NOOP\r\n" lost: the next segment begins a line
  f.send(true, bytes("SYST\r\n"));
  f.send(false, bytes("215 UNIX Type: L8\r\n"));
  f.engine.on_flow_end(f.fd, f.meta);
  ASSERT_EQ(sink.txs.size(), 4u);
  EXPECT_EQ(sink.txs[2].command.view(), "PASV") << "the commands after the gap are read";
  EXPECT_EQ(sink.txs[2].reply_code, 227);
  EXPECT_EQ(sink.txs[3].command.view(), "SYST");
  EXPECT_EQ(sink.txs[3].reply_code, 215);
}
