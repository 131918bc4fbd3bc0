#pragma once
// Charts as inline SVG, drawn here so that a report needs no script library and no
// network: horizontal bars (plain, stacked or grouped), vertical columns per day
// (stacked or grouped), a donut and a line. Every chart is an <svg class="chart"> with a
// <title>, sized by its viewBox so that it scales to the page and prints.
#include <functional>
#include <string>
#include <vector>

namespace flowprobe::report {

struct Series {
  std::string name;
  std::string color;
  std::vector<double> values;  // one per label
};

enum class BarMode { single, stacked, grouped };

// What a chart's values are: it decides the value axis's unit, steps and decimals.
enum class Quantity {
  count,  // whole numbers: steps of at least 1, thousands separators
  bytes,  // B, KiB, MiB, GiB, TiB or PiB, whichever the largest value needs
  number  // anything else (a share in %): as many decimals as the steps need
};

struct ChartStyle {
  std::string id;     // data-chart
  std::string title;  // <title> and aria-label
  BarMode mode = BarMode::single;
  int width = 760;
  Quantity quantity = Quantity::count;
  // Value labels and tooltips (not the axis, which follows `quantity`); by default a
  // count with thousands separators, bytes as bytes_text, a number with the decimals it needs.
  std::function<std::string(double)> format;
};

// A value axis from 0 to a round top: 1, 2 or 5 × 10^k steps of the unit chosen for the
// largest value, about 5 of them, each labelled differently and truly ("0 KiB", "5 KiB"...,
// never "0.0" five times).
struct ValueAxis {
  double top = 1, step = 1;  // in the chart's values (bytes for Quantity::bytes)
  std::string unit;          // "KiB"... for bytes, empty otherwise
  std::vector<double> ticks;
  std::vector<std::string> labels;
};
ValueAxis value_axis(double max, Quantity q);

// Horizontal bars: one row per label (top N lists, countries, cipher suites).
std::string bar_chart(const std::vector<std::string>& labels, const std::vector<Series>& series, const ChartStyle& s);
// Vertical columns: one per label (days, levels).
std::string column_chart(const std::vector<std::string>& labels, const std::vector<Series>& series,
                         const ChartStyle& s);
std::string donut_chart(const std::vector<std::string>& labels, const std::vector<double>& values,
                        const std::vector<std::string>& colors, const ChartStyle& s);
std::string line_chart(const std::vector<std::string>& labels, const std::vector<Series>& series, const ChartStyle& s);

// A network graph in a circular layout: nodes on a circle (labels outside), one straight
// edge per item with its tooltip. The TLS report's client-server graph.
struct GraphNode {
  std::string label, color;
};
struct GraphEdge {
  std::size_t from, to;
  std::string color, tip;
};
struct LegendItem {
  std::string label, color;
};
std::string network_graph(const std::vector<GraphNode>& nodes, const std::vector<GraphEdge>& edges,
                          const std::vector<LegendItem>& legend, const ChartStyle& s);

// Flow lines on an equirectangular world map (longitude → x, latitude → y), a graticule
// every 30 degrees and a labelled dot per located place; lines carry class "flow bN".
struct MapLine {
  double lat1, lon1, lat2, lon2;
  std::string color, cls, tip;
};
struct MapPlace {
  double lat, lon;
  std::string label;
};
std::string world_map(const std::vector<MapLine>& lines, const std::vector<MapPlace>& places,
                      const std::vector<LegendItem>& legend, const ChartStyle& s);

// A categorical colour for the i-th item.
std::string palette(std::size_t i);

}  // namespace flowprobe::report
