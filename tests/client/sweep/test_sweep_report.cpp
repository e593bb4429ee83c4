// The sweep's page: rebuffering ratio against link rate ÷ bitrate, one line
// per transport × buffer with its interval band.
#include <catch2/catch.hpp>
#include <regex>
#include <string>

#include "client/sweep/sweep_report.hpp"

using namespace flowcast::client::sweep;

namespace {

RunRecord run(const std::string& transport, const std::string& rate, int64_t seed, double ratio) {
  RunRecord r;
  r.condition = {{"bitrate", "600k"}, {"link-rate", rate}, {"transport", transport}};
  r.seed = seed;
  r.id = run_id(r.condition, seed);
  r.status = RunStatus::ok;
  r.headline = Headline{};
  r.headline->rebuffering_ratio = ratio;
  return r;
}

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("the sweep page plots each transport's mean and interval per link rate",
          "[unit][sweep]") {
  RunRecord failed = run("udp", "2M", 3, 0);
  failed.status = RunStatus::failed;
  const std::string html = render_sweep_html(
      {run("tcp", "400k", 1, 0.3), run("tcp", "400k", 2, 0.4), run("tcp", "2M", 1, 0),
       run("tcp", "2M", 2, 0), run("udp", "400k", 1, 0), run("udp", "400k", 2, 0), failed},
      "a <sweep>");
  CHECK_THAT(html, Catch::Contains("<title>a &lt;sweep&gt;</title>"));
  CHECK(count(html, "<svg") == 1);
  CHECK_THAT(html, Catch::Contains("id=\"chart-rebuffering\""));
  CHECK_THAT(html, Catch::Contains("link rate ÷ stream bitrate"));
  CHECK(count(html, "<polygon class=\"area\"") == 2);     // one band per line
  CHECK(count(html, "<polyline class=\"series\"") == 2);  // tcp and udp
  CHECK_THAT(html, Catch::Contains("6 ok runs in 2 lines; 1 runs left out"));
  // tcp at 400k ÷ 600k: mean 0.35, interval 0.35 ± 12.706 · 0.0707 / √2 = ±0.635.
  CHECK_THAT(html, Catch::Contains("tcp, buffer 500ms (default): link ÷ bitrate 0.67, mean 0.350, "
                                   "median 0.350, 95% CI -0.285..0.985 (n = 2)"));
  CHECK_THAT(html, !Catch::Contains("<script"));
  CHECK(std::regex_search(html, std::regex("<li data-run=\"1\">.*udp")));
  CHECK_THAT(render_sweep_html({}, "empty"), Catch::Contains("No run to plot"));
}
