#include "client/sweep/sweep_report.hpp"

#include <array>
#include <optional>

#include "client/report/html_text.hpp"
#include "common/util/units.hpp"

namespace flowcast::client::sweep {

namespace {

std::optional<double> rate_ratio(const Condition& c) {
  const auto rate = c.count("link-rate") ? common::parse_rate(c.at("link-rate")) : std::nullopt;
  const auto bitrate = c.count("bitrate") ? common::parse_rate(c.at("bitrate")) : std::nullopt;
  if (!rate || !bitrate) return std::nullopt;
  return static_cast<double>(*rate) / static_cast<double>(*bitrate);
}

std::optional<double> loss(const Condition& c) {
  return condition_number(c, "link-loss");
}

std::optional<double> delay(const Condition& c) {
  return condition_number(c, "link-delay");
}

std::optional<double> stalls(const Headline& h) {
  return h.stalls;
}

std::optional<double> mean_stall_s(const Headline& h) {
  if (h.stalls <= 0) return std::nullopt;
  return h.stall_ms / h.stalls / 1000.0;
}

std::optional<double> damaged_percent(const Headline& h) {
  if (h.rendered <= 0) return std::nullopt;
  return 100.0 * h.damaged / h.rendered;
}

// The four plots of stalls: count and mean length, against loss and delay.
LinePlot stall_plot(bool length, bool against_loss) {
  const std::string what = length ? "Mean stall length" : "Stalls";
  return {.id = std::string("chart-stall") + (length ? "-length" : "s") +
                (against_loss ? "-loss" : "-delay"),
          .heading = what + " against link " + (against_loss ? "loss" : "delay"),
          .x_label = against_loss ? "link loss (%)" : "link delay, one way (ms)",
          .y_label = length ? "mean stall length (s)" : "stalls per run",
          .x_name = against_loss ? "loss %" : "delay ms",
          .x = against_loss ? loss : delay,
          .y = length ? mean_stall_s : stalls,
          .x_axes = {against_loss ? "link-loss" : "link-delay"},
          .y_min_max = 1,
          .y_cap = std::nullopt,
          .left_out_why = length ? "no stall" : "no loss or delay value"};
}

}  // namespace

const std::vector<std::string>& sweep_plot_ids() {
  static const std::vector<std::string> ids = {
      "chart-rebuffering",     "chart-stalls-loss",        "chart-stall-length-loss",
      "chart-stalls-delay",    "chart-stall-length-delay", "chart-psnr-loss",
      "chart-damaged-loss",    "chart-tradeoff",           "chart-cdf-startup",
      "chart-cdf-rebuffering", "chart-cdf-latency",        "chart-qoe-heatmap"};
  return ids;
}

std::string render_sweep_html(const std::vector<RunRecord>& records,
                              const SweepPageOptions& options) {
  const PlotInput in{records, options.links};
  size_t counts[3] = {0, 0, 0};
  std::map<Condition, int> conditions;
  for (const auto& r : records) {
    ++counts[static_cast<int>(r.status)];
    conditions[r.condition] = 1;
  }
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" +
      html_escape(options.title) +
      "</title>\n<style>body{font:14px sans-serif;margin:1.5em;color:#222;max-width:1040px}"
      "svg text{font:11px sans-serif}ul.legend{list-style:none;padding:0;margin:.3em 0}"
      "ul.legend li{display:inline;margin-right:1.5em}"
      "ul.conditions{columns:2;font-size:12px}ul.conditions "
      "li{display:block;margin:0}p.runs{color:#555;margin:.3em 0}"
      "section.plot{margin-bottom:1.6em}h2{font-size:17px;margin:.2em 0}"
      "svg a circle:hover{stroke:#000;stroke-width:1.5}</style></head>\n<body>\n<h1>" +
      html_escape(options.title) + "</h1>\n<p class=\"summary\">" + std::to_string(records.size()) +
      " runs of " + std::to_string(conditions.size()) +
      " conditions: " + std::to_string(counts[0]) + " ok, " + std::to_string(counts[2]) +
      " failed, " + std::to_string(counts[1]) +
      " invalid (the machine was too busy). Plots draw ok runs only; each says how many it "
      "rests on. Every dot is one run: follow it to the run's own flowcast-report page. Times "
      "in ms unless the axis says otherwise.</p>\n";
  html +=
      line_plot({.id = "chart-rebuffering",
                 .heading = "Rebuffering ratio against link rate ÷ stream bitrate",
                 .x_label = "link rate ÷ stream bitrate (1: the link carries the stream exactly)",
                 .y_label = "rebuffering ratio (0..1)",
                 .x_name = "link ÷ bitrate",
                 .x = rate_ratio,
                 .y = [](const Headline& h) { return h.rebuffering_ratio; },
                 .x_axes = {"link-rate", "bitrate"},
                 .y_min_max = 0.05,
                 .y_cap = 1.0,
                 .left_out_why = "no rebuffering ratio, or no --link-rate and --bitrate"},
                in);
  for (const bool against_loss : {true, false})
    for (const bool length : {false, true}) html += line_plot(stall_plot(length, against_loss), in);
  html += line_plot({.id = "chart-psnr-loss",
                     .heading = "PSNR against link loss",
                     .x_label = "link loss (%)",
                     .y_label = "PSNR mean (dB)",
                     .x_name = "loss %",
                     .x = loss,
                     .y = [](const Headline& h) { return h.psnr_mean; },
                     .x_axes = {"link-loss"},
                     .y_min_max = 40,
                     .y_cap = std::nullopt,
                     .left_out_why = "no PSNR: only runs of a file (--input) have a reference"},
                    in);
  html += line_plot({.id = "chart-damaged-loss",
                     .heading = "Damaged pictures against link loss",
                     .x_label = "link loss (%)",
                     .y_label = "damaged (% of shown)",
                     .x_name = "loss %",
                     .x = loss,
                     .y = damaged_percent,
                     .x_axes = {"link-loss"},
                     .y_min_max = 1,
                     .y_cap = 100.0,
                     .left_out_why = "no picture shown"},
                    in);
  html += tradeoff_plot(in);
  html += cdf_plot({.id = "chart-cdf-startup",
                    .heading = "Startup: CDF over each condition's runs",
                    .x_label = "startup, launch to first picture (ms)",
                    .value = [](const Headline& h) { return h.startup_ms; },
                    .x_min_max = 100},
                   in);
  html += cdf_plot({.id = "chart-cdf-rebuffering",
                    .heading = "Rebuffering ratio: CDF over each condition's runs",
                    .x_label = "rebuffering ratio (0..1)",
                    .value = [](const Headline& h) { return h.rebuffering_ratio; },
                    .x_min_max = 0.05},
                   in);
  html += cdf_plot({.id = "chart-cdf-latency",
                    .heading = "Latency: CDF over each condition's runs",
                    .x_label = "send→render latency p95 (ms)",
                    .value = [](const Headline& h) { return h.latency_p95_ms; },
                    .x_min_max = 100},
                   in);
  html += qoe_heatmap(in, options.heatmap_axes);
  html += "</body></html>\n";
  return html;
}

std::string render_sweep_html(const std::vector<RunRecord>& records, const std::string& title) {
  SweepPageOptions options;
  options.title = title;
  return render_sweep_html(records, options);
}

}  // namespace flowcast::client::sweep
