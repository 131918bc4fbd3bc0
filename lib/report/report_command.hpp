#pragma once
// `flowprobe report tls|traffic|soc|all`: reads what the probe wrote in one pass and
// writes the reports (HTML, PDF, CSV, JSON). Returns the process exit status.
#include <string>

namespace flowprobe::report {

int report_main(int argc, char** argv, const std::string& version);

}  // namespace flowprobe::report
