#include "check_command.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "signatures/signature_engine.hpp"

namespace flowprobe {

int run_check_command(int argc, char** argv) {
  CLI::App app{"flowprobe check: load and compile what a run would use, without capturing.\n"
               "  flowprobe check --rules /etc/flowprobe/rules\n"
               "The first line reads 'rules: <N> accepted, <M> rejected', then the rejections grouped by reason.",
               "flowprobe check"};
  std::vector<std::string> rules;
  app.add_option("--rules", rules, "a Suricata rule file or a directory of *.rules files (repeatable)")
      ->required()
      ->type_name("PATH");
  try {
    app.parse(argc - 1, argv + 1);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "flowprobe check: %s\nRun 'flowprobe check --help' for the accepted options.\n", e.what());
    return 2;
  }
  return sig::run_rules_check(rules, stdout);
}

}  // namespace flowprobe
