// SvgChart's parts for the sweep's page: named x ticks, cells in data
// coordinates, and points that link to a run's page.
#include <catch2/catch.hpp>
#include <string>

#include "client/report/svg_chart.hpp"

using flowcast::client::SvgChart;

TEST_CASE("svg chart: named x ticks and heatmap cells", "[unit]") {
  // Two categories across 912 px of plot from x = 72: centres at 300 and 756.
  SvgChart chart("chart-cells", "transport", 2, 1, 60);
  chart.set_x_axis("--link-loss", 1);
  chart.set_x_labels({{0.5, "0"}, {1.5, "3%"}});
  chart.set_lanes({"tcp"}, {"#333"});
  chart.add_cell(1, 2, chart.lane_bottom(0), chart.lane_bottom(0) + 1, "#1a9850", "tcp <3%>",
                 "4.50", -1);
  const std::string svg = chart.render();
  CHECK_THAT(svg, Catch::Contains("<text x=\"300.0\" y=\"88.0\" text-anchor=\"middle\">0</text>"));
  CHECK_THAT(svg, Catch::Contains("text-anchor=\"middle\">3%</text>"));
  // No numeric tick is drawn beside the names.
  CHECK_THAT(svg, !Catch::Contains(">0.5</text>"));
  CHECK_THAT(svg, Catch::Contains("<g class=\"cell\"><rect x=\"528.0\" y=\"12.0\" width=\"456.0\" "
                                  "height=\"60.0\" fill=\"#1a9850\""));
  CHECK_THAT(svg, Catch::Contains("<title>tcp &lt;3%&gt;</title>"));
  CHECK_THAT(svg,
             Catch::Contains("<text x=\"756.0\" y=\"46.0\" text-anchor=\"middle\">4.50</text>"));
  // A cell without an href is no link; one with it is, whole.
  CHECK_THAT(svg, !Catch::Contains("<a href"));
  chart.add_cell(0, 1, chart.lane_bottom(0), chart.lane_bottom(0) + 1, "#d73027", "tcp 0", "1.00",
                 -1, "#cell-0&0");
  CHECK_THAT(chart.render(),
             Catch::Contains("<a href=\"#cell-0&amp;0\"><g class=\"cell\"><rect x=\"72.0\""));
  CHECK_THAT(chart.render(), Catch::Contains(">1.00</text></g></a>\n"));
}

TEST_CASE("svg chart: a point that links to a run's page, or not", "[unit]") {
  SvgChart chart("chart-points", "y", 10, 1, 100);
  chart.add_linked_point({5, 0.5}, "#d62728", "run a", "runs/a b/report.html", 3);
  chart.add_linked_point({10, 1}, "#d62728", "run b", "", 4);
  const std::string svg = chart.render();
  CHECK_THAT(svg, Catch::Contains("<a href=\"runs/a b/report.html\"><circle class=\"run-point\" "
                                  "data-run=\"3\" cx=\"528.0\" cy=\"62.0\" r=\"2.6\""));
  CHECK_THAT(svg, Catch::Contains("<title>run a</title></circle></a>"));
  // Without an href, no link.
  CHECK_THAT(svg, Catch::Contains("\n<circle class=\"run-point\" data-run=\"4\" cx=\"984.0\""));
}
