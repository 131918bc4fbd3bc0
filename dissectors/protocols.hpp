#pragma once
// The protocol table (dissectors/table.hpp) as descriptors: kProtocols[i] is the protocol
// of AppKind i + 1, in table order.
#include <array>

#include "dissectors/protocol.hpp"

namespace flowprobe::dissect {

#define FLOWPROBE_X(name, Name, Meta) extern const Protocol k##Name##Protocol;
FLOWPROBE_PROTOCOLS(FLOWPROBE_X)
#undef FLOWPROBE_X

inline constexpr std::array<const Protocol*, kProtocolCount> kProtocols{
#define FLOWPROBE_X(name, Name, Meta) &k##Name##Protocol,
    FLOWPROBE_PROTOCOLS(FLOWPROBE_X)
#undef FLOWPROBE_X
};

// The descriptor of `kind`; nullptr for AppKind::none.
inline const Protocol* protocol_of(AppKind kind) {
  return kind == AppKind::none ? nullptr : kProtocols[protocol_index(kind)];
}

}  // namespace flowprobe::dissect
