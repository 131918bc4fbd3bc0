#include "export/geo.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "flow/flow_record.hpp"

#include <vector>

namespace flowprobe {

DefaultGeo default_geo_databases() {
  namespace fs = std::filesystem;
  std::vector<fs::path> dirs;
  if (const char* d = std::getenv("FLOWPROBE_GEO_DIR"); d && *d) dirs.emplace_back(d);
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    // build/app/flowprobe/flowprobe → <source>/data/geo; <prefix>/bin/flowprobe → <prefix>/share/flowprobe/geo
    for (fs::path p = exe.parent_path(); !p.empty() && p != p.root_path(); p = p.parent_path())
      if (fs::exists(p / "data" / "geo", ec)) {
        dirs.push_back(p / "data" / "geo");
        break;
      }
    dirs.push_back(exe.parent_path().parent_path() / "share" / "flowprobe" / "geo");
  }
  dirs.emplace_back("/usr/share/flowprobe/geo");
  dirs.emplace_back("/var/lib/flowprobe/geo");
  for (const fs::path& d : dirs) {
    DefaultGeo g;
    if (fs::exists(d / "country.mmdb", ec)) g.country = (d / "country.mmdb").string();
    if (fs::exists(d / "asn.mmdb", ec)) g.asn = (d / "asn.mmdb").string();
    if (!g.country.empty() || !g.asn.empty()) {
      g.dir = d.string();
      return g;
    }
  }
  return {};
}

std::unique_ptr<GeoDatabases> GeoDatabases::open(const std::string& city_db, const std::string& asn_db,
                                                 std::string& error) {
  std::unique_ptr<GeoDatabases> g(new GeoDatabases());
  const auto open_one = [&](const std::string& path, MMDB_s& db, bool& has, const char* what) {
    if (path.empty()) return true;
    const int rc = MMDB_open(path.c_str(), MMDB_MODE_MMAP, &db);
    if (rc != MMDB_SUCCESS) {
      error = std::string(what) + " '" + path + "': " + MMDB_strerror(rc);
      return false;
    }
    has = true;
    return true;
  };
  if (!open_one(city_db, g->city_, g->has_city_, "--city-list") || !open_one(asn_db, g->asn_, g->has_asn_, "--as-list"))
    return nullptr;
  return g;
}

GeoDatabases::~GeoDatabases() {
  if (has_city_) MMDB_close(&city_);
  if (has_asn_) MMDB_close(&asn_);
}

std::string GeoDatabases::describe() const {
  std::string s;
  if (has_city_) s += std::string("city/country: ") + city_.metadata.database_type;
  if (has_asn_) s += std::string(s.empty() ? "" : ", ") + "AS: " + asn_.metadata.database_type;
  return s;
}

namespace {
MMDB_lookup_result_s find(const MMDB_s& db, const uint8_t* ip, uint8_t version) {
  sockaddr_storage ss{};
  if (version == 4) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    std::memcpy(&sin->sin_addr, ip, 4);
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
    sin6->sin6_family = AF_INET6;
    std::memcpy(&sin6->sin6_addr, ip, 16);
  }
  int mmdb_error = MMDB_SUCCESS;
  MMDB_lookup_result_s r = MMDB_lookup_sockaddr(&db, reinterpret_cast<const sockaddr*>(&ss), &mmdb_error);
  if (mmdb_error != MMDB_SUCCESS) r.found_entry = false;
  return r;
}

std::string_view text(MMDB_entry_s& e, const char* const* path) {
  MMDB_entry_data_s d;
  if (MMDB_aget_value(&e, &d, path) != MMDB_SUCCESS || !d.has_data || d.type != MMDB_DATA_TYPE_UTF8_STRING) return {};
  return {d.utf8_string, d.data_size};
}
}  // namespace

bool is_global_address(const uint8_t* b, uint8_t version) {
  if (version == 4) {
    const bool local = b[0] == 0 || b[0] == 10 || b[0] == 127 || (b[0] == 172 && (b[1] & 0xf0) == 16) ||
                       (b[0] == 192 && b[1] == 168) || (b[0] == 169 && b[1] == 254) || (b[0] == 100 && (b[1] & 0xc0) == 64) ||
                       (b[0] == 192 && b[1] == 0 && (b[2] == 0 || b[2] == 2)) || (b[0] == 198 && (b[1] & 0xfe) == 18) ||
                       (b[0] == 198 && b[1] == 51 && b[2] == 100) || (b[0] == 203 && b[1] == 0 && b[2] == 113) ||
                       b[0] >= 224;
    return !local;
  }
  if (version == 6) {
    static constexpr uint8_t zero[16] = {};
    if (std::memcmp(b, zero, 15) == 0) return false;  // :: and ::1
    if (std::memcmp(b, zero, 10) == 0 && b[10] == 0xff && b[11] == 0xff) return is_global_address(b + 12, 4);
    if ((b[0] & 0xfe) == 0xfc || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) || b[0] == 0xff) return false;
    if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return false;  // 2001:db8::/32
    return (b[0] & 0xe0) == 0x20;  // global unicast is 2000::/3
  }
  return false;
}

void GeoDatabases::lookup(const uint8_t* ip, uint8_t version, GeoInfo& out) const {
  out = GeoInfo{};
  if (!is_global_address(ip, version)) return;
  if (has_city_) {
    MMDB_lookup_result_s r = find(city_, ip, version);
    if (r.found_entry) {
      static const char* const kCountry[] = {"country", "iso_code", nullptr};
      static const char* const kCity[] = {"city", "names", "en", nullptr};
      static const char* const kCountryCode[] = {"country_code", nullptr};  // ip-location-db's layout
      std::string_view c = text(r.entry, kCountry);
      if (c.empty()) c = text(r.entry, kCountryCode);
      if (c.size() == 2) std::memcpy(out.country.data(), c.data(), 2);
      out.city = text(r.entry, kCity);
    }
  }
  if (has_asn_) {
    MMDB_lookup_result_s r = find(asn_, ip, version);
    if (r.found_entry) {
      static const char* const kAsn[] = {"autonomous_system_number", nullptr};
      static const char* const kOrg[] = {"autonomous_system_organization", nullptr};
      MMDB_entry_data_s d;
      if (MMDB_aget_value(&r.entry, &d, kAsn) == MMDB_SUCCESS && d.has_data) {
        if (d.type == MMDB_DATA_TYPE_UINT32) out.asn = d.uint32;
        else if (d.type == MMDB_DATA_TYPE_UINT16) out.asn = d.uint16;
      }
      out.as_org = text(r.entry, kOrg);
    }
  }
}

void GeoLookup::refresh(const FlowRecord& r, uint64_t sequence) {
  if (sequence == sequence_) return;
  sequence_ = sequence;
  db_.lookup(r.src_ip.data(), r.ip_version, src_);
  db_.lookup(r.dst_ip.data(), r.ip_version, dst_);
}

const GeoInfo& GeoLookup::src(const FlowRecord& r, uint64_t sequence) {
  refresh(r, sequence);
  return src_;
}

const GeoInfo& GeoLookup::dst(const FlowRecord& r, uint64_t sequence) {
  refresh(r, sequence);
  return dst_;
}

}  // namespace flowprobe
