// The sweep's page: rebuffering ratio against link rate ÷ bitrate, one line
// per transport × buffer with its interval band; the stall, picture,
// trade-off and CDF plots; the QoE heatmap; every run linked to its page.
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

// The <svg> of one chart, from its tag to its end.
std::string svg_of(const std::string& html, const std::string& id) {
  const size_t at = html.find("id=\"" + id + "\"");
  if (at == std::string::npos) return {};
  const size_t start = html.rfind("<svg", at);
  return html.substr(start, html.find("</svg>", at) + 6 - start);
}

// A run on a lossy link: loss, delay and transport given, figures set.
RunRecord lossy(const std::string& transport, const std::string& loss, int64_t seed, double stalls,
                double stall_ms, double damaged, double qoe) {
  RunRecord r;
  r.condition = {{"link-loss", loss}, {"link-delay", "40ms"}, {"transport", transport}};
  r.seed = seed;
  r.id = run_id(r.condition, seed);
  r.status = RunStatus::ok;
  r.headline = Headline{};
  r.headline->stalls = stalls;
  r.headline->stall_ms = stall_ms;
  r.headline->rendered = 300;
  r.headline->damaged = damaged;
  r.headline->startup_ms = 400 + 100 * seed;
  r.headline->rebuffering_ratio = stall_ms / 20000;
  r.headline->latency_p95_ms = transport == "tcp" ? 900 : 300;
  r.headline->qoe_score = qoe;
  return r;
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
  // Every plot is drawn, also those no run has a value for.
  CHECK(count(html, "<svg") == sweep_plot_ids().size());
  for (const auto& id : sweep_plot_ids()) CHECK(!svg_of(html, id).empty());
  const std::string chart = svg_of(html, "chart-rebuffering");
  CHECK_THAT(chart, Catch::Contains("link rate ÷ stream bitrate"));
  CHECK(count(chart, "<polygon class=\"area\"") == 2);     // one band per line
  CHECK(count(chart, "<polyline class=\"series\"") == 2);  // tcp and udp
  CHECK(count(chart, "class=\"run-point\"") == 6);         // every ok run a dot
  CHECK_THAT(html, Catch::Contains("6 ok runs in 2 lines; 1 runs left out"));
  // tcp at 400k ÷ 600k: mean 0.35, interval 0.35 ± 12.706 · 0.0707 / √2 = ±0.635.
  CHECK_THAT(chart, Catch::Contains("tcp, buffer 500ms (default): link ÷ bitrate 0.67, mean 0.350, "
                                    "median 0.350, 95% CI -0.285..0.985 (n = 2)"));
  CHECK_THAT(html, !Catch::Contains("<script"));
  CHECK_THAT(html, !Catch::Contains("http"));
  CHECK(std::regex_search(html, std::regex("<li data-run=\"1\">.*udp")));
  const std::string empty = render_sweep_html({}, "empty");
  CHECK_THAT(empty, Catch::Contains("No run to plot"));
  CHECK(count(empty, "<svg") == sweep_plot_ids().size());
}

TEST_CASE("stalls, stall length, damage and PSNR are plotted against loss and delay",
          "[unit][sweep]") {
  // tcp: loss 0 no stall; loss 2%: 2 and 4 stalls of 1.5 s mean. udp: no
  // stall, 30 and 60 of 300 pictures damaged at 2% (10 % and 20 %).
  const std::vector<RunRecord> runs = {
      lossy("tcp", "0", 1, 0, 0, 0, 5),     lossy("tcp", "0", 2, 0, 0, 0, 5),
      lossy("tcp", "2%", 1, 2, 3000, 0, 3), lossy("tcp", "2%", 2, 4, 6000, 0, 2),
      lossy("udp", "0", 1, 0, 0, 0, 5),     lossy("udp", "0", 2, 0, 0, 0, 5),
      lossy("udp", "2%", 1, 0, 0, 30, 4.5), lossy("udp", "2%", 2, 0, 0, 60, 4)};
  const std::string html = render_sweep_html(runs, "loss");
  const std::string stalls = svg_of(html, "chart-stalls-loss");
  CHECK_THAT(stalls, Catch::Contains("link loss (%)"));
  CHECK_THAT(stalls, Catch::Contains("stalls per run"));
  CHECK_THAT(stalls, Catch::Contains("tcp, buffer 500ms (default): loss % 2.00, mean 3.000, "
                                     "median 3.000, 95% CI -9.706..15.706 (n = 2)"));
  // Mean stall length: only runs that stalled, 1.5 s each.
  const std::string length = svg_of(html, "chart-stall-length-loss");
  CHECK_THAT(length, Catch::Contains("mean stall length (s)"));
  CHECK_THAT(length, Catch::Contains("loss % 2.00, mean 1.500"));
  CHECK(count(length, "class=\"run-point\"") == 2);
  CHECK_THAT(html, Catch::Contains("2 ok runs in 1 lines; 6 runs left out (not ok, or no stall)"));
  // Against delay every run is at 40 ms.
  const std::string delay = svg_of(html, "chart-stalls-delay");
  CHECK_THAT(delay, Catch::Contains("link delay, one way (ms)"));
  CHECK_THAT(delay, Catch::Contains("delay ms 40.00, mean 1.500"));
  CHECK_THAT(html, Catch::Contains("Every run is at one x (40.00)"));
  // Every run has 40 ms of delay: against loss nothing is mixed within a
  // point; against delay, the loss is.
  CHECK_THAT(html, Catch::Contains("0 runs left out (not ok, or no picture shown). Lines join"));
  CHECK_THAT(html, Catch::Contains("(mixed within each point): link-loss. Lines join"));
  const std::string damaged = svg_of(html, "chart-damaged-loss");
  CHECK_THAT(damaged, Catch::Contains("udp, buffer 500ms (default): loss % 2.00, mean 15.000"));
  // No run has a PSNR: the chart is drawn empty, and says why.
  CHECK(count(svg_of(html, "chart-psnr-loss"), "class=\"run-point\"") == 0);
  CHECK_THAT(html, Catch::Contains("No run to plot. 0 ok runs in 0 lines; 8 runs left out (not "
                                   "ok, or no PSNR"));
}

TEST_CASE("the trade-off, the CDFs and the heatmap; every run links to its report",
          "[unit][sweep]") {
  std::vector<RunRecord> runs = {lossy("tcp", "0", 1, 0, 0, 0, 5), lossy("tcp", "0", 2, 0, 0, 0, 4),
                                 lossy("tcp", "2%", 1, 2, 3000, 0, 3),
                                 lossy("udp", "2%", 1, 0, 0, 30, 1)};
  RunRecord invalid = lossy("udp", "0", 1, 0, 0, 0, 5);
  invalid.status = RunStatus::invalid;
  runs.push_back(invalid);
  SweepPageOptions options;
  for (const auto& r : runs) options.links[r.id] = "sweep/runs/" + r.id + "/report.html";
  const std::string html = render_sweep_html(runs, options);

  const std::string tradeoff = svg_of(html, "chart-tradeoff");
  CHECK_THAT(tradeoff, Catch::Contains("send→render latency p95 (ms)"));
  CHECK_THAT(tradeoff, Catch::Contains("rebuffering ratio (0..1)"));
  CHECK(count(tradeoff, "class=\"run-point\"") == 4);  // the invalid run is not drawn
  // Each drawn run is a link to its own page; the invalid one nowhere.
  for (size_t i = 0; i < 4; ++i)
    CHECK_THAT(tradeoff,
               Catch::Contains("<a href=\"sweep/runs/" + runs[i].id + "/report.html\"><circle"));
  CHECK_THAT(html, !Catch::Contains("sweep/runs/" + invalid.id));

  // The startup CDF: tcp at loss 0 has two runs, 500 and 600 ms, so a step
  // to 0.5 at 500 ms and to 1 at 600 ms.
  const std::string startup = svg_of(html, "chart-cdf-startup");
  CHECK_THAT(startup, Catch::Contains("startup, launch to first picture (ms)"));
  CHECK_THAT(startup, Catch::Contains("share of runs, per condition"));
  CHECK(count(startup, "<polyline class=\"series\"") == 3);  // three conditions
  CHECK(count(startup, "class=\"run-point\"") == 4);
  CHECK_THAT(html, Catch::Contains("link-loss=0 transport=tcp (2 runs)"));
  CHECK_THAT(html, Catch::Contains("4 ok runs in 3 conditions, one step curve each (at least 1"));
  CHECK(!svg_of(html, "chart-cdf-rebuffering").empty());
  CHECK(!svg_of(html, "chart-cdf-latency").empty());

  // The heatmap over the two axes that vary: link-loss (x) and transport (y).
  const std::string heat = svg_of(html, "chart-qoe-heatmap");
  CHECK_THAT(html, Catch::Contains("QoE score over --link-loss and --transport"));
  CHECK_THAT(heat, Catch::Contains(">4.50 (n=2)</text>"));  // tcp, loss 0: 5 and 4
  CHECK_THAT(heat, Catch::Contains(">1.00 (n=1)</text>"));  // udp, 2%
  CHECK_THAT(heat, Catch::Contains("fill=\"#d73027\""));    // 1: red
  CHECK_THAT(heat, Catch::Contains("0, udp: no ok run with a score"));
  CHECK(count(heat, "class=\"cell\"") == 4);
  // Each scored cell links to the list of its runs, and each run there to
  // its own report, as the dots do; the empty cell links nowhere.
  CHECK(count(heat, "<a href=\"#qoe-cell-") == 3);
  CHECK_THAT(heat, Catch::Contains("<a href=\"#qoe-cell-0-0\"><g class=\"cell\">"));
  const size_t item = html.find("<li id=\"qoe-cell-0-0\">");
  REQUIRE(item != std::string::npos);
  const std::string tcp_lossless = html.substr(item, html.find("</li>", item) - item);
  CHECK_THAT(tcp_lossless, Catch::StartsWith("<li id=\"qoe-cell-0-0\">0, tcp: "));
  for (size_t i = 0; i < 2; ++i)
    CHECK_THAT(tcp_lossless, Catch::Contains("<a href=\"sweep/runs/" + runs[i].id +
                                             "/report.html\">" + runs[i].id + "</a>"));
  CHECK_THAT(tcp_lossless, Catch::Contains("(seed 2, "));
  CHECK(count(tcp_lossless, "<a href") == 2);
  CHECK(html.find("<li id=\"qoe-cell-1-1\">2%, udp: <a href=\"sweep/runs/" + runs[3].id) !=
        std::string::npos);
  // Axes can be chosen; one that does not vary gives one column.
  options.heatmap_axes = {"link-delay", "transport"};
  const std::string chosen = svg_of(render_sweep_html(runs, options), "chart-qoe-heatmap");
  CHECK(count(chosen, "class=\"cell\"") == 2);
  CHECK_THAT(chosen, Catch::Contains(">40ms</text>"));
}

TEST_CASE("grid values as numbers in the plots' units", "[unit][sweep]") {
  CHECK(axis_number("link-rate", "1.5M") == 1.5e6);
  CHECK(axis_number("link-loss", "2%") == 2);
  CHECK(axis_number("link-delay", "1s") == 1000);
  CHECK(axis_number("link-burst", "3.5") == 3.5);
  CHECK(!axis_number("transport", "udp"));
  CHECK(!axis_number("nothing", "1"));
  // The link's defaults are 0 where the grid leaves them out.
  CHECK(condition_number({}, "link-loss") == 0);
  CHECK(condition_number({}, "link-delay") == 0);
  CHECK(!condition_number({}, "link-rate"));
}
