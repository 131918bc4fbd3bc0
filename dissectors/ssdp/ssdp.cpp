// SSDP (UPnP discovery): HTTP-shaped text over UDP. The method (NOTIFY, M-SEARCH, or an
// answer), then the SERVER and USER-AGENT headers that name the device or client.
#include <algorithm>

#include "dissectors/ssdp/ssdp.hpp"

namespace flowprobe::dissect {
namespace {

// By the request line (some devices search on other ports, e.g. Plex's 32412), answers
// by their source port.
bool ssdp_probe(const AssetPacket& a) noexcept {
  const DecodedPacket& p = a.pkt;
  if (a.arp || p.l4_proto != 17) return false;
  const std::string_view head(reinterpret_cast<const char*>(p.payload.data()), std::min<std::size_t>(p.payload.size(), 17));
  return head.starts_with("M-SEARCH * HTTP/1") || head.starts_with("NOTIFY * HTTP/1") ||
         (p.src_port == 1900 && head.starts_with("HTTP/1."));
}

AssetParse ssdp_parse(const AssetPacket& in, AssetEvent& out) noexcept {
  const std::string_view t(reinterpret_cast<const char*>(in.pkt.payload.data()), in.pkt.payload.size());
  const std::size_t sp = t.find(' ');
  if (sp == std::string_view::npos || sp == 0 || sp > 16) return AssetParse::malformed;
  const std::string_view method = t.substr(0, sp);
  if (method != "NOTIFY" && method != "M-SEARCH" && !method.starts_with("HTTP/")) return AssetParse::malformed;
  copy_text(out.class_id, method.starts_with("HTTP/") ? std::string_view("response") : method);
  const auto header = [&](std::string_view name) -> std::string_view {
    for (std::size_t at = t.find('\n'); at != std::string_view::npos && at + 1 < t.size(); at = t.find('\n', at + 1)) {
      const std::string_view line = t.substr(at + 1, t.find('\n', at + 1) - at - 1);
      if (line.size() <= name.size() || line[name.size()] != ':') continue;
      bool same = true;
      for (std::size_t i = 0; i < name.size() && same; ++i)
        same = (line[i] | 0x20) == (name[i] | 0x20);
      if (!same) continue;
      std::string_view v = line.substr(name.size() + 1);
      while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
      while (!v.empty() && (v.back() == '\r' || v.back() == ' ')) v.remove_suffix(1);
      return v;
    }
    return {};
  };
  copy_text(out.host_name, header("SERVER"));
  copy_text(out.param_list, header("USER-AGENT"));
  return AssetParse::event;
}

}  // namespace

const AssetDissector kSsdpAsset{"ssdp", AssetKind::ssdp, asset_on::udp, {}, ssdp_probe, ssdp_parse};

}  // namespace flowprobe::dissect
