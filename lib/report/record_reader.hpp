#pragma once
// Reads one line of the probe's output with simdjson On-Demand into a FlowRec, AlertRec
// or HttpTxRec, in one pass over the object's keys. Keys come from the field registry's
// vocabulary (labels, aliases, numeric "8" / "35632.57590" keys, bare NFv9 ids), so
// records written with or without --json-labels, by any template, read the same. A line
// that is not a record is classified, never thrown away unnamed.
#include <simdjson.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>

#include "report/record.hpp"

namespace flowprobe::report {

enum class LineKind : uint8_t {
  flow,
  alert,
  http_tx,
  eve_other,      // an eve record of another type (dns, tls, arp, dhcp...): read, not used
  blank,
  // skipped, named in the footer:
  not_json,       // does not start like JSON
  truncated,      // starts like an object but ends early or breaks mid-way
  not_object,     // valid JSON that is not an object
  other_tool,     // an object with neither flow keys nor eve keys
  bad_value,      // a known key with a value of the wrong type
  count_
};
inline constexpr int kLineKinds = static_cast<int>(LineKind::count_);
bool is_skip(LineKind k);
// Footer wording: "not JSON", "truncated JSON"...
std::string_view line_kind_text(LineKind k);

namespace detail {
// Where the reader's string values may be read to and unescaped into (record_reader.cpp).
struct TextOut {
  const simdjson::ondemand::parser* parser = nullptr;  // the one parsing: its unescaper
  uint8_t* at = nullptr;                               // the next unescaped string's place
  const char* end = nullptr;                           // the end of the input being read
};
}  // namespace detail

class RecordReader {
 public:
  RecordReader();
  // Receives each record of a line (a JSON array, nProbe 8's legacy Kafka batching, holds
  // several), or the line's one skip reason.
  class Visitor {
   public:
    virtual ~Visitor() = default;
    virtual void on_record(LineKind kind, const RecordReader& reader) = 0;
  };
  // `line` excludes the newline; `capacity` bytes from line.data() are readable (at least
  // line.size() + simdjson::SIMDJSON_PADDING), as simdjson requires.
  void read(std::string_view line, std::size_t capacity, Visitor& visitor);
  // The same as read() on each line of `lines` in turn (whole lines, each ended by '\n'
  // but perhaps the last; `capacity` as for read()), faster: the lines are parsed as one
  // simdjson document stream (iterate_many) per window of 256 KiB, so stage 1 runs
  // once per window instead of once per line. A line the stream does not read as exactly
  // one whole object (a damaged line, an array, two records on one line, an object over
  // several lines) is read again by read(), and so are the window's lines after it once
  // a window has had a few such lines: every line is counted and named as read() does.
  void read_lines(std::string_view lines, std::size_t capacity, Visitor& visitor);
  const FlowRec& flow() const { return flow_; }
  const AlertRec& alert() const { return alert_; }
  const HttpTxRec& http_tx() const { return tx_; }
  std::string_view eve_type() const { return eve_type_; }

 private:
  LineKind parse_object(simdjson::ondemand::object obj);
  // One window of read_lines: returns where the stream stopped being trusted (the start
  // of a line not yet read), `lines.size()` when it read them all.
  std::size_t stream_window(std::string_view lines, Visitor& visitor);
  void read_each_line(std::string_view lines, std::size_t capacity, Visitor& visitor);
  simdjson::ondemand::parser parser_;         // read(): one document per line
  simdjson::ondemand::parser stream_parser_;  // read_lines(): one stream per window
  // The previous record's keys by position: records of one template repeat them in the
  // same order, so most keys are recognised by one 16-byte compare of the key as written
  // (its bytes and closing quote, `mask` saying which bytes count; a second compare for
  // keys over 15 bytes) instead of a lookup. Each slot also holds what its key's value
  // becomes (record_reader.cpp's OpKind and the FlowRec member's offset) and its present bit.
  struct ShapeSlot {
    alignas(16) std::array<char, 32> key{'"'};  // empty: matches only "", which no table key is
    uint32_t mask = 1;
    uint8_t slot = 255;
    uint8_t kind = 0;     // OpKind::none
    uint16_t offset = 0;  // in FlowRec
    uint64_t bit = 0;     // in FlowRec::present
  };
  static constexpr std::size_t kShapeSlots = 128;
  std::array<ShapeSlot, kShapeSlots + 1> shape_{};  // and a sentinel that matches no key
  ShapeSlot unshaped_;                               // a key past the last slot: looked up, not remembered
  static void remember_key(ShapeSlot& s, const char* key, uint8_t slot);
  // Resets the FlowRec members of `fields` (bits by Field) to their defaults.
  void reset_fields(uint64_t fields);
  // Fields whose members may hold a value from an earlier record (see parse_object).
  uint64_t dirty_ = ~uint64_t{0};
  // Escaped strings are unescaped here, one record's worth at a time: it holds as many
  // bytes as the input being read (a string never grows when unescaped) and the padding.
  void text_begin(const simdjson::ondemand::parser& p, const char* input, std::size_t size);
  std::unique_ptr<uint8_t[]> unescaped_;
  std::size_t unescaped_size_ = 0;
  detail::TextOut text_;
  FlowRec flow_;
  AlertRec alert_;
  HttpTxRec tx_;
  std::string_view eve_type_;
};

// "2019-08-27T12:00:00.123456+0000" (eve) or "2019-08-27T12:00:00Z" → epoch seconds; false if not.
bool parse_eve_time(std::string_view s, int64_t& out);

}  // namespace flowprobe::report
