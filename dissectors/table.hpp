#pragma once
// Every dissector, in the order the engine probes them: the most specific first, so a
// cheap certain answer (a TLS record header) is found before looser guesses (DNS).
// Adding a protocol means adding its descriptor here; nothing registers itself.
#include <array>

#include "dissectors/dhcp/dhcp.hpp"
#include "dissectors/dns/dns.hpp"
#include "dissectors/http/http.hpp"
#include "dissectors/quic/quic.hpp"
#include "dissectors/ssh/ssh.hpp"
#include "dissectors/tls/tls.hpp"

namespace flowprobe::dissect {

// QUIC before DNS: a QUIC Initial is certain from its header alone, and on UDP/443 or 853
// it must not be taken for a DNS guess.
inline constexpr std::array<const Dissector*, 6> kDissectors{&kTlsDissector, &kHttpDissector, &kSshDissector,
                                                             &kQuicDissector, &kDnsDissector, &kDhcpDissector};
inline constexpr std::size_t kDissectorCount = kDissectors.size();
static_assert(kDissectorCount < 255, "indices fit FlowDissect::dissector");

}  // namespace flowprobe::dissect
