// The report's playout-delay chart: drawn from the timeline's target and
// actual delay, left out for files written before the timeline had them.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "client/metrics/metrics_document.hpp"
#include "client/report/report.hpp"

using namespace flowcast::client;
using nlohmann::json;

namespace {

// Three seconds of 10 Hz timeline; the delay is measured from 0.5 s on.
json metrics_with_delay() {
  MetricsDocument m;
  m.transport = Transport::udp;
  m.duration_ms = 3000;
  for (int i = 0; i <= 30; ++i) {
    TimelineSample s;
    s.t_ms = i * 100.0;
    s.state = SessionState::playing;
    s.target_delay_ms = 120.0;
    if (i >= 5) s.delay_ms = 95.5;
    m.timeline.push_back(s);
  }
  return m;
}

// The <svg> of the chart with this id, or empty.
std::string chart(const std::string& html, const std::string& id) {
  const auto at = html.find("id=\"" + id + "\"");
  if (at == std::string::npos) return {};
  const auto start = html.rfind("<svg", at);
  return html.substr(start, html.find("</svg>", at) + 6 - start);
}

}  // namespace

TEST_CASE("report: the playout delay's target and actual value are drawn", "[unit][report]") {
  const std::string svg =
      chart(render_report_html({{"udp", metrics_with_delay(), ""}}, "delay"), "chart-delay");
  REQUIRE_FALSE(svg.empty());
  CHECK(svg.find("udp: target (ms)") != std::string::npos);
  CHECK(svg.find("udp: actual (ms)") != std::string::npos);
}

TEST_CASE("report: a file without the playout delay has no delay chart", "[unit][report]") {
  json m = metrics_with_delay();
  for (auto& s : m["timeline"]) {
    s.erase("target_delay_ms");
    s.erase("delay_ms");
  }
  const std::string html = render_report_html({{"udp", m, ""}}, "old");
  CHECK(html.find("chart-buffer") != std::string::npos);
  CHECK(html.find("chart-delay") == std::string::npos);
}
