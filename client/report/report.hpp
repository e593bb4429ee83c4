#pragma once
// The HTML report: one self-contained page (inline CSS and SVG, snapshots as
// data: URLs; no script, nothing fetched) that compares runs of
// flowcast-client from their metrics files (schema flowcast.metrics/1): a
// summary table, charts on one shared time axis, picture quality and
// snapshots. Used by flowcast-report and by the client's --report.
//
// Pure functions of their arguments, except that snapshot PNGs named in the
// metrics are read from disk; any thread.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace flowcast::client {

struct ReportRun {
  std::string label;  // names the run in the table, legends and captions
  nlohmann::json metrics;
  // Relative snapshot paths are taken from here (the metrics file's folder);
  // empty means the current directory.
  std::string base_dir{};
  // The emulated link the run went through, in words ("rate 2.8 Mbit/s,
  // queue 200 ms"), from flowcast-server's metrics; empty: not known.
  std::string link{};
};

// The words for a flowcast-server metrics file's "link_config" (schema
// flowcast.server-metrics/1): "rate 2.8 Mbit/s, queue 200 ms, loss 2%", or
// "none" when nothing is emulated. Empty when the file has no link_config.
std::string describe_link(const nlohmann::json& server_metrics);

// Empty when metrics is a flowcast.metrics/1 document the report can use;
// otherwise one line saying what is wrong and what to do (wrong or missing
// "schema", a missing or empty timeline, a field of the wrong type). Never
// throws.
std::string validate_metrics_for_report(const nlohmann::json& metrics);

// The page, in run order (one colour per run). Values missing, null or of
// the wrong type are shown as "—" or skipped; a snapshot that cannot be read
// gets a caption saying so. Every string from the metrics is escaped.
// Throws only std::bad_alloc.
std::string render_report_html(const std::vector<ReportRun>& runs, const std::string& title);

}  // namespace flowcast::client
