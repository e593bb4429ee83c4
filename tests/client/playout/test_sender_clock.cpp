// SenderClock and the playout's use of it: a gap in the source (the sender
// reports, nothing in flight) is not a stall; packets in flight or a report
// gone stale still are; and a stall that ends on a picture far beyond the
// missing one does not add the source's gap to the clock again. Fake clock.
#include <catch2/catch.hpp>
#include <chrono>

#include "client/playout/playout_policy.hpp"
#include "client/playout/sender_clock.hpp"

using namespace flowcast::client;
using namespace std::chrono_literals;

namespace {

const SteadyTime t0 = SteadyTime{} + 1000s;
constexpr int64_t kFirst = 900000;
constexpr int64_t kTick = 9000;  // 10 fps

PlayoutConfig config() {
  PlayoutConfig c;
  c.buffer = 500ms;
  c.rebuffer = 500ms;
  c.decode_lead = 150ms;
  return c;
}

}  // namespace

TEST_CASE("SenderClock: a report with nothing in flight runs on until media flows",
          "[unit][playout]") {
  SenderClock clock;
  CHECK_FALSE(clock.idle_through(t0));
  clock.on_sender_report(t0, kFirst, true);
  CHECK(clock.idle_through(t0) == kFirst);
  CHECK(clock.idle_through(t0 + 500ms) == kFirst + 45000);
  // Media again: the sender is no longer idle past that moment.
  clock.on_media(t0 + 200ms);
  CHECK(clock.idle_through(t0 + 600ms) == kFirst + 18000);
  // The next report starts over.
  clock.on_sender_report(t0 + 2s, kFirst + 180000, true);
  CHECK(clock.idle_through(t0 + 2s + 100ms) == kFirst + 189000);
  // Too old: the link may be held up, not idle.
  CHECK_FALSE(clock.idle_through(t0 + 2s + SenderClock::kFresh + 1ms));
}

TEST_CASE("SenderClock: nothing is known past the moment the receiver stops reading",
          "[unit][playout]") {
  SenderClock clock;
  clock.on_sender_report(t0, kFirst, true);
  clock.on_not_reading(t0 + 100ms);
  CHECK(clock.idle_through(t0 + 600ms) == kFirst + 9000);
}

TEST_CASE("SenderClock: packets in flight say nothing about a gap", "[unit][playout]") {
  SenderClock clock;
  clock.on_sender_report(t0, kFirst, false);
  CHECK_FALSE(clock.idle_through(t0 + 100ms));
}

TEST_CASE("PlayoutPolicy: a missing picture the idle sender ran past is not a stall",
          "[unit][playout]") {
  PlayoutClock clock;
  SenderClock sender;
  PlayoutPolicy policy(config(), clock);
  policy.set_sender_clock(&sender);
  clock.start(t0, kFirst);
  const int64_t last = kFirst + 9 * kTick;
  const auto expected = *clock.due(last + kTick);
  // The sender's clock runs half a second ahead of the playout.
  sender.on_sender_report(expected - 200ms, last + kTick + 30000, true);

  SECTION("a still in the source") {
    CHECK_FALSE(policy.check_stall(expected + 100ms, last, kTick, false, false));
    // The reports go on through the still, every 250 ms.
    for (auto at = expected; at < expected + 3s; at += 250ms) {
      sender.on_sender_report(at, last + kTick + 30000 + (at - expected) / 1ms * 90, true);
      CHECK_FALSE(policy.check_stall(at + 100ms, last, kTick, false, false));
    }
    CHECK(clock.state() == PlayState::playing);
  }
  SECTION("the reports stop: the link is held up") {
    CHECK(policy.check_stall(expected - 200ms + SenderClock::kFresh + 1ms, last, kTick, false,
                             false));
  }
  SECTION("the sender sent more than arrived") {
    sender.on_sender_report(expected - 100ms, last + kTick + 30000, false);
    CHECK(policy.check_stall(expected + 100ms, last, kTick, false, false));
  }
  SECTION("the sender's clock had not reached the picture: it is late") {
    sender.on_sender_report(expected - 200ms, last, true);
    sender.on_media(expected - 200ms);
    CHECK(policy.check_stall(expected + 100ms, last, kTick, false, false));
  }
}

TEST_CASE("PlayoutClock: a stall ended by a picture far beyond the missing one keeps its time",
          "[unit][playout]") {
  PlayoutClock clock;
  clock.start(t0, kFirst);
  const auto missing_due = *clock.due(kFirst + 10 * kTick);  // t0 + 1 s
  clock.begin_stall(missing_due, "underrun");
  // The source had a 7 s still: the next picture is due 7 s later anyway,
  // and arrives (with --rebuffer more) 7.4 s after the stall began.
  const int64_t next = kFirst + 10 * kTick + 7 * 90000;
  const auto resumed = missing_due + 7400ms;
  clock.resume_for(resumed, next);
  REQUIRE(clock.stalls().size() == 1);
  CHECK(clock.stalls()[0].duration == 7400ms);
  // Only the 400 ms it came late by moves the base: it is due now.
  CHECK(*clock.due(next) == resumed);
}

TEST_CASE("PlayoutClock: a stall ended by the missing picture moves the base by its length",
          "[unit][playout]") {
  PlayoutClock clock;
  clock.start(t0, kFirst);
  const int64_t missing = kFirst + 10 * kTick;
  const auto missing_due = *clock.due(missing);
  clock.begin_stall(missing_due, "underrun");
  clock.resume_for(missing_due + 2s, missing);
  CHECK(*clock.due(missing) == missing_due + 2s);
  // So does one the decoder's reordering puts beside it.
  PlayoutClock reordered;
  reordered.start(t0, kFirst);
  reordered.begin_stall(missing_due, "underrun");
  reordered.resume_for(missing_due + 2s, missing + 2 * kTick);
  CHECK(*reordered.due(missing) == missing_due + 2s);
}
