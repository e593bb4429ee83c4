// PlaybackTimeline with made-up times: frames due by their decode times
// from the first one, and the timeline moved by holds and pauses.
#include <catch2/catch.hpp>

#include "server/session/playback_timeline.hpp"

using namespace flowcast::server;
using namespace std::chrono_literals;

TEST_CASE("a playback timeline starts with its first frame and follows the decode times",
          "[unit]") {
  const auto t0 = PlaybackTimeline::Clock::time_point{} + 100s;
  PlaybackTimeline timeline;
  timeline.restart(t0);
  CHECK_FALSE(timeline.anchored());
  // The first frame came 2 s late (a transcoder): the timeline starts there.
  timeline.anchor(900000, t0 + 2s);
  REQUIRE(timeline.anchored());
  timeline.anchor(903000, t0 + 3s);  // only the first anchors
  CHECK(timeline.due(900000) == t0 + 2s);
  CHECK(timeline.due(903000) == t0 + 2s + 33333us);
  CHECK(timeline.time_at(t0 + 3s) == 990000);
  timeline.restart(t0 + 10s);  // a seek
  CHECK_FALSE(timeline.anchored());
}

TEST_CASE("a playback timeline moves by a hold and by a pause, never back", "[unit]") {
  const auto t0 = PlaybackTimeline::Clock::time_point{} + 100s;
  PlaybackTimeline timeline;
  timeline.restart(t0);
  timeline.anchor(0, t0);
  // The frame due at 1 s could leave only at 1.5 s: what follows moves too.
  timeline.held_until(90000, t0 + 1500ms);
  CHECK(timeline.due(90000) == t0 + 1500ms);
  CHECK(timeline.due(180000) == t0 + 2500ms);
  timeline.held_until(180000, t0 + 2s);  // early: nothing moves
  CHECK(timeline.due(180000) == t0 + 2500ms);
  // Paused from 3 s to 5 s.
  timeline.paused_from(t0 + 3s, t0 + 5s);
  CHECK(timeline.due(180000) == t0 + 4500ms);
  CHECK(timeline.time_at(t0 + 4500ms) == 180000);
}
