// The stateful and decoding rule keywords end to end: the demo capture through the
// program with rules that use dataset/datarep files, xbits, flowint and byte_math, each
// written so that what it must find in the capture is known from the capture's contents
// (app/pcapgen/README.md): the DNS queries, the two HTTP requests, the TLS ClientHello
// to the same server as the first request, the 17 MQTT publishes before the disconnect.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <fstream>
#include <map>

#include "integration/export_support.hpp"
#include "support/run_program.hpp"

namespace fs = std::filesystem;
using namespace flowprobe::test;

namespace {

void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

// The program's eve alerts, by sid: how many, and the last one's dest_ip and app_proto.
struct Alerts {
  std::map<uint64_t, int> count;
  std::map<uint64_t, std::string> dest, app_proto;
};
Alerts read_alerts(const fs::path& file) {
  Alerts a;
  simdjson::dom::parser parser;
  for (const std::string& l : read_lines(file)) {
    simdjson::dom::element d;
    if (parser.parse(l).get(d) != simdjson::SUCCESS) {
      ADD_FAILURE() << "not JSON: " << l;
      continue;
    }
    const uint64_t sid = d["alert"]["signature_id"];
    ++a.count[sid];
    a.dest[sid] = std::string(std::string_view(d["dest_ip"]));
    std::string_view proto;
    if (d["app_proto"].get(proto) == simdjson::SUCCESS) a.app_proto[sid] = std::string(proto);
  }
  return a;
}

TEST(RuleKeywords, DatasetsXbitsFlowintAndByteMathOnTheDemoCapture) {
  const fs::path dir = scratch_dir("rule_keywords");
  const fs::path pcap = dir / "demo.pcap", rules = dir / "kw.rules", alerts = dir / "alerts.json";
  ASSERT_EQ(run_program({pcapgen_binary().string(), "--scenario", "demo", "-q", "-o", pcap.string()}).exit_code, 0);
  // Suricata's dataset files: base64 strings, one a line; datarep adds ",reputation".
  write(dir / "domains.lst", "d3d3LmV4YW1wbGUuY29t\nd3d3LmdpdGh1Yi5jb20=\n");  // www.example.com, www.github.com
  write(dir / "rep.csv", "d3d3LmV4YW1wbGUuY29t,80\naXB2Ni5leGFtcGxlLmNvbQ==,20\n");  // www.example.com 80, ipv6.example.com 20
  write(rules,
        R"(alert dns any any -> any any (msg:"listed domain"; dns.query; dataset:isset,bad-domains,type string,load domains.lst; sid:1;)
alert http any any -> any any (msg:"host of poor reputation"; http.host; datarep:host-rep,>=,50,type string,load rep.csv; sid:2;)
alert http any any -> any any (msg:"first sight of a user agent"; http.user_agent; dataset:set,ua-seen,type string; sid:3;)
alert http any any -> any any (msg:"mark web server"; flow:to_server; http.method; content:"GET"; xbits:set,web.server,track ip_dst,expire 300; noalert; sid:4;)
alert tls any any -> any any (msg:"TLS to a marked web server"; flow:to_server; tls.sni; content:"example.com"; xbits:isset,web.server,track ip_dst; sid:5;)
alert tcp any any -> any 1883 (msg:"count publishes"; flow:to_server; content:"|32|"; depth:1; flowint:pubs,+,1; noalert; sid:6;)
alert tcp any any -> any 1883 (msg:"17 publishes then disconnect"; flow:to_server; content:"|e0 00|"; depth:2; flowint:pubs,==,17; sid:7;)
alert tcp any any -> any 1883 (msg:"not 16"; flow:to_server; content:"|e0 00|"; depth:2; flowint:pubs,==,16; sid:9;)
alert tcp any any -> any 443 (msg:"ClientHello record holds one handshake message"; flow:to_server; content:"|16 03|"; depth:2; byte_math:bytes 2, offset 1, oper -, rvalue 4, result hslen, relative; byte_test:3,=,hslen,1,relative; sid:8;)
)");
  const ProgramResult r = run_program({flowprobe_binary().string(), "-i", pcap.string(), "--rules", rules.string(),
                                       "--alerts-output", alerts.string(), "-o", "/dev/null"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("rules: 9 accepted, 0 rejected"), std::string::npos) << r.err;
  Alerts a = read_alerts(alerts);
  auto& by_sid = a.count;
  auto& dest = a.dest;
  EXPECT_EQ(by_sid[1], 3);  // A and AAAA www.example.com, A www.github.com
  EXPECT_EQ(by_sid[2], 1);  // www.example.com (80); ipv6.example.com's 20 is below
  EXPECT_EQ(by_sid[3], 1);  // curl/8.5.0 once, though both requests send it
  EXPECT_EQ(by_sid[4], 0);  // noalert
  EXPECT_EQ(by_sid[5], 1);  // the TLS flow goes to 93.184.216.34, which the GET marked
  EXPECT_EQ(dest[5], "93.184.216.34");
  EXPECT_EQ(by_sid[6], 0);
  EXPECT_EQ(by_sid[7], 1);
  EXPECT_EQ(by_sid[9], 0);
  EXPECT_EQ(by_sid[8], 1);  // 0x122 - 4 = 0x11e
}

// Suricata's ftp-data protocol on Zeek's ftp/ipv4.pcap: a NetBSD server, anonymous login,
// LIST and RETR robots.txt in passive mode (PASV), then both again in active mode (PORT).
// Its four data connections are ftp-data (the control connection announced each); their
// bytes are file.data, a listing's 342 and robots.txt's 77, in the direction each travels:
// from the responder in passive mode, from the originator (the server) in active mode.
TEST(RuleKeywords, FtpDataRulesOnTheTransfersOfAnFtpCapture) {
  const fs::path pcap = shared_dir() / "corpus" / "zeek" / "Traces" / "ftp" / "ipv4.pcap";
  if (!fs::exists(pcap)) GTEST_SKIP() << "../shared/corpus is absent: " << pcap;
  const fs::path dir = scratch_dir("rule_keywords_ftp_data");
  const fs::path rules = dir / "ftp-data.rules", alerts = dir / "alerts.json";
  write(rules,
        R"(alert ftp-data any any -> any any (msg:"ftp app layer file.data example"; file.data; content:"Disallow: *.tgz"; sid:1;)
alert ftp-data any any -> any any (msg:"listing downloaded in passive mode"; flow:to_client; file.data; content:"robots.txt"; sid:2;)
alert ftp-data any any -> any any (msg:"listing sent by the connecting server"; flow:to_server; file_data; content:"robots.txt"; sid:3;)
alert ftp-data any any -> any any (msg:"payload of ftp-data"; content:"ls-lRA.gz"; sid:4;)
alert ftp any any -> any any (msg:"not on the control connection"; content:"Disallow: *.tgz"; sid:5;)
alert tcp any any -> any any (msg:"plain tcp"; content:"Disallow: *.tgz"; sid:6;)
)");
  const ProgramResult check = run_program({flowprobe_binary().string(), "check", "--rules", rules.string()});
  EXPECT_EQ(check.exit_code, 0) << check.err;
  EXPECT_EQ(check.out.rfind("rules: ok - 6 accepted, 0 rejected", 0), 0u) << check.out;
  const ProgramResult r = run_program({flowprobe_binary().string(), "-i", pcap.string(), "--rules", rules.string(),
                                       "--alerts-output", alerts.string(), "-o", "/dev/null"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Alerts a = read_alerts(alerts);
  auto& by_sid = a.count;
  EXPECT_EQ(by_sid[1], 2);  // robots.txt, passive and active
  EXPECT_EQ(by_sid[2], 1);  // the passive LIST (56666), from the responder
  EXPECT_EQ(by_sid[3], 1);  // the active LIST (to 33582), from the server that connected
  EXPECT_EQ(by_sid[4], 2);  // both listings name ls-lRA.gz
  EXPECT_EQ(by_sid[5], 0);  // the file never crosses the control connection
  EXPECT_EQ(by_sid[6], 2);
  EXPECT_EQ(a.app_proto[1], "ftp-data");
  EXPECT_EQ(a.app_proto[4], "ftp-data");
  EXPECT_EQ(a.app_proto[6], "ftp-data");  // a tcp rule's alert names the flow's protocol
}

}  // namespace
