#include "client/sweep/sweep_report.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "client/report/html_text.hpp"
#include "client/report/svg_chart.hpp"
#include "client/sweep/sweep_tables.hpp"
#include "common/util/units.hpp"

namespace flowcast::client::sweep {

namespace {

const char* const kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                "#9467bd", "#8c564b", "#e377c2", "#17becf"};

std::string fixed(double value, int decimals) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

// "tcp, buffer 250ms": a line's name; the programs' defaults where the grid
// has no such axis.
std::string series_name(const Condition& c) {
  const std::string transport = c.count("transport") ? c.at("transport") : "tcp";
  return transport + ", buffer " + (c.count("buffer") ? c.at("buffer") : "500ms (default)");
}

}  // namespace

std::string render_sweep_html(const std::vector<RunRecord>& records, const std::string& title) {
  // series -> x -> samples
  std::map<std::string, std::map<double, std::vector<double>>> series;
  size_t placed = 0, left_out = 0;
  std::set<std::string> other_axes;
  for (const auto& r : records) {
    const auto rate = r.condition.count("link-rate")
                          ? common::parse_rate(r.condition.at("link-rate"))
                          : std::nullopt;
    const auto bitrate =
        r.condition.count("bitrate") ? common::parse_rate(r.condition.at("bitrate")) : std::nullopt;
    if (r.status != RunStatus::ok || !r.headline || !r.headline->rebuffering_ratio || !rate ||
        !bitrate) {
      ++left_out;
      continue;
    }
    for (const auto& [axis, value] : r.condition)
      if (axis != "link-rate" && axis != "bitrate" && axis != "transport" && axis != "buffer")
        other_axes.insert(axis);
    series[series_name(r.condition)][double(*rate) / double(*bitrate)].push_back(
        *r.headline->rebuffering_ratio);
    ++placed;
  }
  double x_max = 0, y_max = 0.05;
  for (const auto& [name, by_x] : series)
    for (const auto& [x, samples] : by_x) {
      x_max = std::max(x_max, x);
      const Summary s = summarize(samples);
      y_max = std::max(y_max, s.ci_high.value_or(s.mean));
    }
  SvgChart chart("chart-rebuffering", "rebuffering ratio (stall time / (play + stall))",
                 SvgChart::nice_ceiling(x_max * 1.05), std::min(1.0, SvgChart::nice_ceiling(y_max)),
                 240);
  chart.set_x_axis("link rate ÷ stream bitrate (1: the link carries the stream exactly)", 1);
  std::string legend;
  int index = 0;
  for (const auto& [name, by_x] : series) {
    const std::string colour = kColours[index % 8];
    std::vector<SvgChart::Point> mean, low, high;
    for (const auto& [x, samples] : by_x) {
      const Summary s = summarize(samples);
      mean.push_back({x, s.mean});
      low.push_back({x, std::max(0.0, s.ci_low.value_or(s.mean))});
      high.push_back({x, s.ci_high.value_or(s.mean)});
      const std::string tip =
          name + ": link ÷ bitrate " + fixed(x, 2) + ", mean " + fixed(s.mean, 3) + ", median " +
          fixed(s.median, 3) +
          (s.ci_low ? ", 95% CI " + fixed(*s.ci_low, 3) + ".." + fixed(*s.ci_high, 3)
                    : std::string(", one run: no interval")) +
          " (n = " + std::to_string(s.n) + ")";
      chart.add_points({{x, s.mean}}, colour, tip, index);
    }
    chart.add_area(low, high, colour, name + ": 95% confidence interval of the mean", index);
    chart.add_line(mean, colour, name + ": mean over the seeds", index);
    legend += "<li data-run=\"" + std::to_string(index) + "\"><span style=\"color:" + colour +
              "\">&#9632;</span> " + html_escape(name) + "</li>\n";
    ++index;
  }
  std::string note = std::to_string(placed) + " ok runs in " + std::to_string(series.size()) +
                     " lines; " + std::to_string(left_out) +
                     " runs left out (not ok, no rebuffering ratio, or no --link-rate and "
                     "--bitrate in their condition).";
  if (!other_axes.empty()) {
    std::string names;
    for (const auto& axis : other_axes) names += (names.empty() ? "" : ", ") + axis;
    note += " Not told apart here (mixed within each point): " + names + ".";
  }
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" +
      html_escape(title) +
      "</title>\n<style>body{font:14px sans-serif;margin:1.5em;color:#222}"
      "svg text{font:11px sans-serif}ul.legend{list-style:none;padding:0}"
      "ul.legend li{display:inline;margin-right:1.5em}</style></head>\n<body>\n<h1>" +
      html_escape(title) +
      "</h1>\n<h2>Rebuffering ratio against link rate ÷ stream bitrate</h2>\n"
      "<p class=\"runs\">" +
      html_escape(note) +
      " Lines join the means over the seeds; bands are 95% confidence intervals "
      "(Student's t).</p>\n<ul class=\"legend\">\n" +
      legend + "</ul>\n";
  html += series.empty() ? "<p>No run to plot.</p>\n" : chart.render();
  html += "</body></html>\n";
  return html;
}

}  // namespace flowcast::client::sweep
