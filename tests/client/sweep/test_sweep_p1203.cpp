// The P.1203 mode-0 input of a run against a hand-made example.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "client/sweep/sweep_p1203.hpp"

using namespace flowcast::client::sweep;

TEST_CASE("a run's P.1203 input: segments per second played, startup and stalls in media time",
          "[unit][sweep]") {
  // Launch; first picture at 500 ms; plays 2 s; stalls 1 s at 2.5 s since
  // launch (media 2 s); plays 0.5 s; stalls 0.3 s at 4 s (media 2.5 s).
  const auto metrics = nlohmann::json::parse(R"({
    "startup_ms": 500,
    "session": {"state_ms": {"joining": 500, "playing": 2500, "rebuffering": 1300, "frozen": 0}},
    "stalls": {"count": 2, "events": [{"start_ms": 2500, "duration_ms": 1000},
                                      {"start_ms": 4000, "duration_ms": 300}]}})");
  const auto input = p1203_input(metrics, {{"bitrate", "600k"}}, "320x240@30");
  REQUIRE(input);
  const auto& segments = (*input)["I13"]["segments"];
  REQUIRE(segments.size() == 3);  // 2.5 s played: 1 s, 1 s, 0.5 s
  CHECK(segments[0]["bitrate"] == 600.0);
  CHECK(segments[0]["resolution"] == "320x240");
  CHECK(segments[0]["fps"] == 30.0);
  CHECK(segments[2]["start"] == 2.0);
  CHECK(segments[2]["duration"] == Approx(0.5));
  const auto& stalling = (*input)["I23"]["stalling"];
  REQUIRE(stalling.size() == 3);
  CHECK(stalling[0] == nlohmann::json::array({0.0, 0.5}));
  CHECK(stalling[1][0] == Approx(2.0));
  CHECK(stalling[1][1] == Approx(1.0));
  CHECK(stalling[2][0] == Approx(2.5));
  CHECK(stalling[2][1] == Approx(0.3));
  CHECK((*input)["IGen"]["displaySize"] == "320x240");
  // No bitrate (a file) or no start: nothing to score.
  CHECK(!p1203_input(metrics, {}, "320x240@30"));
  CHECK(!p1203_input(nlohmann::json::parse(R"({"startup_ms": null})"), {{"bitrate", "600k"}},
                     "320x240@30"));
}
