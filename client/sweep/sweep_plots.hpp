#pragma once
// The plots of the sweep's page (sweep_report), each one section of HTML: a
// heading, a line saying how many runs it rests on and what it leaves out or
// mixes, a legend, and an inline <svg class="chart" id="chart-..."> drawn with
// client/report's SvgChart. Axes are named with their units. Every run
// drawn is a point that links to the run's own flowcast-report page (when
// RunLinks has it). Only ok runs are drawn. Pure; any thread.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "client/sweep/sweep_results.hpp"

namespace flowcast::client::sweep {

// Run id -> the href of its flowcast-report page, relative to the page.
using RunLinks = std::map<std::string, std::string>;

// The records and links every plot draws from.
struct PlotInput {
  const std::vector<RunRecord>& records;
  const RunLinks& links;
};

// A grid value as a number in the unit its plots use: RATE in bit/s,
// PERCENT in %, DURATION in ms, a burst length as is. nullopt for values
// that are not numbers (transport, policies, files).
std::optional<double> axis_number(const std::string& axis, const std::string& value);
// The condition's value of axis as a number; the server's default (0) for a
// link loss, delay, jitter, reorder or duplicate the condition leaves out.
std::optional<double> condition_number(const Condition& c, const std::string& axis);
// "tcp, buffer 250ms": a line's name (transport × buffer), the programs'
// defaults where the grid has no such axis.
std::string series_name(const Condition& c);

// A plot of one figure against one condition value: per line (transport ×
// buffer), the mean over the runs at each x joined, the 95 % confidence
// interval (Student's t) as a band, and every run as a linked point.
struct LinePlot {
  std::string id;       // the <svg>'s id, "chart-..."
  std::string heading;  // "Stalls against link loss"
  std::string x_label;  // with its unit
  std::string y_label;  // with its unit
  std::string x_name;   // short, for tooltips: "link ÷ bitrate"
  std::function<std::optional<double>(const Condition&)> x;
  std::function<std::optional<double>(const Headline&)> y;
  std::vector<std::string> x_axes;  // the grid axes x is made of (not "mixed")
  double y_min_max = 1;             // the y axis reaches at least this
  std::optional<double> y_cap;      // and at most this (a ratio: 1)
  std::string left_out_why;         // "no --link-rate and --bitrate", ...
};
std::string line_plot(const LinePlot& plot, const PlotInput& in);

// Rebuffering ratio against latency p95, one linked point per run, coloured
// by line (transport × buffer).
std::string tradeoff_plot(const PlotInput& in);

// The empirical CDF of one figure over the runs of each condition: a step
// curve per condition, each run a linked point on it.
struct CdfPlot {
  std::string id;
  std::string heading;
  std::string x_label;  // with its unit
  std::function<std::optional<double>(const Headline&)> value;
  double x_min_max = 1;
};
std::string cdf_plot(const CdfPlot& plot, const PlotInput& in);

// The mean QoE score over two grid axes, a cell per pair of values (every
// other axis and the seeds mixed within a cell), coloured from 1 (red) to 5
// (green). `axes` names the two (x, y); empty: the transport down the side
// when it varies, and across the first other axis of the grid that takes
// more than one value (without the transport, the first two such axes; the
// input files only when no other axis varies). A
// grid that varies fewer has one row or one cell. Each scored cell links to
// its item (id qoe-cell-X-Y, the column and row from 0) in a list under the
// chart that names the cell's runs, each linked to its own report.
std::string qoe_heatmap(const PlotInput& in, const std::vector<std::string>& axes);

}  // namespace flowcast::client::sweep
