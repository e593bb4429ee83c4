#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>

#include "client/metrics/av_sync_figures.hpp"
#include "client/metrics/metrics_document.hpp"
#include "client/report/html_text.hpp"
#include "client/report/report_sections.hpp"
#include "client/report/svg_chart.hpp"

namespace flowcast::client::report_page {

namespace keys = metrics_keys;

namespace {

// The PSNR flowcast writes for a picture identical to its reference.
constexpr double kIdenticalPsnr = 99.0;

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

}  // namespace

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

std::string delay_chart(const std::vector<ReportRun>& runs, const std::vector<RunSeries>& series,
                        double x_max) {
  double y = 1;
  bool any = false;
  for (const auto& r : series) {
    y = max_y(r.delay_ms, max_y(r.target_delay_ms, y));
    any = any || !r.delay_ms.empty();
  }
  if (!any) return {};
  SvgChart chart("chart-delay", "playout delay (ms)", x_max, SvgChart::nice_ceiling(y * 1.05));
  for (size_t i = 0; i < series.size(); ++i) {
    chart.add_points(series[i].target_delay_ms, colour_of(i), runs[i].label + ": target (ms)",
                     static_cast<int>(i));
    chart.add_line(series[i].delay_ms, colour_of(i), runs[i].label + ": actual (ms)",
                   static_cast<int>(i));
  }
  return figure(
      "Playout delay (ms): how long before its due time a frame is whole, on average (line), "
      "and what the jitter buffer aims at (dots: <code>--buffer</code>, or the adaptive "
      "target).",
      runs, chart.render());
}

std::string line_chart(const std::vector<ReportRun>& runs, const std::vector<RunSeries>& series,
                       double x_max, const char* id, const char* y_label, const char* caption,
                       std::vector<SvgChart::Point> RunSeries::*member,
                       std::optional<double> RunSeries::*peak) {
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

std::string audio_section(const std::vector<ReportRun>& runs, const std::vector<RunSeries>& series,
                          double x_max) {
  if (std::none_of(series.begin(), series.end(), [](const RunSeries& r) { return r.has_audio; }))
    return {};
  std::string s = "<section id=\"audio\">\n<h2>Sound</h2>\n";
  s += line_chart(runs, series, x_max, "chart-audio-buffer", "sound held (ms)",
                  "Sound held (ms): the audio's receive buffer and what its output has queued, "
                  "not yet heard.",
                  &RunSeries::audio_buffer_ms);
  // A lane each of concealment and underruns, per run with sound.
  struct Kind {
    const char* name;
    const char* unit;
    std::vector<Tick> RunSeries::*ticks;
  };
  const Kind kinds[] = {{"concealed", " samples", &RunSeries::concealed},
                        {"underruns", "", &RunSeries::underruns}};
  std::vector<std::string> lanes, colours;
  for (size_t i = 0; i < series.size(); ++i) {
    if (!series[i].has_audio) continue;
    for (const auto& k : kinds) {
      const auto& ticks = series[i].*k.ticks;
      lanes.push_back(std::string(k.name) + " " +
                      format_number(ticks.empty() ? 0 : ticks.back().total, 0));
      colours.push_back(colour_of(i));
    }
  }
  const int lane_px = 16;
  SvgChart lanes_chart("chart-audio", "sound", x_max, 1,
                       std::max(2 * lane_px, lane_px * static_cast<int>(lanes.size())));
  lanes_chart.set_lanes(lanes, colours);
  size_t lane = 0;
  for (size_t i = 0; i < series.size(); ++i) {
    if (!series[i].has_audio) continue;
    for (const auto& k : kinds) {
      const auto& ticks = series[i].*k.ticks;
      double most = 1;
      for (const auto& t : ticks) most = std::max(most, t.count);
      const double bottom = lanes_chart.lane_bottom(lane++);
      for (const auto& t : ticks) {
        const double h = 0.3 + 0.6 * std::log1p(t.count) / std::log1p(most);
        lanes_chart.add_tick(t.t_ms, bottom + 0.05, bottom + 0.05 + h, colour_of(i),
                             runs[i].label + ": +" + format_number(t.count, 0) + " " + k.name +
                                 k.unit + " at " + seconds(t.t_ms) + " (" +
                                 format_number(t.total, 0) + " in all)",
                             static_cast<int>(i));
      }
    }
  }
  s += figure(
      "Concealed sound (W3C <code>concealedSamples</code>: made up for lost, late or "
      "undecodable input) and underruns of the output (it ran dry while playing): a tick where "
      "the count grows (taller for more at once; the lane names the total).",
      runs, lanes_chart.render());
  // The A/V offset, signed, with BT.1359's window of detectability.
  double top = kBt1359AudioEarlyMs, bottom = kBt1359AudioLateMs;
  for (const auto& r : series)
    for (const auto& p : r.av_offset_ms) {
      top = std::max(top, p.y);
      bottom = std::min(bottom, p.y);
    }
  SvgChart offset("chart-av-offset", "A/V offset (ms)", x_max, SvgChart::nice_ceiling(top * 1.2),
                  200);
  offset.set_y_min(-SvgChart::nice_ceiling(-bottom * 1.1));
  offset.add_hline(0, "#999", "", "1 0");
  offset.add_hline(kBt1359AudioEarlyMs, "#b00", "BT.1359: audio 45 ms early", "6 4");
  offset.add_hline(kBt1359AudioLateMs, "#b00", "BT.1359: audio 125 ms late", "6 4");
  for (size_t i = 0; i < series.size(); ++i)
    offset.add_line(series[i].av_offset_ms, colour_of(i), runs[i].label + ": A/V offset (ms)",
                    static_cast<int>(i));
  s += figure(
      "A/V offset (ms, audio − video: positive when the sound is early) of the pictures shown "
      "in each 100 ms, their mean; none where no picture was measured. Dashed: ITU-R "
      "BT.1359's window of detectability, +45 ms (audio early) to −125 ms (audio late).",
      runs, offset.render());
  return s + "</section>\n";
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

}  // namespace flowcast::client::report_page
