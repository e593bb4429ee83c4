#pragma once
// flowcast-sweep report: one self-contained HTML page (inline CSS and SVG
// through client/report's SvgChart, no script, nothing fetched) from a
// sweep's records: the plots of sweep_plots, each with its axes' units and
// the runs it rests on, every run a point linked to its own flowcast-report
// page (docs/SWEEPS.md "The page"):
//
// - #chart-rebuffering: rebuffering ratio against link rate ÷ stream
//   bitrate (runs with a --link-rate and a --bitrate);
// - #chart-stalls-loss, #chart-stall-length-loss, #chart-stalls-delay,
//   #chart-stall-length-delay: stalls per run and their mean length against
//   the link's loss and one-way delay;
// - #chart-psnr-loss, #chart-damaged-loss: PSNR and the share of damaged
//   pictures against loss;
// - #chart-tradeoff: rebuffering ratio against latency p95, per run;
// - #chart-cdf-startup, #chart-cdf-rebuffering, #chart-cdf-latency: CDFs
//   over the runs of each condition;
// - #chart-qoe-heatmap: the mean QoE score over two grid axes.
//
// Line plots have one line per transport × buffer through the means over
// the runs at each x, with their 95 % confidence interval (Student's t,
// sweep_tables) as a band; other axes of the grid are mixed within a point,
// and the page says which. Pure; any thread.
#include <string>
#include <vector>

#include "client/sweep/sweep_plots.hpp"
#include "client/sweep/sweep_results.hpp"

namespace flowcast::client::sweep {

struct SweepPageOptions {
  std::string title = "flowcast sweep";
  RunLinks links;                         // run id -> its flowcast-report page
  std::vector<std::string> heatmap_axes;  // x and y; empty: the first two that vary
};

// The ids of the page's plots, in page order.
const std::vector<std::string>& sweep_plot_ids();

// The page. Never fails on the values: runs a plot cannot place are counted
// as left out in that plot's note.
std::string render_sweep_html(const std::vector<RunRecord>& records,
                              const SweepPageOptions& options);
std::string render_sweep_html(const std::vector<RunRecord>& records, const std::string& title);

}  // namespace flowcast::client::sweep
