#include "client/report/report.hpp"

#include <algorithm>
#include <string>

#include "client/metrics/metrics_document.hpp"
#include "client/report/html_text.hpp"
#include "client/report/report_sections.hpp"
#include "client/report/report_series.hpp"
#include "client/report/report_values.hpp"

namespace flowcast::client {
namespace {

using namespace report_page;
namespace keys = metrics_keys;

// "a string", "an object"...: the kind of a value, for messages.
std::string a_json(const json& v) {
  if (v.is_null()) return "null";
  if (v.is_object() || v.is_array()) return std::string("an ") + v.type_name();
  return std::string("a ") + v.type_name();
}

// A document as the client writes it, with every optional part present: the
// kind of value each key holds.
const json& written_shape() {
  static const json shape = [] {
    MetricsDocument d;
    d.quality.comparison.emplace();
    d.quality.error.emplace();
    return json(d);
  }();
  return shape;
}

constexpr const char* kStyle = R"(
body { font: 14px/1.4 sans-serif; color: #222; margin: 24px; max-width: 1060px; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 32px; border-bottom: 1px solid #ddd; }
h3 { font-size: 15px; margin: 16px 0 6px; }
table { border-collapse: collapse; }
#summary th, #summary td { padding: 2px 10px; border-bottom: 1px solid #eee; text-align: right; }
#summary th:first-child { text-align: left; font-weight: normal; color: #555; }
#summary tr.group th { text-align: left; font-weight: bold; color: #222; padding-top: 10px; }
#summary th.run { text-align: right; }
figure { margin: 18px 0; }
figcaption { margin-bottom: 4px; }
ul.legend { list-style: none; padding: 0; margin: 2px 0 4px; }
ul.legend li { display: inline-block; margin-right: 18px; }
.swatch { display: inline-block; width: 14px; height: 10px; margin-right: 6px; }
svg.chart { max-width: 100%; height: auto; font: 11px sans-serif; fill: #333; }
table.mos-histogram, table.stalls { margin: 8px 24px 8px 0; display: inline-table; }
table.mos-histogram td, table.mos-histogram th, table.stalls td, table.stalls th { padding: 1px 8px; }
td.bar { width: 160px; } td.bar span { display: block; height: 10px; }
.snapshots { display: flex; flex-wrap: wrap; gap: 12px; }
.snapshot-pair { display: flex; flex-wrap: nowrap; gap: 12px; flex-basis: 100%; }
.snapshot-pair figure.snapshot { max-width: 49%; }
.snapshot-pair figure.snapshot img { max-width: 100%; }
figure.snapshot { margin: 0; max-width: 330px; }
figure.snapshot img { max-width: 320px; border: 1px solid #ccc; display: block; }
figure.unreadable figcaption { color: #a00; }
.file { color: #777; font-size: 12px; word-break: break-all; }
footer { margin-top: 32px; color: #777; font-size: 12px; }
)";

}  // namespace

std::string describe_link(const nlohmann::json& server) {
  const json* link = server.is_object() ? find(server, Pointer("/link_config")) : nullptr;
  if (!link || !link->is_object()) return {};
  std::string out;
  auto add = [&](const std::string& part) { out += (out.empty() ? "" : ", ") + part; };
  auto value = [&](const char* key) {
    return number_at(*link, Pointer(std::string("/") + key)).value_or(0);
  };
  if (const double rate = value("rate_bps"); rate > 0)
    add("rate " + (rate >= 1e6 ? format_number(rate / 1e6, 1) + " Mbit/s"
                               : format_number(rate / 1e3, 0) + " kbit/s"));
  if (value("rate_bps") > 0 && value("queue_ms") > 0)
    add("queue " + format_number(value("queue_ms"), 0) + " ms");
  if (const double d = value("delay_ms"); d > 0) add("delay " + format_number(d, 0) + " ms");
  if (const double j = value("jitter_ms"); j > 0) add("jitter " + format_number(j, 0) + " ms");
  if (const double l = value("loss_percent"); l > 0) {
    add("loss " + format_number(l, 1) + "%");
    if (const double b = value("burst"); b > 0) add("bursts of " + format_number(b, 1));
  }
  if (const double r = value("reorder_percent"); r > 0) add("reorder " + format_number(r, 1) + "%");
  if (const double d = value("duplicate_percent"); d > 0)
    add("duplicate " + format_number(d, 1) + "%");
  return out.empty() ? "none (no --link-* option)" : out;
}

std::string validate_metrics_for_report(const nlohmann::json& m) {
  const std::string fix = ": pass a metrics file written by flowcast-client --metrics";
  if (!m.is_object()) return "it holds " + a_json(m) + ", not an object" + fix;
  const json* schema = find(m, keys::kSchema);
  if (!schema) return "it has no \"schema\" key, so it is not a flowcast metrics file" + fix;
  if (!schema->is_string())
    return "its \"schema\" is " + a_json(*schema) + ", not the string \"" + kMetricsSchema + "\"" +
           fix;
  const std::string& name = schema->get_ref<const std::string&>();
  if (name != kMetricsSchema) {
    // Quoted and escaped, and cut short: the message stays one line.
    const std::string shown =
        json(name.substr(0, 60)).dump(-1, ' ', false, json::error_handler_t::replace);
    return "its schema is " + shown + ", not \"" + kMetricsSchema + "\"" + fix +
           (name.rfind("flowcast.server-metrics", 0) == 0 ? " (the client's, not the server's)"
                                                          : "");
  }
  const json* timeline = find(m, keys::kTimeline);
  if (!timeline) return "it has no \"timeline\"" + fix;
  if (!timeline->is_array())
    return "its \"timeline\" is " + a_json(*timeline) + ", not an array" + fix;
  if (timeline->empty())
    return "its timeline is empty: the client stopped before its first sample; record a run of "
           "at least a second";
  if (std::none_of(timeline->begin(), timeline->end(),
                   [](const json& s) { return number_at(s, keys::kSampleTMs).has_value(); }))
    return "no sample of its timeline has a numeric \"t_ms\"" + fix;
  // What the report walks through must be of the kind the client writes
  // there; a figure of the wrong kind only shows as a dash.
  const Pointer* walked[] = {&keys::kTransport,
                             &keys::kConfig,
                             &keys::kStalls,
                             &keys::kStallsEvents,
                             &keys::kFreezes,
                             &keys::kPackets,
                             &keys::kFrames,
                             &keys::kBuffer,
                             &keys::kKernel,
                             &keys::kLatency,
                             &keys::kQuality,
                             &keys::kQualityPerFrame,
                             &keys::kQualityMosHistogram,
                             &keys::kSnapshots};
  for (const Pointer* pointer : walked) {
    const json* v = find(m, *pointer);
    const json& written = written_shape().at(*pointer);
    // Absent or null: the report shows a dash.
    if (!v || v->is_null() || v->type() == written.type()) continue;
    return "its \"" + key_of(*pointer) + "\" is " + a_json(*v) + ", not " + a_json(written) + fix;
  }
  return {};
}

std::string render_report_html(const std::vector<ReportRun>& runs, const std::string& title) {
  std::vector<RunSeries> series;
  double x_max = 1000;
  for (const auto& run : runs) {
    series.push_back(series_of(run.metrics));
    x_max = std::max(x_max, series.back().end_ms);
  }
  std::string s = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" +
                  html_escape(title) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n";
  s += "<h1>" + html_escape(title) + "</h1>\n";
  s += "<p>" + std::to_string(runs.size()) + (runs.size() == 1 ? " run" : " runs") +
       " of flowcast-client. Times are from each client's launch; every chart shares one time "
       "axis.</p>\n";
  s += "<section id=\"summary-section\">\n<h2>Summary</h2>\n" + link_text(runs) +
       summary_table(runs) + "</section>\n";
  s += "<section id=\"charts\">\n<h2>Over time</h2>\n";
  s += buffer_chart(runs, series, x_max);
  s += delay_chart(runs, series, x_max);
  s += line_chart(runs, series, x_max, "chart-kernel", "kernel (bytes)",
                  "Kernel socket buffer: bytes received but not yet read by the client, "
                  "sampled every 100 ms; dotted: the peak the client measured (it samples "
                  "more often).",
                  &RunSeries::kernel_bytes, &RunSeries::kernel_peak_bytes);
  s += line_chart(runs, series, x_max, "chart-bitrate", "received (kbit/s)",
                  "Received bitrate (kbit/s).", &RunSeries::received_kbps);
  s += events_chart(runs, series, x_max);
  s += "</section>\n";
  s += audio_section(runs, series, x_max);
  s += "<section id=\"stalls\">\n<h2>Stalls</h2>\n" + stall_lists(runs, series) + "</section>\n";
  s += "<section id=\"quality\">\n<h2>Picture quality</h2>\n" + psnr_chart(runs, series, x_max) +
       mos_histograms(runs) + "</section>\n";
  s += snapshots_section(runs);
  s += "<footer>Written by flowcast-report from flowcast.metrics/1 "
       "files.</footer>\n</body>\n</html>\n";
  return s;
}

}  // namespace flowcast::client
