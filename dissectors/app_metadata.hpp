#pragma once
// What the dissectors learned about one flow: plain data, fixed size, no pointers, so the
// flow table can keep one per flow and a record can carry a copy through the ring.
//
// One flow speaks one application protocol, so the protocols' parts share storage (`kind`
// says which one is live). Each part's type lives in its protocol's folder
// (dissectors/<name>/meta.hpp); the list of them is dissectors/table.hpp, from which the
// AppKind values and the union below are made. Every string is a BoundedString; numeric
// fields keep their wire values (the exporter formats them).
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "dissectors/table.hpp"

namespace flowprobe::dissect {

// A protocol's id: 0 none, then the table's order. Also the kind of an asset sighting.
enum class AppKind : uint8_t {
  none = 0,
#define FLOWPROBE_X(name, Name, Meta) name,
  FLOWPROBE_PROTOCOLS(FLOWPROBE_X)
#undef FLOWPROBE_X
};
inline constexpr std::size_t kProtocolCount = 0
#define FLOWPROBE_X(name, Name, Meta) +1
    FLOWPROBE_PROTOCOLS(FLOWPROBE_X)
#undef FLOWPROBE_X
    ;
// Index of a protocol in the table (kProtocols), from its kind.
constexpr std::size_t protocol_index(AppKind k) { return static_cast<std::size_t>(k) - 1; }
constexpr AppKind kind_of_index(std::size_t i) { return static_cast<AppKind>(i + 1); }

struct AppMetadata {
  AppKind kind = AppKind::none;
  // The protocol the connection spoke before it switched in band (SMTP's STARTTLS, FTP's
  // AUTH TLS, an HTTP CONNECT tunnel): its part is gone, its name stays (conn.log's
  // service "http,smtp"). none: it spoke one protocol.
  AppKind outer = AppKind::none;
  // Transactions this flow (record) carried: HTTP requests, DNS queries, … of the live
  // protocol. The parts below hold the first one, as nProbe's fields do.
  uint16_t transactions = 0;
  uint32_t reserved2 = 0;
  union Parts {
#define FLOWPROBE_X(name, Name, Meta) Meta name;
    FLOWPROBE_PROTOCOLS(FLOWPROBE_X)
#undef FLOWPROBE_X
    Parts() {}
  } u;

  // Switches the live part, zeroing it; a no-op when it is already live. A part that
  // was live before becomes `outer`, and the count starts again: the transactions counted
  // are the live protocol's (Zeek's trans_depth is per protocol: the mail in an HTTP
  // CONNECT tunnel is smtp.log's first).
  void set_kind(AppKind k) {
    if (kind == k) return;
    if (kind != AppKind::none) {
      outer = kind;
      transactions = 0;
    }
    kind = k;
    switch (k) {
#define FLOWPROBE_X(name, Name, Meta) \
  case AppKind::name: new (&u.name) Meta{}; break;
      FLOWPROBE_PROTOCOLS(FLOWPROBE_X)
#undef FLOWPROBE_X
      case AppKind::none: break;
    }
  }

  // The live part when it is protocol `name`'s: app.http(), app.dns(), …
#define FLOWPROBE_X(name, Name, Meta)                                                  \
  Meta* name() { return kind == AppKind::name ? &u.name : nullptr; }                   \
  const Meta* name() const { return kind == AppKind::name ? &u.name : nullptr; }
  FLOWPROBE_PROTOCOLS(FLOWPROBE_X)
#undef FLOWPROBE_X

  // The live part when it has type T, whichever protocol filled it (TLS and QUIC both
  // fill a TlsMeta).
  template <typename T>
  const T* part() const {
#define FLOWPROBE_X(name, Name, Meta) \
  if constexpr (std::is_same_v<T, Meta>)   \
    if (kind == AppKind::name) return &u.name;
    FLOWPROBE_PROTOCOLS(FLOWPROBE_X)
#undef FLOWPROBE_X
    return nullptr;
  }
  template <typename T>
  T* part() {
    return const_cast<T*>(static_cast<const AppMetadata*>(this)->part<T>());
  }
};

static_assert(std::is_trivially_copyable_v<AppMetadata>);
static_assert(sizeof(AppMetadata) <= 1536, "AppMetadata travels in every FlowRecord");

}  // namespace flowprobe::dissect
