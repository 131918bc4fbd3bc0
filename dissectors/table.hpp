#pragma once
// THE table: every protocol flowprobe knows, one line each. The inspect driver, export
// and signatures reach a protocol only through the descriptor this line names
// (dissectors/protocol.hpp; kProtocols in dissectors/protocols.hpp is made from this
// list); nothing registers itself.
//
//   X(name, Name, Meta)   name: its folder dissectors/<name>/ and its AppKind
//                         Name: its descriptor is k<Name>Protocol, defined in its folder
//                         Meta: the type of its part of a flow's AppMetadata and of its
//                               transaction records (NoMeta: it has none)
//
// Order is probe order (ftp_data never probes: a flow is its only when FTP announced it,
// dissectors/expected_flows.hpp). Flows: the most specific first, so that a cheap certain answer (a
// TLS record header) is found before looser guesses (DNS); QUIC before DNS, as a QUIC
// Initial is certain from its header alone and on UDP/443 or 853 must not be taken for a
// DNS guess. Per-packet asset sightings: the first protocol whose asset parser claims a
// packet reports it, so SSDP (any UDP port, by its request line) comes last.
//
// Adding a protocol: its folder, its meta.hpp included here, one X line below, and its
// folder's name in dissectors/meson.build.
#include "dissectors/bittorrent/meta.hpp"
#include "dissectors/dhcp/meta.hpp"
#include "dissectors/dns/meta.hpp"
#include "dissectors/ftp/meta.hpp"
#include "dissectors/http/meta.hpp"
#include "dissectors/smtp/meta.hpp"
#include "dissectors/ssh/meta.hpp"
#include "dissectors/tls/meta.hpp"

namespace flowprobe::dissect {
struct NoMeta {};  // a protocol with no metadata: per-packet sightings only (asset parsers), or a name (ftp_data)
}  // namespace flowprobe::dissect

#define FLOWPROBE_PROTOCOLS(X)                                  \
  X(tls, Tls, TlsMeta)                                          \
  X(http, Http, HttpMeta)                                       \
  X(ssh, Ssh, SshMeta)                                          \
  X(smtp, Smtp, SmtpMeta)                                       \
  X(ftp, Ftp, FtpMeta)                                          \
  X(ftp_data, FtpData, NoMeta)                                  \
  X(quic, Quic, TlsMeta)                                        \
  X(dns, Dns, DnsMeta)                                          \
  X(dhcp, Dhcp, DhcpMeta)                                       \
  X(bittorrent, Bittorrent, BitTorrentMeta)                     \
  X(arp, Arp, NoMeta)                                           \
  X(ndp, Ndp, NoMeta)                                           \
  X(dhcpv6, Dhcpv6, NoMeta)                                     \
  X(netbios_ns, NetbiosNs, NoMeta)                              \
  X(cifs_browser, CifsBrowser, NoMeta)                          \
  X(cclink_ief_basic, CclinkIefBasic, NoMeta)                   \
  X(tcp_fingerprint, TcpFingerprint, NoMeta)                    \
  X(ssdp, Ssdp, NoMeta)                                         \
  X(cclink_ie, CclinkIe, NoMeta)
