#pragma once
// p0f v3's TCP fingerprint database (p0f.fp, Debian's p0f package: /etc/p0f/p0f.fp) and
// its matching, for the OS guess of a SYN or SYN/ACK (p0f-k.log's os column). Loaded
// once at start (load), before any RX core runs; the RX cores then only read it: match()
// takes a sighting whose raw-signature parts the parser filled and allocates nothing.
// The matching is p0f's (fp_tcp.c, tcp_find_match): option layout, quirks (a fuzzy match
// when only df/id+ went or id-/ecn came), IP option length, initial TTL (fuzzy when the
// seen TTL is above it or more than 35 hops below), MSS, window (exact, %N, mss*N,
// mtu*N), scale; an exact specific label wins, then the first generic one, then the
// first fuzzy one (never a userland tool's).
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "assets/asset_event.hpp"

namespace flowprobe::dissect {

class P0fDb {
 public:
  // nullptr with `error` (the file and line) when the file cannot be read or a [tcp:*]
  // signature is malformed; at most kMaxSigs signatures and lines of kMaxLine bytes.
  static constexpr std::size_t kMaxSigs = 8192, kMaxLine = 1024;
  static std::unique_ptr<P0fDb> load(const std::string& path, std::string& error);
  // The same from text already read (`name` for the messages).
  static std::unique_ptr<P0fDb> parse(std::istream& in, const std::string& name, std::string& error);

  // Fills e.u.tcp (label 0: nothing matched). `syn`: a SYN (p0f's [tcp:request]), else
  // a SYN/ACK ([tcp:response]).
  void match(AssetEvent& e) const noexcept;
  // "Linux 3.11 and newer": the label's name and flavour, as p0f writes os=; "???" for
  // label 0 and for userland tools (p0f writes those as app=, not os=).
  std::string_view os(uint16_t label) const noexcept;
  std::size_t signatures() const { return sigs_.size(); }
  std::size_t labels() const { return labels_.size(); }

 private:
  enum WinType : uint8_t { win_normal, win_any, win_mod, win_mss, win_mtu };
  struct Sig {
    uint64_t layout_hash = 0;
    std::string layout;  // "mss,sok,ts,nop,ws" (eol+N included), as the sighting's class_id
    uint32_t quirks = 0;
    int32_t mss = -1, wscale = -1;  // -1: any
    uint16_t win = 0;
    WinType win_type = win_normal;
    uint8_t ittl = 0, olen = 0;
    int8_t ver = -1, pclass = -1;  // -1: any
    bool bad_ttl = false, syn = true;
    uint16_t label = 0;
  };
  struct Label {
    std::string os;
    bool generic = false, userland = false;
  };
  std::vector<Sig> sigs_;
  std::vector<Label> labels_;  // label n is labels_[n - 1]
};

// The database the RX cores match against (null: none loaded, os is "???"). Set once
// before the RX cores start.
void set_p0f_db(const P0fDb* db);
const P0fDb* p0f_db();

// p0f's quirk names (df, id+, …) as bits; 0 for a name it does not know.
uint32_t p0f_quirk_bit(std::string_view name);

}  // namespace flowprobe::dissect
