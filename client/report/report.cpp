#include "client/report/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <system_error>

#include "client/metrics/metrics_document.hpp"
#include "client/report/html_text.hpp"
#include "client/report/svg_chart.hpp"
#include "media/ffmpeg/base64.hpp"

namespace flowcast::client {
namespace {

using nlohmann::json;
using Pointer = json::json_pointer;
namespace keys = metrics_keys;
constexpr const char* kDash = "\u2014";  // shown for a value that is null or missing
// Snapshots are frames of a video, a few hundred KiB at most; anything far
// larger is not one, and would bloat the page.
constexpr std::uintmax_t kMaxSnapshotBytes = 32u << 20;
// The PSNR flowcast writes for a picture identical to its reference.
constexpr double kIdenticalPsnr = 99.0;

const char* const kPalette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                "#9467bd", "#8c564b", "#e377c2", "#17becf"};

std::string colour_of(size_t run) {
  return kPalette[run % std::size(kPalette)];
}

// The value at pointer, or nullptr when a step is missing or of another
// type than the pointer goes through.
const json* find(const json& j, const Pointer& pointer) {
  return j.contains(pointer) ? &j.at(pointer) : nullptr;
}

std::optional<double> number(const json* v) {
  if (!v || !v->is_number()) return std::nullopt;
  const double d = v->get<double>();
  if (!std::isfinite(d)) return std::nullopt;
  return d;
}

std::optional<double> number_at(const json& j, const Pointer& pointer) {
  return number(find(j, pointer));
}

// "config.buffer_ms": a pointer as the page and its messages name it.
std::string key_of(const Pointer& pointer) {
  std::string key = pointer.to_string().substr(1);
  std::replace(key.begin(), key.end(), '/', '.');
  return key;
}

std::string format_number(double v, int decimals) {
  char buf[64];
  if (std::fabs(v) >= 1e15)
    std::snprintf(buf, sizeof buf, "%.6g", v);
  else if (v == std::floor(v))
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string seconds(double ms) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f s", ms / 1000.0);
  return buf;
}

// A table cell's text, escaped: numbers with `decimals`, strings as they
// are, anything else (null, missing, objects) as a dash.
std::string cell_text(const json* v, int decimals) {
  if (!v) return kDash;
  if (v->is_number_integer()) return v->dump();
  if (auto d = number(v)) return format_number(*d, decimals);
  if (v->is_string()) return html_escape(v->get_ref<const std::string&>());
  if (v->is_boolean()) return v->get<bool>() ? "yes" : "no";
  return kDash;
}

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

// Lower-case letters, digits and dashes only: for class names built from data.
std::string css_token(const std::string& s) {
  std::string out;
  for (char c : s)
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') out += c;
  return out.empty() ? "other" : out;
}

struct Tick {
  double t_ms = 0;
  double count = 0;  // how many new since the previous sample
  double total = 0;
};

struct Stall {
  double start_ms = 0, duration_ms = 0;
  std::string cause;
};

// What the charts need from one run's metrics; hostile values are skipped.
struct RunSeries {
  std::vector<SvgChart::Point> buffer_ms, kernel_bytes, received_kbps, psnr;
  std::vector<Tick> lost, late, damaged;
  std::vector<Stall> stalls;
  std::optional<double> kernel_peak_bytes;
  std::optional<double> first_pts_ms;  // media time of the first compared or saved picture
  std::optional<double> config_buffer_ms, config_rebuffer_ms;
  double end_ms = 0;  // the last time anything of this run is drawn at
};

RunSeries series_of(const json& m) {
  RunSeries r;
  struct Counter {
    const Pointer& key;
    std::vector<Tick>* ticks;
    double last = 0;
  };
  // Files written before "damaged" was sampled: their rendered corrupt.
  const json* timeline_json = find(m, keys::kTimeline);
  const bool has_damaged = timeline_json && timeline_json->is_array() && !timeline_json->empty() &&
                           timeline_json->front().is_object() &&
                           timeline_json->front().contains("damaged");
  Counter counters[] = {{keys::kSampleLost, &r.lost},
                        {keys::kSampleLate, &r.late},
                        {has_damaged ? keys::kSampleDamaged : keys::kSampleCorrupt, &r.damaged}};
  if (const json* timeline = find(m, keys::kTimeline); timeline && timeline->is_array()) {
    for (const json& s : *timeline) {
      auto t = number_at(s, keys::kSampleTMs);
      if (!t) continue;
      r.end_ms = std::max(r.end_ms, *t);
      if (auto v = number_at(s, keys::kSampleBufferMs)) r.buffer_ms.push_back({*t, *v});
      if (auto v = number_at(s, keys::kSampleKernelBytes)) r.kernel_bytes.push_back({*t, *v});
      if (auto v = number_at(s, keys::kSampleReceivedKbps)) r.received_kbps.push_back({*t, *v});
      for (auto& c : counters) {
        // Cumulative counts: a tick where one grows. `late` is absent from
        // older files, which reads as 0 throughout.
        auto v = number_at(s, {c.key});
        if (!v) continue;
        if (*v > c.last) c.ticks->push_back({*t, *v - c.last, *v});
        c.last = *v;
      }
    }
  }
  if (const json* events = find(m, keys::kStallsEvents); events && events->is_array()) {
    for (const json& e : *events) {
      auto start = number_at(e, keys::kStallStartMs);
      if (!start) continue;
      Stall st{*start, std::max(0.0, number_at(e, keys::kStallDurationMs).value_or(0)), {}};
      if (const json* cause = find(e, keys::kStallCause); cause && cause->is_string())
        st.cause = cause->get<std::string>();
      r.end_ms = std::max(r.end_ms, st.start_ms + st.duration_ms);
      r.stalls.push_back(std::move(st));
    }
  }
  if (const json* frames = find(m, keys::kQualityPerFrame); frames && frames->is_array()) {
    for (const json& f : *frames) {
      auto t = number_at(f, keys::kFrameTMs);
      auto psnr = number_at(f, keys::kFramePsnr);
      if (!t || !psnr) continue;
      r.end_ms = std::max(r.end_ms, *t);
      r.psnr.push_back({*t, *psnr});
    }
  }
  if (auto d = number_at(m, keys::kDurationMs)) r.end_ms = std::max(r.end_ms, *d);
  // The timeline is sampled every 100 ms; what was counted after its last
  // sample is a tick at the end, so each lane's total is the table's.
  const Pointer* totals[] = {&keys::kPacketsLost, &keys::kPacketsLate,
                             has_damaged ? &keys::kFramesDamaged : &keys::kFramesRenderedCorrupt};
  for (size_t i = 0; i < 3; ++i) {
    auto total = number_at(m, *totals[i]);
    if (!total) continue;
    std::vector<Tick>& ticks = *counters[i].ticks;
    const double drawn = ticks.empty() ? 0 : ticks.back().total;
    if (*total > drawn) ticks.push_back({r.end_ms, *total - drawn, *total});
  }
  r.kernel_peak_bytes = number_at(m, keys::kKernelPeakQueuedBytes);
  auto note_pts = [&](const json& item, const Pointer& key) {
    if (auto pts = number_at(item, key))
      r.first_pts_ms = std::min(r.first_pts_ms.value_or(*pts), *pts);
  };
  if (const json* frames = find(m, keys::kQualityPerFrame); frames && frames->is_array())
    for (const json& f : *frames) note_pts(f, Pointer("/pts_ms"));
  if (const json* snaps = find(m, keys::kSnapshots); snaps && snaps->is_array())
    for (const json& snap : *snaps) note_pts(snap, keys::kSnapshotPtsMs);
  r.config_buffer_ms = number_at(m, keys::kConfigBufferMs);
  r.config_rebuffer_ms = number_at(m, keys::kConfigRebufferMs);
  return r;
}

double max_y(const std::vector<SvgChart::Point>& points, double floor) {
  double m = floor;
  for (const auto& p : points) m = std::max(m, p.y);
  return m;
}

std::string legend(const std::vector<ReportRun>& runs) {
  std::string s = "<ul class=\"legend\">";
  for (size_t i = 0; i < runs.size(); ++i)
    s += "<li><span class=\"swatch\" style=\"background:" + colour_of(i) + "\"></span>" +
         html_escape(runs[i].label) + "</li>";
  return s + "</ul>\n";
}

std::string figure(const std::string& caption, const std::vector<ReportRun>& runs,
                   const std::string& svg) {
  return "<figure>\n<figcaption>" + caption + "</figcaption>\n" + legend(runs) + svg +
         "</figure>\n";
}

// --- the summary table ---------------------------------------------------

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

// --- charts ----------------------------------------------------------------

std::string buffer_chart(const std::vector<ReportRun>& runs, const std::vector<RunSeries>& series,
                         double x_max) {
  double y = 1;
  for (const auto& r : series) {
    y = max_y(r.buffer_ms, y);
    y = std::max({y, r.config_buffer_ms.value_or(0), r.config_rebuffer_ms.value_or(0)});
  }
  SvgChart chart("chart-buffer", "buffer (ms)", x_max, SvgChart::nice_ceiling(y * 1.05));
  // One mark per value, naming what sits there ("buffer, rebuffer 500 ms"),
  // and which runs when not all of them; grey when it is more than one run's.
  struct Mark {
    double value;
    std::vector<std::pair<const char*, std::vector<size_t>>> names;
  };
  std::vector<Mark> marks;
  auto add_mark = [&](std::optional<double> v, const char* name, size_t run) {
    if (!v) return;
    auto mark =
        std::find_if(marks.begin(), marks.end(), [&](const Mark& m) { return m.value == *v; });
    if (mark == marks.end()) mark = marks.insert(marks.end(), Mark{*v, {}});
    auto named = std::find_if(mark->names.begin(), mark->names.end(),
                              [&](const auto& n) { return std::string(n.first) == name; });
    if (named == mark->names.end()) named = mark->names.insert(mark->names.end(), {name, {}});
    named->second.push_back(run);
  };
  for (size_t i = 0; i < series.size(); ++i) {
    for (const auto& st : series[i].stalls)
      chart.add_band(st.start_ms, st.start_ms + st.duration_ms, colour_of(i),
                     runs[i].label + ": stall at " + seconds(st.start_ms) + " for " +
                         format_number(st.duration_ms, 0) + " ms" +
                         (st.cause.empty() ? "" : " (" + st.cause + ")"),
                     static_cast<int>(i));
    add_mark(series[i].config_buffer_ms, "buffer", i);
    add_mark(series[i].config_rebuffer_ms, "rebuffer", i);
  }
  for (const auto& m : marks) {
    std::string label;
    std::vector<size_t> involved;
    for (const auto& [name, which] : m.names) {
      if (!label.empty()) label += ", ";
      label += name;
      if (which.size() < series.size()) {
        label += " (";
        for (size_t k = 0; k < which.size(); ++k) label += (k ? ", " : "") + runs[which[k]].label;
        label += ")";
      }
      for (size_t r : which)
        if (std::find(involved.begin(), involved.end(), r) == involved.end()) involved.push_back(r);
    }
    const bool is_buffer = std::string(m.names.front().first) == "buffer";
    chart.add_hline(m.value, involved.size() > 1 ? "#555" : colour_of(involved.front()),
                    label + " " + format_number(m.value, 0) + " ms", is_buffer ? "6 4" : "2 3");
  }
  for (size_t i = 0; i < series.size(); ++i)
    chart.add_line(series[i].buffer_ms, colour_of(i), runs[i].label + ": receive buffer (ms)",
                   static_cast<int>(i));
  return figure(
      "Receive buffer level (media time held, ms). Shaded: stalls (rebuffering); dashed: "
      "<code>--buffer</code>, dotted: <code>--rebuffer</code>.",
      runs, chart.render());
}

std::string line_chart(const std::vector<ReportRun>& runs, const std::vector<RunSeries>& series,
                       double x_max, const char* id, const char* y_label, const char* caption,
                       std::vector<SvgChart::Point> RunSeries::*member,
                       std::optional<double> RunSeries::*peak = nullptr) {
  double y = 1;
  for (const auto& r : series) {
    y = max_y(r.*member, y);
    // The 10 Hz samples can miss a peak the run measured: the axis holds both.
    if (peak && (r.*peak)) y = std::max(y, *(r.*peak));
  }
  SvgChart chart(id, y_label, x_max, SvgChart::nice_ceiling(y * 1.05));
  if (peak)
    for (size_t i = 0; i < series.size(); ++i)
      if (auto v = series[i].*peak; v && *v > 0)
        chart.add_hline(*v, colour_of(i), runs[i].label + ": peak " + format_number(*v, 0), "2 3");
  for (size_t i = 0; i < series.size(); ++i)
    chart.add_line(series[i].*member, colour_of(i), runs[i].label + ": " + y_label,
                   static_cast<int>(i));
  return figure(caption, runs, chart.render());
}

std::string events_chart(const std::vector<ReportRun>& runs, const std::vector<RunSeries>& series,
                         double x_max) {
  struct Kind {
    const char* name;
    std::vector<Tick> RunSeries::*ticks;
  };
  const Kind kinds[] = {
      {"lost", &RunSeries::lost}, {"late", &RunSeries::late}, {"damaged", &RunSeries::damaged}};
  std::vector<std::string> lanes, colours;
  double most = 1;
  size_t any = 0;
  for (size_t i = 0; i < series.size(); ++i) {
    for (const auto& k : kinds) {
      const auto& ticks = series[i].*k.ticks;
      lanes.push_back(std::string(k.name) + " " +
                      format_number(ticks.empty() ? 0 : ticks.back().total, 0));
      colours.push_back(colour_of(i));
      for (const auto& t : ticks) most = std::max(most, t.count);
      any += ticks.size();
    }
  }
  const int lane_px = 16;
  SvgChart chart("chart-events", "events", x_max, 1,
                 std::max(3 * lane_px, lane_px * static_cast<int>(lanes.size())));
  chart.set_lanes(lanes, colours);
  size_t lane = 0;
  for (size_t i = 0; i < series.size(); ++i) {
    for (const auto& k : kinds) {
      const double bottom = chart.lane_bottom(lane++);
      for (const auto& t : series[i].*k.ticks) {
        // Taller for more at once, on a log scale so one packet still shows.
        const double h = 0.3 + 0.6 * std::log1p(t.count) / std::log1p(most);
        chart.add_tick(t.t_ms, bottom + 0.05, bottom + 0.05 + h, colour_of(i),
                       runs[i].label + ": +" + format_number(t.count, 0) + " " + k.name + " at " +
                           seconds(t.t_ms) + " (" + format_number(t.total, 0) + " in all)",
                       static_cast<int>(i));
      }
    }
  }
  return figure(std::string("Lost and late packets, damaged pictures shown (corrupt or tainted): "
                            "a tick where the count grows (taller for more at once; the lane "
                            "names the total, as the table counts it).") +
                    (any == 0 ? " None in these runs." : ""),
                runs, chart.render());
}

std::string psnr_chart(const std::vector<ReportRun>& runs, const std::vector<RunSeries>& series,
                       double x_max) {
  std::vector<std::string> without;
  // The axis spans the damaged pictures' range: identical pictures (100 dB,
  // an infinite PSNR) are drawn at its top, not on an axis to 100.
  double y = 40;
  bool identical = false;
  for (size_t i = 0; i < series.size(); ++i) {
    if (series[i].psnr.empty()) without.push_back(html_escape(runs[i].label));
    for (const auto& p : series[i].psnr) {
      if (p.y >= kIdenticalPsnr)
        identical = true;
      else
        y = std::max(y, p.y);
    }
  }
  if (without.size() == series.size())
    return "<p class=\"no-reference\" id=\"no-reference\">No per-frame PSNR: no reference "
           "(run flowcast-client with <code>--reference FILE</code>).</p>\n";
  const double top = SvgChart::nice_ceiling(y + 2);
  SvgChart chart("chart-psnr", "PSNR (dB)", x_max, top, 220);
  // EvalVid's PSNR to MOS boundaries; too close together to label each.
  for (int db : {37, 31, 25, 20}) chart.add_hline(db, "#999", "", "2 3");
  for (size_t i = 0; i < series.size(); ++i) {
    std::vector<SvgChart::Point> points = series[i].psnr;
    for (auto& p : points) p.y = std::min(p.y, top);
    chart.add_line(points, colour_of(i), runs[i].label + ": PSNR (dB)", static_cast<int>(i));
  }
  std::string caption =
      "PSNR of each rendered frame against the reference, at the time it was shown. Dotted: "
      "37, 31, 25 and 20 dB, above which a frame scores MOS 5, 4, 3 and 2.";
  if (identical)
    caption +=
        " Pictures identical to the reference (infinite PSNR, written as 100 dB) are "
        "drawn at the top, " +
        format_number(top, 0) + " dB.";
  if (!without.empty()) {
    caption += " No reference for:";
    for (size_t i = 0; i < without.size(); ++i) caption += (i ? ", " : " ") + without[i];
    caption += ".";
  }
  return figure(caption, runs, chart.render());
}

std::string mos_histograms(const std::vector<ReportRun>& runs) {
  std::string s;
  for (size_t i = 0; i < runs.size(); ++i) {
    const json* h = find(runs[i].metrics, keys::kQualityMosHistogram);
    if (!h || !h->is_object()) continue;
    double counts[5] = {}, most = 0;
    for (int mos = 1; mos <= 5; ++mos) {
      // Its keys are the scores, "1" to "5".
      counts[mos - 1] =
          std::max(0.0, number_at(*h, Pointer("/" + std::to_string(mos))).value_or(0));
      most = std::max(most, counts[mos - 1]);
    }
    s += "<table class=\"mos-histogram\" id=\"mos-histogram-" + std::to_string(i) +
         "\"><caption>MOS of the frames: " + html_escape(runs[i].label) +
         "</caption>\n<tr><th>MOS</th><th>frames</th><th></th></tr>\n";
    for (int mos = 5; mos >= 1; --mos) {
      const double c = counts[mos - 1];
      const double pct = most > 0 ? 100.0 * c / most : 0;
      char width[32];
      std::snprintf(width, sizeof width, "%.1f", pct);
      s += "<tr><th>" + std::to_string(mos) + "</th><td>" + format_number(c, 0) +
           "</td><td class=\"bar\"><span style=\"width:" + width + "%;background:" + colour_of(i) +
           "\"></span></td></tr>\n";
    }
    s += "</table>\n";
  }
  return s;
}

std::string stall_lists(const std::vector<ReportRun>& runs, const std::vector<RunSeries>& series) {
  std::string s;
  for (size_t i = 0; i < runs.size(); ++i) {
    s += "<div class=\"stall-list\"><h3 style=\"color:" + colour_of(i) + "\">" +
         html_escape(runs[i].label) + "</h3>";
    if (series[i].stalls.empty()) {
      s += "<p>No stalls.</p></div>\n";
      continue;
    }
    s += "<table class=\"stalls\"><tr><th>start</th><th>length (ms)</th><th>cause</th></tr>\n";
    for (const auto& st : series[i].stalls)
      s += "<tr><td>" + seconds(st.start_ms) + "</td><td>" + format_number(st.duration_ms, 1) +
           "</td><td>" + (st.cause.empty() ? kDash : html_escape(st.cause)) + "</td></tr>\n";
    s += "</table></div>\n";
  }
  return s;
}

// --- snapshots -------------------------------------------------------------

// The PNG's bytes, or nullopt with the reason in error.
std::optional<std::string> read_png(const std::filesystem::path& path, std::string& error) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    error = std::filesystem::exists(path, ec) ? "not a file" : "no such file";
    return std::nullopt;
  }
  const auto size = std::filesystem::file_size(path, ec);
  if (ec || size > kMaxSnapshotBytes) {
    error = ec ? ec.message() : "larger than 32 MiB";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) {
    error = "cannot read it";
    return std::nullopt;
  }
  if (bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) {
    error = "not a PNG";
    return std::nullopt;
  }
  return bytes;
}

std::string snapshot_figure(const json& snap, const std::string& base_dir,
                            std::optional<double> first_pts_ms) {
  const json* file = find(snap, keys::kSnapshotFile);
  const json* kind_v = find(snap, keys::kSnapshotKind);
  const std::string kind = kind_v && kind_v->is_string() ? kind_v->get<std::string>() : "";
  std::string caption = kind.empty() ? "snapshot" : html_escape(kind);
  if (auto t = number_at(snap, keys::kSnapshotTMs)) caption += " at " + seconds(*t);
  // Media time from the first picture the run compared or saved: a live
  // source's timestamps start anywhere.
  if (auto pts = number_at(snap, keys::kSnapshotPtsMs))
    caption += ", media time +" + seconds(*pts - first_pts_ms.value_or(*pts));
  if (auto psnr = number_at(snap, keys::kSnapshotPsnr))
    caption += ", PSNR " + format_number(*psnr, 2) + " dB";
  else if (find(snap, keys::kSnapshotPsnr))
    caption += ", PSNR \u2014";
  const std::string cls = "snapshot snapshot-" + css_token(kind);
  if (!file || !file->is_string() || file->get_ref<const std::string&>().empty())
    return "<figure class=\"" + cls + " unreadable\"><figcaption>" + caption +
           ": the metrics name no file</figcaption></figure>\n";
  const std::string& name = file->get_ref<const std::string&>();
  // Relative paths are relative to the metrics file's folder (flowcast-client
  // writes them so); older files named them from the client's working
  // directory, which is tried second.
  std::filesystem::path path(name);
  std::string error;
  std::optional<std::string> png;
  if (path.is_relative() && !base_dir.empty()) {
    const std::filesystem::path beside = std::filesystem::path(base_dir) / path;
    png = read_png(beside, error);
    if (!png) {
      std::string second;
      if (auto as_given = read_png(path, second)) {
        png = std::move(as_given);
      } else {
        path = beside;
      }
    }
  } else {
    png = read_png(path, error);
  }
  if (!png)
    return "<figure class=\"" + cls + " unreadable\"><figcaption>" + caption + ": cannot read " +
           html_escape(path.string()) + " (" + html_escape(error) + ")</figcaption></figure>\n";
  return "<figure class=\"" + cls + "\"><img alt=\"" + caption + "\" src=\"data:image/png;base64," +
         media::base64_encode(*png) + "\"><figcaption>" + caption + "<br><span class=\"file\">" +
         html_escape(name) + "</span></figcaption></figure>\n";
}

std::string snapshots_section(const std::vector<ReportRun>& runs) {
  std::string s = "<section id=\"snapshots\">\n<h2>Snapshots</h2>\n";
  bool any = false;
  for (size_t i = 0; i < runs.size(); ++i) {
    const json* snaps = find(runs[i].metrics, keys::kSnapshots);
    if (!snaps || !snaps->is_array() || snaps->empty()) continue;
    any = true;
    s += "<h3 style=\"color:" + colour_of(i) + "\">" + html_escape(runs[i].label) +
         "</h3>\n<div class=\"snapshots\">\n";
    // The worst picture and its reference side by side, on a row of their own.
    std::string pair, rest;
    const auto first_pts = series_of(runs[i].metrics).first_pts_ms;
    for (const json& snap : *snaps) {
      const json* kind = find(snap, keys::kSnapshotKind);
      const bool worst =
          kind && kind->is_string() && kind->get_ref<const std::string&>().rfind("worst", 0) == 0;
      (worst ? pair : rest) += snapshot_figure(snap, runs[i].base_dir, first_pts);
    }
    if (!pair.empty()) s += "<div class=\"snapshot-pair\">\n" + pair + "</div>\n";
    s += rest;
    s += "</div>\n";
  }
  if (!any)
    s += "<p>No snapshots in these runs (flowcast-client <code>--snapshot DIR</code> saves "
         "them).</p>\n";
  return s + "</section>\n";
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
  s += line_chart(runs, series, x_max, "chart-kernel", "kernel (bytes)",
                  "Kernel socket buffer: bytes received but not yet read by the client, "
                  "sampled every 100 ms; dotted: the peak the client measured (it samples "
                  "more often).",
                  &RunSeries::kernel_bytes, &RunSeries::kernel_peak_bytes);
  s += line_chart(runs, series, x_max, "chart-bitrate", "received (kbit/s)",
                  "Received bitrate (kbit/s).", &RunSeries::received_kbps);
  s += events_chart(runs, series, x_max);
  s += "</section>\n<section id=\"stalls\">\n<h2>Stalls</h2>\n" + stall_lists(runs, series) +
       "</section>\n";
  s += "<section id=\"quality\">\n<h2>Picture quality</h2>\n" + psnr_chart(runs, series, x_max) +
       mos_histograms(runs) + "</section>\n";
  s += snapshots_section(runs);
  s += "<footer>Written by flowcast-report from flowcast.metrics/1 "
       "files.</footer>\n</body>\n</html>\n";
  return s;
}

}  // namespace flowcast::client
