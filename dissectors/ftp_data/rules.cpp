// ftp-data's buffer for the rules: file.data, the transfer's bytes (Suricata's ftp-data
// files, in either direction: STOR uploads, RETR downloads).
#include "dissectors/ftp_data/ftp_data.hpp"
#include "signatures/signature_engine.hpp"

namespace flowprobe::dissect {

void ftp_data_rule_buffers(const TxPartView& v, void*, sig::AppBuffers& b) noexcept {
  b.set(sig::BufferKind::http_file_data, v.body);
}

}  // namespace flowprobe::dissect
