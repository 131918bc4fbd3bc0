#pragma once
// Counters, stage by stage. Each stage keeps its counters in a plain struct of uint64_t
// fields that it increments, and declares them once, next to that struct, as a table of
// definitions (name, help, kind) in the same order. Readers (the exit summary, the stats
// line and JSON file, the Prometheus endpoint, tests) read every table the same way.
// Counters are owned by one lcore each and summed by the reader. This file knows no stage.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace flowprobe {

enum class CounterKind : uint8_t { counter, gauge };
// What the exit summary does with a counter: print it, print it when it is not 0, or
// leave it to the other readers (a table's padding has an empty name and is never shown).
enum class CounterShow : uint8_t { always, nonzero, never };

struct CounterDef {
  std::string_view name;  // "packets.received": the summary's, the stats JSON's and the tests' name
  std::string_view help;
  CounterKind kind = CounterKind::counter;
  CounterShow show = CounterShow::always;
  // Prometheus: flowprobe_<metric> (counters end in "_total"); empty: the name with '_' for '.'.
  std::string_view metric = {};
};

// Where one stage's values are: `read` copies its defs.size() values, in order, to `out`.
struct CounterSource {
  std::span<const CounterDef> defs;
  const void* self = nullptr;
  void (*read)(const void* self, uint64_t* out) = nullptr;
};

// The usual source: a struct whose fields are the table's uint64_t values, in order.
template <typename T>
CounterSource counter_source(std::span<const CounterDef> defs, const T& values) {
  static_assert(std::is_trivially_copyable_v<T> && sizeof(T) % sizeof(uint64_t) == 0);
  return {defs, &values, [](const void* self, uint64_t* out) { std::memcpy(out, self, sizeof(T)); }};
}

// Definitions made at start from data (one per protocol, one per decode outcome …): the
// names are kept here so that the CounterDefs' views stay valid.
class CounterDefList {
 public:
  void add(std::string name, std::string help, CounterKind kind = CounterKind::counter,
           CounterShow show = CounterShow::always) {
    names_.push_back(std::make_unique<std::string>(std::move(name)));
    helps_.push_back(std::make_unique<std::string>(std::move(help)));
    defs_.push_back({*names_.back(), *helps_.back(), kind, show});
  }
  std::span<const CounterDef> defs() const { return defs_; }

 private:
  std::vector<std::unique_ptr<std::string>> names_, helps_;
  std::vector<CounterDef> defs_;
};

// Several stages' tables flattened (an RX core's): the definitions in order, and the
// values of one moment, one per definition.
struct CounterSchema {
  std::vector<CounterDef> defs;
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  std::size_t find(std::string_view name) const {
    for (std::size_t i = 0; i < defs.size(); ++i)
      if (defs[i].name == name) return i;
    return npos;
  }
};

inline CounterSchema schema_of(std::span<const CounterSource> sources) {
  CounterSchema s;
  for (const CounterSource& src : sources) s.defs.insert(s.defs.end(), src.defs.begin(), src.defs.end());
  return s;
}

// Copies every source's values, in order, to `out` (schema_of(sources).defs.size() values).
inline void read_counters(std::span<const CounterSource> sources, uint64_t* out) {
  for (const CounterSource& src : sources) {
    src.read(src.self, out);
    out += src.defs.size();
  }
}

// A counter's value by name in values laid out by `schema` (0 when it has no such counter).
inline uint64_t counter_value(const CounterSchema& schema, std::span<const uint64_t> values, std::string_view name) {
  const std::size_t i = schema.find(name);
  return i < values.size() ? values[i] : 0;
}

}  // namespace flowprobe
