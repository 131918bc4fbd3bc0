#pragma once
// `flowprobe check ...`: validates configuration without capturing.
namespace flowprobe {

// argv[1] is "check". Returns the exit code: 0 all good, 1 a part failed, 2 bad usage.
int run_check_command(int argc, char** argv);

}  // namespace flowprobe
