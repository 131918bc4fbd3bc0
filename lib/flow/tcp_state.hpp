#pragma once
// TCP connection state in Zeek's vocabulary (conn.log conn_state and history) plus the
// nProbe TCP metrics (handshake and application latency, retransmissions, out-of-order
// segments, largest window). The state machine follows Zeek's TCP analyzer
// (TCP.cc UpdateStateMachine, update_history, update_last_seq, update_window) so that
// SIEM users can line our records up with their conn.log.
//
// The state lives in every flow entry, so it is packed: endpoint states in nibbles, the
// history as 5-bit letter codes, counters saturating at 16 bits. Endpoints are indexed
// by the flow key side (0/1), not by role, because the flow table may still decide who
// the originator is after the first packets (a late SYN).
#include <array>
#include <cstdint>
#include <string_view>

namespace flowprobe {

// Zeek's TCP_ENDPOINT_* states, in Zeek's order.
enum class TcpEndpointState : uint8_t {
  inactive = 0,
  syn_sent,
  syn_ack_sent,
  partial,
  established,
  closed,
  reset,
};

// Zeek's conn_state values. `none` only for records that never saw a transport header.
enum class ConnState : uint8_t { none = 0, S0, S1, SF, REJ, S2, S3, RSTO, RSTR, RSTOS0, RSTRH, SH, SHR, OTH };

constexpr std::string_view conn_state_name(ConnState s) {
  constexpr std::string_view names[] = {"",   "S0",   "S1",   "SF",     "REJ",   "S2", "S3",
                                        "RSTO", "RSTR", "RSTOS0", "RSTRH", "SH", "SHR", "OTH"};
  const auto i = static_cast<std::size_t>(s);
  return i < std::size(names) ? names[i] : std::string_view{};
}

// Up to kMaxLetters history letters in one word: 4 bits of length, then 5 bits a letter.
// Zeek's history is unbounded; real connections rarely pass a dozen letters because the
// repeatable ones (T, W) are logarithmically scaled. Letters past the end are dropped.
class PackedHistory {
 public:
  static constexpr int kMaxLetters = 12;

  void add(char letter) noexcept;
  // True when a letter of `letter`'s category (S and H share one, as in Zeek's
  // hist_seen mask) was already recorded in this case.
  bool seen(char letter) const noexcept;
  int size() const noexcept { return static_cast<int>(bits_ & 0xF); }
  char at(int i) const noexcept;
  // Writes the letters, NUL-padded; returns how many were written.
  int copy_to(char* out, int capacity) const noexcept;
  uint64_t raw() const noexcept { return bits_; }

 private:
  uint64_t bits_ = 0;
};

// One TCP segment as the state machine needs it.
struct TcpSegment {
  uint8_t flags = 0;
  uint32_t seq = 0;
  uint32_t ack = 0;
  uint16_t window = 0;
  uint32_t payload_len = 0;
};

// Per-flow TCP state. Zero-initialised means "nothing seen".
struct TcpState {
  uint32_t last_seq[2];  // one past the highest sequence number each side has sent
  PackedHistory history;
  uint16_t rxmit[2];     // Zeek's retransmissions (segment ends at or before last_seq)
  uint16_t ooo[2];       // segments that start past last_seq: something before them is missing
  uint16_t win_max[2];   // largest advertised window, unscaled (as nProbe reports it)
  uint8_t states;        // TcpEndpointState of side 0 (low nibble) and side 1 (high nibble)
  uint8_t prev_states;   // the state before the last change, same layout (Zeek's prev_state)
  uint8_t flags;         // kTcp* bits below
  uint8_t zero_windows;  // zero-window count per side (nibbles, saturating), scales 'W'
};
static_assert(sizeof(TcpState) <= 32, "TcpState lives in every flow entry");

// Handshake and response timing, µs after the flow's first packet (or a latency once
// measured). Kept apart from TcpState because only TCP flows with payload need all of it.
struct TcpTiming {
  uint32_t server_us;  // SYN-ACK ts - SYN ts: the probe<->server round trip
  uint32_t client_us;  // ACK ts - SYN-ACK ts: the client<->probe round trip
  uint32_t appl_us;    // first client payload offset, then the response delay (APPL_LATENCY)
};

inline constexpr uint8_t kTcpSeqInit0 = 0x01;  // last_seq[0] holds a value
inline constexpr uint8_t kTcpSeqInit1 = 0x02;
inline constexpr uint8_t kTcpData0 = 0x04;     // side 0 sent payload (Zeek's endpoint size > 0)
inline constexpr uint8_t kTcpData1 = 0x08;
inline constexpr uint8_t kTcpServerLat = 0x10; // timing.server_us valid
inline constexpr uint8_t kTcpClientLat = 0x20; // timing.client_us valid
inline constexpr uint8_t kTcpApplWait = 0x40;  // timing.appl_us holds the first request's offset
inline constexpr uint8_t kTcpApplDone = 0x80;  // timing.appl_us holds the latency

inline TcpEndpointState tcp_endpoint_state(const TcpState& s, int side) noexcept {
  return static_cast<TcpEndpointState>((s.states >> (side * 4)) & 0xF);
}

// Feeds one segment sent by key side `side`; `is_orig` says whether that side is the
// connection's originator. `since_first_us` is the packet's time after the flow's first
// packet. Never allocates.
void tcp_update(TcpState& st, TcpTiming& tm, int side, bool is_orig, const TcpSegment& seg,
                uint32_t since_first_us) noexcept;

// Records the role flip Zeek writes as '^' (the first packet was a SYN-ACK, so its
// receiver is the originator).
inline void tcp_note_flip(TcpState& st) noexcept { st.history.add('^'); }

// Starts a new record of a flow that goes on (active timeout): per-record counters
// restart, the connection's state and history do not.
void tcp_restart_counters(TcpState& st) noexcept;

// conn_state as Zeek's base/protocols/conn/main.zeek derives it for TCP.
ConnState tcp_conn_state(const TcpState& st, int orig_side) noexcept;

// conn_state and history of a non-TCP flow from its packet counts, as Zeek's UDP
// analyzer sees it (every packet makes its endpoint active; 'D'/'d' on the first one).
ConnState udp_conn_state(uint64_t orig_pkts, uint64_t resp_pkts) noexcept;

}  // namespace flowprobe
