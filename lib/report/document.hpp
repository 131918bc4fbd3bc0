#pragma once
// A report as data: sections of paragraphs, notes, tables and charts. The writers
// (HTML, CSV, JSON; PDF through the HTML) render the same document, so every output
// says the same thing.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace flowprobe::report {

enum class ColType : uint8_t { text, count, number, percent, time };

struct Column {
  std::string key;    // snake_case: the CSV header and the JSON member
  std::string label;  // the HTML heading
  ColType type = ColType::text;
  bool hidden = false;  // exported (CSV, JSON) but not shown in HTML
};

struct Cell {
  std::string text;  // as shown
  std::string raw;   // CSV/JSON value: integers plain, shares as numbers; empty = same as text
  std::string cls;   // an HTML class (score band colours, estimates)
  const std::string& value() const { return raw.empty() ? text : raw; }
};

struct Table {
  std::string name;   // export name: tls_sessions → tls_sessions.csv; empty: shown in HTML only
  std::string title;
  std::vector<Column> cols;
  std::vector<std::vector<Cell>> rows;
  std::vector<Cell> total;   // a "Total" row, shown last and exported as a row
  bool sortable = true;
  bool filter = false;       // a display filter (substring over all columns) above it
  bool column_filters = false;  // one filter box per column as well (the TLS list)
  std::size_t html_limit = 0;   // show at most this many rows in HTML (0: all); exports hold all
  bool export_only = false;     // a CSV/JSON table that the HTML shows in other forms
  std::string note;
};

struct Chart {
  std::string id;   // data-chart, for tests and links
  std::string title;
  std::string svg;  // inline SVG drawn by svg_chart
};

struct Block {
  enum Kind : uint8_t { paragraph, note, table, chart, pairs } kind = paragraph;
  std::string text;
  Table tbl;
  Chart fig;
  std::vector<std::pair<std::string, std::string>> kv;  // a two-column fact list
};

struct Section {
  std::string id;
  std::string title;
  int level = 1;            // 1 starts a new page when printed
  std::vector<Block> blocks;

  void paragraph(std::string t) { blocks.push_back(Block{Block::paragraph, std::move(t), {}, {}, {}}); }
  void note(std::string t) { blocks.push_back(Block{Block::note, std::move(t), {}, {}, {}}); }
  void table(Table t) { blocks.push_back(Block{Block::table, {}, std::move(t), {}, {}}); }
  void chart(Chart c) { blocks.push_back(Block{Block::chart, {}, {}, std::move(c), {}}); }
  void pairs(std::vector<std::pair<std::string, std::string>> kv) {
    blocks.push_back(Block{Block::pairs, {}, {}, {}, std::move(kv)});
  }
};

struct Document {
  std::string name;   // "tls", "traffic", "soc": the output file stem
  std::string title;
  std::string subtitle;
  std::vector<std::pair<std::string, std::string>> meta;  // period, zone, inputs... on the cover
  std::vector<Section> sections;
  std::vector<std::string> footer;  // input accounting, estimates, data attributions
  bool cover_page = false;          // printed: the cover alone on the first page (the SOC sample's)
  std::vector<std::pair<std::string, std::string>> files;  // extra outputs written beside it: (name, content)
};

}  // namespace flowprobe::report
