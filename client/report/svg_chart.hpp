#pragma once
// One chart of the HTML report as inline SVG: no script, no external
// resource. x is time since launch in ms (drawn in seconds) from 0 to x_max,
// so charts built with the same x_max line up; y runs from 0 (or a y_min
// below it) to y_max with numeric ticks, or is divided into named lanes. Built and rendered on one
// thread; a value object.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flowcast::client {

class SvgChart {
 public:
  struct Point {
    double x = 0;  // ms since launch
    double y = 0;
  };

  // id becomes the <svg>'s id (class "chart"); y_label names the y axis.
  // A y_max or x_max that is not positive is taken as 1.
  SvgChart(std::string id, std::string y_label, double x_max_ms, double y_max,
           int plot_height = 170);

  // Another x axis than time since launch: x values are divided by
  // `divisor` for the tick labels, and the axis is named `label` ("link
  // rate ÷ stream bitrate"). Default: "time since launch (s)", 1000 (ms).
  void set_x_axis(std::string label, double divisor);

  // Named x ticks instead of the numeric ones: each label drawn at its x (in
  // the same units as the points, before the divisor). For categories drawn
  // as cells: x_max = the number of categories, labels at i + 0.5.
  void set_x_labels(std::vector<std::pair<double, std::string>> labels);

  // Lets the y axis start below 0 (a signed value): it runs from y_min (at
  // most 0; taken as 0 otherwise) to y_max.
  void set_y_min(double y_min);

  // Replaces the numeric y axis with lanes, top to bottom; lane i spans y in
  // [lane_bottom(i), lane_bottom(i) + 1).
  void set_lanes(std::vector<std::string> names, std::vector<std::string> colours);
  double lane_bottom(size_t lane) const;

  // Everything below escapes its text; `run` (>= 0) is written as data-run
  // so a reader can tell the runs apart. Values outside the axes are clamped.
  void add_band(double x0_ms, double x1_ms, std::string_view colour, std::string_view tooltip,
                int run);
  void add_line(const std::vector<Point>& points, std::string_view colour, std::string_view tooltip,
                int run);
  // The region between two curves over the same x values (a confidence
  // interval), filled translucent.
  void add_area(const std::vector<Point>& lower, const std::vector<Point>& upper,
                std::string_view colour, std::string_view tooltip, int run);
  void add_points(const std::vector<Point>& points, std::string_view colour,
                  std::string_view tooltip, int run);
  // One point that is a link (to a run's own page, say): a circle of radius
  // r px inside <a href>, its tooltip naming what it is. An empty href draws
  // the point without a link.
  void add_linked_point(Point point, std::string_view colour, std::string_view tooltip,
                        std::string_view href, int run, double r = 2.6);
  // A filled rectangle in data coordinates (a heatmap's cell), with its
  // tooltip, and `label` written at its centre unless empty; inside <a href>
  // unless href is empty.
  void add_cell(double x0, double x1, double y0, double y1, std::string_view fill,
                std::string_view tooltip, std::string_view label, int run,
                std::string_view href = {});
  // A horizontal mark across the plot, labelled at its right end unless
  // label is empty; dash is an SVG stroke-dasharray.
  void add_hline(double y, std::string_view colour, std::string_view label, std::string_view dash);
  void add_tick(double x_ms, double y0, double y1, std::string_view colour,
                std::string_view tooltip, int run);

  std::string render() const;

  // A round step (1, 2 or 5 times a power of ten) that splits range into
  // about `count` parts.
  static double nice_step(double range, int count);
  // The smallest multiple of nice_step(value, 4) that is at least value.
  static double nice_ceiling(double value);

 private:
  double px(double x_ms) const;
  double py(double y) const;

  std::string id_, y_label_;
  std::string x_label_ = "time since launch (s)";
  double x_divisor_ = 1000;
  double x_max_, y_max_;
  double y_min_ = 0;
  int plot_height_;
  std::vector<std::string> lanes_, lane_colours_;
  std::vector<std::pair<double, std::string>> x_labels_;
  std::string bands_, hlines_, series_, ticks_;
};

}  // namespace flowcast::client
