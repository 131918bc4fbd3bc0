// libFuzzer target for the quic dissector. The shared driver feeds whole datagrams to
// probe() and parse(): header parsing, coalesced packets, key derivation and rejected
// AEAD tags. The fuzzer cannot forge a tag, so the decrypted side (frame walk, CRYPTO
// reassembly by offset, the hellos handed to the TLS parsers) is fed directly too: the
// input as plaintext frames, cut in two packets where its first byte says.
#include "dissectors/quic/quic.hpp"
#include "tests/fuzz/dissector_fuzz_driver.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace flowprobe::dissect;
  fuzz_dissector<QuicState>(kQuicDissector, data, size);
  if (size < 1) return 0;
  static QuicState* const st = new QuicState;
  new (st) QuicState;
  AppMetadata meta;
  meta.set_kind(AppKind::quic);
  std::span<const uint8_t> in(data + 1, size - 1);
  const std::size_t cut = in.size() * data[0] / 256;
  st->feed_frames(in.subspan(cut), true, meta.u.tls);   // the later packet first
  st->feed_frames(in.first(cut), true, meta.u.tls);
  st->feed_frames(in, false, meta.u.tls);
  return 0;
}
