// PlayoutPolicy: the playout rules with a fake clock (time points built by
// hand) and the buffer's state given as a value: startup, the loss deadline,
// the end of the stream, stall start and end, and rebuffering.
#include <catch2/catch.hpp>
#include <chrono>

#include "client/playout/playout_policy.hpp"

using namespace flowcast::client;
using namespace std::chrono_literals;
using Action = PlayoutDecision::Action;

namespace {

const SteadyTime t0 = SteadyTime{} + 1000s;
constexpr int64_t kFirst = 900000;
constexpr int64_t kTick = 3000;  // 30 fps

PlayoutConfig config() {
  PlayoutConfig c;
  c.buffer = 500ms;
  c.rebuffer = 300ms;
  c.decode_lead = 150ms;
  return c;
}

// A buffer holding access units from kFirst + front * kTick on.
BufferState holding(int64_t front = 0) {
  BufferState b;
  b.empty = false;
  b.front_timestamp = kFirst + front * kTick;
  b.has_later_data = true;
  return b;
}

}  // namespace

TEST_CASE("PlayoutPolicy: startup waits until --buffer is held, then starts the clock",
          "[unit][playout]") {
  PlayoutClock clock;
  const PlayoutPolicy policy(config(), clock);
  CHECK(policy.measures_startup());
  BufferState b = holding();
  b.front_complete = true;
  b.held_for = 200ms;
  auto d = policy.decide(b, t0);
  CHECK(d.action == Action::wait);
  // The held time grows by itself: it looks again when it will be enough.
  REQUIRE(d.wake_at);
  CHECK(*d.wake_at == t0 + 300ms);
  b.held_for = 480ms;
  d = policy.decide(b, t0);
  CHECK(d.action == Action::wait);
  CHECK(*d.wake_at == t0 + 20ms);  // exactly when it will be enough
  CHECK(clock.state() == PlayState::starting);

  b.held_for = 500ms;
  d = policy.decide(b, t0 + 20ms);
  CHECK(d.action == Action::take_complete);
  CHECK(clock.state() == PlayState::playing);
  CHECK(clock.due(kFirst) == t0 + 20ms);
  CHECK_FALSE(policy.measures_startup());
}

TEST_CASE("PlayoutPolicy: a full buffer or the end of the stream starts playback early",
          "[unit][playout]") {
  for (const bool full : {true, false}) {
    PlayoutClock clock;
    const PlayoutPolicy policy(config(), clock);
    BufferState b = holding();
    b.held_for = 100ms;
    b.full = full;
    b.end_of_stream = !full;
    b.front_complete = true;
    CHECK(policy.decide(b, t0).action == Action::take_complete);
    CHECK(clock.state() == PlayState::playing);
  }
  PlayoutClock clock;
  const PlayoutPolicy policy(config(), clock);
  BufferState empty;
  empty.end_of_stream = true;
  CHECK(policy.decide(empty, t0).action == Action::finished);
  empty.end_of_stream = false;
  CHECK(policy.decide(empty, t0).action == Action::wait);
}

TEST_CASE("PlayoutPolicy: a gap becomes a loss at the release time, when later data is held",
          "[unit][playout]") {
  PlayoutClock clock;
  const PlayoutPolicy policy(config(), clock);
  clock.start(t0, kFirst);
  // The front access unit, 1 s into the stream, misses a packet.
  BufferState b = holding(30);
  const SteadyTime due = t0 + 1s;
  const SteadyTime release = due - 150ms;

  auto d = policy.decide(b, release - 200ms);
  CHECK(d.action == Action::wait);
  CHECK(*d.wake_at == release);  // no timer before the deadline
  d = policy.decide(b, release - 30ms);
  CHECK(d.action == Action::wait);
  CHECK(*d.wake_at == release);  // wakes at the deadline itself
  CHECK(policy.decide(b, release).action == Action::take_incomplete);

  // Without later data, the gap may still be a delay: it waits for packets.
  b.has_later_data = false;
  d = policy.decide(b, release + 10ms);
  CHECK(d.action == Action::wait);
  CHECK_FALSE(d.wake_at);  // only a packet (the buffer's change) wakes it
  // A complete access unit leaves at once, however early.
  b.front_complete = true;
  CHECK(policy.decide(b, t0).action == Action::take_complete);
}

TEST_CASE("PlayoutPolicy: at the end of the stream the last access unit leaves as it is",
          "[unit][playout]") {
  PlayoutClock clock;
  const PlayoutPolicy policy(config(), clock);
  clock.start(t0, kFirst);
  BufferState b = holding(3);
  b.has_later_data = false;
  b.end_of_stream = true;
  CHECK(policy.decide(b, t0).action == Action::take_at_end);
  BufferState empty;
  empty.end_of_stream = true;
  CHECK(policy.decide(empty, t0).action == Action::finished);
}

TEST_CASE("PlayoutPolicy: a stall starts one frame after the missing picture was due",
          "[unit][playout]") {
  PlayoutClock clock;
  const PlayoutPolicy policy(config(), clock);
  // Before playback nothing is a stall (startup is not one).
  CHECK_FALSE(policy.check_stall(t0 + 5s, kFirst, kTick, false, false));
  CHECK_FALSE(policy.stall_check_time(kFirst, kTick));
  clock.start(t0, kFirst);
  // The picture after kFirst + 30 ticks is due at t0 + 1033 ms; grace one frame.
  const int64_t last = kFirst + 30 * kTick;
  const SteadyTime expected = t0 + 1s + 33333us;
  // The render loop sleeps until the first time a stall may begin.
  CHECK(policy.stall_check_time(last, kTick) == expected + 33333us);
  CHECK_FALSE(policy.check_stall(expected + 33ms, last, kTick, false, false));
  // Something playable, or the end of the stream: not a stall.
  CHECK_FALSE(policy.check_stall(expected + 40ms, last, kTick, true, false));
  CHECK_FALSE(policy.check_stall(expected + 40ms, last, kTick, false, true));
  CHECK(clock.state() == PlayState::playing);
  CHECK(policy.check_stall(expected + 40ms, last, kTick, false, false));
  CHECK(clock.state() == PlayState::stalled);
  REQUIRE(clock.stalls().size() == 1);
  CHECK(clock.stalls()[0].start == expected);
  CHECK(clock.stalls()[0].cause == "underrun");
  // Already stalled: not a second one.
  CHECK_FALSE(policy.check_stall(expected + 1s, last, kTick, false, false));
}

TEST_CASE("PlayoutPolicy: rebuffering ends once --rebuffer is held, and the base moves",
          "[unit][playout]") {
  PlayoutClock clock;
  const PlayoutPolicy policy(config(), clock);
  clock.start(t0, kFirst);
  const int64_t last = kFirst + 30 * kTick;
  const SteadyTime expected = t0 + 1s + 33333us;
  REQUIRE(policy.check_stall(expected + 40ms, last, kTick, false, false));

  BufferState b = holding(31);
  b.front_complete = true;
  b.held_for = 10s;    // startup's measure does not count here
  b.buffered = 200ms;  // media held: below --rebuffer
  auto d = policy.decide(b, expected + 500ms);
  CHECK(d.action == Action::wait);
  CHECK_FALSE(d.wake_at);  // media held grows only as packets arrive
  CHECK(clock.state() == PlayState::stalled);

  b.buffered = 300ms;
  d = policy.decide(b, expected + 2s);
  CHECK(d.action == Action::take_complete);
  CHECK(clock.state() == PlayState::playing);
  // The stall lasted 2 s: the missing picture is now due 2 s later.
  CHECK(clock.due(last + kTick) == expected + 2s);
  CHECK(clock.stall_time(expected + 3s) == 2s);
}
