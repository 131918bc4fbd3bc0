#pragma once
// Every dissector, in the order the engine probes them: the most specific first, so a
// cheap certain answer (a TLS record header) is found before looser guesses (DNS).
// Adding a protocol means adding its descriptor here; nothing registers itself.
#include <array>

#include "dissectors/dhcp.hpp"
#include "dissectors/dns.hpp"
#include "dissectors/http.hpp"
#include "dissectors/tls.hpp"

namespace flowprobe::dissect {

inline constexpr std::array<const Dissector*, 4> kDissectors{&kTlsDissector, &kHttpDissector, &kDnsDissector,
                                                             &kDhcpDissector};
inline constexpr std::size_t kDissectorCount = kDissectors.size();
static_assert(kDissectorCount < 255, "indices fit FlowDissect::dissector");

}  // namespace flowprobe::dissect
