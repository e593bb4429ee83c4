// The HTML report writer on synthetic metrics: validation, escaping, the
// charts and their shared time axis, PSNR and snapshots.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "client/report/html_text.hpp"
#include "client/report/report.hpp"
#include "client/report/svg_chart.hpp"
#include "media/ffmpeg/base64.hpp"
#include "media/quality/png_writer.hpp"
#include "support/process.hpp"

using namespace flowcast::client;
using flowcast::media::base64_encode;
using nlohmann::json;

namespace {

// A flowcast.metrics/1 document with `seconds` of 10 Hz timeline.
json metrics(const std::string& transport, int seconds) {
  json timeline = json::array();
  for (int i = 0; i <= seconds * 10; ++i)
    timeline.push_back({{"t_ms", i * 100},
                        {"state", i < 5 ? "buffering" : "playing"},
                        {"buffer_ms", 100.0 * (i % 7)},
                        {"buffer_bytes", 1000 * (i % 7)},
                        {"kernel_bytes", 500 * (i % 3)},
                        {"received_kbps", 400 + i},
                        {"lost", 0},
                        {"corrupt", 0}});
  return {{"schema", "flowcast.metrics/1"},
          {"transport", transport},
          {"config",
           {{"buffer_ms", 500},
            {"buffer_max_ms", 2000},
            {"rebuffer_ms", 700},
            {"overflow", "block"},
            {"on_loss", "conceal"}}},
          {"duration_ms", seconds * 1000},
          {"startup_ms", 530.25},
          {"stalls", {{"count", 0}, {"total_ms", 0}, {"events", json::array()}}},
          {"rebuffering_ratio", 0.0},
          {"freezes", {{"count", 0}, {"total_ms", 0}}},
          {"packets",
           {{"received", 1234},
            {"lost", 0},
            {"late", 0},
            {"duplicate", 0},
            {"reordered", 0},
            {"dropped_overflow", 0},
            {"dropped_kernel", 0},
            {"recovered", 0}}},
          {"frames",
           {{"decoded", 90},
            {"rendered", 88},
            {"dropped_late", 2},
            {"corrupt", 0},
            {"tainted", 0},
            {"skipped", 0}}},
          {"buffer", {{"capacity_bytes", 2 << 20}, {"peak_bytes", 9000}, {"peak_ms", 600}}},
          {"kernel", {{"rcvbuf_bytes", 131072}, {"peak_queued_bytes", 4096}}},
          {"latency_ms", {{"p50", 560.5}, {"p95", 610}, {"max", 700}}},
          {"quality", {{"psnr_mean", nullptr}, {"psnr_min", nullptr}, {"mos_mean", nullptr}}},
          {"timeline", timeline}};
}

size_t count_of(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// The <svg ...>...</svg> with this id.
std::string chart(const std::string& html, const std::string& id) {
  const auto at = html.find("id=\"" + id + "\"");
  if (at == std::string::npos) return {};
  const auto start = html.rfind("<svg", at);
  return html.substr(start, html.find("</svg>", at) + 6 - start);
}

// The largest x of the polyline of run `run` in svg.
double max_polyline_x(const std::string& svg, int run) {
  const std::string tag = "<polyline class=\"series\" data-run=\"" + std::to_string(run) + "\"";
  const auto at = svg.find(tag);
  if (at == std::string::npos) return -1;
  const auto p = svg.find("points=\"", at) + 8;
  const std::string points = svg.substr(p, svg.find('"', p) - p);
  double most = -1;
  std::regex pair(R"(([0-9.]+),[0-9.]+)");
  for (auto it = std::sregex_iterator(points.begin(), points.end(), pair);
       it != std::sregex_iterator(); ++it)
    most = std::max(most, std::stod((*it)[1]));
  return most;
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("report: html_escape and base64_encode", "[unit]") {
  CHECK(html_escape("a<b>&\"c'") == "a&lt;b&gt;&amp;&quot;c&#39;");
  CHECK(base64_encode("") == "");
  CHECK(base64_encode("f") == "Zg==");
  CHECK(base64_encode("fo") == "Zm8=");
  CHECK(base64_encode("foo") == "Zm9v");
  CHECK(base64_encode("foobar") == "Zm9vYmFy");
  CHECK(base64_encode(std::string("\xff\x00\x10", 3)) == "/wAQ");
}

TEST_CASE("report: nice axis steps", "[unit]") {
  CHECK(SvgChart::nice_step(10, 10) == Approx(1));
  CHECK(SvgChart::nice_step(23, 4) == Approx(10));
  CHECK(SvgChart::nice_step(0.8, 4) == Approx(0.2));
  CHECK(SvgChart::nice_ceiling(523) == Approx(600));
  CHECK(SvgChart::nice_ceiling(0) == 1);
}

TEST_CASE("report: validation says what is wrong with a metrics file", "[unit]") {
  CHECK(validate_metrics_for_report(metrics("tcp", 2)) == "");

  auto fails_with = [](const json& m, const std::string& needle) {
    const std::string message = validate_metrics_for_report(m);
    INFO(message);
    CHECK(message.find(needle) != std::string::npos);
    CHECK(message.find('\n') == std::string::npos);
  };
  fails_with(json::array(), "it holds an array, not an object");
  json m = metrics("tcp", 2);
  m.erase("schema");
  fails_with(m, "no \"schema\"");
  m = metrics("tcp", 2);
  m["schema"] = "flowcast.server-metrics/1";
  fails_with(m, "\"flowcast.server-metrics/1\", not \"flowcast.metrics/1\"");
  fails_with(m, "(the client's, not the server's)");
  m["schema"] = "flowcast.metrics/2\nsecond line";
  fails_with(m, "its schema is \"flowcast.metrics/2\\nsecond line\", not");
  m["schema"] = 7;
  fails_with(m, "its \"schema\" is a number, not the string \"flowcast.metrics/1\"");
  m = metrics("tcp", 2);
  m.erase("timeline");
  fails_with(m, "no \"timeline\"");
  m["timeline"] = "soon";
  fails_with(m, "\"timeline\" is a string, not an array");
  m["timeline"] = json::array();
  fails_with(m, "timeline is empty");
  m["timeline"] = json::array({{{"t_ms", nullptr}}, json(3)});
  fails_with(m, "numeric \"t_ms\"");
  m = metrics("tcp", 2);
  m["stalls"]["events"] = 3;
  fails_with(m, "\"stalls.events\" is a number, not an array");
  m = metrics("tcp", 2);
  m["snapshots"] = "a.png";
  fails_with(m, "\"snapshots\" is a string, not an array");
  m = metrics("tcp", 2);
  m["transport"] = json::object();
  fails_with(m, "\"transport\" is an object, not a string");
  // Null and absent values are not errors: the report shows a dash.
  m = metrics("tcp", 2);
  m["quality"]["per_frame"] = nullptr;
  m.erase("latency_ms");
  CHECK(validate_metrics_for_report(m) == "");
}

TEST_CASE("report: summary table and charts are present, nulls shown as a dash", "[unit]") {
  const std::string html = render_report_html(
      {{"tcp (a)", metrics("tcp", 3), ""}, {"udp (b)", metrics("udp", 3), ""}}, "two runs");
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(html.find("<title>two runs</title>") != std::string::npos);
  CHECK(html.find("<table id=\"summary\">") != std::string::npos);
  for (const char* id : {"chart-buffer", "chart-kernel", "chart-bitrate", "chart-events"}) {
    INFO(id);
    CHECK(html.find("<svg class=\"chart\" id=\"" + std::string(id) + "\"") != std::string::npos);
  }
  CHECK(html.find("<section id=\"snapshots\">") != std::string::npos);
  // One column per run, and the rows the summary promises.
  CHECK(count_of(html, "<th class=\"run\"") == 2);
  for (const char* key :
       {"transport", "config.buffer_max_ms", "config.on_loss", "startup_ms", "stalls.count",
        "rebuffering_ratio", "packets.dropped_kernel", "frames.tainted", "kernel.peak_queued_bytes",
        "latency_ms.p95", "quality.mos_mean", "frames.sent", "frames.rendered_clean",
        "frames.dropped_buffer", "frames.lost", "frames.undecodable", "frames.pending",
        "frames.accounted", "buffer.peak_ms"}) {
    INFO(key);
    CHECK(html.find("data-key=\"" + std::string(key) + "\"") != std::string::npos);
  }
  // Where every picture went, and the peak buffer named as the span it is.
  CHECK(html.find("where every picture went") != std::string::npos);
  CHECK(html.find("<th>peak timestamp span held (ms)</th>") != std::string::npos);
  CHECK(html.find("<tr data-key=\"startup_ms\"><th>startup (ms)</th><td>530.2</td>") !=
        std::string::npos);
  CHECK(html.find("<tr data-key=\"quality.psnr_mean\"><th>PSNR mean (dB)</th><td>\u2014</td>"
                  "<td>\u2014</td></tr>") != std::string::npos);
  // The legend names every run in its colour.
  CHECK(html.find("background:#1f77b4\"></span>tcp (a)</li>") != std::string::npos);
  CHECK(html.find("background:#d62728\"></span>udp (b)</li>") != std::string::npos);
}

TEST_CASE("report: every string from the metrics is escaped", "[unit]") {
  json m = metrics("<b>tcp</b>", 2);
  m["config"]["overflow"] = "\"><script>alert(1)</script>";
  m["stalls"]["events"] = json::array(
      {{{"start_ms", 500}, {"duration_ms", 300}, {"cause", "<img src=x onerror=alert(1)>"}}});
  m["snapshots"] = json::array({{{"file", "<script>.png"}, {"kind", "<i>corrupt"}}});
  const std::string html =
      render_report_html({{"<script>alert('label')</script>", m, ""}}, "<script>title</script>");
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("<img src=x") == std::string::npos);
  CHECK(html.find("<b>tcp") == std::string::npos);
  CHECK(html.find("&lt;script&gt;alert(&#39;label&#39;)&lt;/script&gt;") != std::string::npos);
  CHECK(html.find("&lt;img src=x onerror=alert(1)&gt;") != std::string::npos);
  CHECK(html.find("&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  CHECK(html.find("<title>&lt;script&gt;title&lt;/script&gt;</title>") != std::string::npos);
}

TEST_CASE("report: the page fetches nothing and runs no script", "[unit]") {
  json m = metrics("udp", 2);
  m["quality"]["per_frame"] =
      json::array({{{"t_ms", 100}, {"pts_ms", 0}, {"psnr", 40}, {"mos", 5}}});
  const std::string html = render_report_html({{"udp", m, ""}}, "self-contained");
  CHECK(html.find("http://") == std::string::npos);
  CHECK(html.find("https://") == std::string::npos);
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("url(") == std::string::npos);
  CHECK(html.find("@import") == std::string::npos);
  CHECK(html.find("<link") == std::string::npos);
}

TEST_CASE("report: runs of different lengths share one time axis", "[unit]") {
  const std::string html = render_report_html(
      {{"short", metrics("tcp", 2), ""}, {"long", metrics("udp", 10), ""}}, "axis");
  for (const char* id : {"chart-buffer", "chart-kernel", "chart-bitrate", "chart-events"}) {
    INFO(id);
    const std::string svg = chart(html, id);
    REQUIRE(!svg.empty());
    CHECK(svg.find("data-x-max=\"10000.0\"") != std::string::npos);
  }
  for (const char* id : {"chart-buffer", "chart-kernel", "chart-bitrate"}) {
    INFO(id);
    const std::string svg = chart(html, id);
    // Both start at the same x; the 2 s run ends a fifth of the way along.
    const double short_end = max_polyline_x(svg, 0), long_end = max_polyline_x(svg, 1);
    REQUIRE(short_end > 0);
    REQUIRE(long_end > 0);
    CHECK((short_end - 72) / (long_end - 72) == Approx(0.2).margin(0.01));
  }
  // The time axis is labelled up to 10 s on every chart.
  CHECK(count_of(html, ">10</text>") >= 4);
}

TEST_CASE("report: stalls are shaded and the buffer marks drawn", "[unit]") {
  json m = metrics("tcp", 5);
  m["stalls"] = {{"count", 2},
                 {"total_ms", 1500},
                 {"events",
                  {{{"start_ms", 1000}, {"duration_ms", 1000}, {"cause", "underrun"}},
                   {{"start_ms", 3000}, {"duration_ms", 500}, {"cause", "underrun"}}}}};
  const std::string svg = chart(render_report_html({{"tcp", m, ""}}, "stalls"), "chart-buffer");
  CHECK(count_of(svg, "<rect class=\"band\" data-run=\"0\"") == 2);
  CHECK(svg.find("stall at 1.0 s for 1000 ms (underrun)") != std::string::npos);
  CHECK(svg.find(">buffer 500 ms</text>") != std::string::npos);
  CHECK(svg.find(">rebuffer 700 ms</text>") != std::string::npos);

  SECTION("a value shared by marks and runs is drawn once, naming them") {
    json u = metrics("udp", 3);
    u["config"]["rebuffer_ms"] = 500;
    const std::string both =
        chart(render_report_html({{"tcp", m, ""}, {"udp", u, ""}}, "marks"), "chart-buffer");
    CHECK(count_of(both, "<g class=\"mark\">") == 2);
    CHECK(both.find("stroke=\"#555\" stroke-dasharray=\"6 4\"/><text") != std::string::npos);
    CHECK(both.find(">buffer, rebuffer (udp) 500 ms</text>") != std::string::npos);
    CHECK(both.find(">rebuffer (tcp) 700 ms</text>") != std::string::npos);
  }
}

TEST_CASE("report: loss, late and damage ticks where the cumulative counts grow", "[unit]") {
  json m = metrics("udp", 1);
  auto& tl = m["timeline"];
  const int lost[] = {0, 0, 2, 2, 5, 5, 5, 9, 9, 9, 9};
  const int corrupt[] = {0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 3};
  for (size_t i = 0; i < tl.size(); ++i) {
    tl[i]["lost"] = lost[i];
    tl[i]["corrupt"] = corrupt[i];
  }
  tl[6]["late"] = 4;  // only some samples carry it: absent means no change
  SECTION("one run") {
    const std::string svg = chart(render_report_html({{"udp", m, ""}}, "events"), "chart-events");
    CHECK(count_of(svg, "<line class=\"tick\"") == 3 + 2 + 1);
    CHECK(svg.find("+3 lost at 0.4 s (5 in all)") != std::string::npos);
    CHECK(svg.find("+4 late at 0.6 s (4 in all)") != std::string::npos);
    // A file without "damaged" samples: its rendered corrupt pictures.
    CHECK(svg.find("+2 damaged at 1.0 s (3 in all)") != std::string::npos);
    CHECK(svg.find(">lost 9</text>") != std::string::npos);
  }
  SECTION("each lane's total is the table's, counted after the last sample too") {
    m["packets"]["lost"] = 12;
    for (auto& sample : tl) sample["damaged"] = sample["corrupt"];
    m["frames"]["damaged"] = 3;
    const std::string html = render_report_html({{"udp", m, ""}}, "events");
    const std::string svg = chart(html, "chart-events");
    CHECK(svg.find(">lost 12</text>") != std::string::npos);
    CHECK(svg.find("+3 lost at 1.0 s (12 in all)") != std::string::npos);
    CHECK(svg.find(">damaged 3</text>") != std::string::npos);
    CHECK(html.find("<tr data-key=\"packets.lost\"><th>lost</th><td>12</td>") != std::string::npos);
  }
  SECTION("a run without events adds lanes but no ticks") {
    const std::string svg =
        chart(render_report_html({{"udp", m, ""}, {"tcp", metrics("tcp", 1), ""}}, "events"),
              "chart-events");
    CHECK(count_of(svg, "<line class=\"tick\" data-run=\"0\"") == 6);
    CHECK(count_of(svg, "<line class=\"tick\" data-run=\"1\"") == 0);
    CHECK(count_of(svg, ">lost ") == 2);
  }
}

TEST_CASE("report: a PSNR chart only for runs with a reference", "[unit]") {
  const json plain = metrics("tcp", 2);
  SECTION("no run has per_frame") {
    const std::string html = render_report_html({{"tcp", plain, ""}}, "no psnr");
    CHECK(html.find("id=\"chart-psnr\"") == std::string::npos);
    CHECK(html.find("no reference") != std::string::npos);
    CHECK(html.find("class=\"mos-histogram\"") == std::string::npos);
  }
  SECTION("an empty per_frame is no reference either") {
    json m = plain;
    m["quality"]["per_frame"] = json::array();
    CHECK(render_report_html({{"tcp", m, ""}}, "x").find("id=\"chart-psnr\"") == std::string::npos);
  }
  SECTION("per_frame and a histogram") {
    json m = metrics("udp", 2);
    m["quality"] = {{"psnr_mean", 38.5},
                    {"psnr_min", 21.25},
                    {"mos_mean", 4.6},
                    {"per_frame",
                     {{{"t_ms", 600}, {"pts_ms", 0}, {"psnr", 100}, {"mos", 5}},
                      {{"t_ms", 633}, {"pts_ms", 33}, {"psnr", 21.25}, {"mos", 2}},
                      {{"t_ms", 666}, {"pts_ms", 66}, {"psnr", nullptr}, {"mos", nullptr}}}},
                    {"mos_histogram", {{"1", 0}, {"2", 1}, {"3", 0}, {"4", 0}, {"5", 1}}}};
    const std::string html = render_report_html({{"udp", m, ""}, {"tcp", plain, ""}}, "psnr");
    const std::string svg = chart(html, "chart-psnr");
    REQUIRE(!svg.empty());
    // The frame without a PSNR is skipped, not drawn at 0.
    const auto at = svg.find("<polyline class=\"series\" data-run=\"0\"");
    REQUIRE(at != std::string::npos);
    const auto p = svg.find("points=\"", at) + 8;
    CHECK(count_of(svg.substr(p, svg.find('"', p) - p), ",") == 2);
    CHECK(svg.find("data-run=\"1\"") == std::string::npos);
    CHECK(html.find("No reference for: tcp.") != std::string::npos);
    CHECK(html.find("<td>38.50</td>") != std::string::npos);
    CHECK(html.find("id=\"mos-histogram-0\"") != std::string::npos);
    CHECK(html.find("id=\"mos-histogram-1\"") == std::string::npos);
    // Bars are relative to the fullest bin.
    CHECK(html.find("<tr><th>5</th><td>1</td><td class=\"bar\"><span style=\"width:100.0%") !=
          std::string::npos);
    CHECK(html.find("<tr><th>4</th><td>0</td><td class=\"bar\"><span style=\"width:0.0%") !=
          std::string::npos);
    // The axis spans the damaged pictures, not 0-100 dB: the identical
    // picture is drawn at its top, and the caption says so.
    CHECK(svg.find(">100</text>") == std::string::npos);
    CHECK(html.find("are drawn at the top, 60 dB.") != std::string::npos);
  }
}

TEST_CASE("report: snapshots are embedded, unreadable ones captioned", "[unit]") {
  flowcast::test::TempDir dir;
  std::filesystem::create_directory(dir.path() + "/snaps");
  std::vector<uint8_t> pixels(16 * 8 * 3);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i * 7);
  const std::string png = dir.path() + "/snaps/frame-0042.png";
  flowcast::media::write_png_rgb24(png, pixels.data(), 16, 8, 16 * 3);
  std::ofstream(dir.path() + "/snaps/not-a.png") << "plain text";

  json m = metrics("udp", 2);
  m["snapshots"] = json::array(
      {{{"file", "snaps/frame-0042.png"},
        {"kind", "corrupt"},
        {"t_ms", 1200},
        {"pts_ms", 633},
        {"psnr", 22.5}},
       {{"file", png}, {"kind", "clean"}, {"t_ms", 1300}, {"pts_ms", 666}, {"psnr", nullptr}},
       {{"file", "snaps/missing.png"}, {"kind", "worst"}, {"t_ms", 1400}},
       {{"file", "snaps/not-a.png"}, {"kind", "worst"}},
       {{"kind", "corrupt"}},
       json("not an object")});
  const std::string html = render_report_html({{"udp", m, dir.path()}}, "snapshots");
  const std::string data = "data:image/png;base64," + base64_encode(read_bytes(png));
  // Relative to base_dir, and absolute.
  CHECK(count_of(html, data) == 2);
  // Media time from the run's first saved picture, not the source's origin.
  CHECK(html.find("corrupt at 1.2 s, media time +0.0 s, PSNR 22.50 dB") != std::string::npos);
  CHECK(html.find("clean at 1.3 s, media time +0.0 s") != std::string::npos);
  CHECK(html.find("<figure class=\"snapshot snapshot-clean\">") != std::string::npos);
  CHECK(html.find("cannot read " + dir.path() + "/snaps/missing.png (no such file)") !=
        std::string::npos);
  CHECK(html.find("/snaps/not-a.png (not a PNG)") != std::string::npos);
  CHECK(html.find("the metrics name no file") != std::string::npos);
  CHECK(count_of(html, "unreadable\">") == 4);

  SECTION("without a base directory, relative to the current one") {
    const std::string here = render_report_html({{"udp", m, ""}}, "snapshots");
    CHECK(count_of(here, data) == 1);
    CHECK(here.find("cannot read snaps/frame-0042.png (no such file)") != std::string::npos);
  }
}

TEST_CASE("report: hostile timeline values are skipped, not fatal", "[unit]") {
  json m = metrics("tcp", 1);
  m["timeline"] = json::array({{{"t_ms", 0}, {"buffer_ms", 10}, {"lost", 1}},
                               {{"t_ms", nullptr}, {"buffer_ms", 999999}},
                               {{"buffer_ms", 999999}},
                               json(nullptr),
                               json("sample"),
                               {{"t_ms", "100"}, {"buffer_ms", 999999}},
                               {{"t_ms", 200},
                                {"buffer_ms", nullptr},
                                {"kernel_bytes", "x"},
                                {"received_kbps", json::array()},
                                {"lost", -4}},
                               {{"t_ms", -50}, {"buffer_ms", -20}, {"lost", 2}}});
  m["stalls"] = {{"events", {nullptr, {{"start_ms", "soon"}}, {{"start_ms", 100}}}}};
  m["packets"] = "many";
  m["config"]["buffer_ms"] = "half a second";
  m["quality"] = {{"per_frame", {1, {{"t_ms", 10}}, {{"psnr", 30}}}},
                  {"mos_histogram", {{"5", "lots"}, {"3", -2}}}};
  std::string html;
  REQUIRE_NOTHROW(html = render_report_html({{"hostile", m, ""}}, "hostile"));
  CHECK(html.find("id=\"chart-buffer\"") != std::string::npos);
  // Only the two samples with a numeric t_ms and buffer_ms are drawn.
  const std::string svg = chart(html, "chart-buffer");
  const auto at = svg.find("<polyline class=\"series\" data-run=\"0\"");
  REQUIRE(at != std::string::npos);
  const auto p = svg.find("points=\"", at) + 8;
  CHECK(count_of(svg.substr(p, svg.find('"', p) - p), ",") == 2);
  CHECK(html.find("nan,") == std::string::npos);
  CHECK(html.find("inf,") == std::string::npos);
  // A count that goes down is not an event; growing again from there is.
  CHECK(chart(html, "chart-events").find("+6 lost") != std::string::npos);

  // Absurd but numeric values are clamped, not fatal.
  m["timeline"].push_back({{"t_ms", 1e300}, {"buffer_ms", 1e300}});
  m["timeline"].push_back({{"t_ms", 1e-300}, {"buffer_ms", -1e300}});
  m["startup_ms"] = 1e300;
  REQUIRE_NOTHROW(html = render_report_html({{"hostile", m, ""}}, "hostile"));
  CHECK(html.find("id=\"chart-kernel\"") != std::string::npos);
  CHECK(html.find("<th>startup (ms)</th><td>1e+300</td>") != std::string::npos);

  // Not even objects: the page still renders, all dashes.
  REQUIRE_NOTHROW(
      html = render_report_html({{"a", json(nullptr), ""}, {"b", json::array(), ""}}, "nothing"));
  CHECK(html.find("<table id=\"summary\">") != std::string::npos);
  REQUIRE_NOTHROW(render_report_html({}, "no runs"));
}

TEST_CASE("report: the kernel chart's axis holds the peak the run measured", "[unit]") {
  // The 10 Hz samples saw at most 1000 bytes; the client's own sampling
  // saw 1181.
  json m = metrics("tcp", 1);
  m["kernel"]["peak_queued_bytes"] = 1181;
  const std::string svg = chart(render_report_html({{"tcp", m, ""}}, "kernel"), "chart-kernel");
  REQUIRE_FALSE(svg.empty());
  CHECK(svg.find(">tcp: peak 1181</text>") != std::string::npos);
  // The axis goes past the peak, not to 1.5 (bytes) or to the samples' 1000.
  CHECK(svg.find(">1500</text>") != std::string::npos);
}

TEST_CASE("report: the worst picture and its reference share a row; runs are labelled once",
          "[unit]") {
  json m = metrics("udp", 1);
  m["snapshots"] = json::array({{{"file", "a.png"}, {"kind", "clean"}},
                                {{"file", "b.png"}, {"kind", "worst"}},
                                {{"file", "c.png"}, {"kind", "worst-reference"}}});
  const std::string html = render_report_html({{"udp", m, ""}}, "pair");
  const auto pair = html.find("<div class=\"snapshot-pair\">");
  REQUIRE(pair != std::string::npos);
  const auto end = html.find("</div>", pair);
  const std::string row = html.substr(pair, end - pair);
  CHECK(row.find("snapshot snapshot-worst ") != std::string::npos);
  CHECK(row.find("snapshot-worst-reference") != std::string::npos);
  CHECK(row.find("snapshot-clean") == std::string::npos);
  CHECK(html.find(".snapshot-pair { display: flex; flex-wrap: nowrap;") != std::string::npos);
}
