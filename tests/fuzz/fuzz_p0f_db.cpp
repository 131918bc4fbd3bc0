// libFuzzer target for the p0f.fp reader (dissectors/tcp_fingerprint/p0f_db.cpp): any text
// is read within its bounds into a database or refused with an error, and what it
// accepts matches a fixed SYN without reading out of bounds.
#include <cstring>
#include <sstream>
#include <string>

#include "dissectors/tcp_fingerprint/p0f_db.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  std::string error;
  const auto db = flowprobe::dissect::P0fDb::parse(in, "fuzz", error);
  if (!db) return 0;
  flowprobe::AssetEvent e{};
  e.op = 1 + (size & 1);
  e.ip_version = 4;
  e.ttl = 60;
  e.tcp_window = 29200;
  e.tcp_mss = 1460;
  e.tcp_wscale = 7;
  std::strcpy(e.class_id, "mss,sok,ts,nop,ws");
  std::strcpy(e.param_list, "df,id+");
  db->match(e);
  (void)db->os(e.u.tcp.label);
  return 0;
}
