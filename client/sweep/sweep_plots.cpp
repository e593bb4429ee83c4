#include "client/sweep/sweep_plots.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "client/report/html_text.hpp"
#include "client/report/svg_chart.hpp"
#include "client/sweep/sweep_tables.hpp"
#include "common/util/units.hpp"

namespace flowcast::client::sweep {

namespace {

const char* const kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
                                "#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#393b79", "#ad494a"};
constexpr int kPlotHeight = 200;

std::string colour(size_t index) {
  return kColours[index % (sizeof kColours / sizeof kColours[0])];
}

std::string fixed(double value, int decimals) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

bool is_finite(const std::optional<double>& v) {
  return v && std::isfinite(*v);
}

std::string legend_item(size_t index, const std::string& name) {
  return "<li data-run=\"" + std::to_string(index) + "\"><span style=\"color:" + colour(index) +
         "\">&#9632;</span> " + html_escape(name) + "</li>\n";
}

// Each line's (transport × buffer) place among all the records' lines, so
// that a line has one colour on every plot of the page.
size_t series_index(const std::vector<RunRecord>& records, const std::string& name) {
  std::set<std::string> names;
  for (const auto& r : records) names.insert(series_name(r.condition));
  return static_cast<size_t>(std::distance(names.begin(), names.find(name)));
}

std::string link_of(const PlotInput& in, const RunRecord& r) {
  const auto it = in.links.find(r.id);
  return it == in.links.end() ? std::string() : it->second;
}

// The tooltip of one run's point.
std::string run_tip(const RunRecord& r, const std::string& what) {
  return "run " + r.id + " (seed " + std::to_string(r.seed) + "): " + what + "; " +
         condition_text(r.condition);
}

// One plot's section of the page; its chart is drawn, axes and all, also
// when no run has a value for it.
std::string section(const std::string& heading, size_t placed, const std::string& note,
                    const std::string& legend, const std::string& svg,
                    const char* legend_class = "legend") {
  return "<section class=\"plot\">\n<h2>" + html_escape(heading) + "</h2>\n<p class=\"runs\">" +
         (placed ? std::string() : "No run to plot. ") + html_escape(note) + "</p>\n" +
         (legend.empty()
              ? std::string()
              : "<ul class=\"" + std::string(legend_class) + "\">\n" + legend + "</ul>\n") +
         svg + "</section>\n";
}

// The axes that take more than one value over the records (a missing value
// counting as one).
std::set<std::string> varying_axes(const std::vector<const RunRecord*>& records) {
  std::map<std::string, std::set<std::string>> values;
  for (const auto& axis : axes())
    for (const RunRecord* r : records) {
      const auto it = r->condition.find(axis.name);
      values[axis.name].insert(it == r->condition.end() ? std::string() : "=" + it->second);
    }
  std::set<std::string> varying;
  for (const auto& [axis, seen] : values)
    if (seen.size() > 1) varying.insert(axis);
  return varying;
}

// The condition by the axes that vary only: "link-loss=3% transport=udp".
std::string short_text(const Condition& c, const std::set<std::string>& varying) {
  Condition shown;
  for (const auto& [axis, value] : c)
    if (varying.count(axis)) shown[axis] = value;
  const std::string text = condition_text(shown);
  return text.empty() ? "every run (the grid varies nothing)" : text;
}

// "Mixed within each point: link-loss, overflow." or "".
std::string mixed_note(const std::set<std::string>& mixed) {
  if (mixed.empty()) return {};
  std::string names;
  for (const auto& axis : mixed) names += (names.empty() ? "" : ", ") + axis;
  return " Not told apart here (mixed within each point): " + names + ".";
}

}  // namespace

std::optional<double> axis_number(const std::string& axis, const std::string& value) {
  const AxisInfo* info = find_axis(axis);
  if (!info) return std::nullopt;
  const std::string kind = info->kind;
  if (kind == "RATE")
    if (const auto rate = common::parse_rate(value)) return static_cast<double>(*rate);
  if (kind == "PERCENT") return common::parse_percent(value);
  if (kind == "DURATION")
    if (const auto d = common::parse_duration(value)) return d->count() / 1000.0;
  if (kind == "LENGTH") {
    char* end = nullptr;
    const double v = std::strtod(value.c_str(), &end);
    if (end && *end == '\0' && end != value.c_str()) return v;
  }
  return std::nullopt;
}

std::optional<double> condition_number(const Condition& c, const std::string& axis) {
  const auto it = c.find(axis);
  if (it != c.end()) return axis_number(axis, it->second);
  for (const char* zero :
       {"link-loss", "link-delay", "link-jitter", "link-reorder", "link-duplicate"})
    if (axis == zero) return 0.0;
  return std::nullopt;
}

std::string series_name(const Condition& c) {
  const std::string transport = c.count("transport") ? c.at("transport") : "tcp";
  return transport + ", buffer " + (c.count("buffer") ? c.at("buffer") : "500ms (default)");
}

std::string line_plot(const LinePlot& p, const PlotInput& in) {
  struct Line {
    std::map<double, std::vector<double>> by_x;
    std::vector<std::pair<SvgChart::Point, const RunRecord*>> runs;
  };
  std::map<std::string, Line> lines;
  size_t placed = 0, left_out = 0;
  std::set<double> xs;
  std::vector<const RunRecord*> drawn;
  for (const auto& r : in.records) {
    const auto x = r.headline ? p.x(r.condition) : std::nullopt;
    const auto y = r.headline ? p.y(*r.headline) : std::nullopt;
    if (r.status != RunStatus::ok || !is_finite(x) || !is_finite(y)) {
      ++left_out;
      continue;
    }
    Line& line = lines[series_name(r.condition)];
    line.by_x[*x].push_back(*y);
    line.runs.push_back({{*x, *y}, &r});
    xs.insert(*x);
    drawn.push_back(&r);
    ++placed;
  }
  // Axes that vary among the runs drawn and neither x nor a line tells apart.
  std::set<std::string> mixed;
  for (const auto& axis : varying_axes(drawn))
    if (axis != "transport" && axis != "buffer" &&
        std::find(p.x_axes.begin(), p.x_axes.end(), axis) == p.x_axes.end())
      mixed.insert(axis);
  double x_max = xs.empty() ? 0 : *xs.rbegin(), y_max = p.y_min_max;
  for (const auto& [name, line] : lines) {
    for (const auto& [x, samples] : line.by_x) {
      const Summary s = summarize(samples);
      y_max = std::max(y_max, s.ci_high.value_or(s.mean));
    }
    for (const auto& [point, run] : line.runs) y_max = std::max(y_max, point.y);
  }
  y_max = SvgChart::nice_ceiling(y_max);
  if (p.y_cap) y_max = std::min(y_max, *p.y_cap);
  SvgChart chart(p.id, p.y_label, SvgChart::nice_ceiling(x_max * 1.05), y_max, kPlotHeight);
  chart.set_x_axis(p.x_label, 1);
  std::string legend;
  for (const auto& [name, line] : lines) {
    const size_t index = series_index(in.records, name);
    const std::string c = colour(index);
    const int run = static_cast<int>(index);
    std::vector<SvgChart::Point> mean, low, high;
    for (const auto& [x, samples] : line.by_x) {
      const Summary s = summarize(samples);
      mean.push_back({x, s.mean});
      low.push_back({x, std::max(0.0, s.ci_low.value_or(s.mean))});
      high.push_back({x, s.ci_high.value_or(s.mean)});
      const std::string tip =
          name + ": " + p.x_name + " " + fixed(x, 2) + ", mean " + fixed(s.mean, 3) + ", median " +
          fixed(s.median, 3) +
          (s.ci_low ? ", 95% CI " + fixed(*s.ci_low, 3) + ".." + fixed(*s.ci_high, 3)
                    : std::string(", one run: no interval")) +
          " (n = " + std::to_string(s.n) + ")";
      chart.add_points({{x, s.mean}}, c, tip, run);
    }
    chart.add_area(low, high, c, name + ": 95% confidence interval of the mean", run);
    chart.add_line(mean, c, name + ": mean over the runs at each x", run);
    for (const auto& [point, r] : line.runs)
      chart.add_linked_point(point, c, run_tip(*r, p.y_label + " " + fixed(point.y, 3)),
                             link_of(in, *r), run);
    legend += legend_item(index, name);
  }
  std::string note = std::to_string(placed) + " ok runs in " + std::to_string(lines.size()) +
                     " lines; " + std::to_string(left_out) + " runs left out (not ok, or " +
                     p.left_out_why + ").";
  if (xs.size() == 1)
    note += " Every run is at one x (" + fixed(*xs.begin(), 2) + "): the grid has no other value.";
  note += mixed_note(mixed) +
          " Lines join the means; bands are 95% confidence intervals (Student's t); each dot is "
          "a run, linked to its own report.";
  return section(p.heading, placed, note, legend, chart.render());
}

std::string tradeoff_plot(const PlotInput& in) {
  std::map<std::string, std::vector<const RunRecord*>> lines;
  size_t placed = 0, left_out = 0;
  double x_max = 0, y_max = 0.05;
  for (const auto& r : in.records) {
    if (r.status != RunStatus::ok || !r.headline || !is_finite(r.headline->latency_p95_ms) ||
        !is_finite(r.headline->rebuffering_ratio)) {
      ++left_out;
      continue;
    }
    lines[series_name(r.condition)].push_back(&r);
    x_max = std::max(x_max, *r.headline->latency_p95_ms);
    y_max = std::max(y_max, *r.headline->rebuffering_ratio);
    ++placed;
  }
  SvgChart chart("chart-tradeoff", "rebuffering ratio (0..1)", SvgChart::nice_ceiling(x_max * 1.05),
                 std::min(1.0, SvgChart::nice_ceiling(y_max)), kPlotHeight);
  chart.set_x_axis("send→render latency p95 (ms)", 1);
  std::string legend;
  for (const auto& [name, runs] : lines) {
    const size_t index = series_index(in.records, name);
    for (const RunRecord* r : runs) {
      const Headline& h = *r->headline;
      chart.add_linked_point(
          {*h.latency_p95_ms, *h.rebuffering_ratio}, colour(index),
          run_tip(*r, "latency p95 " + fixed(*h.latency_p95_ms, 0) + " ms, rebuffering ratio " +
                          fixed(*h.rebuffering_ratio, 3)),
          link_of(in, *r), static_cast<int>(index), 3.2);
    }
    legend += legend_item(index, name);
  }
  const std::string note =
      std::to_string(placed) + " ok runs, one dot each (linked to its own report); " +
      std::to_string(left_out) +
      " runs left out (not ok, or no latency: a sender without send times). Down and left is "
      "better: a bigger buffer trades latency for fewer stalls.";
  return section("Trade-off: rebuffering ratio against latency", placed, note, legend,
                 chart.render());
}

std::string cdf_plot(const CdfPlot& p, const PlotInput& in) {
  std::vector<Condition> order;
  std::map<Condition, std::vector<std::pair<double, const RunRecord*>>> by_condition;
  size_t placed = 0, left_out = 0;
  double x_max = p.x_min_max;
  for (const auto& r : in.records) {
    const auto v = r.headline ? p.value(*r.headline) : std::nullopt;
    if (r.status != RunStatus::ok || !is_finite(v)) {
      ++left_out;
      continue;
    }
    if (!by_condition.count(r.condition)) order.push_back(r.condition);
    by_condition[r.condition].push_back({*v, &r});
    x_max = std::max(x_max, *v);
    ++placed;
  }
  x_max = SvgChart::nice_ceiling(x_max * 1.05);
  std::vector<const RunRecord*> all;
  for (const auto& r : in.records) all.push_back(&r);
  const std::set<std::string> varying = varying_axes(all);
  SvgChart chart(p.id, "share of runs, per condition", x_max, 1, kPlotHeight);
  chart.set_x_axis(p.x_label, 1);
  std::string legend;
  size_t smallest = order.empty() ? 0 : SIZE_MAX;
  for (size_t index = 0; index < order.size(); ++index) {
    auto runs = by_condition[order[index]];
    std::sort(runs.begin(), runs.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    smallest = std::min(smallest, runs.size());
    const double n = static_cast<double>(runs.size());
    const std::string name = short_text(order[index], varying);
    const int run = static_cast<int>(index);
    std::vector<SvgChart::Point> steps = {{runs.front().first, 0}};
    for (size_t i = 0; i < runs.size(); ++i) {
      const double share = static_cast<double>(i + 1) / n;
      steps.push_back({runs[i].first, share});
      if (i + 1 < runs.size()) steps.push_back({runs[i + 1].first, share});
    }
    steps.push_back({x_max, 1});
    chart.add_line(steps, colour(index), name + " (" + std::to_string(runs.size()) + " runs)", run);
    for (size_t i = 0; i < runs.size(); ++i)
      chart.add_linked_point({runs[i].first, static_cast<double>(i + 1) / n}, colour(index),
                             run_tip(*runs[i].second, p.x_label + " " + fixed(runs[i].first, 3)),
                             link_of(in, *runs[i].second), run);
    legend += legend_item(index, name);
  }
  const std::string note =
      std::to_string(placed) + " ok runs in " + std::to_string(order.size()) +
      " conditions, one step curve each (at least " + std::to_string(smallest) +
      " runs a curve); " + std::to_string(left_out) +
      " runs left out (not ok, or no value). Each dot is a run, linked to its own report.";
  return section(p.heading, placed, note, legend, chart.render(), "legend conditions");
}

}  // namespace flowcast::client::sweep
