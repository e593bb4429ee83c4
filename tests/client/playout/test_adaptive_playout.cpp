// AdaptivePlayout: the playout delay wired to a real PlayoutClock (time
// given by hand): adaptive moves the clock's base, fixed only by what its
// start was off, and a stall's own move of the base starts the measure
// afresh.
#include <catch2/catch.hpp>
#include <chrono>

#include "client/playout/adaptive_playout.hpp"

using namespace flowcast::client;
using namespace std::chrono_literals;

namespace {

const SteadyTime t0 = SteadyTime{} + 1000s;
constexpr int64_t kTick = 3000;  // 30 fps

// Frame i, whole `late` after it was sampled (t0 + i frames).
AccessUnitPayloads unit(int64_t i, std::chrono::microseconds late) {
  AccessUnitPayloads u;
  u.timestamp = i * kTick;
  u.bytes = 8000;
  u.first_arrival = t0 + std::chrono::microseconds(i * kTick * 1000 / 90) + late - 2ms;
  u.last_arrival = u.first_arrival + 2ms;
  return u;
}

PlayoutDelayConfig config(bool adaptive) {
  PlayoutDelayConfig c;
  c.adaptive = adaptive;
  c.fixed = 500ms;
  return c;
}

// Frames 0..n-1, each whole 10 ms after it was sampled plus 0 or 60 ms
// (alternating in runs of three), taken as soon as whole.
void feed(AdaptivePlayout& delay, int64_t from, int64_t n) {
  for (int64_t i = from; i < from + n; ++i) {
    const auto late = (i / 3) % 2 ? 70ms : 10ms;
    const auto u = unit(i, late);
    delay.on_taken(u, u.last_arrival);
  }
}

}  // namespace

TEST_CASE("AdaptivePlayout: adaptive moves the playout clock toward its target",
          "[unit][playout_delay]") {
  PlayoutClock clock;
  AdaptivePlayout delay(config(true), clock);
  clock.start(t0 + 50ms, 0);
  const auto due_before = *clock.due(300 * kTick);
  feed(delay, 0, 300);
  const auto r = delay.readings();
  CHECK(r.adaptive);
  CHECK(r.target_ms > 60.0);
  REQUIRE(r.actual_ms);
  CHECK(*r.actual_ms == Approx(r.target_ms).margin(5.0));
  // The base moved later by what the delay grew, at most 100 ms per second
  // of media (10 s here).
  const auto moved = *clock.due(300 * kTick) - due_before;
  CHECK(moved > 20ms);
  CHECK(moved <= 1000ms);
  CHECK(r.counters.emitted == 300);
}

TEST_CASE(
    "AdaptivePlayout: a fixed buffer moves the clock only so that its median frame waits "
    "--buffer",
    "[unit][playout_delay]") {
  PlayoutClock clock;
  AdaptivePlayout delay(config(false), clock);
  clock.start(t0 + 500ms, 0);
  const auto due_before = *clock.due(300 * kTick);
  feed(delay, 0, 300);
  // From its first packet each frame waits 492 or 432 ms, as many of each:
  // the median (nearest rank) is 432 ms, so the clock moves 68 ms later.
  const auto moved = *clock.due(300 * kTick) - due_before;
  CHECK(std::chrono::duration<double, std::milli>(moved).count() == Approx(68.0).margin(0.01));
  const auto r = delay.readings();
  CHECK_FALSE(r.adaptive);
  CHECK(r.target_ms == 500.0);
  CHECK(r.counters.target_delay_s == Approx(300 * 0.5));
  REQUIRE(r.actual_ms);
  // Whole 10 or 70 ms after sampling, due 568 ms after the first was: on
  // average about 528 ms early.
  CHECK(*r.actual_ms == Approx(528.0).margin(20.0));
}

TEST_CASE("AdaptivePlayout: a stall starts the measure afresh", "[unit][playout_delay]") {
  PlayoutClock clock;
  AdaptivePlayout delay(config(true), clock);
  clock.start(t0 + 50ms, 0);
  feed(delay, 0, 60);
  REQUIRE(delay.readings().actual_ms);
  clock.begin_stall(t0 + 2050ms, "underrun");
  clock.resume(t0 + 3050ms);
  // The first frames after the stall are measured against the new base only.
  feed(delay, 60, 2);
  CHECK_FALSE(delay.readings().actual_ms);
  feed(delay, 62, 10);
  REQUIRE(delay.readings().actual_ms);
  // A second later than before the stall: the frames wait about 1 s more.
  CHECK(*delay.readings().actual_ms > 900.0);
}
