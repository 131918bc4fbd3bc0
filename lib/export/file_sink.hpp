#pragma once
// JSON lines to a file or stdout ("-").
#include <cstdio>
#include <memory>
#include <string>

#include "export/sink.hpp"

namespace flowprobe {

class FileSink final : public Sink {
 public:
  // Opens `path` for writing ("-" = stdout). On failure returns nullptr and sets `error`.
  static std::unique_ptr<FileSink> open(const std::string& path, std::string& error);
  ~FileSink() override;

  void write(std::string_view batch, uint32_t count) override;
  void flush() override;
  SinkCounters counters() const override { return counters_; }
  std::string describe() const override { return path_ == "-" ? "stdout" : "file " + path_; }
  std::string last_error() const override { return error_; }

 private:
  FileSink(std::FILE* f, std::string path) : file_(f), path_(std::move(path)) {}
  std::FILE* file_;
  std::string path_;
  std::string error_;
  SinkCounters counters_;
  uint64_t pending_ = 0;  // records buffered by stdio, counted as delivered once flushed
  uint64_t pending_bytes_ = 0;
};

}  // namespace flowprobe
