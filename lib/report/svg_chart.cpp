#include "report/svg_chart.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "report/format.hpp"

namespace flowprobe::report {

namespace {

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", v);
  std::string s = buf;
  if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0) s.resize(s.size() - 2);
  return s;
}

std::string default_format(double v) {
  if (v < 0) return "-" + thousands(static_cast<uint64_t>(-v + 0.5));
  if (v != std::floor(v)) return fixed(v, 1);
  return thousands(static_cast<uint64_t>(v + 0.5));
}

// A number with the decimals that keep it from reading as 0 (2 significant digits below 1).
std::string number_text(double v) {
  const double a = std::fabs(v);
  if (a == 0) return "0";
  if (a >= 100) return fixed(v, 0);
  if (a >= 1) return fixed(v, a >= 10 ? 1 : 2);
  return fixed(v, std::min(12, 1 - static_cast<int>(std::floor(std::log10(a)))));
}

std::function<std::string(double)> value_format(const ChartStyle& s) {
  if (s.format) return s.format;
  switch (s.quantity) {
    case Quantity::bytes: return [](double v) { return bytes_text(static_cast<uint64_t>(std::max(v, 0.0) + 0.5)); };
    case Quantity::number: return number_text;
    case Quantity::count: break;
  }
  return default_format;
}

// A share of a whole as the donut's legend prints it: 2 decimals, but a slice that is there
// never reads "0.00%" and one that is not all never reads "100.00%".
std::string share_text(double frac) {
  if (frac > 0 && frac < 0.00005) return "<0.01%";
  if (frac < 1 && frac >= 0.99995) return ">99.99%";
  return fixed(frac * 100, 2) + "%";
}

// 1, 2 or 5 × 10^k steps, about 5 of them up to `max` (> 0).
double nice_step(double max) {
  const double raw = max / 5;
  const double mag = std::pow(10, std::floor(std::log10(raw)));
  const double f = raw / mag;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

std::string open_svg(const ChartStyle& s, int w, int h) {
  return "<svg class=\"chart\" data-chart=\"" + html_escape(s.id) + "\" role=\"img\" aria-label=\"" +
         html_escape(s.title) + "\" viewBox=\"0 0 " + std::to_string(w) + " " + std::to_string(h) +
         "\" width=\"" + std::to_string(w) + "\" preserveAspectRatio=\"xMinYMin meet\"><title>" +
         html_escape(s.title) + "</title>";
}

std::string text(double x, double y, std::string_view t, const char* anchor = "start", const char* cls = "") {
  return "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" text-anchor=\"" + anchor + "\"" +
         (*cls ? std::string(" class=\"") + cls + "\"" : std::string()) + ">" + html_escape(t) + "</text>";
}

std::string rect(double x, double y, double w, double h, const std::string& color, const std::string& tip) {
  return "<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(std::max(w, 0.0)) + "\" height=\"" +
         num(std::max(h, 0.0)) + "\" fill=\"" + color + "\"><title>" + html_escape(tip) + "</title></rect>";
}

std::string shorten(const std::string& s, std::size_t n) {
  if (s.size() <= n) return s;
  return s.substr(0, n - 1) + "\xe2\x80\xa6";
}

// Legend row for several series; returns its height.
int legend(std::string& out, const std::vector<Series>& series, double x, double y, int width) {
  if (series.size() < 2) return 0;
  double cx = x;
  double cy = y;
  for (const Series& s : series) {
    const double w = 22 + 6.5 * static_cast<double>(s.name.size());
    if (cx + w > width) {
      cx = x;
      cy += 16;
    }
    out += "<rect x=\"" + num(cx) + "\" y=\"" + num(cy - 9) + "\" width=\"10\" height=\"10\" fill=\"" + s.color + "\"/>";
    out += text(cx + 14, cy, s.name, "start", "lg");
    cx += w + 8;
  }
  return static_cast<int>(cy - y) + 20;
}

// Horizontal grid lines and their values, for the charts whose values go up the page.
void draw_value_grid(std::string& out, double left, double right, double base, const ValueAxis& axis, double scale) {
  for (std::size_t i = 0; i < axis.ticks.size(); ++i) {
    const double y = base - axis.ticks[i] * scale;
    out += "<line class=\"grid\" x1=\"" + num(left) + "\" y1=\"" + num(y) + "\" x2=\"" + num(right) + "\" y2=\"" +
           num(y) + "\"/>";
    out += text(left - 6, y + 4, axis.labels[i], "end", "ax");
  }
}

double stack_total(const std::vector<Series>& series, std::size_t i) {
  double t = 0;
  for (const Series& s : series) t += i < s.values.size() ? s.values[i] : 0;
  return t;
}

}  // namespace

ValueAxis value_axis(double max, Quantity q) {
  ValueAxis a;
  double unit = 1;
  if (q == Quantity::bytes) {
    int u = 0;
    while (u < 5 && max >= unit * 1024) unit *= 1024, ++u;
    a.unit = kByteUnits[u];
  }
  const double m = max > 0 && std::isfinite(max) ? max / unit : 0;
  double step = m > 0 ? nice_step(m) : 1;
  if (q != Quantity::number && unit == 1) step = std::max(step, 1.0);  // counts and bytes are whole
  const double n = m > 0 ? std::max(1.0, std::ceil(m / step - 1e-9)) : 1;
  // Decimals that tell the steps apart: a step of m × 10^e (m = 1, 2 or 5) needs -e.
  const int decimals = std::max(0, -static_cast<int>(std::floor(std::log10(step) + 1e-9)));
  for (int i = 0; i <= static_cast<int>(n); ++i) {
    const double v = i * step;
    a.ticks.push_back(v * unit);
    if (i == 0) a.labels.push_back("0");
    else if (q == Quantity::count) a.labels.push_back(thousands(static_cast<uint64_t>(v + 0.5)));
    else a.labels.push_back(fixed(v, decimals) + (a.unit.empty() ? "" : " " + a.unit));
  }
  a.top = n * step * unit;
  a.step = step * unit;
  return a;
}

std::string palette(std::size_t i) {
  static const char* colors[] = {"#2f6db5", "#e8833a", "#3a9e5c", "#c9453b", "#8a63b8",
                                 "#8c6d4f", "#d774b4", "#7f7f7f", "#b5b534", "#2fb0c4"};
  return colors[i % 10];
}

std::string bar_chart(const std::vector<std::string>& labels, const std::vector<Series>& series, const ChartStyle& s) {
  const auto fmt = value_format(s);
  const int w = s.width;
  const double label_w = 230, right_pad = 90;
  const double plot_w = w - label_w - right_pad;
  const bool grouped = s.mode == BarMode::grouped && series.size() > 1;
  const double row_h = grouped ? 10.0 * static_cast<double>(series.size()) + 8 : 20;
  std::string body;
  int top = 8 + legend(body, series, label_w, 14, w);
  double max = 0;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (s.mode == BarMode::stacked) max = std::max(max, stack_total(series, i));
    else
      for (const Series& se : series) max = std::max(max, i < se.values.size() ? se.values[i] : 0);
  }
  const ValueAxis axis = value_axis(max, s.quantity);
  const double scale = plot_w / axis.top;
  const double plot_h = row_h * static_cast<double>(labels.size());
  const int h = static_cast<int>(top + plot_h + 28);
  std::string out = open_svg(s, w, h);
  out += body;
  for (std::size_t t = 0; t < axis.ticks.size(); ++t) {
    const double x = label_w + axis.ticks[t] * scale;
    out += "<line class=\"grid\" x1=\"" + num(x) + "\" y1=\"" + std::to_string(top) + "\" x2=\"" + num(x) + "\" y2=\"" +
           num(top + plot_h) + "\"/>";
    out += text(x, top + plot_h + 14, axis.labels[t], "middle", "ax");
  }
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const double y = top + row_h * static_cast<double>(i);
    out += "<g><title>" + html_escape(labels[i]) + "</title>" +
           text(label_w - 6, y + row_h / 2 + 4, shorten(labels[i], 34), "end") + "</g>";
    double x = label_w;
    for (std::size_t k = 0; k < series.size(); ++k) {
      const Series& se = series[k];
      const double v = i < se.values.size() ? se.values[i] : 0;
      const std::string tip = labels[i] + (series.size() > 1 ? " \xc2\xb7 " + se.name : "") + ": " + fmt(v);
      if (s.mode == BarMode::stacked) {
        out += rect(x, y + 3, v * scale, row_h - 6, se.color, tip);
        x += v * scale;
      } else if (grouped) {
        out += rect(label_w, y + 4 + 10 * static_cast<double>(k), v * scale, 9, se.color, tip);
        out += text(label_w + v * scale + 4, y + 12 + 10 * static_cast<double>(k), fmt(v), "start", "vl");
      } else {
        out += rect(label_w, y + 3, v * scale, row_h - 6, se.color, tip);
        x = label_w + v * scale;
      }
    }
    if (!grouped) {
      const double total = s.mode == BarMode::stacked ? stack_total(series, i) : (series.empty() ? 0 : series[0].values[i]);
      out += text(x + 4, y + row_h / 2 + 4, fmt(total), "start", "vl");
    }
  }
  out += "<line class=\"axis\" x1=\"" + num(label_w) + "\" y1=\"" + std::to_string(top) + "\" x2=\"" + num(label_w) +
         "\" y2=\"" + num(top + plot_h) + "\"/>";
  return out + "</svg>";
}

std::string column_chart(const std::vector<std::string>& labels, const std::vector<Series>& series,
                         const ChartStyle& s) {
  const auto fmt = value_format(s);
  const int w = s.width;
  const double left = 64, right = 12;
  std::string body;
  const int top = 8 + legend(body, series, left, 14, w);
  const double plot_h = 190;
  const double plot_w = w - left - right;
  double max = 0;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (s.mode == BarMode::stacked) max = std::max(max, stack_total(series, i));
    else
      for (const Series& se : series) max = std::max(max, i < se.values.size() ? se.values[i] : 0);
  }
  const ValueAxis axis = value_axis(max, s.quantity);
  const double scale = plot_h / axis.top;
  const double slot = labels.empty() ? plot_w : plot_w / static_cast<double>(labels.size());
  const bool many = labels.size() > 16;
  const int h = static_cast<int>(top + plot_h + (many ? 52 : 30));
  std::string out = open_svg(s, w, h);
  out += body;
  const double base = top + plot_h;
  draw_value_grid(out, left, w - right, base, axis, scale);
  const bool grouped = s.mode == BarMode::grouped && series.size() > 1;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const double x0 = left + slot * static_cast<double>(i);
    const double bw = std::max(slot * 0.72, 1.0);
    double y = base;
    for (std::size_t k = 0; k < series.size(); ++k) {
      const Series& se = series[k];
      const double v = i < se.values.size() ? se.values[i] : 0;
      const std::string tip = labels[i] + (series.size() > 1 ? " \xc2\xb7 " + se.name : "") + ": " + fmt(v);
      if (grouped) {
        const double gw = bw / static_cast<double>(series.size());
        out += rect(x0 + slot * 0.14 + gw * static_cast<double>(k), base - v * scale, gw - 1, v * scale, se.color, tip);
        if (labels.size() <= 8)
          out += text(x0 + slot * 0.14 + gw * (static_cast<double>(k) + 0.5), base - v * scale - 3, fmt(v), "middle", "vl");
      } else {
        y -= v * scale;
        out += rect(x0 + slot * 0.14, y, bw, v * scale, se.color, tip);
      }
    }
    if (many) {
      out += "<text class=\"ax\" transform=\"translate(" + num(x0 + slot / 2 + 3) + "," + num(base + 8) +
             ") rotate(-60)\" text-anchor=\"end\">" + html_escape(labels[i]) + "</text>";
    } else {
      out += text(x0 + slot / 2, base + 14, labels[i], "middle", "ax");
    }
  }
  out += "<line class=\"axis\" x1=\"" + num(left) + "\" y1=\"" + num(base) + "\" x2=\"" + num(w - right) + "\" y2=\"" +
         num(base) + "\"/>";
  return out + "</svg>";
}

// One row of colour keys along the bottom of a chart, its boxes' top at `y`.
static std::string legend_row(const std::vector<LegendItem>& legend, double y) {
  std::string out;
  double x = 8;
  for (const LegendItem& l : legend) {
    out += "<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"10\" height=\"10\" fill=\"" + l.color + "\"/>" +
           text(x + 14, y + 9, l.label, "start");
    x += 26 + 5.6 * static_cast<double>(l.label.size());
  }
  return out;
}

std::string network_graph(const std::vector<GraphNode>& nodes, const std::vector<GraphEdge>& edges,
                          const std::vector<LegendItem>& legend, const ChartStyle& s) {
  const int w = s.width, h = std::max(420, w - 120);
  const double cx = w / 2.0, cy = 28 + (h - 56) / 2.0, r = std::min(w / 2.0 - 190, (h - 56) / 2.0 - 10);
  std::string out = open_svg(s, w, h);
  std::vector<std::pair<double, double>> at(nodes.size());
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const double a = -M_PI / 2 + 2 * M_PI * static_cast<double>(i) / static_cast<double>(std::max<std::size_t>(nodes.size(), 1));
    at[i] = {cx + r * std::cos(a), cy + r * std::sin(a)};
  }
  out += "<g class=\"edges\" fill=\"none\" stroke-width=\"1.2\" stroke-opacity=\"0.8\">";
  for (const GraphEdge& e : edges)
    out += "<line x1=\"" + num(at[e.from].first) + "\" y1=\"" + num(at[e.from].second) + "\" x2=\"" + num(at[e.to].first) +
           "\" y2=\"" + num(at[e.to].second) + "\" stroke=\"" + e.color + "\"><title>" + html_escape(e.tip) + "</title></line>";
  out += "</g><g class=\"nodes\">";
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const double a = -M_PI / 2 + 2 * M_PI * static_cast<double>(i) / static_cast<double>(std::max<std::size_t>(nodes.size(), 1));
    const bool right = std::cos(a) >= 0;
    out += "<circle cx=\"" + num(at[i].first) + "\" cy=\"" + num(at[i].second) + "\" r=\"5\" fill=\"" + nodes[i].color +
           "\" stroke=\"#333\" stroke-width=\"0.5\"><title>" + html_escape(nodes[i].label) + "</title></circle>";
    if (nodes.size() <= 120)
      out += text(at[i].first + (right ? 8 : -8), at[i].second + 3, nodes[i].label, right ? "start" : "end");
  }
  out += "</g>";
  return out + legend_row(legend, h - 16.0) + "</svg>";
}

std::string world_map(const std::vector<MapLine>& lines, const std::vector<MapPlace>& places,
                      const std::vector<LegendItem>& legend, const ChartStyle& s) {
  const double w = s.width, mh = w / 2;  // 360 x 180 degrees
  const int h = static_cast<int>(mh) + 24;
  const auto x = [&](double lon) { return (lon + 180) / 360 * w; };
  const auto y = [&](double lat) { return (90 - lat) / 180 * mh; };
  std::string out = open_svg(s, static_cast<int>(w), h);
  out += "<rect x=\"0\" y=\"0\" width=\"" + num(w) + "\" height=\"" + num(mh) + "\" fill=\"#eef3f8\" stroke=\"#9aa5b1\"/>";
  out += "<g class=\"graticule\" stroke=\"#c9d3de\" stroke-width=\"0.5\">";
  for (int lon = -150; lon < 180; lon += 30)
    out += "<line x1=\"" + num(x(lon)) + "\" y1=\"0\" x2=\"" + num(x(lon)) + "\" y2=\"" + num(mh) + "\"/>";
  for (int lat = -60; lat <= 60; lat += 30)
    out += "<line x1=\"0\" y1=\"" + num(y(lat)) + "\" x2=\"" + num(w) + "\" y2=\"" + num(y(lat)) + "\"/>";
  out += "</g><g class=\"flows\" fill=\"none\" stroke-width=\"1\" stroke-opacity=\"0.7\">";
  for (const MapLine& l : lines)
    out += "<line class=\"" + l.cls + "\" x1=\"" + num(x(l.lon1)) + "\" y1=\"" + num(y(l.lat1)) + "\" x2=\"" + num(x(l.lon2)) +
           "\" y2=\"" + num(y(l.lat2)) + "\" stroke=\"" + l.color + "\"><title>" + html_escape(l.tip) + "</title></line>";
  out += "</g><g class=\"places\">";
  for (const MapPlace& p : places) {
    // A place near the right edge is labelled to its left, so the label stays on the map.
    const bool right_edge = x(p.lon) > w * 0.85;
    out += "<circle cx=\"" + num(x(p.lon)) + "\" cy=\"" + num(y(p.lat)) + "\" r=\"2.5\" fill=\"#333\"><title>" +
           html_escape(p.label) + "</title></circle>" +
           text(x(p.lon) + (right_edge ? -4 : 4), y(p.lat) - 3, p.label, right_edge ? "end" : "start");
  }
  out += "</g>";
  return out + legend_row(legend, h - 14.0) + "</svg>";
}

std::string donut_chart(const std::vector<std::string>& labels, const std::vector<double>& values,
                        const std::vector<std::string>& colors, const ChartStyle& s) {
  const auto fmt = value_format(s);
  double total = 0;
  for (double v : values) total += v;
  const int rows = static_cast<int>(labels.size());
  const int h = std::max(220, 24 + rows * 18);
  std::string out = open_svg(s, s.width, h);
  const double cx = 110, cy = 110, r = 90, inner = 52;
  if (total <= 0) {
    out += "<circle cx=\"110\" cy=\"110\" r=\"90\" fill=\"#e6e6e6\"/>" + text(cx, cy + 4, "no data", "middle");
  } else {
    double a = -M_PI / 2;
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (values[i] <= 0) continue;
      const double frac = values[i] / total;
      const std::string tip = labels[i] + ": " + fmt(values[i]) + " (" + share_text(frac) + ")";
      if (frac >= 0.9999) {
        out += "<circle cx=\"110\" cy=\"110\" r=\"" + num((r + inner) / 2) + "\" fill=\"none\" stroke=\"" + colors[i] +
               "\" stroke-width=\"" + num(r - inner) + "\"><title>" + html_escape(tip) + "</title></circle>";
        continue;
      }
      const double b = a + frac * 2 * M_PI;
      const int large = frac > 0.5 ? 1 : 0;
      char path[512];
      std::snprintf(path, sizeof(path),
                    "M%.2f %.2f A%.0f %.0f 0 %d 1 %.2f %.2f L%.2f %.2f A%.0f %.0f 0 %d 0 %.2f %.2f Z",
                    cx + r * std::cos(a), cy + r * std::sin(a), r, r, large, cx + r * std::cos(b), cy + r * std::sin(b),
                    cx + inner * std::cos(b), cy + inner * std::sin(b), inner, inner, large, cx + inner * std::cos(a),
                    cy + inner * std::sin(a));
      out += "<path d=\"" + std::string(path) + "\" fill=\"" + colors[i] + "\" stroke=\"#fff\" stroke-width=\"1\"><title>" +
             html_escape(tip) + "</title></path>";
      a = b;
    }
    out += text(cx, cy + 5, fmt(total), "middle", "dt");
  }
  for (int i = 0; i < rows; ++i) {
    const double y = 24 + i * 18;
    const double frac = total > 0 ? values[static_cast<std::size_t>(i)] / total : 0;
    out += "<rect x=\"240\" y=\"" + num(y - 10) + "\" width=\"11\" height=\"11\" fill=\"" +
           colors[static_cast<std::size_t>(i)] + "\"/>";
    out += text(258, y, shorten(labels[static_cast<std::size_t>(i)], 40), "start");
    out += text(s.width - 110, y, fmt(values[static_cast<std::size_t>(i)]), "end", "vl");
    out += text(s.width - 10, y, share_text(frac), "end", "vl");
  }
  return out + "</svg>";
}

std::string line_chart(const std::vector<std::string>& labels, const std::vector<Series>& series, const ChartStyle& s) {
  const auto fmt = value_format(s);
  const int w = s.width;
  const double left = 70, right = 12;
  std::string body;
  const int top = 8 + legend(body, series, left, 14, w);
  const double plot_h = 180, plot_w = w - left - right;
  double max = 0;
  for (const Series& se : series)
    for (double v : se.values) max = std::max(max, v);
  const ValueAxis axis = value_axis(max, s.quantity);
  const double scale = plot_h / axis.top;
  const bool many = labels.size() > 16;
  const int h = static_cast<int>(top + plot_h + (many ? 52 : 30));
  std::string out = open_svg(s, w, h);
  out += body;
  const double base = top + plot_h;
  draw_value_grid(out, left, w - right, base, axis, scale);
  const double dx = labels.size() > 1 ? plot_w / static_cast<double>(labels.size() - 1) : 0;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const double x = left + dx * static_cast<double>(i) + (labels.size() == 1 ? plot_w / 2 : 0);
    if (many) {
      out += "<text class=\"ax\" transform=\"translate(" + num(x + 3) + "," + num(base + 8) +
             ") rotate(-60)\" text-anchor=\"end\">" + html_escape(labels[i]) + "</text>";
    } else {
      out += text(x, base + 14, labels[i], "middle", "ax");
    }
  }
  if (labels.size() == 1) {  // one day: a line would be one dot, so a labelled bar per series
    const double slot = std::min(64.0, plot_w / static_cast<double>(2 * std::max<std::size_t>(series.size(), 1)));
    const double x0 = left + plot_w / 2 - slot * static_cast<double>(series.size()) / 2;
    for (std::size_t k = 0; k < series.size(); ++k) {
      if (series[k].values.empty()) continue;
      const Series& se = series[k];
      const double v = se.values[0];
      const double x = x0 + slot * static_cast<double>(k);
      const double y = base - v * scale;
      out += "<rect class=\"single\" x=\"" + num(x + slot * 0.1) + "\" y=\"" + num(y) + "\" width=\"" + num(slot * 0.8) +
             "\" height=\"" + num(base - y) + "\" fill=\"" + se.color + "\"><title>" +
             html_escape(labels[0] + " \xc2\xb7 " + se.name + ": " + fmt(v)) + "</title></rect>";
      out += text(x + slot / 2, y - 3, fmt(v), "middle", "vl");
    }
    out += "<line class=\"axis\" x1=\"" + num(left) + "\" y1=\"" + num(base) + "\" x2=\"" + num(w - right) + "\" y2=\"" +
           num(base) + "\"/>";
    return out + "</svg>";
  }
  for (const Series& se : series) {
    std::string pts;
    std::string dots;
    for (std::size_t i = 0; i < se.values.size() && i < labels.size(); ++i) {
      const double x = left + dx * static_cast<double>(i) + (labels.size() == 1 ? plot_w / 2 : 0);
      const double y = base - se.values[i] * scale;
      pts += num(x) + "," + num(y) + " ";
      dots += "<circle cx=\"" + num(x) + "\" cy=\"" + num(y) + "\" r=\"2.5\" fill=\"" + se.color + "\"><title>" +
              html_escape(labels[i] + " \xc2\xb7 " + se.name + ": " + fmt(se.values[i])) + "</title></circle>";
    }
    out += "<polyline fill=\"none\" stroke=\"" + se.color + "\" stroke-width=\"2\" points=\"" + pts + "\"/>" + dots;
  }
  out += "<line class=\"axis\" x1=\"" + num(left) + "\" y1=\"" + num(base) + "\" x2=\"" + num(w - right) + "\" y2=\"" +
         num(base) + "\"/>";
  return out + "</svg>";
}

}  // namespace flowprobe::report
