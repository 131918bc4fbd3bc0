// The support bundle's config.toml is the configuration the probe ran with: given back to
// --config as it is, it starts the probe and gives the same records.
#include "sink_fault_support.hpp"

namespace fs = std::filesystem;
using namespace flowprobe::test;

TEST(FaultConfig, TheSupportBundlesConfigurationLoadsAsItIs) {
  const fs::path dir = scratch_dir("fault_bundle_config");
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "probe.conf") << "interface = \"" << demo_pcap().string() << "\"\n"
                                    << "output = \"" << (dir / "first.json").string() << "\"\n"
                                    << "json-labels = true\n"
                                    << "idle-timeout = 20\n"
                                    << "template = \"%IPV4_SRC_ADDR %IPV4_DST_ADDR %L4_DST_PORT %IN_BYTES %OUT_BYTES\"\n"
                                    << "rotate-size = \"1M\"\n";
  const ProgramResult first = run_flowprobe({"--config", (dir / "probe.conf").string()});
  ASSERT_EQ(first.exit_code, 0) << first.err;

  // As support asks for it: the run's configuration plus a --timeout for the checks.
  const fs::path bundle = dir / "bundle.tar.gz";
  const ProgramResult made =
      run_flowprobe({"support-bundle", bundle.string(), "--config", (dir / "probe.conf").string(), "--timeout", "0.5"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  const ProgramResult extracted = run_program({"/usr/bin/env", "tar", "-xzf", bundle.string(), "-C", dir.string()});
  ASSERT_EQ(extracted.exit_code, 0) << extracted.err;
  const fs::path config = dir / "flowprobe-support" / "config.toml";
  ASSERT_TRUE(fs::exists(config));

  const ProgramResult again = run_flowprobe({"--config", config.string(), "-o", (dir / "again.json").string()});
  EXPECT_EQ(again.exit_code, 0) << read_file(config) << again.err;
  EXPECT_EQ(read_lines(dir / "again.json").size(), read_lines(dir / "first.json").size());
  EXPECT_TRUE(record_identities(read_lines(dir / "again.json")) == record_identities(read_lines(dir / "first.json")));
  // And it still serves `check` and another bundle, as the file it came from did.
  const ProgramResult check = run_flowprobe({"check", "--config", config.string()});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
}
