#include "client/report/svg_chart.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "client/report/html_text.hpp"

namespace flowcast::client {
namespace {

constexpr double kWidth = 1000;
constexpr double kLeft = 72, kRight = 16, kTop = 12, kBottom = 34;
constexpr double kPlotWidth = kWidth - kLeft - kRight;
constexpr int kMaxTicks = 40;

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// Axis labels: as many decimals as the step needs, no more.
std::string axis_label(double v, double step) {
  int decimals = 0;
  while (decimals < 3 && std::fabs(step * std::pow(10.0, decimals) -
                                   std::round(step * std::pow(10.0, decimals))) > 1e-6)
    ++decimals;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string run_attr(int run) {
  return run >= 0 ? " data-run=\"" + std::to_string(run) + "\"" : "";
}

double finite_or(double v, double fallback) {
  return std::isfinite(v) ? v : fallback;
}

}  // namespace

SvgChart::SvgChart(std::string id, std::string y_label, double x_max_ms, double y_max,
                   int plot_height)
    : id_(std::move(id)),
      y_label_(std::move(y_label)),
      x_max_(finite_or(x_max_ms, 0) > 0 ? x_max_ms : 1),
      y_max_(finite_or(y_max, 0) > 0 ? y_max : 1),
      plot_height_(std::max(plot_height, 20)) {}

void SvgChart::set_x_axis(std::string label, double divisor) {
  x_label_ = std::move(label);
  x_divisor_ = finite_or(divisor, 0) > 0 ? divisor : 1;
}

void SvgChart::set_x_labels(std::vector<std::pair<double, std::string>> labels) {
  x_labels_ = std::move(labels);
}

void SvgChart::set_lanes(std::vector<std::string> names, std::vector<std::string> colours) {
  lanes_ = std::move(names);
  lane_colours_ = std::move(colours);
  lane_colours_.resize(lanes_.size(), "#333");
  y_max_ = std::max<double>(1, static_cast<double>(lanes_.size()));
}

void SvgChart::set_y_min(double y_min) {
  y_min_ = std::isfinite(y_min) && y_min < 0 ? y_min : 0;
}

double SvgChart::lane_bottom(size_t lane) const {
  return static_cast<double>(lanes_.size()) - 1 - static_cast<double>(lane);
}

double SvgChart::px(double x_ms) const {
  return kLeft + std::clamp(finite_or(x_ms, 0), 0.0, x_max_) / x_max_ * kPlotWidth;
}

double SvgChart::py(double y) const {
  return kTop + plot_height_ -
         (std::clamp(finite_or(y, 0), y_min_, y_max_) - y_min_) / (y_max_ - y_min_) * plot_height_;
}

void SvgChart::add_band(double x0_ms, double x1_ms, std::string_view colour,
                        std::string_view tooltip, int run) {
  const double a = px(std::min(x0_ms, x1_ms)), b = px(std::max(x0_ms, x1_ms));
  bands_ += "<rect class=\"band\"" + run_attr(run) + " x=\"" + num(a) + "\" y=\"" + num(kTop) +
            "\" width=\"" + num(std::max(b - a, 1.0)) + "\" height=\"" + num(plot_height_) +
            "\" fill=\"" + html_escape(colour) + "\" fill-opacity=\"0.18\"><title>" +
            html_escape(tooltip) + "</title></rect>\n";
}

void SvgChart::add_line(const std::vector<Point>& points, std::string_view colour,
                        std::string_view tooltip, int run) {
  if (points.empty()) return;
  std::string coords;
  coords.reserve(points.size() * 14);
  for (const auto& p : points) {
    if (!coords.empty()) coords += ' ';
    coords += num(px(p.x)) + "," + num(py(p.y));
  }
  series_ += "<polyline class=\"series\"" + run_attr(run) + " fill=\"none\" stroke=\"" +
             html_escape(colour) + "\" stroke-width=\"1.6\" stroke-linejoin=\"round\" points=\"" +
             coords + "\"><title>" + html_escape(tooltip) + "</title></polyline>\n";
}

void SvgChart::add_points(const std::vector<Point>& points, std::string_view colour,
                          std::string_view tooltip, int run) {
  if (points.empty()) return;
  series_ += "<g class=\"series points\"" + run_attr(run) + " fill=\"" + html_escape(colour) +
             "\"><title>" + html_escape(tooltip) + "</title>";
  for (const auto& p : points)
    series_ += "<circle cx=\"" + num(px(p.x)) + "\" cy=\"" + num(py(p.y)) + "\" r=\"1.8\"/>";
  series_ += "</g>\n";
}

void SvgChart::add_area(const std::vector<Point>& lower, const std::vector<Point>& upper,
                        std::string_view colour, std::string_view tooltip, int run) {
  if (lower.empty() || upper.empty()) return;
  std::string coords;
  auto add = [&](const Point& p) {
    if (!coords.empty()) coords += ' ';
    coords += num(px(p.x));
    coords += ',';
    coords += num(py(p.y));
  };
  for (const auto& p : lower) add(p);
  for (auto it = upper.rbegin(); it != upper.rend(); ++it) add(*it);
  bands_ += "<polygon class=\"area\"" + run_attr(run) + " points=\"" + coords + "\" fill=\"" +
            html_escape(colour) + "\" fill-opacity=\"0.18\"><title>" + html_escape(tooltip) +
            "</title></polygon>\n";
}

void SvgChart::add_linked_point(Point point, std::string_view colour, std::string_view tooltip,
                                std::string_view href, int run, double r) {
  const std::string circle =
      "<circle class=\"run-point\"" + run_attr(run) + " cx=\"" + num(px(point.x)) + "\" cy=\"" +
      num(py(point.y)) + "\" r=\"" + num(r) + "\" fill=\"" + html_escape(colour) +
      "\" fill-opacity=\"0.75\"><title>" + html_escape(tooltip) + "</title></circle>";
  series_ +=
      href.empty() ? circle + "\n" : "<a href=\"" + html_escape(href) + "\">" + circle + "</a>\n";
}

void SvgChart::add_cell(double x0, double x1, double y0, double y1, std::string_view fill,
                        std::string_view tooltip, std::string_view label, int run,
                        std::string_view href) {
  const double a = px(std::min(x0, x1)), b = px(std::max(x0, x1));
  const double top = py(std::max(y0, y1)), bottom = py(std::min(y0, y1));
  if (!href.empty()) bands_ += "<a href=\"" + html_escape(href) + "\">";
  bands_ += "<g class=\"cell\"" + run_attr(run) + "><rect x=\"" + num(a) + "\" y=\"" + num(top) +
            "\" width=\"" + num(std::max(b - a, 1.0)) + "\" height=\"" +
            num(std::max(bottom - top, 1.0)) + "\" fill=\"" + html_escape(fill) +
            "\" stroke=\"#fff\"><title>" + html_escape(tooltip) + "</title></rect>";
  if (!label.empty())
    bands_ += "<text x=\"" + num((a + b) / 2) + "\" y=\"" + num((top + bottom) / 2 + 4) +
              "\" text-anchor=\"middle\">" + html_escape(label) + "</text>";
  bands_ += href.empty() ? "</g>\n" : "</g></a>\n";
}

void SvgChart::add_hline(double y, std::string_view colour, std::string_view label,
                         std::string_view dash) {
  const double yy = py(y);
  hlines_ += "<g class=\"mark\"><line x1=\"" + num(kLeft) + "\" x2=\"" + num(kLeft + kPlotWidth) +
             "\" y1=\"" + num(yy) + "\" y2=\"" + num(yy) + "\" stroke=\"" + html_escape(colour) +
             "\" stroke-dasharray=\"" + html_escape(dash) + "\"/>";
  if (!label.empty())
    hlines_ += "<text x=\"" + num(kLeft + kPlotWidth - 4) + "\" y=\"" + num(yy - 3) +
               "\" text-anchor=\"end\" fill=\"" + html_escape(colour) + "\">" + html_escape(label) +
               "</text>";
  hlines_ += "</g>\n";
}

void SvgChart::add_tick(double x_ms, double y0, double y1, std::string_view colour,
                        std::string_view tooltip, int run) {
  const double x = px(x_ms);
  ticks_ += "<line class=\"tick\"" + run_attr(run) + " x1=\"" + num(x) + "\" x2=\"" + num(x) +
            "\" y1=\"" + num(py(y0)) + "\" y2=\"" + num(py(y1)) + "\" stroke=\"" +
            html_escape(colour) + "\" stroke-width=\"2\"><title>" + html_escape(tooltip) +
            "</title></line>\n";
}

std::string SvgChart::render() const {
  const double height = kTop + plot_height_ + kBottom;
  const double bottom = kTop + plot_height_;
  std::string s = "<svg class=\"chart\" id=\"" + html_escape(id_) + "\" viewBox=\"0 0 " +
                  num(kWidth) + " " + num(height) + "\" width=\"" + num(kWidth) + "\" height=\"" +
                  num(height) + "\" data-x-max=\"" + num(x_max_) + "\" role=\"img\">\n";
  s += "<rect class=\"plot\" x=\"" + num(kLeft) + "\" y=\"" + num(kTop) + "\" width=\"" +
       num(kPlotWidth) + "\" height=\"" + num(plot_height_) + "\" fill=\"#fcfcfc\"/>\n";
  // The x axis: time in seconds, unless set_x_axis or set_x_labels said
  // otherwise.
  auto x_tick = [&](double x, const std::string& label) {
    s += "<line class=\"grid\" x1=\"" + num(x) + "\" x2=\"" + num(x) + "\" y1=\"" + num(kTop) +
         "\" y2=\"" + num(bottom + 4) + "\" stroke=\"#e4e4e4\"/><text x=\"" + num(x) + "\" y=\"" +
         num(bottom + 16) + "\" text-anchor=\"middle\">" + label + "</text>\n";
  };
  if (!x_labels_.empty()) {
    for (const auto& [at, label] : x_labels_) x_tick(px(at), html_escape(label));
  } else {
    const double x_step = nice_step(x_max_ / x_divisor_, 10);
    for (int i = 0; i <= kMaxTicks && i * x_step <= x_max_ / x_divisor_ + 1e-9; ++i)
      x_tick(px(i * x_step * x_divisor_), axis_label(i * x_step, x_step));
  }
  s += "<text class=\"axis-label\" x=\"" + num(kLeft + kPlotWidth / 2) + "\" y=\"" +
       num(height - 3) + "\" text-anchor=\"middle\">" + html_escape(x_label_) + "</text>\n";
  if (lanes_.empty()) {
    const double y_step = nice_step(y_max_ - y_min_, 4);
    const double first = std::ceil(y_min_ / y_step - 1e-9) * y_step;  // 0 without a y_min
    for (int i = 0; i <= kMaxTicks && first + i * y_step <= y_max_ * (1 + 1e-9); ++i) {
      const double v = first + i * y_step;
      const double y = py(v);
      s += "<line class=\"grid\" x1=\"" + num(kLeft - 4) + "\" x2=\"" + num(kLeft + kPlotWidth) +
           "\" y1=\"" + num(y) + "\" y2=\"" + num(y) + "\" stroke=\"#e4e4e4\"/><text x=\"" +
           num(kLeft - 6) + "\" y=\"" + num(y + 4) + "\" text-anchor=\"end\">" +
           axis_label(v, y_step) + "</text>\n";
    }
  } else {
    for (size_t i = 0; i < lanes_.size(); ++i) {
      const double y = py(lane_bottom(i));
      s += "<line class=\"grid\" x1=\"" + num(kLeft) + "\" x2=\"" + num(kLeft + kPlotWidth) +
           "\" y1=\"" + num(y) + "\" y2=\"" + num(y) + "\" stroke=\"#e4e4e4\"/><text x=\"" +
           num(kLeft - 6) + "\" y=\"" + num(py(lane_bottom(i) + 0.5) + 4) +
           "\" text-anchor=\"end\" fill=\"" + html_escape(lane_colours_[i]) + "\">" +
           html_escape(lanes_[i]) + "</text>\n";
    }
  }
  s += "<text class=\"axis-label\" transform=\"translate(12 " + num(kTop + plot_height_ / 2.0) +
       ") rotate(-90)\" text-anchor=\"middle\">" + html_escape(y_label_) + "</text>\n";
  s += bands_ + hlines_ + series_ + ticks_;
  s += "<rect x=\"" + num(kLeft) + "\" y=\"" + num(kTop) + "\" width=\"" + num(kPlotWidth) +
       "\" height=\"" + num(plot_height_) + "\" fill=\"none\" stroke=\"#999\"/>\n</svg>\n";
  return s;
}

double SvgChart::nice_step(double range, int count) {
  if (!(range > 0) || !std::isfinite(range) || count < 1) return 1;
  const double raw = range / count;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / magnitude;
  const double nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
  return nice * magnitude;
}

double SvgChart::nice_ceiling(double value) {
  if (!(value > 0) || !std::isfinite(value)) return 1;
  const double step = nice_step(value, 4);
  return std::ceil(value / step - 1e-9) * step;
}

}  // namespace flowcast::client
