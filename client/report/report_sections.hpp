#pragma once
// The sections of the report page (report.hpp), each a function of the runs
// that returns its HTML, escaped: the summary table (report_summary.cpp),
// the charts on one shared time axis and the lists beside them
// (report_charts.cpp), and the snapshots (report_snapshots.cpp).
// render_report_html() puts them in order. Internal to the report library
// (report_page namespace).
//
// runs and series are in run order, series[i] of runs[i]; x_max is the end
// of the shared time axis, in ms. Pure, except that snapshots_section()
// reads the PNGs the metrics name; any thread; throw only std::bad_alloc.
#include <optional>
#include <string>
#include <vector>

#include "client/report/report.hpp"
#include "client/report/report_series.hpp"

namespace flowcast::client::report_page {

// --- The summary (report_summary.cpp).
// The emulated link each run went through, when flowcast-server's metrics
// were given; empty otherwise.
std::string link_text(const std::vector<ReportRun>& runs);
// One column per run, one row per figure, in groups (metrics_keys names each).
std::string summary_table(const std::vector<ReportRun>& runs);

// --- Charts and lists (report_charts.cpp).
// The receive buffer's level, its stalls shaded, --buffer and --rebuffer marked.
std::string buffer_chart(const std::vector<ReportRun>& runs, const std::vector<RunSeries>& series,
                         double x_max);
// The playout delay of each run: its target dotted, its actual value a
// line; empty when no run's timeline has them.
std::string delay_chart(const std::vector<ReportRun>& runs, const std::vector<RunSeries>& series,
                        double x_max);
// One series of each run as lines (member), with each run's measured peak
// as a dotted line when peak is given.
std::string line_chart(const std::vector<ReportRun>& runs, const std::vector<RunSeries>& series,
                       double x_max, const char* id, const char* y_label, const char* caption,
                       std::vector<SvgChart::Point> RunSeries::*member,
                       std::optional<double> RunSeries::*peak = nullptr);
// Lost and late packets and damaged pictures: a lane of ticks each, per run.
std::string events_chart(const std::vector<ReportRun>& runs, const std::vector<RunSeries>& series,
                         double x_max);
// The sound of the runs that had an audio stream, in a section of its own:
// what it held over time, a lane each of concealment and underruns, and the
// A/V offset with ITU-R BT.1359's window (+45 / −125 ms) marked. Empty when
// no run had sound.
std::string audio_section(const std::vector<ReportRun>& runs, const std::vector<RunSeries>& series,
                          double x_max);
// Per-frame PSNR against the reference, or a note that no run had one.
std::string psnr_chart(const std::vector<ReportRun>& runs, const std::vector<RunSeries>& series,
                       double x_max);
// A table of the frames' MOS scores per run that has them.
std::string mos_histograms(const std::vector<ReportRun>& runs);
// Each run's stalls: start, length and cause.
std::string stall_lists(const std::vector<ReportRun>& runs, const std::vector<RunSeries>& series);

// --- Snapshots (report_snapshots.cpp).
// Each run's snapshots as data: URLs, the worst picture beside its
// reference; one that cannot be read gets a caption saying why.
std::string snapshots_section(const std::vector<ReportRun>& runs);

}  // namespace flowcast::client::report_page
