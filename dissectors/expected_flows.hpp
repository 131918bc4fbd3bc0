#pragma once
// Connections a protocol announced before they began (FTP's data channel, from PORT/EPRT
// or the reply to PASV/EPSV): Zeek's expected connections (Analyzer::schedule_analyzer),
// Suricata's app-layer expectations. A dissector that sees one announced enters it here
// (PacketContext::expect); when a flow begins whose responder and originator match a live
// entry, the engine gives it to the protocol the entry names, without probing.
//
// One table serves every RX core: the control and the data connection are different
// 5-tuples, so symmetric RSS (or the software dispatcher) puts them on different cores as
// often as not. It is a fixed array made at start (nothing allocated after) read and
// written without a lock: each entry is a seqlock (an odd sequence while it is written),
// writers claim an entry with a compare-and-swap, readers retry a torn read a few times and
// otherwise miss. Entries are 4-way buckets by the responder's address and port; a new
// entry takes the slot of the same key, else a free or expired one, else evicts the one
// that expires first. An entry lives until it expires (Zeek's 5 minutes for FTP), so a
// connection seen again (a later record of a long transfer) still matches.
//
// Ordering across cores: the data connection's first packet can be handled by its core
// before the control connection's core has handled the reply that announced it (a core
// lagging by more than the client's round trip); that connection is then not recognised.
// On one RX core (replays with --rx-cores 1, the tests) the order is the capture's; a file
// replayed on several cores is where it shows (README, Architecture).
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>

#include "dissectors/app_metadata.hpp"

namespace flowprobe::dissect {

// What one core did with the table: rows of the dissectors' counter table.
struct ExpectedFlowCounters {
  uint64_t added = 0;    // entries a dissector announced
  uint64_t matched = 0;  // flows that began as an entry said, given to its protocol
  uint64_t expired = 0;  // entries whose time ran out before their slot was taken again
  uint64_t evicted = 0;  // live entries pushed out by a new one (their bucket was full)
};

// An announced connection: who will connect (orig, any port) to whom (resp, resp_port).
struct ExpectedFlow {
  std::array<uint8_t, 16> orig{};  // IPv4 in the first 4 bytes
  std::array<uint8_t, 16> resp{};
  uint16_t resp_port = 0;
  uint8_t ip_version = 4;
  uint8_t l4_proto = 6;          // TCP
  AppKind kind = AppKind::none;  // the protocol the connection speaks
};

class ExpectedFlows {
 public:
  static constexpr uint32_t kWays = 4;
  static constexpr uint64_t kDefaultLifetimeNs = 300'000'000'000;  // Zeek's 5 min for FTP
  // `capacity` entries (rounded up to a power of two, at least kWays).
  explicit ExpectedFlows(uint32_t capacity = 4096);
  ExpectedFlows(const ExpectedFlows&) = delete;
  ExpectedFlows& operator=(const ExpectedFlows&) = delete;

  // Enters `e`, alive until `now_ns + lifetime_ns` (packet time).
  void add(const ExpectedFlow& e, uint64_t now_ns, ExpectedFlowCounters& c,
           uint64_t lifetime_ns = kDefaultLifetimeNs) noexcept;
  // The protocol of a live entry for a flow whose first packet went src:sport -> dst:dport,
  // read either way round (the first packet seen may be the responder's); none when there
  // is none.
  AppKind match(const uint8_t* src, uint16_t sport, const uint8_t* dst, uint16_t dport, uint8_t ip_version,
                uint8_t l4_proto, uint64_t now_ns, ExpectedFlowCounters& c) const noexcept;
  uint32_t capacity() const { return mask_ + 1; }

 private:
  struct alignas(64) Entry {
    std::atomic<uint32_t> seq{0};  // odd: being written
    // orig (2 words), resp (2 words), resp_port | ip_version << 16 | l4_proto << 24 | kind << 32,
    // expiry (ns; 0: empty)
    std::array<std::atomic<uint64_t>, 6> w{};
  };
  struct Key {
    uint64_t w[5];
  };
  static Key key_of(const uint8_t* orig, const uint8_t* resp, uint16_t resp_port, uint8_t ip_version,
                    uint8_t l4_proto, AppKind kind) noexcept;
  uint32_t bucket(const Key& k) const noexcept;
  // A consistent copy of entry `e` (words and expiry); false when a writer kept it busy.
  static bool read(const Entry& e, uint64_t (&out)[6]) noexcept;
  AppKind lookup(const uint8_t* orig, const uint8_t* resp, uint16_t resp_port, uint8_t ip_version,
                 uint8_t l4_proto, uint64_t now_ns) const noexcept;

  std::unique_ptr<Entry[]> entries_;
  uint32_t mask_ = 0;  // entries - 1; buckets start at multiples of kWays
  // The latest deadline ever stored: a new flow after it (or while nothing was ever
  // announced) costs one load, not a lookup (most links carry no FTP, or only now and then).
  std::atomic<uint64_t> latest_{0};
};

// What a dissector is handed to announce a connection: the table and its core's counters.
struct Expecter {
  ExpectedFlows* table = nullptr;
  ExpectedFlowCounters* counters = nullptr;
  void expect(const ExpectedFlow& e, uint64_t now_ns) const noexcept {
    if (table != nullptr) table->add(e, now_ns, *counters);
  }
};

}  // namespace flowprobe::dissect
