#pragma once
// Helpers for tests that run the real programs and read ../shared in place.
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace flowprobe::test {

struct ProgramResult {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;
  std::string out;     // stdout
  std::string err;     // stderr
};

// Runs `argv` (argv[0] is a path), feeding no stdin, and waits for it.
ProgramResult run_program(const std::vector<std::string>& argv);

std::filesystem::path source_root();
std::filesystem::path build_root();
std::filesystem::path flowprobe_binary();
std::filesystem::path pcapgen_binary();
// ../shared next to the project; empty path when absent (a user's clone).
std::filesystem::path shared_dir();
// A fresh directory under the build tree for one test's files.
std::filesystem::path scratch_dir(const std::string& name);

// Value of "name value" in flowprobe's exit summary, or -1 when absent.
long long summary_value(const std::string& summary, const std::string& name);

}  // namespace flowprobe::test

// Skips the current test with a one-line reason when ../shared is absent.
#define FLOWPROBE_REQUIRE_SHARED(subdir)                                                             \
  do {                                                                                               \
    if (::flowprobe::test::shared_dir().empty() ||                                                   \
        !std::filesystem::exists(::flowprobe::test::shared_dir() / (subdir)))                        \
      GTEST_SKIP() << "../shared/" << (subdir) << " is absent (only CI and developers have it)";     \
  } while (0)
