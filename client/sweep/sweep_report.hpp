#pragma once
// flowcast-sweep report: one self-contained HTML page (inline CSS and SVG
// through client/report's SvgChart, no script, nothing fetched) from a
// sweep's records.
//
// The plot (#chart-rebuffering): the rebuffering ratio against link rate ÷
// stream bitrate (both RATE values of the condition, parsed by
// common/util/units), one line per transport × buffer through the mean over
// the seeds, with its 95 % confidence interval (Student's t, sweep_tables)
// as a band. It rests on the ok runs that have a --link-rate, a --bitrate
// and a rebuffering ratio; the page says how many. Other conditions (the
// loss, the overflow policy...) are not told apart: with more axes in the
// grid, the band of a line mixes them, and the page lists the axes it
// leaves out. Pure; any thread.
#include <string>
#include <vector>

#include "client/sweep/sweep_results.hpp"

namespace flowcast::client::sweep {

// The page. Never fails on the values: runs it cannot place are counted as
// left out.
std::string render_sweep_html(const std::vector<RunRecord>& records, const std::string& title);

}  // namespace flowcast::client::sweep
