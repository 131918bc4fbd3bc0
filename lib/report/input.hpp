#pragma once
// Where the records come from: files the probe wrote (plain or gzip, given as files or
// directories; a file's rotated siblings "<name>.<YYYYmmdd-HHMMSS>[.<n>][.gz]" come
// with it), or a Kafka topic read between two times on every partition. Each source
// hands lines to a callback with simdjson's padding readable after them; memory is one
// read buffer, whatever the input's size.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace flowprobe::report {

// (line without its newline, bytes readable from line.data())
using LineFn = std::function<void(std::string_view line, std::size_t capacity)>;
// (whole lines, each with its newline but perhaps a file's last, bytes readable from
// lines.data()): files come in blocks of lines, for RecordReader::read_lines.
using LinesFn = std::function<void(std::string_view lines, std::size_t capacity)>;

struct InputNotes {
  std::vector<std::string> sources;  // what was read, for the footer
  std::vector<std::string> notes;    // files skipped and why, partitions read from their start...
  uint64_t bytes = 0;
};

// Expands the file and directory arguments into files, in name order (rotated files
// before the live one). An argument that does not exist is an error.
bool expand_inputs(const std::vector<std::string>& args, std::vector<std::filesystem::path>& files, std::string& error);

// Reads one file (gzip when it starts with 1f 8b) in blocks of whole lines.
bool read_file_lines(const std::filesystem::path& file, const LinesFn& fn, InputNotes& notes, std::string& error);

struct KafkaSource {
  std::string brokers, topic;            // --kafka "brokers;topic"
  std::vector<std::string> conf;         // --kafka-conf prop=value
  int64_t from_ms = 0, to_ms = 0;        // the window, epoch ms
  int64_t grace_ms = 15 * 60 * 1000;     // records of flows that began before --to leave later
  bool whole_topic = false;              // every partition from its start to its end
  int timeout_ms = 10000;                // metadata and offset queries
};

// Reads every partition from the offset of `from_ms` (offsets for times) until a message
// stamped later than to_ms + grace_ms, or the partition's end as it was when reading began.
bool read_kafka(const KafkaSource& src, const LineFn& fn, InputNotes& notes, std::string& error);

}  // namespace flowprobe::report
