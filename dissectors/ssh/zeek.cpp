// ssh.log as Zeek writes it (base scripts, default columns): one row per transaction.
#include <algorithm>
#include <cstdio>
#include <cstring>

#include "dissectors/ssh/ssh.hpp"
#include "export/json_writer.hpp"
#include "export/zeek_format.hpp"

namespace flowprobe::dissect {
namespace {

using namespace flowprobe::zeek;

constexpr std::string_view kColumns =
    "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tversion\tauth_success\tauth_attempts\tdirection\t"
    "client\tserver\tcipher_alg\tmac_alg\tcompression_alg\tkex_alg\thost_key_alg\thost_key_fingerprint";
constexpr std::string_view kTypes =
    "time\tstring\taddr\tport\taddr\tport\tcount\tbool\tcount\tenum\tstring\tstring\tstring\tstring\tstring\t"
    "string\tstring\tstring";

// Zeek's set_version: the major version both identification lines settle on, 1.99
// counting as 2 where the other side speaks 2 (0: they cannot agree).
int ssh_version(std::string_view client, std::string_view server) {
  if (client.size() <= 4 || server.size() <= 4) return -1;
  const auto is_199 = [](std::string_view v) { return v.size() > 7 && v[6] == '9' && v[7] == '9'; };
  const char c = client[4], s = server[4];
  if (c == '1' && s == '2') return is_199(client) ? 2 : 0;
  if (c == '2' && s == '1') return is_199(server) ? 2 : 0;
  if (c == '1' && s == '1') return is_199(server) && is_199(client) ? 2 : 1;
  if (c == '2' && s == '2') return 2;
  return -1;
}


void write_row(const ZeekRowSource& src, std::string& o) {
  const SshMeta& s = *src.app.ssh();
  put_conn_id(o, src);
  tab(o);
  const int version = ssh_version(s.client_signature.view(), s.server_signature.view());
  if (version < 0) unset(o);
  else o.push_back(static_cast<char>('0' + version));
  // auth_success, auth_attempts, direction: Zeek infers the first from encrypted packet
  // sizes and the last from Site::local_nets; neither is done here.
  put(o, "\t-\t0\t-\t");
  put_str_or_unset(o, s.client_signature.view());
  tab(o);
  put_str_or_unset(o, s.server_signature.view());
  for (std::string_view v : {s.cipher_alg.view(), s.mac_alg.view(), s.compression_alg.view(), s.kex_alg.view(),
                             s.host_key_alg.view()}) {
    tab(o);
    put_str_or_unset(o, v);
  }
  // host_key_fingerprint: the server's host key (in its KEXDH reply) is not kept.
  put(o, "\t-");
}

}  // namespace

const ZeekLog kSshLog{"ssh", kColumns, kTypes, write_row};

}  // namespace flowprobe::dissect
