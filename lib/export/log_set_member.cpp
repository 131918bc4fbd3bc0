#include "export/log_set_member.hpp"

namespace flowprobe {

LogSetMemberSink::LogSetMemberSink(std::unique_ptr<RotatingFileSink> file, ZeekLogWriter& zeek)
    : file_(std::move(file)), zeek_(zeek) {
  RotatingFileSink* f = file_.get();
  zeek_.add_member(f->path().filename().string(),
                   [f](const std::filesystem::path& target) { return f->rotate_to(target); });
}

}  // namespace flowprobe
