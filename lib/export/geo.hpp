#pragma once
// Geo and AS enrichment on the exporter core (never on the packet path), from
// MaxMind-format databases (libmaxminddb): a City or Country database for
// SRC/DST_IP_COUNTRY and SRC/DST_IP_CITY, an ASN database for SRC_AS/DST_AS and
// SRC_AS_MAP/DST_AS_MAP. Each record's two addresses are looked up once, however many
// geo fields the template has.
#include <maxminddb.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace flowprobe {

struct FlowRecord;

struct GeoInfo {
  std::array<char, 3> country{};  // ISO 3166 alpha-2, "" when unknown
  std::string city;
  uint32_t asn = 0;
  std::string as_org;
};

// The country and AS databases scripts/setup installs (data/geo/country.mmdb and
// asn.mmdb, from ip-location-db), found in $FLOWPROBE_GEO_DIR, the source tree of the
// running binary, /usr/share/flowprobe/geo or /var/lib/flowprobe/geo. Each path is empty
// when its file is absent, so that the probe and `flowprobe report` use them when present.
struct DefaultGeo {
  std::string dir, country, asn;
};
DefaultGeo default_geo_databases();

// False for addresses no country or AS owns: private (RFC 1918, ULA), loopback, link-local,
// CGNAT, documentation and benchmark ranges, multicast, unspecified. Databases built from
// registry data name some of these (the free ones put 192.168.0.0/16 in a country), so
// they are never looked up: the spec's LOCAL, printed "" by the probe and "-" by reports.
bool is_global_address(const uint8_t* ip, uint8_t version);

class GeoDatabases {
 public:
  // Either path may be empty. nullptr with `error` set when a file does not open.
  static std::unique_ptr<GeoDatabases> open(const std::string& city_db, const std::string& asn_db, std::string& error);
  ~GeoDatabases();
  GeoDatabases(const GeoDatabases&) = delete;
  GeoDatabases& operator=(const GeoDatabases&) = delete;

  // `ip`: 4 or 16 bytes by `ip_version`. Fills what the databases know.
  void lookup(const uint8_t* ip, uint8_t ip_version, GeoInfo& out) const;
  std::string describe() const;

 private:
  GeoDatabases() = default;
  bool has_city_ = false, has_asn_ = false;
  MMDB_s city_{}, asn_{};
};

// Per-exporter cache: the current record's client and server, looked up on first use.
class GeoLookup {
 public:
  explicit GeoLookup(const GeoDatabases& db) : db_(db) {}
  const GeoInfo& src(const FlowRecord& r, uint64_t sequence);
  const GeoInfo& dst(const FlowRecord& r, uint64_t sequence);

 private:
  void refresh(const FlowRecord& r, uint64_t sequence);
  const GeoDatabases& db_;
  uint64_t sequence_ = UINT64_MAX;
  GeoInfo src_, dst_;
};

}  // namespace flowprobe
