// dhcp2.log (the OsecT sensor's, spec §2.8): what a DHCP client says of itself in each
// request to the server port, one row per distinct (address, chaddr, option 12, 55, 60)
// per aggregation window (lib/export/asset_logs). Zeek's own dhcp.log is zeek.cpp's.
#include <algorithm>
#include <string>

#include "dissectors/dhcp/dhcp.hpp"
#include "export/zeek_format.hpp"

namespace flowprobe::dissect {
namespace {

bool write_key(const AssetEvent& e, std::string& o) {
  using namespace zeek;
  const DhcpFields& d = e.u.dhcp;
  if (d.bootp_op != 1 || e.dst_port != 67 || e.ip_version != 4) return false;  // client requests only
  put_addr(o, 4, e.src_ip);  // 0.0.0.0 for a DISCOVER, as the connection's originator
  tab(o);
  // The client hardware address (chaddr), not the frame's source (a relay's).
  if (d.client_mac_len == 6) {
    std::array<uint8_t, 6> mac;
    std::copy_n(d.client_mac.begin(), 6, mac.begin());
    put_mac(o, mac);
  } else {
    put_mac(o, e.src_mac);
  }
  tab(o);
  const std::size_t host_len = std::min<std::size_t>(d.host_name_len, sizeof e.host_name - 1);
  put_printable(o, std::string_view(e.host_name, host_len));
  tab(o);
  if (d.n_params == 0) {
    unset(o);
  } else {
    for (unsigned i = 0; i < d.n_params; ++i) {
      if (i) o.push_back(',');
      put_count(o, d.params[i]);
    }
  }
  tab(o);
  put_str_or_unset(o, e.class_id);
  return true;
}

}  // namespace

const AssetLog kDhcp2Log{
    .name = "dhcp2",
    .fields = "ts\tsrc_iP\tsrc_mac\thostname\tparameter_list\tclass_id",
    .types = "time\taddr\tstring\tstring\tvector[count]\tstring",
    .write_key = write_key,
};

}  // namespace flowprobe::dissect
