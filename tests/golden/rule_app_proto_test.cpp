// Rules written for an application protocol our dissectors do not parse (alert ssh,
// alert smtp, alert ftp, alert smb) take the flow's protocol from nDPI, as Suricata's
// take it from its own detection: on nDPI's corpus captures each such rule fires once
// in every flow ndpiReader names with that protocol (result/<pcap>.out), on whatever
// port (one SSH flow there runs on 8000), the alert says the protocol in app_proto, and
// the same content under another protocol's header fires nowhere.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <fstream>
#include <map>
#include <string>

#include "golden/ndpi_results.hpp"
#include "support/run_program.hpp"

namespace fs = std::filesystem;
using namespace flowprobe::test;

namespace {

// Each rule fires at most once per flow (flowbits), so its count is a count of flows.
constexpr const char* kRules = R"(
alert ssh any any -> any any (msg:"SSH banner"; flow:to_client; content:"SSH-"; depth:4; flowbits:isnotset,a; flowbits:set,a; sid:1;)
alert smtp any any -> any any (msg:"SMTP recipient"; flow:to_server; content:"RCPT To|3a|"; depth:8; flowbits:isnotset,b; flowbits:set,b; sid:2;)
alert ftp any any -> any any (msg:"FTP passive"; flow:to_server; content:"PASV"; depth:4; flowbits:isnotset,c; flowbits:set,c; sid:3;)
alert smb any any -> any any (msg:"SMB1 header"; content:"|ff|SMB"; offset:4; depth:4; flowbits:isnotset,d; flowbits:set,d; sid:4;)
alert smtp any any -> any any (msg:"SSH banner under smtp"; content:"SSH-"; depth:4; sid:11;)
alert ftp any any -> any any (msg:"SMTP recipient under ftp"; content:"RCPT To|3a|"; depth:8; sid:12;)
alert ssh any any -> any any (msg:"FTP passive under ssh"; content:"PASV"; depth:4; sid:13;)
alert ftp any any -> any any (msg:"SMB1 header under ftp"; content:"|ff|SMB"; offset:4; depth:4; sid:14;)
)";

struct Case {
  const char* pcap;
  const char* ndpi_proto;  // ndpiReader's name for the flows the rule must fire in
  const char* app_proto;   // what the alert says
  uint32_t sid;
};

}  // namespace

TEST(RuleAppProto, RulesForProtocolsNdpiNamesFireInExactlyThoseFlows) {
  FLOWPROBE_REQUIRE_SHARED("corpus/ndpi/pcap");
  const fs::path root = shared_dir() / "corpus" / "ndpi";
  const fs::path scratch = scratch_dir("rule_app_proto");
  const fs::path rules = scratch / "app_proto.rules";
  std::ofstream(rules) << kRules;
  const Case cases[] = {{"ssh.pcap", "SSH", "ssh", 1},
                        {"smtp.pcap", "SMTP", "smtp", 2},
                        {"ftp.pcap", "FTP_CONTROL", "ftp", 3},
                        {"smbv1.pcap", "NetBIOS.SMBv1", "smb", 4}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.pcap);
    // ndpiReader's flows of that protocol in the capture.
    int expected = 0;
    for (const auto& [key, flow] : ndpi_results::parse_result(root / "result" / (std::string(c.pcap) + ".out")))
      expected += flow.proto_name == c.ndpi_proto;
    ASSERT_GT(expected, 0) << "ndpiReader names no " << c.ndpi_proto << " flow";

    const fs::path alerts = scratch / (std::string(c.pcap) + ".alerts.json");
    const auto r = run_program({flowprobe_binary().string(), "-i", (root / "pcap" / c.pcap).string(), "--rules",
                                rules.string(), "--alerts-output", alerts.string(), "-o", "/dev/null"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::map<uint64_t, int> by_sid;
    std::map<std::string, int> app_protos;
    simdjson::dom::parser parser;
    std::ifstream in(alerts);
    for (std::string line; std::getline(in, line);) {
      simdjson::dom::element e = parser.parse(line);
      ++by_sid[uint64_t(e["alert"]["signature_id"])];
      std::string_view app;
      if (e["app_proto"].get(app) == simdjson::SUCCESS) ++app_protos[std::string(app)];
    }
    EXPECT_EQ(by_sid, (std::map<uint64_t, int>{{c.sid, expected}}));
    EXPECT_EQ(app_protos, (std::map<std::string, int>{{c.app_proto, expected}}));
  }
}
