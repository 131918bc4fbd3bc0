#pragma once
// Shared body of the per-dissector libFuzzer targets. The input is cut into segments (a
// length byte and a control byte before each: direction, and a sequence-number jump that
// makes retransmissions and gaps) and fed to probe() and parse() over TCP and UDP, so
// AddressSanitizer sees every read the dissector makes, split wherever the fuzzer likes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "dissectors/dissector.hpp"
#include "signatures/signature_engine.hpp"

namespace flowprobe::dissect {

// A protocol's rule buffers (its rules.cpp), when the target compiles them in.
struct FuzzRuleBuffers {
  void (*make)(const TxPartView& v, void* scratch, sig::AppBuffers& out) noexcept = nullptr;
  void* scratch = nullptr;
};

// Reads every byte of every view a dissector reports, while the views are alive, so ASan
// checks they lie in memory it may read; with `rules`, every instance of every buffer the
// rules would see too.
struct TouchingSink final : TxSink {
  TouchingSink() { parts_wanted = true; }  // as with rules: every part reported
  FuzzRuleBuffers rules;
  unsigned sum = 0;
  void touch(std::string_view v) {
    for (char ch : v) sum += static_cast<unsigned char>(ch);
  }
  void part(const TxPartView& v) noexcept override {
    touch(v.start_line);
    touch(v.header_block);
    touch(v.body);
    touch(v.text);
    for (uint8_t b : v.data) sum += b;
    if (rules.make != nullptr) {
      sig::AppBuffers b;
      rules.make(v, rules.scratch, b);
      for (int k = 0; k < sig::kBufferKindCount; ++k)
        for (auto inst : b.instances(static_cast<sig::BufferKind>(k)))
          for (uint8_t x : inst) sum += x;
    }
    asm volatile("" : : "r"(sum));
  }
  void emit(AppKind, const void* tx, std::size_t size, uint64_t) noexcept override {
    for (std::size_t i = 0; i < size; ++i) sum += static_cast<const uint8_t*>(tx)[i];
    asm volatile("" : : "r"(sum));
  }
};

template <typename State>
int fuzz_dissector(const Dissector& d, const uint8_t* data, size_t size, FuzzRuleBuffers rules = {}) {
  for (uint8_t proto : {uint8_t{6}, uint8_t{17}}) {
    if (!d.handles_l4(proto)) continue;
    alignas(64) static unsigned char state[sizeof(State)];
    std::memset(state, 0, sizeof state);
    d.init(state);
    AppMetadata meta;
    uint32_t seq[2] = {1000, 700000};
    std::span<const uint8_t> in(data, size);
    while (in.size() >= 2) {
      const std::size_t len = std::min<std::size_t>(in[0] ? in[0] * 8u : in.size(), in.size() - 2);
      const uint8_t ctl = in[1];
      PacketContext c;
      c.payload = in.subspan(2, len);
      c.l4_proto = proto;
      c.from_client = !(ctl & 1);
      c.client_port = 40000;
      c.server_port = d.ports[(ctl >> 1) % d.ports.size()];
      uint32_t& s = seq[c.from_client ? 0 : 1];
      s += static_cast<uint32_t>(static_cast<int8_t>(ctl & 0xf0)) / 16u;  // jumps back or ahead
      c.tcp_seq = s;
      s += static_cast<uint32_t>(len);
      // A per-engine context (QUIC's cipher contexts), made once for the whole run as
      // the engine makes it once per core.
      static void* const shared = d.create_shared ? d.create_shared() : nullptr;
      c.shared = shared;
      // What the engine would pass: a sink to report into, and now and then a FIN (bit 3
      // of the control byte), which ends HTTP bodies and header blocks.
      static TouchingSink tx;
      tx.rules = rules;
      c.tx = &tx;
      c.tcp_flags = (ctl & 0x08) ? 0x11 : 0x10;
      (void)d.probe(c);
      const Parse r = d.parse(state, c, meta);
      if (r != Parse::cont) break;
      in = in.subspan(2 + len);
    }
    // The flow's end: what the state still holds is reported.
    if (d.finish != nullptr) {
      PacketContext c;
      static TouchingSink tx;
      tx.rules = rules;
      c.tx = &tx;
      c.flow_end = true;
      d.finish(state, c, meta);
    }
  }
  return 0;
}

}  // namespace flowprobe::dissect
