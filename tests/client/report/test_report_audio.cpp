// The report's sound section: the sound held, a lane each of concealment and
// underruns, the A/V offset with BT.1359's window; only for runs with sound.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "client/metrics/metrics_document.hpp"
#include "client/report/report.hpp"

using namespace flowcast::client;
using nlohmann::json;

namespace {

// Two seconds of 10 Hz timeline; with sound, concealment grows at 0.5 s and
// 1.2 s, an underrun at 1.0 s, and the offset is measured but at 0.3 s.
MetricsDocument metrics(bool sound) {
  MetricsDocument m;
  m.transport = Transport::udp;
  m.duration_ms = 2000;
  for (int i = 0; i <= 20; ++i) {
    TimelineSample s;
    s.t_ms = i * 100.0;
    s.state = SessionState::playing;
    if (sound) {
      s.audio_buffer_ms = 480.0 + i;
      s.audio_concealed_samples = i < 5 ? 0 : i < 12 ? 960 : 2880;
      s.audio_underruns = i < 10 ? 0 : 1;
      if (i != 3) s.av_offset_ms = i == 15 ? -210.5 : 12.5;
    }
    m.timeline.push_back(s);
  }
  if (sound) {
    m.audio = AudioFigures{.codec = "opus", .sample_rate = 48000, .channels = 2};
    m.audio->concealedSamples = 3840;  // 960 more after the last sample
    m.audio->underruns = 1;
  }
  return m;
}

size_t count_of(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// The <svg> of the chart with this id, or empty.
std::string chart(const std::string& html, const std::string& id) {
  const auto at = html.find("id=\"" + id + "\"");
  if (at == std::string::npos) return {};
  const auto start = html.rfind("<svg", at);
  return html.substr(start, html.find("</svg>", at) + 6 - start);
}

}  // namespace

TEST_CASE("report: a run with sound gets its lanes and the A/V offset in BT.1359's window",
          "[unit][report]") {
  const std::string html = render_report_html({{"udp", json(metrics(true)), ""}}, "sound");
  CHECK(html.find("<section id=\"audio\">") != std::string::npos);
  const std::string lanes = chart(html, "chart-audio");
  REQUIRE_FALSE(lanes.empty());
  // A tick where each count grows, and the lanes total what the run counted.
  CHECK(lanes.find("+960 concealed samples at 0.5 s (960 in all)") != std::string::npos);
  CHECK(lanes.find("+1920 concealed samples at 1.2 s (2880 in all)") != std::string::npos);
  CHECK(lanes.find("+960 concealed samples at 2.0 s (3840 in all)") != std::string::npos);
  CHECK(lanes.find("+1 underruns at 1.0 s (1 in all)") != std::string::npos);
  CHECK(lanes.find(">concealed 3840</text>") != std::string::npos);
  CHECK(lanes.find(">underruns 1</text>") != std::string::npos);
  CHECK(count_of(lanes, "<line class=\"tick\"") == 4);
  const std::string offset = chart(html, "chart-av-offset");
  REQUIRE_FALSE(offset.empty());
  CHECK(offset.find("BT.1359: audio 45 ms early") != std::string::npos);
  CHECK(offset.find("BT.1359: audio 125 ms late") != std::string::npos);
  CHECK(offset.find("udp: A/V offset (ms)") != std::string::npos);
  // The axis goes below 0 far enough for the most late sample (−210.5 ms).
  CHECK(offset.find(">-300</text>") != std::string::npos);
  CHECK(offset.find(">0</text>") != std::string::npos);
  // 20 samples measured an offset; the one that did not is left out.
  const auto points = offset.find("points=\"");
  REQUIRE(points != std::string::npos);
  const std::string coords = offset.substr(points, offset.find('"', points + 8) - points);
  CHECK(count_of(coords, ",") == 20);
  CHECK_FALSE(chart(html, "chart-audio-buffer").empty());
}

TEST_CASE("report: a run without sound has no sound section", "[unit][report]") {
  const std::string html = render_report_html({{"udp", json(metrics(false)), ""}}, "video");
  CHECK(html.find("chart-buffer") != std::string::npos);
  CHECK(html.find("id=\"audio\"") == std::string::npos);
  CHECK(html.find("chart-audio") == std::string::npos);
  CHECK(html.find("chart-av-offset") == std::string::npos);
  SECTION("beside a run with sound, only that run has lanes") {
    const std::string both = render_report_html(
        {{"video", json(metrics(false)), ""}, {"sound", json(metrics(true)), ""}}, "both");
    const std::string lanes = chart(both, "chart-audio");
    CHECK(count_of(lanes, ">concealed ") == 1);
    CHECK(count_of(lanes, "data-run=\"0\"") == 0);
    CHECK(count_of(lanes, "data-run=\"1\"") == 4);
  }
}
