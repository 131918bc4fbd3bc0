#pragma once
// Frames of the asset protocols with planned fields, shared by the tests that check the
// asset parsers (tests/unit/asset_dissectors_test.cpp), their events
// (tests/integration/asset_events_test.cpp) and the asset logs
// (tests/integration/asset_logs_test.cpp): the payloads only; each test wraps them in
// the headers it needs.
#include <cstdint>
#include <string>
#include <vector>

namespace flowprobe::test::frames {

using Bytes = std::vector<uint8_t>;

// A NetBIOS name in first-level encoding: 0x20, 32 letters, the empty scope.
inline void nb_name(Bytes& out, std::string name, uint8_t suffix) {
  name.resize(15, ' ');
  name.push_back(static_cast<char>(suffix));
  out.push_back(0x20);
  for (char c : name) {
    out.push_back(static_cast<uint8_t>('A' + (static_cast<uint8_t>(c) >> 4)));
    out.push_back(static_cast<uint8_t>('A' + (c & 15)));
  }
  out.push_back(0);
}

// A CIFS browser announcement ([MS-BRWS] 2.2: server FILESRV, OS 10.0, type 0x00011003,
// browser 15.1, signature 0xaa55, comment "file server") in an SMB mailslot transaction in
// a NetBIOS datagram from WS-9 (10.0.0.9) to WORKGROUP<1d>.
inline Bytes browser_datagram(uint8_t command, const char* mailslot = "\\MAILSLOT\\BROWSE") {
  Bytes d = {command, 3, 0x60, 0xea, 0, 0};  // update count 3, every 60000 ms
  const std::string server = "FILESRV";
  for (int i = 0; i < 16; ++i) d.push_back(i < static_cast<int>(server.size()) ? static_cast<uint8_t>(server[i]) : 0);
  d.insert(d.end(), {10, 0, 0x03, 0x10, 0x01, 0x00, 15, 1, 0x55, 0xaa});  // OS 10.0, type 0x00011003, browser 15.1
  for (char c : std::string("file server")) d.push_back(static_cast<uint8_t>(c));
  d.push_back(0);
  Bytes smb = {0xff, 'S', 'M', 'B', 0x25};
  smb.resize(32, 0);
  const std::string slot = mailslot;
  const uint16_t data_offset = static_cast<uint16_t>(32 + 1 + 34 + 2 + slot.size() + 1);
  smb.push_back(17);
  const uint16_t words[17] = {0, static_cast<uint16_t>(d.size()), 0, 0, 0, 0, 0, 0, 0, 0, 0,
                              static_cast<uint16_t>(d.size()), data_offset, 3, 1, 1, 2};
  for (uint16_t w : words) smb.insert(smb.end(), {static_cast<uint8_t>(w), static_cast<uint8_t>(w >> 8)});
  const uint16_t bc = static_cast<uint16_t>(slot.size() + 1 + d.size());
  smb.insert(smb.end(), {static_cast<uint8_t>(bc), static_cast<uint8_t>(bc >> 8)});
  for (char c : slot) smb.push_back(static_cast<uint8_t>(c));
  smb.push_back(0);
  smb.insert(smb.end(), d.begin(), d.end());
  Bytes m = {0x11, 0x0a, 0x12, 0x34, 10, 0, 0, 9, 0, 138, 0, 0, 0, 0};
  nb_name(m, "WS-9", 0x00);
  nb_name(m, "WORKGROUP", 0x1d);
  m.insert(m.end(), smb.begin(), smb.end());
  return m;
}

// A DHCPv6 solicit: DUID-LLT of 00:0c:29:aa:bb:cc, options requested 23, 24, 39, FQDN
// host.example, vendor class 311 "MSFT 5.0".
inline Bytes dhcpv6_solicit() {
  return {1, 0x12, 0x34, 0x56,
          0, 1, 0, 14, 0, 1, 0, 1, 0x2a, 0x3b, 0x4c, 0x5d, 0x00, 0x0c, 0x29, 0xaa, 0xbb, 0xcc,  // DUID-LLT
          0, 6, 0, 6, 0, 23, 0, 24, 0, 39,                                                       // ORO
          0, 39, 0, 15, 0, 4, 'h', 'o', 's', 't', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0,         // FQDN
          0, 16, 0, 14, 0, 0, 0x01, 0x37, 0, 8, 'M', 'S', 'F', 'T', ' ', '5', '.', '0'};         // vendor class 311
}

// CLPA's layout: SLMP request header (15 bytes), cyclic header (20), master notification
// (12), cyclic data header (20), then the slave ids; the response: header (11), cyclic
// header (20), slave notification (20), cyclic data header (8).
inline Bytes cyclic_request(uint16_t seq, uint16_t command = 0x0e70) {
  Bytes m = {0x50, 0x00, 0x00, 0xff, 0xff, 0x03, 0x00, 0, 0, 0, 0, static_cast<uint8_t>(command),
             static_cast<uint8_t>(command >> 8), 0x00, 0x00};
  Bytes body(56, 0);
  body[0] = 2, body[20] = 1;
  body[32] = 10, body[33] = 1, body[34] = 168, body[35] = 192;
  body[36] = 1, body[38] = static_cast<uint8_t>(seq), body[39] = static_cast<uint8_t>(seq >> 8);
  body[46] = 1, body[48] = 1;
  body[52] = 20, body[53] = 1, body[54] = 168, body[55] = 192;
  m.insert(m.end(), body.begin(), body.end());
  m[7] = static_cast<uint8_t>(m.size() - 9);
  return m;
}
inline Bytes cyclic_response(uint16_t seq) {
  Bytes m = {0xd0, 0x00, 0x00, 0xff, 0xff, 0x03, 0x00, 0, 0, 0, 0};
  Bytes body(48, 0);
  body[0] = 2, body[20] = 0x34, body[21] = 0x12;
  body[24] = 0x78, body[25] = 0x56, body[26] = 0x34, body[27] = 0x12, body[28] = 3, body[32] = 1;
  body[40] = 20, body[41] = 1, body[42] = 168, body[43] = 192, body[44] = 1;
  body[46] = static_cast<uint8_t>(seq), body[47] = static_cast<uint8_t>(seq >> 8);
  m.insert(m.end(), body.begin(), body.end());
  m[7] = static_cast<uint8_t>(m.size() - 9);
  return m;
}


}  // namespace flowprobe::test::frames
