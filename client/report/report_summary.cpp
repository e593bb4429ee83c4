#include <initializer_list>
#include <string>

#include "client/metrics/metrics_document.hpp"
#include "client/report/html_text.hpp"
#include "client/report/report_sections.hpp"

namespace flowcast::client::report_page {

namespace keys = metrics_keys;

namespace {

struct Row {
  const char* label;
  const Pointer& pointer;
  int decimals;
};

struct RowGroup {
  const char* name;
  std::initializer_list<Row> rows;
};

// The figures the table shows, in its order; metrics_keys says where each is.
const std::initializer_list<RowGroup>& summary_rows() {
  static const std::initializer_list<RowGroup> rows = {
      {"session",
       {{"transport", keys::kTransport, 0},
        {"protocol", keys::kSessionProtocol, 0},
        {"video started", keys::kSessionVideoStarted, 0},
        {"start failure", keys::kSessionStartFailure, 0},
        {"ended by", keys::kSessionEndedBy, 0},
        {"duration (ms)", keys::kDurationMs, 0},
        {"startup (ms)", keys::kStartupMs, 1},
        {"joining (ms)", keys::kStateJoiningMs, 0},
        {"playing (ms)", keys::kStatePlayingMs, 0},
        {"rebuffering (ms)", keys::kStateRebufferingMs, 0},
        {"frozen (ms)", keys::kStateFrozenMs, 0},
        {"ended, waiting (ms)", keys::kStateEndedMs, 0}}},
      {"config",
       {{"buffer (ms)", keys::kConfigBufferMs, 0},
        {"buffer max (ms)", keys::kConfigBufferMaxMs, 0},
        {"rebuffer (ms)", keys::kConfigRebufferMs, 0},
        {"overflow", keys::kConfigOverflow, 0},
        {"on loss", keys::kConfigOnLoss, 0}}},
      {"stalls and freezes",
       {{"stalls", keys::kStallsCount, 0},
        {"stall time (ms)", keys::kStallsTotalMs, 1},
        {"rebuffering ratio", keys::kRebufferingRatio, 3},
        {"freezes", keys::kFreezesCount, 0},
        {"freeze time (ms)", keys::kFreezesTotalMs, 1}}},
      {"packets",
       {{"received", keys::kPacketsReceived, 0},
        {"lost", keys::kPacketsLost, 0},
        {"late", keys::kPacketsLate, 0},
        {"dropped by overflow", keys::kPacketsDroppedOverflow, 0},
        {"dropped by kernel", keys::kPacketsDroppedKernel, 0},
        {"recovered", keys::kPacketsRecovered, 0}}},
      {"frames",
       {{"decoded", keys::kFramesDecoded, 0},
        {"rendered", keys::kFramesRendered, 0},
        {"damaged (shown)", keys::kFramesDamaged, 0},
        {"corrupt (shown)", keys::kFramesRenderedCorrupt, 0},
        {"tainted (shown)", keys::kFramesTainted, 0},
        {"corrupt (decoded)", keys::kFramesCorrupt, 0},
        {"skipped", keys::kFramesSkipped, 0},
        {"dropped late", keys::kFramesDroppedLate, 0}}},
      {"where every picture went",
       {{"sent (by the sender)", keys::kFramesSent, 0},
        {"shown clean", keys::kFramesRenderedClean, 0},
        {"shown damaged", keys::kFramesDamaged, 0},
        {"skipped", keys::kFramesSkipped, 0},
        {"dropped late", keys::kFramesDroppedLate, 0},
        {"dropped by the buffer", keys::kFramesDroppedBuffer, 0},
        {"lost", keys::kFramesLost, 0},
        {"undecodable", keys::kFramesUndecodable, 0},
        {"not yet shown at exit", keys::kFramesPending, 0},
        {"accounted for", keys::kFramesAccounted, 0}}},
      {"buffers",
       {{"peak timestamp span held (ms)", keys::kBufferPeakMs, 1},
        {"buffer peak (bytes)", keys::kBufferPeakBytes, 0},
        {"kernel peak (bytes)", keys::kKernelPeakQueuedBytes, 0}}},
      {"latency", {{"p50 (ms)", keys::kLatencyP50, 1}, {"p95 (ms)", keys::kLatencyP95, 1}}},
      {"quality",
       {{"PSNR mean (dB)", keys::kQualityPsnrMean, 2},
        {"PSNR min (dB)", keys::kQualityPsnrMin, 2},
        {"MOS mean", keys::kQualityMosMean, 2}}},
  };
  return rows;
}

}  // namespace

// The emulated link each run went through, when flowcast-server's metrics
// were given.
std::string link_text(const std::vector<ReportRun>& runs) {
  std::string s;
  for (size_t i = 0; i < runs.size(); ++i) {
    if (runs[i].link.empty()) continue;
    s += "<p class=\"link\" id=\"link-" + std::to_string(i) +
         "\"><span class=\"swatch\" style=\"background:" + colour_of(i) + "\"></span>" +
         html_escape(runs[i].label) +
         ": through the server's emulated link: " + html_escape(runs[i].link) + "</p>\n";
  }
  return s;
}

std::string summary_table(const std::vector<ReportRun>& runs) {
  std::string s = "<table id=\"summary\">\n<thead><tr><th></th>";
  for (size_t i = 0; i < runs.size(); ++i)
    s += "<th class=\"run\" style=\"border-top:4px solid " + colour_of(i) + "\">" +
         html_escape(runs[i].label) + "</th>";
  s += "</tr></thead>\n<tbody>\n";
  for (const auto& group : summary_rows()) {
    s += "<tr class=\"group\"><th colspan=\"" + std::to_string(runs.size() + 1) + "\">" +
         group.name + "</th></tr>\n";
    for (const auto& row : group.rows) {
      s += "<tr data-key=\"" + key_of(row.pointer) + "\"><th>" + row.label + "</th>";
      for (const auto& run : runs)
        s += "<td>" + cell_text(find(run.metrics, row.pointer), row.decimals) + "</td>";
      s += "</tr>\n";
    }
  }
  return s + "</tbody>\n</table>\n";
}

}  // namespace flowcast::client::report_page
