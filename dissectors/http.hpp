#pragma once
// HTTP/1.x: the first request's method, target, Host, User-Agent and Referer and the
// first final response's status and Content-Type. Headers are processed line by line
// as they arrive, so a request split across any number of segments costs only one
// bounded line buffer per direction.
#include <cstdint>

#include "dissectors/dissector.hpp"
#include "dissectors/tcp_cursor.hpp"

namespace flowprobe::dissect {

struct HttpState {
  static constexpr std::size_t kLine = 512;  // longer lines keep their first kLine bytes
  struct Dir {
    TcpCursor cursor;
    uint8_t phase = 0;  // 0 start line, 1 headers, 2 finished
    bool overflow = false;
    uint16_t len = 0;
    char line[kLine];
  };
  Dir dir[2];
  Parse parse(const PacketContext& c, AppMetadata& m) noexcept;
};

Probe http_probe(const PacketContext& c) noexcept;
extern const Dissector kHttpDissector;

}  // namespace flowprobe::dissect
