#pragma once
// `flowprobe support-bundle FILE.tar.gz`: what whoever supports a probe asks for first,
// in one file: version and build, the effective configuration with secrets masked, the
// checks, the last statistics, recent log lines and the DPDK device list.
#include <string>

#include "options.hpp"

namespace flowprobe {

// The version, build type and the versions of the libraries flowprobe was built with.
std::string version_text();

// Returns the exit code: 0 written, 1 it could not be written.
int write_support_bundle(const Options& options);

}  // namespace flowprobe
