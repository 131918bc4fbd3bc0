// Zeek's conn_state and history, and nProbe's TCP metrics, on crafted packet sequences
// fed through the flow table the way the RX loop feeds it. Expected strings are what
// Zeek writes for the same exchanges (base/protocols/conn/main.zeek, TCP analyzer).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "flow/flow_table.hpp"
#include "tests/support/collecting_table.hpp"
#include "flow/tcp_state.hpp"

using namespace flowprobe;
using namespace flowprobe::test;
using namespace tcpflag;

namespace {

constexpr uint64_t kMs = 1'000'000ull;
constexpr uint64_t kT0 = 1'700'000'000ull * kNsPerSec;
constexpr uint32_t kIsnC = 1000;     // client ISN
constexpr uint32_t kIsnS = 500000;   // server ISN
const std::array<uint8_t, 1500> kBytes{};


// Client 192.168.0.1:40000 <-> server 10.0.0.2:80 by default.
struct Conv {
  Collect out;
  CollectingTable table{FlowTableConfig{}, out};
  uint64_t now = kT0;

  void send(bool from_client, uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len = 0,
            uint16_t window = 1024, uint64_t at = 0) {
    DecodedPacket p;
    p.ip_version = 4;
    p.l4_proto = ipproto::tcp;
    std::array<uint8_t, 16> c{192, 168, 0, 1}, s{10, 0, 0, 2};
    p.src_ip = from_client ? c : s;
    p.dst_ip = from_client ? s : c;
    p.src_port = from_client ? 40000 : 80;
    p.dst_port = from_client ? 80 : 40000;
    p.tcp_flags = flags;
    p.tcp_seq = seq;
    p.tcp_ack = ack;
    p.tcp_window = window;
    p.payload = std::span<const uint8_t>(kBytes.data(), len);
    p.ip_bytes = 40 + len;
    p.ttl = 64;
    now = at ? at : now + kMs;
    table.on_packet(p, now, 0);
  }
  void udp(bool from_client) {
    DecodedPacket p;
    p.ip_version = 4;
    p.l4_proto = ipproto::udp;
    std::array<uint8_t, 16> c{192, 168, 0, 1}, s{10, 0, 0, 2};
    p.src_ip = from_client ? c : s;
    p.dst_ip = from_client ? s : c;
    p.src_port = from_client ? 40000 : 53;
    p.dst_port = from_client ? 53 : 40000;
    p.ip_bytes = 60;
    now += kMs;
    table.on_packet(p, now, 0);
  }
  // The usual three-way handshake.
  void handshake() {
    send(true, syn, kIsnC, 0);
    send(false, syn | ack, kIsnS, kIsnC + 1);
    send(true, ack, kIsnC + 1, kIsnS + 1);
  }
  const FlowRecord& finish() {
    table.flush(FlowEndCause::end_of_capture);
    EXPECT_EQ(out.records.size(), 1u);
    return out.records.back();
  }
};

std::string state(const FlowRecord& r) {
  return std::string(conn_state_name(static_cast<ConnState>(r.conn_state)));
}
std::string history(const FlowRecord& r) {
  return std::string(r.history.data(), std::find(r.history.begin(), r.history.end(), '\0'));
}

TEST(TcpConnState, S0_SynWithoutReply) {
  Conv c;
  c.send(true, syn, kIsnC, 0);
  c.send(true, syn, kIsnC, 0);  // retransmitted SYN: same sequence number, no second 'S'
  const FlowRecord& r = c.finish();
  EXPECT_EQ(state(r), "S0");
  EXPECT_EQ(history(r), "S");
}

TEST(TcpConnState, S1_EstablishedNotClosed) {
  Conv c;
  c.handshake();
  const FlowRecord& r = c.finish();
  EXPECT_EQ(state(r), "S1");
  EXPECT_EQ(history(r), "ShA");
}

TEST(TcpConnState, SF_NormalEstablishmentAndTermination) {
  Conv c;
  c.handshake();
  c.send(true, ack | psh, kIsnC + 1, kIsnS + 1, 100);
  c.send(false, ack, kIsnS + 1, kIsnC + 101);
  c.send(false, ack | psh, kIsnS + 1, kIsnC + 101, 300);
  c.send(true, ack, kIsnC + 101, kIsnS + 301);
  c.send(true, fin | ack, kIsnC + 101, kIsnS + 301);
  c.send(false, fin | ack, kIsnS + 301, kIsnC + 102);
  c.send(true, ack, kIsnC + 102, kIsnS + 302);
  const FlowRecord& r = c.finish();
  EXPECT_EQ(state(r), "SF");
  EXPECT_EQ(history(r), "ShADadFf");
  EXPECT_EQ(r.retransmitted_in_pkts, 0u);
  EXPECT_EQ(r.retransmitted_out_pkts, 0u);
}

TEST(TcpConnState, REJ_SynAnsweredByRst) {
  Conv c;
  c.send(true, syn, kIsnC, 0);
  c.send(false, rst | ack, 0, kIsnC + 1);
  const FlowRecord& r = c.finish();
  EXPECT_EQ(state(r), "REJ");
  EXPECT_EQ(history(r), "Sr");
}

TEST(TcpConnState, S2_OriginatorCloseOnly) {
  Conv c;
  c.handshake();
  c.send(true, fin | ack, kIsnC + 1, kIsnS + 1);
  const FlowRecord& r = c.finish();
  EXPECT_EQ(state(r), "S2");
  EXPECT_EQ(history(r), "ShAF");
}

TEST(TcpConnState, S3_ResponderCloseOnly) {
  Conv c;
  c.handshake();
  c.send(false, fin | ack, kIsnS + 1, kIsnC + 1);
  const FlowRecord& r = c.finish();
  EXPECT_EQ(state(r), "S3");
  EXPECT_EQ(history(r), "ShAf");
}

TEST(TcpConnState, RSTO_OriginatorAborts) {
  Conv c;
  c.handshake();
  c.send(true, ack | psh, kIsnC + 1, kIsnS + 1, 10);
  c.send(true, rst | ack, kIsnC + 11, kIsnS + 1);
  const FlowRecord& r = c.finish();
  EXPECT_EQ(state(r), "RSTO");
  EXPECT_EQ(history(r), "ShADR");
}

TEST(TcpConnState, RSTR_ResponderAborts) {
  Conv c;
  c.handshake();
  c.send(false, rst, kIsnS + 1, 0);
  c.send(false, rst, kIsnS + 1, 0);  // same sequence number: no second 'r'
  const FlowRecord& r = c.finish();
  EXPECT_EQ(state(r), "RSTR");
  EXPECT_EQ(history(r), "ShAr");
}

TEST(TcpConnState, RSTOS0_SynThenOriginatorRst) {
  Conv c;
  c.send(true, syn, kIsnC, 0);
  c.send(true, rst, kIsnC + 1, 0);
  const FlowRecord& r = c.finish();
  EXPECT_EQ(state(r), "RSTOS0");
  EXPECT_EQ(history(r), "SR");
}

TEST(TcpConnState, RSTRH_SynAckThenResponderRst) {
  Conv c;
  // The SYN was missed: the SYN-ACK's receiver is the originator, and Zeek marks the flip.
  c.send(false, syn | ack, kIsnS, kIsnC + 1);
  c.send(false, rst, kIsnS + 1, 0);
  const FlowRecord& r = c.finish();
  EXPECT_EQ(state(r), "RSTRH");
  EXPECT_EQ(history(r), "^hr");
  EXPECT_EQ(r.src_port, 40000);  // the record is oriented from the originator
}

TEST(TcpConnState, SH_SynThenOriginatorFin) {
  Conv c;
  c.send(true, syn, kIsnC, 0);
  c.send(true, fin, kIsnC + 1, 0);
  const FlowRecord& r = c.finish();
  EXPECT_EQ(state(r), "SH");
  EXPECT_EQ(history(r), "SF");
}

TEST(TcpConnState, SHR_SynAckThenResponderFin) {
  Conv c;
  c.send(false, syn | ack, kIsnS, kIsnC + 1);
  c.send(false, fin | ack, kIsnS + 1, kIsnC + 1);
  const FlowRecord& r = c.finish();
  EXPECT_EQ(state(r), "SHR");
  EXPECT_EQ(history(r), "^hf");
}

TEST(TcpConnState, OTH_MidstreamOnly) {
  Conv c;
  c.send(true, ack | psh, 7000, 9000, 50);
  c.send(false, ack, 9000, 7050);
  const FlowRecord& r = c.finish();
  EXPECT_EQ(state(r), "OTH");
  EXPECT_EQ(history(r), "Da");
}

TEST(TcpConnState, OTH_RstFromOriginatorWithoutSyn) {
  Conv c;
  c.send(true, rst, 7000, 0);
  const FlowRecord& r = c.finish();
  EXPECT_EQ(state(r), "OTH");  // an RST with no SYN before it is not RSTOS0
  EXPECT_EQ(history(r), "R");
}

TEST(TcpConnState, FinThenRstIsStillANormalClose) {
  Conv c;
  c.handshake();
  c.send(true, fin | ack, kIsnC + 1, kIsnS + 1);
  c.send(true, rst, kIsnC + 2, 0);  // peer is ESTABLISHED: the client goes to RESET ...
  c.send(false, fin | ack, kIsnS + 1, kIsnC + 2);  // ... and the server's FIN turns it back to CLOSED
  const FlowRecord& r = c.finish();
  EXPECT_EQ(state(r), "SF");
  EXPECT_EQ(history(r), "ShAFRf");
}

TEST(UdpConnState, BothSidesAndOneSide) {
  {
    Conv c;
    c.udp(true);
    c.udp(false);
    c.udp(true);
    const FlowRecord& r = c.finish();
    EXPECT_EQ(state(r), "SF");
    EXPECT_EQ(history(r), "Dd");
  }
  {
    Conv c;
    c.udp(true);
    const FlowRecord& r = c.finish();
    EXPECT_EQ(state(r), "S0");
    EXPECT_EQ(history(r), "D");
  }
}

TEST(TcpHistory, MultiFlagPackets) {
  Conv c;
  c.send(true, syn | fin, kIsnC, 0);  // two control bits: 'Q'
  c.send(false, fin | rst, kIsnS, 0);  // FIN and RST: 'I'
  const FlowRecord& r = c.finish();
  EXPECT_EQ(history(r), "Qi");
}

TEST(TcpHistory, RetransmissionsScaleLogarithmically) {
  Conv c;
  c.handshake();
  c.send(true, ack | psh, kIsnC + 1, kIsnS + 1, 100);
  for (int i = 0; i < 10; ++i) c.send(true, ack | psh, kIsnC + 1, kIsnS + 1, 100);  // 10 retransmissions
  c.send(false, ack | psh, kIsnS + 1, kIsnC + 101, 20);
  c.send(false, ack | psh, kIsnS + 1, kIsnC + 101, 20);  // one from the server
  const FlowRecord& r = c.finish();
  // 'T' at the 1st and the 10th retransmission, as Zeek's ScaledHistoryEntry does.
  EXPECT_EQ(history(r), "ShADTTdt");
  EXPECT_EQ(r.retransmitted_in_pkts, 10u);
  EXPECT_EQ(r.retransmitted_out_pkts, 1u);
}

TEST(TcpHistory, ZeroWindowAndRepeatedFin) {
  Conv c;
  c.handshake();
  c.send(false, ack, kIsnS + 1, kIsnC + 1, 0, /*window=*/0);
  c.send(true, fin | ack, kIsnC + 1, kIsnS + 1);
  c.send(true, fin | ack, kIsnC + 1, kIsnS + 1);       // retransmitted FIN: no second 'F'
  const FlowRecord& r = c.finish();
  EXPECT_EQ(history(r), "ShAawF");
  EXPECT_EQ(r.tcp_win_max_in, 1024);
  EXPECT_EQ(r.tcp_win_max_out, 1024);
}

TEST(TcpHistory, RstAtANewSequenceNumberRepeats) {
  Conv c;
  c.handshake();
  c.send(false, rst, kIsnS + 1, 0);
  c.send(false, rst, kIsnS + 5000, 0);
  const FlowRecord& r = c.finish();
  EXPECT_EQ(history(r), "ShArr");
}

TEST(TcpMetrics, OutOfOrderSegment) {
  Conv c;
  c.handshake();
  c.send(true, ack | psh, kIsnC + 101, kIsnS + 1, 100);  // arrives before the segment it follows
  c.send(true, ack | psh, kIsnC + 1, kIsnS + 1, 100);
  const FlowRecord& r = c.finish();
  EXPECT_EQ(r.ooorder_in_pkts, 1u);
  EXPECT_EQ(r.ooorder_out_pkts, 0u);
  // Zeek's rule sees the late one as a retransmission ('T'): it ends before last_seq.
  EXPECT_EQ(r.retransmitted_in_pkts, 1u);
  EXPECT_EQ(history(r), "ShADT");
}

TEST(TcpMetrics, HandshakeAndApplicationLatency) {
  Conv c;
  c.send(true, syn, kIsnC, 0, 0, 1024, kT0);
  c.send(false, syn | ack, kIsnS, kIsnC + 1, 0, 2048, kT0 + 20 * kMs + 250'000);  // +20.250 ms
  c.send(true, ack, kIsnC + 1, kIsnS + 1, 0, 1024, kT0 + 21 * kMs + 500'000);     // +1.250 ms
  c.send(true, ack | psh, kIsnC + 1, kIsnS + 1, 80, 1024, kT0 + 30 * kMs);        // request
  c.send(false, ack | psh, kIsnS + 1, kIsnC + 81, 400, 4096, kT0 + 75 * kMs + 1000);  // response
  const FlowRecord& r = c.finish();
  // nProbe reports half of each handshake round trip.
  EXPECT_EQ(r.server_nw_latency_us, 10'125u);
  EXPECT_EQ(r.client_nw_latency_us, 625u);
  EXPECT_EQ(r.appl_latency_us, 45'001u);
  EXPECT_EQ(r.tcp_win_max_in, 1024);
  EXPECT_EQ(r.tcp_win_max_out, 4096);
}

TEST(TcpMetrics, NoHandshakeNoLatency) {
  Conv c;
  c.send(true, ack | psh, 7000, 9000, 50);
  c.send(false, ack | psh, 9000, 7050, 50);
  const FlowRecord& r = c.finish();
  EXPECT_EQ(r.server_nw_latency_us, 0u);
  EXPECT_EQ(r.client_nw_latency_us, 0u);
  EXPECT_EQ(r.appl_latency_us, 1000u);  // request and response were still seen
}

TEST(PackedHistory, KeepsTwelveLettersAndTheirCase) {
  PackedHistory h;
  const std::string letters = "^ShADadTtWwFfRrQ";
  for (char ch : letters) h.add(ch);
  char buf[16];
  EXPECT_EQ(h.copy_to(buf, 16), PackedHistory::kMaxLetters);
  EXPECT_EQ(std::string(buf, 12), letters.substr(0, 12));
  EXPECT_TRUE(h.seen('H'));  // S and H share Zeek's SYN category
  EXPECT_FALSE(h.seen('f'));
  static_assert(sizeof(TcpState) <= 32);
}

}  // namespace
