#pragma once
// What the inspect stage hands io: everything one burst produced (finished flow records
// with their L7 part, transactions, alerts), as values for io to put on its rings. Nothing here calls
// back into io; io takes it after each burst, or sooner when it fills, and clears it.
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <type_traits>

#include "dissectors/app_metadata.hpp"
#include "flow/flow_record.hpp"
#include "signatures/alert.hpp"

namespace flowprobe::dpi {

// A finished flow's record and its dissector metadata (valid when record.l7_flags has
// kL7HasApp), laid out as the record ring carries them (io/record_ring.hpp).
struct alignas(8) L7Record {
  FlowRecord flow;
  dissect::AppMetadata app;
};

// One transaction: an HTTP request and its response, a DNS query and its response, a TLS,
// QUIC or SSH handshake, a DHCP message, an SMTP mail, an FTP command and its reply. Its
// part is its protocol's Meta type, as a flow record's is; joined to its flow by flow_id
// (and by the 5-tuple, whose Community ID is the flow's). Only the first `words` 8-byte
// words travel: the header and its protocol's part.
struct alignas(8) TxRecord {
  uint64_t flow_id = 0;
  uint64_t ts_ns = 0;                // when it began: the request, the query, the first hello
  std::array<uint8_t, 16> src_ip{};  // the flow's client (IPv4 in the first 4 bytes)
  std::array<uint8_t, 16> dst_ip{};  // the flow's server
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  uint16_t vlan = 0;
  uint8_t ip_version = 0;
  uint8_t protocol = 0;              // IP protocol number
  uint32_t depth = 0;                // its place in the flow, from 1 (Zeek's trans_depth)
  uint16_t rx_core = 0;
  uint16_t words = 0;                // 8-byte words of this record on the ring
  std::array<uint8_t, 6> src_mac{};  // the client's MAC (all zero: no Ethernet header)
  std::array<uint8_t, 6> dst_mac{};  // the server's
  dissect::AppMetadata app;          // its kind and part (app.transactions is 0)
};
static_assert(std::is_trivially_copyable_v<TxRecord> && sizeof(TxRecord) % 8 == 0);
inline constexpr unsigned kTxHeaderWords = offsetof(TxRecord, app) / 8;

// The words a transaction of `kind` takes: the header, the AppMetadata's head and its
// protocol's part.
inline uint16_t tx_words(dissect::AppKind kind) {
  static constexpr std::size_t kMeta[] = {
      0,
#define FLOWPROBE_X(name, Name, Meta) sizeof(dissect::Meta),
      FLOWPROBE_PROTOCOLS(FLOWPROBE_X)
#undef FLOWPROBE_X
  };
  const std::size_t bytes = offsetof(TxRecord, app) + offsetof(dissect::AppMetadata, u) + kMeta[static_cast<std::size_t>(kind)];
  return static_cast<uint16_t>((bytes + 7) / 8);
}

class InspectOutput {
 public:
  static constexpr std::size_t kFlowCapacity = 512;
  static constexpr std::size_t kTxCapacity = 128;
  InspectOutput()
      : flows_(std::make_unique<L7Record[]>(kFlowCapacity)), txs_(std::make_unique<TxRecord[]>(kTxCapacity)) {}

  // The next finished record's storage; nullptr when full (the caller takes the output first).
  L7Record* add_flow() noexcept { return n_flows_ < kFlowCapacity ? &flows_[n_flows_++] : nullptr; }
  std::span<const L7Record> flows() const noexcept { return {flows_.get(), n_flows_}; }
  // The next transaction's storage; nullptr when full (the caller counts it).
  TxRecord* add_tx() noexcept { return n_txs_ < kTxCapacity ? &txs_[n_txs_++] : nullptr; }
  std::span<const TxRecord> txs() const noexcept { return {txs_.get(), n_txs_}; }
  sig::AlertBuffer& alerts() noexcept { return alerts_; }
  const sig::AlertBuffer& alerts() const noexcept { return alerts_; }

  // Time to hand it over before the next packet: room is left for what one packet, or one
  // batch of expired flows (FlowTable::kFinishedCapacity), can add.
  bool half_full() const noexcept {
    return n_flows_ >= kFlowCapacity / 2 || n_txs_ >= kTxCapacity / 2 || alerts_.half_full();
  }
  bool empty() const noexcept { return n_flows_ == 0 && n_txs_ == 0 && alerts_.size() == 0; }
  void clear() noexcept {
    n_flows_ = 0;
    n_txs_ = 0;
    alerts_.clear();
  }

 private:
  std::unique_ptr<L7Record[]> flows_;
  std::size_t n_flows_ = 0;
  std::unique_ptr<TxRecord[]> txs_;
  std::size_t n_txs_ = 0;
  sig::AlertBuffer alerts_;
};

}  // namespace flowprobe::dpi
