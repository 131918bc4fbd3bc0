#include "flow/tcp_state.hpp"

#include <algorithm>

namespace flowprobe {

namespace {

using S = TcpEndpointState;

// Letter codes: 1..12 upper case, 13..24 lower case, 25 '^', 0 unused.
constexpr std::string_view kLetters = "SHADFRQITWCG";
constexpr int kCaret = 25;

constexpr int letter_code(char c) noexcept {
  if (c == '^') return kCaret;
  const bool lower = c >= 'a' && c <= 'z';
  const char up = lower ? static_cast<char>(c - 32) : c;
  const auto i = kLetters.find(up);
  if (i == std::string_view::npos) return 0;
  return 1 + static_cast<int>(i) + (lower ? 12 : 0);
}

// Zeek's hist_seen masks: S and H share HIST_SYN_PKT, everything else has its own bit.
constexpr int category(int code) noexcept {
  if (code == kCaret || code == 0) return code;
  const int idx = (code - 1) % 12;
  const int lower = (code - 1) / 12;
  return 1 + (idx == 1 ? 0 : idx) + lower * 12;
}

// Zeek drops sequence deltas this large on SYN/RST as implausible (TOO_LARGE_SEQ_DELTA).
constexpr int32_t kTooLargeSeqDelta = 1048576;

inline int32_t seq_delta(uint32_t a, uint32_t b) noexcept { return static_cast<int32_t>(a - b); }

inline S get(const TcpState& st, int side) noexcept { return tcp_endpoint_state(st, side); }
inline S prev(const TcpState& st, int side) noexcept {
  return static_cast<S>((st.prev_states >> (side * 4)) & 0xF);
}
// Zeek's TCP_Endpoint::SetState: prev_state changes only on a real transition.
inline void set(TcpState& st, int side, S v) noexcept {
  const S old = get(st, side);
  if (old == v) return;
  const int sh = side * 4;
  st.prev_states = static_cast<uint8_t>((st.prev_states & ~(0xF << sh)) | (static_cast<int>(old) << sh));
  st.states = static_cast<uint8_t>((st.states & ~(0xF << sh)) | (static_cast<int>(v) << sh));
}

inline char cased(char c, bool is_orig) noexcept { return is_orig ? c : static_cast<char>(c + 32); }

// Connection::CheckHistory: the first letter of a category (per direction) is recorded;
// returns whether one had been seen already.
inline bool check_history(TcpState& st, char c, bool is_orig) noexcept {
  const char l = cased(c, is_orig);
  if (st.history.seen(l)) return true;
  st.history.add(l);
  return false;
}

// Connection::ScaledHistoryEntry with base 10: the letter marks the 1st, 10th, 100th ... event.
inline void scaled_history(TcpState& st, char c, bool is_orig, uint32_t count) noexcept {
  for (uint32_t t = 1; t <= count; t *= 10)
    if (t == count) {
      st.history.add(cased(c, is_orig));
      return;
    }
}

inline void bump(uint16_t& v) noexcept {
  if (v != UINT16_MAX) ++v;
}

}  // namespace

void PackedHistory::add(char letter) noexcept {
  const int n = size();
  const int code = letter_code(letter);
  if (n >= kMaxLetters || code == 0) return;
  bits_ |= static_cast<uint64_t>(code) << (4 + 5 * n);
  bits_ = (bits_ & ~uint64_t{0xF}) | static_cast<uint64_t>(n + 1);
}

char PackedHistory::at(int i) const noexcept {
  const int code = static_cast<int>((bits_ >> (4 + 5 * i)) & 0x1F);
  if (code == kCaret) return '^';
  if (code == 0) return '\0';
  const char up = kLetters[static_cast<std::size_t>((code - 1) % 12)];
  return code > 12 ? static_cast<char>(up + 32) : up;
}

bool PackedHistory::seen(char letter) const noexcept {
  const int want = category(letter_code(letter));
  for (int i = 0, n = size(); i < n; ++i)
    if (category(static_cast<int>((bits_ >> (4 + 5 * i)) & 0x1F)) == want) return true;
  return false;
}

int PackedHistory::copy_to(char* out, int capacity) const noexcept {
  const int n = std::min(size(), capacity);
  for (int i = 0; i < capacity; ++i) out[i] = i < n ? at(i) : '\0';
  return n;
}

void tcp_update(TcpState& st, TcpTiming& tm, int side, bool is_orig, const TcpSegment& seg,
                uint32_t since_first_us) noexcept {
  const bool syn = seg.flags & 0x02, fin = seg.flags & 0x01, rst = seg.flags & 0x04, ack = seg.flags & 0x10;
  const int peer = 1 - side;
  const uint32_t len = seg.payload_len;
  const uint8_t init_bit = side == 0 ? kTcpSeqInit0 : kTcpSeqInit1;
  // Sequence space the segment occupies: SYN and FIN count one each; an RST's payload
  // is not part of the stream (Zeek's get_segment_len).
  uint32_t seg_len = len + (syn ? 1u : 0u) + (fin ? 1u : 0u);
  if (rst) seg_len -= len;
  const uint32_t seq_end = seg.seq + seg_len;
  const S es = get(st, side);

  // Zeek re-numbers an endpoint's sequence space whenever it could not have been right
  // (init_endpoint). A SYN repeated inside that space keeps its relative number 0, so
  // Zeek records a second 'S' only when the endpoint had already closed or reset.
  const bool syn_repeat = es == S::closed || (es == S::reset && prev(st, side) != S::inactive);
  switch (es) {
    case S::inactive:
      // Without a SYN, pretend one came just before so the first packet is not a retransmission.
      st.last_seq[side] = syn ? seq_end : seg.seq;
      st.flags |= init_bit;
      break;
    case S::syn_sent:
    case S::syn_ack_sent:
      // A SYN with a new ISN restarts the numbering (Zeek's SYN_seq_jump); last_seq - 1
      // is the ISN as long as the endpoint sent no data before the handshake ended.
      if (syn && seg.seq != st.last_seq[side] - 1) st.last_seq[side] = seq_end;
      break;
    case S::established:
    case S::partial:
      if (syn) st.last_seq[side] = seq_end;
      break;
    case S::reset:
      // Sequence numbers set by an RST that a SYN now contradicts were likely spoofed.
      if (syn && prev(st, side) == S::inactive) st.last_seq[side] = seq_end;
      break;
    case S::closed:
      break;
  }

  // History (Zeek's update_history).
  const int ctl = (syn ? 1 : 0) + (fin ? 1 : 0) + (rst ? 1 : 0);
  if (ctl > 1) {
    check_history(st, fin && rst ? 'I' : 'Q', is_orig);
  } else if (ctl == 1) {
    if (syn) {
      const char c = ack ? 'H' : 'S';
      if (check_history(st, c, is_orig) && syn_repeat) st.history.add(cased(c, is_orig));
    }
    // A FIN is repeated in the history only at a new sequence position; ours is compared
    // with last_seq, which the previous FIN left one past its own end.
    if (fin && check_history(st, 'F', is_orig) && seg.seq + len + 1 != st.last_seq[side])
      st.history.add(cased('F', is_orig));
    // RSTs do not advance last_seq once the endpoint is reset, so it holds the previous
    // RST's position in the common case (an RST at the next expected sequence number).
    if (rst && check_history(st, 'R', is_orig) && seg.seq != st.last_seq[side])
      st.history.add(cased('R', is_orig));
  } else if (len > 0) {
    check_history(st, 'D', is_orig);
  } else if (ack) {
    check_history(st, 'A', is_orig);
  }

  // Zero windows matter unless they come with or after an RST, or after the peer's FIN
  // (Zeek's update_window). Scaling cannot turn a zero into anything else.
  if (seg.window == 0 && !rst && get(st, peer) != S::closed && es != S::reset) {
    const int sh = side * 4;
    uint32_t zw = (st.zero_windows >> sh) & 0xF;
    if (zw < 15) {
      ++zw;
      st.zero_windows = static_cast<uint8_t>((st.zero_windows & ~(0xF << sh)) | (zw << sh));
      scaled_history(st, 'W', is_orig, zw);
    }
  }
  st.win_max[side] = std::max(st.win_max[side], seg.window);

  // An ACK numbers the peer's sequence space when the peer has not spoken yet (init_peer).
  if (ack && get(st, peer) == S::inactive) {
    st.last_seq[peer] = seg.ack - 1;
    st.flags |= side == 0 ? kTcpSeqInit1 : kTcpSeqInit0;
  }

  // Out of order (nProbe's notion, which Zeek lacks): payload that starts past the next
  // expected byte, i.e. an earlier segment is late or was lost before the probe.
  if (len > 0 && !syn && !rst && es != S::inactive && seq_delta(seg.seq, st.last_seq[side]) > 0) bump(st.ooo[side]);

  // Zeek's update_last_seq; a segment that adds nothing new is a retransmission ('T').
  // (Zeek also lets a FIN right after the SYN move last_seq backwards, for connections
  // past 2 GB of which only SYN and FIN were seen; we do not keep the ISN for that.)
  const int32_t delta_last = seq_delta(seq_end, st.last_seq[side]);
  if ((syn || rst) && (delta_last > kTooLargeSeqDelta || delta_last < -kTooLargeSeqDelta)) {
    // implausible jump: ignore
  } else if (es == S::reset) {
    // nothing after a reset is trusted
  } else if (delta_last > 0) {
    st.last_seq[side] = seq_end;
  } else if (len > 0) {
    bump(st.rxmit[side]);
    scaled_history(st, 'T', is_orig, st.rxmit[side]);
  }

  // Zeek's UpdateStateMachine.
  switch (es) {
    case S::inactive:
      if (syn) {
        if (is_orig) {
          set(st, side, ack ? S::syn_ack_sent : S::syn_sent);
        } else {
          // A SYN from the responder to an originator that sent a SYN-ACK is a reversed
          // handshake; Zeek flips roles there, we only establish it (the flow table has
          // already chosen the originator).
          if (!ack && get(st, peer) == S::syn_ack_sent) set(st, peer, S::established);
          if (get(st, peer) == S::syn_sent) set(st, peer, S::established);
          set(st, side, S::established);
        }
      }
      if (fin) set(st, side, S::closed);
      if (rst) set(st, side, S::reset);
      if (get(st, side) == S::inactive) {
        if (!is_orig && len == 0 && get(st, peer) == S::syn_sent) {
          // Some stacks ACK a SYN before answering it: not a partial connection.
        } else if (ack && get(st, peer) == S::established) {
          // The SYN was missed but the SYN-ACK was not: establish.
          set(st, side, S::established);
        } else {
          set(st, side, S::partial);
        }
      }
      break;
    case S::syn_sent:
    case S::syn_ack_sent:
      if (fin) set(st, side, S::closed);
      if (rst) set(st, side, S::reset);
      break;
    case S::established:
    case S::partial:
      if (syn && es == S::partial && get(st, peer) == S::inactive && !ack) set(st, side, S::syn_sent);
      if (fin && !rst) {
        set(st, side, S::closed);
        // The peer's FIN followed by its RST was a normal close after all.
        if (get(st, peer) == S::reset && prev(st, peer) == S::closed) set(st, peer, S::closed);
      }
      if (rst) set(st, side, S::reset);
      break;
    case S::closed:
      // After a complete FIN exchange an RST changes nothing.
      if (rst && get(st, peer) != S::closed) set(st, side, S::reset);
      break;
    case S::reset:
      break;
  }

  if (len > 0 && !rst) st.flags |= side == 0 ? kTcpData0 : kTcpData1;

  // nProbe latencies. The SYN is the flow's first packet, so its time is 0 here.
  if (!is_orig && syn && ack && !(st.flags & kTcpServerLat) && st.history.seen('S')) {
    tm.server_us = since_first_us;
    st.flags |= kTcpServerLat;
  } else if (is_orig && ack && !syn && (st.flags & kTcpServerLat) && !(st.flags & kTcpClientLat)) {
    tm.client_us = since_first_us >= tm.server_us ? since_first_us - tm.server_us : 0;
    st.flags |= kTcpClientLat;
  }
  if (len > 0 && !rst) {
    if (is_orig && !(st.flags & (kTcpApplWait | kTcpApplDone))) {
      tm.appl_us = since_first_us;
      st.flags |= kTcpApplWait;
    } else if (!is_orig && (st.flags & kTcpApplWait)) {
      tm.appl_us = since_first_us >= tm.appl_us ? since_first_us - tm.appl_us : 0;
      st.flags = static_cast<uint8_t>((st.flags & ~kTcpApplWait) | kTcpApplDone);
    }
  }
}

void tcp_restart_counters(TcpState& st) noexcept {
  st.rxmit[0] = st.rxmit[1] = 0;
  st.ooo[0] = st.ooo[1] = 0;
  st.win_max[0] = st.win_max[1] = 0;
  // A pending request's offset was taken against the old record's first packet.
  st.flags &= static_cast<uint8_t>(~kTcpApplWait);
}

namespace {
// Zeek's /\^?S[^HAFGIQ]*R.*/ over the whole history: a SYN, then an RST from the
// originator before anything that shows the responder answered or data moved.
bool rstos0_history(const PackedHistory& h) noexcept {
  int i = 0;
  const int n = h.size();
  if (i < n && h.at(i) == '^') ++i;
  if (i >= n || h.at(i) != 'S') return false;
  for (++i; i < n; ++i) {
    const char c = h.at(i);
    if (c == 'R') return true;
    if (std::string_view("HAFGIQ").find(c) != std::string_view::npos) return false;
  }
  return false;
}
}  // namespace

ConnState tcp_conn_state(const TcpState& st, int orig_side) noexcept {
  const S os = get(st, orig_side);
  const S rs = get(st, 1 - orig_side);
  const bool o_inactive = os == S::inactive || os == S::partial;
  const bool r_inactive = rs == S::inactive || rs == S::partial;
  // Zeek compares the endpoints' stream sizes with 0; we know whether payload was sent.
  const bool no_data = !(st.flags & (kTcpData0 | kTcpData1));
  if (rs == S::reset) {
    if (os == S::syn_sent || os == S::syn_ack_sent || (os == S::reset && no_data)) return ConnState::REJ;
    return o_inactive ? ConnState::RSTRH : ConnState::RSTR;
  }
  if (os == S::reset) {
    if (r_inactive) return rstos0_history(st.history) ? ConnState::RSTOS0 : ConnState::OTH;
    return ConnState::RSTO;
  }
  if (rs == S::closed && os == S::closed) return ConnState::SF;
  if (os == S::closed) return r_inactive ? ConnState::SH : ConnState::S2;
  if (rs == S::closed) return o_inactive ? ConnState::SHR : ConnState::S3;
  if (os == S::syn_sent && rs == S::inactive) return ConnState::S0;
  if (os == S::established && rs == S::established) return ConnState::S1;
  return ConnState::OTH;
}

ConnState udp_conn_state(uint64_t orig_pkts, uint64_t resp_pkts) noexcept {
  if (orig_pkts) return resp_pkts ? ConnState::SF : ConnState::S0;
  return resp_pkts ? ConnState::SHR : ConnState::OTH;
}

}  // namespace flowprobe
