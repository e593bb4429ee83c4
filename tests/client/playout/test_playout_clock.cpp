// PlayoutClock and rebuffering_ratio, with time points built by hand: a fixed
// origin plus offsets, so nothing waits on a real clock.
#include <catch2/catch.hpp>
#include <chrono>

#include "client/playout/playout_clock.hpp"

using namespace flowcast::client;
using namespace std::chrono_literals;
using std::chrono::microseconds;

namespace {
const SteadyTime t0 = SteadyTime{} + 1000s;
constexpr int64_t kFirst = 900000;  // the first timestamp (90 kHz)
}  // namespace

TEST_CASE("PlayoutClock: nothing is due before start", "[unit][playout_clock]") {
  PlayoutClock clock;
  CHECK(clock.state() == PlayState::starting);
  CHECK_FALSE(clock.due(kFirst));
  CHECK(clock.play_time(t0 + 5s) == 0us);
  CHECK(clock.stall_time(t0 + 5s) == 0us);
  // Startup is not a stall.
  clock.begin_stall(t0, "underrun");
  CHECK(clock.state() == PlayState::starting);
  CHECK(clock.stalls().empty());
}

TEST_CASE("PlayoutClock: due is base + (ts - first) / 90 kHz", "[unit][playout_clock]") {
  PlayoutClock clock;
  clock.start(t0, kFirst);
  CHECK(clock.state() == PlayState::playing);
  CHECK(clock.due(kFirst) == t0);
  CHECK(clock.due(kFirst + 90000) == t0 + 1s);
  CHECK(clock.due(kFirst + 3000) == t0 + 33333us);
  CHECK(clock.due(kFirst + 9000) == t0 + 100ms);
  CHECK(clock.due(kFirst + 45) == t0 + 500us);
  // A timestamp before the first one (a B-frame) is due before the start.
  CHECK(clock.due(kFirst - 9000) == t0 - 100ms);

  // A second start changes nothing.
  clock.start(t0 + 10s, kFirst + 90000);
  CHECK(clock.due(kFirst) == t0);
  CHECK(clock.play_time(t0 + 2s) == 2s);
}

TEST_CASE("PlayoutClock: a stall moves every later due time by its length",
          "[unit][playout_clock]") {
  PlayoutClock clock;
  clock.start(t0, kFirst);
  const int64_t stalled_ts = kFirst + 90000;  // due at t0 + 1 s
  const auto due = *clock.due(stalled_ts);
  REQUIRE(due == t0 + 1s);
  const auto later_before = *clock.due(stalled_ts + 45000);

  clock.begin_stall(due, "underrun");
  CHECK(clock.state() == PlayState::stalled);
  CHECK(clock.stall_time(due + 300ms) == 300ms);  // an open stall counts up to now
  clock.resume(due + 750ms);
  CHECK(clock.state() == PlayState::playing);

  CHECK(clock.due(stalled_ts) == due + 750ms);
  CHECK(*clock.due(stalled_ts + 45000) - later_before == 750ms);
  CHECK(clock.due(kFirst) == t0 + 750ms);

  const auto stalls = clock.stalls();
  REQUIRE(stalls.size() == 1);
  CHECK(stalls[0].start == due);
  CHECK(stalls[0].duration == 750ms);
  CHECK(stalls[0].cause == "underrun");

  // From t0 to t0 + 3 s: 750 ms stalled, the rest played.
  CHECK(clock.stall_time(t0 + 3s) == 750ms);
  CHECK(clock.play_time(t0 + 3s) == 2250ms);

  SECTION("a second stall adds up") {
    clock.begin_stall(t0 + 4s, "underrun");
    clock.resume(t0 + 4200ms);
    CHECK(clock.stalls().size() == 2);
    CHECK(clock.stall_time(t0 + 5s) == 950ms);
    CHECK(clock.play_time(t0 + 5s) == 4050ms);
    CHECK(clock.due(stalled_ts) == due + 950ms);
  }

  SECTION("resume without a stall changes nothing") {
    clock.resume(t0 + 4s);
    CHECK(clock.due(stalled_ts) == due + 750ms);
    CHECK(clock.stalls().size() == 1);
  }
}

TEST_CASE("PlayoutClock: end() during a stall closes it", "[unit][playout_clock]") {
  PlayoutClock clock;
  clock.start(t0, kFirst);
  clock.begin_stall(t0 + 2s, "underrun");
  clock.end(t0 + 2500ms);
  CHECK(clock.state() == PlayState::ended);
  const auto stalls = clock.stalls();
  REQUIRE(stalls.size() == 1);
  CHECK(stalls[0].duration == 500ms);
  // Nothing counts after the end.
  CHECK(clock.stall_time(t0 + 10s) == 500ms);
  CHECK(clock.play_time(t0 + 10s) == 2s);
  // The end is final.
  clock.resume(t0 + 11s);
  CHECK(clock.state() == PlayState::ended);
  CHECK(clock.stall_time(t0 + 12s) == 500ms);
}

TEST_CASE("PlayoutClock: end() while playing stops play time", "[unit][playout_clock]") {
  PlayoutClock clock;
  clock.start(t0, kFirst);
  clock.end(t0 + 7s);
  CHECK(clock.play_time(t0 + 60s) == 7s);
  CHECK(clock.stall_time(t0 + 60s) == 0us);
  CHECK(clock.stalls().empty());

  PlayoutClock never_started;
  never_started.end(t0 + 3s);
  CHECK(never_started.play_time(t0 + 4s) == 0us);
  CHECK(never_started.stall_time(t0 + 4s) == 0us);
}

TEST_CASE("rebuffering_ratio: stall / (play + stall)", "[unit][playout_clock]") {
  CHECK(rebuffering_ratio(16900ms, 3100ms) == Approx(0.155));
  CHECK(rebuffering_ratio(10s, 0us) == 0.0);
  CHECK(rebuffering_ratio(0us, 0us) == 0.0);
  CHECK(rebuffering_ratio(0us, 2s) == Approx(1.0));
  CHECK(rebuffering_ratio(1s, 1s) == Approx(0.5));

  // From a clock: start, play 2 s, stall 500 ms, play 1.5 s.
  PlayoutClock clock;
  clock.start(t0, kFirst);
  clock.begin_stall(t0 + 2s, "underrun");
  clock.resume(t0 + 2500ms);
  const auto now = t0 + 4s;
  CHECK(rebuffering_ratio(clock.play_time(now), clock.stall_time(now)) == Approx(0.125));
}
