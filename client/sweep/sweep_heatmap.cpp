// The sweep page's heatmap of the QoE score over two grid axes
// (sweep_plots.hpp), each cell linked to the list of its runs.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "client/report/html_text.hpp"
#include "client/report/svg_chart.hpp"
#include "client/sweep/sweep_plots.hpp"
#include "client/sweep/sweep_tables.hpp"

namespace flowcast::client::sweep {

namespace {

constexpr const char* kDefault = "(default)";

std::string fixed(double value, int decimals) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

// A MOS on 1..5 as a colour: red at 1, yellow at 3, green at 5.
std::string score_colour(double mos) {
  struct Rgb {
    double r, g, b;
  };
  const Rgb red{215, 48, 39}, yellow{254, 224, 139}, green{26, 152, 80};
  const double t = std::clamp((mos - 1) / 2, 0.0, 2.0);
  const Rgb &a = t < 1 ? red : yellow, &b = t < 1 ? yellow : green;
  const double f = t < 1 ? t : t - 1;
  char text[8];
  std::snprintf(text, sizeof text, "#%02x%02x%02x", static_cast<int>(a.r + (b.r - a.r) * f + 0.5),
                static_cast<int>(a.g + (b.g - a.g) * f + 0.5),
                static_cast<int>(a.b + (b.b - a.b) * f + 0.5));
  return text;
}

std::string value_of(const Condition& c, const std::string& axis) {
  if (axis.empty()) return "all runs";
  const auto it = c.find(axis);
  return it == c.end() ? kDefault : it->second;
}

// The values of axis in the records, in numeric order when they are numbers
// (the default, 0 or none, first), else as first seen.
std::vector<std::string> values_of(const std::vector<RunRecord>& records, const std::string& axis) {
  std::vector<std::string> values;
  for (const auto& r : records) {
    const std::string v = value_of(r.condition, axis);
    if (std::find(values.begin(), values.end(), v) == values.end()) values.push_back(v);
  }
  const bool numbers = std::all_of(values.begin(), values.end(), [&](const std::string& v) {
    return v == kDefault || axis_number(axis, v).has_value();
  });
  if (numbers)
    std::stable_sort(values.begin(), values.end(), [&](const std::string& a, const std::string& b) {
      const double x = a == kDefault ? -1 : *axis_number(axis, a);
      const double y = b == kDefault ? -1 : *axis_number(axis, b);
      return x < y;
    });
  return values;
}

}  // namespace

std::string qoe_heatmap(const PlotInput& in, const std::vector<std::string>& wanted) {
  std::vector<std::string> varying;
  for (const auto& axis : axes())
    if (values_of(in.records, axis.name).size() > 1) varying.push_back(axis.name);
  // By default the transport down the side (the sweep's first question),
  // and the first other axis that varies across.
  std::string x_axis, y_axis;
  if (wanted.size() >= 2) {
    x_axis = wanted[0];
    y_axis = wanted[1];
  } else {
    // Files (long names) only when nothing else varies.
    std::stable_partition(varying.begin(), varying.end(),
                          [](const std::string& axis) { return axis != "input"; });
    const bool transport = std::count(varying.begin(), varying.end(), "transport") > 0;
    for (const auto& axis : varying)
      if (x_axis.empty() && axis != "transport")
        x_axis = axis;
      else if (y_axis.empty() && !transport && axis != x_axis)
        y_axis = axis;
    if (transport) y_axis = "transport";
    if (x_axis.empty()) std::swap(x_axis, y_axis);
  }
  const auto xs = values_of(in.records, x_axis), ys = values_of(in.records, y_axis);
  std::map<std::pair<std::string, std::string>, std::vector<const RunRecord*>> cells;
  size_t placed = 0, left_out = 0;
  for (const auto& r : in.records) {
    if (r.status != RunStatus::ok || !r.headline || !r.headline->qoe_score ||
        !std::isfinite(*r.headline->qoe_score)) {
      ++left_out;
      continue;
    }
    cells[{value_of(r.condition, x_axis), value_of(r.condition, y_axis)}].push_back(&r);
    ++placed;
  }
  SvgChart chart("chart-qoe-heatmap", y_axis.empty() ? "" : "--" + y_axis,
                 static_cast<double>(std::max<size_t>(xs.size(), 1)), 1,
                 std::max(60, 34 * static_cast<int>(ys.size())));
  chart.set_x_axis(x_axis.empty() ? "all runs (the grid varies nothing)" : "--" + x_axis, 1);
  std::vector<std::pair<double, std::string>> x_labels;
  for (size_t i = 0; i < xs.size(); ++i) x_labels.push_back({i + 0.5, xs[i]});
  chart.set_x_labels(x_labels);
  chart.set_lanes(ys, std::vector<std::string>(ys.size(), "#333"));
  // Each scored cell links to its item in the list below the chart, which
  // links each of its runs to the run's own report.
  std::string cell_list;
  for (size_t i = 0; i < xs.size(); ++i)
    for (size_t j = 0; j < ys.size(); ++j) {
      const double x0 = static_cast<double>(i), y0 = chart.lane_bottom(j);
      const auto it = cells.find({xs[i], ys[j]});
      if (it == cells.end()) {
        chart.add_cell(x0, x0 + 1, y0, y0 + 1, "#eeeeee",
                       xs[i] + ", " + ys[j] + ": no ok run with a score", "–", -1);
        continue;
      }
      std::vector<double> scores;
      std::string ids, items;
      for (const RunRecord* r : it->second) {
        scores.push_back(*r->headline->qoe_score);
        ids += (ids.empty() ? "" : ", ") + r->id;
        const auto link = in.links.find(r->id);
        const std::string name = html_escape(r->id);
        items +=
            std::string(items.empty() ? "" : ", ") +
            (link == in.links.end()
                 ? name
                 : "<a href=\"" + html_escape(link->second) + "\">" + name + "</a>") +
            html_escape(" (seed " + std::to_string(r->seed) + ", " + condition_text(r->condition) +
                        ": " + fixed(*r->headline->qoe_score, 2) + ")");
      }
      const std::string anchor = "qoe-cell-" + std::to_string(i) + "-" + std::to_string(j);
      cell_list += "<li id=\"" + anchor + "\">" + html_escape(xs[i] + ", " + ys[j]) + ": " + items +
                   "</li>\n";
      const Summary s = summarize(scores);
      chart.add_cell(x0, x0 + 1, y0, y0 + 1, score_colour(s.mean),
                     xs[i] + ", " + ys[j] + ": QoE score mean " + fixed(s.mean, 2) + ", median " +
                         fixed(s.median, 2) +
                         (s.ci_low ? ", 95% CI " + fixed(*s.ci_low, 2) + ".." + fixed(*s.ci_high, 2)
                                   : std::string()) +
                         " (n = " + std::to_string(s.n) + "; runs " + ids + ")",
                     fixed(s.mean, 2) + " (n=" + std::to_string(s.n) + ")", -1, "#" + anchor);
    }
  std::set<std::string> mixed;
  for (const auto& axis : varying)
    if (axis != x_axis && axis != y_axis) mixed.insert(axis);
  std::string note = "The mean QoE score (1..5, docs/METRICS.md) of the ok runs in each cell: " +
                     std::to_string(placed) + " runs in " + std::to_string(cells.size()) +
                     " cells; " + std::to_string(left_out) +
                     " runs left out (not ok, or no picture shown). The seeds";
  for (const auto& axis : mixed) note += ", " + axis;
  note +=
      " are mixed within a cell. Red is 1 (bad), yellow 3 (fair), green 5 (excellent). "
      "A cell links to the list of its runs below, each linked to its own report.";
  std::string legend;
  for (int mos = 1; mos <= 5; ++mos)
    legend += "<li><span style=\"color:" + score_colour(mos) + "\">&#9632;</span> " +
              std::to_string(mos) + "</li>\n";
  return "<section class=\"plot\">\n<h2>" +
         html_escape("QoE score over " + (x_axis.empty() ? "the grid" : "--" + x_axis) +
                     (y_axis.empty() ? "" : " and --" + y_axis)) +
         "</h2>\n<p class=\"runs\">" + (placed ? "" : "No run to plot. ") + html_escape(note) +
         "</p>\n<ul class=\"legend\">\n" + legend + "</ul>\n" + chart.render() +
         (cell_list.empty() ? "" : "<ul class=\"cell-runs\">\n" + cell_list + "</ul>\n") +
         "</section>\n";
}

}  // namespace flowcast::client::sweep
