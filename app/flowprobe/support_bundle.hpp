#pragma once
// `flowprobe support-bundle FILE.tar.gz`: what whoever supports a probe asks for first,
// in one file: version and build, the effective configuration with secrets masked, the
// checks, the last statistics, recent log lines and the DPDK device list.
#include <string>
#include <vector>

#include "options.hpp"

namespace flowprobe {

// The version, build type and the versions of the libraries flowprobe was built with.
std::string version_text();

// The values of the secret-looking --kafka-conf properties (sasl.password,
// ssl.key.password, ...secret..., ...token...).
std::vector<std::string> secret_values(const Options& options);
// Replaces every occurrence of each of `secrets`, and the value of every secret-looking
// "name=value" / "name = value" in `text`, with "****".
std::string mask_secrets(const std::string& text, const std::vector<std::string>& secrets);

// Returns the exit code: 0 written, 1 it could not be written.
int write_support_bundle(const Options& options);

}  // namespace flowprobe
